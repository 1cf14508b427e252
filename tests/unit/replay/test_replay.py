"""The replay flow without a server: sequences, limits, stream conversion, journal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockapi.config import OnMiss, Settings
from mockapi.library.fixture import parse_document
from mockapi.model import Response
from mockapi.replay.engine import Replayer
from mockapi.replay.journal import Outcome
from mockapi.replay.request import parse_request
from mockapi.wire.tokens import count_text

HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}


def replayer(*entries: dict[str, Any], **settings: Any) -> Replayer:
    fixtures = parse_document({"version": 1, "fixtures": list(entries)}, "inline.yaml")
    return Replayer(Settings(**settings), fixtures, validator=None)


def ask(r: Replayer, content: str = "hi", **extra: Any) -> Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}
    return r.handle(
        parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    )


def text(response: Response) -> str:
    return str(response.body["choices"][0]["message"]["content"])


def reply(content: str) -> dict[str, Any]:
    return {"body": {"choices": [{"message": {"role": "assistant", "content": content}}]}}


def test_sequence_answers_in_order_then_repeats_last() -> None:
    r = replayer(
        {
            "sequence": [
                {"status": 429, "body": {"error": {"message": "slow down"}}},
                reply("second"),
                reply("third"),
            ]
        }
    )
    statuses = [ask(r).status for _ in range(2)]
    assert statuses == [429, 200]
    assert [text(ask(r)) for _ in range(2)] == ["third", "third"]


def test_times_limits_a_fixture_then_the_next_answers() -> None:
    r = replayer(
        {"name": "once", "priority": 5, "times": 1, "response": reply("first only")},
        {"name": "fallback", "response": reply("fallback")},
    )
    assert [text(ask(r)) for _ in range(3)] == ["first only", "fallback", "fallback"]
    r.reset()
    assert text(ask(r)) == "first only"


def test_used_up_fixture_is_a_miss_naming_it() -> None:
    r = replayer({"name": "single", "times": 1, "response": reply("x")})
    assert ask(r).status == 200
    miss = ask(r)
    assert miss.status == 404
    assert miss.body["error"]["type"] == "mockapi_no_match"
    assert "single" in miss.body["error"]["message"]
    assert [e.outcome for e in r.journal.entries()] == [Outcome.HIT, Outcome.MISS]


def test_stream_fixture_with_tool_call_fragments_reassembles() -> None:
    head = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "lookup", "arguments": ""},
    }
    events = [
        {
            "data": {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": None, "tool_calls": [head]},
                    }
                ]
            }
        },
        *(
            {
                "data": {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {
                                "tool_calls": [{"index": 0, "function": {"arguments": piece}}]
                            },
                        }
                    ]
                }
            }
            for piece in ['{"q', 'uery": "o', 'tters"}']
        ),
        {"data": {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}},
        {"data": "[DONE]"},
    ]
    r = replayer({"response": {"events": events}})
    plain = ask(r)
    call = plain.body["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"query": "otters"}
    assert plain.body["choices"][0]["finish_reason"] == "tool_calls"
    assert plain.body["usage"]["completion_tokens"] > 0
    streamed = ask(r, stream=True, stream_options={"include_usage": True})
    assert streamed.events is not None and streamed.events[-1].is_done
    chunks = [e.data for e in streamed.events[:-1]]
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])


def test_recorded_usage_chunk_dropped_without_include_usage() -> None:
    events = [
        {
            "data": {
                "id": "chatcmpl-rec",
                "created": 1,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "Hi"},
                        "finish_reason": None,
                    }
                ],
                "usage": None,
            }
        },
        {
            "data": {
                "id": "chatcmpl-rec",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": None,
            }
        },
        {
            "data": {
                "id": "chatcmpl-rec",
                "created": 1,
                "model": "m",
                "choices": [],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            }
        },
        {"data": "[DONE]"},
    ]
    r = replayer({"response": {"events": events}})
    streamed = ask(r, stream=True)
    assert streamed.events is not None
    chunks = [e.data for e in streamed.events if not e.is_done]
    assert len(chunks) == 2 and all("usage" not in c for c in chunks)
    assert chunks[0]["id"] == "chatcmpl-rec", "a recorded id is pinned"
    plain = ask(r)
    assert plain.body["usage"]["total_tokens"] == 6, "the recorded usage is kept"


def test_stream_ending_in_a_null_usage_chunk_ends_with_the_computed_usage() -> None:
    # A hand-written stream ending with an empty-choices chunk whose usage is null: the
    # real API's usage chunk carries a usage object, so this is no usage chunk, and a
    # request with include_usage gets one with counted tokens (it used to get null).
    head = {"id": "chatcmpl-fx", "created": 1, "model": "gpt-4o-mini"}
    events = [
        {"data": {**head, "choices": [{"index": 0, "delta": {"role": "assistant"}}]}},
        {"data": {**head, "choices": [{"index": 0, "delta": {"content": "Hello there"}}]}},
        {"data": {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}},
        {"data": {**head, "choices": [], "usage": None}},
        {"data": "[DONE]"},
    ]
    r = replayer({"response": {"events": events}})
    streamed = ask(r, stream=True, stream_options={"include_usage": True})
    assert streamed.events is not None and streamed.events[-1].is_done
    last = streamed.events[-2].data
    assert isinstance(last, dict) and last["choices"] == []
    usage = last["usage"]
    assert isinstance(usage, dict), f"the stream ends with usage {usage!r}"
    counts = [usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    assert all(isinstance(n, int) for n in counts)
    assert usage["completion_tokens"] == count_text("Hello there", "gpt-4o-mini")
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_error_status_is_json_even_for_stream_requests() -> None:
    r = replayer({"response": {"status": 503, "body": {"error": {"message": "overloaded"}}}})
    response = ask(r, stream=True)
    assert response.status == 503 and response.events is None
    assert response.body == {"error": {"message": "overloaded"}}


def test_fixture_headers_and_pinned_fields_are_kept() -> None:
    body = {
        "id": "chatcmpl-pinned",
        "created": 42,
        "choices": [{"message": {"role": "assistant", "content": "x"}}],
    }
    r = replayer({"response": {"headers": {"X-Custom": "yes"}, "body": body}})
    response = ask(r)
    assert response.headers["x-custom"] == "yes"
    assert response.headers["x-request-id"].startswith("req_")
    assert (response.body["id"], response.body["created"]) == ("chatcmpl-pinned", 42)
    assert list(response.body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
    ]


def test_synthesize_obeys_forced_tool_and_json_mode() -> None:
    r = replayer(on_miss=OnMiss.SYNTHESIZE)
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "parameters": {
                "type": "object",
                "properties": {"n": {"type": "integer"}},
                "required": ["n"],
            },
        },
    }
    called = ask(r, tools=[tool], tool_choice="required")
    call = called.body["choices"][0]["message"]["tool_calls"][0]
    arguments = json.loads(call["function"]["arguments"])
    assert call["function"]["name"] == "f" and isinstance(arguments["n"], int)
    assert called.body["choices"][0]["finish_reason"] == "tool_calls"
    as_json = ask(r, response_format={"type": "json_object"})
    assert isinstance(json.loads(text(as_json)), dict)
    capped = ask(r, "please write a long answer", max_tokens=3)
    assert count_text(text(capped), "gpt-4o-mini") == 3  # real tokens, not words
    assert capped.body["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/unknown", 404),
        ("DELETE", "/v1/chat/completions", 405),
        ("GET", "/v1/models/nope", 404),
    ],
)
def test_routing_errors(method: str, path: str, status: int) -> None:
    r = replayer()
    response = r.handle(parse_request(method, path, HEADERS, b""))
    assert response.status == status
    assert set(response.body["error"]) == {"message", "type", "param", "code"}
    assert r.journal.entries()[-1].outcome is Outcome.REJECTED


def test_fixture_on_an_unknown_path_still_answers() -> None:
    r = replayer({"match": {"path": "/v1/custom"}, "response": {"body": {"ok": True}}})
    response = r.handle(parse_request("POST", "/v1/custom", HEADERS, b"{}"))
    assert (response.status, response.body) == (200, {"ok": True})


def test_journal_is_bounded() -> None:
    r = replayer({"response": reply("x")}, journal_size=3)
    for _ in range(5):
        ask(r)
    assert [e.seq for e in r.journal.entries()] == [3, 4, 5]


def _bundled_replayer() -> Replayer:
    from mockapi.build import default_fixture_dirs
    from mockapi.library import store

    return Replayer(
        Settings(on_miss=OnMiss.SYNTHESIZE),
        store.load_library(default_fixture_dirs()),
        validator=None,
    )


def _weather_tool(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return {"type": "function", "function": {"name": "get_weather", "parameters": schema}}


def test_bundled_weather_fixture_answers_only_the_tool_it_was_written_for() -> None:
    """The bundled example calls get_weather(location, unit): a get_weather(city) tool is
    another tool, and must be synthesized for, not answered with arguments it lacks."""
    r = _bundled_replayer()
    mine = _weather_tool({"location": {"type": "string"}, "unit": {"type": "string"}})
    theirs = _weather_tool({"city": {"type": "string"}})
    answer = ask(r, "What is the weather in Paris?", tools=[mine])
    call = answer.body["choices"][0]["message"]["tool_calls"][0]["function"]
    assert json.loads(call["arguments"]) == {"location": "Paris, France", "unit": "celsius"}
    answer = ask(r, "What is the weather in Paris?", tools=[theirs])
    call = answer.body["choices"][0]["message"]["tool_calls"][0]["function"]
    assert set(json.loads(call["arguments"])) == {"city"}
