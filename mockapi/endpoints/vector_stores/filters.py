"""Attribute filters of a vector store search (``filters`` of ``vector_stores.search`` and
of the Responses ``file_search`` tool): which files' chunks a search may return.

A filter is a *comparison* ``{"type": "eq", "key": "author", "value": "Ada"}`` (``eq``,
``ne``, ``gt``, ``gte``, ``lt``, ``lte``, ``in``, ``nin``) of one attribute of the vector
store file, or a *compound* ``{"type": "and" | "or", "filters": [...]}`` of filters,
nested as deep as wanted. :func:`check` refuses a malformed filter with the API's 400
(the request schema catches most of them first); :func:`matches` applies one.

What the API does not document, and mockapi assumes:

* ``eq``/``ne`` compare values of the same kind: a boolean equals only a boolean (``true``
  is not ``1``), a number a number (``2`` equals ``2.0``), a string the same string
  (case matters);
* ``gt``/``gte``/``lt``/``lte`` order numbers, and strings by their characters (so
  ISO dates such as ``"2024-05-01"`` compare as dates); values of different kinds, and
  booleans, never match;
* ``in``/``nin`` take an array and test equality with each element, as ``eq`` does;
* a file without the attribute matches no comparison but ``ne`` and ``nin`` (it is
  not equal to the value, nor among the values);
* a compound with no filters matches every file (``and``) or none (``or``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.errors import APIError

COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
COMPOUNDS = ("and", "or")
MAX_DEPTH = 32
"""Deeper nesting is refused: no caller needs it, and it bounds the recursion."""


def check(filters: Any, param: str = "filters", depth: int = 0) -> None:
    """Refuse a malformed filter with the API's 400 naming where it is (``param``)."""
    if not isinstance(filters, dict):
        raise _invalid(param, f"expected an object, but got {_shown(filters)} instead")
    kind = filters.get("type", "eq")
    if kind in COMPOUNDS:
        inner = filters.get("filters")
        if not isinstance(inner, list):
            raise _invalid(
                f"{param}.filters", f"expected an array, but got {_shown(inner)} instead"
            )
        if depth >= MAX_DEPTH:
            raise _invalid(param, f"filters nested deeper than {MAX_DEPTH} levels")
        for number, item in enumerate(inner):
            check(item, f"{param}.filters[{number}]", depth + 1)
        return
    if kind not in COMPARISONS:
        supported = ", ".join(f"'{name}'" for name in (*COMPARISONS, *COMPOUNDS))
        raise APIError(
            400,
            f"Invalid value: '{kind}'. Supported values are: {supported}.",
            param=f"{param}.type",
            code="invalid_value",
        )
    if not isinstance(filters.get("key"), str):
        raise _invalid(f"{param}.key", "expected the name of an attribute (a string)")
    value = filters.get("value")
    if kind in ("in", "nin"):
        if not isinstance(value, list) or not all(_is_scalar(v) for v in value):
            raise _invalid(
                f"{param}.value",
                f"the '{kind}' comparison takes an array of strings or numbers, "
                f"but got {_shown(value)} instead",
            )
    elif not _is_scalar(value):
        raise _invalid(
            f"{param}.value",
            f"the '{kind}' comparison takes a string, number or boolean, but got "
            f"{_shown(value)} instead (use 'in' to compare with an array)",
        )


def matches(filters: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    """Whether a file with ``attributes`` passes ``filters`` (already :func:`check`-ed)."""
    kind = filters.get("type", "eq")
    if kind == "and":
        return all(matches(f, attributes) for f in filters.get("filters") or ())
    if kind == "or":
        return any(matches(f, attributes) for f in filters.get("filters") or ())
    key: str = filters["key"]
    value: Any = filters["value"]
    if key not in attributes:
        return kind in ("ne", "nin")
    held = attributes[key]
    if kind == "eq":
        return _equal(held, value)
    if kind == "ne":
        return not _equal(held, value)
    if kind == "in":
        return any(_equal(held, v) for v in value)
    if kind == "nin":
        return not any(_equal(held, v) for v in value)
    return _ordered(kind, held, value)


def _equal(held: Any, value: Any) -> bool:
    if isinstance(held, bool) or isinstance(value, bool):
        return isinstance(held, bool) and isinstance(value, bool) and held is value
    if _is_number(held) and _is_number(value):
        return bool(held == value)
    return type(held) is type(value) and bool(held == value)


def _ordered(kind: str, held: Any, value: Any) -> bool:
    if not (_is_number(held) and _is_number(value)) and not (
        isinstance(held, str) and isinstance(value, str)
    ):
        return False
    if kind == "gt":
        return bool(held > value)
    if kind == "gte":
        return bool(held >= value)
    if kind == "lt":
        return bool(held < value)
    return bool(held <= value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _invalid(param: str, detail: str) -> APIError:
    return APIError(400, f"Invalid '{param}': {detail}.", param=param, code="invalid_value")
