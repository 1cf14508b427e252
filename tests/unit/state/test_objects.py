"""The server's memory of what it created, and cursor pagination."""

from __future__ import annotations

from mockapi.state.objects import ObjectStore, paginate


def test_values_are_copies_kept_in_creation_order() -> None:
    store = ObjectStore()
    item = {"id": "a", "n": [1]}
    store.put("things", "a", item)
    store.put("things", "b", {"id": "b"})
    item["n"].append(2)  # the caller's object changing later changes nothing kept
    kept = store.get("things", "a")
    assert kept == {"id": "a", "n": [1]}
    assert kept is not None
    kept["n"].append(3)
    assert store.get("things", "a") == {"id": "a", "n": [1]}
    assert [v["id"] for v in store.values("things")] == ["a", "b"]
    assert store.get("other", "a") is None


def test_update_delete_and_clear() -> None:
    store = ObjectStore()
    store.put("c", "x", {"v": 1})
    assert store.update("c", "x", lambda old: {**old, "v": 2}) == {"v": 2}
    assert store.update("c", "missing", lambda old: old) is None
    assert store.delete("c", "x") is True
    assert store.delete("c", "x") is False
    store.put("c", "y", 1)
    store.clear()
    assert store.values("c") == []


def test_capacity_drops_the_oldest() -> None:
    store = ObjectStore(capacity=2)
    for name in "abc":
        store.put("c", name, name)
    assert store.values("c") == ["b", "c"]


def test_pages_follow_after_limit_and_order() -> None:
    items = [{"id": f"i{n}"} for n in range(5)]
    first = paginate(items, {"limit": "2"})
    assert [i["id"] for i in first["data"]] == ["i0", "i1"]
    assert (first["first_id"], first["last_id"], first["has_more"]) == ("i0", "i1", True)
    rest = paginate(items, {"limit": "2", "after": "i3"})
    assert [i["id"] for i in rest["data"]] == ["i4"] and rest["has_more"] is False
    newest = paginate(items, {"order": "desc", "limit": "1"})
    assert newest["data"] == [{"id": "i4"}]
    empty = paginate([], {})
    assert empty == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
    assert paginate(items, {"after": "unknown"})["data"] == []
    assert len(paginate(items, {"limit": "nonsense"})["data"]) == 5
