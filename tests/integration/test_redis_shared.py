"""Two ``mockapi serve`` processes (two replicas, as on two machines) sharing one real
``redis-server`` through ``--state redis://...``: what one creates the other serves, a
rate limit and a fault's ``times`` hold across both, both journals list what either
received, and a restart of Redis is survived (the 503 while it is down, its data after).
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import strict_client
from tests.integration.state_servers import HELLO, KEY, Served, start
from tests.redis_server import RedisServer

pytestmark = pytest.mark.integration

FAULT = "status=500; times=2; path=/v1/embeddings"
DATA = os.urandom(300_000) + b"\x00\xff end"


@pytest.fixture(scope="module")
def replicas(redis_server: RedisServer) -> Iterator[tuple[Served, Served]]:
    """Two servers on one Redis (started together), each limited to 3 requests per minute
    and with a fault rule that fails two embeddings requests."""
    args = ("--state", redis_server.url(3), "--rate-limit", "rpm=3", "--fault", FAULT)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        one, two = pool.map(lambda _: start(*args), range(2))
    yield one, two
    for served in (one, two):
        served.stop()


def _http(served: Served, key: str = KEY) -> httpx.Client:
    return httpx.Client(base_url=served.url, headers={"authorization": f"Bearer {key}"}, timeout=30)


def test_the_banner_names_the_shared_store(
    replicas: tuple[Served, Served], redis_server: RedisServer
) -> None:
    for served in replicas:
        assert served.state_line().startswith(f"state: {redis_server.url(3)} (shared by")


def test_a_file_created_on_one_replica_is_served_by_the_other(
    replicas: tuple[Served, Served],
) -> None:
    one, two = replicas
    with (
        strict_client(one.url + "/v1", api_key=KEY) as a,
        strict_client(two.url + "/v1", api_key=KEY) as b,
    ):
        made = a.files.create(file=("data.bin", DATA), purpose="user_data")
        assert b.files.retrieve(made.id).bytes == len(DATA)
        assert b.files.content(made.id).content == DATA
        assert made.id in [f.id for f in b.files.list()]
        # Ids come from one counter: the other replica's next file is another id.
        other = b.files.create(file=("other.bin", b"x"), purpose="user_data")
        assert other.id != made.id
        assert b.files.delete(other.id).deleted
        with pytest.raises(Exception, match="404"):
            a.files.retrieve(other.id)


def test_a_rate_limit_of_3_rpm_holds_across_both_replicas(
    replicas: tuple[Served, Served],
) -> None:
    one, two = replicas
    body = {"model": "gpt-4o-mini", "messages": HELLO}
    for key, fourth in (("sk-limit-a", two), ("sk-limit-b", one)):
        with _http(one, key) as a, _http(two, key) as b:
            statuses = [c.post("/v1/chat/completions", json=body).status_code for c in (a, b, a)]
            assert statuses == [200, 200, 200]
            refused = (b if fourth is two else a).post("/v1/chat/completions", json=body)
            assert refused.status_code == 429, refused.text
            assert "Limit 3, Used 3, Requested 1" in refused.json()["error"]["message"]
            assert refused.headers["x-ratelimit-remaining-requests"] == "0"
            # and the other replica refuses too: the bucket is the same
            again = (a if fourth is two else b).post("/v1/chat/completions", json=body)
            assert again.status_code == 429


def test_a_fault_with_times_2_fires_twice_across_both_replicas(
    replicas: tuple[Served, Served],
) -> None:
    one, two = replicas
    body = {"model": "text-embedding-3-small", "input": "hello"}
    with _http(one, "sk-faults") as a, _http(two, "sk-faults") as b:
        statuses = [c.post("/v1/embeddings", json=body).status_code for c in (a, b, a, b)]
        counters = a.get("/__mockapi/faults").json()["counters"]
    assert statuses == [500, 500, 200, 200]
    assert counters["rule:0"] == {"seen": 4, "fired": 2}


def test_each_journal_lists_what_either_replica_received(
    replicas: tuple[Served, Served],
) -> None:
    one, two = replicas
    with _http(one, "sk-journal") as a, _http(two, "sk-journal") as b:
        last = a.get("/__mockapi/journal").json()["last_seq"]
        a.get("/v1/models/gpt-4o-mini")
        b.get("/v1/models/gpt-4o")
        seen = [
            [e["path"] for e in c.get("/__mockapi/journal", params={"since": last}).json()["data"]]
            for c in (a, b)
        ]
    assert seen[0] == seen[1] == ["/v1/models/gpt-4o-mini", "/v1/models/gpt-4o"]


def test_a_redis_restart_is_survived_and_its_data_kept(
    replicas: tuple[Served, Served], redis_server: RedisServer
) -> None:
    one, two = replicas
    with strict_client(one.url + "/v1", api_key=KEY) as sdk:
        made = sdk.files.create(file=("kept.bin", DATA), purpose="user_data")
    redis_server.stop()
    try:
        for served in replicas:
            with _http(served) as http:
                for answer in (
                    http.get(f"/v1/files/{made.id}"),
                    http.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": HELLO}),
                ):
                    assert answer.status_code == 503, answer.text
                    error = answer.json()["error"]
                    assert error["type"] == "server_error"
                    assert f"state store {redis_server.url(3)} is unreachable" in error["message"]
                    assert answer.headers["retry-after"] == "1"
            assert served.process.poll() is None  # no crash
    finally:
        redis_server.start()  # the same port and directory: it reads its append-only file
    with _http(two) as http:
        assert http.get(f"/v1/files/{made.id}").json()["bytes"] == len(DATA)
        assert http.get(f"/v1/files/{made.id}/content").content == DATA
    with _http(one) as http:
        answer = http.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": HELLO})
        assert answer.status_code == 200, answer.text
