"""StateStore.put_blob_from: a blob written from a file object (a batch's output,
streamed to disk line by line), within the same limits as put_blob, on both backends."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockapi.errors import StateLimitError
from mockapi.state.objects import MemoryStore
from mockapi.state.sqlite import SQLiteStore
from mockapi.state.store import BlobLimits, StateStore

LIMITS = BlobLimits(max_file_bytes=100, max_total_bytes=250)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    made: StateStore = (
        MemoryStore(blob_limits=LIMITS)
        if request.param == "memory"
        else SQLiteStore(tmp_path / "state.db", blob_limits=LIMITS)
    )
    yield made
    made.close()


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
