"""Synthesized chat completions obey the request, and validate against the response schemas."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockapi.endpoints.chat import stream as streaming
from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.chat import tools
from mockapi.validation.files import load_schemas
from mockapi.validation.validator import RequestValidator
from mockapi.wire import tokens

CHAT = "POST /v1/chat/completions"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit", "days"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
POPULATION = {
    "type": "function",
    "function": {
        "name": "lookup_population",
        "description": "Returns the population of a country",
        "parameters": {
            "type": "object",
            "properties": {"country": {"type": "string", "minLength": 2}},
            "required": ["country"],
        },
    },
}
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "age": {"type": "integer", "minimum": 0, "maximum": 130},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
        "nickname": {"type": ["string", "null"]},
    },
    "required": ["name", "email", "age", "tags", "nickname"],
    "additionalProperties": False,
}


def ask(content: str = "Tell me about otters", seed: int = 0, **extra: Any) -> dict[str, Any]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}
    return chat.complete(chat.synthesize(body, seed=seed), body)  # type: ignore[no-any-return]


def message(body: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return body["choices"][index]["message"]  # type: ignore[no-any-return]


def content(body: dict[str, Any], index: int = 0) -> str:
    return str(message(body, index)["content"])


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator(load_schemas())


# -- text ----------------------------------------------------------------------------------


def test_answer_quotes_the_question_and_depends_on_it() -> None:
    otters, owls = content(ask("Tell me about otters")), content(ask("Tell me about owls"))
    assert "otters" in otters and "owls" in owls and otters != owls


def test_same_request_and_seed_give_the_same_answer() -> None:
    assert content(ask()) == content(ask())
    assert content(ask(seed=3)) == content(ask(seed=3))
    assert content(ask(seed=1)) != content(ask(seed=0))  # the server's seed
    assert content(ask(**{"seed": 42})) != content(ask(**{"seed": 43}))  # the request's


def test_transport_parameters_do_not_change_the_answer() -> None:
    plain = content(ask())
    assert content(ask(stream=True, stream_options={"include_usage": True})) == plain
    assert content(ask(logprobs=True, top_logprobs=3)) == plain


def test_n_gives_distinct_choices() -> None:
    body = ask(n=3)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len({content(body, i) for i in range(3)}) == 3
    assert content(body, 0) == content(ask())


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4", "o3-mini"])
@pytest.mark.parametrize("limit", [1, 2, 5, 9, 17])
def test_max_tokens_cuts_at_exactly_that_many_real_tokens(model: str, limit: int) -> None:
    for key in ("max_tokens", "max_completion_tokens"):
        body = ask("Résumé of the naïve café 🦦?", model=model, **{key: limit})
        cut, full = content(body), content(ask("Résumé of the naïve café 🦦?", model=model))
        assert tokens.count_text(cut, model) == limit
        assert full.startswith(cut)
        assert body["choices"][0]["finish_reason"] == "length"
        assert body["usage"]["completion_tokens"] == limit


def test_a_generous_limit_changes_nothing() -> None:
    body = ask(max_tokens=1000)
    assert body["choices"][0]["finish_reason"] == "stop"
    assert content(body) == content(ask())


def test_stop_sequences_cut_before_the_first_one() -> None:
    full = content(ask())
    cut = ask(stop=["zzz", "otters"])
    assert content(cut) == full[: full.index("otters")]
    assert cut["choices"][0]["finish_reason"] == "stop"
    assert content(ask(stop="never-there")) == full
    # A stop sequence before the token limit wins; after it, the limit does.
    assert ask(stop="asked", max_tokens=50)["choices"][0]["finish_reason"] == "stop"
    assert ask(stop="otters", max_tokens=1)["choices"][0]["finish_reason"] == "length"


def test_logprobs_are_well_formed() -> None:
    body = ask("Tell me about déjà vu 🦦", logprobs=True, top_logprobs=4)
    text = content(body)
    entries = body["choices"][0]["logprobs"]["content"]
    assert body["choices"][0]["logprobs"]["refusal"] is None
    assert len(entries) == tokens.count_text(text, "gpt-4o-mini")
    assert b"".join(bytes(e["bytes"]) for e in entries) == text.encode()
    for entry in entries:
        assert entry["logprob"] <= 0
        if not entry["token"].startswith("bytes:"):
            assert bytes(entry["bytes"]) == entry["token"].encode()
        top = entry["top_logprobs"]
        assert len(top) == 4 and top[0]["token"] == entry["token"]
        assert len({t["token"] for t in top}) == 4
        assert [t["logprob"] for t in top] == sorted((t["logprob"] for t in top), reverse=True)
        assert all(bytes(t["bytes"]) == t["token"].encode() for t in top[1:])
        assert all(tokens.count_text(t["token"], "gpt-4o-mini") == 1 for t in top[1:])


def test_logprobs_without_top_and_when_cut() -> None:
    body = ask(logprobs=True, max_tokens=3)
    entries = body["choices"][0]["logprobs"]["content"]
    assert len(entries) == 3 and all(e["top_logprobs"] == [] for e in entries)
    assert "".join(e["token"] for e in entries) == content(body)
    assert ask()["choices"][0]["logprobs"] is None


# -- structured output ---------------------------------------------------------------------


def test_json_object_mode_gives_a_json_object() -> None:
    assert isinstance(json.loads(content(ask(response_format={"type": "json_object"}))), dict)


@pytest.mark.parametrize("strict", [True, False])
def test_json_schema_gives_a_valid_document(strict: bool) -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "p", "strict": strict, "schema": PERSON_SCHEMA},
    }
    documents = [json.loads(content(ask(seed=s, response_format=fmt))) for s in range(5)]
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    for document in documents:
        jsonschema.validate(document, PERSON_SCHEMA, format_checker=checker)
    assert len({json.dumps(d) for d in documents}) > 1
    assert documents[0] == json.loads(content(ask(seed=0, response_format=fmt)))


# -- tools --------------------------------------------------------------------------------


def calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    return message(body).get("tool_calls") or []


def assert_valid_arguments(call: dict[str, Any], tool: dict[str, Any]) -> dict[str, Any]:
    arguments = json.loads(call["function"]["arguments"])
    jsonschema.validate(arguments, tool["function"]["parameters"])
    return arguments  # type: ignore[no-any-return]


def test_required_calls_a_tool_with_valid_arguments() -> None:
    body = ask("Hello", tools=[WEATHER], tool_choice="required")
    [call] = calls(body)
    assert call["function"]["name"] == "get_weather" and call["id"].startswith("call_")
    assert_valid_arguments(call, WEATHER)
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert message(body)["content"] is None


def test_a_named_tool_is_called() -> None:
    choice = {"type": "function", "function": {"name": "lookup_population"}}
    body = ask("What is the weather in Paris?", tools=[WEATHER, POPULATION], tool_choice=choice)
    assert [c["function"]["name"] for c in calls(body)] == ["lookup_population"]
    assert_valid_arguments(calls(body)[0], POPULATION)


def test_auto_calls_the_tools_the_question_mentions() -> None:
    weather = ask("What is the weather in Paris?", tools=[WEATHER, POPULATION])
    [call] = calls(weather)
    assert assert_valid_arguments(call, WEATHER)["city"] == "Paris"
    both = ask("Weather and population of France?", tools=[WEATHER, POPULATION])
    assert [c["function"]["name"] for c in calls(both)] == ["get_weather", "lookup_population"]
    one = ask("Weather and population?", tools=[WEATHER, POPULATION], parallel_tool_calls=False)
    assert [c["function"]["name"] for c in calls(one)] == ["get_weather"]
    unrelated = ask("Tell me a joke", tools=[WEATHER, POPULATION], tool_choice="auto")
    assert calls(unrelated) == [] and "joke" in content(unrelated)
    assert calls(ask("What is the weather?", tools=[WEATHER], tool_choice="none")) == []


def test_allowed_tools_narrow_the_choice() -> None:
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "required",
            "tools": [{"type": "function", "function": {"name": "lookup_population"}}],
        },
    }
    body = ask("Weather?", tools=[WEATHER, POPULATION], tool_choice=choice)
    assert [c["function"]["name"] for c in calls(body)] == ["lookup_population"]


def tool_loop_request(tool_choice: str = "auto") -> dict[str, Any]:
    first = ask("What is the weather in Paris?", tools=[WEATHER])
    call = calls(first)[0]
    return {
        "model": "gpt-4o-mini",
        "tools": [WEATHER],
        "tool_choice": tool_choice,
        "messages": [
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "22 degrees and sunny"},
        ],
    }


def test_after_a_tool_message_the_answer_reports_the_result() -> None:
    request = tool_loop_request()
    body = chat.complete(chat.synthesize(request), request)
    assert calls(body) == [] and body["choices"][0]["finish_reason"] == "stop"
    assert "22 degrees and sunny" in content(body) and "get_weather" in content(body)
    # "required" keeps calling: that is the API's contract.
    again = tool_loop_request("required")
    assert calls(chat.complete(chat.synthesize(again), again))


def test_the_auto_rule_is_word_based() -> None:
    functions = tools.functions_of({"tools": [WEATHER, POPULATION]})
    assert [f["name"] for f in tools.applicable(functions, "any weather news?")] == ["get_weather"]
    assert tools.applicable(functions, "Which country is the largest?") == [functions[1]]
    assert tools.applicable(functions, "hello there") == []


# -- schemas, streams and usage -------------------------------------------------------------


REQUESTS: list[dict[str, Any]] = [
    {},
    {"n": 2, "logprobs": True, "top_logprobs": 2},
    {"max_tokens": 4},
    {"tools": [WEATHER, POPULATION], "tool_choice": "required"},
    {"tools": [WEATHER], "content": "Weather and population?", "logprobs": True},
    {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "p", "schema": PERSON_SCHEMA},
        }
    },
]


@pytest.mark.parametrize("extra", REQUESTS)
def test_synthesized_bodies_and_chunks_validate(
    validator: RequestValidator, extra: dict[str, Any]
) -> None:
    extra = dict(extra)
    body = ask(extra.pop("content", "Weather and population in Paris?"), **extra)
    assert validator.validate_response(CHAT, body) == []
    for chunk in streaming.completion_to_chunks(body, include_usage=True):
        assert validator.validate_response(CHAT, chunk, role="stream_event") == []


def test_usage_is_counted_with_the_real_tokenizer() -> None:
    body = ask(n=2)
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Tell me about otters"}],
    }
    usage = body["usage"]
    assert usage["prompt_tokens"] == tokens.count_prompt(request) == 12
    expected = sum(tokens.count_text(content(body, i), "gpt-4o-mini") for i in range(2))
    assert usage["completion_tokens"] == expected
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0, "audio_tokens": 0}


def test_complete_keeps_what_a_fixture_pins() -> None:
    fixture = {
        "id": "chatcmpl-x",
        "choices": [{"message": {"content": "Hi"}}],
        "usage": {"prompt_tokens": 1},
    }
    done = chat.complete(fixture, {"model": "gpt-4o"})
    assert done["id"] == "chatcmpl-x" and done["usage"] == {"prompt_tokens": 1}
    assert done["choices"][0]["finish_reason"] == "stop" and done["model"] == "gpt-4o"


def test_example_for_keeps_its_minimal_meaning() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}, "s": {"type": "string"}},
        "required": ["n"],
    }
    assert chat.example_for(schema) == {"n": 0}
    assert chat.example_for({"enum": ["x", "y"]}) == "x"


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(min_size=0, max_size=80),
    limit=st.integers(min_value=0, max_value=60),
    model=st.sampled_from(["gpt-4o-mini", "gpt-4"]),
)
def test_the_token_limit_cuts_exactly_when_the_text_is_longer(
    text: str, limit: int, model: str
) -> None:
    # The byte-length shortcut (no token is shorter than a byte) never keeps a text
    # that has more tokens than the limit, nor cuts one that has no more.
    cut, reason = chat._limited(text, {"model": model, "max_tokens": limit})
    if tokens.count_text(text, model) <= limit:
        assert (cut, reason) == (text, "stop")
    else:
        assert reason == "length" and text.startswith(cut)
        assert tokens.count_text(cut, model) <= limit
