"""Matching: which fixture answers a request, and, when none does, which came closest.

Matchers are plain functions registered by name in :data:`MATCHERS` (VCR.py style):
``matcher(request_json, argument, fixture) -> list[Difference]``, an empty list meaning
"matches". Each failure *is* the diff, so a miss explains itself. The built-in ones:

``model``
    A string must equal the request's ``model``; ``{regex: ...}`` must match the whole
    model name (``re.fullmatch``: ``gpt-4o`` does not match ``gpt-4o-mini``).
``body``
    The whole JSON body, compared by meaning (see :mod:`mockapi.diff`): key order
    ignored, array order kept, ``1 == 1.0`` but ``true != 1``. ``stream`` and
    ``stream_options`` are never compared, so one recording answers both kinds of call,
    nor is ``encoding_format`` (embeddings are served in the encoding asked for);
    the fixture's ``ignore`` paths are left out of both sides.
``partial_body``
    A subset: every key the fixture lists must be in the request with an equal value;
    nested objects are subsets too; lists must have the same length and are compared
    item by item with the same rule. The fixture's ``ignore`` paths are left out; keys it
    lists explicitly (even ``stream``) are compared.
``content``
    A regular expression searched (``re.search``) in message text. A string searches the
    last ``user`` message; ``{regex, role, scope}`` picks the role (``user``, ``system``,
    ``assistant``, ``tool``, ``developer`` or ``any``) and the scope (``last`` message of
    that role, or ``any`` of them). See :func:`messages_of` for what counts as a message.

Arguments are *prepared* once when a fixture is indexed (regexes compiled, expected
bodies canonicalised), never per request; matchers also accept the raw argument.
"""

from __future__ import annotations

import heapq
import operator
import re
from bisect import insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mockapi.diff import (
    MISSING,
    TRUNCATE,
    BodyView,
    Difference,
    Key,
    Message,
    Outline,
    Path,
    PreparedBody,
    SharedHashes,
    kinds_term,
    messages_of,
    parse_path,
    render,
)
from mockapi.errors import FixtureError
from mockapi.fixture import Fixture, allow_matcher
from mockapi.model import Request

__all__ = [
    "MATCHERS",
    "ROLES",
    "ContentRule",
    "Difference",
    "FixtureIndex",
    "Matcher",
    "Message",
    "NearMiss",
    "PreparedBody",
    "format_report",
    "messages_of",
    "register_matcher",
]

Matcher = Callable[[Any, Any, Fixture], list[Difference]]
"""``(request_json, argument, fixture) -> differences``; empty means the request matches."""
Preparer = Callable[[Any, Fixture], Any]
"""Turns a matcher's argument into the form it is fastest to match with, once."""

MATCHERS: dict[str, Matcher] = {}
PREPARERS: dict[str, Preparer] = {}
STRENGTH: dict[str, int] = {}
"""How specific each matcher is, for tie-breaking: body 3, partial_body 2, others 1."""


def register_matcher(
    name: str, *, prepare: Preparer | None = None, strength: int = 1
) -> Callable[[Matcher], Matcher]:
    """Register a matcher function under ``name`` (the key used in a fixture's ``match``).

    ``prepare(argument, fixture)`` runs once per fixture when it is indexed and its
    result is what the matcher receives; it may raise FixtureError for a bad argument.
    ``strength`` ranks how specific the matcher is when priorities tie.
    """

    def decorate(matcher: Matcher) -> Matcher:
        if name in MATCHERS:
            raise ValueError(f"a matcher named {name!r} is already registered")
        MATCHERS[name] = matcher
        STRENGTH[name] = strength
        if prepare is not None:
            PREPARERS[name] = prepare
        allow_matcher(name)
        return matcher

    return decorate


# -- model -------------------------------------------------------------------------------


def prepare_model(argument: Any, fixture: Fixture) -> str | re.Pattern[str]:
    if isinstance(argument, str):
        return argument
    if isinstance(argument, dict) and isinstance(argument.get("regex"), str):
        return _compile(argument["regex"], "match.model.regex", fixture)
    problem = f"'match.model' must be a string or {{regex: ...}}, got {argument!r}"
    raise FixtureError(fixture.source, problem)


