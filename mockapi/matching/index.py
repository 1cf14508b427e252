"""The fixture index: which fixture answers a request, fast, and the near misses.

Fixtures are indexed once when loaded (their matchers' arguments prepared by the
index's :class:`~mockapi.matching.matchers.Matchers` registry): by method and path, by
exact body hash, and by exact model, so a hit costs one hash lookup plus the few
candidates with other matchers, whatever the library's size. A miss ranks every fixture
of the route by how far it is from the request, using cheap lower bounds
(:mod:`mockapi.matching.diff`) to skip most full diffs.
"""

from __future__ import annotations

import heapq
import operator
from bisect import insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi.library.fixture import Fixture
from mockapi.matching.diff import MISSING, BodyView, Difference, Path, PreparedBody, plural
from mockapi.matching.matchers import (
    BUILTIN,
    Matcher,
    Matchers,
    _content_differences,
    _model_ok,
    match_body,
    match_content,
    match_model,
    match_partial_body,
)
from mockapi.matching.outline import Key, Outline, Shape, SharedHashes, kinds_term, shape_of
from mockapi.model import Request

__all__ = ["FixtureIndex", "NearMiss"]


@dataclass(frozen=True)
class NearMiss:
    """A fixture that did not match a request, and every field that differed."""

    fixture: Fixture
    differences: tuple[Difference, ...]


Rank = tuple[int, int, int, int]


@dataclass(frozen=True, eq=False, slots=True)
class _Entry:
    fixture: Fixture
    order: int
    rank: Rank  # (-priority, -strongest matcher, -number of matchers, load order)
    body: PreparedBody | None  # an exact body, found by hash rather than by the matcher
    checks: tuple[tuple[Matcher, Any], ...]  # every other matcher with its prepared argument
    model: str | None  # an exact model name: buckets the fixtures that are scanned
    group: int  # which ignore set body has (an index into FixtureIndex._ignores)

    @property
    def outline(self) -> Outline | None:
        """The exact body's outline (made on each call: the index keeps its :class:`Shape`)."""
        return self.body.outline if self.body is not None else None


def _entry(
    fixture: Fixture, order: int, ignores: dict[tuple[Path, ...], int], matchers: Matchers
) -> _Entry:
    checks: list[tuple[Matcher, Any]] = []
    body: PreparedBody | None = None
    strongest = 0
    for spec, prepared in matchers.prepare(fixture):
        strongest = max(strongest, spec.strength)
        exact = isinstance(prepared, PreparedBody) and prepared.key is not None
        if spec.match is match_body and exact:
            body = prepared
        else:
            checks.append((spec.match, prepared))
    rank = (-fixture.priority, -strongest, -len(fixture.matchers), order)
    model = fixture.matchers.get("model")
    model = model if isinstance(model, str) else None
    if body is None:
        return _Entry(fixture, order, rank, body, tuple(checks), model, -1)
    group = ignores.setdefault(body.ignore, len(ignores))
    return _Entry(fixture, order, rank, body, tuple(checks), model, group)


def _check(matcher: Matcher, argument: Any, fixture: Fixture, view: BodyView) -> list[Difference]:
    """Run one prepared matcher; the content matcher reuses the request's messages."""
    if matcher is match_content:
        return _content_differences(view.messages, argument)
    return matcher(view.body, argument, fixture)


def _passes(matcher: Matcher, argument: Any, fixture: Fixture, view: BodyView) -> bool:
    """``not _check(...)``, without building differences for the built-in matchers."""
    if matcher is match_content:
        return bool(argument.passes(view.messages))
    if matcher is match_model:
        body = view.body
        return _model_ok(argument, body.get("model") if isinstance(body, dict) else None)
    if matcher is match_partial_body and isinstance(argument, PreparedBody):
        return argument.passes(view.body, subset=True)
    if matcher is match_body and isinstance(argument, PreparedBody):
        return argument.passes(view.body)
    return not matcher(view.body, argument, fixture)


_rank: Callable[[_Entry], Rank] = operator.attrgetter("rank")


