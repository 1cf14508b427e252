"""A vector store's chunks ready to rank, kept in the process between searches.

Search ranks the chunks of a store's completed files with a
:class:`~mockapi.generate.retrieval_index.ChunkIndex` (milliseconds for thousands of
chunks, the scores of :mod:`mockapi.generate.retrieval`). It is built from the state
store on a store's first search (its chunks, and the norm each chunk was given when its
file was processed: :mod:`.processing`) and kept while the store's completed files stay
the same: the store's completed files, each File id and chunking strategy, which fix
its chunks (a File's bytes never change), so that a file attached, processed, detached
or deleted, by this process or another sharing the
state (``--workers``, a shared ``--state``), is searched at once. Reading every file
on each search would cost milliseconds for a store of 1,000 files, so each store keeps
a files token, drawn anew by every change to its files (:func:`~.records.refresh`):
while it is the one the index was made under, the files are not read. Attributes are
read from the files a search needs them of, so an update of them needs no new index.

Indexes are kept per state store (one server's), for the :data:`KEPT` stores searched
last within :data:`KEPT_BYTES`: each holds its words' postings (~12 bytes a word of each
chunk) and the weights of common features (at most
:data:`~mockapi.generate.retrieval_index.CACHE_BYTES`, reached by stores of thousands of
chunks only).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.vector_stores import kinds, records
from mockapi.generate import retrieval
from mockapi.generate.retrieval_index import ChunkIndex
from mockapi.state.store import StateStore

KEPT = 8
"""Indexes kept per state store (the stores searched last)..."""
KEPT_BYTES = 160 * 1024 * 1024
"""... while they hold at most this much together (the last one searched is kept
whatever its size)."""

Key = tuple[tuple[str, Any], ...]
"""What fixes a store's chunks: each completed file's File id and chunking strategy."""


@dataclass(frozen=True)
class StoreIndex:
    """The chunks of a store's completed files, in file order then chunk order."""

    key: Key
    token: str | None
    """The store's files token when the index was made (None: it had none)."""
    file_ids: tuple[str, ...]
    """The files whose chunks are indexed, in order (a completed file without stored
    chunks is left out, as search always did)."""
    filenames: tuple[str, ...]
    places: tuple[tuple[int, int], ...]
    """Each chunk's file (its place in :attr:`file_ids`) and its place in that file."""
    chunks: ChunkIndex


_kept: weakref.WeakKeyDictionary[StateStore, OrderedDict[str, StoreIndex]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def completed_files(ctx: Context, vector_store_id: str) -> list[dict[str, Any]]:
    """The store's completed ``vector_store.file`` objects, in file order."""
    return [f for f in records.files_of(ctx, vector_store_id) if f.get("status") == "completed"]


def of(ctx: Context, vector_store_id: str) -> StoreIndex:
    """The index of the store's completed files: the one kept when its files token has
    not changed since (or, without a token, when they are the same files), else a new
    one (kept)."""
    # Read before the files: a change meanwhile draws a new token, so an index made of
    # files read after it is never kept under a token that does not cover them.
    stored = ctx.state.get(kinds.CHUNKS, kinds.files_token_key(vector_store_id))
    token = str(stored["token"]) if isinstance(stored, dict) and "token" in stored else None
    with _lock:
        kept = _kept.setdefault(ctx.state, OrderedDict())
        found = kept.get(vector_store_id)
        if found is not None and token is not None and found.token == token:
            kept.move_to_end(vector_store_id)
            return found
    files = completed_files(ctx, vector_store_id)
    key: Key = tuple((str(f.get("id")), f.get("chunking_strategy")) for f in files)
    if found is not None and found.key == key:
        made = replace(found, token=token)
    else:
        made = _build(ctx, vector_store_id, key, token)
    with _lock:
        kept = _kept.setdefault(ctx.state, OrderedDict())
        kept[vector_store_id] = made
        kept.move_to_end(vector_store_id)
        while len(kept) > 1 and (
            len(kept) > KEPT or sum(i.chunks.memory() for i in kept.values()) > KEPT_BYTES
        ):
            kept.popitem(last=False)
    return made


def attributes(ctx: Context, vector_store_id: str, index: StoreIndex) -> list[dict[str, Any]]:
    """The attributes of each indexed file as they are now (read from the files)."""
    found = {str(f.get("id")): f.get("attributes") for f in records.files_of(ctx, vector_store_id)}
    return [dict(found.get(file_id) or {}) for file_id in index.file_ids]


def attributes_of(ctx: Context, vector_store_id: str, file_id: str) -> dict[str, Any]:
    """One file's attributes as they are now."""
    record = ctx.state.get(kinds.FILES, kinds.file_key(vector_store_id, file_id))
    given = record.get("attributes") if isinstance(record, dict) else None
    return dict(given) if isinstance(given, dict) else {}


def _build(ctx: Context, vector_store_id: str, key: Key, token: str | None) -> StoreIndex:
    file_ids: list[str] = []
    filenames: list[str] = []
    places: list[tuple[int, int]] = []
    texts: list[str] = []
    norms: list[float] = []
    for file_id, _strategy in key:
        stored = ctx.state.get(kinds.CHUNKS, kinds.file_key(vector_store_id, file_id))
        if not isinstance(stored, dict):
            continue
        chunks = [str(text) for text in stored.get("chunks") or ()]
        kept_norms = stored.get("norms")
        if not isinstance(kept_norms, list) or len(kept_norms) != len(chunks):
            kept_norms = [retrieval.norm_of(text) for text in chunks]  # stored before norms
        slot = len(file_ids)
        file_ids.append(file_id)
        filenames.append(str(stored.get("filename") or file_id))
        places.extend((slot, number) for number in range(len(chunks)))
        texts.extend(chunks)
        norms.extend(float(n) for n in kept_norms)
    return StoreIndex(
        key, token, tuple(file_ids), tuple(filenames), tuple(places), ChunkIndex(texts, norms)
    )


class Texts:
    """Chunk texts of one store read from the state store as a search needs them (each
    file's chunks read once per search)."""

    def __init__(self, ctx: Context, vector_store_id: str, index: StoreIndex) -> None:
        self._ctx = ctx
        self._vector_store_id = vector_store_id
        self._index = index
        self._read: dict[int, list[str]] = {}

    def __call__(self, position: int) -> str:
        slot, number = self._index.places[position]
        chunks = self._read.get(slot)
        if chunks is None:
            key = kinds.file_key(self._vector_store_id, self._index.file_ids[slot])
            stored = self._ctx.state.get(kinds.CHUNKS, key)
            found = stored.get("chunks") if isinstance(stored, dict) else None
            chunks = self._read[slot] = [str(text) for text in found or ()]
        return chunks[number] if number < len(chunks) else ""
