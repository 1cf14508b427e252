"""JSON by meaning: one form and one text for every JSON value, and one digest.

:func:`canonical` ignores object key order, makes ``1 == 1.0`` and keeps booleans apart
from numbers; :func:`dumps` writes a canonical value as one deterministic text (sorted
keys, no spaces). Matching compares bodies in this form, templates write it.
:func:`digest` is the one hash of a request body (a recording's file name, the seed of a
synthesized answer or of a template's ``faker``). :func:`ordered` is the other side of
the coin: an object's keys in the order the API writes them, which matching ignores
but a reader of an answer notices.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["canonical", "digest", "dumps", "ordered"]


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


def digest(*parts: Any, by_meaning: bool = True) -> str:
    """The SHA-256 (hex) of ``parts`` written as one JSON text: keys sorted, no spaces,
    ASCII only, anything that is not JSON as its ``str``. Key order never changes it.

    ``by_meaning`` digests the canonical form (``1`` and ``1.0`` alike), for seeds. A
    recording's file name passes False: names on disk have always told the two apart,
    and a re-recording (mode ``all``) must find the file it replaces.
    """
    value = canonical(list(parts)) if by_meaning else list(parts)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def ordered(mapping: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """``mapping`` with the keys of ``order`` first, in that order, then the others (as
    they were): an object in the key order the API writes it."""
    first = {key: mapping[key] for key in order if key in mapping}
    return {**first, **{k: v for k, v in mapping.items() if k not in first}}
