"""Matching: which fixture answers a request, and, when none does, which came closest.

Matchers are plain functions registered by name on a :class:`Matchers` registry (VCR.py
style): ``matcher(request_json, argument, fixture) -> list[Difference]``, an empty list
meaning "matches". Each failure *is* the diff, so a miss explains itself. A registry is
owned by whoever serves fixtures (a plugin's matchers go on its ``Hooks``' registry, so
two servers in one process each see only their own plugins'); :data:`BUILTIN` is the
shared, read-only registry of the built-in ones:

``model``
    A string must equal the request's ``model``; ``{regex: ...}`` must match the whole
    model name (``re.fullmatch``: ``gpt-4o`` does not match ``gpt-4o-mini``).
``body``
    The whole JSON body, compared by meaning (see :mod:`mockapi.matching.diff`): key order
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

Arguments are *prepared* once when a fixture is indexed (:meth:`Matchers.prepare`:
regexes compiled, expected bodies canonicalised), never per request; matchers also
accept the raw argument. The index over the fixtures is :mod:`mockapi.matching.index`;
the text of a miss, :mod:`mockapi.matching.report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from mockapi.errors import FixtureError
from mockapi.library.fixture import ROUTE_KEYS, Fixture, unknown_matchers
from mockapi.library.packed import packed_argument
from mockapi.matching.diff import MISSING, Difference, Path, PreparedBody, parse_path, render
from mockapi.matching.messages import Message, messages_of
from mockapi.matching.outline import Key

__all__ = [
    "BUILTIN",
    "ROLES",
    "ContentRule",
    "Difference",
    "Matcher",
    "Matchers",
    "Message",
    "PreparedBody",
    "Preparer",
    "Registered",
    "messages_of",
]

Matcher = Callable[[Any, Any, Fixture], list[Difference]]
"""``(request_json, argument, fixture) -> differences``; empty means the request matches."""
Preparer = Callable[[Any, Fixture], Any]
"""Turns a matcher's argument into the form it is fastest to match with, once."""


@dataclass(frozen=True)
class Registered:
    """One matcher of a registry, with what the index needs to know about it."""

    name: str
    match: Matcher
    prepare: Preparer | None
    strength: int
    """How specific the matcher is, for tie-breaking: body 3, partial_body 2, others 1."""
    order: int
    """Its place in registration order: matchers run (and their differences are listed)
    in this order, so the cheap built-ins run first whatever order a fixture gives."""


class Matchers:
    """A registry of matchers by name: the built-in ones plus any a plugin adds.

    ``Matchers()`` is a registry of one's own, starting with the built-in matchers;
    :data:`BUILTIN` (also ``Matchers.builtin()``) is the shared one holding only those,
    and refuses additions. A registry is a collection of the names it knows (what the
    fixture parser takes to check a ``match:`` block). Lookups never copy: the index
    prepares every fixture's arguments once, when it is added.
    """

    __slots__ = ("_read_only", "_table")

    def __init__(self) -> None:
        self._table: dict[str, Registered] = dict(BUILTIN._table)
        self._read_only = False

    @classmethod
    def builtin(cls) -> Matchers:
        """The shared, read-only registry of the built-in matchers."""
        return BUILTIN

    def copy(self) -> Matchers:
        """A registry with this one's matchers that more can be added to."""
        fresh = Matchers()
        fresh._table = dict(self._table)
        return fresh

    def add(
        self, name: str, matcher: Matcher, *, prepare: Preparer | None = None, strength: int = 1
    ) -> None:
        """Register ``matcher`` under ``name`` (the key used in a fixture's ``match``).

        ``prepare(argument, fixture)`` runs once per fixture when it is indexed and its
        result is what the matcher receives; it may raise FixtureError for a bad argument.
        ``strength`` ranks how specific the matcher is when priorities tie.
        """
        if self._read_only:
            raise TypeError(
                f"cannot add matcher {name!r}: the built-in registry is shared and read-only; "
                "add to a registry of your own (Matchers() or .copy())"
            )
        if not isinstance(name, str) or not name:
            raise ValueError(f"a matcher's name must be a non-empty string, got {name!r}")
        if name in ROUTE_KEYS:
            raise ValueError(
                f"{name!r} cannot name a matcher: {', '.join(ROUTE_KEYS)} already mean "
                "something in a fixture's 'match' block; choose another name"
            )
        if name in self._table:
            raise ValueError(f"a matcher named {name!r} is already registered")
        self._table[name] = Registered(name, matcher, prepare, strength, len(self._table))

    def register(
        self, name: str, *, prepare: Preparer | None = None, strength: int = 1
    ) -> Callable[[Matcher], Matcher]:
        """:meth:`add` as a decorator: ``@matchers.register("name")``."""

        def decorate(matcher: Matcher) -> Matcher:
            self.add(name, matcher, prepare=prepare, strength=strength)
            return matcher

        return decorate

    def get(self, name: str) -> Registered | None:
        """The matcher registered as ``name``, or None."""
        return self._table.get(name)

    def __getitem__(self, name: str) -> Matcher:
        return self._table[name].match

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        shared = " (built-in, read-only)" if self._read_only else ""
        return f"<Matchers{shared}: {', '.join(self._table)}>"

    def prepare(self, fixture: Fixture) -> list[tuple[Registered, Any]]:
        """Each of ``fixture``'s matchers with its prepared argument, in registration order.

        Raises FixtureError naming the fixture for a matcher this registry does not know
        (a plugin's, when that plugin is not loaded here), a bad argument or a bad
        ``ignore`` path.
        """
        _ignore_paths(fixture)  # report a bad ignore path even without a body matcher
        found: list[tuple[Registered, Any]] = []
        for name in fixture.matchers:
            spec = self._table.get(name)
            if spec is None:
                unknown = [n for n in fixture.matchers if n not in self._table]
                raise unknown_matchers(fixture.source, unknown, self)
            keyed = _keyed_body(fixture) if spec.prepare is prepare_body else None
            if keyed is not None:  # a recording whose key the loader computed
                found.append((spec, keyed))
                continue
            argument = fixture.matchers[name]
            prepared = spec.prepare(argument, fixture) if spec.prepare is not None else argument
            found.append((spec, prepared))
        found.sort(key=lambda pair: pair[0].order)
        return found


