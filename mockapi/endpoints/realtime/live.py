"""The Live API's HTTP routes (``client.live``; its WebSocket protocols, ``connect``,
``forks.connect`` and ``sideband.connect``, are not served), kept in the state store
(kind :data:`KIND`, never evicted):

* ``POST /v1/live/sessions`` (a ``session`` configuration and a WebRTC ``transport``
  with the caller's SDP offer): the new session's id and the SDP answer
  (:func:`mockapi.endpoints.realtime.calls.answer`);
* ``POST /v1/live/sessions/{id}/fork``: a new session carrying on from that one, with
  its own SDP answer;
* ``accept`` (a ``live`` session configuration), ``hangup``, ``refer`` (``target_uri``)
  and ``reject`` (``status_code``): the empty ``200 OK`` the Realtime API's call
  controls answer; an id the mock has not seen is taken as an incoming SIP call, and a
  session that has ended is the 404 ``call_id_not_found`` (as for realtime calls);
* ``GET /v1/live/sessions/{id}/content``: the session's recording, a WAV (24 kHz mono
  16-bit) of one second of silence: no audio ever flows through the mock.

Assumed (the Live API has no published reference in the spec): the ``live_`` prefix of
session ids, the recording's format, the 404 wordings.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.realtime import calls
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KIND = "live.sessions"
PREFIX = "live_"
RATE = 24000


def not_found(session_id: str) -> APIError:
    return APIError(404, f"Live session with id '{session_id}' not found.", param="session_id")


def _offer(ctx: Context) -> str:
    transport = ctx.body.get("transport")
    sdp = transport.get("sdp") if isinstance(transport, Mapping) else None
    if not isinstance(sdp, str) or not sdp.strip():
        raise APIError(
            400,
            "Missing required parameter: 'transport.sdp'.",
            param="transport.sdp",
            code="missing_required_parameter",
        )
    return sdp


def _start(ctx: Context, config: Any, *, forked_from: str | None = None) -> FixtureResponse:
    session_id = objects.new_id(ctx, PREFIX)
    record: dict[str, Any] = {
        "id": session_id,
        "object": "live.session",
        "status": "active",
        "created_at": ctx.clock.seconds(),
        "session": dict(config) if isinstance(config, Mapping) else {},
    }
    if forked_from is not None:
        record["forked_from"] = forked_from
    ctx.state.put(KIND, session_id, record)
    answer = calls.answer(_offer(ctx), seed=session_id)
    body = {"session": {"id": session_id}, "transport": {"type": "webrtc", "sdp": answer}}
    return FixtureResponse(body=body)


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/live/sessions``: a new WebRTC session and its SDP answer."""
    return _start(ctx, ctx.body.get("session"))


def fork(ctx: Context) -> FixtureResponse:
    """``POST /v1/live/sessions/{id}/fork``: a new session from a known one."""
    parent = _find(ctx, ctx.params["session_id"])
    config = {**parent.get("session", {}), **(ctx.body.get("session") or {})}
    return _start(ctx, config, forked_from=str(parent["id"]))


def _find(ctx: Context, session_id: str) -> dict[str, Any]:
    found = ctx.state.get(KIND, session_id)
    if not isinstance(found, dict):
        raise not_found(session_id)
    return found


def _act(ctx: Context, action: str, **details: Any) -> FixtureResponse:
    calls.act(ctx, ctx.params["session_id"], action, kind=KIND, **details)
    return calls.ok()


def accept(ctx: Context) -> FixtureResponse:
    return _act(ctx, "active", session=dict(ctx.body.get("session") or {}))


def hangup(ctx: Context) -> FixtureResponse:
    return _act(ctx, "ended")


def refer(ctx: Context) -> FixtureResponse:
    return _act(ctx, "referred", target_uri=str(ctx.body.get("target_uri", "")))


def reject(ctx: Context) -> FixtureResponse:
    return _act(ctx, "rejected", status_code=ctx.body.get("status_code"))


def recording(ctx: Context) -> FixtureResponse:
    """The session's recording: one second of silence."""
    _find(ctx, ctx.params["session_id"])
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(b"\x00\x00" * RATE)
    return FixtureResponse(headers={"content-type": "audio/wav"}, raw=out.getvalue())


_ONE = "/v1/live/sessions/{session_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/live/sessions", body=Body.JSON, lookup=create),
    Endpoint("POST", _ONE + "/fork", body=Body.JSON, lookup=fork),
    Endpoint("POST", _ONE + "/accept", body=Body.JSON, lookup=accept),
    Endpoint("POST", _ONE + "/hangup", lookup=hangup),
    Endpoint("POST", _ONE + "/refer", body=Body.JSON, lookup=refer),
    Endpoint("POST", _ONE + "/reject", body=Body.JSON, lookup=reject),
    Endpoint("GET", _ONE + "/content", lookup=recording),
)
