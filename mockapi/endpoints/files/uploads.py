"""The Uploads endpoints (``/v1/uploads``): a large file sent in parts, then joined.

An Upload is kept in the state store (kind :data:`KIND`) as ``{"upload": <the upload
object>, "parts": {part_id: size}}``; each part's bytes are a blob under the part's
id, never in the object. Completing joins the parts in the ``part_ids`` order given,
checks the declared ``bytes`` and the optional ``md5``, creates the File
(:func:`mockapi.endpoints.files.stored.create`) and drops the part blobs; cancelling
drops them too. An Upload expires an hour after its creation on the mock's clock
(``expired`` from then on, its parts dropped).

Like the Files routes these are lookups: answered from the state store whatever
``on_miss`` says; an upload id the server never issued is the API's 404.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import rules, stored
from mockapi.endpoints.files.routes import upload_part
from mockapi.errors import APIError, StateLimitError
from mockapi.library.fixture import FixtureResponse

KIND = "uploads"
"""The state store kind of Upload records (never evicted from the memory store)."""
PREFIX = "upload_"
PART_PREFIX = "part_"
LIFETIME_SECONDS = 3600
"""An Upload expires an hour after it was created."""


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/uploads``: a ``pending`` Upload for ``bytes`` bytes to come."""
    body = ctx.body
    purpose = rules.check_purpose(body.get("purpose"))
    filename = str(body.get("filename", ""))
    size = body.get("bytes")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise APIError(
            400,
            f"Invalid 'bytes': expected the file's size as a non-negative integer, "
            f"but got {size!r} instead.",
            param="bytes",
            code="invalid_value",
        )
    rules.check_filename(purpose, filename)
    check_declared_size(ctx, purpose, size)
    lifetime = rules.expiry_seconds(purpose, body.get("expires_after"))
    created = ctx.clock.seconds()
    upload: dict[str, Any] = {
        "id": objects.new_id(ctx, PREFIX),
        "object": "upload",
        "bytes": size,
        "created_at": created,
        "filename": filename,
        "purpose": purpose,
        "status": "pending",
        "expires_at": created + LIFETIME_SECONDS,
        "file": None,
    }
    # Not part of the answer: what the File made on completion is to expire after.
    ctx.state.put(KIND, upload["id"], {"upload": upload, "parts": {}, "lifetime": lifetime})
    return FixtureResponse(body=upload)


def check_declared_size(ctx: Context, purpose: str, size: int) -> None:
    """The 400 for an Upload larger than the API takes (8 GB in all; 200 MB for a batch
    input file) or than this server stores in one file (``--max-file-size``): said when
    the Upload is created, not after every part was sent."""
    if size > rules.UPLOAD_MAX_BYTES:
        raise APIError(
            400,
            f"Invalid 'bytes': an Upload accepts at most {rules.UPLOAD_MAX_BYTES:,} bytes "
            f"(8 GB), but got {size:,}.",
            param="bytes",
            code="invalid_value",
        )
    if purpose == "batch":
        rules.check_size(purpose, size)
    if size > ctx.settings.max_file_bytes:
        raise rules.too_large(size, ctx.settings.max_file_bytes, mock=True)


def add_part(ctx: Context, upload_id: str) -> FixtureResponse:
    """``POST /v1/uploads/{id}/parts``: one chunk of at most 64 MB, kept as a blob."""
    _pending(ctx, upload_id, "add a Part to")
    data = upload_part(ctx, "data").data
    if len(data) > rules.PART_MAX_BYTES:
        raise APIError(
            400,
            f"Part is too large: {len(data):,} bytes, over the limit of "
            f"{rules.PART_MAX_BYTES:,} bytes (64 MB) for one Part. Send smaller Parts.",
            param="data",
        )
    part_id = objects.new_id(ctx, PART_PREFIX)
    try:
        ctx.state.put_blob(part_id, data)
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None

    def attach(record: Any) -> Any:
        if record["upload"]["status"] == "pending":
            record["parts"][part_id] = len(data)
        return record

    record = ctx.state.update(KIND, upload_id, attach)
    if not isinstance(record, dict) or part_id not in record["parts"]:
        # Cancelled (or completed) while this part was on its way: it joins nothing.
        ctx.state.delete_blob(part_id)
        raise _not_pending(ctx, upload_id, "add a Part to")
    part = {
        "id": part_id,
        "object": "upload.part",
        "created_at": ctx.clock.seconds(),
        "upload_id": upload_id,
    }
    return FixtureResponse(body=part)


