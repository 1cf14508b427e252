"""Durations as the OpenAI API writes them (``6m0s``, ``20ms``, ``1.5s``) and reads them.

The API's ``x-ratelimit-reset-*`` headers and its 429 messages ("Please try again in
9.816s") print durations the way Go's ``time.Duration`` does, rounded to the
millisecond. :func:`format_duration` writes that form; :func:`parse_duration` reads it
back, and also a bare number of seconds (``0.2``), for fault specs. :func:`now` is the
time as the API's ``created`` and ``created_at`` fields write it.
"""

from __future__ import annotations

import math
import re
import time

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def format_duration(seconds: float) -> str:
    """``seconds`` as the API prints it: ``0s``, ``6ms``, ``1.5s``, ``6m0s``, ``1h2m3s``.

    Rounded up to the next millisecond (a wait of 0.1 ms is ``1ms``, never ``0s``,
    so a client that waits that long is never early).
    """
    if seconds <= 0:
        return "0s"
    ms = math.ceil(round(seconds * 1000, 6))
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    secs = f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{secs}"
    if minutes:
        return f"{minutes}m{secs}"
    return secs


def parse_duration(value: object) -> float:
    """Seconds in ``value``: a number (seconds), or a string such as ``200ms``, ``1.5s``,
    ``6m0s`` or ``0.2`` (seconds). Raises ``ValueError`` naming the value otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 0.5, 200ms or 1s, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            parts = _PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(
                    f"expected a duration such as 0.5, 200ms, 1.5s or 1m30s, got {value!r}"
                ) from None
            seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    else:
        raise ValueError(f"expected a duration such as 0.5, 200ms or 1s, got {value!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds >= 0, got {value!r}")
    return seconds


def now() -> int:
    """The current Unix time in whole seconds, as ``created`` and ``created_at`` carry it."""
    return int(time.time())
