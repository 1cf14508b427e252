"""The official SDK against each fault, with the reaction its documentation promises.

One server for the module (synthesizing, with the bundled library and a flaky fixture
file); faults come from the ``X-Mockapi-Fault`` header, a fixture, or the admin API.
The journal tells how many attempts the SDK made and when.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.build import default_fixture_dirs
from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

FAULT = "X-Mockapi-Fault"
ASK = [{"role": "user", "content": "Tell me about otters"}]
FLAKY = """\
version: 1
fixtures:
  - name: flaky-twice
    match: {content: 'flaky question'}
    sequence:
      - {fault: {status: 503, retry_after: 0.1}}
      - {fault: {status: 503, retry_after: 0.1}}
      - body: {choices: [{message: {role: assistant, content: Third time lucky.}}]}
  - name: cut-recording
    match: {content: 'cut me'}
    fault: cut_after=2
    response:
      events:
        - data: {choices: [{index: 0, delta: {role: assistant, content: ""}, finish_reason: null}]}
        - data: {choices: [{index: 0, delta: {content: Hello}, finish_reason: null}]}
        - data: {choices: [{index: 0, delta: {content: " world"}, finish_reason: null}]}
        - data: {choices: [{index: 0, delta: {}, finish_reason: stop}]}
        - data: "[DONE]"
  - name: resets
    match: {content: 'reset me'}
    fault: reset
    response:
      body: {choices: [{message: {role: assistant, content: never sent}}]}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    folder = tmp_path_factory.mktemp("fault-fixtures")
    (folder / "flaky.yaml").write_text(FLAKY)
    dirs = (*default_fixture_dirs(), folder)
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=dirs) as started:
        yield started


@pytest.fixture(autouse=True)
def _fresh(server: ServerThread) -> Iterator[None]:
    server.replayer.reset()  # type: ignore[attr-defined]
    yield
    server.replayer.faults.set_rules([])  # type: ignore[attr-defined]


def client(server: ServerThread, **options: Any) -> openai.OpenAI:
    return strict_client(server.url + "/v1", **options)


def attempts(server: ServerThread) -> list[Any]:
    return list(server.replayer.journal.entries())  # type: ignore[attr-defined]


def gaps(entries: list[Any]) -> list[float]:
    return [later.time - earlier.time for earlier, later in itertools.pairwise(entries)]


# -- HTTP errors and the SDK's retries --------------------------------------------------------


def test_a_429_is_retried_max_retries_times_honouring_retry_after(server: ServerThread) -> None:
    with (
        client(server, max_retries=2) as sdk,
        pytest.raises(openai.RateLimitError) as caught,
    ):
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            extra_headers={FAULT: "status=429; retry_after=0.2"},
        )
    error = caught.value
    assert error.code == "rate_limit_exceeded" and error.type == "requests"
    assert "Rate limit reached for gpt-4o-mini" in error.message
    assert error.response.headers["retry-after-ms"] == "200"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    entries = attempts(server)
    assert [e.status for e in entries] == [429, 429, 429]  # the first try and two retries
    assert all(e.fault == "status=429; retry_after=0.2" for e in entries)
    assert all(gap >= 0.2 for gap in gaps(entries))


def test_a_503_is_retried_honouring_retry_after(server: ServerThread) -> None:
    rule = {"status": 503, "retry_after": 0.3, "path": "/v1/embeddings"}
    httpx.put(f"{server.url}/__mockapi/faults", json={"faults": [rule]}).raise_for_status()
    with client(server, max_retries=2) as sdk:
        with pytest.raises(openai.InternalServerError) as caught:
            sdk.embeddings.create(
                model="text-embedding-3-small", input="otters", encoding_format="float"
            )
        assert caught.value.status_code == 503
        assert caught.value.code == "server_is_overloaded"
        entries = attempts(server)
        assert [e.status for e in entries] == [503, 503, 503]
        assert all(gap >= 0.3 for gap in gaps(entries))
        # The rule holds for its path only: chat answers.
        assert sdk.chat.completions.create(model="gpt-4o-mini", messages=ASK).choices  # type: ignore[arg-type]


def test_a_400_is_not_retried(server: ServerThread) -> None:
    with client(server, max_retries=3) as sdk, pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            extra_headers={FAULT: "status=400; message=No otters today.; code=no_otters"},
        )
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == "No otters today."
    assert caught.value.code == "no_otters"
    assert len(attempts(server)) == 1


