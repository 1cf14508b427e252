"""Fresh identifiers in the real API's formats (``chatcmpl-…``, ``call_…``, ``req_…``)."""

from __future__ import annotations

import secrets
import string

_ALPHANUM = string.ascii_letters + string.digits


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUM) for _ in range(length))


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
