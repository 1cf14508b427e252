"""The usage routes (``GET /v1/organization/usage/<route>``): what the mock answered,
bucketed by time and grouped as asked.

Every ``client.admin.organization.usage`` method of the SDK has its route here (its
row in :data:`ROUTES`): completions (chat completions, legacy completions and
Responses, ``batch`` telling batch lines apart), embeddings, moderations, images,
audio speeches and transcriptions, vector stores, code interpreter sessions, file
search and web search calls, and decisions (the Decisions API is not served, so its
buckets are always empty). The figures come from the usage ledger
(:mod:`.ledger`), written as each answer was sent: tokens as the answers' ``usage``
said them. Vector stores are the bytes each store holds now (``usage_bytes``), counted
in every bucket from the one it was created in.

Filters (``project_ids``, ``user_ids``, ``api_key_ids``, ``models``, ``batch``,
``sizes``, ``sources``, ``vector_store_ids``, ``context_levels``) keep what matches
every one given; ``group_by`` splits each bucket's total by the fields named, each
result carrying its route's group fields (null unless grouped). Buckets, ``limit`` and
``page`` as :mod:`.buckets` says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints.admin import buckets, ledger, org
from mockapi.endpoints.admin.buckets import Item
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

_WHO = ("project_id", "user_id", "api_key_id")
_FILTERS = {"project_ids": "project_id", "user_ids": "user_id", "api_key_ids": "api_key_id"}
_MODELS = {**_FILTERS, "models": "model"}


def completion_fields(counts: Mapping[str, Any]) -> dict[str, int]:
    """A completions result's token fields from the ledger's counts: the input split
    into cached and uncached, text and audio (no image tokens are ever recorded, and
    cached tokens are taken to be text: the answers' usage does not split them)."""
    number = {k: int(v) for k, v in counts.items()}
    given = number.get("input_tokens", 0)
    cached = number.get("input_cached_tokens", 0)
    audio_in = number.get("input_audio_tokens", 0)
    output = number.get("output_tokens", 0)
    audio_out = number.get("output_audio_tokens", 0)
    return {
        "input_tokens": given,
        "output_tokens": output,
        "input_cached_tokens": cached,
        "input_cache_write_tokens": 0,
        "input_uncached_tokens": given - cached,
        "input_text_tokens": max(0, given - cached - audio_in),
        "output_text_tokens": max(0, output - audio_out),
        "input_cached_text_tokens": cached,
        "input_audio_tokens": audio_in,
        "input_cached_audio_tokens": 0,
        "output_audio_tokens": audio_out,
        "input_image_tokens": 0,
        "input_cached_image_tokens": 0,
        "output_image_tokens": 0,
        "num_model_requests": number.get("num_model_requests", 0),
    }


def _plain(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], dict[str, int]]:
    def fields(counts: Mapping[str, Any]) -> dict[str, int]:
        return {name: int(counts.get(name, 0)) for name in names}

    return fields


@dataclass(frozen=True)
class Route:
    """One usage route: its result object, what it counts and how it groups."""

    name: str
    """The path's last segment and the ledger category (``completions``)."""
    result: str
    """The results' ``object``."""
    fields: Callable[[Mapping[str, Any]], dict[str, int]]
    """The result's counted fields from the summed ledger counts."""
    groups: tuple[str, ...]
    """The ``group_by`` fields, shown (null unless grouped) on every result."""
    filters: Mapping[str, str] = field(default_factory=dict)
    """Query filter name -> the dimension it keeps (``models`` -> ``model``)."""
    batch_filter: bool = False

    @property
    def template(self) -> str:
        return f"/v1/organization/usage/{self.name}"


def _route(name: str, fields: Any, groups: tuple[str, ...], **options: Any) -> Route:
    result = f"organization.usage.{name}.result"
    return Route(name, result, fields, groups, **options)


