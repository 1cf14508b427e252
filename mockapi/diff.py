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
``content`` matcher searches.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALWAYS_IGNORED",
    "MISSING",
    "BodyView",
    "Difference",
    "Key",
    "Message",
    "Outline",
    "Path",
    "PreparedBody",
    "SharedHashes",
    "canonical",
    "diff",
    "distance_bound",
    "dumps",
    "join_field",
    "key_of",
    "kinds_term",
    "messages_of",
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


_PLAIN = frozenset({str, int, bool, type(None)})


def canonical(value: Any) -> Any:
    """A copy of ``value`` in canonical form (integral floats become ints, keys strings)."""
    kind = type(value)  # exact types first: this runs on every fixture and request body
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): canonical(v) for k, v in value.items()}
    if kind is list:
        return [canonical(item) for item in value]
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return str(value)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_encode_str: Callable[[str], str] = json.encoder.encode_basestring  # what _ENCODER uses


def _c_encoder() -> Callable[[Any], str]:
    """``_ENCODER.encode``, without rebuilding its C encoder on every call (2-3x faster).

    The C encoder is what ``encode`` itself builds (the same arguments; no circularity
    markers, which canonical values, trees, do not need); if it is unavailable or does
    not write what ``encode`` writes, ``encode`` it is.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    try:
        run = make(None, _ENCODER.default, _encode_str, None, ":", ",", True, False, True)  # type: ignore[misc]
        probe = {"b": [1, 2.5, -0.0, None, True, "é\n\u2028"], "a": {"y": 1e-05, "x": {}}}
        if "".join(run(probe, 0)) == _ENCODER.encode(probe):
            return lambda value: "".join(run(value, 0))
    except Exception:  # no C accelerator (e.g. PyPy), or another signature
        pass
    return _ENCODER.encode


_encode_tree = _c_encoder()


def dumps(value: Any) -> str:
    """Serialise a canonical value deterministically (sorted keys, no spaces)."""
    kind = type(value)  # the common scalars first, written exactly as the encoder does
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is float and value - value == 0:  # finite (NaN and infinities are not)
        return float.__repr__(value)
    return _encode_tree(value)


Key = frozenset[tuple[str, str]]
"""What :func:`key_of` returns: equal keys, equal objects (by meaning)."""


@dataclass(frozen=True)
class _Field:
    """One top-level field: its serialised value, its kind and its members' hashes."""

    text: str
    kind: str  # "list", "dict" or "value"
    members: tuple[tuple[str, Any, int], ...]  # (field, index / member name / None, hash)


def _field(key: str, value: Any) -> _Field:
    # The field's text is built from its members' texts: one serialisation, not two.
    if isinstance(value, list):
        texts = [dumps(member) for member in value]
        members = tuple((key, i, hash(text)) for i, text in enumerate(texts))
        return _Field("[" + ",".join(texts) + "]", "list", members)
    if isinstance(value, dict):
        names = sorted(value)
        texts = [dumps(value[name]) for name in names]
        text = ",".join(f"{dumps(name)}:{t}" for name, t in zip(names, texts, strict=True))
        members = tuple((key, name, hash(t)) for name, t in zip(names, texts, strict=True))
        return _Field("{" + text + "}", "dict", members)
    text = dumps(value)
    return _Field(text, "value", ((key, None, hash(text)),))


