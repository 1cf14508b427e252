"""The OpenAI API's response headers: the one list, the ones every answer carries, and
the ``x-ratelimit-*`` set.

:data:`OPENAI_HEADERS` is what api.openai.com sends that a client may act on or log
(the set in ``../shared/real-traffic``, plus the retry headers the SDKs read). It is
both what the recording proxy relays to its client live and what CORS lets a browser
script read. Relaying is not recording: ``openai-organization`` and ``openai-project``
reach the client as the upstream sent them, while a recording drops them and redacts
them wherever they appear (``mockapi.recording.redaction``, ``credentials.SECRET_HEADERS``).

Pure: no I/O.
"""

from __future__ import annotations

from mockapi.wire import ids
from mockapi.wire.durations import format_duration

__all__ = [
    "OPENAI_HEADERS",
    "OPENAI_VERSION",
    "RATE_LIMIT_HEADERS",
    "base_headers",
    "rate_limit_headers",
]

OPENAI_VERSION = "2020-10-01"
"""The ``openai-version`` header the API sends on every answer."""

RATE_LIMIT_HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
)
"""The six headers of an organization's per-model limits (``reset``: a duration)."""

OPENAI_HEADERS = (
    "x-request-id",
    "openai-processing-ms",
    "openai-version",
    "openai-model",
    "openai-organization",
    "openai-project",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    *RATE_LIMIT_HEADERS,
    "x-ratelimit-limit-project-requests",
    "x-ratelimit-remaining-project-requests",
    "x-ratelimit-reset-project-requests",
)
"""The OpenAI response headers, lower-case: what the proxy relays and CORS exposes.

``retry-after``, ``retry-after-ms`` and ``x-should-retry`` decide the SDKs' retries;
``x-request-id`` is what support asks for; the rest describe the answer and the limits.
"""


def base_headers(processing_ms: int = 0) -> dict[str, str]:
    """Headers every answer carries, as the real API sends them: a fresh
    ``x-request-id``, ``openai-processing-ms`` and ``openai-version``."""
    return {
        "x-request-id": ids.request_id(),
        "openai-processing-ms": str(processing_ms),
        "openai-version": OPENAI_VERSION,
    }


def rate_limit_headers(
    *,
    limit_requests: int,
    limit_tokens: int,
    remaining_requests: int,
    remaining_tokens: int,
    reset_requests: float,
    reset_tokens: float,
) -> dict[str, str]:
    """The six ``x-ratelimit-*`` headers; the resets are seconds, written as the API
    writes durations (``20s``, ``600ms``)."""
    values = (
        str(limit_requests),
        str(limit_tokens),
        str(remaining_requests),
        str(remaining_tokens),
        format_duration(reset_requests),
        format_duration(reset_tokens),
    )
    return dict(zip(RATE_LIMIT_HEADERS, values, strict=True))
