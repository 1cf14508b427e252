"""mockapi.validation.validator: request bodies checked against the derived schemas,
in OpenAI's words."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from mockapi.errors import APIError, SchemaError
from mockapi.library import store
from mockapi.validation.files import SchemaSet, load_schemas
from mockapi.validation.validator import RequestValidator

TRAFFIC = Path(__file__).resolve().parents[3] / ".." / "shared" / "real-traffic"
CHAT = "POST /v1/chat/completions"
BASE: dict[str, Any] = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator(load_schemas())  # the committed schemas/


def error_of(validator: RequestValidator, body: Any) -> dict[str, Any]:
    error = validator.validate(CHAT, body)
    assert error is not None, f"expected {body!r} to be rejected"
    assert error.status == 400
    return error.body()["error"]  # type: ignore[no-any-return]


def expect(
    validator: RequestValidator, body: Any, message: str, param: str | None, code: str | None
) -> None:
    assert error_of(validator, body) == {
        "message": message,
        "type": "invalid_request_error",
        "param": param,
        "code": code,
    }


# --- valid requests ---------------------------------------------------------------------


def test_valid_requests(validator: RequestValidator) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            "strict": True,
        },
    }
    schema_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "city",
            "schema": {"type": "object", "properties": {"name": {"type": "string"}}},
            "strict": True,
        },
    }
    valid = [
        BASE,
        {**BASE, "tools": [tool], "tool_choice": "auto", "parallel_tool_calls": False},
        {**BASE, "tools": [tool], "tool_choice": {"type": "function", "function": {"name": "f"}}},
        {**BASE, "response_format": schema_format},
        {**BASE, "response_format": {"type": "json_object"}},
        {**BASE, "stream": True, "stream_options": {"include_usage": True}},
        {**BASE, "stream_options": None, "max_completion_tokens": None, "temperature": None},
        {**BASE, "temperature": 0.2, "top_p": 1, "n": 2, "stop": ["\n"], "seed": 7},
        {**BASE, "model": "some-future-model", "metadata": {"k": "v"}, "store": True},
    ]
    for body in valid:
        assert validator.validate(CHAT, body) is None, body


def test_unknown_endpoint_is_not_validated(validator: RequestValidator) -> None:
    assert validator.validate("POST /v1/nothing-here", {"anything": 1}) is None
    assert CHAT in validator.endpoints


def chat_exchanges() -> list[tuple[str, dict[str, Any], int, Any]]:
    """(cassette name, request body, status, response text or JSON) for chat completions."""
    found = []
    for path in sorted(TRAFFIC.rglob("*.y*ml")):
        document = store.read_yaml(path)
        for interaction in document.get("interactions") or document.get("http_interactions"):
            request, response = interaction["request"], interaction["response"]
            if not request["uri"].endswith("/v1/chat/completions"):
                continue
            found.append(
                (path.name, _body(request), response["status"]["code"], _body(response, raw=True))
            )
    return found


def _body(message: dict[str, Any], *, raw: bool = False) -> Any:
    if "parsed_body" in message:
        return message["parsed_body"]
    body = message.get("body")
    text: Any = body.get("string") if isinstance(body, dict) else body
    if isinstance(text, bytes):  # !!binary, gzip in some cassettes
        text = (gzip.decompress(text) if text[:2] == b"\x1f\x8b" else text).decode()
    if raw and text.lstrip().startswith("data:"):
        return text
    return json.loads(text)


@pytest.fixture(scope="module")
def exchanges() -> list[tuple[str, dict[str, Any], int, Any]]:
    if not TRAFFIC.is_dir():
        pytest.skip(f"no recorded real traffic at {TRAFFIC.resolve()} (only in the dev workspace)")
    return chat_exchanges()


def test_every_real_chat_request_is_valid(
    validator: RequestValidator, exchanges: list[tuple[str, dict[str, Any], int, Any]]
) -> None:
    assert len(exchanges) >= 25
    rejected = {
        name: error.message
        for name, body, _, _ in exchanges
        if (error := validator.validate(CHAT, body)) is not None
    }
    assert rejected == {}


def test_every_real_chat_response_and_chunk_is_valid(
    validator: RequestValidator, exchanges: list[tuple[str, dict[str, Any], int, Any]]
) -> None:
    problems: list[str] = []
    chunks = 0
    for name, _, status, response in exchanges:
        if status != 200:
            continue
        if isinstance(response, str):
            for line in response.splitlines():
                if line.startswith("data: {"):
                    chunks += 1
                    event = json.loads(line[len("data: ") :])
                    found = validator.validate_response(CHAT, event, role="stream_event")
                    problems += [f"{name} chunk: {p}" for p in found]
        else:
            problems += [f"{name}: {p}" for p in validator.validate_response(CHAT, response)]
    assert chunks > 100
    assert problems == []


def test_validate_response_reports_problems(validator: RequestValidator) -> None:
    problems = validator.validate_response(CHAT, {"object": "chat.completion", "id": 5})
    assert "id: 5 is not of type 'string'" in problems
    assert any("'choices' is a required property" in p for p in problems)
    assert validator.validate_response("GET /v1/models/{model}", {"id": "m"}) != []
    assert validator.validate_response("GET /v1/nothing", {}) == []


# --- errors, in the real API's words -----------------------------------------------------


def test_body_not_an_object(validator: RequestValidator) -> None:
    error = error_of(validator, ["model"])
    assert error["message"].startswith(
        "Invalid type for body: expected an object, but got an array instead."
    )
    assert (error["param"], error["code"]) == (None, "invalid_type")


def test_unrecognized_arguments_come_before_schema_errors(validator: RequestValidator) -> None:
    expect(
        validator,
        {**BASE, "foo": 1, "temperature": 9},
        "Unrecognized request argument supplied: foo",
        None,
        None,
    )
    expect(
        validator,
        {**BASE, "foo": 1, "bar": 2},
        "Unrecognized request arguments supplied: foo, bar",
        None,
        None,
    )


def test_missing_required(validator: RequestValidator) -> None:
    msg = "Missing required parameter: '{}'."
    code = "missing_required_parameter"
    expect(validator, {"model": "gpt-4o"}, msg.format("messages"), "messages", code)
    expect(validator, {"messages": BASE["messages"]}, msg.format("model"), "model", code)
    # a oneOf on role: the user-message branch is the one that explains the error
    body = {**BASE, "messages": [{"role": "user"}]}
    expect(validator, body, msg.format("messages[0].content"), "messages[0].content", code)
    body = {**BASE, "messages": [BASE["messages"][0], {"role": "tool", "content": "x"}]}
    expect(
        validator, body, msg.format("messages[1].tool_call_id"), "messages[1].tool_call_id", code
    )
    body = {**BASE, "tools": [{"type": "function", "function": {}}]}
    expect(validator, body, msg.format("tools[0].function.name"), "tools[0].function.name", code)


def test_out_of_range(validator: RequestValidator) -> None:
    expect(
        validator,
        {**BASE, "temperature": 5},
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, "
        "but got 5 instead.",
        "temperature",
        "decimal_above_max_value",
    )
    expect(  # the wording of a real 400 (pydantic-ai cassette, Responses API)
        validator,
        {**BASE, "temperature": -1},
        "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, "
        "but got -1 instead.",
        "temperature",
        "decimal_below_min_value",
    )
    expect(
        validator,
        {**BASE, "n": 0},
        "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
        "n",
        "integer_below_min_value",
    )
    expect(
        validator,
        {**BASE, "top_logprobs": 21},
        "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, "
        "but got 21 instead.",
        "top_logprobs",
        "integer_above_max_value",
    )


def test_wrong_type(validator: RequestValidator) -> None:
    template = "Invalid type for '{}': expected {}, but got {} instead."
    cases: list[tuple[dict[str, Any], str, str, str]] = [
        ({"temperature": "hot"}, "temperature", "a decimal", "a string"),
        ({"n": 1.5}, "n", "an integer", "a decimal"),
        ({"stream": "yes"}, "stream", "a boolean", "a string"),
        ({"messages": "Hi"}, "messages", "an array", "a string"),
        ({"stream_options": []}, "stream_options", "an object", "an array"),
        ({"model": 4}, "model", "a string", "an integer"),
        ({"metadata": {"k": 1}}, "metadata.k", "a string", "an integer"),
    ]
    for change, param, expected, got in cases:
        message = template.format(param, expected, got)
        expect(validator, {**BASE, **change}, message, param, "invalid_type")
    body = {**BASE, "messages": [{"role": "assistant", "content": 7}]}
    message = template.format(
        "messages[0].content", "one of a string or array of objects", "an integer"
    )
    expect(validator, body, message, "messages[0].content", "invalid_type")


def test_invalid_enum_value(validator: RequestValidator) -> None:
    expect(
        validator,
        {**BASE, "messages": [{"role": "wizard", "content": "x"}]},
        "Invalid value: 'wizard'. Supported values are: 'developer', 'system', 'user', "
        "'assistant', 'tool', and 'function'.",
        "messages[0].role",
        "invalid_value",
    )
    expect(
        validator,
        {**BASE, "tool_choice": "sometimes"},
        "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'.",
        "tool_choice",
        "invalid_value",
    )
    expect(
        validator,
        {**BASE, "response_format": {"type": "yaml"}},
        "Invalid value: 'yaml'. Supported values are: 'text', 'json_object', and 'json_schema'.",
        "response_format.type",
        "invalid_value",
    )


def test_lengths(validator: RequestValidator) -> None:
    expect(
        validator,
        {**BASE, "messages": []},
        "Invalid 'messages': empty array. Expected an array with minimum length 1, "
        "but got an empty array instead.",
        "messages",
        "empty_array",
    )
    expect(
        validator,
        {**BASE, "stop": ["a", "b", "c", "d", "e"]},
        "Invalid 'stop': array too long. Expected an array with maximum length 4, "
        "but got an array with length 5 instead.",
        "stop",
        "array_above_max_length",
    )
    expect(
        validator,
        {**BASE, "safety_identifier": "x" * 65},
        "Invalid 'safety_identifier': string too long. Expected a string with maximum "
        "length 64, but got a string with length 65 instead.",
        "safety_identifier",
        "string_above_max_length",
    )


def test_unknown_nested_parameter_where_the_schema_is_closed(validator: RequestValidator) -> None:
    tool = {"type": "custom", "custom": {"name": "t", "format": {"type": "text", "x": 1}}}
    expect(
        validator,
        {**BASE, "tools": [tool]},
        "Unknown parameter: 'tools[0].custom.format.x'.",
        "tools[0].custom.format.x",
        "unknown_parameter",
    )


def test_other_errors_name_the_param() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}}
        },
    }
    schemas = SchemaSet(
        index={"endpoints": {"POST /v1/x": {"request": "x.json"}}},
        documents={"x.json": schema},
    )
    error = RequestValidator(schemas).validate("POST /v1/x", {"items": ["ok", "NOT"]})
    assert error is not None
    assert error.body()["error"] == {
        "message": "Invalid 'items[1]': string does not match pattern. Expected a string that "
        "matches the pattern '^[a-z]+$'.",
        "type": "invalid_request_error",
        "param": "items[1]",
        "code": "invalid_value",
    }


class Exploding(dict):  # type: ignore[type-arg]
    def __iter__(self) -> Any:
        raise RuntimeError("boom")


def test_validation_never_raises(validator: RequestValidator) -> None:
    error = validator.validate(CHAT, Exploding(BASE))
    assert isinstance(error, APIError)
    assert error.status == 400
    assert "RuntimeError: boom" in error.message


def test_a_broken_schema_is_reported_at_start_up() -> None:
    bad = SchemaSet(
        index={"endpoints": {CHAT: {"request": "bad.json"}}},
        documents={"bad.json": {"type": "no-such-type"}},
    )
    with pytest.raises(SchemaError, match=r"bad\.json: not a valid JSON Schema"):
        RequestValidator(bad)


def test_load_schemas_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"no such schemas directory.*mockapi schemas derive"):
        load_schemas(tmp_path / "absent")
    with pytest.raises(SchemaError, match=r"index\.json: missing"):
        load_schemas(tmp_path)
    (tmp_path / "index.json").write_text('{"format": 1, "endpoints": {"GET /v1/x": ')
    with pytest.raises(SchemaError, match=r"index\.json: not valid JSON.*mockapi schemas derive"):
        load_schemas(tmp_path)
    (tmp_path / "index.json").write_text(
        '{"format": 1, "endpoints": {"GET /v1/x": {"response": "x.json"}}}'
    )
    with pytest.raises(SchemaError, match=r"x\.json: missing"):
        load_schemas(tmp_path)


def test_bundled_schemas_are_valid_json_schemas() -> None:
    """The server skips this check at start-up for the bundled schemas; it is made here."""
    from jsonschema import Draft202012Validator

    from mockapi.validation.files import load_schemas

    schemas = load_schemas()
    for endpoint in schemas.endpoints:
        for role in ("request", "response", "stream_event"):
            document = schemas.schema(endpoint, role)
            if document is not None:
                Draft202012Validator.check_schema(document)


# --- names the API restricts to ^[a-zA-Z0-9_-]+$, at most 64 characters -----------------

PATTERN = "^[a-zA-Z0-9_-]+$"


@pytest.mark.parametrize("name", ["get weather", "multi_tool_use.parallel", ""])
def test_a_function_name_outside_the_api_charset_is_refused(
    validator: RequestValidator, name: str
) -> None:
    tools = [{"type": "function", "function": {"name": name}}]
    expect(
        validator,
        {**BASE, "tools": tools},
        "Invalid 'tools[0].function.name': string does not match pattern. Expected a string "
        f"that matches the pattern '{PATTERN}'.",
        "tools[0].function.name",
        "invalid_value",
    )


def test_a_function_name_over_64_characters_is_refused(validator: RequestValidator) -> None:
    tools = [{"type": "function", "function": {"name": "f" * 65}}]
    error = error_of(validator, {**BASE, "tools": tools})
    assert error["param"] == "tools[0].function.name"
    assert "maximum length 64" in error["message"]


def test_names_in_the_charset_are_accepted(validator: RequestValidator) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather-2" + "x" * 51}}]
    fmt = {"type": "json_schema", "json_schema": {"name": "Forecast_v1", "schema": {}}}
    assert validator.validate(CHAT, {**BASE, "tools": tools, "response_format": fmt}) is None


def test_an_empty_response_format_name_is_refused(validator: RequestValidator) -> None:
    chat_format = {"type": "json_schema", "json_schema": {"name": "", "schema": {}}}
    error = error_of(validator, {**BASE, "response_format": chat_format})
    assert error["param"] == "response_format.json_schema.name"
    assert "does not match pattern" in error["message"]
    text = {"format": {"type": "json_schema", "name": "", "schema": {"type": "object"}}}
    refused = validator.validate(
        "POST /v1/responses", {"model": "gpt-4o", "input": "hi", "text": text}
    )
    assert refused is not None
    assert refused.body()["error"]["param"] == "text.format.name"
    assert "does not match pattern" in refused.body()["error"]["message"]
