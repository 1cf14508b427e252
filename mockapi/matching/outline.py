"""JSON by meaning, and cheap bounds on how far two bodies are apart.

:func:`canonical` and :func:`dumps` give every JSON value one form and one text (key
order ignored, ``1 == 1.0``, booleans not numbers), so :func:`key_of` makes exact body
matches a dictionary lookup. An :class:`Outline` summarises a body's fields so that
:func:`distance_bound`, :class:`SharedHashes` and :func:`kinds_term` can rank near
misses among thousands of fixtures without a full diff of each (:mod:`mockapi.matching.diff`
does the full diff).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from mockapi.wire.canonical import dumps

__all__ = [
    "Field",
    "Key",
    "Outline",
    "Shape",
    "SharedHashes",
    "distance_bound",
    "field_of",
    "key_of",
    "kinds_term",
    "shape_of",
]


Key = bytes
"""What :func:`key_of` returns: equal keys, equal objects (by meaning)."""


@dataclass(frozen=True)
class Field:
    """One top-level field: its kind and its members' hashes."""

    kind: str  # "list", "dict" or "value"
    members: tuple[tuple[str, Any, int], ...]  # (field, index / member name / None, hash)


def field_of(key: str, value: Any) -> Field:
    """Summarise top-level field ``key`` of a canonical object, whose value is ``value``."""
    if isinstance(value, list):
        return Field("list", tuple([(key, i, hash(dumps(item))) for i, item in enumerate(value)]))
    if isinstance(value, dict):
        return Field("dict", tuple([(key, name, hash(dumps(value[name]))) for name in value]))
    return Field("value", ((key, None, hash(dumps(value))),))


@dataclass(frozen=True)
class Outline:
    """A canonical object summarised two levels deep, computed once per object.

    It feeds :func:`distance_bound` (exact keys are :func:`key_of`): ``items`` has the hash of one
    ``(field, index or member or None, hash of its text)`` per list item, object member or
    plain value of each field, ``names`` the same without the text, ``kinds`` each field's
    kind and ``sizes`` each field's number of items.
    """

    items: frozenset[int]
    names: frozenset[int]
    kinds: frozenset[tuple[str, str]]
    sizes: Mapping[str, int]

    @classmethod
    def of(
        cls,
        value: dict[str, Any],
        fields: Mapping[str, Field] | None = None,
        *,
        keep: bool = False,
    ) -> Outline:
        """Outline ``value`` (``fields``: its fields, if already summarised).

        ``keep`` (fixtures, not requests) shares equal ``kinds``, ``names`` and
        ``sizes`` between outlines (there are few distinct ones), so that comparing them
        is usually an identity check, and 10,000 outlines hold a few dozen of each.
        """
        if fields is None:
            fields = {key: field_of(key, item) for key, item in value.items()}
        members = [member for f in fields.values() for member in f.members]
        kinds = frozenset((key, f.kind) for key, f in fields.items())
        kinds = _SHAPES.setdefault(kinds, kinds) if keep else _SHAPES.get(kinds, kinds)
        names = frozenset(hash((key, sub)) for key, sub, _ in members)
        sizes = {key: len(f.members) for key, f in fields.items()}
        if keep:
            names = _NAMES.setdefault(names, names)
            sizes = _SIZES.setdefault(tuple(sizes.items()), sizes)
        return cls(
            items=frozenset(map(hash, members)),
            names=names,
            kinds=kinds,
            sizes=sizes,
        )


_SHAPES: dict[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] = {}
_NAMES: dict[frozenset[int], frozenset[int]] = {}
_SIZES: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}  # never mutated once shared
"""The distinct ``kinds``, ``names`` and ``sizes`` of fixture outlines (bounded by the
fixtures loaded)."""


