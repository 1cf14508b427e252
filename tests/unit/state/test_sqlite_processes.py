"""The SQLite store across real processes, threads, restarts and a kill -9.

Each child is a fresh ``python -c`` process opening the same database path, as a
second ``--workers`` worker or a restarted server would.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from mockapi.state.sqlite import SQLiteStore

PRELUDE = """
import sys
from mockapi.state.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1])
"""


def _child(script: str, path: Path, *args: str) -> subprocess.Popen[str]:
    code = PRELUDE + textwrap.dedent(script)
    return subprocess.Popen(
        [sys.executable, "-c", code, str(path), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(script: str, path: Path, *args: str) -> str:
    child = _child(script, path, *args)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    return out


def test_what_a_child_process_writes_the_parent_reads(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    parent = SQLiteStore(path)
    parent.put("files", "file-0", {"id": "file-0"})
    _run(
        """
        assert store.get("files", "file-0") == {"id": "file-0"}
        store.put("files", "file-1", {"id": "file-1", "purpose": "batch"})
        store.put_blob("file-1", b"line 1\\nline 2\\n")
        """,
        path,
    )
    assert parent.get("files", "file-1") == {"id": "file-1", "purpose": "batch"}
    assert parent.get_blob("file-1") == b"line 1\nline 2\n"
    assert [v["id"] for v in parent.page("files", order="asc").data] == ["file-0", "file-1"]
    parent.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SQLiteStore(path)
    store.put("counters", "shared", {"n": 0})
    # Both start writing together (each says it is ready, then waits for "go"), so
    # that their transactions interleave rather than run one after the other.
    script = """
    name = sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(300):
        store.put("files", f"{name}-{i}", {"id": f"{name}-{i}"})
        # A read-modify-write: lost updates would leave the counter short.
        store.update("counters", "shared", lambda c: {"n": c["n"] + 1})
    """
    children = [_child(script, path, name) for name in ("one", "two")]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    ids = {v["id"] for v in store.values("files")}
    assert ids == {f"{name}-{i}" for name in ("one", "two") for i in range(300)}
    assert store.get("counters", "shared") == {"n": 600}
    store.close()


def test_threads_sharing_one_store_lose_nothing(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "state.db")
    store.put("counters", "shared", {"n": 0})

    def work(name: str) -> None:
        for i in range(50):
            store.put("files", f"{name}-{i}", {"id": f"{name}-{i}"})
            store.update("counters", "shared", lambda c: {"n": c["n"] + 1})

    threads = [threading.Thread(target=work, args=(str(n),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.values("files")) == 200
    assert store.get("counters", "shared") == {"n": 200}
    store.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")
def test_a_child_killed_mid_writes_leaves_a_database_that_opens(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SQLiteStore(path).close()
    # Each id is printed only once its write committed; the child writes on forever.
    child = _child(
        """
        i = 0
        while True:
            store.put("files", f"file-{i}", {"id": f"file-{i}", "pad": "x" * 2000})
            if i % 10 == 0:
                store.put_blob(f"file-{i}", bytes([i % 256]) * 3000)
            print(i, flush=True)
            i += 1
        """,
        path,
    )
    assert child.stdout is not None
    committed = [int(child.stdout.readline()) for _ in range(300)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    reopened = SQLiteStore(path)
    for i in committed:
        assert reopened.get("files", f"file-{i}") == {"id": f"file-{i}", "pad": "x" * 2000}
        if i % 10 == 0:
            assert reopened.get_blob(f"file-{i}") == bytes([i % 256]) * 3000
    reopened.put("files", "after", {"id": "after"})  # and it still takes writes
    assert reopened.get("files", "after") == {"id": "after"}
    reopened.close()


def test_state_survives_closing_and_reopening_the_same_path(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.db"
    first = SQLiteStore(path)
    for name in "abc":
        first.put("files", f"file-{name}", {"id": f"file-{name}"})
    first.put_blob("file-a", b"kept bytes")
    first.delete("files", "file-b")
    first.close()

    again = SQLiteStore(path)
    assert [v["id"] for v in again.values("files")] == ["file-a", "file-c"]
    assert again.get_blob("file-a") == b"kept bytes"
    again.put("files", "file-d", {"id": "file-d"})  # new objects list after the old ones
    assert [v["id"] for v in again.page("files", order="asc").data] == [
        "file-a",
        "file-c",
        "file-d",
    ]
    again.close()


def test_blob_keys_and_filter_fields_that_could_escape_are_refused(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "state.db")
    for key in ("../escape", ".hidden", "a/b", ""):
        with pytest.raises(ValueError, match="a blob key is letters"):
            store.put_blob(key, b"x")
    with pytest.raises(ValueError, match="top-level field name"):
        store.page("files", where={"a') OR 1=1 --": "x"})
    assert not list((tmp_path).glob("escape*"))
    store.close()
