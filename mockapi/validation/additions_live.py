"""The Live API's HTTP operations the spec lacks, for :func:`mockapi.validation.additions.extend`.

``client.live`` (openai 3.63) creates a WebRTC session (``POST /live/sessions``), forks
one, controls it (accept, hangup, refer, reject) and downloads its recording; the spec
declares none of it. Written from the SDK's types (``types/live/live_create_*.py``,
``session_*_params.py``, ``session_fork_response.py``); the session configuration itself
(``MediaSessionConfigParam``, dozens of nested types) is taken as any object whose
``type`` and ``model`` are strings, as the SDK requires them.
"""

from __future__ import annotations

from typing import Any

from mockapi.validation.additions import INT, STR, Operation, enum, obj, ref

WHY = (
    "mockapi: not in the OpenAI spec; written from the official SDK's types "
    "(openai-python 3.63, client.live: types/live/live_create_*.py, session_*_params.py)"
)
_TRANSPORT = obj(("sdp", "type"), sdp=STR, type=enum("webrtc"))
_CONFIG: dict[str, Any] = {"type": "object", "properties": {"type": STR, "model": STR}}
COMPONENTS: dict[str, Any] = {
    "LiveTransport": _TRANSPORT,
    "LiveSessionConfig": _CONFIG,
    "LiveCreateRequest": obj(
        ("session", "transport"), session=ref("LiveSessionConfig"), transport=ref("LiveTransport")
    ),
    "LiveForkRequest": obj(
        ("transport",), session={"type": "object"}, transport=ref("LiveTransport")
    ),
    "LiveSessionStarted": obj(
        ("session", "transport"),
        session=obj(("id",), id=STR),
        transport=ref("LiveTransport"),
    ),
    "LiveAcceptRequest": obj(("session",), session={**_CONFIG, "required": ["model", "type"]}),
    "LiveReferRequest": obj(("target_uri",), target_uri=STR),
    "LiveRejectRequest": obj(("status_code",), status_code=INT),
}
_ONE = "/live/sessions/{session_id}"
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST", "/live/sessions", WHY, request="LiveCreateRequest", response="LiveSessionStarted"
    ),
    Operation(
        "POST", _ONE + "/fork", WHY, request="LiveForkRequest", response="LiveSessionStarted"
    ),
    Operation("POST", _ONE + "/accept", WHY, request="LiveAcceptRequest"),
    Operation("POST", _ONE + "/hangup", WHY),
    Operation("POST", _ONE + "/refer", WHY, request="LiveReferRequest"),
    Operation("POST", _ONE + "/reject", WHY, request="LiveRejectRequest"),
    Operation("GET", _ONE + "/content", WHY),
)
TARGETS = (
    ("POST", "/live/sessions", "live.create"),
    ("POST", _ONE + "/fork", "live.sessions.fork"),
    ("POST", _ONE + "/accept", "live.sessions.accept"),
    ("POST", _ONE + "/hangup", "live.sessions.hangup"),
    ("POST", _ONE + "/refer", "live.sessions.refer"),
    ("POST", _ONE + "/reject", "live.sessions.reject"),
    ("GET", _ONE + "/content", "live.sessions.download_recording"),
)
"""The derive rows (method, path, stem) of these operations."""
