"""Reading request bodies: JSON compared by meaning, ignore paths, the deep diff, messages.

Two JSON values are *equal by meaning* when they are equal after :func:`canonical`:

- object key order does not matter, array order does;
- numbers are equal when numerically equal (``1 == 1.0``), but booleans are not numbers
  (``true != 1``);
- object keys are strings (a YAML ``1:`` key means ``"1"``), and values YAML decodes to
  something JSON does not have (dates) compare as their ``str()``.

:func:`diff` walks two values and returns one :class:`Difference` per differing leaf,
each with a path such as ``body.messages[2].content``: the diff *is* the failure report.
:func:`key_of` turns a canonical object into a hashable key, so that exact body matches
are a dictionary lookup; ``key_of(a) == key_of(b)`` exactly when ``diff(a, b) == []``.
:func:`distance_bound` is a cheap lower bound of ``len(diff(a, b))`` that ranks near
misses without diffing every fixture. :func:`messages_of` extracts the message text the
``content`` matcher searches. The canonical form, keys and bounds live in
:mod:`mockapi.matching.outline` (and :mod:`mockapi.wire.canonical`), the messages in
:mod:`mockapi.matching.messages`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from mockapi.library.packed import Packed
from mockapi.matching.messages import Message, messages_of
from mockapi.matching.outline import Field, Key, Outline, field_of, key_of
from mockapi.wire.canonical import canonical

__all__ = [
    "ALWAYS_IGNORED",
    "MISSING",
    "BodyView",
    "Difference",
    "Path",
    "PreparedBody",
    "diff",
    "join_field",
    "parse_path",
    "render",
    "strip",
]

TRUNCATE = 80
"""Rendered values longer than this many characters are cut and end with an ellipsis."""


class _Missing:
    """The value of a field that is not there (distinct from JSON ``null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Difference:
    """One field that differed between what a fixture expects and what was sent.

    ``field`` names it (``body.temperature``, ``model``, ``messages[1].content``);
    ``expected`` and ``actual`` are the values (:data:`MISSING` when absent); ``reason``
    is short human text that already shows the values, e.g. ``expected 0.2, got 0.7``.
    """

    field: str
    expected: Any
    actual: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.field} {self.reason}"


Path = tuple[str, ...]
"""A parsed ignore path: ``metadata.trace_id`` is ``("metadata", "trace_id")``."""

ALWAYS_IGNORED: tuple[Path, ...] = (("encoding_format",), ("stream",), ("stream_options",))
"""Never compared by ``body``: one recording answers streaming and non-streaming calls,
and an embeddings recording both vector encodings (it is served in the one asked for).
Sorted, as prepared ignore sets are, so that the common case compares equal."""

_BRACKET = re.compile(r"\[([^\]]*)\]")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_path(text: str) -> Path:
    """Parse an ignore path: dotted keys, list indexes and ``*`` for every key or item.

    ``metadata.trace_id``, ``messages.0.name``, ``messages[0].name``, ``messages.*.name``
    and ``messages[*].name`` are all accepted. Raises ValueError for an empty segment.
    """
    segments = tuple(_BRACKET.sub(r".\1", text).removeprefix(".").split("."))
    if not text or "" in segments:
        raise ValueError(f"{text!r} is not a field path (write e.g. 'metadata.trace_id')")
    return segments


_UNSET: Any = object()
_IGNORES: dict[tuple[Path, ...], tuple[Path, ...]] = {}


