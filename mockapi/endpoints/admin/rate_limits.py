"""Project rate limits (``/v1/organization/projects/{project_id}/rate_limits``), listed,
updated, and **enforced** on the requests made with the project's keys.

* ``GET .../rate_limits``: a ``project.rate_limit`` per model (``rl-<model>``): the
  organization's limits from :data:`DEFAULTS` (and the chat defaults for any other
  model the server lists), with the project's own values over them; 100 a page by
  default, ``after``/``before``, oldest first.
* ``POST .../rate_limits/rl-<model>``: sets any of ``max_requests_per_1_minute``,
  ``max_tokens_per_1_minute``, ``max_images_per_1_minute``,
  ``max_audio_megabytes_per_1_minute``, ``max_requests_per_1_day``,
  ``batch_1_day_max_input_tokens`` (whole numbers from 1 up to the organization's
  limit: a project's limit can only lower the organization's, as the API's docs say)
  for the project; answers the updated limit and writes a ``rate_limit.updated`` audit
  log event. An unknown project or rate limit is the API's 404.

**Enforced.** Once a project's requests or tokens per minute are set for a model, each
request for that model made with one of the project's keys (the keys
:func:`~.keys.key_owner` knows; a key the Administration API did not issue counts for
the default project) takes one request and its tokens from the project's buckets
(:class:`ProjectLimiter`, the rate limiter of :mod:`mockapi.faults.ratelimit`): past
them it is the API's 429 (``Rate limit reached for gpt-4o-mini in project proj_...
organization org-mockapi on requests per min (RPM): ...``) with ``retry-after`` and
the ``x-ratelimit-*`` headers, which every answer in the project's limits carries.
Another project's keys are not touched. Limits never set are listed, not enforced (a
test should not be throttled by the organization's published limits), and a batch's
lines are not taken (batches have their own daily queue limit, which the mock does not
enforce). Requests per day, images and audio megabytes are listed and stored only.

All of a organization's set limits are kept in one state object
(:data:`KIND`/``overrides``): the check made on every ``POST`` is one read when none
is set, and every worker sees the same limits (each worker keeps its own buckets, as
the server-wide limiter does).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints.admin import audit, ledger, org
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.faults import ratelimit
from mockapi.faults.answers import model_of
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Request
from mockapi.state.store import StateStore

KIND = org.kind("rate_limits")
"""The state kind holding the organization's set project limits (one object)."""
_OVERRIDES = "overrides"
PREFIX = "rl-"
FIELDS = (
    "max_requests_per_1_minute",
    "max_tokens_per_1_minute",
    "max_images_per_1_minute",
    "max_audio_megabytes_per_1_minute",
    "max_requests_per_1_day",
    "batch_1_day_max_input_tokens",
)