def complete(ctx: Context, upload_id: str) -> FixtureResponse:
    """``POST /v1/uploads/{id}/complete``: the parts joined in ``part_ids`` order into a
    new File, once their total is the declared ``bytes`` (and their md5 the ``md5``)."""
    record = _pending(ctx, upload_id, "complete")
    upload = record["upload"]
    part_ids = _part_ids(ctx.body.get("part_ids"), record["parts"], upload_id)
    total = sum(record["parts"][p] for p in part_ids)
    if total != upload["bytes"]:
        raise APIError(
            400,
            f"The number of bytes uploaded upon completion ({total:,}, in "
            f"{len(part_ids)} Part{'' if len(part_ids) == 1 else 's'}) does not match the "
            f"number of bytes specified when the Upload was created ({upload['bytes']:,}).",
            param="part_ids",
        )
    md5 = ctx.body.get("md5")
    if isinstance(md5, str) and md5:
        digest = _md5(ctx, part_ids)
        if md5.lower() != digest:
            raise APIError(
                400,
                f"The md5 checksum of the uploaded bytes ({digest}) does not match the "
                f"md5 given ({md5}).",
                param="md5",
            )
    try:
        made = stored.create_from(
            ctx,
            # Buffered: read(n) then gives n bytes until the end, as the stores expect.
            io.BufferedReader(Joined(lambda part_id: _blob(ctx, part_id), part_ids)),
            filename=upload["filename"],
            purpose=upload["purpose"],
            expires_after=record.get("lifetime"),
        )
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None

    def finish(kept: Any) -> Any:
        if kept["upload"]["status"] == "pending":
            kept["upload"].update(status="completed", file=made)
            kept["parts"] = {}
        return kept

    finished = ctx.state.update(KIND, upload_id, finish)
    if not isinstance(finished, dict) or finished["upload"].get("file") != made:
        stored.remove(ctx, made["id"])  # another request completed or cancelled it first
        raise _not_pending(ctx, upload_id, "complete")
    _drop_parts(ctx, record["parts"])
    return FixtureResponse(body=finished["upload"])


def cancel(ctx: Context, upload_id: str) -> FixtureResponse:
    """``POST /v1/uploads/{id}/cancel``: ``cancelled``, its parts dropped."""
    record = _pending(ctx, upload_id, "cancel")

    def cancelled(kept: Any) -> Any:
        if kept["upload"]["status"] == "pending":
            kept["upload"]["status"] = "cancelled"
            kept["parts"] = {}
        return kept

    changed = ctx.state.update(KIND, upload_id, cancelled)
    _drop_parts(ctx, record["parts"])
    if not isinstance(changed, dict) or changed["upload"]["status"] != "cancelled":
        raise _not_pending(ctx, upload_id, "cancel")
    return FixtureResponse(body=changed["upload"])


def _pending(ctx: Context, upload_id: str, action: str) -> dict[str, Any]:
    """The Upload's record while it takes parts, else the API's 404 (never issued) or
    400 (completed, cancelled, or expired: an hour after creation, on the mock's clock)."""
    record = ctx.state.get(KIND, upload_id)
    if not isinstance(record, dict):
        raise objects.not_found("Upload", upload_id)
    upload = record["upload"]
    if upload["status"] == "pending" and upload["expires_at"] <= ctx.clock.seconds():
        record = _expire(ctx, upload_id) or record
        upload = record["upload"]
    if upload["status"] != "pending":
        raise _status_error(upload_id, upload["status"], action)
    return record