def key_of(value: dict[str, Any]) -> Key:
    """A hashable key for a canonical object: a 128-bit BLAKE2b digest of its :func:`dumps`.

    The text (sorted keys, no spaces) is equal exactly when the objects are equal by
    meaning; the digest keeps 16 bytes a fixture instead of the text (10,000 recordings
    kept ~6 MB of it), and two different bodies share one only by a 2**-128 accident.
    """
    return hashlib.blake2b(dumps(value).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class Shape(NamedTuple):
    """What :func:`kinds_term` and a near-miss bound need of a fixture's :class:`Outline`
    besides its item hashes (which :class:`SharedHashes` holds): equal shapes are shared
    (:func:`shape_of`), so 10,000 fixtures keep a few dozen."""

    size: int  # len(outline.items)
    names: frozenset[int]
    kinds: frozenset[tuple[str, str]]
    sizes: Mapping[str, int]


_SHAPE_OF: dict[tuple[Any, ...], Shape] = {}


def shape_of(outline: Outline) -> Shape:
    """``outline``'s :class:`Shape`, shared with every equal one (``keep`` outlines)."""
    sizes = outline.sizes
    marker = (len(outline.items), outline.names, outline.kinds, tuple(sizes.items()))
    found = _SHAPE_OF.get(marker)
    if found is None:
        found = _SHAPE_OF[marker] = Shape(len(outline.items), outline.names, outline.kinds, sizes)
    return found


def distance_bound(expected: Outline, actual: Outline) -> int:
    """At most ``len(diff(a, b))`` for the objects the outlines summarise; set arithmetic.

    Within a field of the same kind on both sides, every list item, object member or value
    that differs or is on one side only is at least one difference; a field missing on one
    side or of another kind is exactly one. (A hash collision only lowers the count.)
    """
    count = len(expected.items) + len(actual.items)
    count -= len(expected.names & actual.names) + len(expected.items & actual.items)
    if expected.kinds is not actual.kinds and expected.kinds != actual.kinds:
        for key in {key for key, _ in expected.kinds ^ actual.kinds}:
            count += 1 - expected.sizes.get(key, 0) - actual.sizes.get(key, 0)
    return count


class SharedHashes:
    """Outlines indexed by their item hashes, to rank many against one.

    :meth:`shared` counts ``len(e.items & a.items)`` with one request outline ``a`` for
    every outline ``e`` added, by walking the postings of ``a``'s few hashes rather than
    intersecting two sets per outline. (Names need no index: fixture outlines share a
    few ``names`` sets, see :meth:`Outline.of`.) With :func:`kinds_term`, this gives
    :func:`distance_bound` term for term.
    """

    def __init__(self) -> None:
        self._items: dict[int, list[Any]] = {}

    def add(self, outline: Outline, owner: Any) -> None:
        postings = self._items
        for item in outline.items:
            owners = postings.get(item)
            if owners is None:
                postings[item] = [owner]
            else:
                owners.append(owner)

    def keep_only(self, owners: set[Any]) -> None:
        """Forget every owner not in ``owners`` (fixtures removed from the index)."""
        postings = self._items
        for item, found in list(postings.items()):
            kept = [owner for owner in found if owner in owners]
            if kept:
                postings[item] = kept
            else:
                del postings[item]

    def shared(self, actual: Outline) -> dict[Any, int]:
        """owner -> item hashes its outline shares with ``actual`` (absent: none)."""
        counts: Counter[Any] = Counter()
        for item in actual.items:
            owners = self._items.get(item)
            if owners:
                counts.update(owners)  # counted in C
        return counts


def kinds_term(actual: Outline) -> Callable[[Outline | Shape], int]:
    """What the fields' kinds add to ``distance_bound(expected, actual)``, per ``expected``.

    Fixture outlines share a few distinct ``kinds`` sets: the fields in which one differs
    from ``actual``'s are worked out once per set, not once per fixture.
    """
    kinds, sizes = actual.kinds, actual.sizes
    # kinds set -> (field, 1 - actual's size of it) for each field whose kind differs
    shapes: dict[frozenset[tuple[str, str]], tuple[tuple[str, int], ...]] = {}

    def term(expected: Outline | Shape) -> int:
        other = expected.kinds
        if other is kinds:
            return 0
        fields = shapes.get(other)
        if fields is None:
            keys = {key for key, _ in other ^ kinds}
            fields = shapes[other] = tuple((key, 1 - sizes.get(key, 0)) for key in keys)
        count = 0
        for key, rest in fields:
            count += rest - expected.sizes.get(key, 0)
        return count

    return term
