"""The Responses API over a WebSocket (``client.responses.connect()``): the protocol, pure.

One connection to ``/v1/responses`` carries many responses, one after another. The client
sends JSON text messages, the server answers with JSON text messages:

* ``response.create``: the ``POST /v1/responses`` body plus the WebSocket-only envelope
  (``type``, ``stream_id``). It is answered exactly as that request with ``stream: true``
  would be: :func:`http_request` builds it, the replayer answers it, and
  :meth:`Session.answer` turns the answer into messages, each SSE event's data as one
  message (``stream_id`` echoed when the client gave one), an HTTP error as the protocol's
  ``error`` event (``{"type": "error", "status", "error": {...}}``).
* ``response.steer``: user input queued for a continuation of a response created on this
  connection (:mod:`~mockapi.endpoints.responses.steer`).

The connection keeps its latest response in memory, so that the next turn chains from
it with ``previous_response_id`` even when it was not stored (``store: false``), as the
real API's connection-local cache does; an older unstored response is not found.

Anything else is answered with an ``error`` event; the connection stays open, as the real
API keeps it open after a bad message.

Pure: no I/O, no web framework; :mod:`mockapi.web.websocket` carries the messages.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mockapi import errors
from mockapi.endpoints.responses.items import input_items, raw_items
from mockapi.endpoints.responses.kinds import STORED
from mockapi.endpoints.responses.steer import Steering
from mockapi.errors import APIError
from mockapi.model import JSON, Request, Response
from mockapi.state.store import StateStore
from mockapi.wire import azure, credentials, jsonbody

PATH = "/v1/responses"
"""Where the SDK opens the socket (the client's base URL + ``/responses``)."""
CREATE = "response.create"
STEER = "response.steer"
CLIENT_EVENTS = (CREATE, STEER)
_ENVELOPE = ("type", "stream_id")
_HANDSHAKE_ONLY = ("upgrade", "connection", "content-length", "transfer-encoding")


@dataclass(frozen=True)
class Create:
    """A ``response.create`` event: the ``POST /v1/responses`` body it stands for."""

    body: dict[str, Any]
    stream_id: str | None = None


@dataclass(frozen=True)
class Message:
    """One server message: a JSON object, sent after ``delay`` seconds (as recorded)."""

    data: dict[str, Any]
    delay: float = 0.0


def handshake_error(request: Request, api_keys: Collection[str]) -> APIError | None:
    """Why the WebSocket handshake ``request`` is refused, or None to accept it.

    The handshake is an HTTP ``GET``: the real API answers a missing or wrong key with
    the same 401 (and JSON body) as any HTTP request, before the upgrade. Azure OpenAI's
    URL shapes (``/openai/v1/responses``, ``/openai/deployments/D/responses``) are
    accepted as they are for HTTP.
    """
    try:
        mapped = azure.to_openai(request)
    except APIError as exc:
        return exc
    if mapped.path.rstrip("/") != PATH:
        return errors.invalid_url("GET", request.path)
    return credentials.key_error(mapped.headers, api_keys)


def parse(message: str | bytes) -> Create | dict[str, Any] | APIError:
    """A client message as a :class:`Create`, a ``response.steer`` event (a dict), or the
    :class:`APIError` that the ``error`` event answering it carries."""
    try:
        event = jsonbody.loads(message)  # as strict as an HTTP body
    except jsonbody.NotJSON as exc:
        return errors.invalid_json(f"the WebSocket message is not JSON: {exc}")
    if not isinstance(event, dict):
        return APIError(
            400,
            f"Invalid WebSocket message: expected a JSON object with a 'type', got "
            f"{type(event).__name__}. Send {{'type': 'response.create', ...}}.",
            code="invalid_value",
        )
    kind = event.get("type")
    if kind is None:
        return errors.missing_parameter("type")
    if kind not in CLIENT_EVENTS:
        supported = " and ".join(f"'{name}'" for name in CLIENT_EVENTS)
        return APIError(
            400,
            f"Invalid value: {json.dumps(kind)}. Supported values are: {supported}.",
            param="type",
            code="invalid_value",
        )
    if kind == STEER:
        return event
    if event.get("background") is True:
        return APIError(
            400,
            "background is not supported over WebSocket: a response.create is always "
            "answered on the socket. Leave background out, or use POST /v1/responses.",
            param="background",
        )
    stream_id = event.get("stream_id")
    body = {key: value for key, value in event.items() if key not in _ENVELOPE}
    # The socket is the stream: `stream` is implicit, whatever the client sent.
    body["stream"] = True
    return Create(body, stream_id if isinstance(stream_id, str) else None)


def http_request(create: Create, handshake: Request) -> Request:
    """The ``POST`` request ``create`` stands for, with the handshake's headers (the API
    key) and query (Azure's ``api-version``), to the handshake's path."""
    headers = {k: v for k, v in handshake.headers.items() if not _websocket_header(k)}
    headers["content-type"] = "application/json"
    body = json.dumps(create.body).encode()
    return Request("POST", handshake.path.rstrip("/"), headers, handshake.query, body, create.body)


def _websocket_header(name: str) -> bool:
    return name in _HANDSHAKE_ONLY or name.startswith("sec-websocket-")


def error_event(error: APIError, stream_id: str | None = None) -> dict[str, Any]:
    """The protocol's ``error`` event for ``error``."""
    body = error.body().get("error")
    details = body if isinstance(body, dict) else {"message": error.message}
    return _error(error.status, details, stream_id)


def _error(status: int, details: Mapping[str, Any], stream_id: str | None) -> dict[str, Any]:
    error = dict(details)
    error.setdefault("type", errors.INVALID_REQUEST if status < 500 else "server_error")
    error.setdefault("message", f"The request failed with HTTP status {status}.")
    event: dict[str, Any] = {"type": "error", "status": status, "error": error}
    if stream_id is not None:
        event["stream_id"] = stream_id
    return event


@dataclass
class Session:
    """One connection's state: the responses created on it and the steering queued.

    ``answer`` is called with each ``response.create`` and what the replayer answered;
    ``steer`` with each ``response.steer``. Both return the messages to send, in order.

    The connection also keeps its latest response in memory, as the real API does, so
    that a turn can chain from it with ``previous_response_id`` even with ``store:
    false``: :meth:`lend` puts it where the replayer looks for kept responses for the
    time of one request. An error event evicts it.
    """

    steering: Steering = field(default_factory=Steering)
    latest: tuple[str, dict[str, Any]] | None = None

    def prepare(self, create: Create) -> Create:
        """``create`` with the steering input queued for its ``previous_response_id``
        prepended to its input, in submission order (the API's rule)."""
        previous = create.body.get("previous_response_id")
        if not isinstance(previous, str):
            return create
        queued = self.steering.queued_input(previous)
        if not queued:
            return create
        body = {**create.body, "input": [*queued, *_items(create.body.get("input"))]}
        return replace(create, body=body)

    def lend(self, create: Create, state: StateStore) -> str | None:
        """Put the latest response into ``state`` when ``create`` chains from it and the
        server did not keep it; returns its id, for the caller to delete after the
        request, or None when nothing was lent."""
        if self.latest is None or create.body.get("previous_response_id") != self.latest[0]:
            return None
        latest_id, entry = self.latest
        if state.get(STORED, latest_id) is not None:
            return None
        state.put(STORED, latest_id, entry)
        return latest_id

    def answer(self, create: Create, response: Response, state: StateStore) -> list[Message]:
        """The messages answering ``create``, which the replayer answered ``response``
        (``state``: the kept responses, the lent one included)."""
        previous = create.body.get("previous_response_id")
        messages = _messages(response, create.stream_id)
        final = next((m.data for m in reversed(messages) if _is_final(m.data)), None)
        if final is not None:
            self.steering.track(final, create.body, create.stream_id)
            self.latest = _kept(final["response"], create.body, state)
        else:
            self.latest = None
        if isinstance(previous, str):
            failed = response.status >= 400 or final is None
            messages += [Message(e) for e in self.steering.settle(previous, failed=failed)]
        return messages

    def steer(self, event: Mapping[str, Any]) -> list[Message]:
        """The messages answering a ``response.steer`` event."""
        return [Message(data) for data in self.steering.steer(event)]


def _kept(
    response: dict[str, Any], request: Mapping[str, Any], state: StateStore
) -> tuple[str, dict[str, Any]] | None:
    """A response as :func:`mockapi.endpoints.responses.routes.remember` keeps it: with its input
    and the conversation before it."""
    if not isinstance(response.get("id"), str):
        return None
    history: list[Any] = []
    previous = request.get("previous_response_id")
    before = state.get(STORED, previous) if isinstance(previous, str) else None
    if isinstance(before, dict):
        output = before["response"].get("output") or []
        history = [*before["history"], *before["items"], *output]
    entry = {
        "response": response,
        "pending": None,
        "items": raw_items(request),
        "input": input_items(request),
        "history": history,
    }
    return response["id"], entry


def _items(given: JSON) -> list[Any]:
    if isinstance(given, str):
        return [{"type": "message", "role": "user", "content": given}]
    return list(given) if isinstance(given, list) else []


def _is_final(data: Mapping[str, Any]) -> bool:
    kind = data.get("type")
    done = kind in ("response.completed", "response.incomplete", "response.failed")
    return done and isinstance(data.get("response"), dict)


def _messages(response: Response, stream_id: str | None) -> list[Message]:
    """The replayer's answer as server messages."""
    if response.status >= 400 or response.events is None:
        body = response.body
        details = body.get("error") if isinstance(body, dict) else None
        if not isinstance(details, dict):
            # Azure's own error shape, or an answer that is not an event stream.
            message = body.get("message") if isinstance(body, dict) else None
            details = {"message": message or _not_a_stream(response)}
        status = response.status if response.status >= 400 else 500
        return [Message(_error(status, details, stream_id))]
    out: list[Message] = []
    for event in response.events:
        if not isinstance(event.data, dict):
            continue  # `[DONE]` and other non-JSON payloads have no WebSocket form
        data = dict(event.data)
        if data.get("type") == "error" and not isinstance(data.get("error"), dict):
            data = _stream_error(data)
        if stream_id is not None:
            data["stream_id"] = stream_id
        out.append(Message(data, event.delay))
    return out


def _stream_error(data: Mapping[str, Any]) -> dict[str, Any]:
    """An SSE stream's ``error`` event (code, message, param at the top) in the
    WebSocket's shape (an ``error`` object)."""
    details = {key: data.get(key) for key in ("code", "message", "param")}
    details["type"] = "server_error"
    event: dict[str, Any] = {"type": "error", "error": details}
    if isinstance(data.get("sequence_number"), int):
        event["sequence_number"] = data["sequence_number"]
    return event


def _not_a_stream(response: Response) -> str:
    return (
        f"mockapi: the answer to this response.create (HTTP {response.status}) is not a "
        "Responses event stream, so it cannot be sent over the WebSocket. Check the "
        "fixture that answered it."
    )
