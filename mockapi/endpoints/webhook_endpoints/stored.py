"""Webhook endpoints registered through the API, as the state store keeps them, and the
deliveries they get.

An endpoint (kind :data:`KIND`, ``we_`` id, never evicted) is a ``webhook_endpoint``:
its name, its URL and the event types it takes. Its signing secret (``whsec_`` and the
base64 of 32 bytes, deterministic under ``--seed``) is shown once, when it is made or
rotated, and kept apart (kind :data:`SECRETS`) to sign its deliveries; the endpoint
shows a hint of it (``whsec_...`` and its last four characters). Every event the server
sends (a batch, a response, a fine-tuning job, an eval run, a video finishing) goes to
each endpoint subscribed to its type as well as to the configured ones
(``--webhook-url``), through the same signed, retried delivery (:class:`Registered` is
what the delivery asks).

Assumed where the API is not documented: the ``we_`` prefix, the hint's form, the
wordings of the 400s and 404s; that an ``http://`` URL is taken only for a loopback host
(the API asks for HTTPS; a test's receiver listens on 127.0.0.1); that a rotation
keeping the old secret for 24 hours is accepted and the deliveries are signed with the
new secret only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.store import StateStore
from mockapi.validation import additions_webhooks
from mockapi.wire import webhooks
from mockapi.wire.canonical import ordered
from mockapi.wire.webhooks import Target

KIND = "webhook_endpoints"
SECRETS = "webhook_endpoints.secrets"
PREFIX = "we_"
EVENT_TYPES = additions_webhooks.EVENT_TYPES
"""The event types an endpoint may take (the SDK's, openai 3.63)."""
_ORDER = (
    "id", "object", "name", "url", "event_types", "signing_secret", "signing_secret_hint",
    "created_at", "updated_at",
)  # fmt: skip
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def not_found(endpoint_id: str) -> APIError:
    return APIError(
        404, f"Webhook endpoint with id '{endpoint_id}' not found.", param="webhook_endpoint_id"
    )


def check_url(url: Any) -> str:
    """``url`` when deliveries can go there: HTTPS, or HTTP to this machine."""
    parts = urlsplit(url) if isinstance(url, str) else None
    loopback = parts is not None and parts.scheme == "http" and parts.hostname in _LOOPBACK
    if parts is None or not parts.hostname or not (parts.scheme == "https" or loopback):
        raise APIError(
            400,
            f"Invalid 'url': {url!r}. Webhook deliveries go to an HTTPS URL (mockapi also "
            "takes http:// to 127.0.0.1 or localhost, for a test's receiver).",
            param="url",
            code="invalid_value",
        )
    return str(url)


def check_event_types(given: Any) -> list[str]:
    """``given`` when it is a non-empty list of known event types, else the 400."""
    if not isinstance(given, list) or not given:
        raise APIError(
            400,
            "Invalid 'event_types': give at least one event type, e.g. ['batch.completed'].",
            param="event_types",
            code="invalid_value",
        )
    unknown = [t for t in given if t not in EVENT_TYPES]
    if unknown:
        raise APIError(
            400,
            f"Invalid 'event_types': unknown event type {unknown[0]!r}; GET "
            "/v1/webhook_event_types lists them.",
            param="event_types",
            code="invalid_value",
        )
    return list(dict.fromkeys(given))


def _secret(ctx: Context) -> str:
    number = objects.next_number(ctx.state, "whsec_")
    digest = hashlib.sha256(f"{ctx.seed}:whsec_:{number}".encode()).digest()
    return webhooks.SECRET_PREFIX + base64.b64encode(digest).decode("ascii")


def _hint(secret: str) -> str:
    return f"{webhooks.SECRET_PREFIX}...{secret[-4:]}"


def create(ctx: Context, *, name: str, url: str, event_types: Sequence[str]) -> dict[str, Any]:
    """A new endpoint, its ``signing_secret`` shown (this once)."""
    secret = _secret(ctx)
    now = ctx.clock.seconds()
    endpoint_id = objects.new_id(ctx, PREFIX)
    record = {
        "id": endpoint_id,
        "object": "webhook_endpoint",
        "name": name,
        "url": url,
        "event_types": list(event_types),
        "signing_secret_hint": _hint(secret),
        "created_at": now,
        "updated_at": now,
    }
    record = ordered(record, _ORDER)
    ctx.state.put(SECRETS, endpoint_id, {"id": endpoint_id, "secret": secret})
    ctx.state.put(KIND, endpoint_id, record)
    return ordered({**record, "signing_secret": secret}, _ORDER)


def find(ctx: Context, endpoint_id: str) -> dict[str, Any]:
    record = ctx.state.get(KIND, endpoint_id)
    if not isinstance(record, dict):
        raise not_found(endpoint_id)
    return record


def update(ctx: Context, endpoint_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint with ``changes`` (checked); ``updated_at`` moves only when one of
    them changes something."""
    current = find(ctx, endpoint_id)
    changed = {k: v for k, v in changes.items() if current.get(k) != v}
    if not changed:
        return current
    now = ctx.clock.seconds()
    kept = ctx.state.update(KIND, endpoint_id, lambda k: {**k, **changed, "updated_at": now})
    if not isinstance(kept, dict):
        raise not_found(endpoint_id)
    return kept


def rotate(ctx: Context, endpoint_id: str) -> dict[str, Any]:
    """The endpoint with a new secret, shown (this once)."""
    find(ctx, endpoint_id)
    secret = _secret(ctx)
    now = ctx.clock.seconds()
    ctx.state.put(SECRETS, endpoint_id, {"id": endpoint_id, "secret": secret})

    def renew(kept: dict[str, Any]) -> dict[str, Any]:
        return {**kept, "signing_secret_hint": _hint(secret), "updated_at": now}

    kept = ctx.state.update(KIND, endpoint_id, renew)
    if not isinstance(kept, dict):
        raise not_found(endpoint_id)
    return ordered({**kept, "signing_secret": secret}, _ORDER)


def remove(ctx: Context, endpoint_id: str) -> None:
    find(ctx, endpoint_id)
    ctx.state.delete(SECRETS, endpoint_id)
    ctx.state.delete(KIND, endpoint_id)


def secret_of(state: StateStore, endpoint_id: str) -> str:
    kept = state.get(SECRETS, endpoint_id)
    return str(kept["secret"]) if isinstance(kept, dict) else ""


class Registered:
    """The endpoints registered through the API, for the webhook delivery
    (:class:`mockapi.replay.webhooks.Subscribers`)."""

    def __init__(self, state: StateStore) -> None:
        self._state = state

    def any(self) -> bool:
        return bool(self._state.values(KIND))

    def of(self, event_type: str) -> tuple[Target, ...]:
        found = []
        for record in self._state.values(KIND):
            if isinstance(record, dict) and event_type in record.get("event_types", ()):
                secret = secret_of(self._state, str(record["id"]))
                if secret:
                    found.append(Target(str(record["url"]), secret))
        return tuple(found)
