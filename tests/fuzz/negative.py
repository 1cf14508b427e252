"""The obvious negative space, as Hypothesis strategies over a valid body.

Schemathesis' negative mode mutates deep inside a schema; these mutations are the ones
clients make every day and each must be refused with a 4xx: a parameter of the wrong
JSON type, a parameter the endpoint does not have, a required one left out, and a body
that is not an object at all. Each takes a body that fits the schema (drawn by the
positive strategy) and breaks it in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from tests.fuzz import walk
from tests.structure import json_type

_JSON_TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=8),
    "integer": st.integers(-(2**40), 2**40),
    # A number that is not an integer: JSON Schema counts 2.0 as an integer.
    "number": st.sampled_from([0.5, -1.25, 3.75, 1e-7]),
    "boolean": st.booleans(),
    "null": st.none(),
    "array": st.lists(st.integers(0, 9), max_size=2),
    "object": st.dictionaries(st.sampled_from("abc"), st.integers(0, 9), max_size=2),
}
_NAME = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=16)
NOT_OBJECT: st.SearchStrategy[Any] = st.one_of(
    st.lists(st.integers(0, 9), max_size=2), st.text(max_size=8), st.integers(), st.none()
)


def mutations(schema: Mapping[str, Any], body: Any, *, form: bool) -> st.SearchStrategy[Any]:
    """Bodies that break ``schema`` in one place, made from ``body`` (which fits it)."""
    body = dict(body) if isinstance(body, dict) else {}
    options: list[st.SearchStrategy[Any]] = []
    present = [name for name in walk.required(schema) if name in body]
    if present:
        options.append(st.sampled_from(present).map(lambda name: _without(body, name)))
    if not form:
        declared = walk.top_properties(schema)
        options.append(
            st.tuples(_NAME.filter(lambda n: n not in declared), _VALUES["string"]).map(
                lambda pair: {**body, pair[0]: pair[1]}
            )
        )
        typed = {
            name: wrong for name, sub in declared.items() if (wrong := _wrong_types(schema, sub))
        }
        if typed:
            options.append(
                st.sampled_from(sorted(typed)).flatmap(
                    lambda name: (
                        st.sampled_from(typed[name])
                        .flatmap(lambda kind: _VALUES[kind])
                        .map(lambda value: {**body, name: value})
                    )
                )
            )
        options.append(NOT_OBJECT)
    return st.one_of(options) if options else st.just(body)


def _without(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != name}


def _wrong_types(document: Mapping[str, Any], node: Any) -> list[str]:
    """The JSON types ``node`` never accepts (empty when it accepts any, or we can't tell)."""
    allowed = _types(document, node, depth=0)
    if allowed is None:
        return []
    if "number" in allowed:
        allowed = allowed | {"integer"}
    return [kind for kind in _JSON_TYPES if kind not in allowed]


def _types(document: Mapping[str, Any], node: Any, *, depth: int) -> set[str] | None:
    """The JSON types ``node`` can accept; None for any (or too deep to say)."""
    node = walk.resolve(document, node)
    if not isinstance(node, Mapping) or depth > 8:
        return None
    if "const" in node or "enum" in node:
        values = node.get("enum", [node.get("const")])
        return {json_type(value) for value in values}
    kinds = node.get("type")
    if isinstance(kinds, str):
        return {kinds}
    if isinstance(kinds, list):
        return set(kinds)
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        found: set[str] = set()
        for branch in branches:
            sub = _types(document, branch, depth=depth + 1)
            if sub is None:
                return None
            found |= sub
        return found
    if node.get("allOf"):
        return _types(document, node["allOf"][0], depth=depth + 1)
    return None