class _Route:
    """The fixtures of one method + path, indexed three ways."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []  # load order
        # ignore paths -> body key -> entries in rank order (a tuple: nearly always one,
        # and 10,000 one-item lists took twice the room)
        self.exact: dict[tuple[Path, ...], dict[Key, tuple[_Entry, ...]]] = {}
        # exact model (None: any model) -> entries in rank order
        self.scan: dict[str | None, list[_Entry]] = {}
        self._fixtures: tuple[Fixture, ...] | None = None  # entries' fixtures, once asked

    @property
    def fixtures(self) -> tuple[Fixture, ...]:
        if self._fixtures is None:
            self._fixtures = tuple(entry.fixture for entry in self.entries)
        return self._fixtures

    def add(self, entry: _Entry) -> None:
        self.entries.append(entry)
        self._fixtures = None
        if entry.body is not None and entry.body.key is not None:
            table = self.exact.setdefault(entry.body.ignore, {})
            key = entry.body.key
            same = table.get(key)
            table[key] = (entry,) if same is None else tuple(sorted((*same, entry), key=_rank))
        else:
            insort(self.scan.setdefault(entry.model, []), entry, key=_rank)


class FixtureIndex:
    """Fixtures indexed for fast matching, in load order.

    **Selection rule** (:meth:`find`): among the fixtures on the request's method and
    path whose matchers all pass and that are still ``available``, the highest
    ``priority`` wins; on a tie the more specific one (its strongest matcher: ``body`` >
    ``partial_body`` > ``content``/``model``/others > none; then the one with more
    matchers); then the one loaded first.

    Exact ``body`` fixtures are found with one hash lookup per distinct ``ignore`` set,
    so 10,000 recordings cost about what 10 do; fixtures without an exact body are
    checked one by one, bucketed by their exact ``model``, best rank first, stopping at
    the first that passes. Not thread-safe: callers serialise ``add``/``remove``/``find``.

    ``matchers`` is the registry the fixtures' matchers are looked up in (the built-in
    ones by default; a server passes its plugins' ``hooks.matchers``): a fixture using
    a matcher it does not hold is refused when added.
    """

    def __init__(self, fixtures: Iterable[Fixture] = (), *, matchers: Matchers = BUILTIN) -> None:
        self.matchers = matchers
        self._routes: dict[tuple[str, str], _Route] = {}
        self._entries: list[_Entry] = []
        self._ignores: dict[tuple[Path, ...], int] = {}  # distinct ignore sets of exact bodies
        # The near-miss tables, made on the first near miss (most servers never have
        # one, and 10,000 outlines cost ~0.3 s and ~15 MB): per ignore set the outlines'
        # item hashes, and each exact body's shape. None until then.
        self._hashes: list[SharedHashes] | None = None
        self._shapes: dict[_Entry, Shape] = {}
        self._next = 0
        for fixture in fixtures:
            self.add(fixture)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def fixtures(self) -> tuple[Fixture, ...]:
        """Every fixture, in load order."""
        return tuple(entry.fixture for entry in self._entries)

    def add(self, fixture: Fixture) -> None:
        """Index ``fixture`` after the others. Raises FixtureError for a bad or unknown
        matcher (one :attr:`matchers` does not hold)."""
        entry = _entry(fixture, self._next, self._ignores, self.matchers)
        self._next += 1
        self._entries.append(entry)
        self._route(fixture).add(entry)
        self._hash(entry)

    def _hash(self, entry: _Entry) -> None:
        hashes = self._hashes
        if hashes is None:  # not needed yet
            return
        while len(hashes) < len(self._ignores):
            hashes.append(SharedHashes())
        outline = entry.outline
        if outline is not None:
            hashes[entry.group].add(outline, entry)
            self._shapes[entry] = shape_of(outline)

    def _near_miss_tables(self) -> tuple[list[SharedHashes], dict[_Entry, Shape]]:
        if self._hashes is None:
            self._hashes = []
            for entry in self._entries:
                self._hash(entry)
        while len(self._hashes) < len(self._ignores):
            self._hashes.append(SharedHashes())
        return self._hashes, self._shapes

    def remove(self, name: str) -> int:
        """Remove every fixture called ``name``; returns how many there were."""
        return self.remove_if(lambda fixture: fixture.name == name)

    def remove_if(self, condition: Callable[[Fixture], bool]) -> int:
        """Remove every fixture for which ``condition`` holds; returns how many there were."""
        kept = [entry for entry in self._entries if not condition(entry.fixture)]
        removed = len(self._entries) - len(kept)
        if removed:
            self._entries = kept
            self._routes = {}
            for entry in kept:
                self._route(entry.fixture).add(entry)
            if self._hashes is not None:  # forget the removed, rather than outline all again
                owners = set(kept)
                for hashes in self._hashes:
                    hashes.keep_only(owners)
                self._shapes = {e: s for e, s in self._shapes.items() if e in owners}
        return removed

    def _route(self, fixture: Fixture) -> _Route:
        return self._routes.setdefault((fixture.method.upper(), fixture.path), _Route())

    def candidates(self, method: str, path: str) -> tuple[Fixture, ...]:
        """The fixtures on ``method`` + ``path``, in load order.

        A tuple kept between calls (the server asks on every request; with 10,000
        fixtures building a list each time cost more than the rest of a hit).
        """
        route = self._routes.get((method.upper(), path))
        return route.fixtures if route else ()

    def find(self, request: Request, *, available: Callable[[Fixture], bool]) -> Fixture | None:
        """The fixture that answers ``request`` (see the selection rule above), or None.

        ``available(fixture)`` is asked only about fixtures whose matchers all pass, best
        first; the caller uses it for ``times`` (a used-up fixture lets the next one answer).
        """
        route = self._routes.get((request.method.upper(), request.path))
        if route is None:
            return None
        view = BodyView(request.json)
        model = request.json.get("model") if isinstance(request.json, dict) else None
        streams: list[Sequence[_Entry]] = []
        for ignore, table in route.exact.items():
            key = view.key(ignore)
            hits = table.get(key) if key is not None else None
            if hits:
                streams.append(hits)
        for exact_model in {model if isinstance(model, str) else None, None}:
            bucket = route.scan.get(exact_model)
            if bucket:
                streams.append(bucket)
        merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_rank)
        for entry in merged:
            fixture = entry.fixture
            checks = entry.checks  # none for most recordings: an exact body, found by key
            passes = not checks or all(_passes(m, arg, fixture, view) for m, arg in checks)
            if passes and available(fixture):
                return fixture
        return None

    def near_misses(
        self,
        request: Request,
        *,
        limit: int = 3,
        available: Callable[[Fixture], bool] | None = None,
    ) -> list[NearMiss]:
        """The ``limit`` fixtures closest to ``request``, closest first.

        Fixtures on the request's method + path are ranked by how many fields differ, then
        by priority, then load order. If none is on that path, fixtures on every other
        path are ranked the same way, each with a ``path`` difference first. With
        ``available``, a used-up fixture gets a ``times`` difference.

        A cheap lower bound of each fixture's count (which list items, members and values
        of the top-level body fields differ, from precomputed outlines: see
        :func:`~mockapi.matching.diff.distance_bound` and :meth:`_bounds`) orders the
        fixtures; full diffs are computed best-first and stop once no remaining bound can
        beat the ``limit`` found. The answer is exact, and 10,000 fixtures cost a few full diffs.
        """
        route = self._routes.get((request.method.upper(), request.path))
        on_path = route is not None and bool(route.entries)
        pool = route.entries if route is not None and on_path else self._entries
        if limit <= 0 or not pool:
            return []
        view = BodyView(request.json)
        heap = self._bounds(pool, view, 0 if on_path else 1)
        heapq.heapify(heap)
        best: list[tuple[tuple[int, int, int], NearMiss]] = []
        while heap and (len(best) < limit or heap[0][:3] < best[-1][0]):
            _, neg_priority, order, entry = heapq.heappop(heap)
            found = self._differences(entry, view, request, on_path, available)
            near = NearMiss(entry.fixture, found)
            insort(best, ((len(found), neg_priority, order), near), key=lambda b: b[0])
            del best[limit:]
        return [near for _, near in best]

    def _bounds(
        self, pool: list[_Entry], view: BodyView, base: int
    ) -> list[tuple[int, int, int, _Entry]]:
        """``(lower bound of the differences, -priority, order, entry)`` for each of ``pool``.

        The bound is :func:`~mockapi.matching.diff.distance_bound` of each exact body's outline,
        assembled from per-request tables rather than computed with set operations per
        fixture: item hashes shared (postings), names shared (per distinct names set),
        kinds (per distinct kinds set). Each other matcher that fails adds one.
        """
        tables, shapes = self._near_miss_tables()
        outlines = [view.outline(ignore) for ignore in self._ignores]
        shared = [
            hashes.shared(actual) if actual is not None else {}
            for hashes, actual in zip(tables, outlines, strict=True)
        ]
        terms = [kinds_term(actual) if actual is not None else None for actual in outlines]
        common: list[dict[frozenset[int], int]] = [{} for _ in outlines]  # names set -> shared
        heap: list[tuple[int, int, int, _Entry]] = []
        for e in pool:
            count = base
            expected = shapes.get(e) if e.body is not None else None
            if expected is not None:
                group = e.group
                actual, term = outlines[group], terms[group]
                if actual is None or term is None:
                    count += 1
                else:
                    names = common[group].get(expected.names)
                    if names is None:
                        names = common[group][expected.names] = len(expected.names & actual.names)
                    count += expected.size + len(actual.items) - names + term(expected)
                    count -= shared[group].get(e, 0)
            if e.checks:  # a failing matcher has at least one difference
                count += sum(not _passes(m, a, e.fixture, view) for m, a in e.checks)
            heap.append((count, -e.fixture.priority, e.order, e))
        return heap

    @staticmethod
    def _differences(
        entry: _Entry,
        view: BodyView,
        request: Request,
        on_path: bool,
        available: Callable[[Fixture], bool] | None,
    ) -> tuple[Difference, ...]:
        fixture = entry.fixture
        found: list[Difference] = []
        if not on_path:
            wanted = f"{fixture.method.upper()} {fixture.path}"
            got = f"{request.method.upper()} {request.path}"
            found.append(Difference("path", wanted, got, f"expected {wanted}, got {got}"))
        if entry.body is not None:
            found.extend(match_body(view.body, entry.body, fixture))
        for matcher, argument in entry.checks:
            found.extend(_check(matcher, argument, fixture, view))
        if available is not None and not available(fixture):
            times, used = fixture.times, "is not available"
            if times is not None:
                used = f"used up: it answers {plural(times, 'request')} and has answered them"
            found.append(Difference("times", times, MISSING, used))
        return tuple(found)
