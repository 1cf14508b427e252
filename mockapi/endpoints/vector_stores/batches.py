"""The vector store file batch endpoints: ``/v1/vector_stores/{id}/file_batches``.

A batch attaches many Files at once: ``file_ids`` (with one ``attributes`` and
``chunking_strategy`` for all) or ``files`` (each its own ``file_id``, ``attributes`` and
``chunking_strategy``), not both. Its ``file_counts`` and ``status`` are its files'
(recomputed whenever it is answered): ``in_progress`` while one is, ``cancelled`` once
cancelled, ``failed`` when every file failed (assumed), else ``completed``. **A retrieve
moves each unfinished file of the batch one step**, so ``create_and_poll`` and
``upload_and_poll`` finish on their first poll. Cancel ends the files still in progress
``cancelled`` (terminal) and the batch with them; ``list_files`` pages the batch's
files (``filter`` by status).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import jobs, objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.vector_stores import chunking, kinds, processing, records
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

PREFIX = "vsfb_"


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/vector_stores/{id}/file_batches``: the files attached, ``in_progress``."""
    vector_store_id = ctx.params["vector_store_id"]
    records.usable(ctx, vector_store_id)
    wanted = _wanted(ctx.body)
    for file_id, _, _ in wanted:  # all checked before anything is attached
        processing.check_file(ctx, file_id)
    batch_id = objects.new_id(ctx, PREFIX)
    file_ids = []
    for file_id, attributes, strategy in wanted:
        processing.attach(ctx, vector_store_id, file_id, attributes=attributes, strategy=strategy)
        file_ids.append(file_id)
    batch: dict[str, Any] = {
        "id": batch_id,
        "object": "vector_store.files_batch",
        "created_at": ctx.clock.seconds(),
        "vector_store_id": vector_store_id,
        "status": "in_progress",
        "file_counts": records.file_counts(()),
    }
    ctx.state.put(kinds.BATCH_FILES, batch_id, {"id": batch_id, "file_ids": file_ids})
    ctx.state.put(kinds.BATCHES, batch_id, batch)
    records.touch(ctx, vector_store_id)
    records.refresh(ctx, vector_store_id)
    return answer(ctx, batch_id)


def _wanted(body: Mapping[str, Any]) -> list[tuple[str, Any, chunking.Strategy]]:
    """Each file to attach with its attributes and strategy, in order, once each."""
    if body.get("file_ids") is not None and body.get("files") is not None:
        raise APIError(
            400,
            "Only one of 'file_ids' or 'files' may be given: use 'files' to give each "
            "file its own attributes or chunking_strategy.",
            param="files",
            code="invalid_request_error",
        )
    found: dict[str, tuple[str, Any, chunking.Strategy]] = {}
    if body.get("files") is not None:
        for number, entry in enumerate(body["files"]):
            param = f"files[{number}].chunking_strategy"
            strategy = chunking.parse(entry.get("chunking_strategy"), param=param)
            file_id = str(entry.get("file_id"))
            found[file_id] = (file_id, entry.get("attributes"), strategy)
        return list(found.values())
    strategy = chunking.parse(body.get("chunking_strategy"))
    for file_id in body.get("file_ids") or ():
        found[str(file_id)] = (str(file_id), body.get("attributes"), strategy)
    if not found:
        raise APIError(
            400,
            "Missing required parameter: 'file_ids' (or 'files').",
            param="file_ids",
            code="missing_required_parameter",
        )
    return list(found.values())


def files_of(ctx: Context, batch_id: str) -> list[dict[str, Any]]:
    """The batch's ``vector_store.file`` objects still attached, in the batch's order."""
    members = ctx.state.get(kinds.BATCH_FILES, batch_id)
    batch = ctx.state.get(kinds.BATCHES, batch_id)
    if not isinstance(members, dict) or not isinstance(batch, dict):
        return []
    vector_store_id = str(batch["vector_store_id"])
    found = []
    for file_id in members.get("file_ids") or ():
        record = ctx.state.get(kinds.FILES, kinds.file_key(vector_store_id, str(file_id)))
        if isinstance(record, dict):
            found.append(record)
    return found


