"""The object store is bounded by count and by bytes per collection, the oldest going first.

Sizes are those of each object's compact JSON (a ``bytes`` value: its length), so every
bound below is checked against ``json.dumps`` of what is kept, not against the store's
own accounting alone.
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

from mockapi.state.objects import DEFAULT_CAPACITY, DEFAULT_MAX_BYTES, ObjectStore


def _size(value: Any) -> int:
    if isinstance(value, bytes):
        return len(value)
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _kept_bytes(store: ObjectStore, collection: str) -> int:
    return sum(_size(v) for v in store.values(collection))


def _response(n: int, size: int = 5_000) -> dict[str, Any]:
    """A stored object of about ``size`` bytes of JSON (a Responses answer's size)."""
    return {"id": f"resp_{n:06d}", "object": "response", "output_text": "x" * (size - 60)}


def test_the_issue_case_five_kb_objects_stay_within_the_default_bytes() -> None:
    store = ObjectStore()
    count = 3_000  # 15 MB of 5 KB objects, under the count bound: only the bytes bind
    for n in range(count):
        store.put("responses", f"resp_{n:06d}", _response(n))
    kept = store.values("responses")
    assert _kept_bytes(store, "responses") <= DEFAULT_MAX_BYTES
    assert len(kept) < count
    # The oldest went, the newest stay, in creation order.
    assert store.get("responses", "resp_000000") is None
    assert kept[-1]["id"] == f"resp_{count - 1:06d}"
    ids = [item["id"] for item in kept]
    assert ids == sorted(ids)
    assert ids[0] == f"resp_{count - len(kept):06d}"


def test_bytes_bound_evicts_the_oldest_first() -> None:
    store = ObjectStore(capacity=100, max_bytes=1_000)
    for n in range(10):
        store.put("c", str(n), {"id": str(n), "pad": "y" * 280})
    ids = [v["id"] for v in store.values("c")]
    assert ids == ["7", "8", "9"]  # three objects of ~300 bytes fit in 1,000
    assert _kept_bytes(store, "c") <= 1_000
    assert store.usage("c") == (3, _kept_bytes(store, "c"))


def test_count_bound_still_holds() -> None:
    store = ObjectStore(capacity=3, max_bytes=10_000_000)
    for n in range(5):
        store.put("c", str(n), n)
    assert store.values("c") == [2, 3, 4]
    assert DEFAULT_CAPACITY == 10_000


def test_each_collection_has_its_own_bounds() -> None:
    store = ObjectStore(capacity=100, max_bytes=1_000)
    store.put("keep", "a", {"pad": "k" * 500})
    for n in range(20):
        store.put("flood", str(n), {"pad": "f" * 400})
    assert store.get("keep", "a") == {"pad": "k" * 500}
    assert _kept_bytes(store, "flood") <= 1_000


def test_an_object_larger_than_the_bound_is_kept_alone() -> None:
    store = ObjectStore(capacity=100, max_bytes=1_000)
    store.put("c", "small", {"n": 1})
    store.put("c", "huge", {"pad": "z" * 5_000})
    assert store.values("c") == [{"pad": "z" * 5_000}]  # the newest is always kept
    store.put("c", "next", {"n": 2})
    assert store.values("c") == [{"n": 2}]


def test_replacing_and_updating_are_counted_and_keep_the_place() -> None:
    store = ObjectStore(capacity=100, max_bytes=1_000)
    store.put("c", "a", {"pad": "a" * 100})
    store.put("c", "b", {"pad": "b" * 100})
    store.put("c", "a", {"pad": "A" * 300})  # replaced in place: still first
    assert [v["pad"][0] for v in store.values("c")] == ["A", "b"]
    assert store.usage("c") == (2, _kept_bytes(store, "c"))
    # An update that grows "b" past the bound evicts the older "a", never "b" itself.
    assert store.update("c", "b", lambda old: {**old, "pad": "B" * 800}) == {"pad": "B" * 800}
    assert store.values("c") == [{"pad": "B" * 800}]
    assert store.usage("c") == (1, _kept_bytes(store, "c"))


def test_delete_and_clear_give_the_bytes_back() -> None:
    store = ObjectStore(capacity=100, max_bytes=1_000)
    store.put("c", "a", {"pad": "a" * 400})
    store.put("c", "b", {"pad": "b" * 400})
    assert store.delete("c", "a") is True
    assert store.usage("c") == (1, _size({"pad": "b" * 400}))
    store.put("c", "d", {"pad": "d" * 400})  # fits now that "a" is gone
    assert [v["pad"][0] for v in store.values("c")] == ["b", "d"]
    store.clear()
    assert store.usage("c") == (0, 0)


def test_bytes_and_unusual_values_round_trip() -> None:
    store = ObjectStore()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    store.put("images", "img", png)
    assert store.get("images", "img") == png
    assert store.usage("images") == (1, len(png))
    store.put("marks", "deleted", True)
    assert store.get("marks", "deleted") is True
    # A value JSON cannot hold as it is (a lone surrogate a client sent) is still kept,
    # written out as the journal writes it, rather than failing the request.
    store.put("c", "odd", {"text": "a\ud800b", "big": 2**70})
    assert store.get("c", "odd") == {"text": "a\\ud800b", "big": str(2**70)}


def test_kept_objects_cost_about_their_json_size_in_memory() -> None:
    """The bytes bound is a memory bound: what is kept is the JSON text, no more (not a
    dict twice as large, not an encoder's oversized buffer)."""
    store = ObjectStore()
    values = [{"id": n, "output_text": "hello " * 300} for n in range(200)]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for n, value in enumerate(values):
            store.put("c", str(n), value)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    held = sum(stat.size_diff for stat in after.compare_to(before, "lineno"))
    count, size = store.usage("c")
    assert count == 200 and size == _kept_bytes(store, "c")
    assert held < 1.5 * size
