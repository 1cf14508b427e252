"""Automations (``client.beta.agents.automations``): ``/v1/agents/automations`` create,
list (``session_id``), retrieve, update, delete, ``pause``, ``resume``, and their
invocations (``.../invocations`` create, list, retrieve).

An automation (kind :data:`AUTOMATIONS`) delivers to a target on a schedule: a
``periodic`` one by a cron ``expression`` in a ``timezone``, a ``once`` one at
``run_at``. Its target is a ``new_session`` (an agent, inline or by ``agent_id``, an
environment, the first input, the vaults it may use: each must exist) or an
``existing_session`` (instructions delivered to it). The answer shows the target as the
SDK's types do: the environment without its confidential ``env`` and
``setup_commands``, the inline agent with its defaults resolved.

An invocation (kind :data:`INVOCATIONS`) is one delivery, made through the sessions
module (:mod:`~mockapi.endpoints.agents.sessions`): a ``new_session`` target starts a
session (its first turn taken from the target's input, through the replay flow); an
``existing_session`` target gets the instructions as a user message (a turn). The
invocation is ``completed`` with the session's id, ``skipped`` (``pending_delivery``)
when that session is busy with a turn, ``failed`` with the refusal's code and message
otherwise. ``POST .../invocations`` is a manual one (``source.type`` ``manual``); a
``once`` automation whose ``run_at`` the mock's clock has passed makes its scheduled one
when it is next read, with a snapshot of itself as the source, and is then
``completed``.

Assumed where the SDK's types do not say: the ids' prefixes (``auto_``, ``autoinv_``);
the defaults of a resolved inline agent (no instructions, ``auto`` service tier, text
format ``text`` at ``medium`` verbosity, no reasoning settings, subagents off); the
wordings of the 400s and 404s; that pausing a completed automation is a 400; that an
``existing_session`` target must exist when it is set; the failure codes; that
periodic schedules never fire on their own in the mock (invoke them by hand).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.agents import sessions, stored, vaults
from mockapi.endpoints.chat.stored import check_metadata
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

AUTOMATIONS = "agents.automations"
INVOCATIONS = "agents.automation_invocations"
TARGETS = "agents.automations.targets"
"""A ``new_session`` target as the request gave it (the environment's confidential
``env`` and ``setup_commands`` included), to start each session with."""
KINDS = (AUTOMATIONS, INVOCATIONS, TARGETS)
"""The state store kinds of this module (never evicted: see ``KEPT_KINDS``)."""
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?LW#]+$")
_HOSTED_SHOWN = (
    "capability_directories", "container_size", "desktop", "environment_id",
    "environment_template_id", "files", "network", "packages", "plugins", "skills",
)  # fmt: skip
"""What an ``openai_hosted`` environment shows (``env`` and ``setup_commands`` are
confidential: never shown)."""
_SESSION_FIELDS = ("agent", "agent_id", "environment", "input", "metadata", "vault_ids")


def _bad(param: str, message: str) -> APIError:
    return APIError(400, f"Invalid '{param}': {message}", param=param, code="invalid_value")


def _not_found(automation_id: str) -> APIError:
    return objects.not_found("Automation", automation_id, param="automation_id")


# -- checking and showing a request's parts ---------------------------------------------


def _expression(value: Any) -> str:
    fields = value.split() if isinstance(value, str) else []
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise _bad(
            "expression",
            f"{value!r} is not a cron expression: give five fields, minute hour "
            "day-of-month month day-of-week (e.g. '0 9 * * 1-5').",
        )
    return " ".join(fields)


def _timezone(value: Any) -> str:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _bad(
            "timezone", f"{value!r} is not an IANA time zone (e.g. 'America/New_York', 'UTC')."
        ) from None
    return str(value)


def _run_at(ctx: Context, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= ctx.clock.seconds():
        raise _bad("run_at", f"expected a future Unix timestamp in seconds, got {value!r}.")
    return value


def _agent(given: Mapping[str, Any]) -> dict[str, Any]:
    """An inline agent as the automation shows it (the SDK's AutomationAgentConfig)."""
    model = given.get("model")
    if not isinstance(model, str) or not model:
        raise errors.missing_parameter("target.agent.model")
    multi = given.get("multi_agent") or {}
    enabled = bool(multi.get("enabled", False))
    reasoning = given.get("reasoning") or {}
    text = given.get("text") or {}
    shown: dict[str, Any] = {
        "instructions": given.get("instructions"),
        "model": model,
        "multi_agent": {
            "enabled": enabled,
            "max_concurrent_subagents": multi.get("max_concurrent_subagents", 6)
            if enabled
            else None,
        },
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "service_tier": given.get("service_tier") or "auto",
        "text": {
            "format": text.get("format") or {"type": "text"},
            "verbosity": text.get("verbosity") or "medium",
        },
        "tools": list(given.get("tools") or []),
    }
    if "compaction" in given:
        shown["compaction"] = {"async": False}
    if isinstance(given.get("experimental"), dict):
        shown["experimental"] = {
            "time_awareness": bool(given["experimental"].get("time_awareness", False))
        }
    return shown


def _environment(given: Mapping[str, Any]) -> dict[str, Any]:
    """An environment as the automation shows it (the SDK's AutomationEnvironment)."""
    kind = given.get("type")
    if kind == "none":
        return {"type": "none"}
    if kind == "self_hosted":
        return {
            "type": kind,
            "capability_directories": list(given.get("capability_directories") or []),
            "environment_id": given.get("environment_id"),
            "workspace_directory": given["workspace_directory"],
        }
    shown: dict[str, Any] = {"type": "openai_hosted"}
    for name in _HOSTED_SHOWN:
        shown[name] = given.get(name)
    return shown


def _target(ctx: Context, given: Any, *, kind: str | None = None) -> dict[str, Any]:
    """The request's ``target`` checked and shown; ``kind``: the type it must keep."""
    if not isinstance(given, dict):
        raise errors.missing_parameter("target")
    if kind is not None and given.get("type") != kind:
        raise _bad(
            "target.type",
            f"an automation keeps its target's type ('{kind}'); create another automation "
            "to deliver elsewhere.",
        )
    if given.get("type") == "existing_session":
        stored.find_session(ctx, str(given["session_id"]))
        return {
            "type": "existing_session",
            "session_id": str(given["session_id"]),
            "instructions": str(given["instructions"]),
        }
    has_agent, has_id = given.get("agent") is not None, given.get("agent_id") is not None
    if has_agent == has_id:
        raise _bad("target", "provide exactly one of 'agent' and 'agent_id'.")
    vault_ids = [str(v) for v in given.get("vault_ids") or []]
    for vault_id in vault_ids:
        vaults.find_vault(ctx, vault_id)
    return {
        "type": "new_session",
        "agent": _agent(given["agent"]) if has_agent else None,
        "agent_id": given.get("agent_id"),
        "environment": _environment(given["environment"]),
        "input": [
            {"type": "message", "role": "user", "content": list(message.get("content") or [])}
            for message in given.get("input") or []
        ],
        "metadata": check_metadata(given.get("metadata")),
        "vault_ids": vault_ids,
    }


# -- the automation as stored -----------------------------------------------------------


def _find(ctx: Context, automation_id: str) -> dict[str, Any]:
    """The automation, its scheduled occurrence made first when the clock has passed it."""
    record = ctx.state.get(AUTOMATIONS, automation_id)
    if not isinstance(record, dict):
        raise _not_found(automation_id)
    due = record["type"] == "once" and record["status"] == "active"
    if due and ctx.clock.seconds() >= int(record["run_at"]):
        snapshot = dict(record)
        _deliver(ctx, record, {"type": "automation", "automation": snapshot}, record["run_at"])
        done = ctx.state.update(
            AUTOMATIONS, automation_id, lambda held: {**held, "status": "completed"}
        )
        record = done if isinstance(done, dict) else record
    return record


def create(ctx: Context) -> FixtureResponse:
    kind = ctx.body.get("type")
    if kind not in ("periodic", "once"):
        raise _bad("type", f"expected 'periodic' or 'once', got {kind!r}.")
    if "name" not in ctx.body:
        raise errors.missing_parameter("name")
    record: dict[str, Any] = {
        "id": objects.new_id(ctx, "auto_"),
        "object": "agent.automation",
        "type": kind,
        "name": vaults.check_name(ctx.body["name"]),
        "status": "active",
        "pause_reason": None,
        "target": _target(ctx, ctx.body.get("target")),
        "metadata": check_metadata(ctx.body.get("metadata")),
        "created_by": {"type": "developer"},
        "created_at": ctx.clock.seconds(),
    }
    if kind == "periodic":
        record["expression"] = _expression(ctx.body.get("expression"))
        record["timezone"] = _timezone(ctx.body.get("timezone"))
    else:
        record["run_at"] = _run_at(ctx, ctx.body.get("run_at"))
    ctx.state.put(TARGETS, record["id"], ctx.body["target"])
    ctx.state.put(AUTOMATIONS, record["id"], record)
    return FixtureResponse(body=record)


def list_automations(ctx: Context) -> FixtureResponse:
    session_id = dict(ctx.request.query).get("session_id")
    found = []
    for record in ctx.state.values(AUTOMATIONS):
        if not isinstance(record, dict):
            continue
        if session_id and record["target"].get("session_id") != session_id:
            continue
        found.append(_find(ctx, str(record["id"])))
    return FixtureResponse(body=objects.list_items(ctx, found))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_find(ctx, ctx.params["automation_id"]))


