"""Structural comparison of JSON documents: the same keys at every level, the same types.

Content is ignored (strings, numbers and ids may differ); what must agree is the shape:

* an object has the same keys (a key on one side only is a difference);
* a value has the same JSON type (``string``, ``integer``, ``number``, ``boolean``,
  ``null``, ``object``, ``array``); ``1`` and ``1.0`` are different types, as on the
  wire;
* a list is compared by the shape of its items: all items of each side are merged into
  one shape (an object's keys are the union over the items, a value's type the set of
  types it takes), and those merged shapes are compared. An empty list says nothing
  about its items, so it matches any list.

:func:`differences` returns one line per difference, named by its path
(``choices[].message.refusal``), so a failing test says where the documents part.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Shape = Any  # {"object": {key: Shape}} | {"array": Shape | None} | {"scalar": frozenset[str]}


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    raise TypeError(f"not a JSON value: {value!r}")


def shape_of(value: Any) -> dict[str, Shape]:
    """The shape of one value: per type seen, what is known of it."""
    kind = json_type(value)
    if kind == "object":
        return {"object": {key: shape_of(item) for key, item in value.items()}}
    if kind == "array":
        return {"array": merge(shape_of(item) for item in value) if value else None}
    return {kind: None}


def merge(shapes: Iterable[dict[str, Shape]]) -> dict[str, Shape]:
    """One shape for several values (the items of a list)."""
    out: dict[str, Shape] = {}
    for shape in shapes:
        for kind, inner in shape.items():
            if kind not in out:
                out[kind] = inner
            elif kind == "object":
                keys = out[kind]
                for key, sub in inner.items():
                    keys[key] = merge([keys[key], sub]) if key in keys else sub
            elif kind == "array" and inner is not None:
                out[kind] = inner if out[kind] is None else merge([out[kind], inner])
    return out


def differences(real: Any, ours: Any, path: str = "") -> list[str]:
    """Where ``ours`` differs in structure from ``real`` (empty when they agree)."""
    return _compare(shape_of(real), shape_of(ours), path or "(body)")


def _compare(real: dict[str, Shape], ours: dict[str, Shape], path: str) -> list[str]:
    if set(real) != set(ours):
        return [f"{path}: type {'|'.join(sorted(real))} in the recording, {'|'.join(sorted(ours))}"]
    found: list[str] = []
    if "object" in real:
        left, right = real["object"], ours["object"]
        for key in left:
            where = f"{path}.{key}" if path != "(body)" else key
            if key not in right:
                found.append(f"{where}: missing (the recording has it)")
            else:
                found.extend(_compare(left[key], right[key], where))
        found.extend(
            f"{path}.{key}: extra (not in the recording)"
            if path != "(body)"
            else f"{key}: extra (not in the recording)"
            for key in right
            if key not in left
        )
    if "array" in real and real["array"] is not None and ours["array"] is not None:
        found.extend(_compare(real["array"], ours["array"], f"{path}[]"))
    return found


def paths(value: Any, path: str = "(body)") -> dict[str, set[str]]:
    """Every key path of ``value`` (as :func:`differences` names them) with its types."""
    found: dict[str, set[str]] = {}
    _paths(shape_of(value), path, found)
    return found


def _paths(shape: dict[str, Shape], path: str, found: dict[str, set[str]]) -> None:
    found.setdefault(path, set()).update(shape)
    if "object" in shape:
        for key, sub in shape["object"].items():
            _paths(sub, f"{path}.{key}" if path != "(body)" else key, found)
    if shape.get("array") is not None:
        _paths(shape["array"], f"{path}[]", found)


def collapse(kinds: Iterable[str]) -> list[str]:
    """``kinds`` with runs of the same kind made one: the sequence's shape."""
    out: list[str] = []
    for kind in kinds:
        if not out or out[-1] != kind:
            out.append(kind)
    return out
