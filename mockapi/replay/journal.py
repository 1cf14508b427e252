"""The journal: a bounded, thread-safe, in-memory list of what the server received.

Every request, hit or miss, is recorded with its outcome, and so is every webhook
delivery attempt the server makes (:attr:`Outcome.WEBHOOK`). The pytest plugin, the admin
API and the inspector page all read it; the oldest entries fall off past ``maxlen``
entries or past ``max_bytes`` (:data:`DEFAULT_MAX_BYTES`) of what they keep: each
entry's body as compact JSON plus its report. The newest entry is always kept, whatever
its size, so the journal holds at most ``max_bytes`` plus one request body (itself
bounded by ``--max-body-size``). What it keeps is always serialisable, whatever the
client sent.

:class:`SharedJournal` keeps the same list, within the same bounds, in a
:class:`JournalStore` that several replicas share (``mockapi.state.redis_shared``): each
reads what all of them received. The in-process :class:`Journal` stays the default.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Protocol

import orjson

from mockapi.errors import APIError
from mockapi.model import JSON
from mockapi.wire import jsonbody


class Outcome(str, enum.Enum):
    HIT = "hit"
    """A fixture answered."""
    MISS = "miss"
    """No fixture matched; the near-miss report was answered."""
    SYNTHESIZED = "synthesized"
    """No fixture matched; a generated answer was sent."""
    PROXIED = "proxied"
    """Forwarded to the upstream (and recorded, if it completed)."""
    REJECTED = "rejected"
    """The request was refused before matching (auth, validation, routing)."""
    WEBHOOK = "webhook"
    """Not a request received: one attempt of the server to deliver a webhook event
    (``path`` is the receiver's URL, ``status`` its answer or 0 when it could not be
    reached, ``report`` the attempt and what comes next)."""


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    time: float
    method: str
    path: str
    body: JSON
    status: int
    outcome: Outcome
    fixture: str | None = None
    """Name of the fixture that answered (hits only)."""
    fixture_source: str | None = None
    report: str | None = None
    """The near-miss report (misses) or the error message (rejections)."""
    stream: bool = False
    fault: str | None = None
    """The fault injected into the answer (``status=429; retry_after=1``), if any."""

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "body": self.body,
            "status": self.status,
            "outcome": self.outcome.value,
            "fixture": self.fixture,
            "fixture_source": self.fixture_source,
            "report": self.report,
            "stream": self.stream,
            "fault": self.fault,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JournalEntry:
        """The entry :meth:`to_json` wrote."""
        return cls(**{**data, "outcome": Outcome(data["outcome"])})


DEFAULT_MAX_BYTES = 8 * 1024 * 1024
"""Bytes of bodies (compact JSON) and reports the journal keeps; the oldest go first."""


class Journal:
    """A bounded list of :class:`JournalEntry`, safe to append and read across threads."""

    def __init__(self, maxlen: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if maxlen < 1:
            raise ValueError(f"journal size must be at least 1, got {maxlen}")
        self._maxlen = maxlen
        self._max_bytes = max_bytes
        self._entries: deque[JournalEntry] = deque()
        self._sizes: deque[int] = deque()  # each entry's size, beside it
        self._bytes = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def next_seq(self) -> int:
        with self._lock:
            return next(self._seq)

    def append(self, entry: JournalEntry) -> None:
        """Keep ``entry``, made serialisable first (see :func:`prepare`)."""
        self.keep(*prepare(entry))

    def keep(self, entry: JournalEntry, size: int) -> None:
        """Keep ``entry`` as :func:`prepare` made it, counting ``size`` (a memoized
        replay prepares its entry once; only ``seq`` and ``time`` change)."""
        with self._lock:
            self._entries.append(entry)
            self._sizes.append(size)
            self._bytes += size
            while len(self._entries) > 1 and (
                len(self._entries) > self._maxlen or self._bytes > self._max_bytes
            ):
                self._entries.popleft()
                self._bytes -= self._sizes.popleft()

    def entries(self, *, since: int = 0) -> list[JournalEntry]:
        """Entries with ``seq`` greater than ``since``, oldest first."""
        with self._lock:
            return [e for e in self._entries if e.seq > since]

    def usage(self) -> tuple[int, int]:
        """How many entries the journal keeps and their size in bytes."""
        with self._lock:
            return len(self._entries), self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_TEXTS = ("method", "path", "report", "fixture", "fixture_source", "fault")


def prepare(entry: JournalEntry) -> tuple[JournalEntry, int]:
    """``entry`` made serialisable (:func:`_serialisable`), and the size it counts."""
    entry = _serialisable(entry)
    return entry, _size(entry)


def _serialisable(entry: JournalEntry) -> JournalEntry:
    """``entry`` with every value any JSON encoder can write, whatever the client sent.

    Cleaned here, as it is recorded, because every reader (the admin API, the
    inspector, the pytest handle, another worker) serialises entries: one value orjson
    refuses (a lone surrogate, an integer beyond 64 bits, nesting past its limit) would
    otherwise fail each read of the journal until the entry aged out. The common case, a
    clean entry, is returned as it is.
    """
    changes: dict[str, Any] = {}
    for name in ("body", *_TEXTS):
        value = getattr(entry, name)
        clean = jsonbody.jsonable(value)
        if clean is not value:
            changes[name] = clean
    return replace(entry, **changes) if changes else entry


def _size(entry: JournalEntry) -> int:
    """What ``entry`` counts against the bound: its body's compact JSON and its report."""
    try:
        body = len(orjson.dumps(entry.body))
    except (TypeError, orjson.JSONEncodeError):  # cleaned already: never expected
        body = len(str(entry.body))
    return body + len(entry.report.encode("utf-8", "replace")) if entry.report else body


