"""A vector store file's lifecycle: attached ``in_progress``, then processed.

Attaching a File to a store (:func:`attach`: ``files.create``, a store created with
``file_ids``, a file batch) answers it ``in_progress``; **the next retrieve processes
it** (one step, as batches move, see :mod:`mockapi.endpoints.jobs`): its bytes are read,
their text extracted (:mod:`.extract`), cut into chunks (:mod:`.chunking`) and the
chunks stored once (kind :data:`~.kinds.CHUNKS`), where search reads them
(:mod:`.passages`). It ends:

* ``completed``, ``usage_bytes`` the UTF-8 size of the extracted text (assumed: the API
  says only that it may differ from the file's size);
* ``failed`` with ``last_error``: ``unsupported_file`` (``The file type is not
  supported.``) for bytes that are not text, ``invalid_file`` for a document that cannot
  be read or has no text, or that was deleted before it was read; a test's planned
  failure (``x-mockapi-job: fail; code=...``, ``Control.jobs.fail``) with its code when
  the API has it (else ``server_error``);
* ``cancelled`` when its batch is cancelled first (terminal: nothing moves it again).

A file over :data:`INLINE_BYTES` is processed in the background (the retrieves meanwhile
answer ``in_progress``). The job's key in the state store is
:func:`~.kinds.file_key` (the store's id and the File's): a File may be in several
stores; ``Control.jobs`` also finds it by the File's id alone (:meth:`FileFamily.resolve`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockapi.endpoints import jobs
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.endpoints.lazy import lazy
from mockapi.endpoints.vector_stores import chunking, kinds, records
from mockapi.errors import APIError, MockapiError
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle
from mockapi.state.store import StateStore

if TYPE_CHECKING:
    from mockapi.endpoints.vector_stores import extract
    from mockapi.generate import retrieval
else:
    extract = lazy("mockapi.endpoints.vector_stores.extract")
    retrieval = lazy("mockapi.generate.retrieval")

INLINE_BYTES = 1024 * 1024
"""The largest file processed inside the retrieve that completes it."""
ERROR_CODES = ("server_error", "unsupported_file", "invalid_file")
"""The codes a vector store file's ``last_error`` may carry."""


class FileFamily:
    """Vector store files as a :class:`~mockapi.endpoints.jobs.Family`."""

    life = Lifecycle(
        kind=kinds.FILES,
        path=("in_progress", "completed"),
        fails_from="in_progress",
        expires_from="in_progress",
        expired=None,
        cancelling=None,
    )
    noun = "Vector store file"

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any] | jobs.Background:
        if target == "completed":
            big = _size(ctx, str(current["id"])) > INLINE_BYTES
            return jobs.inline_or_background(big, lambda: process(ctx, current), current)
        code = control.plan.code if control.plan.code in ERROR_CODES else "server_error"
        message = control.plan.message or lifecycle.DEFAULT_FAILURE_MESSAGE
        if control.plan.code and control.plan.code != code:
            message = f"{control.plan.code}: {message}"
        return _commit(ctx, current, _failure(extract.ExtractionError(code, message)))

    def key_of(self, record: Mapping[str, Any]) -> str:
        """The state store key of a ``vector_store.file`` object."""
        return kinds.file_key(str(record["vector_store_id"]), str(record["id"]))

    def resolve(self, state: StateStore, job_id: str) -> str | None:
        """The key of the vector store file a test names by its File's id alone (None
        when no store holds it; MockapiError when several do: name the store then)."""
        found = [
            self.key_of(record)
            for record in state.values(kinds.FILES)
            if isinstance(record, dict) and record.get("id") == job_id
        ]
        if len(found) > 1:
            raise MockapiError(
                f"{job_id} is attached to {len(found)} vector stores: name one of "
                f"{', '.join(found)}"
            )
        return found[0] if found else None


FAMILY = FileFamily()


def attach(
    ctx: Context,
    vector_store_id: str,
    file_id: str,
    *,
    attributes: Mapping[str, Any] | None = None,
    strategy: chunking.Strategy = chunking.AUTO,
) -> dict[str, Any]:
    """Attach the File ``file_id`` (which must exist: :func:`check_file`) to the store,
    ``in_progress``, as a job planned by the request's ``x-mockapi-job`` header; a File
    attached again starts over. The store is not refreshed here (callers attaching many
    refresh once)."""
    key = kinds.file_key(vector_store_id, file_id)
    record: dict[str, Any] = {
        "id": file_id,
        "object": "vector_store.file",
        "usage_bytes": 0,
        "created_at": ctx.clock.seconds(),
        "vector_store_id": vector_store_id,
        "status": FAMILY.life.start,
        "last_error": None,
        "chunking_strategy": strategy.to_json(),
        "attributes": dict(attributes or {}),
    }
    ctx.state.delete(kinds.CHUNKS, key)
    # jobs.start keys the job's control by the object's id; this object is kept under
    # its key instead (the File's id is not unique across stores), so it is started
    # under that key and then stored as the API shows it.
    jobs.start(ctx, FAMILY, {**record, "id": key})
    ctx.state.put(kinds.FILES, key, record)
    return record


