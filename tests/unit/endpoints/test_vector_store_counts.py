"""A vector store's file_counts, usage and status as its files move, a file's steps
(processed once, failed with the API's codes, cancelled for good, big ones in the
background), expiry on the mock's clock, and the chunks search ranks."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints import jobs
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.endpoints.vector_stores import (
    batches,
    chunking,
    file_routes,
    index,
    kinds,
    passages,
    processing,
    records,
    search,
    stores,
)
from mockapi.errors import APIError, MockapiError
from mockapi.state.objects import KEPT_KINDS
from tests.unit.endpoints.file_search_state import Stores

FAMILY = processing.FAMILY


def files(*statuses: str, used: int = 0) -> list[dict[str, Any]]:
    return [{"status": status, "usage_bytes": used} for status in statuses]


def test_file_counts_add_up_by_status() -> None:
    counted = records.file_counts(files("completed", "completed", "failed", "in_progress"))
    assert counted == {"in_progress": 1, "completed": 2, "failed": 1, "cancelled": 0, "total": 4}
    assert records.file_counts(()) == dict.fromkeys(records.FILE_STATUSES, 0) | {"total": 0}
    assert records.usage_bytes(files("completed", "completed", used=7)) == 14


@pytest.mark.parametrize(
    ("statuses", "expired", "status"),
    [
        ((), False, "completed"),
        (("completed", "failed", "cancelled"), False, "completed"),
        (("completed", "in_progress"), False, "in_progress"),
        (("in_progress",), True, "expired"),
    ],
)
def test_a_stores_status(statuses: tuple[str, ...], expired: bool, status: str) -> None:
    assert records.status_of(records.file_counts(files(*statuses)), expired=expired) == status


@pytest.mark.parametrize(
    ("statuses", "cancelled", "status"),
    [
        (("completed", "failed"), False, "completed"),
        (("failed", "failed"), False, "failed"),
        (("completed", "in_progress"), False, "in_progress"),
        (("completed", "cancelled"), True, "cancelled"),
    ],
)
def test_a_batchs_status(statuses: tuple[str, ...], cancelled: bool, status: str) -> None:
    counts = records.file_counts(files(*statuses))
    assert batches.status_of(counts, cancelled=cancelled) == status


def test_expiry_is_days_after_last_activity() -> None:
    assert records.expiry(1000, {"anchor": "last_active_at", "days": 2}) == 1000 + 2 * 86_400
    assert records.expiry(1000, None) is None


def test_every_kind_of_the_family_is_kept() -> None:
    assert set(kinds.ALL) <= KEPT_KINDS


class Family:
    """A memory state store with a vector store and helpers to attach and step files."""

    def __init__(self, **store: Any) -> None:
        self.stores = Stores()
        self.ctx = self.context()
        made = stores.create(self.context(stores.ENDPOINTS[0], store)).body
        assert isinstance(made, dict)
        self.id = str(made["id"])

    def context(self, endpoint: Any = file_routes.ENDPOINTS[0], body: Any = None) -> Context:
        return self.stores.context(endpoint, body or {}, params={})

    def upload(self, data: bytes, name: str = "doc.txt") -> str:
        return str(stored.create(self.ctx, data, filename=name, purpose="assistants")["id"])

    def attach(self, data: bytes, name: str = "doc.txt", **options: Any) -> str:
        file_id = self.upload(data, name)
        processing.attach(self.ctx, self.id, file_id, **options)
        records.refresh(self.ctx, self.id)
        return file_id

    def step(self, file_id: str) -> dict[str, Any]:
        return jobs.poll(self.ctx, FAMILY, kinds.file_key(self.id, file_id))

    def store(self) -> dict[str, Any]:
        return records.find(self.ctx, self.id)

    def kept(self, kind: str, file_id: str) -> Any:
        """What the state store keeps of the file under ``kind`` (None: nothing)."""
        return self.ctx.state.get(kind, kinds.file_key(self.id, file_id))


def test_a_file_is_processed_on_its_first_step_and_the_store_follows() -> None:
    family = Family()
    text = b"Lighthouses guide ships along the coast."
    file_id = family.attach(text)
    assert family.store()["status"] == "in_progress"
    assert family.store()["file_counts"]["in_progress"] == 1
    done = family.step(file_id)
    assert (done["status"], done["usage_bytes"], done["last_error"]) == (
        "completed",
        len(text),
        None,
    )
    kept = family.kept(kinds.CHUNKS, file_id)
    assert kept["chunks"] == [text.decode()] and kept["filename"] == "doc.txt"
    store = family.store()
    assert (store["status"], store["usage_bytes"], store["file_counts"]["completed"]) == (
        "completed",
        len(text),
        1,
    )
    assert family.step(file_id) == done  # finished: nothing moves it again


def test_failures_carry_the_apis_codes_and_use_no_bytes() -> None:
    family = Family()
    binary = family.attach(b"\x00\x01\x02", "blob.bin")
    assert family.step(binary)["last_error"]["code"] == "unsupported_file"
    deleted = family.attach(b"gone soon")
    stored.remove(family.ctx, deleted)
    failed = family.step(deleted)
    assert (
        failed["last_error"]["code"] == "invalid_file"
        and deleted in failed["last_error"]["message"]
    )
    store = family.store()
    assert (store["file_counts"]["failed"], store["usage_bytes"]) == (2, 0)
    assert family.kept(kinds.CHUNKS, binary) is None


def test_a_planned_failure_with_a_code_the_api_lacks_is_a_server_error() -> None:
    family = Family()
    file_id = family.attach(b"text")
    key = kinds.file_key(family.id, file_id)
    failed = jobs.drive(family.ctx, FAMILY, key, "fail", code="quota", message="Out of room.")
    assert failed["last_error"] == {"code": "server_error", "message": "quota: Out of room."}


def test_a_cancelled_file_is_terminal_and_keeps_no_chunks() -> None:
    family = Family()
    file_id = family.attach(b"never read")
    record = family.kept(kinds.FILES, file_id)
    assert processing.cancel(family.ctx, record)["status"] == "cancelled"
    assert family.step(file_id)["status"] == "cancelled"
    assert jobs.drive(family.ctx, FAMILY, kinds.file_key(family.id, file_id), "complete")[
        "status"
    ] == ("cancelled")
    assert family.store()["file_counts"]["cancelled"] == 1


def test_a_big_file_is_processed_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processing, "INLINE_BYTES", 10)
    family = Family()
    file_id = family.attach(b"a file longer than ten bytes")
    key = kinds.file_key(family.id, file_id)
    first = family.step(file_id)
    assert first["status"] in ("in_progress", "completed")  # the thread may be done already
    done = jobs.drive(family.ctx, FAMILY, key, "complete")  # waits for the thread
    assert done["status"] == "completed"
    assert family.kept(kinds.CHUNKS, file_id)["chunks"] == ["a file longer than ten bytes"]


def find(family: Family, vector_store_id: str, query: str) -> list[passages.Passage]:
    """The passages a search of ``query`` answers with (each a hit)."""
    asked = search.Search(queries=(query,), limit=search.MAX_RESULTS)
    return [hit.item for hit in search.search(family.ctx, [vector_store_id], asked)]


def test_search_ranks_completed_files_in_order_then_chunks_in_order() -> None:
    family = Family()
    first = family.attach(b"first document", "one.txt", attributes={"n": 1})
    pending = family.attach(b"still waiting")
    static = chunking.Strategy(100, 0)
    second = family.attach((" ".join(["word"] * 250)).encode(), "two.txt", strategy=static)
    broken = family.attach(b"\x00", "bad.bin")
    for file_id in (first, second, broken):
        family.step(file_id)
    kept = index.of(family.ctx, family.id)
    assert [(kept.file_ids[slot], number) for slot, number in kept.places] == [
        (first, 0),
        (second, 0),
        (second, 1),
        (second, 2),
    ]
    (found,) = find(family, family.id, "first document")
    assert (found.file_id, found.filename, found.attributes) == (first, "one.txt", {"n": 1})
    # Equal scores keep the chunks' order.
    assert [(p.file_id, p.index) for p in find(family, family.id, "word")] == [
        (second, 0),
        (second, 1),
        (second, 2),
    ]
    assert pending not in set(kept.file_ids)
    with pytest.raises(APIError) as unknown:
        find(family, "vs_unknown", "word")
    assert (unknown.value.status, unknown.value.message) == (
        404,
        "No vector store found with id 'vs_unknown'.",
    )


def test_search_follows_the_stores_files_as_they_change() -> None:
    family = Family()
    first = family.attach(b"lighthouses guide ships", "one.txt")
    family.step(first)
    assert [p.file_id for p in find(family, family.id, "lighthouse ships")] == [first]
    second = family.attach(b"ships in harbours", "two.txt", attributes={"n": 2})
    family.step(second)  # processed: the files token changed, the index is made again
    assert {p.file_id for p in find(family, family.id, "ships")} == {first, second}
    family.ctx.state.update(  # attributes are read as they are now, index or not
        kinds.FILES, kinds.file_key(family.id, second), lambda r: {**r, "attributes": {"n": 3}}
    )
    assert find(family, family.id, "harbours")[0].attributes == {"n": 3}
    processing.remove(family.ctx, family.id, first)
    records.refresh(family.ctx, family.id)
    assert [p.file_id for p in find(family, family.id, "ships")] == [second]


def test_expiry_follows_activity_on_the_mocks_clock() -> None:
    family = Family(expires_after={"anchor": "last_active_at", "days": 1})
    created = family.store()
    assert created["expires_at"] == created["last_active_at"] + 86_400
    family.stores.clock.advance(3600)
    find(family, family.id, "anything")  # a search is activity
    assert family.store()["expires_at"] == created["expires_at"] + 3600
    family.stores.clock.advance(86_400)
    assert family.store()["status"] == "expired"
    assert passages.find_vector_store(family.ctx, family.id)["status"] == "expired"
    with pytest.raises(APIError) as expired:
        find(family, family.id, "anything")
    assert expired.value.status == 404 and "has expired" in expired.value.message


def test_control_jobs_find_a_file_by_its_id_unless_it_is_in_two_stores() -> None:
    family = Family()
    file_id = family.attach(b"shared")
    assert FAMILY.resolve(family.ctx.state, file_id) == kinds.file_key(family.id, file_id)
    assert FAMILY.resolve(family.ctx.state, "file-none") is None
    other = stores.create(family.context(stores.ENDPOINTS[0], {"file_ids": [file_id]})).body
    assert isinstance(other, dict)
    with pytest.raises(MockapiError, match="attached to 2 vector stores"):
        FAMILY.resolve(family.ctx.state, file_id)
