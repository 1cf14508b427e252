"""The state store's contract, held by every backend: the memory store (ObjectStore),
the SQLite store and the Redis store (on a real redis-server). Each test runs once per
backend."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockapi.errors import StateLimitError
from mockapi.state.clock import Clock
from mockapi.state.objects import MemoryStore
from mockapi.state.redis import RedisStore
from mockapi.state.sqlite import SQLiteStore
from mockapi.state.store import BlobLimits, Order, StateStore, page_of
from tests.redis_server import RedisServer

LIMITS = BlobLimits(max_file_bytes=100, max_total_bytes=250)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    made: StateStore
    if request.param == "memory":
        made = MemoryStore(blob_limits=LIMITS)
    elif request.param == "sqlite":
        made = SQLiteStore(tmp_path / "state.db", blob_limits=LIMITS)
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        server.client().flushall()
        made = RedisStore(server.url(), blob_limits=LIMITS)
    yield made
    made.close()


def _fill(store: StateStore, ids: str = "abcde") -> None:
    for n, name in enumerate(ids):
        store.put("files", name, {"id": name, "n": n, "purpose": "batch" if n % 2 else "user_data"})


def _ids(page_data: list[Any]) -> list[str]:
    return [item["id"] for item in page_data]


def test_put_get_update_delete_keep_copies(store: StateStore) -> None:
    value = {"id": "a", "list": [1]}
    store.put("files", "a", value)
    value["list"].append(2)  # changing the caller's object later changes nothing kept
    kept = store.get("files", "a")
    assert kept == {"id": "a", "list": [1]}
    kept["list"].append(3)
    assert store.get("files", "a") == {"id": "a", "list": [1]}
    assert store.get("files", "missing") is None
    assert store.get("batches", "a") is None  # kinds are separate
    assert store.update("files", "a", lambda old: {**old, "v": 2}) == {
        "id": "a",
        "list": [1],
        "v": 2,
    }
    assert store.get("files", "a") == {"id": "a", "list": [1], "v": 2}
    assert store.update("files", "missing", lambda old: old) is None
    assert store.delete("files", "a") is True
    assert store.delete("files", "a") is False
    assert store.get("files", "a") is None


def test_bytes_and_unicode_values_round_trip(store: StateStore) -> None:
    store.put("images", "png", b"\x89PNG\x00\xff")
    store.put("images", "text", {"t": "é 🙂 \u2028"})
    assert store.get("images", "png") == b"\x89PNG\x00\xff"
    assert store.get("images", "text") == {"t": "é 🙂 \u2028"}


def test_values_are_in_creation_order_and_a_replace_keeps_its_place(store: StateStore) -> None:
    _fill(store, "abc")
    store.put("files", "a", {"id": "a", "n": 9})
    store.update("files", "b", lambda old: {**old, "n": 8})
    assert [(v["id"], v["n"]) for v in store.values("files")] == [("a", 9), ("b", 8), ("c", 2)]
    assert store.values("nothing") == []


@pytest.mark.parametrize(
    ("order", "after", "before", "limit", "expected", "has_more"),
    [
        ("asc", None, None, 2, "ab", True),
        ("asc", "b", None, 2, "cd", True),
        ("asc", "c", None, 2, "de", False),
        ("asc", "e", None, 2, "", False),
        ("desc", None, None, 2, "ed", True),
        ("desc", "d", None, 2, "cb", True),
        ("desc", "b", None, 5, "a", False),
        ("asc", None, "d", 2, "bc", True),
        ("asc", None, "b", 2, "a", False),
        ("desc", None, "b", 2, "dc", True),
        ("desc", None, "d", 2, "e", False),
        ("asc", None, None, 100, "abcde", False),
        ("asc", "unknown", None, 2, "", False),
        ("desc", None, "unknown", 2, "", False),
    ],
)
def test_pages_in_both_orders_with_cursors(
    store: StateStore,
    order: Order,
    after: str | None,
    before: str | None,
    limit: int,
    expected: str,
    has_more: bool,
) -> None:
    _fill(store)
    found = store.page("files", order=order, after=after, before=before, limit=limit)
    assert _ids(found.data) == list(expected)
    assert found.has_more is has_more


def test_every_page_is_the_one_the_reference_pages(store: StateStore) -> None:
    """Every order, cursor and limit over seven objects, against page_of on the list."""
    ids = "abcdefg"
    _fill(store, ids)
    reference = store.values("files")
    orders: list[Order] = ["asc", "desc"]
    cursors = [None, *ids]
    for order, cursor, limit, direction in itertools.product(
        orders, cursors, (1, 2, 3, 7, 8), "ab"
    ):
        after, before = (cursor, None) if direction == "a" else (None, cursor)
        got = store.page("files", order=order, after=after, before=before, limit=limit)
        want = page_of(reference, order=order, after=after, before=before, limit=limit)
        assert (got.data, got.has_more) == (want.data, want.has_more), (order, after, before, limit)


def test_a_filter_on_a_top_level_field_pages_only_what_matches(store: StateStore) -> None:
    _fill(store, "abcdefg")  # b, d, f are "batch"
    store.put("files", "raw", b"not json")  # a bytes object never matches, nor breaks the query
    batch = {"purpose": "batch"}
    assert _ids(store.page("files", order="asc", where=batch).data) == ["b", "d", "f"]
    first = store.page("files", order="asc", limit=2, where=batch)
    assert (_ids(first.data), first.has_more) == (["b", "d"], True)
    rest = store.page("files", order="asc", after="d", limit=2, where=batch)
    assert (_ids(rest.data), rest.has_more) == (["f"], False)
    assert store.page("files", where={"purpose": "vision"}).data == []


def test_clear_forgets_every_kind_and_blob(store: StateStore) -> None:
    _fill(store)
    store.put("batches", "x", {"id": "x"})
    store.put_blob("file-a", b"bytes")
    store.clear()
    assert store.values("files") == [] and store.values("batches") == []
    assert store.get_blob("file-a") is None
    store.put_blob("file-a", b"x" * 100)  # the cleared blobs no longer count to the cap
    store.put("files", "a", {"id": "a"})
    assert store.values("files") == [{"id": "a"}]


def test_blobs_put_get_replace_delete(store: StateStore) -> None:
    store.put_blob("file-a", b"\x00first")
    assert store.get_blob("file-a") == b"\x00first"
    store.put_blob("file-a", b"second")
    assert store.get_blob("file-a") == b"second"
    assert store.get_blob("file-b") is None
    assert store.delete_blob("file-a") is True
    assert store.delete_blob("file-a") is False
    assert store.get_blob("file-a") is None


def test_a_blob_over_the_per_file_limit_is_refused_naming_the_sizes(store: StateStore) -> None:
    with pytest.raises(StateLimitError) as refused:
        store.put_blob("file-big", b"x" * 101)
    assert refused.value.scope == "file"
    assert "file-big is 101 bytes, over the per-file limit of 100 bytes" in str(refused.value)
    assert "--max-file-size" in str(refused.value)
    assert store.get_blob("file-big") is None
    store.put_blob("file-ok", b"x" * 100)  # exactly the limit is allowed


def test_the_total_cap_says_when_it_is_reached(store: StateStore) -> None:
    store.put_blob("file-1", b"x" * 100)
    store.put_blob("file-2", b"x" * 100)
    with pytest.raises(StateLimitError) as refused:
        store.put_blob("file-3", b"x" * 51)
    message = str(refused.value)
    assert refused.value.scope == "total" and refused.value.used == 200
    assert "file-3 (51 bytes) would take the stored files to 251 bytes" in message
    assert "over the total cap of 250 bytes (200 already stored)" in message
    assert store.get_blob("file-3") is None
    store.put_blob("file-2", b"y" * 100)  # a replacement counts instead of the old bytes
    store.put_blob("file-3", b"x" * 50)  # exactly the cap
    store.delete_blob("file-1")
    store.put_blob("file-4", b"x" * 100)  # a deleted blob's bytes are free again
    assert store.get_blob("file-2") == b"y" * 100


def test_update_with_a_start_creates_the_object_once(store: StateStore) -> None:
    assert store.update("counters", "file-", lambda n: n + 1) is None  # absent, no start
    assert store.get("counters", "file-") is None
    assert [store.update("counters", "file-", lambda n: n + 1, start=0) for _ in range(3)] == [
        1,
        2,
        3,
    ]
    assert store.values("counters") == [3]


def test_the_clock_moves_forward_only_and_a_clear_puts_it_back(store: StateStore) -> None:
    wall = iter(itertools.repeat(1_000.0))
    clock = Clock(store, wall=lambda: next(wall))
    assert clock.now() == 1_000.0
    assert clock.advance(86_400) == 86_400.0
    assert clock.advance(0.5) == 86_400.5
    assert clock.seconds() == 87_400
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    store.clear()  # a reset
    assert clock.now() == 1_000.0


# -- blobs written from a file object (a batch's output, streamed line by line) ----------


def test_a_stream_is_stored_from_its_position(store: StateStore) -> None:
    source = io.BytesIO(b"skip" + bytes(range(60)))
    source.seek(4)
    assert store.put_blob_from("file-a", source) == 60
    assert store.get_blob("file-a") == bytes(range(60))
    store.put_blob_from("file-a", io.BytesIO(b"again"))  # replaces, as put_blob does
    assert store.get_blob("file-a") == b"again"


def test_a_stream_over_the_per_file_limit_is_refused_and_leaves_nothing(
    store: StateStore, tmp_path: Path
) -> None:
    with pytest.raises(StateLimitError) as refused:
        store.put_blob_from("file-big", io.BytesIO(b"x" * 130))
    assert refused.value.scope == "file" and refused.value.limit == 100
    assert store.get_blob("file-big") is None
    leftovers = [p.name for p in tmp_path.rglob(".tmp-*")]
    assert leftovers == []


def test_a_stream_past_the_total_cap_is_refused(store: StateStore) -> None:
    store.put_blob("file-1", b"x" * 100)
    store.put_blob_from("file-2", io.BytesIO(b"x" * 100))
    with pytest.raises(StateLimitError) as refused:
        store.put_blob_from("file-3", io.BytesIO(b"x" * 51))
    assert refused.value.scope == "total" and refused.value.used == 200
    assert store.get_blob("file-3") is None
    store.put_blob_from("file-3", io.BytesIO(b"x" * 50))  # exactly the cap
