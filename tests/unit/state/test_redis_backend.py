"""The Redis backend beyond the store contract (test_store_contract.py runs that on it
too): on a real redis-server, two stores as two replicas' writing at once, blobs
streamed in chunks, the 503 while Redis is down, and the fault counters, rate-limit
buckets and journal that replicas share."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockapi.build import build_replayer
from mockapi.cli import main
from mockapi.config import Settings
from mockapi.endpoints.objects import id_for
from mockapi.errors import APIError, MockapiError
from mockapi.faults import spec as faults
from mockapi.faults.ratelimit import Limits, RateLimiter
from mockapi.faults.spec import Fault
from mockapi.faults.state import FaultState
from mockapi.replay.journal import Journal, JournalEntry, Outcome, SharedJournal
from mockapi.replay.shared import SharedReplayer
from mockapi.state.location import shown, state_location
from mockapi.state.redis import RedisStore
from mockapi.state.redis_shared import RedisBuckets, RedisFaultCounters, RedisJournal
from mockapi.state.store import BLOB_CHUNK, BlobLimits
from mockapi.web.workers import settings_from_json, settings_to_json
from tests.helpers import free_port
from tests.redis_server import RedisServer


@pytest.fixture
def url(redis_server: RedisServer) -> str:
    """The server's URL, emptied for this test."""
    redis_server.client().flushall()
    return redis_server.url()


@pytest.fixture
def pair(url: str) -> Iterator[tuple[RedisStore, RedisStore]]:
    """Two stores on one Redis: two replicas."""
    one, two = RedisStore(url), RedisStore(url)
    yield one, two
    one.close()
    two.close()