def update(ctx: Context) -> FixtureResponse:
    current = _find(ctx, ctx.params["automation_id"])
    changes: dict[str, Any] = {}
    periodic = current["type"] == "periodic"
    for name in ("expression", "timezone", "run_at"):
        if name in ctx.body and (name == "run_at") == periodic:
            raise _bad(name, f"not accepted for a {current['type']} automation.")
    if "expression" in ctx.body:
        changes["expression"] = _expression(ctx.body["expression"])
    if "timezone" in ctx.body:
        changes["timezone"] = _timezone(ctx.body["timezone"])
    if "run_at" in ctx.body:
        if current["status"] == "completed":
            raise _bad("run_at", "the scheduled invocation exists already.")
        changes["run_at"] = _run_at(ctx, ctx.body["run_at"])
    if "name" in ctx.body:
        changes["name"] = vaults.check_name(ctx.body["name"])
    if "metadata" in ctx.body:
        changes["metadata"] = check_metadata(ctx.body["metadata"])
    if "target" in ctx.body:
        changes["target"] = _target(ctx, ctx.body["target"], kind=current["target"]["type"])
        ctx.state.put(TARGETS, str(current["id"]), ctx.body["target"])
    kept = ctx.state.update(AUTOMATIONS, str(current["id"]), lambda held: {**held, **changes})
    if not isinstance(kept, dict):
        raise _not_found(str(current["id"]))
    return FixtureResponse(body=kept)


