"""The Agents platform's agents and sessions on a real server through the official SDK,
strict response validation on: an agent created with the API's defaults; a session whose
first turn a fixture answers and whose next one is synthesized, streamed through the
SDK's ``sessions.stream`` (the events in the API's order, the final result collected);
a function call answered by a tool handler; items and turns listed; an artifact round
trip; the refusals and 404s; every answer checked against the derived schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

MODEL = "gpt-5.5"
SESSIONS = "/v1/agents/sessions"
_WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def _pin(server: ServerThread, key: str, regex: str, output: Any, times: int = 1) -> None:
    control = server.control  # type: ignore[attr-defined]
    entry = {
        "match": {"path": "/v1/responses", "content": {"regex": regex, "role": "user"}},
        "times": times,
        "response": {"body": {"model": MODEL, "output": output}},
    }
    control.add_fixtures([control.runtime_fixture(entry, key=key)])


def _said(text: str) -> list[Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}]
    return [{"type": "message", "role": "assistant", "status": "completed", "content": content}]


def test_an_agent_shows_the_apis_defaults_and_is_updated(client: openai.OpenAI) -> None:
    agent = client.beta.agents.create(model=MODEL, name="Helper", tools=[_WEATHER])
    assert agent.id.startswith("agent_") and agent.object == "agent"
    assert (agent.service_tier, agent.text.verbosity, agent.text.format.type) == (
        "auto",
        "medium",
        "text",
    )
    assert agent.reasoning.effort is None and agent.multi_agent.enabled is False
    assert agent.tools[0].type == "function" and agent.tools[0].defer_loading is False
    assert response_problems("POST /v1/agents", agent.model_dump(by_alias=True)) == []
    updated = client.beta.agents.update(agent.id, instructions="Be brief.", metadata={"k": "v"})
    assert (updated.instructions, updated.metadata, updated.name) == (
        "Be brief.",
        {"k": "v"},
        "Helper",
    )
    assert [a.id for a in client.beta.agents.list()] == [agent.id]
    assert client.beta.agents.delete(agent.id).deleted is True
    with pytest.raises(openai.NotFoundError, match=agent.id):
        client.beta.agents.retrieve(agent.id)


def test_a_fixture_answers_one_turn_and_the_next_is_synthesized(
    server: ServerThread, client: openai.OpenAI
) -> None:
    _pin(server, "agents-paris", "capital of France", _said("Paris."))
    agent = client.beta.agents.create(model=MODEL, instructions="Answer in one word.")
    session = client.beta.agents.sessions.create(
        agent_id=agent.id,
        environment={"type": "openai_hosted"},
        input="What is the capital of France?",
        metadata={"user": "ada"},
    )
    assert (session.status, session.agent.id, session.agent.instructions) == (
        "idle",
        agent.id,
        "Answer in one word.",
    )
    assert session.usage is not None and session.usage.total_tokens > 0
    assert response_problems("POST " + SESSIONS, session.model_dump(by_alias=True)) == []
    items = client.beta.agents.sessions.items.list(session.id, order="asc").data
    assert [(i.type, getattr(i, "role", None)) for i in items] == [
        ("message", "user"),
        ("message", "assistant"),
    ]
    assert items[1].content[0].text == "Paris."  # type: ignore[union-attr]

    with client.beta.agents.sessions.stream(session.id, input="Tell me more.") as stream:
        seen = list(stream)
    kinds = [event.type for event in seen]
    deltas = [e.delta for e in seen if e.type == "agent.session.turn.output_text.delta"]
    head = [
        "agent.session.idle",
        "agent.session.in_progress",
        "agent.session.turn.created",
        "agent.session.turn.in_progress",
        "agent.session.turn.item.added",
        "agent.session.turn.content_part.added",
    ]
    tail = [
        "agent.session.turn.output_text.done",
        "agent.session.turn.content_part.done",
        "agent.session.turn.item.done",
        "agent.session.turn.completed",
        "agent.session.idle",
    ]
    assert kinds[:6] == head and kinds[-5:] == tail and len(deltas) == len(kinds) - 11 > 0
    done = next(e for e in seen if e.type == "agent.session.turn.output_text.done")
    assert "".join(deltas) == done.text != "Paris."  # synthesized: no fixture matched
    for event in seen:
        body = event.model_dump(by_alias=True)
        problems = response_problems(
            f"GET {SESSIONS}/{{session_id}}/events", body, role="stream_event"
        )
        assert problems == [], event.type
    turns = client.beta.agents.sessions.turns.list(session.id).data
    assert [t.status for t in turns] == ["completed", "completed"]
    assert turns[0].usage is not None and turns[0].completed_at is not None
    newest = client.beta.agents.sessions.turns.items.list(turns[0].id, session_id=session.id)
    assert [i.type for i in newest.data] == ["message", "message"]
    traces = client.beta.agents.sessions.traces.list(session.id).data
    assert len(traces) == 2 and traces[0].otlp["resourceSpans"]
    assert client.beta.agents.sessions.subagents.list(session.id).data == []
    listed = client.beta.agents.sessions.list(agent_id=agent.id, metadata={"user": "ada"})
    assert [s.id for s in listed] == [session.id]


def test_a_function_call_is_answered_by_a_tool_handler(
    server: ServerThread, client: openai.OpenAI
) -> None:
    call = {"type": "function_call", "call_id": "call_w1", "name": "get_weather"}
    _pin(server, "agents-weather", "weather", [{**call, "arguments": '{"city":"Paris"}'}])
    agent = client.beta.agents.create(model=MODEL, tools=[_WEATHER])
    session = client.beta.agents.sessions.create(
        agent_id=agent.id, environment={"type": "openai_hosted"}
    )
    asked: list[Any] = []

    def weather(arguments: dict[str, Any]) -> dict[str, Any]:
        asked.append(arguments)
        return {"celsius": 21}

    with client.beta.agents.sessions.stream(
        session.id, input="What is the weather in Paris?", tool_handlers={"get_weather": weather}
    ) as stream:
        result = stream.get_final_result()
    assert asked == [{"city": "Paris"}] and result.output_text
    items = client.beta.agents.sessions.items.list(session.id, order="asc").data
    assert [i.type for i in items] == [
        "message",
        "function_call",
        "function_call_output",
        "message",
    ]
    assert items[1].status == "completed" and items[2].output == '{"celsius":21}'  # type: ignore[union-attr]
    with pytest.raises(openai.BadRequestError, match="Unknown pending tool call: call_w1"):
        client.beta.agents.sessions.events.create(
            session.id,
            events=[
                {
                    "type": "agent.session.input.tool_result",
                    "call_id": "call_w1",
                    "turn_id": items[1].turn_id,
                    "success": True,
                    "output": "again",
                }
            ],
        )


def test_a_waiting_turn_refuses_input_and_is_cancelled(
    server: ServerThread, client: openai.OpenAI
) -> None:
    call = {"type": "function_call", "call_id": "call_w2", "name": "get_weather"}
    _pin(server, "agents-wait", "Lyon", [{**call, "arguments": '{"city":"Lyon"}'}])
    agent = client.beta.agents.create(model=MODEL, tools=[_WEATHER])
    session = client.beta.agents.sessions.create(
        agent_id=agent.id, environment={"type": "none"}, input="Weather in Lyon?"
    )
    assert session.status == "requires_action"
    action = session.required_actions[0]
    assert action.type == "function_call" and action.arguments == {"city": "Lyon"}
    message: Any = {
        "type": "agent.session.input.message",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
    }
    with pytest.raises(openai.BadRequestError) as refused:
        client.beta.agents.sessions.events.create(session.id, events=[message])
    assert refused.value.code == "active_turn_not_steerable"
    client.beta.agents.sessions.events.create(
        session.id, events=[{"type": "agent.session.input.cancel"}]
    )
    after = client.beta.agents.sessions.retrieve(session.id)
    assert (after.status, after.required_actions) == ("idle", [])
    assert client.beta.agents.sessions.turns.list(session.id).data[0].status == "cancelled"


def test_an_artifact_round_trip(server: ServerThread, client: openai.OpenAI) -> None:
    control = server.control  # type: ignore[attr-defined]
    agent = client.beta.agents.create(model=MODEL)
    session = client.beta.agents.sessions.create(
        agent_id=agent.id, environment={"type": "openai_hosted"}
    )
    with client.beta.agents.sessions.stream(session.id, input="Write a report.") as stream:
        result = stream.get_final_result()
    made = control.add_agent_artifact(session.id, "/mnt/data/report.txt", b"quarterly numbers")
    assert made["turn_id"] == result.turn_id
    artifacts = client.beta.agents.sessions.artifacts
    listed = artifacts.list(session.id).data
    assert [(a.id, a.path, a.size_bytes) for a in listed] == [
        (made["id"], "/mnt/data/report.txt", 17)
    ]
    hosted = session.environment
    assert hosted.type == "openai_hosted"
    assert artifacts.retrieve(made["id"], session_id=session.id).environment_id == hosted.id
    assert (
        artifacts.for_result(result).content("/mnt/data/report.txt").content == b"quarterly numbers"
    )
    assert artifacts.delete(made["id"], session_id=session.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        artifacts.content(made["id"], session_id=session.id)


def test_unknown_ids_are_404s(client: openai.OpenAI) -> None:
    sessions = client.beta.agents.sessions
    with pytest.raises(openai.NotFoundError, match="sess_nope"):
        sessions.retrieve("sess_nope")
    with pytest.raises(openai.NotFoundError, match="agent_nope"):
        sessions.create(agent_id="agent_nope", environment={"type": "none"}, input="Hi")
    agent = client.beta.agents.create(model=MODEL)
    session = sessions.create(agent_id=agent.id, environment={"type": "none"}, input="Hi")
    with pytest.raises(openai.NotFoundError, match="turn_nope"):
        sessions.turns.retrieve("turn_nope", session_id=session.id)
    with pytest.raises(openai.NotFoundError, match="sub_nope"):
        sessions.subagents.retrieve("sub_nope", session_id=session.id)
    with pytest.raises(openai.NotFoundError, match="artifact_nope"):
        sessions.artifacts.retrieve("artifact_nope", session_id=session.id)
    assert sessions.delete(session.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        sessions.items.list(session.id)
