"""JSON Schema data generation: property tests over the schemas tools and structured
outputs use, checked by jsonschema with format checking on for every claimed format.

jsonschema checks date, email, ipv4, ipv6 and uuid itself; date-time, time, uri and
hostname need optional packages, so this file adds its own strict checkers for them.
"""

from __future__ import annotations

import datetime
import json
import re
import urllib.parse
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockapi.generate.schema_data import SchemaDataError, generate

FORMATS = ["date-time", "date", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname"]
PATTERNS = [
    r"^[A-Z]{3}-\d{4}$",
    r"^[a-z]+(_[a-z]+)*$",
    r"^\+?[1-9]\d{1,14}$",
    r"^#[0-9a-fA-F]{6}$",
    r"^(foo|bar|baz)-\d+$",
    r"[a-z]{2,5}@[a-z]+\.com",
    r"^\w{3,8}$",
]
NAMES = ["id", "name", "city", "count", "price", "tags", "when", "kind", "items", "note"]

checker = jsonschema.FormatChecker()


@checker.checks("date-time")
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
    return re.fullmatch(pattern, value) is not None and bool(
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    )


@checker.checks("time")
def _time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value) is None:
        return False
    return bool(datetime.time.fromisoformat(value.replace("Z", "+00:00")))


@checker.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and " " not in value


@checker.checks("hostname")
def _hostname(value: object) -> bool:
    labels = value.split(".") if isinstance(value, str) else []
    return all(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", p) for p in labels)


def assert_valid(document: Any, schema: Any) -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, f"{json.dumps(document)} against {json.dumps(schema)}: {errors}"


# -- strategies ------------------------------------------------------------------------------


def strings() -> st.SearchStrategy[dict[str, Any]]:
    lengths = st.tuples(st.integers(0, 6), st.integers(0, 20)).map(
        lambda p: {"type": "string", "minLength": p[0], "maxLength": p[0] + p[1]}
    )
    return st.one_of(
        st.just({"type": "string"}),
        lengths,
        st.sampled_from(FORMATS).map(lambda f: {"type": "string", "format": f}),
        st.sampled_from(PATTERNS).map(lambda p: {"type": "string", "pattern": p}),
        st.lists(
            st.text("abcxyz ", min_size=1, max_size=6), min_size=1, max_size=5, unique=True
        ).map(lambda v: {"type": "string", "enum": v}),
    )


@st.composite
def integers(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    step = draw(st.sampled_from([None, 1, 2, 3, 5, 10]))
    if step:
        schema["multipleOf"] = step
    low = draw(st.none() | st.integers(-1000, 1000))
    width = draw(st.integers(2 * (step or 1) + 1, 500))
    if low is not None:
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        top = (low if low is not None else 0) + width
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = top
    return schema


@st.composite
def numbers(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    step = draw(st.sampled_from([None, 0.1, 0.01, 0.25, 0.5, 2.5]))
    if step:
        schema["multipleOf"] = step
    low = draw(st.none() | st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: round(x, 3)))
    width = draw(st.floats(3 * (step or 0.001), 1e3, allow_nan=False))
    if low is not None:
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        top = round((low if low is not None else 0.0) + width, 3)
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = top
    return schema


scalars = st.one_of(
    strings(),
    integers(),
    numbers(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(
        st.one_of(st.integers(-5, 5), st.text("ab", max_size=3), st.booleans()),
        min_size=1,
        max_size=4,
    ).map(lambda v: {"enum": v}),
    st.integers(0, 9).map(lambda v: {"const": v}),
)


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema.get("type"), str) and "enum" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


@st.composite
def objects(
    draw: st.DrawFn, children: st.SearchStrategy[dict[str, Any]], strict: bool
) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(NAMES), max_size=5, unique=True))
    properties = {name: draw(children) for name in names}
    required = names if strict else [n for n in names if draw(st.booleans())]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    if strict or draw(st.booleans()):
        schema["additionalProperties"] = False
    return schema