def delete(ctx: Context) -> FixtureResponse:
    automation_id = str(_find(ctx, ctx.params["automation_id"])["id"])
    for invocation in _invocations(ctx, automation_id):
        ctx.state.delete(INVOCATIONS, str(invocation["id"]))
    ctx.state.delete(TARGETS, automation_id)
    ctx.state.delete(AUTOMATIONS, automation_id)
    answer = {"id": automation_id, "object": "agent.automation.deleted", "deleted": True}
    return FixtureResponse(body=answer)


def _set_status(ctx: Context, status: str) -> dict[str, Any]:
    current = _find(ctx, ctx.params["automation_id"])
    if current["status"] == "completed":
        raise APIError(
            400,
            f"Automation {current['id']} is completed: its one occurrence has run; "
            "create another automation to schedule again.",
            param="automation_id",
            code="invalid_state",
        )
    kept = ctx.state.update(
        AUTOMATIONS,
        str(current["id"]),
        lambda held: {**held, "status": status, "pause_reason": None},
    )
    if not isinstance(kept, dict):
        raise _not_found(str(current["id"]))
    return kept


def pause(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_set_status(ctx, "paused"))


def resume(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_set_status(ctx, "active"))


# -- invocations ------------------------------------------------------------------------


def _delivered(ctx: Context, automation: Mapping[str, Any]) -> dict[str, Any]:
    """The outcome of one delivery through the sessions module: a new session started
    (its first turn taken from the target's input), or the instructions sent to the
    existing session as a user message (a turn); ``status``, ``session_id``,
    ``skip_reason`` and ``error`` as the invocation shows them."""
    target = automation["target"]
    outcome: dict[str, Any] = {"status": "completed", "skip_reason": None, "error": None}
    try:
        if target["type"] == "existing_session":
            outcome["session_id"] = session_id = str(target["session_id"])
            message = {"type": "agent.session.input.message", "input": target["instructions"]}
            sessions.post_events(
                replace(ctx, params={"session_id": session_id}, body={"events": [message]})
            )
        else:
            given = ctx.state.get(TARGETS, str(automation["id"])) or target
            body = {k: given[k] for k in _SESSION_FIELDS if given.get(k) is not None}
            outcome["session_id"] = str(sessions.create(replace(ctx, body=body)).body["id"])
    except APIError as refused:
        if refused.code == "active_turn_not_steerable":
            # The session is busy with a turn: this occurrence waits on it (as skipped).
            return {**outcome, "status": "skipped", "skip_reason": "pending_delivery"}
        code = refused.code or ("session_not_found" if refused.status == 404 else "invalid_request")
        error = {"code": code, "message": refused.message}
        return {**outcome, "status": "failed", "error": error}
    return outcome


