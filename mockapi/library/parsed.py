"""A fixture file's recordings as the loader made them, kept to skip making them again.

A recording (``mockapi record``'s file: one exact ``body`` matcher, plain JSON answers)
loads into a :class:`~mockapi.library.fixture.Fixture` whose bulk is two ``marshal``
strings (:mod:`mockapi.library.packed`): its body and its answers. Decoding the file,
checking every entry and packing them again took three quarters of a warm start of
10,000 recordings, and the index then unpacked each body to compute its key. The fixture
cache (:mod:`mockapi.library.cache`) keeps, beside a file's decoded document, the
:func:`freeze` of what the loader made of it, and the next load :func:`thaw` s it: the
same fixtures, their bodies' index keys included, without a decode, a check or a pack.

- **Only plain recordings.** A file is frozen only when each of its fixtures is one: a
  packed exact body and nothing else to prepare, no ``ignore``, no fault, plain packed
  answers. Anything else (templates, streams, ``body_file`` answers read from beside the
  file, ``content`` rules) is parsed from its document on every load.
- **Never stale.** A frozen file is thawed only for the very bytes it was made from (the
  cache vouches for them as it does for documents), and only by the code that made it:
  :func:`code_version` digests the source of every module a frozen fixture depends on
  (parsing, packing, and the index key's canonical form), so an upgrade, or an edit of
  one of them, makes the next load parse again.
- **Refused, not trusted.** A memo that is not what :func:`freeze` writes thaws to None,
  and the file is parsed from its document.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockapi.library.fixture import Fixture
from mockapi.library.packed import Packed, PackedMatchers, PackedResponses

Keys = Callable[[Any], "bytes | None"]
"""The index key of an exact ``body`` matcher's argument without ``ignore``
(:func:`mockapi.matching.matchers.exact_key`): computed once, by the loader."""

CODE = (
    "library/fixture.py",
    "library/packed.py",
    "library/parsed.py",
    "matching/diff.py",
    "matching/matchers.py",
    "matching/outline.py",
    "wire/canonical.py",
)
"""The modules (below the ``mockapi`` package) whose code a frozen fixture holds the
result of: what parses an entry, what packs it, and what computes its body's key."""

_FORMAT = 1
_Frozen = tuple[str, str, str, bytes, bytes | None, bytes, int, dict[str, Any], int, Any]
# (name, method, path, the body's bytes, its key, the answers' bytes, how many answers,
#  meta, priority, times)


@functools.cache
def code_version() -> str:
    """A digest of :data:`CODE`'s source; when part of it cannot be read (no source
    beside the bytecode), a version of this process alone, so that no other thaws what
    it froze."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(f"parsed {_FORMAT}".encode(), digest_size=16)
    for name in CODE:
        try:
            digest.update((root / name).read_bytes())
        except OSError:  # no source beside the code (a frozen app): never reuse a memo
            return f"unreadable {os.urandom(16).hex()}"
    return digest.hexdigest()


def freeze(fixtures: list[Fixture], *, test: bool, keys: Keys | None) -> bytes | None:
    """What :func:`thaw` makes ``fixtures`` again from (the fixtures of one file, ``test``
    when it belongs to one test), each body's key computed with ``keys`` (and set on its
    :class:`~mockapi.library.packed.Packed`, for the index); None when one of them is not
    a plain recording."""
    frozen: list[_Frozen] = []
    for fixture in fixtures:
        one = _freeze(fixture, keys)
        if one is None:
            return None
        frozen.append(one)
    try:
        return marshal.dumps((_FORMAT, test, frozen), 4)
    except ValueError:  # a meta value marshal cannot hold (a YAML timestamp)
        return None


def _freeze(fixture: Fixture, keys: Keys | None) -> _Frozen | None:
    matchers, responses = fixture.matchers, fixture.responses
    if type(matchers) is not PackedMatchers or type(responses) is not PackedResponses:
        return None
    if fixture.ignore or fixture.fault is not None or responses.data is None:
        return None
    if list(matchers) != ["body"]:  # other matchers keep a prepared argument of their own
        return None
    body = matchers.stored("body")
    if type(body) is not Packed:
        return None
    if body.key is None and keys is not None:
        body.key = keys(body.unpack())
    return (
        fixture.name,
        fixture.method,
        fixture.path,
        body.data,
        body.key,
        responses.data,
        len(responses),
        dict(fixture.meta),
        fixture.priority,
        fixture.times,
    )


def thaw(memo: bytes, source: str) -> tuple[bool, list[Fixture]] | None:
    """The fixtures :func:`freeze` kept in ``memo`` (of the file ``source``) and whether
    the file belongs to one test; None when ``memo`` is not what it writes."""
    try:
        form, test, frozen = marshal.loads(memo)
        if form != _FORMAT or type(test) is not bool:
            return None
        fixtures = [_thaw(one, f"{source}#{index}") for index, one in enumerate(frozen)]
    except (EOFError, ValueError, TypeError):
        return None
    return test, fixtures


def _thaw(one: _Frozen, source: str) -> Fixture:
    name, method, path, body, key, answers, count, meta, priority, times = one
    if type(body) is not bytes or type(answers) is not bytes or type(count) is not int:
        raise TypeError("not a frozen recording")
    return Fixture(
        name=name,
        source=source,
        method=method,
        path=path,
        matchers=PackedMatchers({"body": Packed(body, key)}),
        responses=PackedResponses(answers, count),
        meta=meta,
        priority=priority,
        times=times,
    )