_CHAT = {
    "max_requests_per_1_minute": 10_000,
    "max_tokens_per_1_minute": 30_000_000,
    "batch_1_day_max_input_tokens": 5_000_000_000,
}
_MINI = {
    "max_requests_per_1_minute": 30_000,
    "max_tokens_per_1_minute": 150_000_000,
    "batch_1_day_max_input_tokens": 15_000_000_000,
}
_EMBEDDING = {
    "max_requests_per_1_minute": 10_000,
    "max_tokens_per_1_minute": 10_000_000,
    "batch_1_day_max_input_tokens": 4_000_000_000,
}
DEFAULTS: dict[str, dict[str, int]] = {
    "gpt-5": {
        "max_requests_per_1_minute": 15_000,
        "max_tokens_per_1_minute": 40_000_000,
        "batch_1_day_max_input_tokens": 15_000_000_000,
    },
    "gpt-5-mini": _MINI,
    "gpt-4.1": _CHAT,
    "gpt-4.1-mini": _MINI,
    "gpt-4o": _CHAT,
    "gpt-4o-mini": _MINI,
    "o3-mini": _MINI,
    "gpt-3.5-turbo": {
        "max_requests_per_1_minute": 10_000,
        "max_tokens_per_1_minute": 50_000_000,
        "batch_1_day_max_input_tokens": 10_000_000_000,
    },
    "gpt-3.5-turbo-instruct": {
        "max_requests_per_1_minute": 3_500,
        "max_tokens_per_1_minute": 90_000,
    },
    "text-embedding-3-small": _EMBEDDING,
    "text-embedding-3-large": _EMBEDDING,
    "text-embedding-ada-002": _EMBEDDING,
    "omni-moderation-latest": {
        "max_requests_per_1_minute": 1_000,
        "max_tokens_per_1_minute": 150_000,
    },
    "dall-e-2": {
        "max_requests_per_1_minute": 500,
        "max_tokens_per_1_minute": 150_000,
        "max_images_per_1_minute": 500,
    },
    "dall-e-3": {
        "max_requests_per_1_minute": 500,
        "max_tokens_per_1_minute": 150_000,
        "max_images_per_1_minute": 500,
    },
    "gpt-image-1": {
        "max_requests_per_1_minute": 250,
        "max_tokens_per_1_minute": 8_000_000,
        "max_images_per_1_minute": 250,
    },
    "whisper-1": {
        "max_requests_per_1_minute": 10_000,
        "max_tokens_per_1_minute": 150_000,
        "max_audio_megabytes_per_1_minute": 1_000,
    },
    "tts-1": {"max_requests_per_1_minute": 10_000, "max_tokens_per_1_minute": 150_000},
}
"""The organization's limits per model, which a project's limits lower. Assumed: usage
tier 5's published limits (platform.openai.com/docs/models, 2025-08), and for gpt-4o,
gpt-4o-mini, gpt-3.5-turbo and gpt-5 the x-ratelimit-limit-* headers of the recorded
traffic; requests per day are not limited at tier 5, so no model lists them."""


def _defaults(ctx: Context) -> dict[str, dict[str, int]]:
    """Every model's organization limits: the table's, then any other listed model's
    (the chat defaults)."""
    table = dict(DEFAULTS)
    for model in ctx.models:
        name = model.get("id")
        if isinstance(name, str) and name not in table:
            table[name] = _CHAT
    return table


def _overrides(state: StateStore) -> dict[str, Any]:
    found = state.get(KIND, _OVERRIDES)
    return found if isinstance(found, dict) else {}


def _project(ctx: Context) -> dict[str, Any]:
    project_id = ctx.params["project_id"]
    found = ctx.state.get(org.PROJECTS, project_id)
    if not isinstance(found, dict):
        raise org.not_found("Project", project_id)
    return found


def _shown(model: str, limits: Mapping[str, int], mine: Mapping[str, int]) -> dict[str, Any]:
    values = {**limits, **mine}
    return {
        "object": "project.rate_limit",
        "id": PREFIX + model,
        "model": model,
        **{name: values[name] for name in FIELDS if name in values},
    }


def _limits(ctx: Context, project_id: str) -> list[dict[str, Any]]:
    mine = (_overrides(ctx.state).get("projects") or {}).get(project_id) or {}
    return [_shown(m, limits, mine.get(m) or {}) for m, limits in _defaults(ctx).items()]


def list_rate_limits(ctx: Context) -> FixtureResponse:
    """``GET .../rate_limits``: the project's limit for each model."""
    project = _project(ctx)
    items = _limits(ctx, project["id"])
    return FixtureResponse(body=org.page(ctx, items=items, default_limit=100))


