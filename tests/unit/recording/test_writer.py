"""The recordings' writer: jobs committed in order off the caller's thread, a batch's
writes of one file coalesced, flush waiting for what was handed over, room when full."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

import anyio
import pytest

from mockapi.recording import writer
from mockapi.recording.writer import Job, Writer


class Logged(Job):
    """A job that notes its commit (and whether it wrote) in ``log``."""

    def __init__(
        self,
        name: str,
        log: list[tuple[str, bool]],
        *,
        key: Hashable | None = None,
        gate: threading.Event | None = None,
        weight: int = 0,
    ) -> None:
        self.name, self.log, self.gate = name, log, gate
        self.supersedes = key
        self.weight = weight
        self.finished = False
        self.entered = threading.Event()

    def commit(self, *, write: bool) -> None:
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        self.log.append((self.name, write))

    def finish(self) -> None:
        self.finished = True


def test_jobs_are_committed_in_order_and_flush_waits_for_them() -> None:
    log: list[tuple[str, bool]] = []
    gate = threading.Event()
    out = Writer()
    jobs = [Logged("a", log, gate=gate), Logged("b", log), Logged("c", log)]
    for job in jobs:
        out.submit(job)  # returns at once, the first one held by its gate
    assert out.pending == 3 and not out.flush(timeout=0.05)
    gate.set()
    assert out.flush(timeout=10)
    assert log == [("a", True), ("b", True), ("c", True)]
    assert all(job.finished for job in jobs) and out.pending == 0


def test_a_batch_writes_each_superseded_file_once_and_commits_every_job() -> None:
    log: list[tuple[str, bool]] = []
    gate = threading.Event()
    out = Writer()
    held = Logged("held", log, gate=gate)
    out.submit(held)
    assert held.entered.wait(10)  # the batch after it gathers the rest
    for name, key in [("x1", "x"), ("y1", "y"), ("x2", "x"), ("n", None), ("x3", "x")]:
        out.submit(Logged(name, log, key=key))
    gate.set()
    assert out.flush(timeout=10)
    assert log == [
        ("held", True),
        ("x1", False),  # x3 writes the same file later in the batch
        ("y1", True),
        ("x2", False),
        ("n", True),
        ("x3", True),
    ]


def test_a_failing_job_is_logged_and_the_next_ones_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[tuple[str, bool]] = []

    class Broken(Logged):
        def commit(self, *, write: bool) -> None:
            raise RuntimeError("disk on fire")

    out = Writer()
    broken = Broken("broken", log)
    out.submit(broken)
    out.submit(Logged("after", log))
    assert out.flush(timeout=10)
    assert log == [("after", True)] and broken.finished
    assert "could not record Broken (a mockapi bug" in caplog.text


def test_answers_wait_for_room_when_the_writer_falls_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer, "MAX_PENDING", 2)
    log: list[tuple[str, bool]] = []
    gate = threading.Event()
    out = Writer()
    held = Logged("held", log, gate=gate)
    out.submit(held)
    assert held.entered.wait(10)  # taken by the thread, which waits at the gate
    out.submit(Logged("q1", log))
    assert not out.full()
    out.submit(Logged("q2", log))
    assert out.full(), "two wait behind the held one"
    waited: list[bool] = []

    async def answer() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(out.room)
            await anyio.sleep(0.05)
            waited.append(out.full())
            gate.set()  # the writer catches up: room again
        waited.append(out.full())

    anyio.run(answer)
    assert waited == [True, False]
    assert out.flush(timeout=10) and [name for name, _ in log] == ["held", "q1", "q2"]


def test_a_batch_waits_until_the_server_is_quiet_or_a_flush(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer, "GATHER", 0.0)
    monkeypatch.setattr(writer, "DEFER", 30.0)
    log: list[tuple[str, bool]] = []
    quiet = threading.Event()
    out = Writer(quiet=quiet.is_set)
    out.submit(Logged("a", log))
    time.sleep(0.1)
    assert log == [] and out.pending == 1, "an answer is on its way: the batch waits"
    quiet.set()
    out.nudge()  # what the recorder does once no answer waits for its first byte
    deadline = time.monotonic() + 10
    while out.pending and time.monotonic() < deadline:
        time.sleep(0.005)
    assert log == [("a", True)]
    out.submit(Logged("b", log))
    quiet.clear()
    assert out.flush(timeout=10), "a flush does not wait for quiet"
    assert log == [("a", True), ("b", True)]
