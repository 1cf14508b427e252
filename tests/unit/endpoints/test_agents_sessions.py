"""Agents and sessions on a memory state store, the model answered by a script: the
routes as the server routes them, without a server (the strict SDK drives them in
tests/integration/test_agents_sessions_api.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.agents import events, model_turn, routes, stored
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.errors import APIError
from mockapi.model import Request, Response
from mockapi.replay.router import Router
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from mockapi.validation import additions_agents_sessions
from tests import sdk_components

ROUTER = Router(routes.ENDPOINTS)
SESSIONS = "/v1/agents/sessions"
_TOOL = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}


class Api:
    """The routes over one memory store; each model call answered by the next of
    ``answers`` (a Responses body), the requests kept in ``asked``."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.state = ObjectStore()
        self.clock = Clock(self.state, wall=lambda: 1_700_000_000.0)
        self.answers = list(answers)
        self.asked: list[dict[str, Any]] = []

    def _dispatch(self, request: Request) -> Response:
        assert request.path == "/v1/responses"
        self.asked.append(request.json)
        answer = self.answers.pop(0)
        return Response(answer.pop("status", 200), body=answer)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        endpoint, _ = ROUTER.resolve(method, path)
        assert endpoint is not None and endpoint.lookup is not None, f"no route {path}"
        ctx = Context(
            request=Request(method, path, {}, (), json=body),
            endpoint=endpoint,
            params=ROUTER.params(endpoint, path),
            body=body or {},
            seed=0,
            state=self.state,
            models=DEFAULT_MODELS,
            synthesize=True,
            clock=self.clock,
            settings=Settings(),
            dispatch=self._dispatch,
        )
        answer = endpoint.lookup(ctx)
        return answer.body if answer.events is None else answer.events


def _said(text: str, tokens: int = 5) -> dict[str, Any]:
    usage = {"input_tokens": 10, "output_tokens": tokens, "total_tokens": 10 + tokens}
    content = [{"type": "output_text", "text": text}]
    return {"output": [{"type": "message", "content": content}], "usage": usage}


def _calls(*arguments: str) -> dict[str, Any]:
    output = [
        {"type": "function_call", "call_id": f"call_{i}", "name": "lookup", "arguments": a}
        for i, a in enumerate(arguments)
    ]
    return {"output": output, "usage": {"input_tokens": 8, "output_tokens": 2, "total_tokens": 10}}


def _logged(api: Api, session_id: str) -> list[str]:
    return [e["type"] for e in events.logged(api.state, session_id)]


def test_an_agent_is_kept_with_every_default_and_a_null_resets_one() -> None:
    api = Api()
    made = api.call("POST", "/v1/agents", {"model": "gpt-5.5", "tools": [_TOOL]})
    assert made["tools"] == [{**_TOOL, "description": "", "defer_loading": False}]
    assert made["multi_agent"] == {"enabled": False, "max_concurrent_subagents": None}
    assert made["compaction"] == {"async": False} and made["metadata"] == {}
    agent = f"/v1/agents/{made['id']}"
    changed = api.call("POST", agent, {"service_tier": "flex", "multi_agent": {"enabled": True}})
    assert (
        changed["service_tier"] == "flex"
        and changed["multi_agent"]["max_concurrent_subagents"] == 6
    )
    assert api.call("POST", agent, {"service_tier": None})["service_tier"] == "auto"
    with pytest.raises(APIError, match="Duplicate function tool name: 'lookup'"):
        api.call("POST", agent, {"tools": [_TOOL, _TOOL]})
    with pytest.raises(APIError, match="too many properties"):
        api.call("POST", agent, {"metadata": {str(n): "v" for n in range(17)}})


def test_the_models_request_carries_the_agent_and_the_sessions_history() -> None:
    api = Api(_calls('{"q":"x"}'), _said("Found it."))
    agent = api.call(
        "POST", "/v1/agents", {"model": "gpt-5.5", "instructions": "Be brief.", "tools": [_TOOL]}
    )
    session = api.call(
        "POST",
        SESSIONS,
        {"agent_id": agent["id"], "environment": {"type": "none"}, "input": "Find x"},
    )
    first = api.asked[0]
    assert (first["model"], first["instructions"], first["store"]) == (
        "gpt-5.5",
        "Be brief.",
        False,
    )
    assert first["input"] == [
        {"role": "user", "content": [{"type": "input_text", "text": "Find x"}]}
    ]
    assert first["tools"] == [
        {"type": "function", "name": "lookup", "description": "", "parameters": {"type": "object"}}
    ]
    assert session["status"] == "requires_action"
    action = session["required_actions"][0]
    assert (action["call_id"], action["arguments"]) == ("call_0", {"q": "x"})
    result = {
        "type": "agent.session.input.tool_result",
        "call_id": "call_0",
        "turn_id": action["turn_id"],
        "success": True,
        "output": "x is 42",
    }
    api.call("POST", f"{SESSIONS}/{session['id']}/events", {"events": [result]})
    second = api.asked[1]["input"]
    assert second[1:] == [
        {"type": "function_call", "call_id": "call_0", "name": "lookup", "arguments": '{"q":"x"}'},
        {"type": "function_call_output", "call_id": "call_0", "output": "x is 42"},
    ]
    after = api.call("GET", f"{SESSIONS}/{session['id']}")
    assert after["status"] == "idle" and after["usage"]["total_tokens"] == 25
    turn = api.call("GET", f"{SESSIONS}/{session['id']}/turns")["data"][0]
    assert (turn["status"], turn["usage"]["output_tokens"]) == ("completed", 7)
    kinds = _logged(api, session["id"])
    assert kinds[:5] == [
        "agent.session.created",
        "agent.session.in_progress",
        "agent.session.turn.created",
        "agent.session.turn.in_progress",
        "agent.session.turn.item.added",
    ]
    assert kinds[5] == "agent.session.requires_action"
    assert kinds[-3:] == [
        "agent.session.turn.item.done",
        "agent.session.turn.completed",
        "agent.session.idle",
    ]


