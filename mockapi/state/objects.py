"""The objects the server created and keeps: stored responses, chat completions, files.

The real API keeps what it created (a ``store: true`` chat completion, a Responses
API response, a generated image's URL) so that later calls can list, retrieve, update,
chain from and delete it. :class:`ObjectStore` is that memory: in process, bounded,
thread-safe, keyed by a collection name and the object's id, in creation order. It is
pure (no disk) and is cleared with the journal by ``POST /__mockapi/reset`` and
between tests by the pytest plugin.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

_EMPTY: OrderedDict[str, Any] = OrderedDict()
DEFAULT_CAPACITY = 10_000
"""Objects kept per collection; the oldest go first."""


class ObjectStore:
    """Collections of JSON objects by id, in insertion order."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._collections: dict[str, OrderedDict[str, Any]] = {}
        self._lock = threading.Lock()

    def put(self, collection: str, object_id: str, value: Any) -> None:
        """Keep ``value`` (a deep copy) as ``object_id``; a later put replaces it in place."""
        with self._lock:
            items = self._collections.setdefault(collection, OrderedDict())
            items[object_id] = copy.deepcopy(value)
            while len(items) > self._capacity:
                items.popitem(last=False)

    def get(self, collection: str, object_id: str) -> Any | None:
        """A deep copy of the object, or None."""
        with self._lock:
            value = self._collections.get(collection, _EMPTY).get(object_id)
            return copy.deepcopy(value)

    def update(self, collection: str, object_id: str, change: Callable[[Any], Any]) -> Any | None:
        """Replace the object by ``change(object)``; returns the new one, None if absent."""
        with self._lock:
            items = self._collections.get(collection, _EMPTY)
            if object_id not in items:
                return None
            items[object_id] = change(copy.deepcopy(items[object_id]))
            return copy.deepcopy(items[object_id])

    def delete(self, collection: str, object_id: str) -> bool:
        with self._lock:
            return self._collections.get(collection, _EMPTY).pop(object_id, None) is not None

    def values(self, collection: str) -> list[Any]:
        """Deep copies of every object in the collection, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._collections.get(collection, _EMPTY).values()))

    def clear(self) -> None:
        with self._lock:
            self._collections.clear()


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
    order = query.get("order", default_order)
    ordered = list(items) if order != "desc" else list(reversed(items))
    after = query.get("after")
    if after:
        ids = [item.get(key) for item in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    try:
        limit = max(1, min(100, int(query.get("limit", default_limit))))
    except ValueError:
        limit = default_limit
    page = ordered[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0].get(key) if page else None,
        "last_id": page[-1].get(key) if page else None,
        "has_more": len(ordered) > limit,
    }
