"""Rendering: a fixture's response (or a synthesized body) into the response to send.

This is where one fixture serves both modes, for every family through its endpoint's
:class:`~mockapi.endpoints.endpoint.Shape`: a JSON body is completed (ids, usage, …)
and, for a ``stream: true`` request, turned into the stream the real API would send; a
recorded stream answers a ``stream: false`` request with the body it adds up to, and a
stream request with its events (fitted to the request by the shape's ``restream``, when
it has one). Errors are JSON in both modes. Pure: no I/O, no web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mockapi.endpoints.endpoint import Shape
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Request, Response
from mockapi.wire.headers import base_headers

__all__ = ["render"]


def render(
    answer: FixtureResponse,
    request: Request,
    *,
    seed: int = 0,
    shape: Shape | None = None,
) -> Response:
    """The response to send for ``answer`` given what ``request`` asked for.

    A templated answer is rendered first (``seed``, the server's, seeds its ``faker``)
    and then goes on like a literal one; a failing template raises ``TemplateError``
    (an ``APIError``: a 500 of type ``mockapi_template_error``). A successful answer is
    completed and converted between stream modes by the endpoint's ``shape``, when it
    has one (a fixture it cannot serve raises its ``APIError``), else answered as
    written.
    """
    if answer.template is not None:
        body, rendered = answer.template.render(request, seed=seed)
        answer = replace(answer, body=body, events=rendered, template=None)
    headers = {**base_headers(), **answer.headers}
    if answer.raw is not None:
        return Response(answer.status, headers, raw=answer.raw)
    if answer.status >= 400:
        # Errors are JSON even for stream requests, as the real API answers them.
        return Response(answer.status, headers, body=answer.body)
    if shape is not None:
        return _shaped(answer, request, shape, headers)
    if answer.events is not None:
        return Response(answer.status, headers, events=answer.events)
    return Response(answer.status, headers, body=answer.body)


def _shaped(
    answer: FixtureResponse, request: Request, shape: Shape, headers: Mapping[str, str]
) -> Response:
    body = request.json if isinstance(request.json, dict) else {}
    if answer.events is not None:
        if request.wants_stream:
            restream = getattr(shape, "restream", None)
            events = answer.events if restream is None else restream(answer.events, body)
            return Response(answer.status, headers, events=events)
        completed = shape.complete(shape.from_events(answer.events, body), body)
        return _body_or_raw(answer.status, headers, shape, completed, body)
    completed = shape.complete(answer.body, body)
    if request.wants_stream:
        return Response(answer.status, headers, events=shape.to_events(completed, body))
    return _body_or_raw(answer.status, headers, shape, completed, body)


def _body_or_raw(
    status: int, headers: Mapping[str, str], shape: Shape, completed: Any, body: dict[str, Any]
) -> Response:
    """The JSON body, or what the shape's optional ``to_raw(body, request)`` makes of it:
    ``(bytes, content_type)`` for answers in another media type (transcripts asked for
    as ``text``, ``srt`` or ``vtt``), None to answer JSON."""
    to_raw = getattr(shape, "to_raw", None)
    raw = to_raw(completed, body) if to_raw is not None else None
    if raw is not None:
        data, media_type = raw
        return Response(status, {**headers, "content-type": media_type}, raw=data)
    return Response(status, headers, body=completed)
