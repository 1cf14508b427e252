"""The data that flows through mockapi: requests, responses and SSE events.

Everything here is plain, immutable data. Nothing in this module knows Starlette, the
disk or any other part of mockapi: the web layer turns a Starlette request into a
:class:`Request` at the door and a :class:`Response` back into bytes on the way out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = Any
"""A decoded JSON value (dict, list, str, int, float, bool or None)."""


@dataclass(frozen=True)
class FilePart:
    """One uploaded file of a ``multipart/form-data`` body (``file=@speech.wav``)."""

    name: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)

    def describe(self) -> str:
        """How the file stands in the decoded body: matchable (two different files never
        describe alike), readable, and without the bytes themselves."""
        digest = hashlib.sha256(self.data).hexdigest()[:16]
        return (
            f"<file {self.filename} ({self.content_type}, {len(self.data)} bytes, sha256:{digest})>"
        )


@dataclass(frozen=True)
class Request:
    """An HTTP request as mockapi sees it.

    ``path`` is the URL path as sent (``/v1/chat/completions``); ``headers`` has
    lower-cased names. ``json`` is the decoded body when the body was valid JSON, else
    ``None`` (``json_error`` then says why, if there was a body at all). For a
    ``multipart/form-data`` body, ``json`` holds the form's fields as a dict (each
    file as its :meth:`FilePart.describe` string) and ``files`` the uploads.
    """

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    json: JSON = None
    json_error: str | None = None
    files: tuple[FilePart, ...] = ()

    @property
    def wants_stream(self) -> bool:
        """True when the JSON body asks for ``stream: true``."""
        return isinstance(self.json, dict) and self.json.get("stream") is True

    @property
    def is_form(self) -> bool:
        """True for a ``multipart/form-data`` body."""
        return self.headers.get("content-type", "").lower().startswith("multipart/form-data")


@dataclass(frozen=True)
class SSEEvent:
    """One server-sent event.

    ``data`` is the payload: a decoded JSON value, or a string for non-JSON payloads
    such as ``[DONE]``. ``event`` is the optional ``event:`` field (the Responses API
    names its events; Chat Completions does not). ``delay`` is the pause, in seconds,
    before the event is sent, as recorded or as written in a fixture.
    """

    data: JSON
    event: str | None = None
    delay: float = 0.0

    @property
    def is_done(self) -> bool:
        return isinstance(self.data, str) and self.data == "[DONE]"


class LiveEvents(tuple[SSEEvent, ...]):
    """The events of a stream that goes on after its answer has begun: the events known
    now, then those ``follow()`` yields as they happen (blocking while it waits, so the
    web layer iterates it off its event loop; a ``None`` now and then says "nothing yet",
    so a client gone is noticed between waits). An agent session's event stream is one:
    it is opened before the input whose turn it carries is posted."""

    follow: Callable[[], Iterator[SSEEvent | None]]

    def __new__(
        cls, first: Iterable[SSEEvent], follow: Callable[[], Iterator[SSEEvent | None]]
    ) -> LiveEvents:
        made = super().__new__(cls, first)
        made.follow = follow
        return made


@dataclass(frozen=True)
class Response:
    """An HTTP response: a status, headers and exactly one kind of body.

    ``body`` is a JSON value to serialise; ``events`` a list of SSE events to stream;
    ``raw`` literal bytes (for non-JSON answers). ``headers`` never carries
    ``content-type`` for JSON or SSE bodies: the web layer sets the right one.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: JSON = None
    events: tuple[SSEEvent, ...] | None = None
    raw: bytes | None = None
