"""The mock's clock: wall time plus an offset that a test moves forward.

Every timestamp the stateful families write (``created_at``, ``in_progress_at``,
``completed_at``, ``expires_at``) and every expiry they check reads :meth:`Clock.now`,
so a test that advances the clock by a day sees a batch's 24-hour window run out, an
upload's hour pass and ``expires_at`` in the past, without waiting. The offset is kept
in the state store (kind :data:`KIND`), so every ``--workers`` process reads the same
time and a reset (which clears the store) puts the clock back to wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mockapi.state.store import StateStore

KIND = "clock"
"""The state store kind holding the offset (one object, :data:`_OFFSET`)."""
_OFFSET = "offset"


class Clock:
    """Seconds since the epoch as the mock sees them (see the module docstring)."""

    def __init__(self, store: StateStore, wall: Callable[[], float] = time.time) -> None:
        self._store = store
        self._wall = wall

    def offset(self) -> float:
        """How far ahead of wall time the mock's clock is, in seconds."""
        kept = self._store.get(KIND, _OFFSET)
        return float(kept) if isinstance(kept, (int, float)) else 0.0

    def now(self) -> float:
        """The mock's time, in seconds since the epoch."""
        return self._wall() + self.offset()

    def seconds(self) -> int:
        """The mock's time in whole seconds: what the API's ``*_at`` fields hold."""
        return int(self.now())

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward (never back); the new offset."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward: got {seconds} seconds")
        changed = self._store.update(KIND, _OFFSET, lambda kept: float(kept) + seconds, start=0.0)
        return float(changed or 0.0)
