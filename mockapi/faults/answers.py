"""The answers a fault sends instead of the response: HTTP errors with the real API's
bodies and headers, and the error event that ends a cut stream.

- 429: ``Rate limit reached for MODEL in organization ORG on requests per min (RPM):
  ...``, type ``requests``, code ``rate_limit_exceeded``, with ``retry-after``,
  ``retry-after-ms`` and the ``x-ratelimit-*`` headers;
- 500: ``The server had an error while processing your request. Sorry about that!``,
  type ``server_error``;
- 502: Cloudflare's ``502 Bad Gateway`` HTML page (``text/html``), as the API's edge
  sends it;
- 503: ``The engine is currently overloaded, please try again later.``, type
  ``service_unavailable_error``, code ``server_is_overloaded``;
- any other status: ``mockapi fault: HTTP <status> <reason>`` (type
  ``invalid_request_error`` for 4xx, ``server_error`` for 5xx).

``body``, ``message``, ``type``, ``code`` and ``headers`` in the fault override these.
Pure: no I/O.
"""

from __future__ import annotations

import http
from typing import Any

from mockapi.errors import APIError
from mockapi.faults import ratelimit
from mockapi.faults.spec import Fault
from mockapi.model import Request, Response, SSEEvent
from mockapi.wire.headers import rate_limit_headers

DEFAULT_RETRY_AFTER = 1.0
"""Seconds a 429 fault asks the client to wait when it does not say."""
BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
OVERLOADED = "The engine is currently overloaded, please try again later."


def model_of(request: Request) -> str:
    body = request.json
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) and model else "gpt-4o-mini"


def fault_error(fault: Fault, request: Request, limits: ratelimit.Limits | None) -> APIError:
    """The :class:`APIError` a ``status`` fault answers: the real one, with the fault's
    ``message``, ``type``, ``code`` and ``headers`` over it (not its ``body``)."""
    assert fault.status is not None
    status = fault.status
    headers: dict[str, str] = {}
    if status == 429:
        limits = limits or ratelimit.Limits()
        org = request.headers.get("openai-organization") or limits.organization
        wait = DEFAULT_RETRY_AFTER if fault.retry_after is None else fault.retry_after
        error = ratelimit.rate_limited(
            "requests", model_of(request), org, limits.rpm, limits.rpm, 1, wait
        )
        headers = rate_limit_headers(
            limit_requests=limits.rpm,
            limit_tokens=limits.tpm,
            remaining_requests=0,
            remaining_tokens=limits.tpm,
            reset_requests=wait,
            reset_tokens=0.0,
        )
    elif status == 500:
        error = APIError(500, SERVER_ERROR, type="server_error")
    elif status == 503:
        error = APIError(
            503, OVERLOADED, type="service_unavailable_error", code="server_is_overloaded"
        )
    else:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        kind = "server_error" if status >= 500 else "invalid_request_error"
        error = APIError(status, f"mockapi fault: HTTP {status} {reason}", type=kind)
    if fault.retry_after is not None and status != 429:
        headers.update(ratelimit.retry_headers(fault.retry_after))
    error.headers.update({**headers, **fault.headers})
    error.message = fault.message or error.message
    error.type = fault.type or error.type
    error.code = fault.code or error.code
    return error


def fault_response(
    fault: Fault, request: Request, base_headers: dict[str, str], limits: ratelimit.Limits | None
) -> Response:
    """The response a ``status`` fault sends: the real body and headers, or the fault's."""
    error = fault_error(fault, request, limits)
    headers = {**base_headers, **error.headers}
    if fault.body is not None:
        if isinstance(fault.body, str):
            headers.setdefault("content-type", "text/plain; charset=utf-8")
            return Response(error.status, headers, raw=fault.body.encode())
        return Response(error.status, headers, body=fault.body)
    if error.status == 502 and not (fault.message or fault.type or fault.code):
        headers.setdefault("content-type", "text/html")
        return Response(502, headers, raw=BAD_GATEWAY_PAGE)
    return error.response(base_headers)


def error_event(events: tuple[SSEEvent, ...], index: int) -> SSEEvent:
    """The event that tells a client its stream failed, in the stream's own dialect.

    Named streams (the Responses API's) get an ``error`` event; Chat Completions and
    the other unnamed streams a ``data: {"error": {...}}`` line, which the SDKs raise.
    """
    if any(event.event for event in events):
        sequence = index
        for event in events[:index]:
            if isinstance(event.data, dict) and isinstance(event.data.get("sequence_number"), int):
                sequence = event.data["sequence_number"] + 1
        data: dict[str, Any] = {
            "type": "error",
            "code": "server_error",
            "message": SERVER_ERROR,
            "param": None,
            "sequence_number": sequence,
        }
        return SSEEvent(data=data, event="error")
    return SSEEvent(data=APIError(500, SERVER_ERROR, type="server_error").body())


MALFORMED_EVENT = b'data: {"id": "chatcmpl-mockapi-malformed", "choices": [{"delta": {"con\n\n'
"""An event whose data is cut-off JSON (a proxy that truncated a line)."""