def test_a_model_error_fails_the_turn_and_leaves_the_session_idle() -> None:
    error = {"status": 429, "error": {"message": "Rate limit reached", "type": "requests"}}
    api = Api(error)
    session = api.call(
        "POST",
        SESSIONS,
        {"agent": {"model": "gpt-5.5"}, "environment": {"type": "none"}, "input": "Hi"},
    )
    assert session["status"] == "idle" and session["agent"]["id"].startswith("agent_")
    turn = api.call("GET", f"{SESSIONS}/{session['id']}/turns")["data"][0]
    assert turn["error"] == {"code": "rate_limit_exceeded", "message": "Rate limit reached"}
    assert _logged(api, session["id"])[-2:] == ["agent.session.turn.failed", "agent.session.idle"]


def test_the_apis_refusals_of_a_session() -> None:
    api = Api()
    with pytest.raises(APIError, match=r"'agent\.model'"):
        api.call("POST", SESSIONS, {"environment": {"type": "none"}, "input": "Hi"})
    with pytest.raises(APIError, match="'input'"):
        api.call("POST", SESSIONS, {"agent": {"model": "m"}, "environment": {"type": "none"}})
    unknown = {"type": "openai_hosted", "environment_id": "env_nope"}
    with pytest.raises(APIError, match="env_nope"):
        api.call("POST", SESSIONS, {"agent": {"model": "m"}, "environment": unknown})
    made = api.call("POST", "/v1/agents/environments", {"environment": {"type": "openai_hosted"}})
    known = {"type": "openai_hosted", "environment_id": made["id"]}
    session = api.call("POST", SESSIONS, {"agent": {"model": "m"}, "environment": known})
    assert session["environment"]["id"] == made["id"]
    path = f"{SESSIONS}/{session['id']}/events"
    approval = {"type": "agent.session.input.mcp_approval_request_result", "request_id": "r1"}
    with pytest.raises(APIError, match="Unknown approval request: r1"):
        api.call("POST", path, {"events": [approval]})
    stray = {
        "type": "agent.session.input.tool_result",
        "call_id": "c9",
        "turn_id": "t",
        "success": True,
    }
    with pytest.raises(APIError, match="Unknown pending tool call: c9"):
        api.call("POST", path, {"events": [stray]})


def test_a_followed_stream_ends_when_a_turn_it_saw_begin_is_over() -> None:
    api = Api(_said("One."), _said("Two."))
    session = api.call(
        "POST", SESSIONS, {"agent": {"model": "m"}, "environment": {"type": "openai_hosted"}}
    )
    opened = api.call("GET", f"{SESSIONS}/{session['id']}/events")
    assert [e.event for e in opened] == ["agent.session.idle"]  # the state first
    live: Iterator[Any] = opened.follow()
    message = {"role": "user", "content": [{"type": "input_text", "text": "Go"}]}
    posted = {"events": [{"type": "agent.session.input.message", "input": [message]}]}
    api.call("POST", f"{SESSIONS}/{session['id']}/events", posted)
    seen = [e.event for e in live if e is not None]
    assert seen[0] == "agent.session.in_progress" and seen[-1] == "agent.session.idle"
    assert seen.count("agent.session.idle") == 1  # the turn's end, not a later one
    # A stream on a session that never moves ends (after its quiet time) with no event.
    quiet = list(events.follow(api.state, session["id"], 10**6, quiet=0.0))
    assert all(event is None for event in quiet)
    # A stream on a session deleted meanwhile ends at once.
    api.call("DELETE", f"{SESSIONS}/{session['id']}")
    assert list(events.follow(api.state, session["id"], 0)) == []


def test_deleting_a_session_forgets_its_turns_items_and_events() -> None:
    api = Api(_said("Done."))
    session = api.call(
        "POST", SESSIONS, {"agent": {"model": "m"}, "environment": {"type": "none"}, "input": "Hi"}
    )
    assert api.call("DELETE", f"{SESSIONS}/{session['id']}")["deleted"] is True
    for kind in (stored.TURNS, stored.ITEMS, stored.LOGS, stored.SESSIONS):
        assert api.state.values(kind) == [], kind
    with pytest.raises(APIError, match=session["id"]):
        api.call("GET", f"{SESSIONS}/{session['id']}/items")


def test_usage_adds_up_when_both_are_known() -> None:
    one = model_turn.usage_of({"input_tokens": 3, "output_tokens": 4, "total_tokens": 7})
    assert model_turn.add_usage(None, one) == one
    assert model_turn.add_usage(one, one)["total_tokens"] == 14
    assert model_turn.add_usage(one, None) == one


def test_the_committed_components_match_the_installed_sdk(tmp_path: Path) -> None:
    written = tmp_path / "components.json"
    # In a fresh interpreter, as `python -m tests.sdk_components` writes them: pydantic
    # names nested types by what else it has seen, so a worker that ran other tests
    # first could name one differently.
    script = "import sys; from pathlib import Path; from tests import sdk_components as c; "
    script += "c.write(Path(sys.argv[1]))"
    repo = Path(sdk_components.__file__).resolve().parent.parent
    command = [sys.executable, "-c", script, str(written)]
    subprocess.run(command, cwd=repo, check=True, timeout=120)
    committed = additions_agents_sessions.COMPONENTS_FILE
    assert json.loads(written.read_text()) == json.loads(committed.read_text()), (
        "the SDK's agents types changed: run python -m tests.sdk_components, then derive"
    )
