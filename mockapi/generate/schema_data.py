"""JSON documents that validate against a JSON Schema, deterministic given a seed.

:func:`generate` is what structured outputs (``response_format: json_schema``) and
tool-call arguments are made of. It walks the schema with a ``random.Random`` seeded
by the caller, so the same schema and seed always give the same document.

Supported: ``type`` (a name or a list: ``["string", "null"]`` is how a value is made
nullable; OpenAPI's ``nullable`` is not JSON Schema and is ignored), ``enum`` and ``const`` (values
that also fit their siblings), objects (``properties``, ``required``,
``additionalProperties``, ``patternProperties``, ``minProperties``/``maxProperties``,
``dependentRequired``; optional properties are filled down to ``max_depth``, as a
model fills what a schema describes), arrays
(``items``, ``prefixItems``, draft-7 tuple ``items``, ``minItems``/``maxItems``,
``uniqueItems``, ``contains``), ``allOf`` (merged), ``anyOf``/``oneOf`` (one branch,
kept exclusive for ``oneOf``), ``not`` (retried), local ``$ref`` and ``$defs`` (also
recursive: past ``max_depth`` optional properties are left out, arrays take their
minimum length, and unions prefer branches without references), strings (the formats
of :mod:`~mockapi.generate.schema_strings`, ``pattern``, ``minLength``/``maxLength``)
and numbers (:mod:`~mockapi.generate.schema_numbers`: bounds, exclusive bounds in
both drafts, ``multipleOf``).

Limits, honestly: patterns with lookarounds may not be met; a ``pattern`` together
with lengths, or ``allOf`` branches with clashing keywords, are satisfied by retrying,
not by reasoning; remote ``$ref``\\ s are treated as ``{}``. When no valid document
is found :class:`SchemaDataError` says why rather than returning an invalid one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from random import Random
from typing import Any

from mockapi.errors import SchemaDataError
from mockapi.generate import schema_numbers, schema_strings
from mockapi.generate.schema_check import conforms, json_equal, resolve

__all__ = ["SchemaDataError", "generate"]

_ATTEMPTS = 12
_ALSO = "x-mockapi-also"  # constraints _merge could not combine, checked afterwards
_HARD_DEPTH = 40


def generate(
    schema: Any,
    *,
    seed: int | str = 0,
    strict: bool = False,
    max_depth: int = 4,
    words: Sequence[str] = (),
) -> Any:
    """A document valid against ``schema``; the same arguments give the same document.

    ``strict`` includes every property above ``max_depth`` (OpenAI's strict mode
    requires them all);
    ``words`` fill the first unconstrained strings, one each (say, names in a question);
    ``max_depth`` is the nesting after which optional content is left out.
    """
    generator = _Generator(schema, Random(str(seed)), strict, max_depth, tuple(words))
    try:
        return generator.value(schema, 0)
    except RecursionError as exc:
        raise SchemaDataError("the schema refers to itself without end (allOf or $ref)") from exc


class _Generator:
    def __init__(
        self, root: Any, rng: Random, strict: bool, max_depth: int, words: tuple[str, ...]
    ) -> None:
        self.root, self.rng, self.strict, self.max_depth = root, rng, strict, max_depth
        self.words = [w for w in words if isinstance(w, str) and w]
        # Above zero while a retry tries again: optional properties are then left out at
        # random, so constraints on which keys appear (``not``, ``oneOf``) can be met.
        self.retrying = 0

    # -- dispatch ------------------------------------------------------------------------

    def value(self, schema: Any, depth: int) -> Any:
        if depth > _HARD_DEPTH:
            raise SchemaDataError(f"the schema nests deeper than {_HARD_DEPTH} levels")
        schema = self.flatten(schema)
        if schema is True:
            return schema_strings.words(self.rng, 1)
        if schema is False:
            raise SchemaDataError("the schema is `false`: nothing is valid")
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.union(schema, key, depth)
        if _ALSO in schema:
            rest = {k: v for k, v in schema.items() if k != _ALSO}
            extra = schema[_ALSO]
            return self.retry(rest, depth, lambda v: all(conforms(v, e, self.root) for e in extra))
        if "not" in schema:
            rest = {k: v for k, v in schema.items() if k != "not"}
            return self.retry(rest, depth, lambda v: not conforms(v, schema["not"], self.root))
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if isinstance(schema.get("enum"), list):
            return self.enum(schema)
        kind = self.pick_type(schema, depth)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, depth)
        if kind == "string":
            return self.string(schema, depth)
        if kind in ("integer", "number"):
            return schema_numbers.number(schema, self.rng, integer=kind == "integer")
        return self.rng.random() < 0.5 if kind == "boolean" else None

    def flatten(self, schema: Any) -> Any:
        """``schema`` with ``$ref`` followed and ``allOf`` merged into one mapping."""
        schema = resolve(schema, self.root)
        if schema is True or schema is False:
            return schema
        if not isinstance(schema, Mapping):
            raise SchemaDataError(f"a schema must be an object or a boolean, got {schema!r:.80}")
        if not isinstance(schema.get("allOf"), list):
            return dict(schema)
        merged: Any = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged = _merge(merged, self.flatten(part))
        return self.flatten(merged) if isinstance(merged, dict) and "allOf" in merged else merged

    def retry(self, schema: Mapping[str, Any], depth: int, accept: Any) -> Any:
        problem = "no attempt produced one"
        for attempt in range(_ATTEMPTS):
            self.retrying += attempt > 0
            try:
                candidate = self.value(schema, depth)
            except SchemaDataError as exc:
                problem = str(exc)
                continue
            finally:
                self.retrying -= attempt > 0
            if accept(candidate):
                return candidate
        raise SchemaDataError(f"no valid value after {_ATTEMPTS} attempts ({problem})")

    def union(self, schema: Mapping[str, Any], key: str, depth: int) -> Any:
        rest = {k: v for k, v in schema.items() if k != key}
        branches = list(schema[key])
        self.rng.shuffle(branches)
        if depth >= self.max_depth:
            branches.sort(key=lambda b: _weight(resolve(b, self.root)))
        problem = "every branch failed"
        for branch in branches:
            merged = _merge(rest, self.flatten(branch))
            others = [b for b in schema[key] if b is not branch]
            try:
                if key == "oneOf":
                    return self.retry(
                        merged,
                        depth,
                        lambda v, o=others: not any(conforms(v, b, self.root) for b in o),
                    )
                return self.value(merged, depth)
            except SchemaDataError as exc:
                problem = str(exc)
        raise SchemaDataError(f"no branch of {key} can be satisfied: {problem}")

    def enum(self, schema: Mapping[str, Any]) -> Any:
        rest = {k: v for k, v in schema.items() if k != "enum"}
        fitting = [v for v in schema["enum"] if conforms(v, rest, self.root)]
        if not fitting:
            raise SchemaDataError(
                f"no enum value fits the rest of the schema: {schema['enum']!r:.80}"
            )
        return copy.deepcopy(self.rng.choice(fitting))

    def pick_type(self, schema: Mapping[str, Any], depth: int) -> str:
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
        if not kinds:
            kinds = _inferred_types(schema)
        known = [k for k in kinds if k in _KINDS]
        if not known:
            raise SchemaDataError(f"no type mockapi can generate among {kinds!r}")
        solid = [k for k in known if k != "null"]
        if "null" in known and (not solid or depth >= self.max_depth or self.rng.random() < 0.2):
            return "null"
        return self.rng.choice(solid)

    # -- objects and arrays ----------------------------------------------------------------

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = list(dict.fromkeys(schema.get("required") or []))
        limit = schema.get("maxProperties")
        keys = []
        for name in properties:
            wanted = name in required
            if not wanted and depth < self.max_depth:
                # A model fills what the schema describes: optional properties too.
                wanted = self.strict or not self.retrying or self.rng.random() < 0.5
            if wanted:
                keys.append(name)
        keys += [k for k in required if k not in keys]
        for key, needed in (schema.get("dependentRequired") or {}).items():
            if key in keys:
                keys += [n for n in needed if n not in keys]
        if isinstance(limit, int) and len(keys) > limit:
            keep = set(required) | set(list(keys)[:limit])
            keys = [k for k in keys if k in keep]
        out = {key: self.value(self.property_schema(schema, key), depth + 1) for key in keys}
        spare = [k for k in properties if k not in out]
        while len(out) < schema.get("minProperties", 0):
            key = spare.pop(0) if spare else self.extra_key(schema, out)
            out[key] = self.value(self.property_schema(schema, key), depth + 1)
        return out

    def property_schema(self, schema: Mapping[str, Any], key: str) -> Any:
        properties = schema.get("properties") or {}
        matched = [s for p, s in (schema.get("patternProperties") or {}).items() if _search(p, key)]
        parts = ([properties[key]] if key in properties else []) + matched
        if not parts:
            extra = schema.get("additionalProperties", True)
            if extra is False:
                raise SchemaDataError(f"property {key!r} is required but not allowed")
            parts = [extra]
        return parts[0] if len(parts) == 1 else {"allOf": parts}

    def extra_key(self, schema: Mapping[str, Any], taken: Mapping[str, Any]) -> str:
        if schema.get("additionalProperties", True) is False and not schema.get(
            "patternProperties"
        ):
            raise SchemaDataError("minProperties needs more properties than the schema allows")
        names = schema.get("propertyNames", {"type": "string"})
        for _ in range(_ATTEMPTS):
            key = self.value({"type": "string", **self.flatten(names)}, self.max_depth)
            if key not in taken and isinstance(key, str):
                return key
        raise SchemaDataError("could not invent enough distinct property names")

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = list(schema.get("prefixItems") or [])
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 7 tuples
            prefix, items = items, schema.get("additionalItems", True)
        low = schema.get("minItems", 0)
        high = schema.get("maxItems")
        if items is False:
            high = len(prefix) if high is None else min(high, len(prefix))
        if depth >= self.max_depth:
            count = low
        else:
            top = max(low, 1) + 2
            count = self.rng.randint(max(low, 1 if high != 0 else 0), top)
        count = min(count, high) if isinstance(high, int) else count
        if count < low:
            raise SchemaDataError(f"minItems {low} is more than maxItems {high} allows")
        contains = schema.get("contains")
        needed = min(schema.get("minContains", 1), count) if contains is not None else 0
        if contains is not None and count == 0:
            count = 1  # contains needs at least one item (minContains 0 is rare)
        out: list[Any] = []
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            if index < needed:
                sub = {"allOf": [sub, contains]}
            try:
                out.append(self.item(sub, out, schema.get("uniqueItems") is True, depth))
            except SchemaDataError:
                if len(out) >= low and index >= needed:
                    break
                raise
        return out

    def item(self, schema: Any, taken: list[Any], unique: bool, depth: int) -> Any:
        if not unique:
            return self.value(schema, depth + 1)
        return self.retry(schema, depth + 1, lambda v: not any(json_equal(v, t) for t in taken))

    # -- scalars ---------------------------------------------------------------------------

    def string(self, schema: Mapping[str, Any], depth: int) -> str:
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        fmt, pattern = schema.get("format"), schema.get("pattern")
        for attempt in range(_ATTEMPTS):
            if isinstance(fmt, str) and fmt in schema_strings.FORMATS:
                text: str | None = schema_strings.FORMATS[fmt](self.rng)
            elif isinstance(pattern, str):
                text = schema_strings.from_pattern(pattern, self.rng)
            else:
                text = self.fit(self.plain_text(first=attempt == 0), low, high)
            if text is not None and conforms(text, schema, self.root):
                return text
        raise SchemaDataError(f"no string fits {dict(schema)!r:.120}")

    def plain_text(self, *, first: bool) -> str:
        if self.words and first:
            return self.words.pop(0)  # each given word once, in order, then made-up ones
        return schema_strings.words(self.rng, self.rng.randint(1, 3))

    def fit(self, text: str, low: int, high: Any) -> str:
        while len(text) < low:
            text += " " + schema_strings.words(self.rng, 1)
        if isinstance(high, int) and len(text) > high:
            text = text[:high].rstrip() if len(text[:high].rstrip()) >= low else text[:high]
        return text


_KINDS = ("object", "array", "string", "integer", "number", "boolean", "null")


def _inferred_types(schema: Mapping[str, Any]) -> list[str]:
    """The type a schema without ``type`` implies from its keywords (string if none)."""
    hints = {
        "object": ("properties", "required", "additionalProperties", "patternProperties"),
        "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"),
        "string": ("minLength", "maxLength", "pattern", "format"),
        "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    }
    found = [kind for kind, keys in hints.items() if any(k in schema for k in keys)]
    return found or ["string"]


def _weight(schema: Any) -> int:
    """How likely a branch is to recurse: references and nested structures in it."""
    text = repr(schema)
    return text.count("$ref") * 4 + text.count("properties") + text.count("items")


def _merge(one: Any, two: Any) -> Any:
    """Two schemas as one whose instances satisfy both (the common keywords combined)."""
    if one is False or two is False:
        return False
    if one is True or not one:
        return two
    if two is True or not two:
        return one
    out = dict(one)
    for key, value in two.items():
        if key not in out:
            out[key] = value
        elif key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            out[key] = max(out[key], value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            out[key] = min(out[key], value)
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key == "type":
            out[key] = _common_types(out[key], value)
        elif key == "enum":
            out[key] = [v for v in out[key] if any(json_equal(v, w) for w in value)]
        elif key in ("properties", "patternProperties", "$defs", "definitions"):
            both = {**out[key]}
            for name, sub in value.items():
                both[name] = {"allOf": [both[name], sub]} if name in both else sub
            out[key] = both
        elif key in ("items", "additionalProperties", "contains", "propertyNames"):
            out[key] = _merge(out[key], value) if isinstance(out[key], dict) else value
        elif not json_equal(out[key], value):
            # Not combinable here (two patterns, two anyOfs, ...): checked on the result.
            out[_ALSO] = [*out.get(_ALSO, []), {key: value}]
    return out


def _common_types(one: Any, two: Any) -> list[str]:
    first = set(one if isinstance(one, list) else [one])
    second = set(two if isinstance(two, list) else [two])
    common = first & second
    if ("integer" in first and "number" in second) or ("number" in first and "integer" in second):
        common.add("integer")
    if not common:
        raise SchemaDataError(f"no type is both {sorted(first)} and {sorted(second)}")
    return sorted(common)


def _search(pattern: str, key: str) -> bool:
    try:
        return re.search(pattern, key) is not None
    except re.error:
        return False
