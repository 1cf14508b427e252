"""What an endpoint is to mockapi: its route, its body, and how its misses are answered.

Each endpoint family (``mockapi/endpoints/<family>``) declares its endpoints as
:class:`Endpoint` rows; :mod:`mockapi.replay.router` collects them. An endpoint may carry:

* ``synthesize``: builds the answer to a request no fixture matched, when the server
  synthesizes (``--on-miss synthesize``);
* ``lookup``: answers from what the server itself created (a stored response, a
  stored chat completion), whatever ``on_miss`` says; it raises the real API's 404
  for an id the server never created, unless the server synthesizes, in which case it
  answers a well-formed object with that id (tests use fixed ids);
* ``remember``: sees every successful answer the endpoint sent (fixture, synthesis or
  plugin) so that later lookups find it (``store: true``, ``previous_response_id``);
* ``amend``: changes every successful answer the endpoint sends (fixture, synthesis,
  plugin or lookup) with what the server holds: ``GET /v1/models`` lists the models
  fine-tuning made and leaves out the deleted ones, whichever fixture lists the rest;
* ``shape``: how one recording serves both stream modes (a JSON body becomes the event
  stream the API would send, a recorded stream the JSON body) and how a hand-written
  body is completed (ids, usage). Every family that answers JSON has one (chat
  included); :func:`mockapi.replay.render.render` knows no family but through it.

Everything here is pure data and types: no I/O, no web framework.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mockapi.model import JSON, Request, Response, SSEEvent

if TYPE_CHECKING:
    from mockapi.config import Settings
    from mockapi.library.fixture import FixtureResponse
    from mockapi.state.clock import Clock
    from mockapi.state.store import StateStore


class Body(str, enum.Enum):
    """What request body an endpoint takes."""

    NONE = "none"
    JSON = "json"
    FORM = "form"
    """``multipart/form-data`` (uploads)."""
    EITHER = "either"
    """JSON or ``multipart/form-data`` (image edits)."""


@dataclass(frozen=True)
class Context:
    """What a handler knows about the request it answers."""

    request: Request
    endpoint: Endpoint
    params: Mapping[str, str]
    """The path's parameters: ``{"response_id": "resp_123"}``."""
    body: dict[str, Any]
    """The decoded request body (a JSON object, or the form's fields); ``{}`` if none."""
    seed: int
    state: StateStore
    """What the server created (files, batches, stored responses): shared by workers."""
    models: Sequence[Mapping[str, Any]]
    """The models the server lists (``GET /v1/models`` fixtures, or the built-in list)."""
    synthesize: bool
    """True when the server synthesizes misses; False when they are errors."""
    clock: Clock
    """The mock's clock: timestamps, expiry and lifecycles read it."""
    settings: Settings
    """The server's settings (file size limits, ``poll_after_ms``)."""
    base_url: str = "http://127.0.0.1:8000"
    """Scheme and host the client used (for URLs the mock serves itself)."""
    dispatch: Dispatch | None = None
    """Answers a request through the whole replay flow (validation, fixtures,
    synthesis, faults, the journal), as if a client had sent it: a batch's lines."""
    notify: Notify | None = None
    """Sends a webhook event (the body :mod:`mockapi.wire.webhooks` builds) to the
    server's webhook endpoints, without waiting; None when there are none
    (:func:`mockapi.endpoints.events.announce` sends through it)."""
    deliver: Deliver | None = None
    """Sends one webhook event to one receiver now, one attempt, and answers the
    receiver's HTTP status (0: not reached): a webhook endpoint's test delivery. None
    when the server delivers no webhooks (no web layer)."""


Dispatch = Callable[[Request], Response]
Notify = Callable[[dict[str, Any]], None]
Deliver = Callable[[str, str, dict[str, Any]], int]
"""``deliver(url, secret, event)``: the receiver's status for one signed attempt."""


Handler = Callable[[Context], "FixtureResponse"]
Remember = Callable[[Context, Response], None]
Amend = Callable[[Context, Response], Response]


class Shape(Protocol):
    """Converts one endpoint's answers between their JSON and their stream form.

    A shape may also define:

    * ``to_raw(body, request) -> tuple[bytes, str] | None``: the bytes and content type
      to answer a plain request with instead of the completed JSON body (transcripts
      asked for as ``text``, ``srt`` or ``vtt``); None answers JSON;
    * ``restream(events, request) -> tuple[SSEEvent, ...]``: the events to answer a
      stream request with when the fixture is a stream (chat fits a recording to the
      request's ``stream_options``); without it the events are sent as written;
    * ``pinned(body, request) -> bool``: whether ``complete`` gives a fixture's ``body``
      alike every time (nothing drawn fresh: ids, times); only then may the answer be
      memoized (:mod:`mockapi.replay.memo`). Without it, never.
    """

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """A hand-written fixture body with what it leaves out filled in (ids, usage)."""
        ...

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        """The stream the API sends for ``body`` (a completed body)."""
        ...

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        """The JSON body a recorded stream stands for."""
        ...


@dataclass(frozen=True)
class Endpoint:
    """A known endpoint. ``key`` names its schemas (``"POST /v1/chat/completions"``)."""

    method: str
    template: str
    body: Body = Body.NONE
    synthesize: Handler | None = field(default=None, compare=False)
    lookup: Handler | None = field(default=None, compare=False)
    remember: Remember | None = field(default=None, compare=False)
    remembers: Callable[[Any], bool] | None = field(default=None, compare=False)
    """Whether ``remember`` keeps anything of an answer to this JSON body (None: it
    may, whatever the body); a replay it would not remember may be memoized."""
    amend: Amend | None = field(default=None, compare=False)
    shape: Shape | None = field(default=None, compare=False)
    upload: int = 0
    """The most bytes of file content the endpoint takes in one request, per the API
    (``POST /v1/files``: 512 MB; an upload part: 64 MB); its body may be that large
    (within ``--max-file-size``) whatever ``--max-body-size`` says. 0: not an upload."""
    public: bool = False
    """Answered without an API key (files the mock serves itself, e.g. image URLs that
    a browser's ``<img>`` fetches with no ``Authorization`` header)."""
    write_only: tuple[str, ...] = ()
    """Body paths (the fixture ``ignore`` syntax: ``auth.token``) holding write-only
    secrets (a vault credential's): the journal keeps the redaction placeholder for them,
    never the value."""

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def has_body(self) -> bool:
        return self.body is not Body.NONE

    @property
    def pattern(self) -> re.Pattern[str]:
        escaped = re.escape(self.template)
        named = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", escaped)
        return re.compile("^" + named + "$")


FORM_OVERHEAD = 1024 * 1024
"""Room for a multipart body's other fields and boundaries around an uploaded file."""


def body_limit(endpoint: Endpoint | None, settings: Settings) -> int:
    """The largest request body ``endpoint`` takes: ``--max-body-size``, or for an
    upload its file limit (the API's, within ``--max-file-size``) plus the form's room."""
    if endpoint is None or not endpoint.upload:
        return settings.max_body_bytes
    upload = min(endpoint.upload, settings.max_file_bytes) + FORM_OVERHEAD
    return max(settings.max_body_bytes, upload)


def body_of(request: Request) -> dict[str, Any]:
    """The request's decoded body as a dict (``{}`` when it is not an object)."""
    return request.json if isinstance(request.json, dict) else {}
