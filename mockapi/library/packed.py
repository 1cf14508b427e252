"""Fixture values kept packed: the bulk of a large library, at a third of the memory.

A recording's request body (its ``body`` matcher) and answer are nested dicts and lists:
~3 KB of Python objects each, 30 MB for 10,000 recordings, though the index finds an
exact body by its hash and a fixture's answer is read only when it is served. Packed,
they are one ``marshal`` string each (~0.6 KB), unpacked when read:

- :class:`Packed`: one value; :meth:`Packed.unpack` gives a fresh copy each time.
- :class:`PackedMatchers`: a fixture's ``matchers`` mapping with its ``body`` packed;
  reading it unpacks a copy (the index keeps what it needs, see
  :class:`~mockapi.matching.diff.PreparedBody`).
- :class:`PackedResponses`: a fixture's ``responses`` when each is a status, headers and
  a JSON body: unpacked into :class:`~mockapi.library.fixture.FixtureResponse` objects
  on the first read, then kept (a served fixture answers again; ``is`` holds).

``marshal`` keeps every value exactly (ints, floats, interned keys) and loads ~10x
faster than JSON decodes; a value it cannot hold (a YAML timestamp) stays unpacked.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from mockapi.library.fixture import FixtureResponse

PACKED_MATCHERS = frozenset({"body"})
"""The matchers whose argument is packed: the exact body, which the index finds by hash
(other matchers keep their argument prepared, unpacked, in the index anyway)."""


class Packed:
    """A JSON-like value (dicts, lists, strings, numbers) kept as ``marshal`` bytes.

    ``key`` is the value's index key as an exact request body (what
    :class:`~mockapi.matching.diff.PreparedBody` computes for a ``body`` matcher without
    ``ignore``), when whoever packed it knew it: the library loader computes it once, and
    the parsed fixture cache (:mod:`mockapi.library.parsed`) keeps it, so that the index
    neither unpacks nor canonicalises the body again.
    """

    __slots__ = ("data", "key")

    def __init__(self, data: bytes, key: bytes | None = None) -> None:
        self.data = data
        self.key = key

    def unpack(self) -> Any:
        """A fresh copy of the value."""
        return marshal.loads(self.data)

    def __repr__(self) -> str:
        return repr(self.unpack())


def pack(value: Any) -> Packed | None:
    """``value`` packed, or None when it is not worth it (a scalar) or marshal cannot hold
    it (a YAML timestamp, a set)."""
    if type(value) is not dict and type(value) is not list:
        return None
    try:
        return Packed(marshal.dumps(value, 4))
    except ValueError:
        return None


class PackedMatchers(Mapping[str, Any]):
    """A fixture's matchers (name -> argument) with the :data:`PACKED_MATCHERS` packed."""

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    @classmethod
    def of(cls, arguments: dict[str, Any]) -> Mapping[str, Any]:
        """``arguments`` with their packable :data:`PACKED_MATCHERS` packed; ``arguments``
        itself when there is none."""
        items, packed_any = dict(arguments), False
        for name in PACKED_MATCHERS.intersection(arguments):
            packed = pack(arguments[name])
            if packed is not None:
                items[name], packed_any = packed, True
        return cls(items) if packed_any else arguments

    def stored(self, name: str) -> Any:
        """The argument of ``name`` as kept: a :class:`Packed` when it is packed."""
        return self._items[name]

    def __getitem__(self, name: str) -> Any:
        value = self._items[name]
        return value.unpack() if type(value) is Packed else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(dict(self))


def packed_argument(matchers: Mapping[str, Any], name: str) -> Packed | None:
    """The argument of matcher ``name`` as ``matchers`` keeps it when it is packed (what
    a holder that reads it seldom keeps instead of a copy), else None."""
    if isinstance(matchers, PackedMatchers):
        stored = matchers.stored(name)
        return stored if type(stored) is Packed else None
    return None


_Plain = tuple[int, Mapping[str, str], Any]  # (status, headers, body)


class PackedResponses(Sequence["FixtureResponse"]):
    """A fixture's answers, each a status, headers and JSON body, packed together until
    first read; a sequence of :class:`~mockapi.library.fixture.FixtureResponse`."""

    __slots__ = ("_built", "_count", "_data")

    def __init__(self, data: bytes, count: int) -> None:
        self._data: bytes | None = data
        self._built: tuple[FixtureResponse, ...] | None = None
        self._count = count

    @classmethod
    def of(cls, responses: tuple[FixtureResponse, ...]) -> Sequence[FixtureResponse]:
        """``responses`` packed when each is plain (a status, headers and a JSON object or
        list body: no events, template, raw bytes or fault), else ``responses`` itself."""
        plain: list[_Plain] = []
        for answer in responses:
            if not _plain(answer):
                return responses
            plain.append((answer.status, dict(answer.headers), answer.body))
        try:
            return cls(marshal.dumps(plain, 4), len(plain)) if plain else responses
        except ValueError:  # a value marshal cannot hold
            return responses

    @property
    def data(self) -> bytes | None:
        """The packed answers, until they are first read (then None: they are kept built)."""
        return self._data

    def _responses(self) -> tuple[FixtureResponse, ...]:
        built = self._built
        if built is None:
            from mockapi.library.fixture import FixtureResponse

            assert self._data is not None
            built = tuple(
                FixtureResponse(status=status, headers=headers, body=body)
                for status, headers, body in marshal.loads(self._data)
            )
            self._built, self._data = built, None  # kept from now on: served, served again
        return built

    @overload
    def __getitem__(self, index: int) -> FixtureResponse: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[FixtureResponse, ...]: ...
    def __getitem__(self, index: int | slice) -> FixtureResponse | tuple[FixtureResponse, ...]:
        return self._responses()[index]

    def __iter__(self) -> Iterator[FixtureResponse]:
        return iter(self._responses())

    def __len__(self) -> int:
        return self._count

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return self._responses() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as a tuple of unhashable answers

    def __repr__(self) -> str:
        return repr(self._responses())


def _plain(answer: FixtureResponse) -> bool:
    body = answer.body
    return (
        (type(body) is dict or type(body) is list)
        and answer.events is None
        and answer.template is None
        and answer.raw is None
        and answer.body_file is None
        and answer.fault is None
    )
