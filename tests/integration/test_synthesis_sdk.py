"""Synthesized answers through the official SDK, against a server with no fixtures at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import openai
import pytest
from pydantic import BaseModel, Field

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from mockapi.wire import tokens
from tests.helpers import running_server
from tests.unit.wire.test_tokens import KNOWN_MISSES, REAL_TRAFFIC, recorded_chat_requests

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
QUESTION: Any = {"role": "user", "content": "What is the weather in Paris?"}


class Person(BaseModel):
    name: str
    age: int = Field(ge=0, le=130)
    email: str
    tags: list[Literal["friend", "colleague"]]
    nickname: str | None


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str
    unit: Literal["celsius", "fahrenheit"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    empty: Path = tmp_path_factory.mktemp("no-fixtures")
    with running_server(fixture_dirs=(empty,), on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def ask(client: openai.OpenAI, text: str = "Tell me about otters", **extra: Any) -> Any:
    messages: Any = [{"role": "user", "content": text}]
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages, **extra)


def test_parse_returns_a_pydantic_instance(client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "Describe a person called Ada"}]
    completion = client.chat.completions.parse(
        model="gpt-4o", messages=messages, response_format=Person
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Person)
    again = client.chat.completions.parse(model="gpt-4o", messages=messages, response_format=Person)
    assert again.choices[0].message.parsed == parsed


def test_parse_with_a_strict_pydantic_tool(client: openai.OpenAI) -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o",
        messages=[QUESTION],
        tools=[openai.pydantic_function_tool(GetWeather)],
        tool_choice="required",
    )
    [call] = completion.choices[0].message.tool_calls or []
    assert isinstance(call.function.parsed_arguments, GetWeather)  # type: ignore[union-attr]


def test_a_full_tool_loop(client: openai.OpenAI) -> None:
    messages: list[Any] = [QUESTION]
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
    )
    assert first.choices[0].finish_reason == "tool_calls"
    [call] = first.choices[0].message.tool_calls or []
    arguments = json.loads(call.function.arguments)  # type: ignore[union-attr]
    assert arguments["city"] == "Paris" and arguments["unit"] in ("celsius", "fahrenheit")
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "22 degrees, sunny"})
    final = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
    )
    assert final.choices[0].finish_reason == "stop"
    assert not final.choices[0].message.tool_calls
    assert "22 degrees, sunny" in (final.choices[0].message.content or "")


def test_n_gives_three_choices(client: openai.OpenAI) -> None:
    completion = ask(client, n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert len({c.message.content for c in completion.choices}) == 3


def test_max_tokens_cuts_with_length(client: openai.OpenAI) -> None:
    completion = ask(client, max_tokens=5)
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 5
    assert tokens.count_text(completion.choices[0].message.content, "gpt-4o-mini") == 5


def test_the_same_seed_gives_the_same_answer(client: openai.OpenAI) -> None:
    one, two, other = ask(client, seed=7), ask(client, seed=7), ask(client, seed=8)
    assert one.choices[0].message.content == two.choices[0].message.content
    assert one.choices[0].message.content != other.choices[0].message.content
    assert one.id != two.id


def test_a_stream_has_the_same_text_and_a_usage_chunk(client: openai.OpenAI) -> None:
    plain = ask(client, "Stream me a story about owls")
    chunks = list(
        ask(
            client,
            "Stream me a story about owls",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == plain.usage.prompt_tokens
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])


def test_logprobs_through_the_sdk_types(client: openai.OpenAI) -> None:
    completion = ask(client, logprobs=True, top_logprobs=3)
    choice = completion.choices[0]
    assert choice.logprobs is not None and choice.logprobs.content is not None
    entries = choice.logprobs.content
    assert "".join(e.token for e in entries) == choice.message.content
    assert all(e.logprob <= 0 and len(e.top_logprobs) == 3 for e in entries)
    assert all(bytes(e.bytes or []) == e.token.encode() for e in entries)
    streamed = ask(client, logprobs=True, top_logprobs=3, stream=True)
    pieces = [
        e
        for c in streamed
        if c.choices and c.choices[0].logprobs
        for e in c.choices[0].logprobs.content or []
    ]
    assert [e.token for e in pieces] == [e.token for e in entries]


def test_json_mode_through_the_sdk(client: openai.OpenAI) -> None:
    completion = ask(client, response_format={"type": "json_object"})
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


@pytest.mark.skipif(not REAL_TRAFFIC.is_dir(), reason=f"no recorded traffic at {REAL_TRAFFIC}")
def test_prompt_tokens_equal_the_recorded_counts(client: openai.OpenAI) -> None:
    cases = [c for c in recorded_chat_requests() if c[0] not in KNOWN_MISSES]
    assert len(cases) >= 25
    for name, body, reported in cases:
        sent = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        completion = client.chat.completions.create(**sent)
        assert completion.usage is not None
        assert completion.usage.prompt_tokens == reported, name