def check_file(ctx: Context, file_id: str, *, param: str = "file_id") -> dict[str, Any]:
    """The File to attach, or the API's 404 naming it."""
    try:
        return stored.find(ctx, file_id)
    except APIError:
        raise file_not_found(file_id, param=param) from None


def file_not_found(file_id: str, *, param: str | None = "file_id") -> APIError:
    """The API's 404 for a File (or a vector store file) it does not have."""
    return APIError(404, f"No file found with id '{file_id}'.", param=param)


def process(ctx: Context, current: Mapping[str, Any]) -> dict[str, Any]:
    """``in_progress`` -> ``completed`` (chunks stored) or ``failed`` (``last_error``)."""
    vector_store_id, file_id = str(current["vector_store_id"]), str(current["id"])
    try:
        found = stored.find(ctx, file_id)
        data = stored.content(ctx, file_id)
    except APIError:
        gone = extract.ExtractionError(
            extract.INVALID,
            f"The file {file_id} was deleted before it was processed; upload it again "
            "and attach the new file.",
        )
        return _commit(ctx, current, _failure(gone))
    filename = str(found.get("filename") or file_id)
    try:
        text = extract.extract(data, filename)
    except extract.ExtractionError as problem:
        return _commit(ctx, current, _failure(problem))
    strategy = strategy_of(current)
    key = kinds.file_key(vector_store_id, file_id)
    chunks = chunking.chunk(text, strategy)
    # Each chunk's norm, once: what a search needs of a chunk beyond its words.
    norms = [retrieval.norm_of(chunk) for chunk in chunks]
    kept = {"id": key, "filename": filename, "chunks": chunks, "norms": norms}
    ctx.state.put(kinds.CHUNKS, key, kept)
    fields = {"status": "completed", "usage_bytes": len(text.encode("utf-8"))}
    return _commit(ctx, current, fields)


def strategy_of(record: Mapping[str, Any]) -> chunking.Strategy:
    """The static strategy a vector store file shows (``auto`` when it shows none)."""
    shown = record.get("chunking_strategy")
    static = shown.get("static") if isinstance(shown, Mapping) else None
    if not isinstance(static, Mapping):
        return chunking.AUTO
    return chunking.Strategy(
        int(static.get("max_chunk_size_tokens", chunking.AUTO.max_chunk_size_tokens)),
        int(static.get("chunk_overlap_tokens", chunking.AUTO.chunk_overlap_tokens)),
    )


def cancel(ctx: Context, record: Mapping[str, Any]) -> dict[str, Any]:
    """An ``in_progress`` file ``cancelled`` (a finished one as it is)."""
    return _commit(ctx, record, {"status": "cancelled"})


def remove(ctx: Context, vector_store_id: str, file_id: str) -> bool:
    """Forget the vector store file, its chunks and its job; whether it was there (the
    File itself stays, as the API keeps it)."""
    key = kinds.file_key(vector_store_id, file_id)
    ctx.state.delete(kinds.CHUNKS, key)
    ctx.state.delete(lifecycle.KIND, key)
    return ctx.state.delete(kinds.FILES, key)


def _failure(problem: extract.ExtractionError) -> dict[str, Any]:
    return {"status": "failed", "usage_bytes": 0, "last_error": problem.to_json()}


def _commit(ctx: Context, current: Mapping[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Store a step's result over the file as it is now, unless it left ``in_progress``
    meanwhile (cancelled, or deleted: its chunks are dropped then); the store's counts
    follow."""
    vector_store_id, file_id = str(current["vector_store_id"]), str(current["id"])
    key = kinds.file_key(vector_store_id, file_id)

    def change(record: Any) -> Any:
        if not isinstance(record, dict) or record.get("status") != FAMILY.life.start:
            return record
        return {**record, **fields}

    updated = ctx.state.update(kinds.FILES, key, change)
    if not isinstance(updated, dict) or updated.get("status") != "completed":
        ctx.state.delete(kinds.CHUNKS, key)
    records.refresh(ctx, vector_store_id)
    return updated if isinstance(updated, dict) else {**current, **fields}


def _size(ctx: Context, file_id: str) -> int:
    found = ctx.state.get(stored.KIND, file_id)
    size = found.get("bytes") if isinstance(found, dict) else None
    return size if isinstance(size, int) else 0
