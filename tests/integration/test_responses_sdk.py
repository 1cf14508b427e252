"""The Responses API through the official SDK, against a real server.

Every method of ``client.responses`` (create, stream, parse, retrieve, delete, cancel,
compact, input_items.list, input_tokens.count), sync and async, synthesized and from
the bundled fixtures (``fixtures/responses``), with the SDK's strict response
validation on, and every body and event checked against the derived schemas.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pydantic
import pytest

from mockapi.config import OnMiss
from mockapi.endpoints.responses.output import ORDER
from mockapi.endpoints.responses.synthesis import REASONING_TOKENS
from mockapi.wire.sse import decode_events
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

CREATE = "POST /v1/responses"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as running:
        yield running


@pytest.fixture(scope="module")
def strict_server() -> Iterator[Any]:
    with running_server(on_miss=OnMiss.ERROR) as running:
        yield running


@pytest.fixture
def client(server: Any) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1") as sdk:
        yield sdk


@pytest.fixture
def strict(strict_server: Any) -> Iterator[openai.OpenAI]:
    with strict_client(strict_server.url + "/v1") as sdk:
        yield sdk


def dumped(model: pydantic.BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


def raw_events(url: str, body: dict[str, Any]) -> list[Any]:
    """The SSE events of a stream request, decoded from the bytes sent."""
    headers = {"authorization": "Bearer sk-test"}
    reply = httpx.post(url + "/v1/responses", json={**body, "stream": True}, headers=headers)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    return decode_events(reply.content)


def check_stream(events: list[Any]) -> None:
    """Typed events as the API sends them: names match types, numbers count from 0."""
    assert [e.data["sequence_number"] for e in events] == list(range(len(events)))
    for event in events:
        assert event.event == event.data["type"]
        assert response_problems(CREATE, event.data, role="stream_event") == []


# -- create, synthesized -------------------------------------------------------------------


def test_synthesized_response_is_the_real_object(server: Any, client: openai.OpenAI) -> None:
    raw = client.responses.with_raw_response.create(
        model="gpt-4o-mini", input="Tell me about otters", metadata={"run": "1"}, temperature=0.5
    )
    body = raw.http_response.json()
    assert list(body) == [key for key in ORDER if key != "conversation"]  # in none
    assert response_problems(CREATE, body) == []
    response = raw.parse()
    assert response.id.startswith("resp_") and response.status == "completed"
    assert response.output[0].id.startswith("msg_")
    assert "otters" in response.output_text
    assert response.metadata == {"run": "1"} and response.temperature == 0.5
    assert response.usage is not None and response.usage.input_tokens == 12
    assert response.usage.total_tokens == 12 + response.usage.output_tokens
    again = client.responses.create(
        model="gpt-4o-mini", input="Tell me about otters", temperature=0.5
    )
    assert again.output_text == response.output_text and again.id != response.id


def test_create_stream_true_yields_the_typed_events(server: Any, client: openai.OpenAI) -> None:
    ask = {"model": "gpt-4o-mini", "input": "Tell me about badgers"}
    stream = client.responses.create(**ask, stream=True)  # type: ignore[call-overload]
    types = [event.type for event in stream]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert types.count("response.output_text.delta") > 3
    events = raw_events(server.url, ask)
    check_stream(events)
    deltas = [e.data for e in events if e.event == "response.output_text.delta"]
    assert all(d["logprobs"] == [] and d["obfuscation"] for d in deltas)
    plain = client.responses.create(**ask)  # type: ignore[call-overload]
    assert "".join(d["delta"] for d in deltas) == plain.output_text


def test_stream_helper_gives_the_final_response(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4o", input="Tell me about herons") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text
    assert "herons" in final.output_text
    assert response_problems(CREATE, dumped(final)) == []


def test_async_create_and_stream(server: Any) -> None:
    async def run() -> tuple[str, str]:
        async with strict_async_client(server.url + "/v1") as sdk:
            plain = await sdk.responses.create(model="gpt-4o-mini", input="Tell me about moles")
            async with sdk.responses.stream(model="gpt-4o-mini", input="Tell me about moles") as s:
                async for _ in s:
                    pass
                final = await s.get_final_response()
            return plain.output_text, final.output_text

    plain, streamed = asyncio.run(run())
    assert plain == streamed and "moles" in plain


class City(pydantic.BaseModel):
    city: str
    country: str
    population: int


def test_parse_gives_a_document_valid_for_the_model(client: openai.OpenAI) -> None:
    parsed = client.responses.parse(
        model="gpt-4o", input="What is the largest city in Mexico?", text_format=City
    )
    assert isinstance(parsed.output_parsed, City)
    assert parsed.text.format.type == "json_schema"  # type: ignore[union-attr]
    with client.responses.stream(
        model="gpt-4o", input="What is the largest city in Mexico?", text_format=City
    ) as stream:
        final = stream.get_final_response()
    assert final.output_parsed == parsed.output_parsed


def test_function_call_then_its_output_through_chaining(client: openai.OpenAI) -> None:
    first = client.responses.create(
        model="gpt-4o",
        input="What is the weather in Paris?",
        tools=[WEATHER],  # type: ignore[list-item]
    )
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert call.arguments == '{"city":"Paris"}' and call.call_id.startswith("call_")
    assert response_problems(CREATE, dumped(first)) == []
    tool = dumped(first)["tools"][0]
    assert tool["strict"] is True and tool["description"] == "Get the weather for a city"
    second = client.responses.create(
        model="gpt-4o",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "22C, sunny"}],
        tools=[WEATHER],  # type: ignore[list-item]
    )
    assert "22C, sunny" in second.output_text
    assert second.previous_response_id == first.id
    assert first.usage is not None and second.usage is not None
    # The chained conversation counts: the question, the call and its output.
    assert second.usage.input_tokens > first.usage.input_tokens + 5


def test_streamed_function_call_arguments(server: Any) -> None:
    events = raw_events(
        server.url, {"model": "gpt-4o", "input": "What is the weather in Oslo?", "tools": [WEATHER]}
    )
    check_stream(events)
    deltas = [
        e.data["delta"] for e in events if e.event == "response.function_call_arguments.delta"
    ]
    done = next(e.data for e in events if e.event == "response.function_call_arguments.done")
    assert "".join(deltas) == done["arguments"] == '{"city":"Oslo"}'
    assert "name" not in done  # as the API sends it (recorded 2025-03 and 2026-05)


def test_max_output_tokens_cuts_the_text(client: openai.OpenAI) -> None:
    full = client.responses.create(model="gpt-4o-mini", input="Tell me about owls")
    cut = client.responses.create(
        model="gpt-4o-mini", input="Tell me about owls", max_output_tokens=16
    )
    assert cut.status == "incomplete"
    assert (
        cut.incomplete_details is not None and cut.incomplete_details.reason == "max_output_tokens"
    )
    assert cut.output[0].status == "incomplete"  # type: ignore[union-attr]
    assert full.output_text.startswith(cut.output_text) and cut.output_text != full.output_text
    assert cut.usage is not None and cut.usage.output_tokens <= 16
    with client.responses.stream(
        model="gpt-4o-mini", input="Tell me about owls", max_output_tokens=16
    ) as stream:
        types = [e.type for e in stream]
    assert types[-1] == "response.incomplete"


def test_logprobs_are_given_per_token(server: Any, client: openai.OpenAI) -> None:
    ask: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "input": "What is the capital of Minas Gerais?",
        "instructions": "You are a helpful assistant.",
        "include": ["message.output_text.logprobs"],
        "top_logprobs": 2,
    }
    response = client.responses.create(**ask)
    part = response.output[0].content[0]  # type: ignore[union-attr]
    assert part.logprobs and "".join(p.token for p in part.logprobs) == part.text
    assert all(len(p.top_logprobs) == 2 and p.logprob <= 0 for p in part.logprobs)
    assert response.instructions == "You are a helpful assistant."
    assert response.usage is not None and response.usage.input_tokens == 25  # as recorded
    events = raw_events(server.url, ask)
    check_stream(events)
    deltas = [e.data for e in events if e.event == "response.output_text.delta"]
    assert all(len(d["logprobs"]) == 1 for d in deltas)


def test_reasoning_models_think_first(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-5.5",
        input="Reply with exactly: ping",
        reasoning={"effort": "medium", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    reasoning, answer = response.output
    assert reasoning.type == "reasoning" and reasoning.id.startswith("rs_")
    assert reasoning.encrypted_content and reasoning.summary[0].type == "summary_text"
    assert answer.type == "message" and answer.phase == "final_answer"
    assert response.usage is not None
    assert response.usage.output_tokens_details.reasoning_tokens == REASONING_TOKENS["medium"]
    assert response.reasoning is not None and response.reasoning.effort == "medium"
    with client.responses.stream(
        model="gpt-5.5", input="Reply with exactly: ping", reasoning={"summary": "auto"}
    ) as stream:
        types = {e.type for e in stream}
    assert "response.reasoning_summary_text.delta" in types


# -- from fixtures ---------------------------------------------------------------------------


def test_a_json_fixture_answers_both_modes(server: Any, client: openai.OpenAI) -> None:
    plain = client.responses.create(model="gpt-4o-mini", input="Say hello from a fixture")
    assert plain.output_text == "Hello from a mockapi fixture!"
    assert response_problems(CREATE, dumped(plain)) == []
    with client.responses.stream(model="gpt-4o-mini", input="Say hello from a fixture") as s:
        final = s.get_final_response()
    assert final.output_text == "Hello from a mockapi fixture!"
    check_stream(raw_events(server.url, {"model": "gpt-4o", "input": "Say hello from a fixture"}))


def test_a_stream_fixture_answers_both_modes(server: Any, client: openai.OpenAI) -> None:
    plain = client.responses.create(model="gpt-4o-mini", input="Count to three, briefly")
    assert plain.output_text == "One, two, three."
    assert plain.id == "resp_0mockapi00000000000000000000000000000000000000000001"
    assert response_problems(CREATE, dumped(plain)) == []
    stream = client.responses.create(
        model="gpt-4o-mini", input="Count to three, briefly", stream=True
    )
    deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "One, two, three."
    check_stream(raw_events(server.url, {"model": "gpt-4o", "input": "Count to three, briefly"}))


# -- the kept responses -----------------------------------------------------------------------


def test_retrieve_list_input_items_and_delete(client: openai.OpenAI) -> None:
    created = client.responses.create(
        model="gpt-4o-mini",
        input=[
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {"role": "user", "content": [{"type": "input_text", "text": "Second question"}]},
        ],
    )
    assert client.responses.retrieve(created.id).output_text == created.output_text
    page = client.responses.input_items.list(created.id, limit=2)
    assert [item.role for item in page.data] == ["user", "assistant"]  # type: ignore[union-attr]
    assert page.has_more and all(i.id.startswith("msg_") for i in page.data)  # type: ignore[union-attr]
    every = list(client.responses.input_items.list(created.id, order="asc", limit=1))
    assert [i.content[0].text for i in every] == [  # type: ignore[union-attr]
        "First question",
        "First answer",
        "Second question",
    ]
    assert client.responses.delete(created.id) is None
    # Gone: a synthesizing server now stands in with a well-formed object of that id.
    stand_in = client.responses.retrieve(created.id)
    assert stand_in.id == created.id and stand_in.output_text != created.output_text


def test_retrieve_as_a_stream_from_a_sequence_number(server: Any, client: openai.OpenAI) -> None:
    created = client.responses.create(model="gpt-4o-mini", input="Tell me about voles")
    stream = client.responses.retrieve(created.id, stream=True, starting_after=2)
    numbers = [event.sequence_number for event in stream]
    assert numbers[0] == 3 and numbers == sorted(numbers)
    with client.responses.stream(response_id=created.id) as resumed:
        final = resumed.get_final_response()
    assert final.output_text == created.output_text


def test_background_responses_can_be_cancelled(client: openai.OpenAI) -> None:
    queued = client.responses.create(
        model="gpt-4o-mini", input="Tell me about newts", background=True
    )
    assert queued.status == "queued" and queued.background is True and queued.output == []
    cancelled = client.responses.cancel(queued.id)
    assert cancelled.status == "cancelled"
    assert response_problems(CREATE, dumped(cancelled)) == []
    other = client.responses.create(
        model="gpt-4o-mini", input="Tell me about toads", background=True
    )
    finished = client.responses.retrieve(other.id)
    assert finished.status == "completed" and "toads" in finished.output_text
    foreground = client.responses.create(model="gpt-4o-mini", input="Tell me about frogs")
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.cancel(foreground.id)
    assert "background" in caught.value.message


def test_unknown_ids_get_well_formed_objects_when_synthesizing(client: openai.OpenAI) -> None:
    fixed = "resp_fixed123"
    response = client.responses.retrieve(fixed)
    assert response.id == fixed and response.output_text
    assert response_problems("GET /v1/responses/{response_id}", dumped(response)) == []
    assert client.responses.cancel(fixed).status == "cancelled"
    items = client.responses.input_items.list(fixed)
    assert items.data and items.data[0].type == "message"
    assert client.responses.delete(fixed) is None


def test_unknown_ids_are_the_real_404_without_synthesis(strict: openai.OpenAI) -> None:
    for call in (
        lambda: strict.responses.retrieve("resp_nope"),
        lambda: strict.responses.delete("resp_nope"),
        lambda: strict.responses.cancel("resp_nope"),
        lambda: strict.responses.input_items.list("resp_nope"),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.body["message"] == "No response found with id 'resp_nope'."  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as chained:
        strict.responses.input_tokens.count(
            model="gpt-4o", input="hi", previous_response_id="resp_gone"
        )
    assert chained.value.body["message"] == "Previous response with id 'resp_gone' not found."  # type: ignore[index]
    assert chained.value.param == "previous_response_id"


def test_kept_responses_in_error_mode(strict_server: Any, strict: openai.OpenAI) -> None:
    # A fixture answer is kept too, so that it can be retrieved and chained from.
    served = strict.responses.create(model="gpt-4o-mini", input="Say hello from a fixture")
    assert strict.responses.retrieve(served.id).output_text == "Hello from a mockapi fixture!"
    counted = strict.responses.input_tokens.count(
        model="gpt-4o-mini", input="And again?", previous_response_id=served.id
    )
    alone = strict.responses.input_tokens.count(model="gpt-4o-mini", input="And again?")
    assert counted.input_tokens > alone.input_tokens
    strict.responses.delete(served.id)
    with pytest.raises(openai.NotFoundError):
        strict.responses.retrieve(served.id)
    unkept = strict.responses.create(
        model="gpt-4o-mini", input="Say hello from a fixture", store=False
    )
    with pytest.raises(openai.NotFoundError):
        strict.responses.retrieve(unkept.id)


def test_previous_response_id_must_be_known(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.create(model="gpt-4o", input="hi", previous_response_id="resp_unknown")
    assert caught.value.code == "previous_response_not_found"


# -- counting and compacting -------------------------------------------------------------------


def test_input_tokens_count_as_recorded(strict: openai.OpenAI) -> None:
    counted = strict.responses.input_tokens.count(
        model="gpt-4.1-mini",
        input=[{"role": "user", "content": "What is the weather in Paris?"}],
        tool_choice="required",
        tools=[
            {
                "type": "function",
                "name": "get_weather",
                "description": "Get the weather for a location",
                "parameters": {
                    "type": "object",
                    "properties": {"location": {"type": "string"}},
                    "additionalProperties": False,
                },
                "strict": False,
            }
        ],
    )
    assert counted.object == "response.input_tokens" and counted.input_tokens == 51


def test_compact(client: openai.OpenAI) -> None:
    compacted = client.responses.compact(
        model="gpt-5.5",
        input=[
            {"role": "user", "content": "Create a landing page for a cafe."},
            {"role": "assistant", "content": "Here is one: ..."},
        ],
    )
    assert compacted.object == "response.compaction"
    assert compacted.output[-1].type == "compaction"
    assert compacted.usage.input_tokens > 0
    assert response_problems("POST /v1/responses/compact", dumped(compacted)) == []
