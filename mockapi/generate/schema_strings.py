"""Strings for JSON Schema data: formats, regular expressions and plain words.

Everything takes a ``random.Random`` so that the caller's seed decides the output.

* :data:`FORMATS` generates the string formats mockapi claims (``date-time``, ``date``,
  ``time``, ``email``, ``uri``, ``uri-reference``, ``uuid``, ``ipv4``, ``ipv6``,
  ``hostname``, ``duration``) and :data:`FORMAT_CHECKS` recognises them, strictly
  enough for the property tests (RFC 3339 dates and times with an offset, absolute
  URIs with a scheme and a host).
* :func:`from_pattern` builds a string that matches a regular expression by walking
  Python's own parse of it (as hypothesis and exrex do): literals, classes, ``\\d``,
  ``\\w``, ``\\s``, ``.``, groups, alternation, back references and every quantifier.
  Lookarounds are skipped, so a pattern that relies on them may not be met; callers
  check the result with ``re.search`` and retry.
"""

from __future__ import annotations

import datetime
import importlib
import ipaddress
import re
import string
import sys
import uuid
from collections.abc import Callable
from random import Random
from typing import Any


def wordlist(text: str) -> tuple[str, ...]:
    """The words of ``text``: word lists written as one string stay readable."""
    return tuple(text.split())


WORDS = wordlist(
    "amber anchor atlas bamboo beacon birch canyon cedar cobalt comet coral crystal delta "
    "ember falcon fern fjord garnet glacier harbor hazel horizon indigo island jasper "
    "juniper lagoon lantern maple meadow meteor nectar nova oak onyx orbit pebble pine "
    "prairie quartz raven reef ridge river saffron sage summit tidal timber topaz tundra "
    "valley velvet willow zephyr"
)

_parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
_MAX_REPEAT = 4  # extra repetitions drawn for an open-ended quantifier (*, +, {n,})
_ALPHABET = string.ascii_letters + string.digits
_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters + " _-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": _ALPHABET,
    "CATEGORY_WORD": _ALPHABET + "_",
    "CATEGORY_NOT_WORD": " -.,",
}


def words(rng: Random, count: int) -> str:
    """``count`` words from a fixed list, separated by spaces."""
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _date(rng: Random) -> datetime.date:
    return datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 30))


def _time(rng: Random) -> str:
    return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"


FORMATS: dict[str, Callable[[Random], str]] = {
    "date-time": lambda rng: f"{_date(rng).isoformat()}T{_time(rng)}",
    "date": lambda rng: _date(rng).isoformat(),
    "time": _time,
    "email": lambda rng: f"{rng.choice(WORDS)}.{rng.choice(WORDS)}@example.com",
    "uri": lambda rng: f"https://example.com/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "uri-reference": lambda rng: f"/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "ipv4": lambda rng: ".".join(str(rng.randrange(1, 255)) for _ in range(4)),
    "ipv6": lambda rng: ":".join(f"{rng.randrange(65536):x}" for _ in range(8)),
    "hostname": lambda rng: f"{rng.choice(WORDS)}.example.com",
    "duration": lambda rng: f"P{rng.randrange(1, 30)}DT{rng.randrange(24)}H",
}

_DATE_TIME = re.compile(
    r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z", re.ASCII
)
_TIME = re.compile(r"\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z", re.ASCII)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_HOSTNAME = re.compile(r"(?=.{1,253}\Z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+\Z")
_DURATION = re.compile(r"P(?!\Z)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?\Z")


def _checks_date_time(value: str) -> bool:
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return False
    return True


def _checks_date(value: str) -> bool:
    try:
        return re.fullmatch(r"\d{4}-\d\d-\d\d", value) is not None and bool(
            datetime.date.fromisoformat(value)
        )
    except ValueError:
        return False


def _checks_time(value: str) -> bool:
    if not _TIME.match(value):
        return False
    hours, minutes, seconds = (int(p) for p in value[:8].split(":"))
    return hours < 24 and minutes < 60 and seconds < 61