# -- model -------------------------------------------------------------------------------


def prepare_model(argument: Any, fixture: Fixture) -> str | re.Pattern[str]:
    if isinstance(argument, str):
        return argument
    if isinstance(argument, dict) and isinstance(argument.get("regex"), str):
        return _compile(argument["regex"], "match.model.regex", fixture)
    problem = f"'match.model' must be a string or {{regex: ...}}, got {argument!r}"
    raise FixtureError(fixture.source, problem)


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


def exact_key(value: Any) -> Key | None:
    """The index key of ``value`` as a ``body`` matcher's argument without ``ignore``
    (what :func:`prepare_body` computes; None for a body that is not an object): the
    library loader computes it once (:mod:`mockapi.library.parsed`)."""
    return PreparedBody.build(value, (), exact=True).key


def _keyed_body(fixture: Fixture) -> PreparedBody | None:
    """:func:`prepare_body` of ``fixture``'s body without unpacking it, when it is packed
    with its key and ``fixture`` has no ``ignore``; None otherwise."""
    stored = packed_argument(fixture.matchers, "body")
    if stored is None or stored.key is None or fixture.ignore:
        return None
    return PreparedBody.keyed(stored)


def prepare_body(argument: Any, fixture: Fixture) -> PreparedBody:
    prepared = PreparedBody.build(argument, _ignore_paths(fixture), exact=True)
    # Found by its key, the body is read again only for a near-miss report: what is kept
    # is then the fixture's own packed argument, not this copy of it.
    stored = packed_argument(fixture.matchers, "body") if prepared.key is not None else None
    return prepared if stored is None else PreparedBody(stored, prepared.ignore, prepared.key)


def prepare_partial(argument: Any, fixture: Fixture) -> PreparedBody:
    return PreparedBody.build(argument, _ignore_paths(fixture), exact=False)


def match_body(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    body = argument if isinstance(argument, PreparedBody) else prepare_body(argument, fixture)
    return body.compare(request_json)


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


def _builtin() -> Matchers:
    registry = Matchers.__new__(Matchers)
    registry._table = {}
    registry._read_only = False
    registry.add("model", match_model, prepare=prepare_model)
    registry.add("body", match_body, prepare=prepare_body, strength=3)
    registry.add("partial_body", match_partial_body, prepare=prepare_partial, strength=2)
    registry.add("content", match_content, prepare=prepare_content)
    registry._read_only = True
    return registry


BUILTIN: Final = _builtin()
"""The built-in matchers, shared by every registry and read-only (see :class:`Matchers`)."""
