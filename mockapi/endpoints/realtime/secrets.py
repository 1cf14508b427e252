"""Realtime client secrets: the ephemeral ``ek_`` keys the mock issues and then accepts
as API keys until they expire on its clock.

``POST /v1/realtime/client_secrets`` (and ``/realtime/translations/client_secrets``, and
the beta ``/realtime/sessions`` and ``/transcription_sessions``) issue a secret that
expires ``expires_after.seconds`` (10 to 7200; 600 by default) after it was made. The
state store keeps it by the SHA-256 digest of its value (kind :data:`KIND`, never
evicted), never the secret itself.

The engine asks :func:`live` whether a bearer token is a secret the mock issued and
that has not expired: such a token is accepted like a project key, even when
``--api-key`` restricts the keys. Once its expiry has passed on the mock's clock,
:func:`expired` holds and the request is the API's 401 ``invalid_api_key``
(:func:`expired_key_error`), whatever ``--api-key`` says. An ``ek_`` token the mock
never issued is judged like any other key.

Assumed: that the API refuses an expired client secret as it refuses any key it no
longer accepts (401 ``Incorrect API key provided``, code ``invalid_api_key``); that
the ephemeral key may call any route the key that made it could (the brief of this
mock: a test can use it on ``/v1/chat/completions``), where the real API admits it
only to the Realtime API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.clock import Clock
from mockapi.state.store import StateStore

KIND = "realtime.client_secrets"
PREFIX = "ek_"
DEFAULT_SECONDS = 600


def digest(secret: str) -> str:
    """How the store names a secret: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def seconds_of(expires_after: Any) -> int:
    """The lifetime ``expires_after`` asks for (validated against the spec first: anchor
    ``created_at``, 10 to 7200 seconds), :data:`DEFAULT_SECONDS` when absent."""
    if isinstance(expires_after, Mapping):
        seconds = expires_after.get("seconds")
        if isinstance(seconds, int) and not isinstance(seconds, bool):
            return seconds
    return DEFAULT_SECONDS


def issue(ctx: Context, *, seconds: int, session_id: str) -> dict[str, Any]:
    """A new secret: ``{"value": "ek_...", "expires_at": ...}``, kept by its digest."""
    value = objects.new_id(ctx, PREFIX)
    expires_at = ctx.clock.seconds() + seconds
    key = digest(value)
    ctx.state.put(KIND, key, {"id": key, "expires_at": expires_at, "session_id": session_id})
    return {"value": value, "expires_at": expires_at}


def _record(state: StateStore, token: str) -> dict[str, Any] | None:
    if not token.startswith(PREFIX):
        return None
    found = state.get(KIND, digest(token))
    return found if isinstance(found, dict) else None


def live(state: StateStore, token: str) -> bool:
    """Whether ``token`` is a secret the mock issued that has not expired."""
    found = _record(state, token)
    return found is not None and Clock(state).now() < int(found["expires_at"])


def expired(state: StateStore, token: str) -> bool:
    """Whether ``token`` is a secret the mock issued whose expiry has passed."""
    found = _record(state, token)
    return found is not None and Clock(state).now() >= int(found["expires_at"])


def expired_key_error(token: str) -> APIError:
    """The API's 401 for a client secret past its expiry."""
    message = errors.invalid_api_key(token).message.split(" (mockapi:")[0]
    return APIError(
        401,
        f"{message} (mockapi: this ephemeral client secret has expired on the mock's "
        "clock; create another with POST /v1/realtime/client_secrets.)",
        code="invalid_api_key",
    )
