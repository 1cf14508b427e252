"""Chat completions through the official SDK against a real server on a real port."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import openai
import pytest

from mockapi.web.server import ServerThread
from tests.helpers import running_server
from tests.integration.conftest import API_KEY

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
FIRST = {"role": "user", "content": "What is the capital of France?"}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
            "additionalProperties": False,
        },
    },
}


def test_plain_create_answers_from_the_fixture_with_fresh_id(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello there!"}]
    )
    second = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hey, you"}]
    )
    assert first.choices[0].message.content == "Hello! How can I help you today?"
    assert first.choices[0].finish_reason == "stop"
    assert first.object == "chat.completion"
    assert first.id.startswith("chatcmpl-") and second.id.startswith("chatcmpl-")
    assert first.id != second.id
    assert first.usage is not None and first.usage.prompt_tokens > 0
    assert first.usage.total_tokens == first.usage.prompt_tokens + first.usage.completion_tokens


def test_multi_turn_conversation_matches_each_turn(client: openai.OpenAI) -> None:
    turn1 = client.chat.completions.create(model="gpt-4o-mini", messages=[SYSTEM, FIRST])
    answer = turn1.choices[0].message.content
    assert answer == "The capital of France is Paris."
    turn2 = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            SYSTEM,
            FIRST,
            {"role": "assistant", "content": answer},
            {"role": "user", "content": "And how many people live there?"},
        ],
        temperature=0.2,
    )
    assert "2.1 million" in (turn2.choices[0].message.content or "")


def test_stream_fixture_streams_chunk_by_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Please count to five"}],
        stream=True,
    )
    chunks = list(stream)
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert pieces == ["One", ", two", ", three", ", four", ", five."]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len({c.id for c in chunks}) == 1


def test_stream_fixture_answers_non_stream_request_reassembled(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "count to five"}]
    )
    assert result.choices[0].message.content == "One, two, three, four, five."
    assert result.choices[0].finish_reason == "stop"
    assert result.object == "chat.completion"


def test_body_fixture_answers_stream_request_with_usage_chunk(client: openai.OpenAI) -> None:
    plain = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
    )
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert len([c for c in chunks if c.choices]) > 2, "content should arrive in several pieces"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]


def test_streaming_helper_accumulates_tool_call_arguments(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "What's the weather in Paris?"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    ) as stream:
        deltas = [e for e in stream if e.type == "tool_calls.function.arguments.delta"]
        final = stream.get_final_completion()
    assert len(deltas) > 1, "arguments should arrive in several pieces"
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"location": "Paris, France", "unit": "celsius"}  # type: ignore[union-attr]
    assert final.choices[0].finish_reason == "tool_calls"


def test_tool_result_gets_final_answer(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "What's the weather in Paris?"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    )
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    follow = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "user", "content": "What's the weather in Paris?"},
            first.choices[0].message.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 18}'},
        ],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    )
    assert follow.choices[0].message.content == "It is currently 18°C and partly cloudy in Paris."
    assert follow.choices[0].message.tool_calls is None


def test_json_mode_content_is_json(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Describe a famous mathematician as JSON."}],
        response_format={"type": "json_object"},
    )
    assert json.loads(result.choices[0].message.content or "")["name"] == "Ada Lovelace"


def test_fifty_concurrent_async_requests(server: ServerThread) -> None:
    async def run() -> list[str]:
        async with openai.AsyncOpenAI(
            base_url=server.url + "/v1", api_key=API_KEY, max_retries=0
        ) as client:
            calls = [
                client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "user", "content": f"hello number {i}"}],
                    stream=i % 2 == 0,
                )
                for i in range(50)
            ]
            results = await asyncio.gather(*calls)
            texts = []
            for result in results:
                if isinstance(result, openai.AsyncStream):
                    texts.append(
                        "".join(
                            [c.choices[0].delta.content or "" async for c in result if c.choices]
                        )
                    )
                else:
                    texts.append(result.choices[0].message.content)
            return texts

    texts = asyncio.run(run())
    assert texts == ["Hello! How can I help you today?"] * 50


def test_miss_names_closest_fixtures_and_differing_fields(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[SYSTEM, {"role": "user", "content": "What is the capital of Spain?"}],
        )
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["type"] == "mockapi_no_match"
    message = error["message"]
    assert "capital-of-france" in message
    assert "What is the capital of Spain?" in message
    assert "messages[1].content" in message


_NULL_USAGE_STREAM = {
    "version": 1,
    "fixtures": [
        {
            "name": "null-usage-tail",
            "response": {
                "events": [
                    {"data": {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}},
                    {"data": {"choices": [{"index": 0, "delta": {"content": "Hi there"}}]}},
                    {"data": {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}},
                    {"data": {"choices": [], "usage": None}},
                    {"data": "[DONE]"},
                ]
            },
        }
    ],
}


def test_stream_fixture_ending_in_null_usage_gets_counted_usage(tmp_path: Path) -> None:
    # Issue 14: the fixture's `{"choices": [], "usage": null}` was taken for the usage
    # chunk, and the SDK's last chunk had `usage=None` although include_usage asked.
    (tmp_path / "null_usage.yaml").write_text(json.dumps(_NULL_USAGE_STREAM))  # JSON is YAML
    with (
        running_server(fixture_dirs=(tmp_path,)) as server,
        openai.OpenAI(base_url=server.url + "/v1", api_key=API_KEY, max_retries=0) as sdk,
    ):
        chunks = list(
            sdk.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "Hello"}],
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hi there"
    usage = chunks[-1].usage
    assert chunks[-1].choices == [] and usage is not None
    assert isinstance(usage.completion_tokens, int) and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