def test_a_502_is_the_edges_html_page_and_is_retried(server: ServerThread) -> None:
    with client(server, max_retries=1) as sdk, pytest.raises(openai.InternalServerError) as caught:
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            extra_headers={FAULT: "status=502; retry_after_ms=50"},
        )
    assert caught.value.status_code == 502
    assert "502 Bad Gateway" in caught.value.response.text
    assert len(attempts(server)) == 2


def test_fail_twice_then_succeed_from_a_fixture_sequence(server: ServerThread) -> None:
    with client(server, max_retries=2) as sdk:
        reply = sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "a flaky question"}],
        )
    assert reply.choices[0].message.content == "Third time lucky."
    entries = attempts(server)
    assert [e.status for e in entries] == [503, 503, 200]
    assert [e.fixture for e in entries] == ["flaky-twice"] * 3
    assert all(gap >= 0.1 for gap in gaps(entries))
    assert response_problems("POST /v1/chat/completions", reply.to_dict()) == []


def test_fail_twice_then_succeed_from_the_header_stream_and_async(server: ServerThread) -> None:
    async def run() -> list[str]:
        sdk = strict_async_client(server.url + "/v1", max_retries=2)
        async with sdk:
            stream = await sdk.chat.completions.create(
                model="gpt-4o-mini",
                messages=ASK,  # type: ignore[arg-type]
                stream=True,
                extra_headers={FAULT: "status=500; times=2; retry_after=0.1"},
            )
            return [c.choices[0].delta.content or "" async for c in stream if c.choices]

    text = "".join(asyncio.run(run()))
    assert "otter" in text.lower()
    assert [e.status for e in attempts(server)] == [500, 500, 200]


# -- transport faults -------------------------------------------------------------------------


def test_a_reset_is_an_api_connection_error(server: ServerThread) -> None:
    with client(server, max_retries=1) as sdk, pytest.raises(openai.APIConnectionError) as caught:
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            extra_headers={FAULT: "reset"},
        )
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert len(attempts(server)) == 2  # the SDK retries connection errors too


def test_a_fixture_reset_spares_the_other_fixtures(server: ServerThread) -> None:
    with client(server) as sdk:
        with pytest.raises(openai.APIConnectionError):
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "reset me"}]
            )
        hello = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}]
        )
    assert hello.choices[0].message.content == "Hello! How can I help you today?"


def test_a_stall_beyond_the_timeout_is_an_api_timeout_error(server: ServerThread) -> None:
    with (
        client(server, timeout=0.5) as sdk,
        pytest.raises(openai.APITimeoutError),
    ):
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            extra_headers={FAULT: "stall"},
        )
    # The server is not held up: the next request answers at once.
    with client(server) as sdk:
        assert sdk.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"


def test_a_cut_stream_raises_after_the_events_that_arrived(server: ServerThread) -> None:
    with client(server) as sdk:
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            stream=True,
            extra_headers={FAULT: "cut_after=3"},
        )
        received = []
        with pytest.raises(openai.APIConnectionError):
            for chunk in stream:
                received.append(chunk)
    assert len(received) == 3
    for chunk in received:
        data = chunk.to_dict()
        assert response_problems("POST /v1/chat/completions", data, role="stream_event") == []


def test_a_recorded_stream_cut_by_its_fixture(server: ServerThread) -> None:
    with client(server) as sdk:
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "cut me"}], stream=True
        )
        texts = []
        with pytest.raises(openai.APIConnectionError):
            texts.extend(chunk.choices[0].delta.content for chunk in stream)
        assert texts == ["", "Hello"]
        # Asked without a stream, the same fixture answers whole (a cut is for streams).
        plain = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "cut me"}]
        )
    assert plain.choices[0].message.content == "Hello world"


def test_a_cut_with_an_error_event_raises_the_api_error(server: ServerThread) -> None:
    with client(server) as sdk:
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            stream=True,
            extra_headers={FAULT: "cut_after=2; error_event"},
        )
        received = []
        with pytest.raises(openai.APIError) as caught:
            for chunk in stream:
                received.append(chunk)
    assert len(received) == 2
    assert caught.value.message.startswith("The server had an error while processing")
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "server_error"


