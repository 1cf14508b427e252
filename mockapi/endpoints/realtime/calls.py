"""Realtime calls: a WebRTC call's SDP exchange and the control of a call (accept,
hang up, refer, reject), kept in the state store (kind :data:`KIND`, never evicted).

* ``POST /v1/realtime/calls`` takes the caller's SDP offer (the ``sdp`` field of a
  multipart form with an optional ``session``, or a bare ``application/sdp`` body for a
  client authenticated with an ephemeral key) and answers ``201 Created`` with an SDP
  answer (``application/sdp``) and the call's URL in ``Location``
  (``/v1/realtime/calls/rtc_...``). The answer mirrors the offer's media sections
  (each ``m=`` line's kind and ``a=mid``) with fixed ICE credentials, fingerprint and
  candidates, as the reference's example does; no media ever flows.
* ``accept`` (a session configuration, ``type`` ``realtime``), ``hangup``, ``refer``
  (``target_uri``) and ``reject`` (``status_code``, 603 Decline by default) answer
  ``200 OK`` with no body, as the API does.

A SIP call reaches the real API from a phone network and is announced by a
``realtime.call.incoming`` webhook; the mock has no phone network, so a call id it has
not seen is taken as such an incoming call, ringing (assumed: the API answers 200 to
these requests, even for a session it later fails to start, as its users report).
What the mock refuses (assumed, modelled on the ``call_id_not_found`` code the
Realtime API gives for a call that is gone): any request on a call that has ended (hung
up, rejected or referred away), 404.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.realtime import sessions
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KIND = "realtime.calls"
PREFIX = "rtc_"
ENDED = ("ended", "rejected", "referred")
DECLINE = 603
_MEDIA = re.compile(r"^m=(\w+) ", re.MULTILINE)
_MID = re.compile(r"^a=mid:(\S+)", re.MULTILINE)
_SESSION_ID = "sess_"


def gone(call_id: str) -> APIError:
    """The 404 for a call that has ended (or that the mock has been told is gone)."""
    return APIError(
        404,
        f"Call '{call_id}' not found: it has ended. Start or accept a new call.",
        param="call_id",
        code="call_id_not_found",
    )


def create(ctx: Context, offer: str, config: Mapping[str, Any] | None) -> tuple[str, str]:
    """A new WebRTC call for ``offer``: its id and the SDP answer."""
    call_id = objects.new_id(ctx, PREFIX)
    session = _session(ctx, config or {"type": "realtime"})
    record = {
        "id": call_id,
        "object": "realtime.call",
        "transport": "webrtc",
        "status": "active",
        "created_at": ctx.clock.seconds(),
        "session": session,
    }
    ctx.state.put(KIND, call_id, record)
    return call_id, answer(offer, seed=call_id)


def _session(ctx: Context, config: Mapping[str, Any]) -> dict[str, Any]:
    return sessions.realtime(config, session_id=objects.new_id(ctx, _SESSION_ID), expires_at=0)


def answer(offer: str, *, seed: str) -> str:
    """An SDP answer to ``offer``: one media section per offered one, in its order."""
    kinds = _MEDIA.findall(offer) or ["audio", "application"]
    mids = _MID.findall(offer) or [str(n) for n in range(len(kinds))]
    number = int.from_bytes(seed.encode()[-4:], "big") % 4_000_000_000
    fingerprint = ":".join(f"{(number >> (n % 24)) & 0xFF:02X}" for n in range(32))
    lines = [
        "v=0",
        f"o=- {number} {number} IN IP4 127.0.0.1",
        "s=-",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=group:BUNDLE " + " ".join(mids[: len(kinds)]),
        "a=msid-semantic:WMS *",
        f"a=fingerprint:sha-256 {fingerprint}",
    ]
    for kind, mid in zip(kinds, mids, strict=False):
        if kind == "application":
            lines += ["m=application 9 UDP/DTLS/SCTP webrtc-datachannel", f"a=mid:{mid}"]
            lines += ["a=sctp-port:5000"]
            continue
        lines += [f"m={kind} 9 UDP/TLS/RTP/SAVPF 111", f"a=mid:{mid}", "a=ice-ufrag:mockapi"]
        lines += ["a=ice-pwd:mockapimockapimockapimock", "a=setup:active", "a=rtcp-mux"]
        lines += ["a=rtpmap:111 opus/48000/2"]
        lines += ["a=candidate:1 1 udp 2130706431 127.0.0.1 3478 typ host"]
    return "\r\n".join(lines) + "\r\n"


def act(
    ctx: Context, call_id: str, action: str, *, kind: str = KIND, **details: Any
) -> dict[str, Any]:
    """Record ``action`` (active, ended, referred, rejected) on the call (kept in
    ``kind``: a Live session is controlled alike), taking an unknown id for a ringing SIP
    call; a call that has ended is the 404."""
    found = ctx.state.get(kind, call_id)
    if isinstance(found, dict) and found.get("status") in ENDED:
        raise gone(call_id)
    record = dict(found) if isinstance(found, dict) else _incoming(ctx, call_id)
    record.update(details)
    record["status"] = action
    ctx.state.put(kind, call_id, record)
    return record


def ok() -> FixtureResponse:
    """The API's ``200 OK`` with no body (what a call control answers)."""
    return FixtureResponse(status=200, headers={"content-type": "application/json"}, raw=b"")


def accept(ctx: Context, call_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Accept the call with the session ``config``."""
    return act(ctx, call_id, "active", session=_session(ctx, config))


def _incoming(ctx: Context, call_id: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "object": "realtime.call",
        "transport": "sip",
        "status": "ringing",
        "created_at": ctx.clock.seconds(),
    }
