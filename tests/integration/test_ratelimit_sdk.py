"""The rate limiter through the official SDK: the header sequence of a burst, the real 429
exactly when a bucket runs out, and the SDK's retry after the ``retry-after`` it names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.faults import ratelimit
from mockapi.web.server import ServerThread
from mockapi.wire.durations import parse_duration
from tests.helpers import response_problems, running_server, strict_client

ASK = [{"role": "user", "content": "Tell me about otters"}]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE, rate_limit="rpm=3,tpm=100000") as started:
        yield started


@pytest.fixture(autouse=True)
def _fresh(server: ServerThread) -> Iterator[None]:
    server.replayer.reset()  # type: ignore[attr-defined]  # full buckets
    yield
    limits = ratelimit.Limits(rpm=3, tpm=100000)
    server.replayer.set_rate_limit(limits)  # type: ignore[attr-defined]


def _create(sdk: openai.OpenAI, **extra: Any) -> Any:
    return sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini",
        messages=ASK,  # type: ignore[arg-type]
        **extra,
    )


def test_a_burst_gets_the_header_sequence_and_a_429_when_the_bucket_is_empty(
    server: ServerThread,
) -> None:
    with strict_client(server.url + "/v1") as sdk:
        answers = [_create(sdk) for _ in range(3)]
        with pytest.raises(openai.RateLimitError) as caught:
            _create(sdk)
        with strict_client(server.url + "/v1", api_key="sk-another-key") as other:
            assert _create(other).parse().choices  # buckets are per key
    remaining = [a.headers["x-ratelimit-remaining-requests"] for a in answers]
    assert remaining == ["2", "1", "0"]
    for number, answer in enumerate(answers, start=1):
        headers = answer.headers
        assert headers["x-ratelimit-limit-requests"] == "3"
        assert headers["x-ratelimit-limit-tokens"] == "100000"
        # Refilling at 3 a minute, the bucket is full again about 20 s per request used.
        assert parse_duration(headers["x-ratelimit-reset-requests"]) == pytest.approx(
            20 * number, abs=1
        )
        assert re.fullmatch(r"\d+ms|\d+(\.\d+)?s", headers["x-ratelimit-reset-tokens"])
        assert int(headers["x-ratelimit-remaining-tokens"]) < 100000
        body = answer.http_response.json()
        assert response_problems("POST /v1/chat/completions", body) == []
    error = caught.value
    assert error.code == "rate_limit_exceeded" and error.type == "requests"
    assert re.fullmatch(
        r"Rate limit reached for gpt-4o-mini in organization org-mockapi on requests per min "
        r"\(RPM\): Limit 3, Used 3, Requested 1\. Please try again in (19|20)(\.\d+)?s\. Visit "
        r"https://platform\.openai\.com/account/rate-limits to learn more\.",
        error.body["message"] if isinstance(error.body, dict) else "",
    )
    headers = error.response.headers
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert 19000 <= int(headers["retry-after-ms"]) <= 20000
    assert headers["retry-after"] == "20"
    statuses = [e.status for e in server.replayer.journal.entries()]  # type: ignore[attr-defined]
    assert statuses == [200, 200, 200, 429, 200]


def test_tokens_per_minute_and_the_sdk_retrying_after_retry_after(server: ServerThread) -> None:
    # 6000 tokens a minute refill at 100 a second: a request that takes the whole bucket
    # leaves the next one (about 110 tokens) to wait about a second, which the SDK does.
    httpx.put(
        f"{server.url}/__mockapi/faults", json={"rate_limit": "rpm=100,tpm=6000"}
    ).raise_for_status()
    base = {"model": "gpt-4o-mini", "messages": ASK}
    whole = 6000 - ratelimit.request_tokens(base)
    with strict_client(server.url + "/v1", max_retries=1) as sdk:
        first = _create(sdk, max_tokens=whole)
        assert first.headers["x-ratelimit-remaining-tokens"] == "0"
        second = _create(sdk, max_tokens=100)
    assert second.parse().choices
    entries = server.replayer.journal.entries()  # type: ignore[attr-defined]
    assert [e.status for e in entries] == [200, 429, 200]
    waited = entries[2].time - entries[1].time
    assert waited >= 0.9  # about 110 tokens at 100 a second, as retry-after-ms said


def test_a_request_larger_than_the_bucket_is_refused_for_good(server: ServerThread) -> None:
    server.replayer.set_rate_limit(ratelimit.Limits(tpm=50))  # type: ignore[attr-defined]
    with strict_client(server.url + "/v1", max_retries=1) as sdk:
        with pytest.raises(openai.RateLimitError) as caught:
            _create(sdk, max_tokens=100)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"].startswith(
        "Request too large for gpt-4o-mini in organization org-mockapi on tokens per min (TPM)"
    )
    # No retry-after: the SDK backs off on its own, and each retry is refused the same way.
    assert "retry-after" not in caught.value.response.headers
    statuses = [e.status for e in server.replayer.journal.entries()]  # type: ignore[attr-defined]
    assert statuses == [429, 429]
