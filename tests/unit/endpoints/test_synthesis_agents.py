"""Synthesis that agent frameworks can finish on (issue 15).

Each test is a request an agent framework sends (openai-agents, pydantic-ai, instructor)
after a tool ran, and the answer a model gives there: content that fits a requested
schema, a move on to the output tool instead of the same call again, arguments that
fill what the schema describes.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.responses.synthesis import synthesize as responses_synthesize

QUESTION = "What is the weather in Paris?"
WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
FORECAST = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "summary": {"type": "string"}},
    "required": ["city", "summary"],
    "additionalProperties": False,
}
GET_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": WEATHER_PARAMETERS,
        "strict": True,
    },
}
# pydantic-ai's output tool, as it sends it for ``output_type=Forecast``.
FINAL_RESULT = {
    "type": "function",
    "function": {
        "name": "final_result",
        "description": "The final response which ends this conversation",
        "parameters": FORECAST,
        "strict": True,
    },
}
RESULT = '{"city": "Paris", "temperature_c": 21, "conditions": "sunny"}'
STRICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "Forecast", "schema": FORECAST, "strict": True},
}


def after_weather(**extra: Any) -> dict[str, Any]:
    """The request a framework sends once get_weather ran: question, call, result."""
    call = {
        "id": "call_weather1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
    }
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Use get_weather to answer."},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_weather1", "content": RESULT},
        ],
        **extra,
    }


def answer(request: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    body = chat.complete(chat.synthesize(request, seed=seed), request)
    return body["choices"][0]["message"]  # type: ignore[no-any-return]


def called(message: dict[str, Any]) -> list[str]:
    return [call["function"]["name"] for call in message.get("tool_calls") or []]


# -- a structured-output request always gets content that fits ------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_a_json_schema_after_a_tool_result_gets_a_document_of_that_schema(seed: int) -> None:
    message = answer(after_weather(tools=[GET_WEATHER], response_format=STRICT_FORMAT), seed)
    assert called(message) == []
    document = json.loads(message["content"])
    jsonschema.validate(document, FORECAST)


def test_the_document_after_a_tool_result_draws_on_the_question_and_the_result() -> None:
    message = answer(after_weather(tools=[GET_WEATHER], response_format=STRICT_FORMAT))
    assert json.loads(message["content"]) == {"city": "Paris", "summary": "sunny"}


def test_json_object_after_a_tool_result_is_an_object_reporting_the_result() -> None:
    request = after_weather(tools=[GET_WEATHER], response_format={"type": "json_object"})
    document = json.loads(answer(request)["content"])
    assert isinstance(document, dict) and document
    assert "sunny" in json.dumps(document)


def test_responses_text_format_after_a_function_output_gets_a_document() -> None:
    request = {
        "model": "gpt-4o-mini",
        "input": [
            {"role": "user", "content": QUESTION},
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"city":"Paris"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": RESULT},
        ],
        "tools": [{"type": "function", **GET_WEATHER["function"]}],
        "text": {"format": {"type": "json_schema", "name": "Forecast", "schema": FORECAST}},
    }
    output = responses_synthesize(request)["output"]
    [message] = [item for item in output if item["type"] == "message"]
    jsonschema.validate(json.loads(message["content"][0]["text"]), FORECAST)


# -- tool_choice "required" moves on ---------------------------------------------------------


def test_required_after_the_tool_answered_calls_the_output_tool() -> None:
    request = after_weather(tools=[GET_WEATHER, FINAL_RESULT], tool_choice="required")
    message = answer(request)
    assert called(message) == ["final_result"]
    jsonschema.validate(json.loads(message["tool_calls"][0]["function"]["arguments"]), FORECAST)


def test_required_with_nothing_that_applies_prefers_the_output_tool() -> None:
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Tell me a joke"}],
        "tools": [GET_WEATHER, FINAL_RESULT],
        "tool_choice": "required",
    }
    assert called(answer(request)) == ["final_result"]


def test_required_still_calls_the_tool_a_question_needs_first() -> None:
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": QUESTION}],
        "tools": [GET_WEATHER, FINAL_RESULT],
        "tool_choice": "required",
    }
    assert called(answer(request)) == ["get_weather"]


def test_a_new_question_after_the_results_may_call_the_tool_again() -> None:
    request = after_weather(tools=[GET_WEATHER, FINAL_RESULT], tool_choice="required")
    request["messages"] += [
        {"role": "assistant", "content": "It is sunny in Paris."},
        {"role": "user", "content": "And the weather in Rome?"},
    ]
    assert called(answer(request)) == ["get_weather"]


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_required_tool_loop_finishes(api: str) -> None:
    """The loop pydantic-ai runs: call, feed back, repeat until final_result is called."""
    history: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    names: list[str] = []
    for turn in range(5):
        if api == "chat":
            request = {
                "model": "gpt-4o-mini",
                "messages": history,
                "tools": [GET_WEATHER, FINAL_RESULT],
                "tool_choice": "required",
            }
            calls = answer(request, seed=turn).get("tool_calls") or []
            history.append({"role": "assistant", "content": None, "tool_calls": calls})
            pairs = [(c["function"]["name"], c["id"]) for c in calls]
            outputs = [{"role": "tool", "tool_call_id": i, "content": RESULT} for _, i in pairs]
        else:
            tools = [{"type": "function", **t["function"]} for t in (GET_WEATHER, FINAL_RESULT)]
            request = {"model": "gpt-4o-mini", "input": history, "tools": tools}
            request["tool_choice"] = "required"
            items = [i for i in responses_synthesize(request)["output"] if i["type"] != "reasoning"]
            history.extend(items)
            pairs = [(i["name"], i["call_id"]) for i in items if i["type"] == "function_call"]
            outputs = [
                {"type": "function_call_output", "call_id": i, "output": RESULT} for _, i in pairs
            ]
        names += [name for name, _ in pairs]
        if "final_result" in names:
            break
        history.extend(outputs)
    assert names == ["get_weather", "final_result"]


# -- arguments fill what the schema describes -------------------------------------------------


# instructor's Iterable[User] extraction tool: one array property, nothing required.
TASKS = {
    "type": "function",
    "function": {
        "name": "IterableUser",
        "description": "Correctly segmented list of `User` tasks",
        "parameters": {
            "$defs": {
                "User": {
                    "properties": {
                        "name": {"title": "Name", "type": "string"},
                        "age": {"title": "Age", "type": "integer"},
                    },
                    "required": ["name", "age"],
                    "title": "User",
                    "type": "object",
                }
            },
            "properties": {
                "tasks": {"items": {"$ref": "#/$defs/User"}, "title": "Tasks", "type": "array"}
            },
            "required": [],
            "type": "object",
        },
    },
}


@pytest.mark.parametrize("seed", range(12))
def test_optional_properties_are_filled_and_arrays_of_objects_get_items(seed: int) -> None:
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Jason is 25 and Sarah is 30"}],
        "tools": [TASKS],
        "tool_choice": {"type": "function", "function": {"name": "IterableUser"}},
    }
    [call] = answer(request, seed)["tool_calls"]
    arguments = json.loads(call["function"]["arguments"])
    jsonschema.validate(arguments, TASKS["function"]["parameters"])  # type: ignore[index]
    assert arguments["tasks"], arguments
    assert all(set(task) == {"name", "age"} for task in arguments["tasks"])
