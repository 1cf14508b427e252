"""Form typing: the string fields of a ``multipart/form-data`` body converted to the types
their properties in the endpoint's form schema declare (``"0.5"`` -> ``0.5``, ``"true"``
-> ``true``), so validation, matching and synthesis see the body a JSON request has; and
the query string's parameters likewise, by the endpoint's ``parameters`` schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mockapi.validation import derive
from mockapi.wire import jsonbody

Resolve = Callable[[Any], Any]
_INTEGER = re.compile(r"-?[0-9]+")


def coerce(data: Any, schema: Mapping[str, Any] | None) -> Any:
    """``data`` (from :func:`fields_to_json`) with each string converted to the type its
    property in ``schema`` declares; what does not convert is left as it is."""
    resolve = derive.ref_resolver(schema or {})
    return _coerce(data, resolve(schema or {}), resolve, 0)


def parameters(
    query: Iterable[tuple[str, str]], path: Mapping[str, str], schema: Mapping[str, Any]
) -> dict[str, Any]:
    """The query string and the path parameters as the object a derived ``parameters``
    schema describes, each value typed like a form field (``limit=5`` -> ``5``).

    An array parameter takes ``include=a&include=b`` or ``include[]=a&include[]=b`` (the
    SDK's form); an object takes ``metadata[key]=value`` (OpenAPI's ``deepObject``).
    Otherwise a repeated name keeps its last value, like a JSON body's repeated key.
    """
    resolve = derive.ref_resolver(schema)
    root = resolve(schema)
    data: dict[str, Any] = {}
    for raw, value in query:
        name, bracket, rest = raw.partition("[")
        if bracket and name and rest.endswith("]"):
            key = rest[:-1]
            if key:
                found = data.get(name)
                data[name] = {**(found if isinstance(found, dict) else {}), key: value}
                continue
        elif "array" not in _types(_property(root, raw, resolve), resolve):
            data[raw] = value
            continue
        else:
            name = raw
        found = data.get(name)
        data[name] = [*(found if isinstance(found, list) else []), value]
    data.update(path)
    return {k: _coerce(v, _property(root, k, resolve), resolve, 1) for k, v in data.items()}


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
    if types & {"integer", "number"} and _INTEGER.fullmatch(value):
        # A 64-bit integer (what a JSON body may hold), else the string: a type error.
        whole = int(value) if len(value) <= 21 else None
        in_range = whole is not None and jsonbody.INT_MIN <= whole <= jsonbody.INT_MAX
        return whole if in_range else value
    if "number" in types:
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value  # "nan", "inf" are not numbers
    if types & {"object", "array"}:
        return _strict(value)
    return value


def _strict(value: str) -> Any:
    """``value`` decoded as strict JSON (:func:`mockapi.wire.jsonbody.loads`), else itself."""
    try:
        return jsonbody.loads(value)
    except jsonbody.NotJSON:
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