def status_of(counts: Mapping[str, int], *, cancelled: bool) -> str:
    """A batch's status for its files' counts."""
    if cancelled:
        return "cancelled"
    if counts.get("in_progress", 0):
        return "in_progress"
    if counts.get("total", 0) and counts.get("failed", 0) == counts["total"]:
        return "failed"
    return "completed"


def refresh(ctx: Context, batch_id: str) -> dict[str, Any]:
    """The batch with its counts and status recomputed and stored."""
    counts = records.file_counts(files_of(ctx, batch_id))

    def change(batch: Any) -> Any:
        if not isinstance(batch, dict):
            return batch
        status = status_of(counts, cancelled=batch.get("status") == "cancelled")
        return {**batch, "file_counts": counts, "status": status}

    updated = ctx.state.update(kinds.BATCHES, batch_id, change)
    return updated if isinstance(updated, dict) else {}


def find(ctx: Context) -> str:
    """The request's batch id, or the API's 404 for the store or the batch."""
    vector_store_id, batch_id = ctx.params["vector_store_id"], ctx.params["batch_id"]
    records.find(ctx, vector_store_id)
    batch = ctx.state.get(kinds.BATCHES, batch_id)
    if not isinstance(batch, dict) or batch.get("vector_store_id") != vector_store_id:
        raise APIError(
            404,
            f"No vector store file batch found with id '{batch_id}'.",
            param="batch_id",
        )
    return batch_id


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET .../file_batches/{batch_id}``: each unfinished file one step further."""
    batch_id = find(ctx)
    for record in files_of(ctx, batch_id):
        if record.get("status") == processing.FAMILY.life.start:
            jobs.poll(ctx, processing.FAMILY, processing.FAMILY.key_of(record))
    return answer(ctx, batch_id)


def cancel(ctx: Context) -> FixtureResponse:
    """``POST .../file_batches/{batch_id}/cancel``: the files in progress ``cancelled``,
    the batch ``cancelled`` (a finished batch is answered as it is)."""
    batch_id = find(ctx)
    batch = refresh(ctx, batch_id)
    if batch.get("status") == "in_progress":
        for record in files_of(ctx, batch_id):
            processing.cancel(ctx, record)
        ctx.state.update(kinds.BATCHES, batch_id, lambda kept: {**kept, "status": "cancelled"})
        records.refresh(ctx, str(batch["vector_store_id"]))
    return answer(ctx, batch_id)


def list_files(ctx: Context) -> FixtureResponse:
    """``GET .../file_batches/{batch_id}/files``: the batch's files, newest first, paged,
    ``filter`` by status."""
    batch_id = find(ctx)
    status = dict(ctx.request.query).get("filter")
    chosen = [
        record for record in files_of(ctx, batch_id) if not status or record["status"] == status
    ]
    return FixtureResponse(body=objects.list_items(ctx, chosen))


def answer(ctx: Context, batch_id: str) -> FixtureResponse:
    """The batch as it is now, with ``openai-poll-after-ms`` while a file is in progress."""
    batch = refresh(ctx, batch_id)
    busy = batch.get("status") == "in_progress"
    return FixtureResponse(body=batch, headers=dict(objects.poll_after(ctx)) if busy else {})


_BATCHES = "/v1/vector_stores/{vector_store_id}/file_batches"
_BATCH = _BATCHES + "/{batch_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _BATCHES, body=Body.JSON, lookup=create),
    Endpoint("GET", _BATCH, lookup=retrieve),
    Endpoint("POST", _BATCH + "/cancel", lookup=cancel),
    Endpoint("GET", _BATCH + "/files", lookup=list_files),
)
