"""Webhook events as the API sends them, signed as Standard Webhooks sign them.

When a job finishes (a batch, a fine-tuning job, a background response), the API POSTs
an *event* to each webhook endpoint of the project::

    POST https://example.com/webhook
    user-agent: OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)
    content-type: application/json
    webhook-id: wh_685342e6c53c8190a1be43f081506c52
    webhook-timestamp: 1750287078
    webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=

    {"object":"event","id":"evt_685343a1...","type":"batch.completed",
     "created_at":1750287018,"data":{"id":"batch_abc123"}}

The body is the spec's ``Webhook*`` event schema (``webhooks:`` in the OpenAPI
document; the SDK's ``UnwrapWebhookEvent``): :func:`event` builds it, :func:`event_type`
names the event a finished object stands for (``None``: the API sends none for it).

The signature (:func:`sign`) is the Standard Webhooks one, which the SDK's
``client.webhooks.unwrap(body, headers, secret=...)`` verifies: ``v1,`` and the base64
HMAC-SHA256 of ``"{webhook-id}.{webhook-timestamp}.{body}"``, keyed with the bytes the
secret's base64 part (after ``whsec_``) decodes to. The SDK refuses a timestamp more
than 5 minutes from its own wall clock, so ``webhook-timestamp`` is the sender's wall
time at each attempt (never the mock's clock, which a test may have moved days
ahead); the event's ``created_at`` is the mock's time the job ended. ``webhook-id`` is
the same on every attempt of one event to one endpoint (receivers deduplicate on it).

Pure: no I/O, no clock (callers pass the times).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

SECRET_PREFIX = "whsec_"
"""How a webhook signing secret starts (the rest is base64)."""
USER_AGENT = "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)"
"""The ``user-agent`` the API's webhook requests carry."""
EVENT_PREFIX = "evt_"
MESSAGE_PREFIX = "wh_"

_EVENTS: Mapping[str, Mapping[str, str]] = {
    "batch": {
        "completed": "batch.completed",
        "failed": "batch.failed",
        "cancelled": "batch.cancelled",
        "expired": "batch.expired",
    },
    "fine_tuning.job": {
        "succeeded": "fine_tuning.job.succeeded",
        "failed": "fine_tuning.job.failed",
        "cancelled": "fine_tuning.job.cancelled",
    },
    "eval.run": {
        "completed": "eval.run.succeeded",
        "failed": "eval.run.failed",
        "canceled": "eval.run.canceled",
    },
    # Not among the spec's webhooks, but the video guide documents both and the SDK's
    # webhook endpoints subscribe to them (webhooks.create's event types).
    "video": {"completed": "video.completed", "failed": "video.failed"},
    "response": {
        "completed": "response.completed",
        "failed": "response.failed",
        "cancelled": "response.cancelled",
        "incomplete": "response.incomplete",
    },
}
"""The event each finished object sends: by its ``object``, then its ``status``."""
EVENT_TYPES = frozenset(name for by_status in _EVENTS.values() for name in by_status.values())
"""Every event type mockapi sends (each is one of the spec's ``webhooks``, but for the
video events the SDK's webhook endpoints name)."""


class Target(NamedTuple):
    """A webhook endpoint: where events go, and the secret that signs them.

    Its ``repr`` never shows the secret (a target may reach a log or a traceback)."""

    url: str
    secret: str

    def __repr__(self) -> str:
        return f"Target(url={self.url!r}, secret='{SECRET_PREFIX}...')"


def secret_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_...`` secret stands for: its base64 part, decoded.

    ValueError (never quoting the secret) for one that does not start with ``whsec_``,
    whose rest is not base64, or that decodes to nothing: the SDK would verify such a
    secret differently (it decodes leniently) or not at all.
    """
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(
            f"a webhook secret starts with {SECRET_PREFIX!r} followed by base64 "
            "(e.g. whsec_ plus the output of `openssl rand -base64 32`)"
        )
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"the part of the webhook secret after {SECRET_PREFIX!r} is not base64 "
            "(letters, digits, '+', '/', padded with '=' to a multiple of 4 characters)"
        ) from None
    if not key:
        raise ValueError(f"the webhook secret is empty after {SECRET_PREFIX!r}")
    return key


def target(url: str, secret: str) -> Target:
    """A checked :class:`Target`: an ``http(s)://`` URL and a usable secret; ValueError
    naming the URL (never the secret) otherwise."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook URL {url!r}: give an http:// or https:// URL")
    try:
        secret_key(secret)
    except ValueError as exc:
        raise ValueError(f"webhook secret for {url}: {exc}") from None
    return Target(url, secret)


def event_type(record: Mapping[str, Any]) -> str | None:
    """The event a finished ``record`` sends (``batch.completed``), or None: not
    finished, or an object the API sends no webhook for (a vector store file)."""
    by_status = _EVENTS.get(str(record.get("object")))
    return by_status.get(str(record.get("status"))) if by_status else None


def event(kind: str, object_id: str, *, event_id: str, created_at: int) -> dict[str, Any]:
    """The event body, in the API's key order: ``object``, ``id``, ``type``,
    ``created_at`` (when the object finished), ``data: {"id": object_id}``."""
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {kind!r}: one of {sorted(EVENT_TYPES)}")
    return {
        "object": "event",
        "id": event_id,
        "type": kind,
        "created_at": created_at,
        "data": {"id": object_id},
    }


def encode(body: Mapping[str, Any]) -> bytes:
    """The bytes sent (and signed): compact JSON, keys in the order given."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def message_id(event_id: str, url: str) -> str:
    """The ``webhook-id`` of ``event_id`` sent to ``url``: ``wh_`` and 32 hex digits,
    the same on every attempt (so a receiver can deduplicate retries)."""
    digest = hashlib.sha256(f"{event_id}\n{url}".encode()).hexdigest()
    return MESSAGE_PREFIX + digest[:32]


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: ``v1,<base64 HMAC-SHA256>`` of
    ``"{msg_id}.{timestamp}.{body}"`` keyed with :func:`secret_key`."""
    mac = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode(), hashlib.sha256)
    mac.update(body)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def headers(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one delivery attempt of ``body``, signed at ``timestamp`` (seconds
    of wall time)."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