def _checks_ip(value: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(value).version == version
    except ValueError:
        return False


def _checks_uuid(value: str) -> bool:
    try:
        return len(value) == 36 and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": _checks_date_time,
    "date": _checks_date,
    "time": _checks_time,
    "email": lambda v: _EMAIL.match(v) is not None,
    "uri": lambda v: _URI.match(v) is not None,
    "uri-reference": lambda v: not any(c.isspace() for c in v),
    "uuid": _checks_uuid,
    "ipv4": lambda v: _checks_ip(v, 4),
    "ipv6": lambda v: _checks_ip(v, 6),
    "hostname": lambda v: _HOSTNAME.match(v) is not None,
    "duration": lambda v: _DURATION.match(v) is not None,
}


def matches_format(value: str, fmt: Any) -> bool:
    """Whether ``value`` is a valid ``fmt``; formats mockapi does not know always pass."""
    check = FORMAT_CHECKS.get(fmt) if isinstance(fmt, str) else None
    return check is None or check(value)


def from_pattern(pattern: str, rng: Random) -> str | None:
    """A string matching ``pattern`` (``re.search`` semantics), or ``None`` if none found.

    Tries a few draws and returns the first that ``re.search`` accepts.
    """
    try:
        compiled = re.compile(pattern)
        parsed = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    for _ in range(8):
        groups: dict[int, str] = {}
        try:
            candidate = _walk(parsed, rng, groups)
        except (_Unsupported, RecursionError):
            return None
        if compiled.search(candidate):
            return candidate
    return None


class _Unsupported(Exception):
    """A construct the generator cannot produce a string for."""


def _walk(items: Any, rng: Random, groups: dict[int, str]) -> str:
    return "".join(_item(str(op), arg, rng, groups) for op, arg in items)


def _item(op: str, arg: Any, rng: Random, groups: dict[int, str]) -> str:
    if op == "LITERAL":
        return chr(arg)
    if op == "NOT_LITERAL":
        return rng.choice([c for c in _ALPHABET if ord(c) != arg])
    if op == "ANY":
        return rng.choice(_ALPHABET)
    if op == "IN":
        return _from_class(arg, rng)
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = arg
        count = rng.randint(low, min(high, low + _MAX_REPEAT))
        return "".join(_walk(sub, rng, groups) for _ in range(count))
    if op == "SUBPATTERN":
        group, sub = arg[0], arg[-1]
        text = _walk(sub, rng, groups)
        if group is not None:
            groups[group] = text
        return text
    if op == "ATOMIC_GROUP":
        return _walk(arg, rng, groups)
    if op == "BRANCH":
        return _walk(rng.choice(arg[1]), rng, groups)
    if op == "GROUPREF":
        return groups.get(arg, "")
    if op in ("AT", "ASSERT", "ASSERT_NOT"):
        return ""  # anchors match where the generated text puts them; lookarounds skipped
    if op == "CATEGORY":
        return rng.choice(_CATEGORIES.get(str(arg), _ALPHABET))
    raise _Unsupported(op)


def _from_class(items: Any, rng: Random) -> str:
    negated = bool(items) and str(items[0][0]) == "NEGATE"
    allowed: list[str] = []
    for op, arg in items[1:] if negated else items:
        name = str(op)
        if name == "LITERAL":
            allowed.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            allowed.extend(chr(c) for c in range(low, min(high, low + 255) + 1))
        elif name == "CATEGORY":
            allowed.extend(_CATEGORIES.get(str(arg), _ALPHABET))
    if negated:
        choices = [c for c in _ALPHABET + " -_.," if c not in set(allowed)]
        if not choices:
            raise _Unsupported("a negated class that excludes every candidate")
        return rng.choice(choices)
    if not allowed:
        raise _Unsupported("an empty character class")
    return rng.choice(allowed)