@register_matcher("model", prepare=prepare_model)
def match_model(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    wanted = argument
    if not isinstance(wanted, (str, re.Pattern)):
        wanted = prepare_model(argument, fixture)
    actual = request_json.get("model", MISSING) if isinstance(request_json, dict) else MISSING
    if _model_ok(wanted, actual):
        return []
    shown = render(wanted) if isinstance(wanted, str) else f"/{wanted.pattern}/ (whole name)"
    if actual is MISSING:
        return [Difference("model", wanted, actual, f"missing in request (expected {shown})")]
    return [Difference("model", wanted, actual, f"expected {shown}, got {render(actual)}")]


def _model_ok(wanted: str | re.Pattern[str], actual: Any) -> bool:
    if not isinstance(actual, str):
        return False
    return actual == wanted if isinstance(wanted, str) else bool(wanted.fullmatch(actual))


# -- bodies ------------------------------------------------------------------------------


def _ignore_paths(fixture: Fixture) -> tuple[Path, ...]:
    try:
        return tuple(parse_path(text) for text in fixture.ignore)
    except ValueError as exc:
        raise FixtureError(fixture.source, f"'match.ignore': {exc}") from None


def prepare_body(argument: Any, fixture: Fixture) -> PreparedBody:
    return PreparedBody.build(argument, _ignore_paths(fixture), exact=True)


def prepare_partial(argument: Any, fixture: Fixture) -> PreparedBody:
    return PreparedBody.build(argument, _ignore_paths(fixture), exact=False)


@register_matcher("body", prepare=prepare_body, strength=3)
def match_body(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    body = argument if isinstance(argument, PreparedBody) else prepare_body(argument, fixture)
    return body.compare(request_json)


@register_matcher("partial_body", prepare=prepare_partial, strength=2)
def match_partial_body(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    body = argument if isinstance(argument, PreparedBody) else prepare_partial(argument, fixture)
    return body.compare(request_json, subset=True)


# -- content -----------------------------------------------------------------------------

ROLES = frozenset({"user", "system", "assistant", "tool", "developer", "any"})


@dataclass(frozen=True)
class ContentRule:
    """A prepared ``content`` argument: a compiled regex, a role and a scope."""

    pattern: re.Pattern[str]
    role: str = "user"
    scope: str = "last"

    @property
    def shown(self) -> str:
        return f"/{self.pattern.pattern}/"

    def passes(self, messages: list[Message]) -> bool:
        """The matcher's verdict without building differences (the hot path)."""
        for message in reversed(messages):
            if self.role in ("any", message.role):
                if self.pattern.search(message.text):
                    return True
                if self.scope == "last":
                    return False
        return False


def prepare_content(argument: Any, fixture: Fixture) -> ContentRule:
    if isinstance(argument, str):
        return ContentRule(_compile(argument, "match.content", fixture))
    if not isinstance(argument, dict) or not isinstance(argument.get("regex"), str):
        problem = f"must be a regex string or {{regex, role, scope}}, got {argument!r}"
        raise FixtureError(fixture.source, f"'match.content' {problem}")
    role, scope = argument.get("role", "user"), argument.get("scope", "last")
    if role not in ROLES:
        problem = f"must be one of {', '.join(sorted(ROLES))}, got {role!r}"
        raise FixtureError(fixture.source, f"'match.content.role' {problem}")
    if scope not in ("last", "any"):
        problem = f"must be 'last' or 'any', got {scope!r}"
        raise FixtureError(fixture.source, f"'match.content.scope' {problem}")
    return ContentRule(_compile(argument["regex"], "match.content.regex", fixture), role, scope)


@register_matcher("content", prepare=prepare_content)
def match_content(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    rule = argument if isinstance(argument, ContentRule) else prepare_content(argument, fixture)
    return _content_differences(messages_of(request_json), rule)


def _content_differences(all_messages: list[Message], rule: ContentRule) -> list[Difference]:
    messages = [m for m in all_messages if rule.role in ("any", m.role)]
    who = "" if rule.role == "any" else f"{rule.role} "
    if not messages:
        reason = f"has no {who}message to match {rule.shown}"
        return [Difference("messages", rule.shown, MISSING, reason)]
    if rule.scope == "last":
        last = messages[-1]
        if rule.pattern.search(last.text):
            return []
        reason = f"did not match {rule.shown}: got {render(last.text)}"
        return [Difference(last.field, rule.shown, last.text, reason)]
    if any(rule.pattern.search(m.text) for m in messages):
        return []
    reason = f"has no {who}message matching {rule.shown} (last: {render(messages[-1].text)})"
    return [Difference("messages", rule.shown, messages[-1].text, reason)]


def _compile(pattern: str, key: str, fixture: Fixture) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        problem = f"'{key}' is not a valid regular expression ({exc}): {pattern!r}"
        raise FixtureError(fixture.source, problem) from None


# -- the index ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NearMiss:
    """A fixture that did not match a request, and every field that differed."""

    fixture: Fixture
    differences: tuple[Difference, ...]


Rank = tuple[int, int, int, int]


@dataclass(frozen=True, eq=False)
class _Entry:
    fixture: Fixture
    order: int
    rank: Rank  # (-priority, -strongest matcher, -number of matchers, load order)
    body: PreparedBody | None  # an exact body, found by hash rather than by the matcher
    checks: tuple[tuple[Matcher, Any], ...]  # every other matcher with its prepared argument
    model: str | None  # an exact model name: buckets the fixtures that are scanned
    outline: Outline | None  # body.outline, one attribute away (near misses read 10,000)
    group: int  # which ignore set body has (an index into FixtureIndex._ignores)


def _entry(fixture: Fixture, order: int, ignores: dict[tuple[Path, ...], int]) -> _Entry:
    _ignore_paths(fixture)  # report a bad ignore path even without a body matcher
    checks: list[tuple[Matcher, Any]] = []
    body: PreparedBody | None = None
    # Registration order (model, body, partial_body, content, plugins): cheap checks run
    # first and differences are listed in the same order whatever the fixture's order.
    order_of = {name: i for i, name in enumerate(MATCHERS)}
    for name, argument in sorted(fixture.matchers.items(), key=lambda m: order_of.get(m[0], -1)):
        matcher = MATCHERS.get(name)
        if matcher is None:
            known = ", ".join(sorted(MATCHERS))
            raise FixtureError(fixture.source, f"unknown matcher {name!r}; known: {known}")
        prepare = PREPARERS.get(name)
        prepared = prepare(argument, fixture) if prepare is not None else argument
        exact = isinstance(prepared, PreparedBody) and prepared.key is not None
        if matcher is match_body and exact:
            body = prepared
        else:
            checks.append((matcher, prepared))
    strongest = max((STRENGTH[name] for name in fixture.matchers), default=0)
    rank = (-fixture.priority, -strongest, -len(fixture.matchers), order)
    model = fixture.matchers.get("model")
    model = model if isinstance(model, str) else None
    if body is None:
        return _Entry(fixture, order, rank, body, tuple(checks), model, None, -1)
    group = ignores.setdefault(body.ignore, len(ignores))
    return _Entry(fixture, order, rank, body, tuple(checks), model, body.outline, group)


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
    return not matcher(view.body, argument, fixture)


_rank: Callable[[_Entry], Rank] = operator.attrgetter("rank")


class _Route:
    """The fixtures of one method + path, indexed three ways."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []  # load order
        # ignore paths -> body key -> entries in rank order
        self.exact: dict[tuple[Path, ...], dict[Key, list[_Entry]]] = {}
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
            insort(table.setdefault(entry.body.key, []), entry, key=_rank)
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
    """

    def __init__(self, fixtures: Iterable[Fixture] = ()) -> None:
        self._routes: dict[tuple[str, str], _Route] = {}
        self._entries: list[_Entry] = []
        self._ignores: dict[tuple[Path, ...], int] = {}  # distinct ignore sets of exact bodies
        self._hashes: list[SharedHashes] = []  # per ignore set: the outlines' hashes
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
        """Index ``fixture`` after the others. Raises FixtureError for a bad matcher."""
        entry = _entry(fixture, self._next, self._ignores)
        self._next += 1
        self._entries.append(entry)
        self._route(fixture).add(entry)
        self._hash(entry)

    def _hash(self, entry: _Entry) -> None:
        while len(self._hashes) < len(self._ignores):
            self._hashes.append(SharedHashes())
        if entry.outline is not None:
            self._hashes[entry.group].add(entry.outline, entry)

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
            self._hashes = [SharedHashes() for _ in self._ignores]
            for entry in kept:
                self._route(entry.fixture).add(entry)
                self._hash(entry)
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
        streams: list[list[_Entry]] = []
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
        :func:`~mockapi.diff.distance_bound` and :meth:`_bounds`) orders the fixtures; full diffs
        are computed best-first and stop once no remaining bound can beat the ``limit``
        found. The answer is exact, and 10,000 fixtures cost a few full diffs.
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

        The bound is :func:`~mockapi.diff.distance_bound` of each exact body's outline,
        assembled from per-request tables rather than computed with set operations per
        fixture: item hashes shared (postings), names shared (per distinct names set),
        kinds (per distinct kinds set). Each other matcher that fails adds one.
        """
        outlines = [view.outline(ignore) for ignore in self._ignores]
        shared = [
            hashes.shared(actual) if actual is not None else {}
            for hashes, actual in zip(self._hashes, outlines, strict=True)
        ]
        terms = [kinds_term(actual) if actual is not None else None for actual in outlines]
        common: list[dict[frozenset[int], int]] = [{} for _ in outlines]  # names set -> shared
        heap: list[tuple[int, int, int, _Entry]] = []
        for e in pool:
            count = base
            expected = e.outline
            if expected is not None:
                group = e.group
                actual, term = outlines[group], terms[group]
                if actual is None or term is None:
                    count += 1
                else:
                    names = common[group].get(expected.names)
                    if names is None:
                        names = common[group][expected.names] = len(expected.names & actual.names)
                    count += len(expected.items) + len(actual.items) - names + term(expected)
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
                used = f"used up: it answers {_plural(times, 'request')} and has answered them"
            found.append(Difference("times", times, MISSING, used))
        return tuple(found)


# -- the miss report ---------------------------------------------------------------------

MAX_SHOWN = 5
"""Differences listed per near miss; the rest are counted."""

_ADVICE = (
    "Add a fixture for this request, loosen a matcher (partial_body, content, ignore), "
    "or run with --on-miss synthesize."
)


def format_report(request: Request, near: list[NearMiss], *, total: int) -> str:
    """The text of a miss: the request, the closest fixtures and what differed, advice.

    Deterministic for the same inputs; values are cut at 80 characters with "…".
    """
    method = request.method.upper()
    head = f"No fixture matched {method} {request.path}{_summary(request)}."
    if total == 0:
        return f"{head} No fixtures are loaded.\n{_ADVICE}"
    if not near:
        return f"{head} {_plural(total, 'fixture')} loaded, none of them close.\n{_ADVICE}"
    closest = "The closest" if len(near) == 1 else f"{len(near)} closest"
    of = f"of {_plural(total, 'fixture')}:"
    if all((n.fixture.method.upper(), n.fixture.path) != (method, request.path) for n in near):
        intro = f"No fixture is on {method} {request.path}; {closest.lower()} {of}"
    else:
        intro = f"{closest} {of}"
    lines = [f"{head} {intro}"]
    for number, miss in enumerate(near, 1):
        fixture = miss.fixture
        label = fixture.name
        if fixture.name != fixture.source:
            label += f" ({fixture.source})"
        shown = [str(d) for d in miss.differences[:MAX_SHOWN]]
        if len(miss.differences) > MAX_SHOWN:
            shown.append(f"and {len(miss.differences) - MAX_SHOWN} more")
        lines.append(f"{number}. {label}: {'; '.join(shown) or 'no field differs'}")
    lines.append(_ADVICE)
    return "\n".join(lines)


def _summary(request: Request) -> str:
    """`` (model gpt-4o, last user message "...")`` from the body, or nothing."""
    facts: list[str] = []
    body = request.json
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        model = body["model"]
        facts.append(f"model {model if len(model) <= TRUNCATE else model[: TRUNCATE - 1] + '…'}")
    users = [m for m in messages_of(body) if m.role == "user"]
    if users:
        last = users[-1]
        what = last.field.split("[")[0]
        what = "last user message" if what == "messages" else what
        facts.append(f"{what} {render(last.text)}")
    return f" ({', '.join(facts)})" if facts else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count:,} {noun}s"