@dataclass(frozen=True)
class Outline:
    """A canonical object summarised two levels deep, computed once per object.

    ``key`` is exact (top-level fields with their serialised values): equal keys, equal
    objects. The rest feeds :func:`distance_bound`: ``items`` has the hash of one
    ``(field, index or member or None, hash of its text)`` per list item, object member or
    plain value of each field, ``names`` the same without the text, ``kinds`` each field's
    kind and ``sizes`` each field's number of items.
    """

    key: Key
    items: frozenset[int]
    names: frozenset[int]
    kinds: frozenset[tuple[str, str]]
    sizes: Mapping[str, int]

    @classmethod
    def of(
        cls,
        value: dict[str, Any],
        fields: Mapping[str, _Field] | None = None,
        *,
        keep: bool = False,
    ) -> Outline:
        """Outline ``value`` (``fields``: its fields, if already summarised).

        ``keep`` (fixtures, not requests) shares equal ``kinds``, ``names`` and
        ``sizes`` between outlines (there are few distinct ones), so that comparing them
        is usually an identity check, and 10,000 outlines hold a few dozen of each.
        """
        if fields is None:
            fields = {key: _field(key, item) for key, item in value.items()}
        members = [member for f in fields.values() for member in f.members]
        kinds = frozenset((key, f.kind) for key, f in fields.items())
        kinds = _SHAPES.setdefault(kinds, kinds) if keep else _SHAPES.get(kinds, kinds)
        names = frozenset(hash((key, sub)) for key, sub, _ in members)
        sizes = {key: len(f.members) for key, f in fields.items()}
        if keep:
            names = _NAMES.setdefault(names, names)
            sizes = _SIZES.setdefault(tuple(sizes.items()), sizes)
        return cls(
            key=frozenset((key, f.text) for key, f in fields.items()),
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
    """A hashable key for a canonical object: its top-level keys with serialised values."""
    return Outline.of(value).key


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

    def shared(self, actual: Outline) -> dict[Any, int]:
        """owner -> item hashes its outline shares with ``actual`` (absent: none)."""
        counts: Counter[Any] = Counter()
        for item in actual.items:
            owners = self._items.get(item)
            if owners:
                counts.update(owners)  # counted in C
        return counts


def kinds_term(actual: Outline) -> Callable[[Outline], int]:
    """What the fields' kinds add to ``distance_bound(expected, actual)``, per ``expected``.

    Fixture outlines share a few distinct ``kinds`` sets: the fields in which one differs
    from ``actual``'s are worked out once per set, not once per fixture.
    """
    kinds, sizes = actual.kinds, actual.sizes
    # kinds set -> (field, 1 - actual's size of it) for each field whose kind differs
    shapes: dict[frozenset[tuple[str, str]], tuple[tuple[str, int], ...]] = {}

    def term(expected: Outline) -> int:
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


@dataclass(frozen=True)
class PreparedBody:
    """An expected body in canonical form, with its ignored paths already removed.

    ``ignore`` is sorted, so fixtures with the same ignore set share one request outline;
    ``outline`` (exact bodies that are objects) is the expected object's :class:`Outline`.
    """

    expected: Any
    ignore: tuple[Path, ...]
    outline: Outline | None = None

    @property
    def key(self) -> Key | None:
        return self.outline.key if self.outline is not None else None

    @classmethod
    def build(cls, value: Any, ignore: Iterable[Path], *, exact: bool) -> PreparedBody:
        """Prepare ``value``; ``exact`` bodies also never compare :data:`ALWAYS_IGNORED`."""
        paths = tuple(sorted(set(ignore) | (set(ALWAYS_IGNORED) if exact else set())))
        expected = strip(canonical(value), paths)
        if exact and isinstance(expected, dict):
            return cls(expected, paths, Outline.of(expected, keep=True))
        return cls(expected, paths)

    def compare(self, actual: Any, *, subset: bool = False) -> list[Difference]:
        """The differences with a decoded request body (see :func:`diff`)."""
        return diff(self.expected, strip(actual, self.ignore), "body", subset=subset)


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
        self._fields: dict[str, _Field] = {}
        self._by_ignore: dict[tuple[Path, ...], dict[str, _Field]] = {}
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

        Only each field's text is needed (a field's text is ``dumps`` of its value), not
        the member hashes of a full outline: a hit costs one serialisation per field.
        """
        if not isinstance(self.body, dict):
            return None
        found = self._keys.get(ignore)
        if found is None:
            stripped = self._canonical()  # ALWAYS_IGNORED is stripped already
            if ignore != ALWAYS_IGNORED:
                stripped = strip(stripped, ignore)
            found = frozenset([(k, dumps(v)) for k, v in stripped.items()])
            self._keys[ignore] = found
        return found

    def _canonical(self) -> dict[str, Any]:
        if self._base is None:
            self._base = strip(canonical(self.body), ALWAYS_IGNORED)
        return self._base

    def _fields_without(self, ignore: tuple[Path, ...]) -> dict[str, _Field] | None:
        if not isinstance(self.body, dict):
            return None
        found = self._by_ignore.get(ignore)
        if found is not None:
            return found
        if not self._fields:
            self._fields = {key: _field(key, item) for key, item in self._canonical().items()}
        stripped = strip(self._canonical(), ignore)
        heads = {path[0] for path in ignore}
        if "*" in heads:
            found = {key: _field(key, item) for key, item in stripped.items()}
        else:
            found = dict(self._fields)
            for head in heads:
                if head in stripped:
                    found[head] = _field(head, stripped[head])
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


def render(value: Any, limit: int = TRUNCATE) -> str:
    """A value as short JSON text for messages, cut to ``limit`` characters with "…"."""
    if value is MISSING:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- messages ----------------------------------------------------------------------------

_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})


@dataclass(frozen=True)
class Message:
    """A message's text as the content matcher sees it; ``field`` says where it was."""

    field: str
    role: str
    text: str


def messages_of(body: Any) -> list[Message]:
    """The messages of a request body, in order.

    Chat ``messages`` (``content`` a string, or the ``text`` of its text parts joined by
    newlines); Responses ``input`` (a string is one user message; list items with a
    ``role`` and ``content``, and ``function_call_output`` items as ``tool``); legacy
    Completions ``prompt`` and Embeddings ``input`` strings count as ``user`` messages.
    """
    if not isinstance(body, dict):
        return []
    found: list[Message] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        for i, item in enumerate(messages):
            if isinstance(item, dict):
                role = str(item.get("role", ""))
                found.append(Message(f"messages[{i}].content", role, _text(item.get("content"))))
    for key in ("input", "prompt"):
        value = body.get(key)
        if isinstance(value, str):
            found.append(Message(key, "user", value))
        elif isinstance(value, list):
            found.extend(_input_items(key, value))
    return found


def _input_items(key: str, items: list[Any]) -> Iterable[Message]:
    for i, item in enumerate(items):
        if isinstance(item, str):
            yield Message(f"{key}[{i}]", "user", item)
        elif isinstance(item, dict) and "content" in item:
            role = str(item.get("role", "user"))
            yield Message(f"{key}[{i}].content", role, _text(item["content"]))
        elif isinstance(item, dict) and item.get("type") == "function_call_output":
            yield Message(f"{key}[{i}].output", "tool", _text(item.get("output")))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (p for p in content if isinstance(p, dict) and p.get("type") in _TEXT_PARTS)
        return "\n".join(p["text"] for p in parts if isinstance(p.get("text"), str))
    return ""
