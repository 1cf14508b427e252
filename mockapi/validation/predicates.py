"""Request schemas compiled into plain predicates that answer "valid?" fast.

Pure: no jsonschema import. :mod:`mockapi.validation.validator` uses :meth:`Compiler.fast_path` for
the common case (a valid body) and asks jsonschema only to word the error of an invalid
one. The compiler gives up (returns None) on any keyword it does not implement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Number
from typing import Any

Check = Callable[[Any], bool]
_BOUND_KEYWORDS = frozenset({"maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"})


# jsonschema spends ~1.3 ms on a small chat request (a validator object per subschema, a
# `referencing` lookup per $ref). Valid bodies are the common case, so request schemas are
# also compiled into closures answering only "valid?", keyword by keyword as jsonschema's
# draft 2020-12 implementation does (its type checker; `format` off, as above).


class _Unsupported(Exception):
    """The schema uses something the fast path does not implement: jsonschema alone decides."""


def _always(instance: Any) -> bool:
    return True


def _is_number(x: Any) -> bool:
    kind = type(x)  # exact JSON types first: isinstance(x, Number) is an ABC check
    if kind is int or kind is float:
        return True
    return kind is not bool and isinstance(x, Number)


def _is_integer(x: Any) -> bool:
    kind = type(x)
    if kind is int:
        return True
    if kind is float:
        number: float = x
        return number.is_integer()
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "integer": _is_integer,
    "number": _is_number,
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}
_COMPILED = frozenset(
    {"$ref", "type", "enum", "const", "properties", "required", "additionalProperties"}
    | {"minProperties", "maxProperties", "items", "minItems", "maxItems", "minLength"}
    | {"maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
    | {"allOf", "anyOf", "oneOf", "not", "format", "pattern"}  # format: an annotation
)
# Other assertions jsonschema knows, and keywords that move the base of $refs.
_SCOPES = frozenset({"$id", "$anchor", "$dynamicAnchor"})
_REFUSED: frozenset[str] = frozenset()  # set by refuse_unknown() before first use


def refuse_unknown(known_keywords: Iterable[str]) -> None:
    """Tell the compiler every assertion keyword the full validator knows: any it does not
    compile itself makes it give up (jsonschema then decides alone)."""
    global _REFUSED
    _REFUSED = (frozenset(known_keywords) - _COMPILED) | _SCOPES


class Compiler:
    """Compiles one schema document (local ``#/$defs/`` refs only) into a :data:`Check`."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._defs: Mapping[str, Any] = document.get("$defs", {})
        self._refs: dict[str, Check] = {}

    @classmethod
    def fast_path(cls, document: Mapping[str, Any]) -> Check | None:
        try:
            return cls(document).compile(document)
        except _Unsupported:
            return None

    def compile(self, schema: Any) -> Check:
        if isinstance(schema, bool):
            return _always if schema else lambda x: False
        if not isinstance(schema, Mapping) or not _REFUSED.isdisjoint(schema):
            raise _Unsupported(schema)
        checks = [self._ref(schema["$ref"])] if "$ref" in schema else []
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
            if not isinstance(names, list) or not all(n in _TYPES for n in names):
                raise _Unsupported(schema["type"])
            checks.append(_any([_TYPES[n] for n in names]))
        if "enum" in schema or "const" in schema:
            values = schema["enum"] if "enum" in schema else [schema["const"]]
            checks.append(_one_of_values(values))
        if _BOUND_KEYWORDS & schema.keys():
            checks.append(_bounds(schema))
        if "minLength" in schema or "maxLength" in schema:
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            checks.append(lambda x: not isinstance(x, str) or _within(len(x), low, high))
        if "pattern" in schema:
            checks.append(_matches(schema["pattern"]))
        checks.extend(filter(None, (self._array(schema), self._object(schema))))
        if "allOf" in schema:
            checks.append(_all([self.compile(s) for s in schema["allOf"]]))
        for key, combine in (("anyOf", _any), ("oneOf", _exactly_one)):
            if key in schema:
                checks.append(self._union(schema[key], combine))
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda x: not negated(x))
        return _all(checks)

    @staticmethod
    def _ref_name(ref: Any) -> str:
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            raise _Unsupported(ref)
        name = ref[len("#/$defs/") :]
        if "/" in name or "%" in name:
            raise _Unsupported(ref)
        return name.replace("~1", "/").replace("~0", "~")

    def _ref(self, ref: Any) -> Check:
        name = self._ref_name(ref)
        if name not in self._refs:
            if name not in self._defs:
                raise _Unsupported(ref)
            cell: list[Check] = []
            self._refs[name] = lambda x: cell[0](x)  # a recursive schema reaches itself
            cell.append(self.compile(self._defs[name]))
            self._refs[name] = cell[0]
        return self._refs[name]

    def _union(self, branches: list[Any], combine: Callable[[list[Check]], Check]) -> Check:
        """``anyOf``/``oneOf``, trying only the branches a tag property leaves possible.

        When every branch constrains one property to string values (``role: {enum:
        [user]}``), a branch whose values do not include an object's value of it fails
        anyway: for such an object only the others are checked.
        """
        compiled = [self.compile(branch) for branch in branches]
        everything = combine(compiled)
        tags = [self._tags(branch, 0) for branch in branches]
        common = set(tags[0]).intersection(*tags[1:]) if tags else set()
        if not common:
            return everything
        name = min(common)
        table: dict[str, list[Check]] = {}
        for branch, tag in zip(compiled, tags, strict=True):
            for value in tag[name]:
                table.setdefault(value, []).append(branch)
        nothing = combine([])
        by_value = {value: combine(checks) for value, checks in table.items()}

        def check(x: Any) -> bool:
            if isinstance(x, dict):
                value = x.get(name)
                if isinstance(value, str):
                    return by_value.get(value, nothing)(x)
            return everything(x)

        return check

    def _tags(self, schema: Any, depth: int) -> dict[str, frozenset[str]]:
        """Properties ``schema`` (with its refs and allOf) limits to string values."""
        found: dict[str, frozenset[str]] = {}
        if not isinstance(schema, Mapping) or depth > 8:
            return found
        for name, sub in schema.get("properties", {}).items():
            values = self._strings(sub, depth)
            if values is not None:
                found[name] = values
        parts = [self._defs.get(self._ref_name(schema["$ref"]))] if "$ref" in schema else []
        for part in [*parts, *schema.get("allOf", [])]:
            for name, values in self._tags(part, depth + 1).items():
                found[name] = found[name] & values if name in found else values
        return found

    def _strings(self, schema: Any, depth: int) -> frozenset[str] | None:
        """The only string values ``schema`` accepts, if it is such an enum (or const)."""
        if not isinstance(schema, Mapping) or depth > 8:
            return None
        values = schema.get("enum")
        if "const" in schema:
            values = [schema["const"]]
        if values is not None and all(type(v) is str for v in values):
            return frozenset(values)
        if "$ref" in schema:
            return self._strings(self._defs.get(self._ref_name(schema["$ref"])), depth + 1)
        return None

    def _array(self, schema: Mapping[str, Any]) -> Check | None:
        if not {"items", "minItems", "maxItems"} & schema.keys():
            return None
        item = self.compile(schema.get("items", True))
        low, high = schema.get("minItems", 0), schema.get("maxItems")

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            if not _within(len(x), low, high):
                return False
            for each in x:  # noqa: SIM110 (a loop: faster than all() here)
                if not item(each):
                    return False
            return True

        return check

    def _object(self, schema: Mapping[str, Any]) -> Check | None:
        keys = {"properties", "required", "additionalProperties", "minProperties"}
        if not (keys | {"maxProperties"}) & schema.keys():
            return None
        properties = {k: self.compile(v) for k, v in schema.get("properties", {}).items()}
        extra = self.compile(schema.get("additionalProperties", True))
        required = tuple(schema.get("required", ()))
        low, high = schema.get("minProperties", 0), schema.get("maxProperties")

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            if (low or high is not None) and not _within(len(x), low, high):
                return False
            for name in required:
                if name not in x:
                    return False
            for key, value in x.items():  # noqa: SIM110 (a loop: faster than all() here)
                if not properties.get(key, extra)(value):
                    return False
            return True

        return check


