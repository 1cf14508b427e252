"""The vector store endpoints: ``/v1/vector_stores`` and ``/v1/vector_stores/{id}``.

Create (``name``, ``file_ids`` attached at once with the request's
``chunking_strategy``, ``expires_after``, ``metadata``), list (newest first, paged),
retrieve, update (``name``, ``expires_after``, ``metadata``) and delete, all answered
from the state store whatever ``on_miss`` says. **A retrieve moves each unfinished file
of the store one step** (as a file's own retrieve does), so a client polling the store
until it is ``completed`` finishes; it carries ``openai-poll-after-ms`` while a file is
in progress. An unnamed store's ``name`` is ``""`` (assumed: the SDK types it a string);
``description`` is taken and not shown (the API's object has no such field).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import jobs, objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.vector_stores import chunking, kinds, processing, records
from mockapi.library.fixture import FixtureResponse

PREFIX = "vs_"


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/vector_stores``: the store, ``in_progress`` while its files are."""
    body = ctx.body
    strategy = chunking.parse(body.get("chunking_strategy"))
    file_ids = list(dict.fromkeys(str(file_id) for file_id in body.get("file_ids") or ()))
    for file_id in file_ids:  # all checked before anything is created
        processing.check_file(ctx, file_id, param="file_ids")
    now = ctx.clock.seconds()
    expires_after = body.get("expires_after")
    store: dict[str, Any] = {
        "id": objects.new_id(ctx, PREFIX),
        "object": "vector_store",
        "created_at": now,
        "name": str(body.get("name") or ""),
        "usage_bytes": 0,
        "file_counts": records.file_counts(()),
        "status": "completed",
        "last_active_at": now,
        "metadata": body.get("metadata") or {},
        "expires_at": records.expiry(now, expires_after),
    }
    if isinstance(expires_after, dict):  # shown only when set (the spec's is not nullable)
        store["expires_after"] = expires_after
    ctx.state.put(kinds.STORES, store["id"], store)
    for file_id in file_ids:
        processing.attach(ctx, store["id"], file_id, strategy=strategy)
    return answer(ctx, records.refresh(ctx, store["id"]) or store)


def list_stores(ctx: Context) -> FixtureResponse:
    """``GET /v1/vector_stores``: newest first, paged; expired ones show ``expired``."""
    page = objects.list_page(ctx, kinds.STORES)
    page["data"] = [records.find(ctx, str(store["id"])) for store in page["data"]]
    return FixtureResponse(body=page)


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/vector_stores/{id}``: each unfinished file one step further, then the
    store with its counts."""
    vector_store_id = ctx.params["vector_store_id"]
    records.find(ctx, vector_store_id)
    for record in records.files_of(ctx, vector_store_id):
        if record.get("status") == processing.FAMILY.life.start:
            jobs.poll(ctx, processing.FAMILY, processing.FAMILY.key_of(record))
    return answer(ctx, records.refresh(ctx, vector_store_id) or {})


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/vector_stores/{id}``: ``name``, ``expires_after`` (null: never) and
    ``metadata`` replaced when given; the store is marked active."""
    vector_store_id = ctx.params["vector_store_id"]
    records.find(ctx, vector_store_id)
    body = ctx.body
    fields: dict[str, Any] = {}
    if body.get("name") is not None:
        fields["name"] = str(body["name"])
    if "metadata" in body:
        fields["metadata"] = body.get("metadata") or {}
    expires_after = body.get("expires_after", ...)

    def change(store: dict[str, Any]) -> dict[str, Any]:
        changed = {**store, **fields}
        if isinstance(expires_after, dict):
            changed["expires_after"] = expires_after
        elif expires_after is None:  # null: the store never expires
            changed.pop("expires_after", None)
            changed["expires_at"] = None
        return changed

    ctx.state.update(kinds.STORES, vector_store_id, change)
    records.touch(ctx, vector_store_id)
    return answer(ctx, records.refresh(ctx, vector_store_id) or {})


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/vector_stores/{id}``: the store, its files' attachments, chunks and
    batches forgotten (the Files themselves stay)."""
    vector_store_id = ctx.params["vector_store_id"]
    records.find(ctx, vector_store_id)
    for record in records.files_of(ctx, vector_store_id):
        processing.remove(ctx, vector_store_id, str(record["id"]))
    for batch in ctx.state.values(kinds.BATCHES):
        if isinstance(batch, dict) and batch.get("vector_store_id") == vector_store_id:
            ctx.state.delete(kinds.BATCHES, str(batch["id"]))
            ctx.state.delete(kinds.BATCH_FILES, str(batch["id"]))
    ctx.state.delete(kinds.STORES, vector_store_id)
    ctx.state.delete(kinds.CHUNKS, kinds.files_token_key(vector_store_id))
    gone: dict[str, Any] = {"id": vector_store_id, "object": "vector_store.deleted"}
    return FixtureResponse(body={**gone, "deleted": True})


def answer(ctx: Context, store: dict[str, Any]) -> FixtureResponse:
    """The store, with ``openai-poll-after-ms`` while a file is in progress."""
    busy = store.get("status") == "in_progress"
    return FixtureResponse(body=store, headers=dict(objects.poll_after(ctx)) if busy else {})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/vector_stores", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/vector_stores", lookup=list_stores),
    Endpoint("GET", "/v1/vector_stores/{vector_store_id}", lookup=retrieve),
    Endpoint("POST", "/v1/vector_stores/{vector_store_id}", body=Body.JSON, lookup=update),
    Endpoint("DELETE", "/v1/vector_stores/{vector_store_id}", lookup=delete),
)
