"""The OpenAI response headers: the one list, the headers every answer carries, the
x-ratelimit set."""

from __future__ import annotations

import re

import pytest

from mockapi.wire import headers
from mockapi.wire.credentials import SECRET_HEADERS
from tests.real_traffic import ABSENT, SKIP_REASON, recorded

# What the real API sends that is its CDN's, its proxy's or HTTP's business, not the API's.
NOT_THE_APIS = {
    "access-control-allow-origin",
    "access-control-expose-headers",
    "alt-svc",
    "cf-cache-status",
    "cf-ray",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "date",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "vary",
    "x-content-type-options",
    "x-envoy-upstream-service-time",
    "x-openai-proxy-wasm",
}


@pytest.mark.skipif(ABSENT, reason=SKIP_REASON)
def test_the_list_holds_every_api_header_of_the_recorded_traffic() -> None:
    sent = {name.lower() for r in recorded() for name in r.item.headers}
    assert sent - NOT_THE_APIS <= set(headers.OPENAI_HEADERS)


def test_the_headers_the_sdk_acts_on_are_listed_and_names_are_lower_case() -> None:
    for name in ("retry-after", "retry-after-ms", "x-should-retry", "x-request-id"):
        assert name in headers.OPENAI_HEADERS
    assert all(name == name.lower() for name in headers.OPENAI_HEADERS)
    assert len(set(headers.OPENAI_HEADERS)) == len(headers.OPENAI_HEADERS)
    # Relayed live, but secrets for a recording: redaction has its own list.
    assert {"openai-organization", "openai-project"} <= SECRET_HEADERS


def test_base_headers_carry_a_fresh_request_id() -> None:
    first, second = headers.base_headers(), headers.base_headers(processing_ms=12)
    assert first["x-request-id"].startswith("req_")
    assert first["x-request-id"] != second["x-request-id"]
    assert first["openai-version"] == "2020-10-01"
    assert second["openai-processing-ms"] == "12"


def test_rate_limit_headers_write_resets_as_the_api_does() -> None:
    written = headers.rate_limit_headers(
        limit_requests=3,
        limit_tokens=1000,
        remaining_requests=2,
        remaining_tokens=990,
        reset_requests=20.0,
        reset_tokens=0.6,
    )
    assert written == {
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-limit-tokens": "1000",
        "x-ratelimit-remaining-requests": "2",
        "x-ratelimit-remaining-tokens": "990",
        "x-ratelimit-reset-requests": "20s",
        "x-ratelimit-reset-tokens": "600ms",
    }
    assert tuple(written) == headers.RATE_LIMIT_HEADERS


def test_fresh_ids_are_letters_and_digits_of_the_api_length_and_all_distinct() -> None:
    from mockapi.wire import ids

    made = [ids.chat_completion_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"chatcmpl-[0-9A-Za-z]{29}", made_id) for made_id in made)
    assert all(re.fullmatch(r"call_[0-9A-Za-z]{24}", ids.tool_call_id()) for _ in range(50))
    # Every one of the 62 letters and digits is drawn (58,000 draws: each ~900 times).
    assert set("".join(m.removeprefix("chatcmpl-") for m in made)) == set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