@dataclass(frozen=True, eq=False, slots=True)
class PreparedBody:
    """An expected body, its ignored paths, and the key of an exact object body.

    ``ignore`` is sorted, so fixtures with the same ignore set share one request key.
    ``key`` (exact bodies that are objects) is :func:`key_of` the expected object: such a
    body is found by hash and diffed only for a near-miss report, so its canonical form
    is made again when asked (:attr:`expected`) rather than kept: 10,000 recordings kept
    ~6 MB of copies. ``value`` is the argument as written (the fixture's own object:
    a :class:`~mockapi.library.packed.Packed` one when the fixture keeps it packed).
    """

    value: Any
    ignore: tuple[Path, ...]
    key: Key | None = None
    kept: Any = dataclass_field(default=_UNSET, repr=False)  # the canonical form, when kept

    @property
    def expected(self) -> Any:
        """The expected value in canonical form, without the ignored paths."""
        if self.kept is not _UNSET:
            return self.kept
        value = self.value
        if type(value) is Packed:
            value = value.unpack()
        return strip(canonical(value), self.ignore)

    @property
    def outline(self) -> Outline | None:
        """The expected object's :class:`Outline` (exact object bodies), made on each call."""
        if self.key is None:
            return None
        return Outline.of(self.expected, keep=True)

    @classmethod
    def build(cls, value: Any, ignore: Iterable[Path], *, exact: bool) -> PreparedBody:
        """Prepare ``value``; ``exact`` bodies also never compare :data:`ALWAYS_IGNORED`."""
        paths = tuple(sorted(set(ignore) | (set(ALWAYS_IGNORED) if exact else set())))
        paths = _IGNORES.setdefault(paths, paths)  # a few distinct ones, shared by thousands
        expected = strip(canonical(value), paths)
        if exact and isinstance(expected, dict):
            return cls(value, paths, key_of(expected))
        return cls(value, paths, None, expected)

    @classmethod
    def keyed(cls, value: Packed) -> PreparedBody:
        """The exact body without ``ignore`` packed in ``value``, whose :attr:`Packed.key`
        (:meth:`build`'s key of it) is known: nothing to unpack or compute."""
        assert value.key is not None
        paths = _IGNORES.setdefault(ALWAYS_IGNORED, ALWAYS_IGNORED)
        return cls(value, paths, value.key)

    def compare(self, actual: Any, *, subset: bool = False) -> list[Difference]:
        """The differences with a decoded request body (see :func:`diff`)."""
        return diff(self.expected, strip(actual, self.ignore), "body", subset=subset)

    def passes(self, actual: Any, *, subset: bool = False) -> bool:
        """``not self.compare(actual, subset=subset)``, without describing differences."""
        return agrees(self.expected, strip(actual, self.ignore), subset)


class BodyView:
    """A request body as the index reads it, each form computed once, lazily.

    :meth:`outline` summarises the body without a given ignore set: the body is
    canonicalised and summarised once, and for another ignore set only the top-level
    fields an ignore path starts at are summarised again. :attr:`messages` is
    :func:`messages_of` the body.
    """

    def __init__(self, body: Any) -> None:
        self.body = body
        self._base: dict[str, Any] | None = None
        self._fields: dict[str, Field] = {}
        self._by_ignore: dict[tuple[Path, ...], dict[str, Field]] = {}
        self._outlines: dict[tuple[Path, ...], Outline] = {}
        self._keys: dict[tuple[Path, ...], Key] = {}
        self._messages: list[Message] | None = None

    @property
    def messages(self) -> list[Message]:
        if self._messages is None:
            self._messages = messages_of(self.body)
        return self._messages

    def outline(self, ignore: tuple[Path, ...]) -> Outline | None:
        """The outline of the body without ``ignore`` (sorted); None if not an object."""
        found = self._outlines.get(ignore)
        if found is None:
            fields = self._fields_without(ignore)
            if fields is None:
                return None
            found = self._outlines[ignore] = Outline.of({}, fields)
        return found

    def key(self, ignore: tuple[Path, ...]) -> Key | None:
        """The :func:`key_of` the body without ``ignore``; None if not an object.

        Only the body's text is needed, not the member hashes of a full outline: a hit
        costs one serialisation and one digest.
        """
        if not isinstance(self.body, dict):
            return None
        found = self._keys.get(ignore)
        if found is None:
            stripped = self._canonical()  # ALWAYS_IGNORED is stripped already
            if ignore != ALWAYS_IGNORED:
                stripped = strip(stripped, ignore)
            found = self._keys[ignore] = key_of(stripped)
        return found

    def _canonical(self) -> dict[str, Any]:
        if self._base is None:
            self._base = strip(canonical(self.body), ALWAYS_IGNORED)
        return self._base

    def _fields_without(self, ignore: tuple[Path, ...]) -> dict[str, Field] | None:
        if not isinstance(self.body, dict):
            return None
        found = self._by_ignore.get(ignore)
        if found is not None:
            return found
        if not self._fields:
            self._fields = {key: field_of(key, item) for key, item in self._canonical().items()}
        stripped = strip(self._canonical(), ignore)
        heads = {path[0] for path in ignore}
        if "*" in heads:
            found = {key: field_of(key, item) for key, item in stripped.items()}
        else:
            found = dict(self._fields)
            for head in heads:
                if head in stripped:
                    found[head] = field_of(head, stripped[head])
                else:
                    found.pop(head, None)
        self._by_ignore[ignore] = found
        return found


