"""How one Chat Completions fixture serves both ``stream: true`` and ``stream: false``.

:data:`SHAPE` is the :class:`~mockapi.endpoints.endpoint.Shape` of
``POST /v1/chat/completions``:

* a hand-written body is completed (ids, ``created``, ``usage`` counted with the
  model's tokenizer, ...: :func:`mockapi.endpoints.chat.synthesis.complete`); a body
  with its own ``id``, ``object`` and ``usage`` is a recording and is served exactly as
  it is;
* for a stream request the completed body becomes the chunk stream the API sends
  (:func:`~mockapi.endpoints.chat.stream.completion_to_chunks`), with the usage chunk
  when ``stream_options.include_usage`` asks for it and the ``obfuscation`` padding
  unless the request opts out;
* a recorded (or hand-written) chunk stream answers a plain request with the completion
  it adds up to, and a stream request with its chunks made to fit the request
  (:meth:`ChatShape.restream`): hand-written chunks get the shared ``id``, ``created``
  and ``model`` of a real stream, and the usage chunk is dropped or added (with counted
  usage) as ``include_usage`` says. A recorded stream's delays and its ``[DONE]`` are
  kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.chat import stream, synthesis
from mockapi.errors import APIError
from mockapi.model import JSON, SSEEvent
from mockapi.wire import durations, ids
from mockapi.wire.usage import include_usage, is_usage_chunk

_DONE = SSEEvent(data="[DONE]")


class ChatShape:
    """Converts ``chat.completion`` answers between their JSON and their chunk stream."""

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """``body`` completed as a ``chat.completion``; a recording is kept as it is."""
        if _as_recorded(body):
            return body
        completed: JSON = synthesis.complete(body, request)
        return completed

    def pinned(self, body: JSON, request: Mapping[str, Any]) -> bool:
        """Whether :meth:`complete` gives ``body`` alike every time: it names its own id
        and creation time (a recording does), which would otherwise be drawn fresh."""
        return isinstance(body, dict) and "id" in body and "created" in body

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        """The chunks the API streams for ``body`` (a completed body), then ``[DONE]``."""
        if not isinstance(body, dict):
            raise _fixture_error(f"a chat.completion body is an object, got {body!r:.200}")
        try:
            chunks = stream.completion_to_chunks(
                body,
                include_usage=include_usage(request),
                obfuscation=stream.wants_obfuscation(request),
            )
        except ValueError as exc:
            raise _fixture_error(str(exc)) from None
        return (*(SSEEvent(data=chunk) for chunk in chunks), _DONE)

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        """The completed ``chat.completion`` a chunk stream adds up to.

        It is completed here (its usage counted when the stream had none), so
        :meth:`complete` keeps it as it is.
        """
        chunks = _identified(_chunk_events(events), request)
        completed: JSON = synthesis.complete(stream.chunks_to_completion(chunks), request)
        return completed

    def restream(
        self, events: Sequence[SSEEvent], request: Mapping[str, Any]
    ) -> tuple[SSEEvent, ...]:
        """A chunk stream made to fit a stream request (see the module docstring)."""
        data_events = _chunk_events(events)
        chunks = _identified(data_events, request)
        wanted = include_usage(request)
        usage = None
        if wanted and not any(is_usage_chunk(chunk) for chunk in chunks):
            choices = stream.chunks_to_completion(chunks).get("choices")
            usage = synthesis.usage_for(dict(request), choices)
        adapted = stream.adapt_usage_chunks(chunks, include_usage=wanted, usage=usage)
        delays = [event.delay for event in data_events]
        out = [
            SSEEvent(data=chunk, delay=delays[i] if i < len(delays) else 0.0)
            for i, chunk in enumerate(adapted)
        ]
        tail = next((event for event in events if event.is_done), _DONE)
        return (*out, tail)


SHAPE = ChatShape()


def _chunk_events(events: Sequence[SSEEvent]) -> list[SSEEvent]:
    """The events whose data is a chunk object; raises the fixture's 500 when none is."""
    found = [event for event in events if not event.is_done and isinstance(event.data, dict)]
    if not found:
        raise APIError(
            500,
            "The fixture's stream has no chat.completion.chunk events (JSON objects) to "
            "answer with; give its events as chunk objects followed by [DONE].",
            type="server_error",
        )
    return found


def _identified(events: Sequence[SSEEvent], request: Mapping[str, Any]) -> list[stream.Chunk]:
    """The events' chunks, each with the shared id/created/model a real stream has.

    Hand-written chunks often leave these out; the first chunk's values (or fresh ones)
    fill them in, and a chunk that has all four is kept as it is.
    """
    chunks: list[stream.Chunk] = [event.data for event in events if isinstance(event.data, dict)]
    first = chunks[0]
    shared = {
        "id": first.get("id") or ids.chat_completion_id(),
        "object": "chat.completion.chunk",
        "created": first.get("created") or durations.now(),
        "model": first.get("model") or request.get("model", "gpt-4o-mini"),
    }
    for index, chunk in enumerate(chunks):
        if chunk.keys() >= shared.keys():
            continue
        filled = {key: chunk.get(key, value) for key, value in shared.items()}
        chunks[index] = {**filled, **chunk}
    return chunks


def _as_recorded(body: Any) -> bool:
    """A body with its own id, object and usage is a recording: served exactly as it is."""
    return isinstance(body, dict) and {"id", "object", "usage"} <= body.keys()


def _fixture_error(problem: str) -> APIError:
    return APIError(
        500,
        f"The fixture cannot answer POST /v1/chat/completions: {problem}. Give a body with "
        "a 'choices' list ({message: {...}} objects), or events whose data are "
        "chat.completion.chunk objects followed by [DONE].",
        type="server_error",
    )