def _deliver(
    ctx: Context, automation: Mapping[str, Any], source: dict[str, Any], scheduled_at: Any
) -> dict[str, Any]:
    """One invocation of ``automation``, delivered now."""
    record = {
        "id": objects.new_id(ctx, "autoinv_"),
        "object": "agent.automation.invocation",
        "automation_id": automation["id"],
        "source": source,
        "scheduled_at": scheduled_at,
        "session_id": None,
        **_delivered(ctx, automation),
        "created_at": ctx.clock.seconds(),
    }
    ctx.state.put(INVOCATIONS, record["id"], record)
    return record


def _invocations(ctx: Context, automation_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in ctx.state.values(INVOCATIONS)
        if isinstance(r, dict) and r.get("automation_id") == automation_id
    ]


def invoke(ctx: Context) -> FixtureResponse:
    automation = _find(ctx, ctx.params["automation_id"])
    return FixtureResponse(body=_deliver(ctx, automation, {"type": "manual"}, None))


def list_invocations(ctx: Context) -> FixtureResponse:
    automation_id = str(_find(ctx, ctx.params["automation_id"])["id"])
    return FixtureResponse(body=objects.list_items(ctx, _invocations(ctx, automation_id)))


def retrieve_invocation(ctx: Context) -> FixtureResponse:
    automation_id = str(_find(ctx, ctx.params["automation_id"])["id"])
    invocation_id = ctx.params["invocation_id"]
    record = ctx.state.get(INVOCATIONS, invocation_id)
    if not isinstance(record, dict) or record.get("automation_id") != automation_id:
        raise objects.not_found("AutomationInvocation", invocation_id, param="invocation_id")
    return FixtureResponse(body=record)


_ALL = "/v1/agents/automations"
_ONE = _ALL + "/{automation_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _ALL, body=Body.JSON, lookup=create),
    Endpoint("GET", _ALL, lookup=list_automations),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint("POST", _ONE + "/pause", lookup=pause),
    Endpoint("POST", _ONE + "/resume", lookup=resume),
    Endpoint("POST", _ONE + "/invocations", lookup=invoke),
    Endpoint("GET", _ONE + "/invocations", lookup=list_invocations),
    Endpoint("GET", _ONE + "/invocations/{invocation_id}", lookup=retrieve_invocation),
)
