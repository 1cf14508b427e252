"""The rate limiter with a hand-turned clock: buckets, headers and the real 429 wording."""

from __future__ import annotations

import pytest

from mockapi.faults.ratelimit import (
    Limits,
    RateLimiter,
    parse_limits,
    request_tokens,
    retry_headers,
)
from mockapi.wire import tokens

LEARN = "Visit https://platform.openai.com/account/rate-limits to learn more."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_request_burst_gets_the_header_sequence_then_a_429_when_the_bucket_is_empty() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(rpm=3, tpm=1000), clock=clock)
    seen = []
    for _ in range(3):
        verdict = limiter.check("sk-a", "gpt-4o-mini", 10)
        assert verdict.error is None
        h = verdict.headers
        seen.append((h["x-ratelimit-remaining-requests"], h["x-ratelimit-reset-requests"]))
        assert h["x-ratelimit-limit-requests"] == "3"
        assert h["x-ratelimit-limit-tokens"] == "1000"
    assert seen == [("2", "20s"), ("1", "40s"), ("0", "1m0s")]
    assert verdict.headers["x-ratelimit-remaining-tokens"] == "970"
    assert verdict.headers["x-ratelimit-reset-tokens"] == "1.8s"

    refused = limiter.check("sk-a", "gpt-4o-mini", 10)
    assert refused.error is not None
    assert refused.error.status == 429
    assert refused.error.message == (
        "Rate limit reached for gpt-4o-mini in organization org-mockapi on requests per min "
        f"(RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. {LEARN}"
    )
    assert (refused.error.type, refused.error.code) == ("requests", "rate_limit_exceeded")
    assert refused.error.headers["retry-after"] == "20"
    assert refused.error.headers["retry-after-ms"] == "20000"
    assert refused.error.headers["x-ratelimit-remaining-requests"] == "0"
    # A refused request takes nothing: after 20 s exactly one more fits.
    clock.now += 20
    assert limiter.check("sk-a", "gpt-4o-mini", 10).error is None
    assert limiter.check("sk-a", "gpt-4o-mini", 10).error is not None


def test_tokens_per_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(rpm=100, tpm=100, organization="org-acme"), clock=clock)
    assert limiter.check("k", "gpt-4o", 40).headers["x-ratelimit-remaining-tokens"] == "60"
    assert limiter.check("k", "gpt-4o", 40).headers["x-ratelimit-reset-tokens"] == "48s"
    refused = limiter.check("k", "gpt-4o", 40, organization="org-from-header")
    assert refused.error is not None
    assert refused.error.message == (
        "Rate limit reached for gpt-4o in organization org-from-header on tokens per min "
        f"(TPM): Limit 100, Used 80, Requested 40. Please try again in 12s. {LEARN}"
    )
    assert refused.error.type == "tokens"
    clock.now += 11.9
    assert limiter.check("k", "gpt-4o", 40).error is not None
    clock.now += 0.1
    assert limiter.check("k", "gpt-4o", 40).error is None


def test_try_again_in_is_written_in_milliseconds_below_a_second() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(rpm=100, tpm=6000), clock=clock)
    assert limiter.check("k", "m", 5990).error is None
    refused = limiter.check("k", "m", 30)
    assert refused.error is not None
    assert "Please try again in 200ms." in refused.error.message
    assert refused.error.headers["retry-after-ms"] == "200"


def test_a_request_larger_than_the_bucket_is_too_large() -> None:
    limiter = RateLimiter(Limits(tpm=100), clock=Clock())
    refused = limiter.check("k", "gpt-4o", 150)
    assert refused.error is not None
    assert refused.error.message == (
        "Request too large for gpt-4o in organization org-mockapi on tokens per min (TPM): "
        "Limit 100, Requested 150. The input or output tokens must be reduced in order to run "
        f"successfully. {LEARN}"
    )
    assert "retry-after" not in refused.error.headers  # waiting would not help


def test_buckets_are_per_key_and_model_and_reset_refills_them() -> None:
    limiter = RateLimiter(Limits(rpm=1), clock=Clock())
    assert limiter.check("sk-a", "gpt-4o", 1).error is None
    assert limiter.check("sk-a", "gpt-4o", 1).error is not None
    assert limiter.check("sk-b", "gpt-4o", 1).error is None
    assert limiter.check("sk-a", "gpt-4o-mini", 1).error is None
    limiter.reset()
    assert limiter.check("sk-a", "gpt-4o", 1).error is None


def test_request_tokens_count_the_prompt_as_usage_does_plus_what_it_reserves() -> None:
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello there"}]}
    assert request_tokens(chat) == tokens.count_prompt(chat)
    assert request_tokens({**chat, "max_tokens": 50}) == tokens.count_prompt(chat) + 50
    assert request_tokens({**chat, "max_completion_tokens": 20, "n": 3}) == (
        tokens.count_prompt(chat) + 60
    )
    embeddings = {"model": "text-embedding-3-small", "input": ["one two", "three"]}
    assert request_tokens(embeddings) == tokens.count_text("one two") + tokens.count_text("three")
    assert request_tokens({"model": "gpt-4o", "input": "Say hi", "max_output_tokens": 16}) == (
        tokens.count_text("Say hi") + 16
    )
    assert request_tokens(None) == 0


def test_parse_limits() -> None:
    assert parse_limits("rpm=3,tpm=1000") == Limits(rpm=3, tpm=1000)
    assert parse_limits("rpm=3; organization=org-x") == Limits(rpm=3, organization="org-x")
    assert parse_limits({"tpm": 5}) == Limits(tpm=5)
    wrong = [("rpm=0", "'rpm' must be a whole number"), ("rps=3", "unknown"), ("3", "such as")]
    for bad, words in wrong:
        with pytest.raises(ValueError, match=words):
            parse_limits(bad)


def test_retry_headers_round_up() -> None:
    assert retry_headers(0.2) == {"retry-after": "1", "retry-after-ms": "200"}
    assert retry_headers(1.0001) == {"retry-after": "2", "retry-after-ms": "1001"}
