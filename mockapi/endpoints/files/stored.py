"""Files as the state store keeps them: the part every family that reads or writes a
file uses (batches read their input and write their output and error files;
fine-tuning reads a training file; vector stores read documents).

A file is a ``file`` object (kind :data:`KIND`, by id) and its bytes (a blob under the
same id, so memory does not grow with them under the SQLite store).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context

KIND = "files"
"""The state store kind of ``file`` objects."""
PREFIX = "file-"


def create(
    ctx: Context,
    data: bytes,
    *,
    filename: str,
    purpose: str,
    expires_at: int | None = None,
    expires_after: int | None = None,
) -> dict[str, Any]:
    """Store ``data`` as a new file and return its ``file`` object (status
    ``processed``). :class:`~mockapi.errors.StateLimitError` when the bytes are over the
    per-file limit or the total cap; nothing is stored then.

    The file expires at ``expires_at``, or ``expires_after`` seconds after its creation
    (on the mock's clock), or never when both are None."""
    file_id = objects.new_id(ctx, PREFIX)
    ctx.state.put_blob(file_id, data)  # first: over a limit, no object names missing bytes
    return _keep(ctx, file_id, len(data), filename, purpose, expires_at, expires_after)


def create_from(
    ctx: Context,
    source: BinaryIO,
    *,
    filename: str,
    purpose: str,
    expires_at: int | None = None,
    expires_after: int | None = None,
) -> dict[str, Any]:
    """:func:`create` for bytes read from ``source`` in chunks (an Upload's parts
    joined): a store that keeps blobs on disk never holds them all in memory."""
    file_id = objects.new_id(ctx, PREFIX)
    size = ctx.state.put_blob_from(file_id, source)
    return _keep(ctx, file_id, size, filename, purpose, expires_at, expires_after)


def _keep(
    ctx: Context,
    file_id: str,
    size: int,
    filename: str,
    purpose: str,
    expires_at: int | None,
    expires_after: int | None,
) -> dict[str, Any]:
    """The ``file`` object of bytes stored as ``file_id``, kept and returned."""
    created = ctx.clock.seconds()
    if expires_at is None and expires_after is not None:
        expires_at = created + expires_after
    record: dict[str, Any] = {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": created,
        "expires_at": expires_at,
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
        "status_details": None,
    }
    ctx.state.put(KIND, file_id, record)
    return record


def find(ctx: Context, file_id: str) -> dict[str, Any]:
    """The ``file`` object, or the API's 404 naming ``file_id`` (also once the file has
    expired on the mock's clock: the API deletes expired files)."""
    record = ctx.state.get(KIND, file_id)
    if not isinstance(record, dict):
        raise objects.not_found("File", file_id)
    if expired(ctx, record):
        remove(ctx, file_id)
        raise objects.not_found("File", file_id)
    return record


def expired(ctx: Context, record: dict[str, Any]) -> bool:
    """Whether the file's ``expires_at`` has come on the mock's clock."""
    expires_at = record.get("expires_at")
    return isinstance(expires_at, int) and expires_at <= ctx.clock.seconds()


def purge_expired(ctx: Context) -> int:
    """Remove every file whose time has come (before a list, so none is listed); how
    many went."""
    now = ctx.clock.seconds()
    gone = 0
    for record in ctx.state.values(KIND):
        expires_at = record.get("expires_at") if isinstance(record, dict) else None
        if isinstance(expires_at, int) and expires_at <= now:
            gone += remove(ctx, str(record.get("id")))
    return gone


def content(ctx: Context, file_id: str) -> bytes:
    """The file's bytes, or the API's 404 naming ``file_id``."""
    find(ctx, file_id)
    data = ctx.state.get_blob(file_id)
    if data is None:
        raise objects.not_found("File", file_id)
    return data


def remove(ctx: Context, file_id: str) -> bool:
    """Forget the file and its bytes; whether it was there."""
    ctx.state.delete_blob(file_id)
    return ctx.state.delete(KIND, file_id)
