"""Webhook events of finished objects: the one place the endpoints announce them.

A family calls :func:`announce` with an object that has just reached an end (a batch
``completed``; a fine-tuning job ``succeeded``; a background response ``completed``):
the job machinery (:mod:`mockapi.endpoints.jobs`) does it for every step that ends a
job, and a family that ends one outside a step (a cancel answered ``cancelled`` at
once, a background response finished by its retrieve) calls it itself.

The event (:func:`mockapi.wire.webhooks.event`) goes to ``ctx.notify``, which the web
layer provides and which only queues it: nothing here waits for a receiver, and no
I/O happens in the endpoints. Without webhook endpoints configured (``ctx.notify`` is
None) nothing is built, so no event id is drawn (ids stay as they were under a seed).

**Once per object.** Two requests may see one object end (two retrieves of a
background response at once; a step another worker took too): the first to claim it
in the state store (kind :data:`KIND`, by the object's id, shared by ``--workers``)
sends the event, the others nothing.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.wire import webhooks

KIND = "webhook_events"
"""The state store kind recording which objects' events were sent, by object id."""


def announce(ctx: Context, record: dict[str, Any]) -> dict[str, Any] | None:
    """Send the webhook event ``record`` stands for, if it is finished, has one
    (:func:`mockapi.wire.webhooks.event_type`), has not been announced yet, and the
    server has webhook endpoints; the event sent, or None."""
    notify = ctx.notify
    kind = webhooks.event_type(record)
    object_id = record.get("id")
    if notify is None or kind is None or not isinstance(object_id, str):
        return None
    if ctx.state.get(KIND, object_id) is not None:  # the common case after the first
        return None
    claimed: list[bool] = []

    def claim(raw: Any) -> Any:
        claimed.clear()
        if isinstance(raw, dict) and raw.get("type"):
            return raw
        claimed.append(True)
        return {"type": kind}

    ctx.state.update(KIND, object_id, claim, start={})
    if not claimed:
        return None
    event_id = objects.new_id(ctx, webhooks.EVENT_PREFIX)
    ctx.state.update(KIND, object_id, lambda raw: {**raw, "event": event_id})
    body = webhooks.event(kind, object_id, event_id=event_id, created_at=_ended_at(ctx, record))
    notify(body)
    return body


def _ended_at(ctx: Context, record: dict[str, Any]) -> int:
    """When the object reached its status: its own ``<status>_at`` stamp (a batch's
    ``completed_at``), else ``finished_at`` (a fine-tuning job), else the mock's now."""
    for name in (f"{record.get('status')}_at", "finished_at"):
        value = record.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return ctx.clock.seconds()
