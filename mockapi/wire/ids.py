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


_BYTE_TO_BASE62 = bytes(ord(_BASE62[byte % 62]) for byte in range(256))


def _token(length: int) -> str:
    # One read of the system's randomness for the whole token, each byte made a letter
    # or digit by a table (the first 8 of the 62 come a little more often: 5 in 256
    # against 4; no id is a secret), in C rather than a division per character.
    return os.urandom(length).translate(_BYTE_TO_BASE62).decode("ascii")


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
