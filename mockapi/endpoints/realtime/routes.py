"""The Realtime API's HTTP routes (the WebSocket protocol itself is not served):

* ``POST /v1/realtime/client_secrets``: an ephemeral ``ek_`` key and the effective
  ``realtime`` or ``transcription`` session (:mod:`~mockapi.endpoints.realtime.secrets`,
  :mod:`~mockapi.endpoints.realtime.sessions`);
* ``POST /v1/realtime/translations/client_secrets``: the same for a translation session;
* ``POST /v1/realtime/sessions`` and ``/transcription_sessions`` (beta): a session and
  its ``client_secret``, in the beta API's flat shape;
* ``POST /v1/realtime/calls`` and a call's ``accept``, ``hangup``, ``refer``, ``reject``
  (:mod:`~mockapi.endpoints.realtime.calls`).

Every route answers from the state store whatever ``on_miss`` says (a matching fixture
still answers first).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.realtime import calls, secrets, sessions
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

SESSION_PREFIX = "sess_"
SDP = "application/sdp"
BETA_SECONDS = 60
"""How long a beta session's ``client_secret`` lasts unless asked otherwise: one
minute, as the beta API documented for its ephemeral keys."""


def _config(ctx: Context, name: str = "session") -> dict[str, Any]:
    given = ctx.body.get(name)
    return dict(given) if isinstance(given, Mapping) else {}


def client_secret(ctx: Context) -> FixtureResponse:
    """``POST /v1/realtime/client_secrets``: a secret and the session it configures."""
    config = _config(ctx) or {"type": "realtime"}
    session_id = objects.new_id(ctx, SESSION_PREFIX)
    secret = secrets.issue(
        ctx, seconds=secrets.seconds_of(ctx.body.get("expires_after")), session_id=session_id
    )
    build = sessions.transcription if config.get("type") == "transcription" else sessions.realtime
    # A session made through a client secret shows 0 for its own expiry (the example's).
    session = build(config, session_id=session_id, expires_at=0)
    return FixtureResponse(body={**secret, "session": session})


def translation_secret(ctx: Context) -> FixtureResponse:
    """``POST /v1/realtime/translations/client_secrets``."""
    session_id = objects.new_id(ctx, SESSION_PREFIX)
    seconds = secrets.seconds_of(ctx.body.get("expires_after"))
    secret = secrets.issue(ctx, seconds=seconds, session_id=session_id)
    session = sessions.translation(
        _config(ctx), session_id=session_id, expires_at=int(secret["expires_at"])
    )
    return FixtureResponse(body={**secret, "session": session})


def _beta_seconds(ctx: Context, field: str) -> int:
    """The beta secret's lifetime: ``client_secret.<field>.seconds``, else one minute."""
    asked = _config(ctx, "client_secret").get(field)
    return secrets.seconds_of(asked) if isinstance(asked, Mapping) else BETA_SECONDS


def beta_session(ctx: Context) -> FixtureResponse:
    """``POST /v1/realtime/sessions`` (beta): a session and its secret."""
    session_id = objects.new_id(ctx, SESSION_PREFIX)
    seconds = _beta_seconds(ctx, "expires_after")
    secret = secrets.issue(ctx, seconds=seconds, session_id=session_id)
    body = sessions.beta_realtime(dict(ctx.body), session_id=session_id, secret=secret)
    return FixtureResponse(body=body)


def beta_transcription_session(ctx: Context) -> FixtureResponse:
    """``POST /v1/realtime/transcription_sessions`` (beta)."""
    session_id = objects.new_id(ctx, SESSION_PREFIX)
    seconds = _beta_seconds(ctx, "expires_at")  # the SDK's name for it here
    secret = secrets.issue(ctx, seconds=seconds, session_id=session_id)
    body = sessions.beta_transcription(dict(ctx.body), session_id=session_id, secret=secret)
    return FixtureResponse(body=body)


def create_call(ctx: Context) -> FixtureResponse:
    """``POST /v1/realtime/calls``: ``201 Created``, the SDP answer and ``Location``."""
    request = ctx.request
    if request.is_form:
        offer = ctx.body.get("sdp")
        config = ctx.body.get("session")
        if isinstance(config, str):  # a form that validation did not type (no schemas)
            try:
                config = json.loads(config)
            except ValueError:
                config = None
    else:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != SDP:
            shown = request.headers.get("content-type") or "(none)"
            raise APIError(
                415,
                f"Unsupported content type: {shown}. This endpoint expects an SDP offer: a "
                "multipart/form-data body with 'sdp' (and 'session'), or an "
                "application/sdp body.",
                code="unsupported_media_type",
            )
        offer, config = request.body.decode("utf-8", "replace"), None
    if not isinstance(offer, str) or not offer.strip():
        raise errors.missing_parameter("sdp")
    call_id, answer = calls.create(ctx, offer, config if isinstance(config, Mapping) else None)
    headers = {"content-type": SDP, "location": f"/v1/realtime/calls/{call_id}"}
    return FixtureResponse(status=201, headers=headers, raw=answer.encode())


def accept(ctx: Context) -> FixtureResponse:
    calls.accept(ctx, ctx.params["call_id"], dict(ctx.body))
    return calls.ok()


def hangup(ctx: Context) -> FixtureResponse:
    calls.act(ctx, ctx.params["call_id"], "ended")
    return calls.ok()


def refer(ctx: Context) -> FixtureResponse:
    target = ctx.body.get("target_uri")
    if not isinstance(target, str) or not target:
        raise errors.missing_parameter("target_uri")
    calls.act(ctx, ctx.params["call_id"], "referred", target_uri=target)
    return calls.ok()


def reject(ctx: Context) -> FixtureResponse:
    code = ctx.body.get("status_code", calls.DECLINE)
    if isinstance(code, bool) or not isinstance(code, int) or not 400 <= code <= 699:
        raise APIError(
            400,
            f"Invalid 'status_code': {code!r}. Expected a SIP status code from 400 to 699 "
            "(e.g. 486 Busy Here, 603 Decline).",
            param="status_code",
            code="invalid_value",
        )
    calls.act(ctx, ctx.params["call_id"], "rejected", status_code=code)
    return calls.ok()


_CALL = "/v1/realtime/calls/{call_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/realtime/client_secrets", body=Body.JSON, lookup=client_secret),
    Endpoint(
        "POST",
        "/v1/realtime/translations/client_secrets",
        body=Body.JSON,
        lookup=translation_secret,
    ),
    Endpoint("POST", "/v1/realtime/sessions", body=Body.JSON, lookup=beta_session),
    Endpoint(
        "POST",
        "/v1/realtime/transcription_sessions",
        body=Body.JSON,
        lookup=beta_transcription_session,
    ),
    # Body.NONE: the offer comes as a form or a bare application/sdp body (checked here).
    Endpoint("POST", "/v1/realtime/calls", lookup=create_call),
    Endpoint("POST", _CALL + "/accept", body=Body.JSON, lookup=accept),
    Endpoint("POST", _CALL + "/hangup", lookup=hangup),
    Endpoint("POST", _CALL + "/refer", body=Body.JSON, lookup=refer),
    Endpoint("POST", _CALL + "/reject", body=Body.JSON, lookup=reject),
)
