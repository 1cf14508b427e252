"""Deciding faults: the server's rules, and counters that make every decision repeatable.

Each fault is counted under a key (the rule, the header's text, the fixture entry): its
n-th matching request is ``n``, so ``times`` and a seeded ``probability`` (or
``chaos``) give the same answers for the same sequence of requests whatever the timing,
from a hash of the seed, the key and ``n`` (:func:`roll`). Pure: no clock, no I/O.

The counters are kept in process (:class:`LocalCounters`, the default) or, for several
replicas behind one load balancer, by any :class:`FaultCounters` shared between them
(``mockapi.state.redis_shared``), so that ``times=2`` means two across the fleet.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol

from mockapi.faults.spec import Fault, parse


def roll(seed: int, key: str, number: int, purpose: str) -> float:
    """A number in [0, 1) that depends on nothing but its arguments (no process state)."""
    digest = hashlib.sha256(f"{seed}\0{key}\0{number}\0{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


class FaultCounters(Protocol):
    """Where :class:`FaultState` counts each fault key's requests and failures."""

    def take(self, key: str, times: int | None, fires: Callable[[int], bool] | None) -> int:
        """Count one more request under ``key``; its number ``n`` (0 for the first),
        negative unless it fails: fewer than ``times`` (None: no bound) failed under
        ``key`` so far and ``fires(n)`` (None: always), in which case it is counted as
        failed too, atomically with the check."""
        ...

    def counts(self) -> dict[str, tuple[int, int]]:
        """For each key: how many requests it saw and how many it failed."""
        ...

    def forget(self, prefix: str = "") -> None:
        """Zero the counters of the keys starting with ``prefix`` (every key: ``""``)."""
        ...


class LocalCounters:
    """:class:`FaultCounters` in this process (thread-safe)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._fired: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key: str, times: int | None, fires: Callable[[int], bool] | None) -> int:
        with self._lock:
            number = self._seen.get(key, 0)
            self._seen[key] = number + 1
            fired = self._fired.get(key, 0)
            if times is not None and fired >= times:
                return -1
            if fires is not None and not fires(number):
                return -1
            self._fired[key] = fired + 1
            return number

    def counts(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            return {k: (n, self._fired.get(k, 0)) for k, n in self._seen.items()}

    def forget(self, prefix: str = "") -> None:
        with self._lock:
            for key in [k for k in self._seen if k.startswith(prefix)]:
                self._seen.pop(key, None)
                self._fired.pop(key, None)


class FaultState:
    """The server's fault rules and the counters that decide every fault; thread-safe.

    Each fault is counted under a key (the rule, the header's text, the fixture
    entry): its n-th matching request is ``n``, so ``times`` and a seeded
    ``probability`` give the same answers for the same sequence of requests, whatever
    the timing. :meth:`reset` (each test, ``POST /__mockapi/reset``) zeroes the counters.
    The counters are ``counters`` (shared by a fleet of replicas), else in process.
    """

    def __init__(
        self,
        rules: Iterable[Fault] = (),
        *,
        seed: int = 0,
        counters: FaultCounters | None = None,
    ) -> None:
        self.seed = seed
        self._rules: tuple[Fault, ...] = tuple(rules)
        self._counters: FaultCounters = counters if counters is not None else LocalCounters()

    @property
    def rules(self) -> tuple[Fault, ...]:
        return self._rules

    def set_rules(self, rules: Iterable[Fault], *, seed: int | None = None) -> None:
        """Replace the rules (their counters start again from zero)."""
        self._rules = tuple(rules)
        if seed is not None:
            self.seed = seed
        self._counters.forget("rule:")

    def reset(self) -> None:
        self._counters.forget()

    def counters(self) -> dict[str, dict[str, int]]:
        """For each fault key: how many requests it saw and how many it failed."""
        return {k: {"seen": n, "fired": f} for k, (n, f) in self._counters.counts().items()}

    def decide(self, fault: Fault, key: str, *, stream: bool = False) -> Fault | None:
        """The fault that happens to this request under ``key``, or None; counts it."""
        fires: Callable[[int], bool] | None = None
        if fault.probability < 1:
            seed, probability = self.seed, fault.probability

            def fires(number: int) -> bool:
                return roll(seed, key, number, "fire") < probability

        number = self._counters.take(key, fault.times, fires)
        if number < 0:
            return None
        if not fault.one_of:
            return fault
        options = [f for f in fault.one_of if stream or not f.stream_only] or list(fault.one_of)
        chosen = options[int(roll(self.seed, key, number, "pick") * len(options))]
        return replace(chosen, name=fault.name or chosen.name)

    def for_request(
        self, path: str, header: str | None, *, stream: bool
    ) -> tuple[Fault | None, Fault | None]:
        """The first rule that fires for this request, and the ``X-Mockapi-Fault``
        header's fault if it fires (``FaultSpecError`` for a malformed header)."""
        ruled: Fault | None = None
        for index, rule in enumerate(self._rules):
            if rule.applies_to(path):
                ruled = self.decide(rule, f"rule:{index}", stream=stream)
                if ruled is not None:
                    break
        asked: Fault | None = None
        if header:
            spec = parse(header)
            if spec.applies_to(path):
                asked = self.decide(spec, f"header:{header.strip()}", stream=stream)
        return ruled, asked