def strip(value: Any, paths: tuple[Path, ...]) -> Any:
    """A copy of ``value`` without the fields at ``paths`` (the input is never mutated).

    An ignored list item (``messages.0`` or ``tools.*``) is replaced by ``null`` rather
    than removed, so the items after it keep their positions and the length still counts.
    """
    for path in paths:
        value = _strip_one(value, path)
    return value


def _strip_one(value: Any, path: Path) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        keys = list(value) if head == "*" else [head] if head in value else []
        if not keys:
            return value
        out = dict(value)
        for key in keys:
            if rest:
                out[key] = _strip_one(out[key], rest)
            else:
                del out[key]
        return out
    if isinstance(value, list):
        if head == "*":
            indexes: range | list[int] = range(len(value))
        elif head.isdigit() and int(head) < len(value):
            indexes = [int(head)]
        else:
            return value
        items = list(value)
        for index in indexes:
            items[index] = _strip_one(items[index], rest) if rest else None
        return items
    return value


def diff(
    expected: Any, actual: Any, field: str = "body", *, subset: bool = False
) -> list[Difference]:
    """Every difference between two canonical values, each named by its path.

    With ``subset``, ``expected`` only needs to be contained in ``actual``: objects may
    have extra keys at any depth; lists must have the same length and their items are
    compared one by one with the same rule (so an object inside a list is a subset too).
    """
    out: list[Difference] = []
    _diff(expected, actual, field, subset, out)
    return out


def _diff(expected: Any, actual: Any, field: str, subset: bool, out: list[Difference]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, item in expected.items():
            where = join_field(field, key)
            if key in actual:
                _diff(item, actual[key], where, subset, out)
            else:
                reason = f"missing in request (expected {render(item)})"
                out.append(Difference(where, item, MISSING, reason))
        if not subset:
            for key, item in actual.items():
                if key not in expected:
                    reason = f"not expected (extra in request: {render(item)})"
                    out.append(Difference(join_field(field, key), MISSING, item, reason))
        return
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
            _diff(want, got, f"{field}[{index}]", subset, out)
        counts = f"expected {len(expected)} items, got {len(actual)}"
        for index in range(len(actual), len(expected)):
            item = expected[index]
            reason = f"missing in request ({counts}; expected {render(item)})"
            out.append(Difference(f"{field}[{index}]", item, MISSING, reason))
        for index in range(len(expected), len(actual)):
            item = actual[index]
            reason = f"not expected (extra in request, {counts}: {render(item)})"
            out.append(Difference(f"{field}[{index}]", MISSING, item, reason))
        return
    if not _same(expected, actual):
        reason = f"expected {render(expected)}, got {render(actual)}"
        out.append(Difference(field, expected, actual, reason))


def agrees(expected: Any, actual: Any, subset: bool) -> bool:
    """Whether :func:`diff` finds no difference (the same rules, stopping at the first)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if not subset and len(expected) != len(actual):
            return False
        for key, item in expected.items():
            if key not in actual or not agrees(item, actual[key], subset):
                return False
        return True  # without subset: as many keys, all of expected's in actual
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return False
        return all(agrees(want, got, subset) for want, got in zip(expected, actual, strict=True))
    return _same(expected, actual)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        # NaN == NaN here, as it is for key_of (both sides serialise to "NaN").
        return bool(expected == actual) or (expected != expected and actual != actual)
    return type(expected) is type(actual) and bool(expected == actual)


def join_field(field: str, key: str) -> str:
    """``body`` + ``temperature`` -> ``body.temperature``; odd keys are quoted in brackets."""
    if _PLAIN_KEY.fullmatch(key):
        return f"{field}.{key}" if field else key
    return f"{field}[{json.dumps(key, ensure_ascii=False)}]"


def plural(count: int, noun: str) -> str:
    """``1 fixture``, ``10,000 fixtures``."""
    return f"{count} {noun}" if count == 1 else f"{count:,} {noun}s"


def render(value: Any, limit: int = TRUNCATE) -> str:
    """A value as short JSON text for messages, cut to ``limit`` characters with "…"."""
    if value is MISSING:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
