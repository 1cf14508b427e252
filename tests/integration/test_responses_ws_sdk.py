"""``client.responses.connect()``: the Responses API over a WebSocket, through the official SDK.

Each ``response.create`` is answered as ``POST /v1/responses`` with ``stream: true``
(synthesized, or from the bundled ``fixtures/responses/greeting.yaml``), every event
validating against the derived stream-event schema; responses chain over one connection;
bad requests get the protocol's ``error`` event and the connection stays usable;
steering is accepted for a response waiting on a tool call and refused otherwise; a
handshake without a valid key is refused with the HTTP API's 401.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import websockets.sync.client
from openai.types.responses import (
    Response,
    ResponseSteerAcceptedEvent,
    ResponseSteerFailedEvent,
    ResponseSteerPendingEvent,
)
from websockets.exceptions import InvalidStatus

from mockapi.config import OnMiss
from mockapi.endpoints.responses.routes import STORED
from mockapi.replay.journal import Outcome
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_client

KEY = "sk-test-mockapi"
MODEL = "gpt-4o-mini"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
FINAL = ("response.completed", "response.incomplete", "response.failed", "error")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(scope="module")
def keyed() -> Iterator[ServerThread]:
    """Strict misses and one accepted key."""
    with running_server(on_miss=OnMiss.ERROR, api_keys=(KEY,)) as started:
        yield started


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1", api_key=KEY) as sdk:
        yield sdk


def until_final(connection: Any) -> list[dict[str, Any]]:
    """The raw events of one response, up to its last (or an error); each also parses
    as one of the SDK's server events."""
    events: list[dict[str, Any]] = []
    while True:
        raw = connection.recv_bytes()
        data = json.loads(raw)
        assert connection.parse_event(raw).type == data["type"]
        events.append(data)
        if data["type"] in FINAL:
            return events