def _not_pending(ctx: Context, upload_id: str, action: str) -> APIError:
    """The error for an Upload another request just completed, cancelled or removed."""
    record = ctx.state.get(KIND, upload_id)
    if not isinstance(record, dict):
        return objects.not_found("Upload", upload_id)
    return _status_error(upload_id, record["upload"]["status"], action)


def _status_error(upload_id: str, status: str, action: str) -> APIError:
    return APIError(
        400,
        f"Cannot {action} Upload {upload_id}: its status is '{status}'. Only a pending "
        "Upload takes Parts, completes or cancels; create a new Upload.",
        param="upload_id",
    )


def _expire(ctx: Context, upload_id: str) -> dict[str, Any] | None:
    """Mark a pending Upload past its hour ``expired`` and drop its parts."""
    parts: dict[str, int] = {}

    def expire(kept: Any) -> Any:
        if kept["upload"]["status"] == "pending":
            parts.update(kept["parts"])
            kept["upload"]["status"] = "expired"
            kept["parts"] = {}
        return kept

    changed = ctx.state.update(KIND, upload_id, expire)
    _drop_parts(ctx, parts)
    return changed if isinstance(changed, dict) else None


def _part_ids(value: Any, parts: dict[str, int], upload_id: str) -> list[str]:
    """``part_ids`` when it names each part of this Upload at most once, else the 400."""
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise errors.missing_parameter("part_ids")
    seen: set[str] = set()
    for part_id in value:
        if part_id not in parts:
            raise APIError(
                400,
                f"Invalid 'part_ids': {part_id!r} is not a Part of Upload {upload_id}.",
                param="part_ids",
                code="invalid_value",
            )
        if part_id in seen:
            raise APIError(
                400,
                f"Invalid 'part_ids': {part_id!r} is listed twice; list each Part once.",
                param="part_ids",
                code="invalid_value",
            )
        seen.add(part_id)
    return list(value)


class Joined(io.RawIOBase):
    """The parts' bytes in order as one readable stream, one part held at a time (so
    the SQLite store writes the File without the whole of it in memory)."""

    def __init__(self, read: Callable[[str], bytes], part_ids: list[str]) -> None:
        self._read = read
        self._pending = list(reversed(part_ids))
        self._chunk = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._chunk and self._pending:
            self._chunk = memoryview(self._read(self._pending.pop()))
        count = min(len(buffer), len(self._chunk))
        buffer[:count] = self._chunk[:count]
        self._chunk = self._chunk[count:]
        return count


def _blob(ctx: Context, part_id: str) -> bytes:
    """A part's bytes, or a 404 naming it when the store lost them (a reset)."""
    chunk = ctx.state.get_blob(part_id)
    if chunk is None:
        raise objects.not_found("Part", part_id, param="part_ids")
    return chunk


def _md5(ctx: Context, part_ids: list[str]) -> str:
    """The md5 hex digest of the parts joined, read one at a time."""
    digest = hashlib.md5(usedforsecurity=False)
    for part_id in part_ids:
        digest.update(_blob(ctx, part_id))
    return digest.hexdigest()


def _drop_parts(ctx: Context, parts: dict[str, int]) -> None:
    for part_id in parts:
        ctx.state.delete_blob(part_id)


def _add_part(ctx: Context) -> FixtureResponse:
    return add_part(ctx, ctx.params["upload_id"])


def _complete(ctx: Context) -> FixtureResponse:
    return complete(ctx, ctx.params["upload_id"])


def _cancel(ctx: Context) -> FixtureResponse:
    return cancel(ctx, ctx.params["upload_id"])


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/uploads", body=Body.JSON, lookup=create),
    Endpoint(
        "POST",
        "/v1/uploads/{upload_id}/parts",
        body=Body.FORM,
        lookup=_add_part,
        upload=rules.PART_MAX_BYTES,
    ),
    Endpoint("POST", "/v1/uploads/{upload_id}/complete", body=Body.JSON, lookup=_complete),
    Endpoint("POST", "/v1/uploads/{upload_id}/cancel", lookup=_cancel),
)