def update_rate_limit(ctx: Context) -> FixtureResponse:
    """``POST .../rate_limits/{rate_limit_id}``: the project's limit for one model set."""
    project = _project(ctx)
    rate_limit_id = ctx.params["rate_limit_id"]
    model = rate_limit_id.removeprefix(PREFIX)
    table = _defaults(ctx)
    if not rate_limit_id.startswith(PREFIX) or model not in table:
        raise org.not_found("RateLimit", rate_limit_id)
    changes = {name: ctx.body[name] for name in FIELDS if name in ctx.body}
    for name, value in changes.items():
        most = table[model].get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise APIError(
                400,
                f"Invalid '{name}': expected a whole number of at least 1, got {value!r}.",
                param=name,
                code="invalid_value",
            )
        if most is not None and value > most:
            raise APIError(
                400,
                f"Invalid '{name}': {value} is above the organization's limit of {most} "
                f"for {model}; a project's rate limit can only lower the organization's.",
                param=name,
                code="invalid_value",
            )
    project_id = str(project["id"])
    default_project = org.default_project_id(ctx)

    def setting(kept: Any) -> Any:
        projects = dict(kept.get("projects") or {})
        models = dict(projects.get(project_id) or {})
        models[model] = {**(models.get(model) or {}), **changes}
        projects[project_id] = models
        return {**kept, "projects": projects, "default_project_id": default_project}

    kept = ctx.state.update(KIND, _OVERRIDES, setting, start={"id": _OVERRIDES})
    mine = (((kept or {}).get("projects") or {}).get(project_id) or {}).get(model) or {}
    details = {"id": rate_limit_id, "changes_requested": changes}
    audit.audit(ctx, "rate_limit.updated", details, project_id=project_id)
    return FixtureResponse(body=_shown(model, table[model], mine))


_RATE_LIMITS = "/v1/organization/projects/{project_id}/rate_limits"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", _RATE_LIMITS, lookup=list_rate_limits),
    Endpoint("POST", _RATE_LIMITS + "/{rate_limit_id}", body=Body.JSON, lookup=update_rate_limit),
)


# -- enforcement ------------------------------------------------------------------------


def _limited_model(models: Mapping[str, Any], model: str) -> str | None:
    """The limited model ``model`` is (itself, or the model it is a snapshot of:
    ``gpt-4o-mini-2024-07-18`` of ``gpt-4o-mini``), or None."""
    if model in models:
        return model
    bases = [name for name in models if model.startswith(name + "-")]
    return max(bases, key=len, default=None)


class ProjectLimiter:
    """Each project's buckets per model, for the limits set on it (see the module
    docstring); one per server, reset with it."""

    def __init__(self) -> None:
        self._limiters: dict[tuple[str, str], ratelimit.RateLimiter] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Full buckets for every project (each test starts afresh)."""
        with self._lock:
            self._limiters.clear()

    def active(self, state: StateStore) -> bool:
        """Whether any project has limits set (one read of the state store)."""
        return isinstance(state.get(KIND, _OVERRIDES), dict)

    def take(self, state: StateStore, request: Request) -> dict[str, str] | None:
        """Take ``request`` (a ``POST``) from its project's buckets for its model: the
        ``x-ratelimit-*`` headers to answer with, None when no limit of the project
        applies; raises the API's 429 when the buckets are empty."""
        kept = state.get(KIND, _OVERRIDES)
        if not isinstance(kept, dict) or ledger.BATCH_HEADER in request.headers:
            return None
        caller = ledger.who(state, request.headers)
        project_id = caller.project_id or str(kept.get("default_project_id") or "")
        models = (kept.get("projects") or {}).get(project_id)
        model = model_of(request)
        limited = _limited_model(models, model) if isinstance(models, dict) else None
        if limited is None or not isinstance(models, dict):
            return None
        mine = models[limited]
        base = {**_CHAT, **DEFAULTS.get(limited, {})}
        limits = ratelimit.Limits(
            rpm=int(mine.get("max_requests_per_1_minute", base["max_requests_per_1_minute"])),
            tpm=int(mine.get("max_tokens_per_1_minute", base["max_tokens_per_1_minute"])),
            organization=org.ORG_ID,
        )
        limiter = self._limiter(project_id, limited, limits)
        verdict = limiter.check(  # a snapshot shares its model's buckets, and is named by it
            project_id,
            limited,
            ratelimit.request_tokens(request.json),
            organization=request.headers.get("openai-organization") or org.ORG_ID,
            project=project_id,
        )
        if verdict.error is not None:
            raise verdict.error
        return dict(verdict.headers)

    def _limiter(
        self, project_id: str, model: str, limits: ratelimit.Limits
    ) -> ratelimit.RateLimiter:
        """The project's limiter for ``model``: a new one (full buckets) when its
        limits changed."""
        with self._lock:
            found = self._limiters.get((project_id, model))
            if found is None or found.limits != limits:
                found = ratelimit.RateLimiter(limits)
                self._limiters[(project_id, model)] = found
            return found
