"""The state store's interface: what the server created, by kind and id, and blobs.

Issue 16 keeps everything the server creates (files and their bytes, uploads, batches,
stored chat completions and responses) in one store with a small interface,
:class:`StateStore`, with two backends:

- :class:`mockapi.state.objects.ObjectStore` (also named ``MemoryStore``): in process,
  bounded per kind by count and bytes (the oldest objects go first), blobs in memory
  within their caps. The default for one process and for the pytest plugin.
- :class:`mockapi.state.sqlite.SQLiteStore`: one SQLite database (WAL) that several
  processes share (``--workers N``) and that survives a restart (``--state PATH``);
  blobs are files beside it, so memory does not grow with them.

Objects are JSON values (or ``bytes``) kept as copies: a read never returns what a
writer still holds. Every kind lists in creation order (replacing an object keeps its
place), paged as the API pages its lists (:func:`page_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal, Protocol

from mockapi.config import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_STATE_BYTES
from mockapi.errors import StateLimitError

Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class Page:
    """One page of a kind's objects, in the listed order, and whether more follow in the
    direction paged (after the last for ``after``, before the first for ``before``)."""

    data: list[Any]
    has_more: bool


@dataclass(frozen=True)
class BlobLimits:
    """The bounds on blobs: each at most ``max_file_bytes``, all together at most
    ``max_total_bytes``."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_total_bytes: int = DEFAULT_MAX_STATE_BYTES

    def check(self, key: str, size: int, used: int) -> None:
        """Raise :class:`StateLimitError` unless a blob of ``size`` bytes may be stored
        beside ``used`` bytes of others (not counting the one it replaces)."""
        if size > self.max_file_bytes:
            raise StateLimitError(key, size, self.max_file_bytes, scope="file")
        if used + size > self.max_total_bytes:
            raise StateLimitError(key, size, self.max_total_bytes, scope="total", used=used)


class StateStore(Protocol):
    """What the server created: JSON objects by kind and id in creation order, and
    blobs (a file's bytes) by key. Implementations are safe to share between threads."""

    def put(self, kind: str, object_id: str, value: Any) -> None:
        """Keep a copy of ``value`` as ``object_id``; a later put replaces it in place."""
        ...

    def get(self, kind: str, object_id: str) -> Any | None:
        """A copy of the object, or None."""
        ...

    def update(
        self, kind: str, object_id: str, change: Callable[[Any], Any], *, start: Any = None
    ) -> Any | None:
        """Replace the object by ``change(object)`` atomically; the new one. When the
        object is absent: None, or (``start`` not None) ``change(start)`` stored."""
        ...

    def delete(self, kind: str, object_id: str) -> bool:
        """Forget the object; whether it was there."""
        ...

    def values(self, kind: str) -> list[Any]:
        """Copies of every object of the kind, oldest first."""
        ...

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
        """A page of the kind's objects as :func:`page_of` pages them."""
        ...

    def put_blob(self, key: str, data: bytes) -> None:
        """Keep ``data`` as ``key`` (replacing it); :class:`StateLimitError` when it is
        over the per-file limit or would take all blobs past the total cap."""
        ...

    def put_blob_from(self, key: str, source: BinaryIO) -> int:
        """Keep what ``source`` holds from its position on as ``key`` (replacing it),
        read in chunks so that a backend keeping blobs on disk never holds it all in
        memory (a batch's output file); its size. Limits as :meth:`put_blob`."""
        ...

    def get_blob(self, key: str) -> bytes | None:
        """The blob's bytes, or None."""
        ...

    def delete_blob(self, key: str) -> bool:
        """Forget the blob; whether it was there."""
        ...

    def clear(self) -> None:
        """Forget every object and blob (``POST /__mockapi/reset``, between tests)."""
        ...

    def close(self) -> None:
        """Release what the store holds open (connections); the data stays."""
        ...


BLOB_CHUNK = 1024 * 1024
"""Bytes read at a time by :meth:`StateStore.put_blob_from`."""


def read_within(source: BinaryIO, key: str, limit: int) -> bytes:
    """All of ``source`` (from its position), or :class:`StateLimitError` as soon as it
    is over ``limit`` bytes (without reading the rest)."""
    data = source.read(limit + 1)
    if len(data) > limit:
        size = len(data)
        while chunk := source.read(BLOB_CHUNK):  # only counted, for the message
            size += len(chunk)
        raise StateLimitError(key, size, limit, scope="file")
    return data


def matches(value: Any, where: Mapping[str, str] | None) -> bool:
    """Whether ``value`` is an object whose top-level fields equal ``where``'s."""
    if not where:
        return True
    return isinstance(value, dict) and all(value.get(k) == v for k, v in where.items())


def page_of(
    items: Sequence[Any],
    *,
    order: Order = "desc",
    after: str | None = None,
    before: str | None = None,
    limit: int = 20,
    key: Callable[[Any], Any] = lambda item: item.get("id") if isinstance(item, dict) else None,
) -> Page:
    """Page ``items`` (oldest first) as the API pages a list: in ``order`` (``asc``
    oldest first), the ``limit`` items that follow ``after`` in that order, or the
    ``limit`` items closest before ``before``; an unknown cursor gives an empty page."""
    ordered = list(items) if order == "asc" else list(reversed(items))
    ids = [key(item) for item in ordered]
    if after is not None:
        if after not in ids:
            return Page([], False)
        rest = ordered[ids.index(after) + 1 :]
        return Page(rest[:limit], len(rest) > limit)
    if before is not None:
        if before not in ids:
            return Page([], False)
        rest = ordered[: ids.index(before)]
        return Page(rest[max(0, len(rest) - limit) :], len(rest) > limit)
    return Page(ordered[:limit], len(ordered) > limit)