# -- shared by replicas ------------------------------------------------------------------

log = logging.getLogger(__name__)


class JournalStore(Protocol):
    """Where a :class:`SharedJournal` keeps its entries: shared by a fleet of replicas."""

    def next_seq(self) -> int:
        """The next sequence number of the fleet (1, 2, ...)."""
        ...

    def append(self, record: bytes, size: int, *, maxlen: int, max_bytes: int) -> None:
        """Keep ``record`` (counting ``size`` bytes) last, then drop the oldest while more
        than one is kept and they are over ``maxlen`` records or ``max_bytes``, atomically."""
        ...

    def records(self) -> list[bytes]:
        """Every record kept, oldest first."""
        ...

    def usage(self) -> tuple[int, int]:
        """How many records are kept and their counted size."""
        ...

    def clear(self) -> None:
        """Forget every record (the sequence numbers go on)."""
        ...


class SharedJournal(Journal):
    """The :class:`Journal` of a fleet of replicas, in ``store``, within the same bounds.

    Journaling never fails a request: while the store is unreachable (its 503), an entry
    is not kept and the sequence number is 0, with a warning in the log; reading the
    journal answers the store's 503.
    """

    def __init__(
        self, maxlen: int, *, store: JournalStore, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        super().__init__(maxlen, max_bytes=max_bytes)
        self._store = store

    def next_seq(self) -> int:
        try:
            return self._store.next_seq()
        except APIError as exc:
            log.warning("journal: no sequence number: %s", exc.message)
            return 0

    def keep(self, entry: JournalEntry, size: int) -> None:
        record = orjson.dumps(entry.to_json())
        try:
            self._store.append(record, size, maxlen=self._maxlen, max_bytes=self._max_bytes)
        except APIError as exc:
            log.warning("journal: %s %s not kept: %s", entry.method, entry.path, exc.message)

    def entries(self, *, since: int = 0) -> list[JournalEntry]:
        found = (JournalEntry.from_json(orjson.loads(r)) for r in self._store.records())
        return [entry for entry in found if entry.seq > since]

    def usage(self) -> tuple[int, int]:
        return self._store.usage()

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return self._store.usage()[0]
