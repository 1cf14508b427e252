"""Form typing: the string fields of a ``multipart/form-data`` body converted to the types
their properties in the endpoint's form schema declare (``"0.5"`` -> ``0.5``, ``"true"``
-> ``true``), so validation, matching and synthesis see the body a JSON request has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from mockapi.validation import derive

Resolve = Callable[[Any], Any]


def coerce(data: Any, schema: Mapping[str, Any] | None) -> Any:
    """``data`` (from :func:`fields_to_json`) with each string converted to the type its
    property in ``schema`` declares; what does not convert is left as it is."""
    resolve = derive.ref_resolver(schema or {})
    return _coerce(data, resolve(schema or {}), resolve, 0)


def _coerce(data: Any, schema: Any, resolve: Resolve, depth: int) -> Any:
    if depth > 16:
        return data
    if isinstance(data, dict):
        return {
            k: _coerce(v, _property(schema, k, resolve), resolve, depth + 1)
            for k, v in data.items()
        }
    if isinstance(data, list):
        items = _items(schema, resolve)
        return [_coerce(v, items, resolve, depth + 1) for v in data]
    if isinstance(data, str):
        return _convert(data, schema, resolve)
    return data


def _items(schema: Any, resolve: Resolve, depth: int = 0) -> Any:
    schema = resolve(schema)
    if not isinstance(schema, Mapping) or depth > 8:
        return {}
    if "items" in schema:
        return resolve(schema["items"])
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found = _items(branch, resolve, depth + 1)
            if found:
                return found
    return {}


def _convert(value: str, schema: Any, resolve: Resolve) -> Any:
    types = _types(schema, resolve)
    if "string" in types or not types or value.startswith("<file "):
        return value
    if "boolean" in types and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if "integer" in types and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in types:
        try:
            return float(value) if not re.fullmatch(r"-?\d+", value) else int(value)
        except ValueError:
            return value
    if types & {"object", "array"}:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _types(schema: Any, resolve: Resolve, depth: int = 0) -> set[str]:
    schema = resolve(schema)
    if not isinstance(schema, Mapping) or depth > 8:
        return set()
    kind = schema.get("type")
    found = {kind} if isinstance(kind, str) else set(kind or [])
    if "enum" in schema and not found:
        found |= {type(v).__name__.replace("str", "string") for v in schema["enum"]}
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found |= _types(branch, resolve, depth + 1)
    return found - {"null"}


def _property(schema: Any, name: str, resolve: Resolve, depth: int = 0) -> Any:
    schema = resolve(schema)
    if not isinstance(schema, Mapping) or depth > 8:
        return {}
    props = schema.get("properties", {})
    if name in props:
        return resolve(props[name])
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []):
            found = _property(branch, name, resolve, depth + 1)
            if found:
                return found
    return {}
