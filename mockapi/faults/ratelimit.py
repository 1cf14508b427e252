"""A rate limiter like the real API's: requests and tokens per minute, per key and model.

Each API key has, for each model, two buckets that refill continuously: one of
``rpm`` requests and one of ``tpm`` tokens per minute. A request takes one request
and its tokens (its prompt counted as ``usage.prompt_tokens`` counts it, by the real
tokenizer, plus the ``max_tokens`` it asks for, which the real limiter reserves). A
request the buckets cannot hold is refused with the real 429, and nothing is taken;
every answer carries the real headers::

    x-ratelimit-limit-requests: 3        x-ratelimit-limit-tokens: 1000
    x-ratelimit-remaining-requests: 2    x-ratelimit-remaining-tokens: 990
    x-ratelimit-reset-requests: 20s      x-ratelimit-reset-tokens: 600ms

(``reset``: the time until the bucket is full again, written as the API writes
durations). Pure: the clock is injected, so tests need not sleep.

The buckets are kept in process (:class:`LocalBuckets`, the default) or, for several
replicas behind one load balancer, by any :class:`Buckets` shared between them
(``mockapi.state.redis_shared``: the same arithmetic in one atomic script), so that a
limit of 3 requests per minute is 3 across the fleet.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mockapi.errors import APIError
from mockapi.wire import tokens
from mockapi.wire.durations import format_duration
from mockapi.wire.headers import rate_limit_headers

DEFAULT_RPM = 10_000
DEFAULT_TPM = 30_000_000
"""gpt-4o-mini's limits in the recorded traffic (``../shared/real-traffic``)."""
DEFAULT_ORGANIZATION = "org-mockapi"
LEARN_MORE = "Visit https://platform.openai.com/account/rate-limits to learn more."
RATE_LIMITED = "rate_limit_exceeded"


@dataclass(frozen=True)
class Limits:
    """Requests and tokens per minute; ``organization`` names the org in 429 messages
    (an ``OpenAI-Organization`` request header wins)."""

    rpm: int = DEFAULT_RPM
    tpm: int = DEFAULT_TPM
    organization: str = DEFAULT_ORGANIZATION

    def to_json(self) -> dict[str, Any]:
        return {"rpm": self.rpm, "tpm": self.tpm, "organization": self.organization}


def parse_limits(spec: object) -> Limits:
    """``rpm=3,tpm=1000`` (``;`` also separates), a mapping, or a Limits; ``ValueError``
    names what is wrong."""
    if isinstance(spec, Limits):
        return spec
    if isinstance(spec, str):
        items = [i for i in spec.replace(";", ",").split(",") if i.strip()]
        pairs = [i.partition("=") for i in items]
        if not pairs or any(not sep for _, sep, _ in pairs):
            raise ValueError(f"expected a rate limit such as 'rpm=3,tpm=1000', got {spec!r}")
        spec = {k.strip().lower(): v.strip() for k, _, v in pairs}
    if not isinstance(spec, Mapping):
        raise ValueError(f"expected a rate limit such as 'rpm=3,tpm=1000', got {spec!r}")
    unknown = set(spec) - {"rpm", "tpm", "organization"}
    if unknown:
        raise ValueError(
            f"unknown rate limit key(s) {sorted(unknown)}; known: rpm, tpm, organization"
        )
    values: dict[str, Any] = {}
    for key in ("rpm", "tpm"):
        if key in spec:
            raw = spec[key]
            number = int(raw) if isinstance(raw, str) and raw.isdigit() else raw
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise ValueError(f"'{key}' must be a whole number >= 1, got {raw!r}")
            values[key] = number
    if "organization" in spec:
        values["organization"] = str(spec["organization"])
    return Limits(**values)


