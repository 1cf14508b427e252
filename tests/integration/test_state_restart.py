"""``mockapi serve --state PATH``: what the server created outlives the server.

A file and a stored completion survive a clean stop (SIGTERM) and two restarts, and
ids never repeat across them (the id counters are kept in the database); a server
killed with SIGKILL in the middle of a burst of writes and of a batch's run leaves a
database that passes SQLite's integrity check, and a server that starts on it with
every write it had acknowledged and the batch as its last commit left it.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import threading
from pathlib import Path

import openai
import pytest

from tests.helpers import response_problems, strict_client
from tests.integration.state_servers import HELLO, KEY, Served, serving, start

pytestmark = pytest.mark.integration


def _sdk(served: Served) -> openai.OpenAI:
    return strict_client(served.url + "/v1", api_key=KEY)


def _integrity(database: Path) -> str:
    with sqlite3.connect(database) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def test_objects_survive_restarts_and_ids_never_repeat(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    contents = {}
    with serving("--workers", "2", "--state", str(database), "--on-miss", "error") as served:
        assert served.state_line() == (
            f"state: {database} (kept across restarts, shared by the 2 workers)"
        )
        with _sdk(served) as sdk:
            first = sdk.files.create(file=("a.jsonl", b'{"n": 1}\n'), purpose="user_data")
            completion = sdk.chat.completions.create(
                model="gpt-4o-mini", messages=HELLO, store=True, metadata={"day": "1"}
            )
        contents[first.id] = b'{"n": 1}\n'
        assert served.stop(signal.SIGTERM) == 0
    # The workers closed their connections: the last one folded the WAL into the database.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.db", "state.db.blobs"]

    for day in (2, 3):  # two restarts, one process each
        with serving("--state", str(database), "--on-miss", "error") as served, _sdk(served) as sdk:
            for file_id, data in contents.items():
                raw = sdk.files.with_raw_response.retrieve(file_id)
                assert response_problems("GET /v1/files/{file_id}", raw.http_response.json()) == []
                assert raw.parse().bytes == len(data)
                assert sdk.files.content(file_id).content == data
            kept = sdk.chat.completions.retrieve(completion.id)
            assert (kept.created, kept.metadata) == (completion.created, {"day": "1"})
            data = random.Random(day).randbytes(5000)
            made = sdk.files.create(file=(f"day{day}.bin", data), purpose="user_data")
            assert made.id not in contents, f"{made.id} was issued again after a restart"
            contents[made.id] = data
            listed = [f.id for f in sdk.files.list(order="asc")]
            assert listed == list(contents)
        # Stopped by SIGTERM, the server closed its store on the way out: no WAL left.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["state.db", "state.db.blobs"]
    assert len(contents) == 3


def _running_batch(served: Served, lines: int) -> tuple[str, bytes]:
    """A batch of ``lines`` chat lines, polled until its run (in a background thread:
    more lines than a retrieve runs inline) has written progress; its id and input."""
    line = {"method": "POST", "url": "/v1/chat/completions"}
    body = {"model": "gpt-4o-mini", "messages": HELLO}
    data = "".join(
        json.dumps({"custom_id": f"r{n}", **line, "body": body}) + "\n" for n in range(lines)
    ).encode()
    with _sdk(served) as sdk:
        made = sdk.files.create(file=("in.jsonl", data), purpose="batch")
        batch = sdk.batches.create(
            input_file_id=made.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        for _ in range(500):
            batch = sdk.batches.retrieve(batch.id)
            if batch.request_counts is not None and batch.request_counts.completed > 0:
                break
    assert batch.status == "in_progress", batch
    return batch.id, data


def test_a_kill_9_mid_writes_leaves_a_database_a_server_starts_on(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    served = start("--state", str(database), "--on-miss", "error")
    batch_id, batch_input = _running_batch(served, 20_000)
    acknowledged: dict[str, bytes | None] = {}  # file id: its bytes; completion id: None
    enough = threading.Event()
    lock = threading.Lock()

    def write(worker: int) -> None:
        # A plain client: after the kill its requests fail, and that is expected.
        with openai.OpenAI(base_url=served.url + "/v1", api_key=KEY, max_retries=0) as sdk:
            for n in range(1000):
                try:
                    if n % 2:
                        data = random.Random(worker * 1000 + n).randbytes(20_000)
                        made = sdk.files.create(file=(f"{n}.bin", data), purpose="user_data")
                        key, value = made.id, data
                    else:
                        created = sdk.chat.completions.create(
                            model="gpt-4o-mini", messages=HELLO, store=True
                        )
                        key, value = created.id, None
                except openai.APIConnectionError:
                    return  # the server is gone
                with lock:
                    acknowledged[key] = value
                    if len(acknowledged) >= 40:
                        enough.set()

    writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for writer in writers:
        writer.start()
    try:
        assert enough.wait(timeout=60), "the writers did not get going"
    finally:
        served.stop(signal.SIGKILL)  # while the writers send and the batch runs
        for writer in writers:
            writer.join(timeout=30)
    assert Path(f"{database}-wal").exists()  # killed with its store open: recovery needed
    assert _integrity(database) == "ok"

    with serving("--state", str(database), "--on-miss", "error") as again, _sdk(again) as sdk:
        for object_id, data in acknowledged.items():
            if data is None:
                assert sdk.chat.completions.retrieve(object_id).id == object_id
            else:
                assert sdk.files.content(object_id).content == data
        batch = sdk.batches.retrieve(batch_id)  # as of its last commit before the kill
        assert batch.status == "in_progress"
        assert batch.request_counts is not None
        assert 0 < batch.request_counts.completed < batch.request_counts.total == 20_000
        assert sdk.files.content(batch.input_file_id).content == batch_input
        after = sdk.files.create(file=("after.bin", b"after the crash"), purpose="user_data")
        assert after.id not in acknowledged
        assert sdk.files.content(after.id).content == b"after the crash"