@st.composite
def arrays(draw: st.DrawFn, children: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": draw(children)}
    unique = draw(st.booleans())
    low = draw(st.integers(0, 1 if unique else 3))
    schema["minItems"] = low
    if draw(st.booleans()):
        schema["maxItems"] = low + draw(st.integers(0, 4))
    if unique:
        schema["uniqueItems"] = True
    return schema


def schemas(strict: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(
            objects(children, strict),
            arrays(children),
            children.map(nullable),
            st.lists(children, min_size=2, max_size=3).map(lambda b: {"anyOf": b}),
        )

    return st.recursive(scalars, extend, max_leaves=12)


TOP = {"type": "object"}


# -- properties ------------------------------------------------------------------------------


@settings(
    max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(schema=schemas(), seed=st.integers(0, 2**32))
def test_every_document_validates(schema: dict[str, Any], seed: int) -> None:
    document = generate(schema, seed=seed)
    assert_valid(document, schema)
    assert generate(schema, seed=seed) == document  # deterministic


@settings(
    max_examples=200, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(schema=objects(schemas(strict=True), strict=True), seed=st.integers(0, 2**32))
def test_strict_structured_outputs_validate(schema: dict[str, Any], seed: int) -> None:
    document = generate(schema, seed=seed, strict=True)
    assert_valid(document, schema)
    assert set(document) == set(schema["properties"])


@settings(max_examples=100, database=None, deadline=None)
@given(
    parts=st.lists(scalars, min_size=2, max_size=4).filter(
        lambda p: (
            len({json.dumps(s.get("type")) for s in p}) == len(p) and all("type" in s for s in p)
        )
    ),
    seed=st.integers(0, 2**32),
)
def test_one_of_with_distinct_types_validates(parts: list[dict[str, Any]], seed: int) -> None:
    schema = {"oneOf": parts}
    assert_valid(generate(schema, seed=seed), schema)


RECURSIVE = {
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                "parent": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
            },
            "required": ["label", "children", "parent"],
            "additionalProperties": False,
        }
    },
    "$ref": "#/$defs/Node",
}


@settings(max_examples=50, database=None, deadline=None)
@given(seed=st.integers(0, 2**32), depth=st.integers(0, 6))
def test_recursive_refs_stop_at_the_depth_limit(seed: int, depth: int) -> None:
    document = generate(RECURSIVE, seed=seed, max_depth=depth, strict=True)
    assert_valid(document, RECURSIVE)
    assert json.dumps(document).count('"label"') < 5 ** (depth + 2)


# -- specific keywords -----------------------------------------------------------------------


def test_different_seeds_give_different_documents() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}}
    assert len({json.dumps(generate(schema, seed=s)) for s in range(10)}) > 5


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "minimum": 0, "exclusiveMaximum": 0.3, "multipleOf": 0.1},
        {"type": "number", "minimum": 0.5, "maximum": 0.5},
        {"type": "integer", "minimum": 5, "exclusiveMinimum": True, "maximum": 7},  # draft 4
        {"type": "integer", "multipleOf": 2.5, "minimum": 1, "maximum": 9},
        {"type": "string", "minLength": 30, "maxLength": 31},
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"properties": {"b": {"const": "x"}}, "required": ["b"]},
            ]
        },
        {"type": "integer", "not": {"enum": [1, 2, 3]}, "minimum": 1, "maximum": 4},
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "boolean"}},
        {"type": "object", "patternProperties": {"^x_": {"type": "integer"}}, "required": ["x_1"]},
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "items": False,
            "minItems": 2,
        },
        {"type": "array", "contains": {"const": 3}, "items": {"type": "integer"}},
        {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "dependentRequired": {"a": ["b"]},
            "required": ["a"],
        },
        {"definitions": {"x": {"type": "string", "format": "uuid"}}, "$ref": "#/definitions/x"},
        {"type": "string", "nullable": True, "format": "date"},  # nullable is OpenAPI, ignored
        {
            "allOf": [
                {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                {"anyOf": [{"type": "string"}, {"type": "null"}]},
            ]
        },
        True,
    ],
)
def test_keywords(schema: Any) -> None:
    for seed in range(20):
        assert_valid(generate(schema, seed=seed), schema)


@pytest.mark.parametrize(
    "schema",
    [
        False,
        {"type": "integer", "minimum": 3, "maximum": 2},
        {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 3},
        {"type": "object", "properties": {}, "required": ["a"], "additionalProperties": False},
        {"type": "object", "properties": {"me": {"$ref": "#"}}, "required": ["me"]},
        {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {"enum": [1, 2], "type": "string"},
    ],
)
def test_unsatisfiable_schemas_raise(schema: Any) -> None:
    with pytest.raises(SchemaDataError):
        generate(schema, seed=0)


def test_words_fill_the_first_free_text_strings() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "id": {"type": "string", "format": "uuid"}},
        "required": ["city", "id"],
    }
    assert {generate(schema, seed=s, words=["Paris"])["city"] for s in range(10)} == {"Paris"}
    pair = {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}
    assert generate(pair, seed=0, words=["Ada", "Bob"]) == ["Ada", "Bob"]
