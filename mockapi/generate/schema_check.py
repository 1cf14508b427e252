"""A small JSON Schema conformance check for the data generator's own use.

:func:`conforms` answers "is this value valid?" for the keywords
:mod:`~mockapi.generate.schema_data` generates from, so that the generator can pick
enum values that fit their siblings, keep ``oneOf`` exclusive, honour ``not`` and
double-check its strings. It is not a general validator (that is
:mod:`mockapi.validation.validator`, the one module that imports jsonschema): unknown keywords
pass, and so do remote ``$ref``\\ s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from mockapi.generate.schema_strings import matches_format

_MAX_DEPTH = 64


def resolve(schema: Any, root: Any) -> Any:
    """``schema`` with local ``$ref`` chains followed (``#``, ``#/$defs/X``, pointers).

    Keywords beside a ``$ref`` are kept (2020-12 applies both): the result is those
    keywords with the referenced schema added to their ``allOf``. An unresolvable
    reference resolves to ``{}``.
    """
    for _ in range(32):
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            return schema
        ref: str = schema["$ref"]
        target = pointer(root, ref) if ref.startswith("#") else {}
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if not siblings:
            schema = target
        else:
            schema = {**siblings, "allOf": [target, *siblings.get("allOf", [])]}
    return {}


def pointer(root: Any, ref: str) -> Any:
    """The part of ``root`` a ``#/a/b`` reference names (``{}`` when there is none)."""
    target = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict):
            target = target.get(part, {})
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return {}
    return target


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (``integer`` for whole floats too)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "unknown"


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON sees it: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(json_equal(one[k], two[k]) for k in one)
    return bool(one == two)


def is_multiple(value: Any, step: Any) -> bool:
    """``multipleOf`` as jsonschema checks it (float division for float steps)."""
    if not isinstance(step, (int, float)) or isinstance(step, bool) or step <= 0:
        return True
    if isinstance(step, float) or isinstance(value, float):
        quotient = value / step
        return math.isfinite(quotient) and int(quotient) == quotient
    return bool(value % step == 0)


def conforms(value: Any, schema: Any, root: Any, depth: int = 0) -> bool:
    """Whether ``value`` is valid against ``schema`` (for the supported keywords)."""
    if depth > _MAX_DEPTH:
        return True
    schema = resolve(schema, root)
    if schema is True or schema is None:
        return True
    if schema is False or not isinstance(schema, Mapping):
        return False
    checks = (_type_ok, _values_ok, _combinators_ok, _string_ok, _number_ok, _array_ok, _object_ok)
    return all(check(value, schema, root, depth) for check in checks)


def _type_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    kind = schema.get("type")
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    actual = json_type(value)
    return actual in kinds or (actual == "integer" and "number" in kinds)


def _values_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    if "const" in schema and not json_equal(value, schema["const"]):
        return False
    enum = schema.get("enum")
    return not isinstance(enum, list) or any(json_equal(value, e) for e in enum)


def _combinators_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    def ok(sub: Any) -> bool:
        return conforms(value, sub, root, depth + 1)

    if not all(ok(s) for s in schema.get("allOf") or []):
        return False
    if schema.get("anyOf") and not any(ok(s) for s in schema["anyOf"]):
        return False
    if schema.get("oneOf") and sum(1 for s in schema["oneOf"] if ok(s)) != 1:
        return False
    return "not" not in schema or not ok(schema["not"])


def _string_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) < schema.get("minLength", 0):
        return False
    if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
        return False
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(pattern, value) is None:
                return False
        except re.error:
            return False
    return matches_format(value, schema.get("format"))


def _number_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    low: Any = schema.get("minimum")
    high: Any = schema.get("maximum")
    low_ex: Any = schema.get("exclusiveMinimum")
    high_ex: Any = schema.get("exclusiveMaximum")
    if isinstance(low_ex, bool):  # draft 4: a flag on minimum
        low_ex, low = (low, None) if low_ex else (None, low)
    if isinstance(high_ex, bool):
        high_ex, high = (high, None) if high_ex else (None, high)
    if (_is_num(low) and value < low) or (_is_num(high) and value > high):
        return False
    if (_is_num(low_ex) and value <= low_ex) or (_is_num(high_ex) and value >= high_ex):
        return False
    return is_multiple(value, schema.get("multipleOf"))


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _array_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    if not isinstance(value, list):
        return True
    if len(value) < schema.get("minItems", 0):
        return False
    if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
        return False
    prefix = schema.get("prefixItems") or []
    items = schema.get("items")
    if isinstance(items, list):  # draft 7 tuples
        prefix, items = items, schema.get("additionalItems")
    for index, item in enumerate(value):
        sub = prefix[index] if index < len(prefix) else items
        if sub is not None and not conforms(item, sub, root, depth + 1):
            return False
    if schema.get("uniqueItems") is True:
        for i, one in enumerate(value):
            if any(json_equal(one, two) for two in value[i + 1 :]):
                return False
    if "contains" in schema:
        found = sum(1 for item in value if conforms(item, schema["contains"], root, depth + 1))
        if found < schema.get("minContains", 1):
            return False
    return True


def _object_ok(value: Any, schema: Mapping[str, Any], root: Any, depth: int) -> bool:
    if not isinstance(value, dict):
        return True
    if any(key not in value for key in schema.get("required") or []):
        return False
    if len(value) < schema.get("minProperties", 0):
        return False
    if isinstance(schema.get("maxProperties"), int) and len(value) > schema["maxProperties"]:
        return False
    properties = schema.get("properties") or {}
    patterns = schema.get("patternProperties") or {}
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        matched = [s for p, s in patterns.items() if re.search(p, key)]
        subs = ([properties[key]] if key in properties else []) + matched
        if not subs:
            subs = [extra]
        if not all(conforms(item, sub, root, depth + 1) for sub in subs):
            return False
    names = schema.get("propertyNames")
    if names is not None and not all(conforms(k, names, root, depth + 1) for k in value):
        return False
    for key, needed in (schema.get("dependentRequired") or {}).items():
        if key in value and any(n not in value for n in needed):
            return False
    return True