def test_two_replicas_writing_at_once_lose_no_update_and_reuse_no_id(
    pair: tuple[RedisStore, RedisStore],
) -> None:
    ids: list[str] = []

    def work(store: RedisStore) -> None:
        for _ in range(50):
            store.update("counters", "shared", lambda n: n + 1, start=0)
            ids.append(id_for(store, 0, "file-"))

    threads = [threading.Thread(target=work, args=(store,)) for store in pair * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pair[0].get("counters", "shared") == 300
    assert len(ids) == len(set(ids)) == 300


class _Reads(io.BytesIO):
    """A source that remembers the size of each read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.sizes.append(len(chunk))
        return chunk


def test_a_stream_is_stored_chunk_by_chunk_and_a_refused_one_leaves_no_key(
    url: str, redis_server: RedisServer
) -> None:
    store = RedisStore(url)
    data = bytes(range(256)) * (BLOB_CHUNK * 5 // 2 // 256)
    source = _Reads(data)
    assert store.put_blob_from("file-big", source) == len(data)
    assert max(source.sizes) == BLOB_CHUNK and len(source.sizes) == 4  # 3 chunks, then b""
    assert store.get_blob("file-big") == data
    small = RedisStore(url, blob_limits=BlobLimits(max_file_bytes=BLOB_CHUNK))
    with pytest.raises(MockapiError, match="over the per-file limit"):
        small.put_blob_from("file-over", io.BytesIO(data))
    assert small.get_blob("file-over") is None
    keys = sorted(k.decode() for k in redis_server.client().keys("*"))
    assert keys == ["mockapi:state:b:file-big", "mockapi:state:bbytes", "mockapi:state:bsizes"]
    store.close()
    small.close()


def test_while_redis_is_down_every_call_is_the_503_naming_it() -> None:
    url = f"redis://admin:s3cret@127.0.0.1:{free_port()}/2"
    store = RedisStore(url)
    for call in (
        lambda: store.get("files", "file-1"),
        lambda: store.put("files", "file-1", {}),
        lambda: store.page("files"),
        lambda: store.put_blob("file-1", b"x"),
    ):
        with pytest.raises(APIError) as refused:
            call()
        error = refused.value
        assert (error.status, error.type) == (503, "server_error")
        assert "state store redis://admin:***@127.0.0.1:" in error.message
        assert "/2 is unreachable" in error.message
        assert "s3cret" not in error.message
    # The journal never fails a request: nothing is kept, and the number is 0.
    journal = SharedJournal(10, store=RedisJournal(store.link))
    assert journal.next_seq() == 0
    journal.append(_entry(1))
    with pytest.raises(APIError):
        journal.entries()


def test_a_fault_s_times_count_across_replicas_and_rolls_as_in_one_process(url: str) -> None:
    one, two = RedisStore(url), RedisStore(url)
    rule = Fault(status=503, times=2)
    states = [FaultState([rule], counters=RedisFaultCounters(s.link)) for s in (one, two)]
    fired = [states[n % 2].decide(rule, "rule:0") is not None for n in range(5)]
    assert fired == [True, True, False, False, False]
    assert states[1].counters() == {"rule:0": {"seen": 5, "fired": 2}}
    states[0].set_rules([rule])  # new rules: their counters start again, for everyone
    assert states[1].decide(rule, "rule:0") is not None
    states[1].reset()
    assert states[0].counters() == {}

    chaos = faults.parse("chaos=0.5")
    local = FaultState([chaos], seed=7)
    shared = FaultState([chaos], seed=7, counters=RedisFaultCounters(one.link))
    for _ in range(30):
        expected = local.for_request("/v1/chat/completions", None, stream=False)
        assert shared.for_request("/v1/chat/completions", None, stream=False) == expected
    one.close()
    two.close()


def test_the_buckets_hold_under_concurrent_requests_on_two_replicas(url: str) -> None:
    one, two = RedisStore(url), RedisStore(url)
    limiters = [RateLimiter(Limits(rpm=10), buckets=RedisBuckets(s.link)) for s in (one, two)]
    verdicts = []

    def work(limiter: RateLimiter) -> None:
        for _ in range(5):
            verdicts.append(limiter.check("sk-a", "gpt-4o", 7))

    threads = [threading.Thread(target=work, args=(limiter,)) for limiter in limiters * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [v.error for v in verdicts if v.error is not None]
    assert len(verdicts) - len(refused) == 10
    assert "Limit 10, Used 10, Requested 1" in refused[0].message
    assert limiters[1].check("sk-b", "gpt-4o", 7).error is None  # each key its own buckets
    bigger = RateLimiter(Limits(rpm=11), buckets=RedisBuckets(one.link))
    assert bigger.check("sk-a", "gpt-4o", 7).error is None  # other limits, other buckets
    limiters[0].reset()
    assert limiters[1].check("sk-a", "gpt-4o", 7).error is None
    one.close()
    two.close()


def _entry(seq: int, path: str = "/v1/models") -> JournalEntry:
    return JournalEntry(seq, 1.5, "GET", path, {"k": [1, "é"]}, 200, Outcome.HIT, "f", "f.yaml")


def test_the_journal_is_shared_bounded_and_round_trips(url: str) -> None:
    one, two = RedisStore(url), RedisStore(url)
    journals = [SharedJournal(3, store=RedisJournal(s.link)) for s in (one, two)]
    numbers = [journals[n % 2].next_seq() for n in range(5)]
    assert numbers == [1, 2, 3, 4, 5]
    for n in numbers:
        journals[n % 2].append(_entry(n, f"/v1/models/{n}"))
    assert [e.seq for e in journals[0].entries()] == [3, 4, 5]  # the oldest went
    assert journals[1].entries(since=4) == [_entry(5, "/v1/models/5")]
    local = Journal(3)
    local.append(_entry(5, "/v1/models/5"))
    assert len(journals[1]) == 3 and journals[1].usage()[1] == 3 * local.usage()[1]
    journals[0].clear()
    assert journals[1].entries() == [] and journals[1].next_seq() == 6
    one.close()
    two.close()


def test_a_redis_url_builds_a_shared_replayer_and_travels_to_workers(url: str) -> None:
    settings = Settings(state_url=url, rate_limit="rpm=2")
    assert settings_from_json(settings_to_json(settings)).state_url == url
    replayer = build_replayer(settings)
    assert isinstance(replayer, SharedReplayer)
    assert isinstance(replayer.state, RedisStore) and isinstance(replayer.journal, SharedJournal)
    replayer.state.close()


def test_state_locations_and_their_errors(tmp_path: Path) -> None:
    assert state_location("state.db") == Path.cwd() / "state.db"
    assert state_location("redis://cache:6380/2") == "redis://cache:6380/2"
    for bad, problem in (
        ("postgres://db/x", "not a postgres:// URL"),
        ("redis://:6379/0", "names a host"),
        ("redis://host:port/0", "the port is not a number"),
        ("redis://host:6379/zero", "database number"),
    ):
        with pytest.raises(MockapiError, match=problem):
            state_location(bad)
    assert shown("redis://u:pw@h:1/0") == "redis://u:***@h:1/0"
    assert shown("redis://h:1/0") == "redis://h:1/0"


def test_serve_refuses_a_state_url_of_another_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--state", "postgres://db/x"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --state: postgres://db/x: a state store is a SQLite database's path" in err