def test_a_cut_responses_stream_ends_with_its_error_event(server: ServerThread) -> None:
    with client(server) as sdk:
        stream = sdk.responses.create(
            model="gpt-4o-mini",
            input="Tell me about otters",
            stream=True,
            extra_headers={FAULT: "cut_after=4; error_event"},
        )
        events = []
        with pytest.raises(openai.APIConnectionError):
            for event in stream:
                events.append(event)
    assert [e.type for e in events][:1] == ["response.created"]
    assert len(events) == 5 and events[-1].type == "error"
    last = events[-1].to_dict()
    assert last["sequence_number"] == 4
    assert response_problems("POST /v1/responses", last, role="stream_event") == []


def test_a_malformed_event_fails_the_sdks_json_decoding(server: ServerThread) -> None:
    with client(server) as sdk:
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            stream=True,
            extra_headers={FAULT: "malformed_at=2"},
        )
        received = []
        with pytest.raises(ValueError, match=r"Expecting|Unterminated|delimiter"):
            for chunk in stream:
                received.append(chunk)
    assert len(received) == 2
    raw = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"model": "gpt-4o-mini", "messages": ASK, "stream": True},
        headers={"authorization": "Bearer sk-x", FAULT: "malformed_at=1"},
    )
    lines = [line for line in raw.text.split("\n\n") if line]
    assert lines[1].startswith('data: {"id": "chatcmpl-mockapi-malformed"')
    assert lines[-1] == "data: [DONE]"  # the rest of the stream follows


# -- latency and pacing -----------------------------------------------------------------------


def test_latency_and_time_to_first_token(server: ServerThread) -> None:
    with client(server) as sdk:
        started = time.perf_counter()
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            extra_headers={FAULT: "latency=0.3"},
        )
        assert time.perf_counter() - started >= 0.3
        started = time.perf_counter()
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            stream=True,
            extra_headers={FAULT: "ttft=0.3"},
        )
        next(iter(stream))
        assert time.perf_counter() - started >= 0.3
        assert all(chunk.object == "chat.completion.chunk" for chunk in stream)


def test_tokens_per_second_paces_the_stream(server: ServerThread) -> None:
    with client(server) as sdk:
        started = time.perf_counter()
        stream = sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=ASK,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
            extra_headers={FAULT: "tps=100"},
        )
        chunks = list(stream)
        elapsed = time.perf_counter() - started
    usage = chunks[-1].usage
    assert usage is not None and usage.completion_tokens > 20
    assert elapsed >= usage.completion_tokens / 100 * 0.9  # the pace; never an upper bound


# -- chaos and isolation ----------------------------------------------------------------------


def _pattern(server: ServerThread, count: int) -> list[str]:
    outcomes = []
    with client(server) as sdk:
        for _ in range(count):
            try:
                sdk.embeddings.create(
                    model="text-embedding-3-small", input="otters", encoding_format="float"
                )
                outcomes.append("ok")
            except openai.APIStatusError as exc:
                outcomes.append(str(exc.status_code))
            except openai.APIConnectionError:
                outcomes.append("reset")
    return outcomes


def test_seeded_chaos_gives_the_same_fault_pattern_twice(server: ServerThread) -> None:
    body = {"faults": ["chaos=0.5"], "seed": 42}
    httpx.put(f"{server.url}/__mockapi/faults", json=body).raise_for_status()
    first = _pattern(server, 16)
    httpx.post(f"{server.url}/__mockapi/reset").raise_for_status()  # counters start again
    assert _pattern(server, 16) == first
    assert "ok" in first and len(set(first)) >= 3
    httpx.put(f"{server.url}/__mockapi/faults", json={**body, "seed": 43}).raise_for_status()
    assert _pattern(server, 16) != first


def test_a_header_fault_is_for_its_request_only(server: ServerThread) -> None:
    with client(server) as sdk:
        with pytest.raises(openai.InternalServerError):
            sdk.chat.completions.create(
                model="gpt-4o-mini",
                messages=ASK,  # type: ignore[arg-type]
                extra_headers={FAULT: "500"},
            )
        answer = sdk.chat.completions.create(model="gpt-4o-mini", messages=ASK)  # type: ignore[arg-type]
    assert answer.choices[0].message.content
    assert [e.fault for e in attempts(server)] == ["status=500", None]
