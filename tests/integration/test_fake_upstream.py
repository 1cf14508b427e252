"""The fake OpenAI upstream speaks the protocol right, before the proxy tests rely on it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.fake_upstream import FAKE_ORGANIZATION, SECRETS, FakeUpstream

KEY = "sk-upstream-test"
AUTH = {"authorization": f"Bearer {KEY}"}
HELLO = [{"role": "user", "content": "Hello there"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
        },
    },
}


@pytest.fixture(scope="module")
def shared() -> Iterator[FakeUpstream]:
    with FakeUpstream(event_delay=0.0) as started:
        yield started


@pytest.fixture
def upstream(shared: FakeUpstream) -> FakeUpstream:
    shared.reset()
    shared.event_delay = 0.0
    return shared


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=upstream.url + "/v1", api_key=KEY, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def http(upstream: FakeUpstream) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=upstream.url, headers=AUTH, timeout=5) as raw:
        yield raw


def sse_data(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.split("\n\n") if line]


def test_plain_completion_and_recorded_request(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=HELLO)  # type: ignore[arg-type]
    completion = raw.parse()
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "gpt-4o-mini-2024-07-18"
    assert completion.choices[0].message.content == "Echo: Hello there"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens == 3
    assert completion.system_fingerprint and completion.system_fingerprint.startswith("fp_")
    headers = raw.headers
    assert headers["content-type"] == "application/json"
    assert headers["openai-organization"] == FAKE_ORGANIZATION
    assert headers["x-request-id"].startswith("req_")
    assert "date" in headers and "openai-processing-ms" in headers
    assert len(headers.get_list("set-cookie")) == 2
    assert all(secret in str(headers.raw) for secret in SECRETS)

    [seen] = upstream.requests
    assert (seen.method, seen.path, seen.status) == ("POST", "/v1/chat/completions", 200)
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.json["messages"] == HELLO
    assert json.loads(seen.body) == seen.json


def test_stream_with_usage_matches_the_real_sequence(http: httpx.Client) -> None:
    body = {"model": "gpt-4o", "messages": HELLO, "stream": True}
    body["stream_options"] = {"include_usage": True}
    response = http.post("/v1/chat/completions", json=body)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["openai-organization"] == FAKE_ORGANIZATION
    assert len(response.headers.get_list("set-cookie")) == 2
    data = sse_data(response.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    assert text == "Echo: Hello there"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[0]["model"] == "gpt-4o-2024-08-06"


def test_sdk_stream_helper_accumulates_the_tool_call(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.event_delay = 0.01
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    with client.chat.completions.stream(
        model="gpt-4o-mini",
        messages=messages,  # type: ignore[arg-type]
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        stream_options={"include_usage": True},
    ) as stream:
        deltas = [e for e in stream if e.type == "tool_calls.function.arguments.delta"]
        final = stream.get_final_completion()
    fragments = [e.arguments_delta for e in deltas if e.arguments_delta]
    assert len(fragments) >= 4
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris", "unit": "celsius"}
    seen = upstream.last_request
    assert seen.stream_completed and seen.events_sent == len(fragments) + 4
    assert seen.first_event_sent_at and seen.last_event_sent_at
    assert seen.last_event_sent_at - seen.first_event_sent_at >= 0.01 * (seen.events_sent - 1)


def test_stream_events_are_paced_not_buffered(http: httpx.Client, upstream: FakeUpstream) -> None:
    upstream.event_delay = 0.05
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        lines = response.iter_lines()
        first = next(lines)
        got_first_at = time.monotonic()
        rest = [line for line in lines if line]
    assert first.startswith("data: {")
    assert rest[-1] == "data: [DONE]" and all('"usage"' not in line for line in rest)
    seen = upstream.last_request
    assert seen.last_event_sent_at is not None and got_first_at < seen.last_event_sent_at


def test_fail_next_answers_the_error_once(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.fail_next(429, headers={"retry-after": "2", "x-ratelimit-remaining-requests": "0"})
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)  # type: ignore[arg-type]
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "2"
    assert caught.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).choices  # type: ignore[arg-type]
    assert [r.status for r in upstream.requests] == [429, 200]


def test_custom_failure_body(http: httpx.Client, upstream: FakeUpstream) -> None:
    upstream.fail_next(502, body="<html>Bad gateway</html>", headers={"content-type": "text/html"})
    response = http.get("/v1/models")
    assert (response.status_code, response.text) == (502, "<html>Bad gateway</html>")
    assert response.headers["content-type"] == "text/html"


def test_broken_stream_has_no_done(http: httpx.Client, upstream: FakeUpstream) -> None:
    upstream.break_stream_after(3)
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    lines: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        lines.extend(line for line in response.iter_lines() if line)
    assert len(lines) == 3 and "data: [DONE]" not in lines
    seen = upstream.last_request
    assert seen.events_sent == 3 and not seen.stream_completed
    # Only that stream was cut.
    assert http.post("/v1/chat/completions", json=body).text.endswith("data: [DONE]\n\n")


def test_delay_next_holds_the_response_headers(http: httpx.Client, upstream: FakeUpstream) -> None:
    upstream.delay_next(0.5)
    with pytest.raises(httpx.ReadTimeout):
        http.get("/v1/models", timeout=0.1)
    assert http.get("/v1/models").status_code == 200


def test_auth_models_embeddings_and_unknown_paths(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    with httpx.Client(base_url=upstream.url, timeout=5) as anonymous:
        denied = anonymous.get("/v1/models")
        azure = anonymous.post(
            "/v1/embeddings?api-version=2024-06-01&api-key=SECRET",
            json={"model": "text-embedding-3-small", "input": "hi", "encoding_format": "float"},
        )
    assert denied.status_code == 401
    assert denied.json()["error"]["message"].startswith("You didn't provide an API key.")
    assert azure.status_code == 200 and len(azure.json()["data"][0]["embedding"]) == 1536
    assert upstream.last_request.query_params == {"api-version": "2024-06-01", "api-key": "SECRET"}

    assert "gpt-4o-mini" in {m.id for m in client.models.list()}
    assert client.models.retrieve("gpt-4o").owned_by == "system"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nope")
    embedded = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert [len(e.embedding) for e in embedded.data] == [1536, 1536]  # base64 decoded by the SDK
    again = client.embeddings.create(model="text-embedding-3-small", input="a", dimensions=8)
    assert len(again.data[0].embedding) == 8
    with pytest.raises(openai.NotFoundError) as caught:
        client.post("/nope", body={}, cast_to=object)
    assert caught.value.body == {
        "message": "Invalid URL (POST /v1/nope)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