_COMPLETION_GROUPS = (*_WHO, "model", "batch", "service_tier")
_MODEL_GROUPS = (*_WHO, "model")
ROUTES: tuple[Route, ...] = (
    _route(
        "completions",
        completion_fields,
        _COMPLETION_GROUPS,
        filters=_MODELS,
        batch_filter=True,
    ),
    _route("decisions", completion_fields, _COMPLETION_GROUPS, filters=_MODELS, batch_filter=True),
    _route(
        "embeddings", _plain(("input_tokens", "num_model_requests")), _MODEL_GROUPS, filters=_MODELS
    ),
    _route(
        "moderations",
        _plain(("input_tokens", "num_model_requests")),
        _MODEL_GROUPS,
        filters=_MODELS,
    ),
    _route(
        "images",
        _plain(("images", "num_model_requests")),
        (*_MODEL_GROUPS, "size", "source"),
        filters={**_MODELS, "sizes": "size", "sources": "source"},
    ),
    _route(
        "audio_speeches",
        _plain(("characters", "num_model_requests")),
        _MODEL_GROUPS,
        filters=_MODELS,
    ),
    _route(
        "audio_transcriptions",
        _plain(("seconds", "num_model_requests")),
        _MODEL_GROUPS,
        filters=_MODELS,
    ),
    _route(
        "vector_stores",
        _plain(("usage_bytes",)),
        ("project_id",),
        filters={"project_ids": "project_id"},
    ),
    _route(
        "code_interpreter_sessions",
        _plain(("num_sessions",)),
        ("project_id",),
        filters={"project_ids": "project_id"},
    ),
    dataclasses.replace(
        _route(
            "file_search_calls",
            _plain(("num_requests",)),
            (*_WHO, "vector_store_id"),
            filters={**_FILTERS, "vector_store_ids": "vector_store_id"},
        ),
        result="organization.usage.file_searches.result",
    ),
    dataclasses.replace(
        _route(
            "web_search_calls",
            _plain(("num_requests", "num_model_requests")),
            (*_MODEL_GROUPS, "context_level"),
            filters={**_MODELS, "context_levels": "context_level"},
        ),
        result="organization.usage.web_searches.result",
    ),
)
"""Every usage route the SDK calls (``file_search_calls`` and ``web_search_calls``
answer ``file_searches`` and ``web_searches`` results, as the spec and SDK name them)."""


def resolved(ctx: Context, dims: Mapping[str, Any]) -> dict[str, Any]:
    """A ledger row's dimensions as the API shows them: a key the Administration API
    did not issue counts for the default project and its owner."""
    shown = dict(dims)
    if not dims.get("issued"):
        shown["project_id"] = shown.get("project_id") or org.default_project_id(ctx)
        shown["user_id"] = shown.get("user_id") or org.owner_id(ctx)
    return shown


def ledger_items(ctx: Context, categories: Iterable[str]) -> list[tuple[int, Item]]:
    """The ledger's rows of ``categories`` as ``(minute, (dimensions, counts))``."""
    return [
        (int(row["minute"]), (resolved(ctx, row.get("dims") or {}), row.get("counts") or {}))
        for row in ledger.rows(ctx.state, categories)
    ]


def keeper(ctx: Context, route: Route) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a thing's dimensions pass every filter the request gives (``batch``
    included); the API's 400 for a ``batch`` that is not a boolean."""
    values = buckets.query_values(ctx)
    wanted = {dim: set(values[name]) for name, dim in route.filters.items() if values.get(name)}
    batch = buckets.last(values, "batch") if route.batch_filter else None
    if batch is not None and batch not in ("true", "false"):
        raise APIError(
            400,
            f"Invalid 'batch': expected a boolean (true or false), got {batch!r}.",
            param="batch",
            code="invalid_type",
        )

    def kept(dims: Mapping[str, Any]) -> bool:
        if any(dims.get(dim) not in allowed for dim, allowed in wanted.items()):
            return False
        return batch is None or bool(dims.get("batch")) == (batch == "true")

    return kept


def _store_items(ctx: Context, hi: int) -> list[Item]:
    """The bytes of each vector store made before ``hi``, for its maker's project."""
    found: list[Item] = []
    for store in ctx.state.values("vector_stores"):
        if not isinstance(store, dict) or int(store.get("created_at") or 0) >= hi:
            continue
        made_by = ledger.owner(ctx.state, str(store.get("id"))) or {}
        dims = resolved(ctx, made_by)
        found.append((dims, {"usage_bytes": int(store.get("usage_bytes") or 0)}))
    return found


def usage_page(ctx: Context, route: Route) -> dict[str, Any]:
    """The ``page`` of ``route``'s buckets for the request."""
    frame = buckets.window(ctx)
    fields = buckets.group_by(ctx, route.groups)
    kept = keeper(ctx, route)
    rows = [] if route.name == "vector_stores" else ledger_items(ctx, (route.name,))

    def results(lo: int, hi: int) -> list[dict[str, Any]]:
        if route.name == "vector_stores":
            items = _store_items(ctx, hi)
        else:
            first = lo // 60 * 60
            items = [item for minute, item in rows if first <= minute < hi]
        chosen = [item for item in items if kept(item[0])]
        return [
            {
                "object": route.result,
                **route.fields(counts),
                **{name: group.get(name) for name in route.groups},
            }
            for group, counts in buckets.grouped(chosen, fields)
        ]

    return buckets.page_of(ctx, frame, results)


def _handler(route: Route) -> Callable[[Context], FixtureResponse]:
    def handle(ctx: Context) -> FixtureResponse:
        return FixtureResponse(body=usage_page(ctx, route))

    handle.__doc__ = f"``GET {route.template}``: the {route.name} usage buckets."
    return handle


ENDPOINTS: tuple[Endpoint, ...] = tuple(
    Endpoint("GET", route.template, lookup=_handler(route)) for route in ROUTES
)
