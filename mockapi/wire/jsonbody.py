"""Strict JSON: what RFC 8259 calls JSON text, and nothing Python's ``json`` adds to it.

``json.loads`` is lenient where the API is not: it accepts ``NaN``, ``Infinity`` and
``-Infinity``, turns ``1e999`` into infinity, decodes bytes as UTF-16 or UTF-32 by
guessing, skips a UTF-8 byte order mark, keeps lone surrogates (``"\\ud800"``, or the raw
bytes ``ED A0 80``, which it decodes with ``surrogatepass``) and nests as deep as the
interpreter's recursion allows. A value like that breaks later: a response that echoes
it, the journal, orjson. :func:`loads` refuses all of it with :class:`NotJSON`, which
the replay flow answers with the API's "We could not parse the JSON body of your
request" 400. What it decides, and why:

* ``NaN``, ``Infinity``, ``-Infinity``, and numbers too large for a double: not JSON.
* The bytes must be UTF-8 (RFC 8259 section 8.1) and, once decoded, valid Unicode: a lone
  surrogate, raw or ``\\u``-escaped, is refused (section 8.2 leaves it "unpredictable").
* A UTF-8 byte order mark is refused. RFC 8259 lets a parser ignore one; what the
  OpenAI API does with it is not known, so mockapi takes the strict reading and says so.
* Integers outside the 64-bit range (-2**63 .. 2**64-1) and nesting deeper than
  :data:`MAX_DEPTH` levels are refused: RFC 8259 (sections 6 and 9) lets a parser set
  both limits, and these are the ones every encoder mockapi answers with can write
  (orjson stops at 64-bit integers and 254 levels; ``MAX_DEPTH`` is serde_json's).
* Duplicate object keys: the last one wins, as in Python, JavaScript and most parsers
  (RFC 8259 only says names SHOULD be unique). The body is forwarded upstream as sent.

:func:`jsonable` is the other direction: a copy of any value that every strict encoder
accepts, for what mockapi keeps of a request whatever the client sent (the journal).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from mockapi.errors import MockapiError

__all__ = ["INT_MAX", "INT_MIN", "MAX_DEPTH", "NotJSON", "jsonable", "loads", "reject_constant"]

MAX_DEPTH = 128
"""The deepest nesting of arrays and objects :func:`loads` accepts (the top level is 1)."""

INT_MIN, INT_MAX = -(2**63), 2**64 - 1
"""The integers :func:`loads` accepts: the 64-bit range, what orjson can write."""
_BOM = b"\xef\xbb\xbf"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Text that may hold what the C scanner lets through: a lone surrogate escape, or a
# number too long for 64 bits or a double. A string's content can raise a false alarm,
# never hide a real one: the alarm only costs the walk over the decoded value that decides.
_CONTAINERS = frozenset({dict, list, tuple})
# A cycle fails as a RecursionError instead of being tracked: checking costs every call.
_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19
_NUMBERS = bytes.maketrans(b"123456789E+", b"000000000e-")  # digits 0, exponents e or e-
_LONG_NUMBERS = (_NINETEEN_DIGITS, b"e000", b"e-000")
# A number token too long for 64 bits or a double: 19 digits in a row or an exponent of
# three digits, right after what a JSON value follows (``[``, ``,``, ``:``, whitespace;
# the text's start is matched apart). A string's content may look like one (a false
# alarm), a real one always does.
_LONG = rb"-?(?:[0-9]{19}|[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{3})"
_LONG_NUMBER = re.compile(rb"[\[,:\s]" + _LONG)
_LONG_NUMBER_FIRST = re.compile(_LONG)
# A ``\u`` escape of a surrogate: the only way a lone one gets into valid UTF-8 text.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


_TOO_DEEP = (
    f"it nests arrays and objects deeper than {MAX_DEPTH} levels, more than mockapi "
    "accepts (RFC 8259 section 9 lets a parser set this limit)"
)


class NotJSON(MockapiError, ValueError):
    """The text is not strict JSON; the message says where and what is wrong."""


def reject_constant(name: str) -> NoReturn:
    """``parse_constant`` for :func:`json.loads`: ``NaN`` and ``Infinity`` are not JSON."""
    raise NotJSON(f"{name} is not JSON (RFC 8259 has no NaN or Infinity; send a number or null)")


def loads(data: bytes | str) -> Any:
    """Decode strict JSON text (UTF-8 bytes, or a str); raises :class:`NotJSON`.

    Valid JSON costs one ``json.loads`` plus scans of the text at memory speed; a walk
    over the value runs only when a scan says something may be wrong (:func:`_suspect`,
    or more brackets than the nesting limit).
    """
    if isinstance(data, bytes):
        if data.startswith(_BOM):
            raise NotJSON(
                "the body starts with a UTF-8 byte order mark (BOM), which JSON sent over "
                "the network must not have (RFC 8259 section 8.1); send it without one"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotJSON(
                f"the body is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start} ({exc.reason}); JSON must be sent as UTF-8 (RFC 8259 section 8.1)"
            ) from None
    else:
        text = data
        if _SURROGATE.search(text):  # bytes decoded with surrogateescape, or worse
            raise NotJSON(_lone_surrogate(text))
    try:
        value = json.loads(text, parse_constant=reject_constant)
    except NotJSON:
        raise
    except (ValueError, RecursionError) as exc:
        if "integer string conversion" in str(exc):  # Python's own limit, 4300 digits
            raise NotJSON(_out_of_range("an integer of thousands of digits")) from None
        raise NotJSON(f"{type(exc).__name__}: {exc}") from None
    raw = data if isinstance(data, bytes) else text.encode("utf-8")
    problem = None
    if _suspect(text, raw):
        problem = _problem(value)
    elif raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _too_deep(value):
        problem = _TOO_DEEP
    if problem is not None:
        raise NotJSON(problem)
    return value


def _suspect(text: str, raw: bytes) -> bool:
    """Whether the text may hold what the C scanner lets through: a surrogate escape,
    or a number too long for 64 bits or a double (19 digits in a row, an exponent of 3).

    A string's content can raise a false alarm, never hide a real one; the alarm only
    costs the walk that decides. The scans run at memory speed (``in``, ``translate``),
    where a regex over the whole text, or a hook per number, would not.
    """
    if b"\\u" in raw and _ESCAPED_SURROGATE.search(text):
        return True
    numbers = raw.translate(_NUMBERS)
    if not any(pattern in numbers for pattern in _LONG_NUMBERS):
        return False
    # Only a number token counts: ``fp_9e1700`` or ``chatcmpl-0000…`` inside a string
    # (ids, fingerprints) is not one, and cost a walk over the whole decoded value.
    return bool(_LONG_NUMBER.search(raw) or _LONG_NUMBER_FIRST.match(raw))


def _too_deep(value: Any) -> bool:
    """Whether containers nest deeper than ``MAX_DEPTH`` (a walk over containers only)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        for item in node.values() if type(node) is dict else node:
            if type(item) in _CONTAINERS:
                stack.append((item, depth + 1))
    return False