def schema_problems(events: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    for event in events:
        data = {k: v for k, v in event.items() if k != "stream_id"}
        problems += response_problems("POST /v1/responses", data, role="stream_event")
    return problems


def completed(events: list[dict[str, Any]]) -> Response:
    """The final response, checked by the SDK's model as strictly as an HTTP answer."""
    assert events[-1]["type"] == "response.completed", events[-1]
    return Response.model_validate(events[-1]["response"], strict=False)


def test_a_synthesized_response_streams_as_events_that_validate(client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Name a colour.")
        events = until_final(connection)
    kinds = [event["type"] for event in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert "response.output_text.delta" in kinds
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    assert schema_problems(events) == []
    response = completed(events)
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert response.output_text == deltas != ""
    assert response.model == MODEL or response.model.startswith(MODEL)


def test_a_fixture_answers_over_the_socket(server: ServerThread, client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Say hello from a fixture")
        events = until_final(connection)
    assert schema_problems(events) == []
    assert completed(events).output_text == "Hello from a mockapi fixture!"
    entry = server.replayer.journal.entries()[-1]  # type: ignore[attr-defined]
    assert (entry.method, entry.path, entry.stream) == ("POST", "/v1/responses", True)
    assert (entry.outcome, entry.fixture) == (Outcome.HIT, "responses-greeting")


def test_the_fixture_answers_the_async_client_too(server: ServerThread) -> None:
    async def main() -> list[dict[str, Any]]:
        async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key=KEY) as sdk:
            async with sdk.responses.connect() as connection:
                await connection.response.create(model=MODEL, input="Say hello from a fixture")
                events = []
                async for event in connection:
                    events.append(event.to_dict())
                    if event.type in FINAL:
                        return events
        raise AssertionError("the connection closed before the response completed")

    events = asyncio.run(main())
    assert schema_problems(events) == []
    assert completed(events).output_text == "Hello from a mockapi fixture!"


def test_responses_chain_over_one_connection(client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="My name is Ada.")
        first = completed(until_final(connection))
        connection.response.create(
            model=MODEL, input="What is my name?", previous_response_id=first.id
        )
        second = completed(until_final(connection))
    assert second.previous_response_id == first.id
    assert first.usage is not None and second.usage is not None
    # The chained response's input is the whole conversation so far.
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
    # Kept like any POST /v1/responses answer: the HTTP API finds it.
    assert client.responses.retrieve(second.id).output_text == second.output_text
    items = client.responses.input_items.list(second.id).data
    assert [item.content[0].text for item in items] == ["What is my name?"]  # type: ignore[union-attr]


def test_an_unstored_response_chains_on_its_connection_only(
    server: ServerThread, client: openai.OpenAI
) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="My name is Ada.", store=False)
        first = completed(until_final(connection))
        connection.response.create(
            model=MODEL, input="What is my name?", previous_response_id=first.id, store=False
        )
        second = completed(until_final(connection))
        # Only the latest response is kept in the connection's memory.
        connection.response.create(model=MODEL, input="And?", previous_response_id=first.id)
        [older] = until_final(connection)
    assert second.previous_response_id == first.id and first.store is False
    assert first.usage is not None and second.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
    assert older["error"]["code"] == "previous_response_not_found"
    # Never kept by the server: the HTTP API does not find either.
    state = server.replayer.state  # type: ignore[attr-defined]
    assert [state.get(STORED, r) for r in (first.id, second.id)] == [None, None]
    with client.responses.connect() as other:
        other.response.create(model=MODEL, input="Hi", previous_response_id=second.id)
        [elsewhere] = until_final(other)
    assert elsewhere["error"]["code"] == "previous_response_not_found"


def test_stream_id_is_echoed_on_every_event(client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Hi", stream_id="agent_1")
        events = until_final(connection)
    assert {event.get("stream_id") for event in events} == {"agent_1"}
    assert "stream_id" not in events[-1]["response"]
    assert schema_problems(events) == []


def test_a_bad_request_gets_the_error_event_and_the_socket_stays_open(
    client: openai.OpenAI,
) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Hi", temperature=9)
        [error] = until_final(connection)
        connection.send_raw("{not json")
        [bad_json] = until_final(connection)
        connection.send_raw(json.dumps({"type": "session.update"}))
        [unknown] = until_final(connection)
        connection.response.create(model=MODEL, input="Hi", previous_response_id="resp_nope")
        [missing] = until_final(connection)
        connection.response.create(model=MODEL, input="Still there?")
        assert completed(until_final(connection)).output_text
    assert error["status"] == 400
    assert error["error"]["type"] == "invalid_request_error"
    assert error["error"]["param"] == "temperature"
    assert "Expected a value <= 2, but got 9 instead" in error["error"]["message"]
    assert bad_json["status"] == 400
    assert "We could not parse the JSON body" in bad_json["error"]["message"]
    assert (unknown["status"], unknown["error"]["param"]) == (400, "type")
    assert "'response.create' and 'response.steer'" in unknown["error"]["message"]
    assert missing["status"] == 404
    assert missing["error"]["code"] == "previous_response_not_found"
    assert missing["error"]["message"] == "Previous response with id 'resp_nope' not found."


def test_the_sdk_raises_the_error_event_when_nothing_handles_it(client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Hi", top_p=5)
        with pytest.raises(openai.OpenAIError, match="top_p"):
            connection.dispatch_events()


def test_a_miss_in_error_mode_is_the_near_miss_report(keyed: ServerThread) -> None:
    with (
        strict_client(keyed.url + "/v1", api_key=KEY) as sdk,
        sdk.responses.connect() as connection,
    ):
        connection.response.create(model=MODEL, input="Say hello from a fixtur")
        [error] = until_final(connection)
        connection.response.create(model=MODEL, input="Say hello from a fixture")
        assert completed(until_final(connection)).output_text == "Hello from a mockapi fixture!"
    assert (error["status"], error["error"]["code"]) == (404, "no_fixture_matched")
    assert "responses-greeting" in error["error"]["message"]


def test_a_handshake_without_a_key_is_refused_with_the_http_401(keyed: ServerThread) -> None:
    url = keyed.url.replace("http://", "ws://") + "/v1/responses"
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(url)
    assert refused.value.response.status_code == 401
    body = json.loads(refused.value.response.body or b"{}")
    assert body["error"]["message"].startswith("You didn't provide an API key.")
    assert body["error"]["type"] == "invalid_request_error"


def test_a_wrong_key_is_refused_through_the_sdk(keyed: ServerThread) -> None:
    with strict_client(keyed.url + "/v1", api_key="sk-wrong-key-1234") as sdk:
        with pytest.raises(InvalidStatus) as refused:
            sdk.responses.connect().enter()
    assert refused.value.response.status_code == 401
    body = json.loads(refused.value.response.body or b"{}")
    assert body["error"]["code"] == "invalid_api_key"
    assert "sk-*******1234" in body["error"]["message"]


def test_other_paths_are_refused_with_the_apis_404(server: ServerThread) -> None:
    url = server.url.replace("http://", "ws://") + "/v1/realtime"
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(url, additional_headers={"Authorization": f"Bearer {KEY}"})
    assert refused.value.response.status_code == 404
    assert b"Invalid URL (GET /v1/realtime)" in (refused.value.response.body or b"")


def test_steering_a_response_waiting_for_a_tool_call(client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(
            model=MODEL, input="Weather in Paris?", tools=[WEATHER], tool_choice="required"
        )
        parent = completed(until_final(connection))
        [call] = [item for item in parent.output if item.type == "function_call"]
        connection.response.steer(input="Answer in French.", previous_response_id=parent.id)
        accepted = ResponseSteerAcceptedEvent.model_validate(json.loads(connection.recv_bytes()))
        pending = ResponseSteerPendingEvent.model_validate(json.loads(connection.recv_bytes()))
        connection.response.create(
            model=MODEL,
            previous_response_id=parent.id,
            tools=[WEATHER],
            input=[{"type": "function_call_output", "call_id": call.call_id, "output": "18C"}],  # type: ignore[union-attr]
        )
        successor = completed(until_final(connection))
    assert accepted.steer.previous_response_id == pending.steer.previous_response_id == parent.id
    assert accepted.steer.id == pending.steer.id and accepted.steer.id.startswith("steer_")
    assert pending.reason == "waiting_for_required_input"
    assert [stub.to_dict() for stub in pending.required_input] == [
        {"type": "function_call_output", "call_id": call.call_id, "name": "get_weather"}  # type: ignore[union-attr]
    ]
    # Steering events continue the parent's sequence.
    assert pending.sequence_number == accepted.sequence_number + 1
    # The queued input is prepended to the explicit continuation's own input.
    items = client.responses.input_items.list(successor.id, order="asc").data
    assert [item.type for item in items] == ["message", "function_call_output"]
    assert items[0].content[0].text == "Answer in French."  # type: ignore[union-attr]
    assert successor.previous_response_id == parent.id


def test_steering_is_refused_when_nothing_can_take_it(client: openai.OpenAI) -> None:
    with client.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Hi")
        done = completed(until_final(connection))
        connection.response.steer(input="More!", previous_response_id=done.id)
        finished = ResponseSteerFailedEvent.model_validate(json.loads(connection.recv_bytes()))
        connection.response.steer(input="More!", previous_response_id="resp_elsewhere")
        unknown = ResponseSteerFailedEvent.model_validate(json.loads(connection.recv_bytes()))
        connection.send(
            {
                "type": "response.steer",
                "previous_response_id": done.id,
                "input": [{"role": "assistant", "content": "I will."}],
            }
        )
        # Invalid input comes back as sent, which the SDK's strict model cannot hold.
        invalid = connection.parse_event(connection.recv_bytes())
    assert finished.error.code == "response_already_completed"
    assert (finished.steer.input, finished.steer.id) == ("More!", None)
    assert unknown.error.code == "response_not_found"
    assert isinstance(invalid, ResponseSteerFailedEvent)
    assert invalid.error.code == "invalid_input" and "'user'" in invalid.error.message
    assert invalid.steer.previous_response_id == done.id and invalid.steer.id is None


def test_azure_clients_connect_on_their_url_shapes(server: ServerThread) -> None:
    azure = openai.AzureOpenAI(
        azure_endpoint=server.url, api_version="2025-04-01-preview", api_key=KEY
    )
    with azure, azure.responses.connect() as connection:
        connection.response.create(model=MODEL, input="Say hello from a fixture")
        events = until_final(connection)
    assert completed(events).output_text == "Hello from a mockapi fixture!"
    assert server.replayer.journal.entries()[-1].path == "/v1/responses"  # type: ignore[attr-defined]


def test_a_miss_in_proxy_mode_says_the_socket_is_not_proxied() -> None:
    # Nothing listens on port 9: the session must answer without trying the upstream.
    with running_server(on_miss=OnMiss.PROXY, upstream_url="http://127.0.0.1:9") as proxy:
        with strict_client(proxy.url + "/v1", api_key=KEY) as sdk, sdk.responses.connect() as ws:
            ws.response.create(model=MODEL, input="Not recorded", stream_id="lane")
            [error] = until_final(ws)
        entry = proxy.replayer.journal.entries()[-1]  # type: ignore[attr-defined]
    assert (error["status"], error["error"]["type"], error["stream_id"]) == (
        502,
        "upstream_error",
        "lane",
    )
    assert "does not proxy WebSocket sessions" in error["error"]["message"]
    assert (entry.outcome, entry.status) == (Outcome.PROXIED, 502)
