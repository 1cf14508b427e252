"""The upstream client against the fake upstream: what is sent, what comes back, and
what it keeps between requests (no cookies)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from mockapi.recording.upstream import LARGE_BODY, Upstream
from mockapi.replay.request import parse_request
from tests.fake_upstream import FAKE_COOKIE, FakeUpstream


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(event_delay=0) as fake:
        yield fake


def test_what_goes_upstream_and_no_cookie_goes_back(upstream: FakeUpstream) -> None:
    ask = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'
    request = parse_request(
        "POST",
        "/v1/chat/completions",
        {"authorization": "Bearer sk-x", "content-type": "application/json", "host": "mock"},
        ask,
        (("api-version", "2024-06-01"), ("q", "a b/c")),
    )

    async def twice() -> list[tuple[int, str, bytes]]:
        client = Upstream(upstream.url)
        answers = []
        for _ in range(2):
            answer = await client.open(request)
            body = b"".join([chunk async for chunk in answer.chunks()])
            await answer.close()
            answers.append((answer.status, answer.content_type, body))
        await client.close()
        return answers

    answers = asyncio.run(twice())
    assert [status for status, _, _ in answers] == [200, 200]
    assert answers[0][1].startswith("application/json") and b"Echo: hi" in answers[0][2]
    first, second = upstream.requests
    assert first.body == ask and first.headers["accept-encoding"] == "identity"
    assert first.query == "api-version=2024-06-01&q=a+b%2Fc"  # as httpx encoded it
    assert first.headers["host"] != "mock", "hop-by-hop headers are the client's own"
    assert FAKE_COOKIE not in str(second.headers), "the upstream's cookie is never sent back"
    assert first.headers.get("content-type") == "application/json"


def test_an_upload_larger_than_a_slice_arrives_whole(upstream: FakeUpstream) -> None:
    data = os.urandom(LARGE_BODY * 2 + 123)
    request = parse_request(
        "POST", "/v1/uploads/x/parts", {"content-type": "application/octet-stream"}, data
    )

    async def send() -> int:
        client = Upstream(upstream.url)
        answer = await client.open(request)
        _ = [chunk async for chunk in answer.chunks()]
        await answer.close()
        await client.close()
        return answer.status

    asyncio.run(send())
    [received] = upstream.requests
    assert received.body == data
    assert received.headers["content-length"] == str(len(data))
    assert "transfer-encoding" not in received.headers