def _all(checks: list[Check]) -> Check:
    checks = [c for c in checks if c is not _always]
    if len(checks) <= 1:
        return checks[0] if checks else _always
    if len(checks) == 2:
        first, second = checks
        return lambda x: first(x) and second(x)

    def check(x: Any) -> bool:
        for each in checks:  # noqa: SIM110 (a loop: faster than all() here)
            if not each(x):
                return False
        return True

    return check


def _any(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def check(x: Any) -> bool:
        for each in checks:  # noqa: SIM110 (a loop: faster than any() here)
            if each(x):
                return True
        return False

    return check


def _exactly_one(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def check(x: Any) -> bool:
        found = 0
        for each in checks:
            if each(x):
                found += 1
                if found > 1:
                    return False
        return found == 1

    return check


def _one_of_values(values: list[Any]) -> Check:
    if all(type(v) is str for v in values):
        strings = frozenset(values)
        return lambda x: isinstance(x, str) and x in strings
    return lambda x: any(_equal(v, x) for v in values)


def _bounds(schema: Mapping[str, Any]) -> Check:
    """``minimum`` & co.: each fails the comparison jsonschema fails (so NaN passes)."""
    low, high = schema.get("minimum"), schema.get("maximum")
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")

    def check(x: Any) -> bool:
        if not _is_number(x):
            return True
        if low is not None and x < low:
            return False
        if high is not None and x > high:
            return False
        if above is not None and x <= above:
            return False
        return below is None or not x >= below

    return check


def _within(size: int, low: int, high: int | None) -> bool:
    return low <= size and (high is None or size <= high)


_TRUE, _FALSE = object(), object()


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's equality for ``enum``/``const``: ``1 == 1.0``, ``True != 1``."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    unbool = {True: _TRUE, False: _FALSE}
    return bool(
        (unbool[one] if isinstance(one, bool) else one)
        == (unbool[two] if isinstance(two, bool) else two)
    )


def _matches(pattern: Any) -> Check:
    """``pattern`` as jsonschema checks it: ``re.search`` on strings, anything else passes."""
    if not isinstance(pattern, str):
        raise _Unsupported(pattern)
    try:
        search = re.compile(pattern).search
    except re.error as exc:
        raise _Unsupported(pattern) from exc
    return lambda x: not isinstance(x, str) or search(x) is not None
