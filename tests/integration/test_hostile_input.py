"""Hostile input against a real server, sent the way it was found (issue 15): JSON that
is not JSON, lone surrogates and odd bytes, query parameters outside the spec, an alias
bomb among the fixtures. Each gets the API's 4xx (or a refusal to start), never a 5xx,
and one bad request never breaks another route: the journal answers after each."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockapi.errors import invalid_json
from mockapi.web.server import ServerThread
from tests.helpers import free_port
from tests.unit.library.test_yaml_bounds import GOOD, bomb

CHAT_PREFIX = b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]'
# The API's words for a body it cannot parse (mockapi adds its reason after them).
MOCKAPI = [sys.executable, "-m", "mockapi.cli"]
PARSE_ERROR = invalid_json("").message.removesuffix(" (mockapi: )")
TOOL = (
    b'"tools": [{"type": "function", "name": "f", "parameters": {"type": "object", '
    b'"properties": {"x": {"type": "number", "default": %s}}}}]'
)

HOSTILE_CHAT = {
    "temperature NaN": (CHAT_PREFIX + b', "temperature": NaN}', "NaN is not JSON"),
    "temperature Infinity": (CHAT_PREFIX + b', "temperature": Infinity}', "Infinity is not JSON"),
    "temperature -Infinity": (CHAT_PREFIX + b', "temperature": -Infinity}', "-Infinity is not"),
    "temperature 1e999": (CHAT_PREFIX + b', "temperature": 1e999}', "too large to be a double"),
    "byte order mark": (b"\xef\xbb\xbf" + CHAT_PREFIX + b"}", "byte order mark"),
    "escaped lone surrogate": (
        CHAT_PREFIX.replace(b'"hi"', b'"hi \\ud800"') + b"}",
        "lone surrogate \\ud800",
    ),
    "raw surrogate bytes": (
        CHAT_PREFIX.replace(b'"hi"', b'"hi \xed\xa0\x80"') + b"}",
        "not valid UTF-8: byte 0xed",
    ),
}
RESPONSE_PREFIX = b'{"model": "gpt-4o", "input": "hi", '
HOSTILE_RESPONSES = {  # before: NaN answered a miss, the other two a 500
    "NaN in a tool's parameters": (RESPONSE_PREFIX + TOOL % b"NaN" + b"}", "NaN is not JSON"),
    "huge integer in a tool's parameters": (
        RESPONSE_PREFIX + TOOL % (b"1" * 40) + b"}",
        "outside the 64-bit range",
    ),
    "tool parameters 300 levels deep": (
        RESPONSE_PREFIX + TOOL % (b"[" * 300 + b"]" * 300) + b"}",
        "deeper than 128 levels",
    ),
}


@pytest.fixture
def raw(server: ServerThread) -> Iterator[httpx.Client]:
    headers = {"authorization": "Bearer sk-test-mockapi", "content-type": "application/json"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        yield http


def parse_error(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["message"].startswith(PARSE_ERROR), error["message"]
    assert reason in error["message"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, None)


def journal_since(raw: httpx.Client, since: int) -> list[dict[str, Any]]:
    answer = raw.get("/__mockapi/journal", params={"since": since})
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["data"]
    return entries


def last_seq(raw: httpx.Client) -> int:
    answer = raw.get("/__mockapi/journal")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["last_seq"])


def test_the_same_request_without_the_hostile_part_is_answered(raw: httpx.Client) -> None:
    assert raw.post("/v1/chat/completions", content=CHAT_PREFIX + b"}").status_code == 200


@pytest.mark.parametrize("name", sorted(HOSTILE_CHAT))
def test_json_that_is_not_json_is_the_apis_parse_error(raw: httpx.Client, name: str) -> None:
    body, reason = HOSTILE_CHAT[name]
    since = last_seq(raw)
    parse_error(raw.post("/v1/chat/completions", content=body), reason)
    # The journal still answers, and lists the request as refused.
    (entry,) = journal_since(raw, since)
    assert (entry["status"], entry["outcome"], entry["body"]) == (400, "rejected", None)


@pytest.mark.parametrize("name", sorted(HOSTILE_RESPONSES))
def test_free_form_parameters_are_held_to_strict_json(raw: httpx.Client, name: str) -> None:
    since = last_seq(raw)
    body, reason = HOSTILE_RESPONSES[name]
    parse_error(raw.post("/v1/responses", content=body), reason)
    assert len(journal_since(raw, since)) == 1


def test_the_sdk_sees_the_parse_error_as_a_bad_request(client: openai.OpenAI) -> None:
    # The SDK's own encoder refuses NaN, so an application sends it as raw content.
    with pytest.raises(openai.BadRequestError) as caught:
        client.post(
            "/chat/completions", content=CHAT_PREFIX + b', "temperature": NaN}', cast_to=object
        )
    assert caught.value.status_code == 400
    assert caught.value.message.startswith(f"Error code: 400 - {PARSE_ERROR}")
    assert (caught.value.type, caught.value.param, caught.value.code) == (
        "invalid_request_error",
        None,
        None,
    )


def test_odd_bytes_anywhere_never_break_the_journal(raw: httpx.Client) -> None:
    since = last_seq(raw)
    sent = [
        raw.post("/v1/chat/completions", content=HOSTILE_CHAT["escaped lone surrogate"][0]),
        raw.post("/v1/chat/completions", content=HOSTILE_CHAT["raw surrogate bytes"][0]),
        raw.get("/v1/models/gpt-%ED%A0%80%FF"),
        raw.get("/v1/chat/completions", params={"model": b"\xed\xa0\x80"}),
        raw.get("/v1/models", headers={"x-odd": b"\xed\xa0\x80\xff", "openai-project": b"\xff"}),
        raw.post(
            "/v1/audio/transcriptions",
            headers={"content-type": "multipart/form-data; boundary=b"},
            content=(
                b'--b\r\nContent-Disposition: form-data; name="file"; filename="\xed\xa0\x80.wav"'
                b"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n"
                b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
                b'--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\n\xed\xa0\x80\r\n'
                b"--b--\r\n"
            ),
        ),
    ]
    assert all(response.status_code < 500 for response in sent), [r.text for r in sent]
    entries = journal_since(raw, since)
    assert [entry["status"] for entry in entries] == [r.status_code for r in sent]
    assert raw.get("/__mockapi/").status_code == 200  # the inspector page renders them too


# -- query parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "param", "message"),
    [
        (
            "/v1/chat/completions",
            {"limit": "null"},
            "limit",
            "Invalid type for 'limit': expected an integer, but got a string instead.",
        ),
        (
            "/v1/chat/completions",
            {"order": "sideways"},
            "order",
            "Invalid value: 'sideways'. Supported values are: 'asc' and 'desc'.",
        ),
        (
            "/v1/chat/completions/chatcmpl-x/messages",
            {"limit": "ten"},
            "limit",
            "Invalid type for 'limit': expected an integer, but got a string instead.",
        ),
        (
            "/v1/responses/resp_123",
            {"stream": "maybe"},
            "stream",
            "Invalid type for 'stream': expected a boolean, but got a string instead.",
        ),
    ],
)
def test_query_parameters_outside_the_spec_are_refused_naming_them(
    raw: httpx.Client, path: str, query: dict[str, str], param: str, message: str
) -> None:
    response = raw.get(path, params=query)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == {
        "message": message,
        "type": "invalid_request_error",
        "param": param,
        "code": "invalid_type" if "type" in message else "invalid_value",
    }


def test_the_sdk_gets_query_errors_with_their_param(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.list(order="sideways")  # type: ignore[arg-type]
    assert caught.value.param == "order"
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.retrieve("resp_123", extra_query={"stream": "maybe"})
    assert caught.value.param == "stream"
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.input_items.list("resp_123", include=["bogus"])  # type: ignore[list-item]
    assert caught.value.param == "include[0]"


def test_valid_query_parameters_from_the_sdk_still_pass(client: openai.OpenAI) -> None:
    assert client.chat.completions.list(limit=5, order="desc").data is not None
    assert client.chat.completions.list(metadata={"user": "alice"}, model="gpt-4o") is not None
    with pytest.raises(openai.NotFoundError):  # past validation: the id is unknown
        client.responses.input_items.list("resp_123", include=["message.output_text.logprobs"])


# -- fixture files -------------------------------------------------------------------------


def test_serve_refuses_an_alias_bomb_among_its_fixtures(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bomb.yaml").write_text(bomb())
    result = subprocess.run(  # before the fix: served, and the first match hung it
        [*MOCKAPI, "serve", "--fixtures", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{tmp_path / 'bomb.yaml'}: not valid YAML for a fixture: its aliases" in result.stderr
