"""Fresh identifiers in the real API's formats (``chatcmpl-…``, ``call_…``, ``req_…``)."""

from __future__ import annotations

import os
import secrets
import string

_BASE62 = string.digits + string.ascii_letters


def base62(digest: bytes, length: int) -> str:
    """``length`` letters and digits drawn from ``digest`` (at most 43 from 32 bytes):
    the body of a fresh id, of a ``file-`` id, or of an id derived from another (a
    fine-tuning job's events)."""
    value = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        value, rest = divmod(value, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


def _token(length: int) -> str:
    # One read of the system's randomness for the whole token (a byte per character is
    # more than the 6 bits each needs), not one per character.
    return base62(os.urandom(length), length)


def chat_completion_id() -> str:
    return "chatcmpl-" + _token(29)


def completion_id() -> str:
    """A legacy Completions id: ``cmpl-`` and 29 letters and digits, as the API sends."""
    return "cmpl-" + _token(29)


def tool_call_id() -> str:
    return "call_" + _token(24)


def request_id() -> str:
    return "req_" + secrets.token_hex(16)


def system_fingerprint() -> str:
    return "fp_" + secrets.token_hex(5)
