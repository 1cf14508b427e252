"""The vector store file endpoints: ``/v1/vector_stores/{id}/files[/{file_id}[/content]]``.

Create attaches an existing File (``attributes``, ``chunking_strategy``) ``in_progress``;
**each retrieve moves it one step** (:mod:`.processing`), so ``create_and_poll`` and
``upload_and_poll`` finish on their first poll, reading ``openai-poll-after-ms``. List
(``filter`` by status, paged, newest first), update (``attributes``), delete (the File
stays) and ``content`` (the parsed text, one item per chunk) follow. A File the server
does not have, or that is not in the store, is the API's 404 ``No file found with id``.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import jobs, objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.vector_stores import chunking, kinds, processing, records
from mockapi.library.fixture import FixtureResponse

FAMILY = processing.FAMILY


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/vector_stores/{id}/files``: the File attached, ``in_progress``."""
    vector_store_id = ctx.params["vector_store_id"]
    records.usable(ctx, vector_store_id)
    strategy = chunking.parse(ctx.body.get("chunking_strategy"))
    file_id = str(ctx.body.get("file_id"))
    processing.check_file(ctx, file_id)
    record = processing.attach(
        ctx, vector_store_id, file_id, attributes=ctx.body.get("attributes"), strategy=strategy
    )
    records.touch(ctx, vector_store_id)
    records.refresh(ctx, vector_store_id)
    return jobs.answer(ctx, FAMILY, record)


def list_files(ctx: Context) -> FixtureResponse:
    """``GET /v1/vector_stores/{id}/files``: newest first, paged, ``filter`` by status."""
    vector_store_id = ctx.params["vector_store_id"]
    records.find(ctx, vector_store_id)
    where = {"vector_store_id": vector_store_id}
    status = dict(ctx.request.query).get("filter")
    if status:
        where["status"] = status
    return FixtureResponse(body=objects.list_page(ctx, kinds.FILES, where=where))


def find(ctx: Context) -> tuple[str, str]:
    """The request's store and file ids, or the API's 404 for either."""
    vector_store_id, file_id = ctx.params["vector_store_id"], ctx.params["file_id"]
    records.find(ctx, vector_store_id)
    if not isinstance(ctx.state.get(kinds.FILES, kinds.file_key(vector_store_id, file_id)), dict):
        raise processing.file_not_found(file_id)
    return vector_store_id, file_id


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/vector_stores/{id}/files/{file_id}``: one step further, if it has one."""
    key = kinds.file_key(*find(ctx))
    return jobs.answer(ctx, FAMILY, jobs.poll(ctx, FAMILY, key))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/vector_stores/{id}/files/{file_id}``: its ``attributes`` replaced."""
    key = kinds.file_key(*find(ctx))
    attributes = dict(ctx.body.get("attributes") or {})
    updated = ctx.state.update(
        kinds.FILES, key, lambda record: {**record, "attributes": attributes}
    )
    return jobs.answer(ctx, FAMILY, updated if isinstance(updated, dict) else {})


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/vector_stores/{id}/files/{file_id}``: detached (the File stays); the
    store's counts and usage follow."""
    vector_store_id, file_id = find(ctx)
    processing.remove(ctx, vector_store_id, file_id)
    records.refresh(ctx, vector_store_id)
    gone: dict[str, Any] = {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}
    return FixtureResponse(body=gone)


def content(ctx: Context) -> FixtureResponse:
    """``GET /v1/vector_stores/{id}/files/{file_id}/content``: the parsed text, one
    ``{"type": "text", "text": ...}`` per chunk (none until the file is processed)."""
    key = kinds.file_key(*find(ctx))
    kept = ctx.state.get(kinds.CHUNKS, key)
    chunks = kept.get("chunks") if isinstance(kept, dict) else None
    page: dict[str, Any] = {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": str(text)} for text in chunks or ()],
        "has_more": False,
        "next_page": None,
    }
    return FixtureResponse(body=page)


_FILE = "/v1/vector_stores/{vector_store_id}/files/{file_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/vector_stores/{vector_store_id}/files", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/vector_stores/{vector_store_id}/files", lookup=list_files),
    Endpoint("GET", _FILE, lookup=retrieve),
    Endpoint("POST", _FILE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _FILE, lookup=delete),
    Endpoint("GET", _FILE + "/content", lookup=content),
)
