"""The objects the server created and keeps: stored responses, chat completions, files.

The real API keeps what it created (a ``store: true`` chat completion, a Responses
API response, a generated image's URL) so that later calls can list, retrieve, update,
chain from and delete it. :class:`ObjectStore` is that memory: in process, bounded,
thread-safe, keyed by a collection name and the object's id, in creation order. It is
pure (no disk) and is cleared with the journal by ``POST /__mockapi/reset`` and
between tests by the pytest plugin.

**Bounded by count and by bytes.** Each collection keeps at most
:data:`DEFAULT_CAPACITY` objects and :data:`DEFAULT_MAX_BYTES` bytes; past either, the
oldest objects go first (the order they were created in: replacing or updating an
object keeps its place). An object's size is that of its compact JSON (a ``bytes``
value, an image: its length), and that is also what it costs in memory: objects are
kept as their JSON text, not as Python dicts (1.8 times as much for a stored Responses
answer, more for many small values), and decoded on each read, which is also what
makes every read a copy (and is faster than the deep copy it replaces). The newest
object is always kept, even one larger than the bound on its own. A long-running
server therefore keeps the latest stored responses (about 800 of 5 KB, 4 MiB), not all
it ever made: a later ``GET`` of an evicted one is the API's 404, as for an id it never
issued. The collections are the endpoints' own (about fifteen), so the whole store is
bounded too.

It is the memory backend of the :class:`mockapi.state.store.StateStore` interface (see
there; :data:`MemoryStore` names it so): besides the objects it keeps blobs (a file's
bytes) in memory, each within :class:`~mockapi.state.store.BlobLimits` and not
evicted, since a file's bytes must not vanish while the file is listed.

A value JSON cannot hold as it is (a lone surrogate, an integer beyond 64 bits, that a
client sent and an answer echoed) is kept as the journal keeps it
(:func:`mockapi.wire.jsonbody.jsonable`) rather than failing the request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from typing import Any, BinaryIO

import orjson

from mockapi.state.store import BlobLimits, Order, Page, matches, page_of, read_within
from mockapi.wire import jsonbody

DEFAULT_CAPACITY = 10_000
"""Objects kept per collection; the oldest go first."""
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
"""Bytes (of compact JSON) kept per collection; the oldest objects go first."""
KEPT_KINDS = frozenset(
    {"files", "uploads", "batches", "jobs", "clock", "counters", "containers", "container_files"}
    | {"conversations", "conversation_items"}
    | {"vector_stores", "vector_store_files", "vector_store_chunks"}
    | {"vector_store_file_batches", "vector_store_batch_files"}
    | {"checkpoint_permissions"}
    | {"fine_tuning.jobs", "fine_tuning.events", "fine_tuning.checkpoints", "models.fine_tuned"}
    | {"evals", "evals.updated", "evals.runs", "evals.output_items"}
    | {"assistants", "threads", "thread_messages", "runs", "run_steps"}
    | {"skills", "skill_versions", "realtime.client_secrets", "realtime.calls", "live.sessions"}
    | {"videos", "videos.characters"}
    | {"chatkit.sessions", "chatkit.threads", "chatkit.thread_items"}
    | {"webhook_endpoints", "webhook_endpoints.secrets"}
    | {"safety.alerts", "safety.cases"}
)
"""Kinds never evicted: a file, an upload or a batch must not vanish while a client
works with it (a file's bytes are blobs, bounded on their own by the blob limits), nor
a conversation lose its beginning while a client goes on talking in it, nor a checkpoint
permission lapse while the project it shares with uses it."""
KEPT_PREFIXES = ("admin.", "agents.")
"""Kinds never evicted by their name's prefix: the Administration API's organization
(``admin.projects``, ``admin.users``, ...; :mod:`mockapi.endpoints.admin.org`), whose
objects must not vanish while the organization uses them, and the Agents platform's
(``agents.environments``, ``agents.environment_files``, ...), which sessions build on."""


class _Raw(bytes):
    """A ``bytes`` value kept as it is (an image), told apart from JSON text."""


def encode_value(value: Any) -> bytes:
    """What a store keeps of ``value``: its compact JSON, or the bytes themselves."""
    if isinstance(value, bytes):
        return _Raw(value)
    try:
        text = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        text = orjson.dumps(jsonbody.jsonable(value))
    # Copied to a bytes of its own size: orjson's result keeps the buffer it wrote into
    # (16 KB at least), so a 2 KB response kept as it is would cost 16 KB.
    return bytes(memoryview(text))


def decode_value(kept: bytes) -> Any:
    """The value :func:`encode_value` kept (a fresh copy)."""
    return bytes(kept) if isinstance(kept, _Raw) else orjson.loads(kept)


class _Collection:
    """One collection's objects in creation order, and their total size."""

    __slots__ = ("items", "size")

    def __init__(self) -> None:
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0


class ObjectStore:
    """Collections of JSON objects by id, in creation order, bounded by count and bytes
    per collection (see the module docstring)."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        blob_limits: BlobLimits | None = None,
        unbounded: Collection[str] = KEPT_KINDS,
    ) -> None:
        if capacity < 1 or max_bytes < 1:
            raise ValueError(
                f"an object store keeps at least one object of at least one byte, "
                f"got capacity={capacity}, max_bytes={max_bytes}"
            )
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._collections: dict[str, _Collection] = {}
        self._unbounded = frozenset(unbounded)
        self._blob_limits = blob_limits or BlobLimits()
        self._blobs: dict[str, bytes] = {}
        self._blob_bytes = 0
        self._lock = threading.Lock()

    def _bounded(self, collection: str) -> bool:
        return collection not in self._unbounded and not collection.startswith(KEPT_PREFIXES)

    def put(self, collection: str, object_id: str, value: Any) -> None:
        """Keep ``value`` (a copy) as ``object_id``; a later put replaces it in place."""
        kept = encode_value(value)
        with self._lock:
            items = self._collections.setdefault(collection, _Collection())
            self._keep(items, object_id, kept, bounded=self._bounded(collection))

    def get(self, collection: str, object_id: str) -> Any | None:
        """A copy of the object, or None."""
        with self._lock:
            found = self._collection(collection).items.get(object_id)
        return None if found is None else decode_value(found)

    def update(
        self, collection: str, object_id: str, change: Callable[[Any], Any], *, start: Any = None
    ) -> Any | None:
        """Replace the object by ``change(object)`` (``change(start)`` when absent and
        ``start`` is not None); returns the new one, None if absent."""
        with self._lock:
            items = self._collections.setdefault(collection, _Collection())
            found = items.items.get(object_id)
            if found is None and start is None:
                return None
            kept = encode_value(change(decode_value(found) if found is not None else start))
            self._keep(items, object_id, kept, bounded=self._bounded(collection))
        return decode_value(kept)

    def delete(self, collection: str, object_id: str) -> bool:
        with self._lock:
            items = self._collection(collection)
            found = items.items.pop(object_id, None)
            if found is None:
                return False
            items.size -= len(found)
            return True

    def values(self, collection: str) -> list[Any]:
        """Copies of every object in the collection, oldest first."""
        with self._lock:
            kept = list(self._collection(collection).items.values())
        return [decode_value(item) for item in kept]

    def page(
        self,
        kind: str,
        *,
        order: Order = "desc",
        after: str | None = None,
        before: str | None = None,
        limit: int = 20,
        where: Mapping[str, str] | None = None,
    ) -> Page:
        """A page of the kind's objects (see :func:`mockapi.state.store.page_of`),
        only those whose top-level fields equal ``where``'s."""
        kept = [value for value in self.values(kind) if matches(value, where)]
        return page_of(kept, order=order, after=after, before=before, limit=limit)

    def put_blob(self, key: str, data: bytes) -> None:
        """Keep a copy of ``data`` as ``key``, within the blob limits
        (:class:`~mockapi.errors.StateLimitError` past them)."""
        kept = bytes(data)
        with self._lock:
            old = self._blobs.get(key)
            used = self._blob_bytes - (len(old) if old is not None else 0)
            self._blob_limits.check(key, len(kept), used)
            self._blobs[key] = kept
            self._blob_bytes = used + len(kept)

    def put_blob_from(self, key: str, source: BinaryIO) -> int:
        """Keep what ``source`` holds (read whole: this backend keeps blobs in memory)."""
        data = read_within(source, key, self._blob_limits.max_file_bytes)
        self.put_blob(key, data)
        return len(data)

    def get_blob(self, key: str) -> bytes | None:
        with self._lock:
            return self._blobs.get(key)

    def delete_blob(self, key: str) -> bool:
        with self._lock:
            found = self._blobs.pop(key, None)
            if found is None:
                return False
            self._blob_bytes -= len(found)
            return True

    def close(self) -> None:
        """Nothing to release: the memory goes with the store."""

    def usage(self, collection: str) -> tuple[int, int]:
        """How many objects the collection keeps and their size in bytes."""
        with self._lock:
            items = self._collection(collection)
            return len(items.items), items.size

    def clear(self) -> None:
        with self._lock:
            self._collections.clear()
            self._blobs.clear()
            self._blob_bytes = 0

    def _collection(self, name: str) -> _Collection:
        return self._collections.get(name) or _Collection()

    def _keep(self, items: _Collection, object_id: str, kept: bytes, *, bounded: bool) -> None:
        """Store ``kept`` (in place if the id is there), then (``bounded``) evict the
        oldest others until the collection is within both bounds."""
        old = items.items.get(object_id)
        items.size += len(kept) - (len(old) if old is not None else 0)
        items.items[object_id] = kept
        while (
            bounded
            and len(items.items) > 1
            and (len(items.items) > self._capacity or items.size > self._max_bytes)
        ):
            # The oldest other than the one just kept (replaced in place, it may be first).
            oldest = next(key for key in items.items if key != object_id)
            items.size -= len(items.items.pop(oldest))


def paginate(
    items: list[Mapping[str, Any]],
    query: Mapping[str, str],
    *,
    default_limit: int = 20,
    default_order: str = "asc",
    key: str = "id",
) -> dict[str, Any]:
    """A cursor page as the API lists them: ``{"object": "list", "data", "first_id",
    "last_id", "has_more"}``, honouring ``after``, ``limit`` and ``order`` (``asc``:
    oldest first)."""
    order: Order = "desc" if query.get("order", default_order) == "desc" else "asc"
    try:
        limit = max(1, min(100, int(query.get("limit", default_limit))))
    except ValueError:
        limit = default_limit
    found = page_of(
        items, order=order, after=query.get("after") or None, limit=limit, key=lambda i: i.get(key)
    )
    page = found.data
    return {
        "object": "list",
        "data": page,
        "first_id": page[0].get(key) if page else None,
        "last_id": page[-1].get(key) if page else None,
        "has_more": found.has_more,
    }


MemoryStore = ObjectStore
"""The memory backend of :class:`mockapi.state.store.StateStore`."""