def _problem(value: Any) -> str | None:
    """What in a decoded value is not strict JSON (a lone surrogate, a number out of
    range, nesting too deep), or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                return _TOO_DEEP
            if isinstance(node, dict):
                for key, item in node.items():
                    if _SURROGATE.search(key):
                        return _lone_surrogate(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            if _SURROGATE.search(node):
                return _lone_surrogate(node)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if not INT_MIN <= node <= INT_MAX:
                return _out_of_range(f"the integer {_shown(str(node))}")
        elif isinstance(node, float) and not math.isfinite(node):
            return "a number is too large to be a double (it would be infinity)"
    return None


def _out_of_range(what: str) -> str:
    return (
        f"{what} is outside the 64-bit range mockapi accepts (RFC 8259 section 6 lets a "
        "parser limit it); send a smaller number"
    )


def _lone_surrogate(text: str) -> str:
    found = _SURROGATE.search(text)
    code = f"\\u{ord(found.group()):04x}" if found else "?"
    return (
        f"a string holds the lone surrogate {code}, which is not Unicode text "
        "(RFC 8259 section 8.2); escape a character outside the BMP as a surrogate pair"
    )


def _shown(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} digits)"


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value's containers (dicts and lists; every other value is
    shared, as an immutable scalar may be): several times faster than
    ``copy.deepcopy``, which answers for any object graph."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """``value`` if every strict JSON encoder (json, orjson) can write it, else a copy
    that they can: strings with lone surrogates get them as ``\\udxxx`` text,
    non-finite floats and integers beyond 64 bits become strings, containers nested
    deeper than :data:`MAX_DEPTH` a placeholder, non-string keys strings, other types
    their ``str``. Cheap when nothing is wrong: one C-speed encoding of the value and
    scans of it (and, for a value with many brackets, a walk over its containers).
    """
    if value is None or isinstance(value, str):
        return value if value is None else _text(value)
    try:  # NaN, a lone surrogate, a type JSON lacks or a cycle fail here
        data = _STRICT.encode(value).encode("utf-8")
    except (ValueError, TypeError, RecursionError):
        return _copy(value, 1)
    # 19 digits in a row may be an integer beyond 64 bits (or a string's digits: then
    # the copy is merely equal); bytes.translate and `in` run at memory speed.
    if _NINETEEN_DIGITS in data.translate(_DIGITS_AS_ZERO):
        return _copy(value, 1)
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _too_deep(value):
        return _copy(value, 1)
    return value


def _copy(value: Any, depth: int) -> Any:
    if isinstance(value, (dict, list, tuple)):
        if depth > MAX_DEPTH:
            return f"<nested deeper than {MAX_DEPTH} levels: not kept>"
        if isinstance(value, dict):
            return {_text(str(k)): _copy(v, depth + 1) for k, v in value.items()}
        return [_copy(item, depth + 1) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT_MIN <= value <= INT_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return _text(value if isinstance(value, str) else str(value))


def _text(text: str) -> str:
    """``text`` with each lone surrogate written out as ``\\udxxx``, so it encodes."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
