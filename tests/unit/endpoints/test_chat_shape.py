"""The Chat Completions shape: chat goes through the endpoint abstraction like the others."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from mockapi.endpoints.chat.shape import SHAPE
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import SSEEvent
from mockapi.replay import render
from mockapi.replay.request import parse_request
from mockapi.replay.router import Router
from mockapi.wire.sse import decode_events
from mockapi.wire.usage import include_usage, is_usage_chunk
from tests.unit.endpoints.test_streaming import REAL_TRAFFIC, needs_real_traffic

HEAD = {"id": "chatcmpl-fx", "object": "chat.completion.chunk", "created": 1, "model": "m"}
WITH_USAGE = {"model": "gpt-4o-mini", "stream": True, "stream_options": {"include_usage": True}}
USAGE = {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {**HEAD, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def stream_of(*chunks: dict[str, Any], delay: float = 0.0) -> tuple[SSEEvent, ...]:
    return (*(SSEEvent(data=c, delay=delay) for c in chunks), SSEEvent(data="[DONE]"))


def test_chat_completions_endpoint_has_the_chat_shape() -> None:
    endpoint, _ = Router().resolve("POST", "/v1/chat/completions")
    assert endpoint is not None and endpoint.shape is SHAPE


def test_render_knows_no_family() -> None:
    source = Path(render.__file__).read_text()
    imported = [
        node.module or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
    ]
    assert not [name for name in imported if name.startswith("mockapi.endpoints.chat")]


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ({"choices": [], "usage": USAGE}, True),
        ({"choices": [], "usage": None}, False),  # a placeholder, not the usage chunk
        ({"choices": [], "prompt_filter_results": []}, False),  # Azure's first chunk
        ({"choices": [{"index": 0}], "usage": USAGE}, False),
        ("[DONE]", False),
    ],
)
def test_is_usage_chunk(candidate: Any, expected: bool) -> None:
    assert is_usage_chunk(candidate) is expected


@needs_real_traffic
def test_every_recorded_usage_chunk_is_one() -> None:
    # The definition is the real traffic's: each recorded stream with usage ends with a
    # chunk of no choices and a usage object, and no other chunk is taken for one.
    found = 0
    for path in sorted(REAL_TRAFFIC.rglob("*.yaml")):
        for line in path.read_text().splitlines():
            if '"choices":[]' in line.replace(" ", "") and line.lstrip().startswith("data:"):
                data = json.loads(line.split("data:", 1)[1])
                assert is_usage_chunk(data), f"{path.name}: {data!r:.200}"
                found += 1
    assert found >= 5


def test_include_usage() -> None:
    assert include_usage({"stream_options": {"include_usage": True}})
    assert not include_usage({"stream_options": {"include_usage": "yes"}})
    assert not include_usage({"stream_options": None})
    assert not include_usage({})


def test_restream_after_a_null_usage_placeholder_ends_with_the_counted_usage() -> None:
    # Issue 14: the placeholder was taken for the usage chunk, so the stream ended with
    # ``usage: null``. It is no usage chunk (no usage object): it stays, the real follows.
    events = stream_of(
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hi"}),
        chunk({}, "stop"),
        {**HEAD, "choices": [], "usage": None},
    )
    served = SHAPE.restream(events, {**WITH_USAGE, "messages": [{"role": "user", "content": "x"}]})
    assert served[-1].is_done
    last = served[-2].data
    assert isinstance(last, dict) and last["choices"] == [] and last["id"] == "chatcmpl-fx"
    assert isinstance(last["usage"], dict)
    assert all(isinstance(last["usage"][k], int) for k in ("prompt_tokens", "total_tokens"))
    assert last["usage"]["completion_tokens"] == 1
    assert served[-3].data == {**HEAD, "choices": [], "usage": None}
    assert all(e.data["usage"] is None for e in served[:-2] if isinstance(e.data, dict))


def test_restream_without_include_usage_drops_the_usage_chunk_and_keeps_delays() -> None:
    events = stream_of(
        chunk({"content": "Hi"}, usage=None),
        chunk({}, "stop", usage=None),
        {**HEAD, "choices": [], "usage": USAGE},
        delay=0.25,
    )
    served = SHAPE.restream(events, {"model": "gpt-4o-mini", "stream": True})
    assert len(served) == 3 and served[-1].is_done
    assert all(isinstance(e.data, dict) and "usage" not in e.data for e in served[:-1])
    assert [e.delay for e in served[:-1]] == [0.25, 0.25]
    kept = SHAPE.restream(events, WITH_USAGE)
    assert kept[-2].data == {**HEAD, "choices": [], "usage": USAGE}, "recorded usage wins"


def test_restream_fills_hand_written_chunks_identity() -> None:
    events = (
        SSEEvent(data={"choices": [{"index": 0, "delta": {"content": "a"}}]}),
        SSEEvent(data={"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    )
    served = SHAPE.restream(events, {"model": "gpt-4o", "stream": True})
    chunks = [e.data for e in served if isinstance(e.data, dict)]
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    assert {c["model"] for c in chunks} == {"gpt-4o"}
    assert served[-1].is_done, "a stream written without [DONE] gets one"


def test_from_events_is_the_completed_body_and_complete_keeps_it() -> None:
    events = stream_of(chunk({"role": "assistant", "content": "Hi"}), chunk({}, "stop"))
    body = SHAPE.from_events(events, {"model": "m", "messages": []})
    assert isinstance(body, dict) and body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "Hi"
    assert isinstance(body["usage"], dict)
    assert SHAPE.complete(body, {}) is body


def test_body_to_events_and_back() -> None:
    request = {**WITH_USAGE, "messages": [{"role": "user", "content": "hello"}]}
    body = SHAPE.complete({"choices": [{"message": {"content": "Hello there!"}}]}, request)
    events = SHAPE.to_events(body, request)
    assert events[-1].is_done and isinstance(events[-2].data, dict)
    assert is_usage_chunk(events[-2].data)
    assert all("obfuscation" in e.data for e in events[:-1] if isinstance(e.data, dict))
    assert SHAPE.from_events(events, request) == body


@pytest.mark.parametrize("bad", [["not", "an", "object"], {"choices": "nope"}])
def test_a_body_that_cannot_stream_is_the_fixtures_500(bad: Any) -> None:
    with pytest.raises(APIError) as caught:
        SHAPE.to_events(bad, WITH_USAGE)
    assert caught.value.status == 500
    assert "POST /v1/chat/completions" in caught.value.message


def test_a_stream_without_chunks_is_the_fixtures_500() -> None:
    with pytest.raises(APIError, match=r"no chat\.completion\.chunk events"):
        SHAPE.from_events([SSEEvent(data="[DONE]")], {})


def test_render_serves_a_recorded_stream_through_the_shape() -> None:
    # The SSE text of a fixture as it would be recorded, rendered for a stream request.
    raw = b"".join(
        f"data: {json.dumps(c)}\n\n".encode()
        for c in (chunk({"content": "Hi"}, usage=None), {**HEAD, "choices": [], "usage": None})
    )
    answer = FixtureResponse(events=(*decode_events(raw + b"data: [DONE]\n\n"),))
    request = parse_request(
        "POST",
        "/v1/chat/completions",
        {"content-type": "application/json"},
        json.dumps({**WITH_USAGE, "messages": [{"role": "user", "content": "x"}]}).encode(),
    )
    response = render.render(answer, request, shape=SHAPE)
    assert response.events is not None
    assert is_usage_chunk(response.events[-2].data)
