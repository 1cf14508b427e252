"""The request parsing: the bytes the client sent become a :class:`~mockapi.model.Request`.

The web layer (and ``mockapi validate``, and tests) call :func:`parse_request` with what
came over the connection. A JSON body is decoded strictly
(:func:`mockapi.wire.jsonbody.loads`: RFC 8259, UTF-8, no ``NaN``, no lone surrogates,
no byte order mark); a ``multipart/form-data`` body is split into its fields and files.
Parsing never raises for what the client sent: a body that does not parse is kept with
``json_error`` saying why, and the replay flow answers it with the API's 400 once it
knows the endpoint wanted one.
"""

from __future__ import annotations

from typing import Any

from mockapi import errors
from mockapi.model import Request
from mockapi.wire import jsonbody, multipart

__all__ = ["parse_request"]


def parse_request(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    query: tuple[tuple[str, str], ...] = (),
) -> Request:
    """Build a :class:`Request`, decoding a JSON body (or a form) if there is one."""
    decoded: Any = None
    problem: str | None = None
    content_type = headers.get("content-type", "")
    if body and content_type.lower().startswith("multipart/form-data"):
        try:
            fields, files = multipart.parse(body, content_type)
        except errors.FormError as exc:
            return Request(method, path, headers, query, body, None, str(exc))
        decoded = multipart.fields_to_json(fields, files)
        return Request(method, path, headers, query, body, decoded, None, files)
    if body:
        try:
            decoded = jsonbody.loads(body)
        except jsonbody.NotJSON as exc:
            problem = str(exc)
    elif method in ("POST", "PUT", "PATCH"):
        problem = "the request body is empty"
    return Request(method, path, headers, query, body, decoded, problem)
