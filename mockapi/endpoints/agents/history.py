"""What a session leaves behind, read back: its items, turns, subagents and traces.

* ``GET /v1/agents/sessions/{id}/items``: every item (user messages, the agent's
  messages, function calls and their outputs), newest first by default;
* ``GET .../turns``, ``GET .../turns/{turn_id}``, ``GET .../turns/{turn_id}/items``;
* ``GET .../subagents`` and what is under one: the mock's agents never open subagents
  (subagent tools run in the API's own harness), so the list is empty and a subagent id
  is the 404 of an id never issued;
* ``GET .../traces``: one trace per ended turn, an OTLP JSON ``ExportTraceServiceRequest``
  with one ``agent.turn`` span (its trace and span ids derived from the turn's id, its
  times the turn's, its status the turn's outcome). Assumed: the span's name and
  attributes, and the ``trace_`` id prefix.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import stored
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse


def _session_id(ctx: Context) -> str:
    return str(stored.find_session(ctx, ctx.params["session_id"])["id"])


def _turn(ctx: Context, session_id: str) -> dict[str, Any]:
    turn_id = ctx.params["turn_id"]
    found = ctx.state.get(stored.TURNS, turn_id)
    if not isinstance(found, dict) or found.get("session_id") != session_id:
        raise APIError(404, f"Turn with id '{turn_id}' not found.", param="turn_id")
    return found


def list_items(ctx: Context) -> FixtureResponse:
    items = stored.items_of(ctx, _session_id(ctx))
    return FixtureResponse(body=objects.list_items(ctx, items))


def list_turns(ctx: Context) -> FixtureResponse:
    turns = stored.turns_of(ctx, _session_id(ctx))
    return FixtureResponse(body=objects.list_items(ctx, turns))


def retrieve_turn(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_turn(ctx, _session_id(ctx)))


def list_turn_items(ctx: Context) -> FixtureResponse:
    session_id = _session_id(ctx)
    turn = _turn(ctx, session_id)
    items = stored.items_of(ctx, session_id, turn_id=turn["id"])
    return FixtureResponse(body=objects.list_items(ctx, items))


def list_subagents(ctx: Context) -> FixtureResponse:
    _session_id(ctx)
    return FixtureResponse(body=objects.list_items(ctx, []))


def no_subagent(ctx: Context) -> FixtureResponse:
    _session_id(ctx)
    subagent_id = ctx.params["subagent_id"]
    raise APIError(404, f"Subagent with id '{subagent_id}' not found.", param="subagent_id")


def list_traces(ctx: Context) -> FixtureResponse:
    session_id = _session_id(ctx)
    ended = [t for t in stored.turns_of(ctx, session_id) if t.get("completed_at") is not None]
    return FixtureResponse(body=objects.list_items(ctx, [_trace(t) for t in ended]))


def _trace(turn: dict[str, Any]) -> dict[str, Any]:
    digest = hashlib.sha256(str(turn["id"]).encode()).hexdigest()
    started = int(turn.get("started_at") or turn["created_at"])
    span = {
        "traceId": digest[:32],
        "spanId": digest[32:48],
        "name": "agent.turn",
        "kind": 1,
        "startTimeUnixNano": str(started * 1_000_000_000),
        "endTimeUnixNano": str(int(turn["completed_at"]) * 1_000_000_000),
        "attributes": [
            {"key": "openai.agent.session_id", "value": {"stringValue": turn["session_id"]}},
            {"key": "openai.agent.turn_id", "value": {"stringValue": turn["id"]}},
            {"key": "openai.agent.turn_status", "value": {"stringValue": turn["status"]}},
        ],
        "status": {"code": 1 if turn["status"] == "completed" else 2},
    }
    service = {"key": "service.name", "value": {"stringValue": "openai.agents"}}
    otlp = {
        "resourceSpans": [
            {
                "resource": {"attributes": [service]},
                "scopeSpans": [{"scope": {"name": "openai.agents"}, "spans": [span]}],
            }
        ]
    }
    return {
        "id": "trace_" + digest[:32],
        "object": "agent.session.trace",
        "created_at": int(turn["completed_at"]),
        "session_id": turn["session_id"],
        "otlp": otlp,
    }


_ONE = "/v1/agents/sessions/{session_id}"
_SUB = _ONE + "/subagents/{subagent_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", _ONE + "/items", lookup=list_items),
    Endpoint("GET", _ONE + "/turns", lookup=list_turns),
    Endpoint("GET", _ONE + "/turns/{turn_id}", lookup=retrieve_turn),
    Endpoint("GET", _ONE + "/turns/{turn_id}/items", lookup=list_turn_items),
    Endpoint("GET", _ONE + "/subagents", lookup=list_subagents),
    Endpoint("GET", _SUB, lookup=no_subagent),
    Endpoint("GET", _SUB + "/items", lookup=no_subagent),
    Endpoint("GET", _SUB + "/turns", lookup=no_subagent),
    Endpoint("GET", _SUB + "/turns/{turn_id}", lookup=no_subagent),
    Endpoint("GET", _SUB + "/turns/{turn_id}/items", lookup=no_subagent),
    Endpoint("GET", _ONE + "/traces", lookup=list_traces),
)
