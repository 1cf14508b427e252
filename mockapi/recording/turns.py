"""Who goes upstream for a recording: one request per recording key, across processes.

Identical requests in flight at once (parallel test workers, a client retrying, two
recorders on one directory) would each go upstream and each become a file (``key.yaml``,
``key-1.yaml``, ...). Instead the first to ask **takes the turn** for its key: within
the process (the keys in flight) and across processes (a claim: a lock file beside the
target, :func:`mockapi.library.staging.claim`). The others wait until the turn is given
back, then are answered from the recording it made (by the replayer, so a stream is
replayed as a stream and a plain request gets the plain form of a streamed recording).

A turn that ends without a recording (the upstream broke off, an error not recorded,
the client left early) lets the waiters go on: one in another process takes the next
turn; those of this process go upstream each on its own, as if they had not waited.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio

from mockapi.library import staging

POLL_SECONDS = 0.02
"""How often a waiting request looks whether the turn was given back."""

A = TypeVar("A")


class Turn:
    """The right to go upstream for one recording key; :meth:`release` once the exchange
    is recorded (or dropped), so that the requests waiting for it are answered."""

    def __init__(self, turns: Turns, target: Path, claim: staging.Claim | None) -> None:
        self._turns = turns
        self.target = target
        self._claim = claim
        self._passed = False

    def pass_on(self) -> Turn:
        """The turn, held by a new object from now on: this one's :meth:`release` does
        nothing any more (the recording's writer gives the turn back, not the answer)."""
        self._passed = True
        claim, self._claim = self._claim, None
        return Turn(self._turns, self.target, claim)

    def indexed(self) -> None:
        """The recording is served from the index already: the requests of this process
        waiting for the turn go on (and find it there); other processes wait for the
        claim, which :meth:`release` gives back once the file is written."""
        if not self._passed:
            self._turns._in_flight.discard(self.target)

    def release(self) -> None:
        """Give the turn back; safe to call more than once, from any thread."""
        if self._passed:
            return
        self._turns._in_flight.discard(self.target)
        claim, self._claim = self._claim, None
        if claim is not None:
            claim.release()


class Turns:
    """The turns of one recorder (see the module docstring)."""

    def __init__(self, *, poll: float = POLL_SECONDS) -> None:
        self.poll = poll
        self._in_flight: set[Path] = set()

    async def take(self, target: Path, recorded: Callable[[bool], A | None]) -> A | Turn | None:
        """Wait for the turn to record ``target`` (the recording's file).

        ``recorded(waited)`` answers the request from what is recorded by now, or None;
        ``waited`` says whether a turn was waited for (so something may have been
        recorded since). Returns its answer when someone else recorded the request
        meanwhile; a :class:`Turn` when this request is to go upstream and record it;
        None when the request this one waited for recorded nothing, so that it goes
        upstream without a turn.
        """
        waited = False
        while target in self._in_flight:  # another request of this process has it
            waited = True
            await anyio.sleep(self.poll)
        found = recorded(waited)
        if found is not None or waited:
            return found
        # No await from the check above to here: no other request can slip in between.
        self._in_flight.add(target)
        try:
            busy = False
            while True:
                claimed = staging.claim(target)
                if claimed == staging.BUSY:  # another process has it
                    busy = True
                    await anyio.sleep(self.poll)
                    continue
                turn = Turn(self, target, claimed if isinstance(claimed, staging.Claim) else None)
                if busy:  # the other process is done: did it record this?
                    found = recorded(True)
                    if found is not None:
                        turn.release()
                        return found
                return turn
        except BaseException:
            self._in_flight.discard(target)
            raise
