"""When a recording's work is done: never on an answer's way, and out of the next one's.

Once an answer is complete, its recording is prepared (redacted, keyed: CPU work), put
in the index and handed to the :class:`~mockapi.recording.writer.Writer`, whose thread
writes the file (the YAML is CPU work too). Done at once, that work competes with the
next request, which a client sends the moment it has the answer: the event loop is busy,
or waits for the GIL the writer holds. So it is done when the loop has time:

- **the loop's part** (:meth:`Handover.hand_over`) once no proxied request waits for
  its first byte (:meth:`Handover.waiting`): after the next one's first event, in the
  gap before its second; :data:`HAND_OVER_AFTER` seconds after the answer when no
  request waits, :data:`HAND_OVER_WITHIN` at the latest; at once for a miss that may
  be the same request again (so that it is answered from the index,
  :meth:`Handover.drain`) and for a flush;
- **the writer's part** while no proxied request waits for its first byte either, or
  :data:`~mockapi.recording.writer.DEFER` seconds at most.

:meth:`Handover.flush` waits for both: the server's shutdown, a test's end, an admin read.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
import weakref
from collections import deque

from mockapi.recording.saving import RecordingJob
from mockapi.recording.writer import Writer

log = logging.getLogger("mockapi.recording.recorder")

HAND_OVER_AFTER = 0.005
"""Seconds after an answer its recording is handed over when no request waits."""
HAND_OVER_WITHIN = 0.05
"""Seconds after an answer its recording is handed over whatever waits."""


class Waiting:
    """A proxied request waiting for its first byte; :meth:`done` once it has it (or
    failed), any number of times."""

    def __init__(self, handover: Handover) -> None:
        self._handover: Handover | None = handover
        handover._waiting += 1

    def done(self) -> None:
        handover, self._handover = self._handover, None
        if handover is not None:
            handover._waiting -= 1
            if not handover._waiting:
                handover.quiet()


class Handover:
    """The recordings of one recorder between their answers and the disk."""

    def __init__(self) -> None:
        self._waiting = 0
        self.writer = Writer(quiet=lambda: not self._waiting)
        self._jobs: deque[tuple[float, RecordingJob]] = deque()
        self._lock = threading.Lock()
        self._handing = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        _LIVE.add(self)

    def waiting(self) -> Waiting:
        """Count a proxied request as waiting for its first byte (on the event loop)."""
        return Waiting(self)

    def schedule(self, job: RecordingJob) -> None:
        """Take ``job`` once its answer is complete (on the event loop)."""
        with self._lock:
            self._jobs.append((time.monotonic(), job))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(HAND_OVER_AFTER, self._due)

    def _due(self) -> None:
        self._timer = None
        with self._lock:
            oldest = self._jobs[0][0] if self._jobs else None
        if oldest is None:
            return
        if not self._waiting or time.monotonic() - oldest >= HAND_OVER_WITHIN:
            self.hand_over()
        else:  # a request waits for its first byte: quiet() will do it, or the next try
            self._timer = asyncio.get_running_loop().call_later(HAND_OVER_AFTER, self._due)

    def quiet(self) -> None:
        """No proxied request waits for its first byte now: what is pending is handed
        over once the current task step is done (on the event loop; elsewhere, when
        the body of an answer is collected, its timer does it), and the writer may go on."""
        if self._jobs and _on_a_loop():
            asyncio.get_running_loop().call_soon(self.hand_over)
        self.writer.nudge()

    def drain(self) -> bool:
        """Hand over what is pending now (a miss that it may answer); whether there was
        anything."""
        if not self._jobs:
            return False
        self.hand_over()
        return True

    def hand_over(self) -> None:
        """Prepare the pending recordings, in order: redacted and keyed, indexed where
        their file is known, then to the writer (on the event loop, or in a flush)."""
        with self._handing:  # one at a time, so they reach the writer in order
            timer, self._timer = self._timer, None
            if timer is not None and _on_a_loop():
                timer.cancel()  # (not from another thread: it fires and finds nothing)
            while True:
                with self._lock:
                    if not self._jobs:
                        return
                    _, job = self._jobs.popleft()
                try:
                    if not job.prepare():
                        job.finish()
                        continue
                    job.index()
                except Exception:  # a bug: say so, but never cut anything
                    log.exception("could not record %s (a mockapi bug)", job.describe())
                    job.finish()
                    continue
                self.writer.submit(job)

    def flush(self, timeout: float | None = None) -> bool:
        """Hand over what is pending and wait until the writer wrote it all."""
        self.hand_over()
        return self.writer.flush(timeout)

    async def drained(self) -> None:
        """:meth:`flush`, awaited off the event loop (at once when nothing is pending)."""
        self.hand_over()
        await self.writer.drained()


_LIVE: weakref.WeakSet[Handover] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    """A process that exits writes the recordings of the answers it gave first."""
    for handover in list(_LIVE):
        handover.flush(timeout=30)


def _on_a_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
