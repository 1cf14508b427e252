"""Whether a request is let in, before anything answers it: its key (ordinary, admin,
issued by the Administration API or the Realtime API, revoked, expired), its size (an
upload's limit is its file limit) and its body's media type and syntax. Each check
raises the API's error; :class:`~mockapi.replay.engine.Replayer` runs them in order."""

from __future__ import annotations

from mockapi import errors
from mockapi.config import Settings
from mockapi.endpoints.admin import keys as admin_keys
from mockapi.endpoints.endpoint import Body, Endpoint, body_limit
from mockapi.endpoints.realtime import secrets as client_secrets
from mockapi.model import Request
from mockapi.state.store import StateStore
from mockapi.wire import credentials

_JSON_TYPES = ("application/json", "text/json")


def authenticate(request: Request, state: StateStore, settings: Settings) -> None:
    """Raise the API's 401 or 403 unless the request's key may call its route."""
    token = credentials.bearer_token(request.headers)
    if admin_keys.refused(state, token):
        raise admin_keys.revoked_key_error(token)  # deleted or expired: the 401
    if client_secrets.expired(state, token):
        raise client_secrets.expired_key_error(token)  # an ek_ past its expiry

    def issued(secret: str) -> bool:
        """Whether the Administration API issued ``secret``, or the Realtime API did (an
        ephemeral ``ek_`` key not yet expired): accepted whatever ``--api-key`` and
        ``--admin-api-key`` say."""
        return admin_keys.issued(state, secret) or client_secrets.live(state, secret)

    problem = credentials.key_error(
        request.headers,
        settings.api_keys,
        method=request.method,
        path=request.path,
        admin_api_keys=settings.admin_api_keys,
        issued=issued,
    )
    if problem is not None:
        raise problem


def stable(request: Request, state: StateStore) -> bool:
    """Whether :func:`authenticate`'s verdict on ``request``'s key depends on nothing but
    the settings: a key the mock did not issue (an issued one can be revoked, or expire)."""
    token = credentials.bearer_token(request.headers)
    return not (
        admin_keys.issued(state, token)
        or admin_keys.refused(state, token)
        or client_secrets.live(state, token)
        or client_secrets.expired(state, token)
    )


def check_size(request: Request, endpoint: Endpoint | None, settings: Settings) -> None:
    """Raise the API's 413 for a body over the endpoint's limit."""
    limit = body_limit(endpoint, settings)
    if len(request.body) > limit:
        upload = endpoint is not None and endpoint.upload > 0
        raise errors.body_too_large(len(request.body), limit, upload=upload)


def check_body(request: Request, endpoint: Endpoint) -> None:
    """Raise the API's 415 for a body of the wrong media type, its 400 for one that does
    not parse."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    is_json = not media or media in _JSON_TYPES or media.endswith("+json")
    accepted = {
        Body.JSON: is_json,
        Body.FORM: request.is_form,
        Body.EITHER: is_json or request.is_form,
    }.get(endpoint.body, True)
    if not accepted:
        raise errors.unsupported_media_type(content_type, form=endpoint.body is Body.FORM)
    if request.json_error is not None:
        if request.is_form:
            raise errors.invalid_form(request.json_error)
        raise errors.invalid_json(request.json_error)
