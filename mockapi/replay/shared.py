"""A replayer one of several replicas: the journal, the fault counters and the rate-limit
buckets shared with the others.

:func:`mockapi.build.build_replayer` makes a :class:`SharedReplayer` when the state store
is shared by replicas on several machines (``--state redis://...``), with the shared
stores of :class:`Fleet` (``mockapi.state.redis_shared``); otherwise the plain
:class:`~mockapi.replay.engine.Replayer` keeps all three in process, as fast as before.
What stays per replica: fixture use counts, fixtures and fault rules added at run time,
and the limits set on projects through the Administration API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockapi.faults import ratelimit
from mockapi.faults.state import FaultCounters, FaultState
from mockapi.replay.engine import Replayer
from mockapi.replay.journal import JournalStore, SharedJournal


@dataclass(frozen=True)
class Fleet:
    """Where the replicas keep what they share besides the state store."""

    journal: JournalStore
    fault_counters: FaultCounters
    buckets: ratelimit.Buckets


class SharedReplayer(Replayer):
    """A :class:`Replayer` whose journal, fault counters and rate-limit buckets are the
    ``fleet``'s (its other arguments are :class:`Replayer`'s)."""

    def __init__(self, *args: Any, fleet: Fleet, **kwargs: Any) -> None:
        self.fleet = fleet  # first: Replayer.__init__ sets the rate limit
        self._started = False
        super().__init__(*args, **kwargs)
        self._started = True
        self.journal = SharedJournal(self.settings.journal_size, store=fleet.journal)
        self.faults = FaultState(
            self.faults.rules, seed=self.faults.seed, counters=fleet.fault_counters
        )

    def set_rate_limit(self, limits: ratelimit.Limits | None) -> None:
        """Limit requests like the real API from now on, in the fleet's buckets: full
        when set at run time (not when a replica starts: the others may be using them)."""
        super().set_rate_limit(limits)
        if limits is not None:
            self.limiter = ratelimit.RateLimiter(limits, buckets=self.fleet.buckets)
            if self._started:
                self.limiter.reset()
