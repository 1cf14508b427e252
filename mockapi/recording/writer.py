"""Writing recordings after their answers: one background thread per recorder, in order.

A recording is persisted once its answer is complete, never on the way to the client:
the recorder hands it over as a :class:`Job` (redacted, keyed and mostly indexed
already, on the event loop: :mod:`mockapi.recording.handover`) and the writer's thread
commits the jobs (:meth:`Job.commit`: the YAML, the file written atomically, indexed if
that was not done already) in the order they were handed over, in batches. The YAML is
CPU work that holds the GIL: a batch waits until no answer is on its way (see
:class:`Writer`), or the event loop would wait for the GIL.

**Coalescing.** Within a batch, a job naming the same ``supersedes`` key as a later one
of the batch is committed without writing: its file would be replaced by the later
one's straight away (record mode ``all``, the same request again while the disk was
busy). What the disk holds in the end is what writing both would have left.

**Waiting for the disk.** :meth:`Writer.flush` waits until every job handed over before
it is committed (the server's shutdown, a test's end, an admin read); a recording's
file appears :data:`GATHER` to :data:`DEFER` seconds after its answer otherwise (plus
the disk's time). At most :data:`MAX_PENDING` jobs (or :data:`MAX_PENDING_BYTES` of
captured bodies) wait: past that, the answer that would add one waits for room
(:meth:`Writer.room`), so a disk slower than the traffic slows the answers rather than
filling memory. A process that exits with jobs pending commits them first (an
``atexit`` hook; the thread is a daemon, so an idle one never keeps a process alive).
"""

from __future__ import annotations

import atexit
import functools
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable

import anyio.to_thread

log = logging.getLogger("mockapi.recording.writer")


MAX_PENDING = 256
"""Jobs that may wait for the writer before answers wait for room."""
MAX_PENDING_BYTES = 64 * 1024 * 1024
"""Captured bytes that may wait (one larger job alone is always let in)."""
IDLE_SECONDS = 2.0
"""How long the thread waits for work before it ends (it starts again on demand)."""
GATHER = 0.01
"""Seconds a batch gathers jobs before it is written (more of one file coalesce)."""
DEFER = 0.05
"""Seconds a job may wait for the server to be quiet (see :class:`Writer`)."""


class Job:
    """One recording to persist; the writer calls :meth:`commit`, then always :meth:`finish`."""

    weight: int = 0
    """The bytes it holds (what :data:`MAX_PENDING_BYTES` counts)."""
    supersedes: Hashable | None = None
    """A key shared by the jobs whose writes replace one another outright (a later
    one's write makes an earlier one's unnecessary); None: always written."""

    def commit(self, *, write: bool) -> None:
        """Write (``write`` False: a later job of the batch writes the same file) and index."""

    def finish(self) -> None:
        """Called last, whatever happened (e.g. to let waiting requests go on)."""

    def describe(self) -> str:
        """What the job records, for a log line."""
        return type(self).__name__


class Writer:
    """The background writer of one recorder (see the module docstring).

    A batch gathers jobs for :data:`GATHER` seconds, then waits until ``quiet()`` says
    the server has time (woken by :meth:`nudge`), :data:`DEFER` seconds at most and not
    at all for a flush: its CPU work (the YAML) then holds the GIL while no answer is on
    its way, and more writes of one file coalesce.
    """

    def __init__(
        self, *, quiet: Callable[[], bool] = lambda: True, name: str = "mockapi-recorder"
    ) -> None:
        self._name = name
        self._quiet = quiet
        self._cond = threading.Condition()
        self._jobs: deque[tuple[float, Job]] = deque()
        self._bytes = 0
        self._submitted = 0
        self._committed = 0
        self._flushing = 0
        self._idle = False  # the thread waits for jobs
        self._awaiting_quiet = False  # the thread waits for quiet()
        self._thread: threading.Thread | None = None
        _LIVE.add(self)

    @property
    def pending(self) -> int:
        """Jobs handed over and not committed yet."""
        with self._cond:
            return self._submitted - self._committed

    def submit(self, job: Job) -> None:
        """Hand ``job`` over; returns at once (see :meth:`room` for the limit)."""
        with self._cond:
            self._jobs.append((time.monotonic(), job))
            self._bytes += job.weight
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            elif self._idle:  # (a batch gathering or waiting takes it in anyway)
                self._cond.notify_all()

    def full(self, weight: int = 0) -> bool:
        """Whether a job of ``weight`` bytes should wait for room before it is handed over."""
        with self._cond:
            waiting = len(self._jobs)
            return waiting > 0 and (
                waiting >= MAX_PENDING or self._bytes + weight > MAX_PENDING_BYTES
            )

    async def room(self, weight: int = 0) -> None:
        """Wait (off the event loop) until a job of ``weight`` bytes may be handed over."""
        if self.full(weight):
            await anyio.to_thread.run_sync(self._wait_room, weight, abandon_on_cancel=True)

    def _wait_room(self, weight: int) -> None:
        with self._cond:
            while self._jobs and (
                len(self._jobs) >= MAX_PENDING or self._bytes + weight > MAX_PENDING_BYTES
            ):
                self._cond.wait()

    def nudge(self) -> None:
        """The server is quiet now: a batch waiting for that goes on."""
        if self._awaiting_quiet:  # read without the lock: a wait for quiet has a deadline
            with self._cond:
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every job handed over so far is committed; False on ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._submitted
            self._flushing += 1  # no batch waits for quiet meanwhile
            self._cond.notify_all()
            try:
                while self._committed < target:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(left)
            finally:
                self._flushing -= 1
        return True

    async def drained(self) -> None:
        """:meth:`flush`, awaited off the event loop (at once when nothing is pending)."""
        if self.pending:
            await anyio.to_thread.run_sync(self.flush, abandon_on_cancel=True)

    # -- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._jobs:
                    self._idle = True
                    self._cond.wait(IDLE_SECONDS)
                    self._idle = False
                if not self._jobs:
                    self._thread = None  # a later submit starts another
                    return
                first = self._jobs[0][0]
                while not self._flushing:
                    now = time.monotonic()
                    if now >= first + DEFER or (now >= first + GATHER and self._quiet()):
                        break
                    self._awaiting_quiet = now >= first + GATHER
                    self._cond.wait(first + (GATHER if now < first + GATHER else DEFER) - now)
                self._awaiting_quiet = False
                batch = [job for _, job in self._jobs]  # what came meanwhile too
                self._jobs.clear()
            try:
                self._run_batch(batch)
            finally:
                with self._cond:
                    self._bytes -= sum(job.weight for job in batch)
                    self._committed += len(batch)
                    self._cond.notify_all()

    def _run_batch(self, batch: list[Job]) -> None:
        last = {job.supersedes: i for i, job in enumerate(batch) if job.supersedes is not None}
        for index, job in enumerate(batch):
            key = job.supersedes
            write = key is None or last[key] == index
            _step(job, functools.partial(job.commit, write=write))
            _step(job, job.finish)


def _step(job: Job, call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:  # a bug: say so, but never stop the writer
        log.exception("could not record %s (a mockapi bug: please report it)", job.describe())


_LIVE: weakref.WeakSet[Writer] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    """A process that exits commits what it was handed first (its daemon thread lives
    until after the ``atexit`` hooks)."""
    for writer in list(_LIVE):
        writer.flush(timeout=30)