class Bucket:
    """``capacity`` units refilling at ``capacity`` per minute, continuously."""

    def __init__(self, capacity: int, now: float) -> None:
        self.capacity = capacity
        self.level = float(capacity)
        self.rate = capacity / 60.0
        self.updated = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.level = min(float(self.capacity), self.level + elapsed * self.rate)
        self.updated = now

    @property
    def remaining(self) -> int:
        # Rounded to the microunit first: float refill must not show 2.9999999 as 2.
        return max(0, math.floor(round(self.level, 6)))

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` units are there."""
        return max(0.0, (amount - self.level) / self.rate)

    def reset_in(self) -> float:
        """Seconds until the bucket is full again."""
        return max(0.0, (self.capacity - self.level) / self.rate)

    @classmethod
    def at(cls, capacity: int, level: float) -> Bucket:
        """A bucket of ``capacity`` holding ``level`` units (a shared bucket's state)."""
        bucket = cls(capacity, 0.0)
        bucket.level = level
        return bucket


TAKEN, TOO_LARGE, NO_REQUESTS, NO_TOKENS = 0, 1, 2, 3
"""What a take from a (requests, tokens) pair of buckets came to: taken; refused as larger
than the token bucket; refused for want of a request; refused for want of tokens. A
shared :class:`Buckets` answers with these numbers."""


def outcome(calls: float, toks: float, tpm: int, requested: int) -> int:
    """Whether ``requested`` tokens and one request fit buckets at these levels."""
    if requested > tpm:
        return TOO_LARGE
    if calls < 1 - 1e-9:
        return NO_REQUESTS
    if toks < requested - 1e-9:
        return NO_TOKENS
    return TAKEN


class Buckets(Protocol):
    """Where a :class:`RateLimiter` keeps its buckets, by name (an API key and a model)."""

    def take(self, name: str, rpm: int, tpm: int, requested: int) -> tuple[int, float, float]:
        """Refill the pair of buckets ``name`` (``rpm`` requests, ``tpm`` tokens per
        minute; full when new) and take one request and ``requested`` tokens if they fit
        (:func:`outcome`), atomically; the outcome and the two levels after it."""
        ...

    def clear(self) -> None:
        """Forget every bucket (all full again)."""
        ...


class LocalBuckets:
    """:class:`Buckets` in this process (thread-safe), on ``clock``'s seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[tuple[str, int, int], tuple[Bucket, Bucket]] = {}
        self._lock = threading.Lock()

    def take(self, name: str, rpm: int, tpm: int, requested: int) -> tuple[int, float, float]:
        with self._lock:
            now = self.clock()
            pair = self._buckets.get((name, rpm, tpm))
            if pair is None:
                pair = Bucket(rpm, now), Bucket(tpm, now)
                self._buckets[(name, rpm, tpm)] = pair
            calls, toks = pair
            calls.refill(now)
            toks.refill(now)
            result = outcome(calls.level, toks.level, tpm, requested)
            if result == TAKEN:
                calls.level -= 1
                toks.level -= requested
            return result, calls.level, toks.level

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


@dataclass(frozen=True)
class Verdict:
    """What the limiter says: the headers to send and, when refused, the 429."""

    headers: Mapping[str, str]
    error: APIError | None = None


class RateLimiter:
    """Buckets per (API key, model) for :class:`Limits`; ``clock`` gives seconds to the
    in-process buckets, unless ``buckets`` (shared by a fleet, on its own clock) keeps them."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        buckets: Buckets | None = None,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._buckets: Buckets = buckets if buckets is not None else LocalBuckets(clock)

    def reset(self) -> None:
        """Refill every bucket (each test starts with full buckets)."""
        self._buckets.clear()

    def check(
        self,
        key: str,
        model: str,
        requested: int,
        *,
        organization: str | None = None,
        project: str | None = None,
    ) -> Verdict:
        """Take one request and ``requested`` tokens for ``key`` and ``model``, or refuse;
        ``project`` names the project whose limits these are in the 429's message."""
        org = organization or self.limits.organization
        rpm, tpm = self.limits.rpm, self.limits.tpm
        result, calls_level, toks_level = self._buckets.take(f"{key}\0{model}", rpm, tpm, requested)
        calls, toks = Bucket.at(rpm, calls_level), Bucket.at(tpm, toks_level)
        headers = limit_headers(calls, toks)
        error: APIError | None = None
        if result == TOO_LARGE:
            error = too_large(model, org, toks.capacity, requested, project=project)
        elif result == NO_REQUESTS:
            wait = calls.wait_for(1)
            used = calls.capacity - calls.remaining
            error = rate_limited(
                "requests", model, org, calls.capacity, used, 1, wait, project=project
            )
        elif result == NO_TOKENS:
            wait = toks.wait_for(requested)
            used = toks.capacity - toks.remaining
            error = rate_limited(
                "tokens", model, org, toks.capacity, used, requested, wait, project=project
            )
        if error is not None:
            error.headers.update(headers)
        return Verdict(headers, error)


def limit_headers(calls: Bucket, toks: Bucket) -> dict[str, str]:
    """The six ``x-ratelimit-*`` headers for these buckets."""
    return rate_limit_headers(
        limit_requests=calls.capacity,
        limit_tokens=toks.capacity,
        remaining_requests=calls.remaining,
        remaining_tokens=toks.remaining,
        reset_requests=calls.reset_in(),
        reset_tokens=toks.reset_in(),
    )


def retry_headers(wait: float) -> dict[str, str]:
    """``retry-after`` (whole seconds, as HTTP wants) and ``retry-after-ms`` (exact)."""
    return {
        "retry-after": str(max(1, math.ceil(wait))),
        "retry-after-ms": str(max(1, math.ceil(round(wait * 1000, 6)))),
    }


def _scope(org: str, project: str | None) -> str:
    """Whose limit it is, as the API's message names it: ``organization org-x``, or for
    a project's own limit ``project proj_x organization org-x``."""
    return f"project {project} organization {org}" if project else f"organization {org}"


def rate_limited(
    kind: str,
    model: str,
    org: str,
    limit: int,
    used: int,
    requested: int,
    wait: float,
    *,
    project: str | None = None,
) -> APIError:
    """The real 429 for a full bucket (``kind``: ``requests`` or ``tokens``)."""
    per = "requests per min (RPM)" if kind == "requests" else "tokens per min (TPM)"
    message = (
        f"Rate limit reached for {model} in {_scope(org, project)} on {per}: Limit {limit}, "
        f"Used {used}, Requested {requested}. Please try again in {format_duration(wait)}. "
        f"{LEARN_MORE}"
    )
    return APIError(429, message, type=kind, code=RATE_LIMITED, headers=retry_headers(wait))


def too_large(
    model: str, org: str, limit: int, requested: int, *, project: str | None = None
) -> APIError:
    """The real 429 for a request larger than the whole token bucket (never succeeds)."""
    message = (
        f"Request too large for {model} in {_scope(org, project)} on tokens per min (TPM): "
        f"Limit {limit}, Requested {requested}. The input or output tokens must be reduced "
        f"in order to run successfully. {LEARN_MORE}"
    )
    return APIError(429, message, type="tokens", code=RATE_LIMITED)


# -- what a request costs ------------------------------------------------------------------


def request_tokens(body: Any) -> int:
    """Tokens a request takes from the bucket: its prompt (as ``usage`` counts it) plus
    the output it reserves (``max_completion_tokens``, ``max_tokens`` or
    ``max_output_tokens``)."""
    if not isinstance(body, dict):
        return 0
    model = body.get("model") if isinstance(body.get("model"), str) else None
    if isinstance(body.get("messages"), list):
        prompt = tokens.count_prompt(body)
    else:
        prompt = sum(tokens.count_text(text, model) for text in _texts(body))
    reserved = 0
    for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            reserved = value
            break
    n = body.get("n")
    choices = n if isinstance(n, int) and not isinstance(n, bool) and n > 1 else 1
    return prompt + reserved * choices


def _texts(body: dict[str, Any]) -> list[str]:
    """The text of ``input`` / ``prompt`` fields (strings, lists, message lists)."""
    found: list[str] = []
    for name in ("input", "prompt", "instructions"):
        _collect(body.get(name), found)
    return found


def _collect(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        _collect(value.get("content", value.get("text")), found)
