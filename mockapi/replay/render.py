"""Rendering: a fixture's response (or a synthesized body) into the response to send.

For Chat Completions this is where one fixture serves both modes: a JSON body is
completed (ids, usage, …) and, for a ``stream: true`` request, turned into the chunk
stream the real API would send; a recorded stream answers a ``stream: false`` request
with the reassembled completion. ``stream_options.include_usage`` adds or drops the
final usage chunk. Pure: no I/O, no web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mockapi.endpoints.chat import stream as streaming
from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.endpoint import Kind, Shape
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Request, Response, SSEEvent
from mockapi.wire import ids
from mockapi.wire.headers import base_headers

DONE = SSEEvent(data="[DONE]")
__all__ = ["DONE", "Kind", "render"]


def render(
    answer: FixtureResponse,
    request: Request,
    kind: Kind,
    *,
    seed: int = 0,
    shape: Shape | None = None,
) -> Response:
    """The response to send for ``answer`` given what ``request`` asked for.

    A templated answer is rendered first (``seed``, the server's, seeds its ``faker``)
    and then goes on like a literal one; a failing template raises ``TemplateError``
    (an ``APIError``: a 500 of type ``mockapi_template_error``). Endpoints other than
    Chat Completions are completed and converted between stream modes by their
    ``shape``, when they have one, else answered as written.
    """
    if answer.template is not None:
        body, rendered = answer.template.render(request, seed=seed)
        answer = replace(answer, body=body, events=rendered, template=None)
    headers = {**base_headers(), **answer.headers}
    if answer.raw is not None:
        return Response(answer.status, headers, raw=answer.raw)
    if shape is not None and kind is not Kind.CHAT and answer.status < 400:
        return _shaped(answer, request, shape, headers)
    if kind is not Kind.CHAT or answer.status >= 400:
        # Errors are JSON even for stream requests, as the real API answers them.
        if answer.events is not None and answer.status < 400:
            return Response(answer.status, headers, events=answer.events)
        return Response(answer.status, headers, body=answer.body)
    body = request.json if isinstance(request.json, dict) else {}
    if answer.events is not None:
        return _from_events(answer, body, request.wants_stream, headers)
    completion = answer.body if _as_recorded(answer.body) else chat.complete(answer.body, body)
    if not request.wants_stream:
        return Response(answer.status, headers, body=completion)
    chunks = streaming.completion_to_chunks(
        completion,
        include_usage=_include_usage(body),
        obfuscation=streaming.wants_obfuscation(body),
    )
    events = (*(SSEEvent(data=c) for c in chunks), DONE)
    return Response(answer.status, headers, events=events)


def _shaped(
    answer: FixtureResponse, request: Request, shape: Shape, headers: Mapping[str, str]
) -> Response:
    body = request.json if isinstance(request.json, dict) else {}
    if answer.events is not None:
        if request.wants_stream:
            return Response(answer.status, headers, events=answer.events)
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


def _from_events(
    answer: FixtureResponse, body: dict[str, Any], wants_stream: bool, headers: Mapping[str, str]
) -> Response:
    assert answer.events is not None
    data_events = [e for e in answer.events if not e.is_done]
    chunks = [e.data for e in data_events if isinstance(e.data, dict)]
    if not chunks:
        raise APIError(
            500,
            "The fixture's stream has no chat.completion.chunk events (JSON objects) to "
            "answer with; give its events as chunk objects followed by [DONE].",
            type="server_error",
        )
    _fill_chunk_identity(chunks, body)
    if not wants_stream:
        completion = chat.complete(streaming.chunks_to_completion(chunks), body)
        return Response(answer.status, headers, body=completion)
    usage = None
    if _include_usage(body) and not any(_is_usage_chunk(c) for c in chunks):
        usage = chat.usage_for(body, streaming.chunks_to_completion(chunks).get("choices"))
    adapted = streaming.adapt_usage_chunks(chunks, include_usage=_include_usage(body), usage=usage)
    delays = [e.delay for e in data_events if isinstance(e.data, dict)]
    events = [
        SSEEvent(data=chunk, delay=delays[i] if i < len(delays) else 0.0)
        for i, chunk in enumerate(adapted)
    ]
    tail = next((e for e in answer.events if e.is_done), DONE)
    return Response(answer.status, headers, events=(*events, tail))


def _fill_chunk_identity(chunks: list[Any], body: dict[str, Any]) -> None:
    """Give hand-written chunks the shared id/created/model a real stream has."""
    if not chunks:
        return
    first = chunks[0]
    shared = {
        "id": first.get("id") or ids.chat_completion_id(),
        "object": "chat.completion.chunk",
        "created": first.get("created") or chat.now(),
        "model": first.get("model") or body.get("model", "gpt-4o-mini"),
    }
    for index, chunk in enumerate(chunks):
        filled = {key: chunk.get(key, value) for key, value in shared.items()}
        if chunk.keys() >= shared.keys():
            continue
        chunks[index] = {**filled, **chunk}


def _as_recorded(body: Any) -> bool:
    """A body with its own id, object and usage is a recording: served exactly as it is."""
    return isinstance(body, dict) and {"id", "object", "usage"} <= body.keys()


def _include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _is_usage_chunk(chunk: Any) -> bool:
    return isinstance(chunk, dict) and chunk.get("choices") == [] and bool(chunk.get("usage"))
