"""A vector store as the state store keeps it, and what is recomputed on every change.

The ``vector_store`` object is stored whole; its ``file_counts``, ``usage_bytes`` and
``status`` are derived from its files (:func:`refresh`, called after every change to a
file: attached, processed, cancelled, deleted) and from the mock's clock:

* ``file_counts`` counts the store's files by status (:func:`file_counts`);
* ``usage_bytes`` sums its files' (a completed file's is the UTF-8 size of its
  extracted text; an unfinished or failed file uses none, as the API shows ``0``);
* ``status`` is ``expired`` once ``expires_at`` has come, else ``in_progress`` while a
  file is, else ``completed``.

``expires_after`` (``{"anchor": "last_active_at", "days": N}``) sets ``expires_at`` to
``last_active_at`` plus N days; :func:`touch` moves ``last_active_at`` when the store is
used. Assumed where the API does not say: creating, updating, attaching files and
searching are uses; retrieving and listing are not. An expired store stays expired.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.vector_stores import kinds
from mockapi.errors import APIError

DAY = 24 * 3600
FILE_STATUSES = ("in_progress", "completed", "failed", "cancelled")


def not_found(vector_store_id: str) -> APIError:
    """The API's 404 for a vector store it never issued (or has deleted)."""
    return APIError(
        404, f"No vector store found with id '{vector_store_id}'.", param="vector_store_id"
    )


def expired_error(vector_store_id: str) -> APIError:
    """The answer to using a store whose time ran out (a 404, as for a store the server
    does not have: the API's wording, its status assumed)."""
    return APIError(
        404,
        f"Vector store '{vector_store_id}' has expired. Create a new vector store (or set "
        "a longer 'expires_after') and attach the files again.",
        param="vector_store_id",
    )


def file_counts(files: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many of ``files`` are in each status, and their total."""
    counts = dict.fromkeys(FILE_STATUSES, 0)
    for record in files:
        status = str(record.get("status"))
        if status in counts:
            counts[status] += 1
    return {**counts, "total": sum(counts.values())}


def usage_bytes(files: Iterable[Mapping[str, Any]]) -> int:
    """The bytes ``files`` use together."""
    return sum(int(record.get("usage_bytes") or 0) for record in files)


def due(store: Mapping[str, Any], now: float) -> bool:
    """Whether the store's ``expires_at`` has come at ``now``."""
    expires_at = store.get("expires_at")
    return isinstance(expires_at, (int, float)) and expires_at <= now


def status_of(counts: Mapping[str, int], *, expired: bool) -> str:
    """The store's status for its file counts."""
    if expired:
        return "expired"
    return "in_progress" if counts.get("in_progress", 0) else "completed"


def files_of(ctx: Context, vector_store_id: str) -> list[dict[str, Any]]:
    """The store's ``vector_store.file`` objects, oldest first."""
    return [
        record
        for record in ctx.state.values(kinds.FILES)
        if isinstance(record, dict) and record.get("vector_store_id") == vector_store_id
    ]


def refresh(ctx: Context, vector_store_id: str) -> dict[str, Any] | None:
    """Recompute the store's counts, usage and status and store them, and draw its files
    token anew (:func:`~.kinds.files_token_key`: search's index is then read again);
    the store (None when it is gone)."""
    files = files_of(ctx, vector_store_id)
    counts = file_counts(files)
    used = usage_bytes(files)
    now = ctx.clock.now()

    def change(store: Any) -> Any:
        if not isinstance(store, dict):
            return store
        expired = store.get("status") == "expired" or due(store, now)
        return {
            **store,
            "file_counts": counts,
            "usage_bytes": used,
            "status": status_of(counts, expired=expired),
        }

    updated = ctx.state.update(kinds.STORES, vector_store_id, change)
    if not isinstance(updated, dict):
        return None
    token_key = kinds.files_token_key(vector_store_id)
    ctx.state.put(kinds.CHUNKS, token_key, {"id": token_key, "token": uuid.uuid4().hex})
    return updated


def find(ctx: Context, vector_store_id: str) -> dict[str, Any]:
    """The store (``expired`` once its time has come), or the API's 404."""
    found = ctx.state.get(kinds.STORES, vector_store_id)
    if not isinstance(found, dict):
        raise not_found(vector_store_id)
    if found.get("status") != "expired" and due(found, ctx.clock.now()):
        found = refresh(ctx, vector_store_id) or found
    return found


def usable(ctx: Context, vector_store_id: str) -> dict[str, Any]:
    """The store, to add files to or search: the 404 for an unknown or expired one."""
    found = find(ctx, vector_store_id)
    if found.get("status") == "expired":
        raise expired_error(vector_store_id)
    return found


def expiry(last_active_at: int, expires_after: Any) -> int | None:
    """``expires_at`` for a store last active at ``last_active_at`` (None: never)."""
    if not isinstance(expires_after, Mapping):
        return None
    days = expires_after.get("days")
    return last_active_at + int(days) * DAY if isinstance(days, int) else None


def touch(ctx: Context, vector_store_id: str) -> None:
    """Mark the store used now: ``last_active_at``, and ``expires_at`` after it (an
    expired store stays as it is)."""
    now = ctx.clock.seconds()

    def change(store: Any) -> Any:
        if not isinstance(store, dict) or store.get("status") == "expired":
            return store
        if due(store, now):
            return store
        return {
            **store,
            "last_active_at": now,
            "expires_at": expiry(now, store.get("expires_after")),
        }

    ctx.state.update(kinds.STORES, vector_store_id, change)
