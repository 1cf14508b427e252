"""Request validation against the derived schemas, answered in the real API's words.

With :mod:`mockapi.validation.instances`, the only module that imports ``jsonschema``
(when the first schema is compiled). A ``RequestValidator`` is built once at
start-up: it compiles one draft 2020-12 validator per schema (format checking off) and
works out each request schema's known top-level properties. Each request schema is also
compiled into plain Python predicates (:class:`mockapi.validation.predicates.Compiler`) that
answer "valid?" exactly as jsonschema would, some 50 times faster; a valid request costs
one dict walk and one predicate call, and the ``iter_errors`` pass runs only for an
invalid one, to word its error.

``validate`` turns the first relevant schema error into the ``APIError`` the real API
would send (``Missing required parameter: 'messages'.``, ``Invalid type for
'temperature': expected a decimal, but got a string instead.``...). For a failed
``anyOf``/``oneOf`` it picks the branch the body was evidently aiming at: not one whose
JSON type differs, not one whose ``role``/``type`` tag differs, then the one with the
fewest errors; so ``{"role": "user"}`` reports ``messages[0].content`` missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockapi import errors
from mockapi.errors import APIError, SchemaError
from mockapi.validation import derive, forms, predicates

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

    from mockapi.validation.files import SchemaSet

_TYPE_WORDS = {
    "string": "a string",
    "number": "a decimal",
    "integer": "an integer",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}
_BOUNDS = {  # keyword -> (above/below, comparison, max/min)
    "maximum": ("above", "<=", "max"),
    "exclusiveMaximum": ("above", "<", "max"),
    "minimum": ("below", ">=", "min"),
    "exclusiveMinimum": ("below", ">", "min"),
}
_SHOWN = 120  # longest value echoed back in a message
Resolve = Callable[[Any], Any]
Check = predicates.Check
_DRAFT: type[Draft202012Validator] | None = None


def _draft() -> type[Draft202012Validator]:
    """jsonschema's draft 2020-12 validator, imported when the first schema is compiled:
    a server or a test session that validates nothing (a health check, a trivial test)
    does not pay for importing jsonschema (~30 ms)."""
    global _DRAFT
    if _DRAFT is None:
        from jsonschema import Draft202012Validator

        predicates.refuse_unknown(Draft202012Validator.VALIDATORS)
        _DRAFT = Draft202012Validator
    return _DRAFT


@dataclass(frozen=True)
class _Request:
    """What validating one endpoint's requests needs, prepared at start-up."""

    validator: Draft202012Validator
    known: frozenset[str] | None  # top-level properties; None: any key is allowed
    resolve: Resolve
    valid: Check | None  # the compiled fast path; None when the schema has no such path
    schema: Mapping[str, Any]


class RequestValidator:
    """Validates request bodies (and, for tests, responses) against a ``SchemaSet``.

    Each schema is compiled the first time its endpoint is asked about (a server
    answers a few of the hundreds of endpoints it knows; compiling all of them took
    most of its start-up), except with ``check``, where every schema is compiled and
    checked now, so that a broken one is reported at start-up.
    """

    def __init__(self, schemas: SchemaSet, *, check: bool = True) -> None:
        """Prepare ``schemas``; ``check=False`` skips re-checking them against the
        metaschema (about 0.5 s), for the bundled schemas the test suite checks."""
        self._schemas = schemas
        self._check = check
        self._compiled: dict[tuple[str, str], _Request | Draft202012Validator | None] = {}
        self._endpoints = frozenset(
            endpoint
            for endpoint in schemas.endpoints
            if schemas.file_for(endpoint, "request") or schemas.file_for(endpoint, "form")
        )
        if check:
            for endpoint in schemas.endpoints:
                for role in derive.ROLES:
                    self._compiled_for(endpoint, role)

    def _compiled_for(self, endpoint: str, role: str) -> _Request | Draft202012Validator | None:
        """The compiled ``role`` schema of ``endpoint`` (None: it has none), compiled
        on first use. Two threads may compile one at once: both results are equal."""
        key = (endpoint, role)
        try:
            return self._compiled[key]
        except KeyError:
            pass
        document = self._schemas.schema(endpoint, role)
        found: _Request | Draft202012Validator | None = None
        if document is not None:
            name = self._schemas.file_for(endpoint, role) or endpoint
            compiled = _compile(document, name, check=self._check)
            if role in ("request", "form", "parameters"):
                # Unknown query parameters are ignored, as the API does (Azure's
                # clients send api-version); unknown body keys are refused.
                known = _known_properties(document) if role != "parameters" else None
                fast = predicates.Compiler.fast_path(document)
                found = _Request(compiled, known, derive.ref_resolver(document), fast, document)
            else:
                found = compiled
        self._compiled[key] = found
        return found

    def _request(self, endpoint: str, role: str) -> _Request | None:
        found = self._compiled_for(endpoint, role)
        return found if isinstance(found, _Request) else None

    @property
    def endpoints(self) -> frozenset[str]:
        """Endpoints whose request bodies are validated (JSON or form)."""
        return self._endpoints

    def validate(self, endpoint: str, body: Any, *, form: bool = False) -> APIError | None:
        """None when ``body`` is valid for ``endpoint`` (or there is no schema), else a 400.

        ``form``: ``body`` is a ``multipart/form-data`` body's fields, checked against
        the form schema. Never raises: a failure inside validation is itself reported
        as a 400.
        """
        try:
            request = self._request(endpoint, "form" if form else "request")
            if request is None:
                return None
            return _check(request, body)
        except Exception as exc:  # a 400 naming the problem, never a 500
            return APIError(
                400,
                f"Invalid request body: mockapi could not validate it against the {endpoint} "
                f"schema ({type(exc).__name__}: {_short(str(exc))}). Check the body against "
                "the API reference.",
                code="invalid_value",
            )

    def checks_parameters(self, endpoint: str) -> bool:
        """Whether ``endpoint`` declares query or path parameters to validate."""
        return self._schemas.file_for(endpoint, "parameters") is not None

    def validate_parameters(
        self, endpoint: str, query: Iterable[tuple[str, str]], path: Mapping[str, str]
    ) -> APIError | None:
        """None when the query string and path parameters are valid for ``endpoint`` (or
        it declares none), else the 400 a body with those values would get, ``param``
        naming the parameter (``?limit=null``: ``Invalid type for 'limit'``...).

        Values are typed by the schema first (:func:`mockapi.validation.forms.parameters`),
        so ``limit=5`` is the integer 5 and ``stream=maybe`` stays a string. Never raises.
        """
        try:
            request = self._request(endpoint, "parameters")
            if request is None:
                return None
            return _check(request, forms.parameters(query, path, request.schema))
        except Exception as exc:  # a 400 naming the problem, never a 500
            return APIError(
                400,
                f"Invalid query parameters: mockapi could not validate them against the "
                f"{endpoint} parameters ({type(exc).__name__}: {_short(str(exc))}). Check "
                "them against the API reference.",
                code="invalid_value",
            )

    def validate_response(self, endpoint: str, body: Any, *, role: str = "response") -> list[str]:
        """Every problem with a response body (``role="stream_event"``: one SSE chunk).

        Each problem reads ``"<path>: <what is wrong>"``; empty when valid or unknown.
        """
        validator = self._compiled_for(endpoint, role)
        if validator is None or isinstance(validator, _Request):
            return []
        found = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.path])
        return [f"{_param(list(e.absolute_path)) or '(body)'}: {_short(e.message)}" for e in found]


def _compile(document: Mapping[str, Any], name: str, *, check: bool) -> Draft202012Validator:
    from jsonschema.exceptions import SchemaError as JSONSchemaError

    draft = _draft()
    try:
        if check:
            draft.check_schema(document)
    except JSONSchemaError as exc:
        raise SchemaError(
            f"{name}: not a valid JSON Schema ({exc.message}); re-derive it with "
            "`mockapi schemas derive --spec PATH --out schemas/`"
        ) from None
    return draft(document)


def _known_properties(document: Mapping[str, Any]) -> frozenset[str] | None:
    """Top-level property names the schema declares; None when it allows any key."""
    resolve = derive.ref_resolver(document)
    names: set[str] = set()
    stack: list[Any] = [document]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen.add(id(node))
        names.update(node.get("properties", {}))
        extra = node.get("additionalProperties")
        if "patternProperties" in node or (extra is not None and extra is not False):
            return None
        stack.extend(branch for k in ("allOf", "anyOf", "oneOf") for branch in node.get(k, []))
        if "$ref" in node:
            stack.append(resolve({"$ref": node["$ref"]}))
    return frozenset(names) or None


def _check(request: _Request, body: Any) -> APIError | None:
    if not isinstance(body, dict):
        return APIError(
            400,
            f"Invalid type for body: expected an object, but got {_got(body)} instead. "
            "Send a JSON object with the request parameters.",
            code="invalid_type",
        )
    if request.known is not None:
        unknown = [key for key in body if key not in request.known]
        if len(unknown) == 1:
            return errors.unrecognized_argument(unknown[0])
        if unknown:
            return APIError(400, f"Unrecognized request arguments supplied: {', '.join(unknown)}")
    if request.valid is not None:
        try:
            valid = request.valid(body)
        except Exception:  # whatever it is, the full pass below decides, and words it
            valid = False
        if valid:
            return None
    found = list(request.validator.iter_errors(body))
    if not found:
        return None
    return _translate(_first(found), request.resolve)


# -- the compiled fast path ---------------------------------------------------------------


def _first(found: Iterable[ValidationError]) -> ValidationError:
    """The shallowest error, in schema order among equals."""
    return min(found, key=lambda e: len(e.absolute_path))


def _translate(error: ValidationError, resolve: Resolve) -> APIError:
    if error.validator in ("anyOf", "oneOf") and error.context:
        return _translate_union(error, resolve)
    path = list(error.absolute_path)
    param = _param(path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required" and isinstance(instance, dict):
        missing = next((name for name in value if name not in instance), None)
        if missing is not None:
            return errors.missing_parameter(_param([*path, missing]))
    if kind == "type":
        return _type_error(param, _types(value), instance, error.schema, resolve)
    if kind in ("enum", "const"):
        return _enum_error(param, value if kind == "enum" else [value], instance)
    if kind in _BOUNDS and isinstance(instance, (int, float)):
        side, compare, limit = _BOUNDS[kind]
        number = "integer" if "integer" in _types(error.schema.get("type")) else "decimal"
        return APIError(
            400,
            f"Invalid '{param}': {number} {side} {limit}imum value. Expected a value "
            f"{compare} {_number(value)}, but got {_number(instance)} instead.",
            param=param,
            code=f"{number}_{side}_{limit}_value",
        )
    if kind in ("minItems", "maxItems", "minLength", "maxLength"):
        return _length_error(param, kind, value, instance)
    if kind == "pattern" and isinstance(instance, str):
        return APIError(
            400,
            f"Invalid '{param}': string does not match pattern. Expected a string that "
            f"matches the pattern '{value}'.",
            param=param or None,
            code="invalid_value",
        )
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = error.schema.get("properties", {})
        extra = next((key for key in instance if key not in allowed), None)
        if extra is not None:
            name = _param([*path, extra])
            return APIError(
                400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter"
            )
    where = f"'{param}'" if param else "body"
    return APIError(
        400, f"Invalid {where}: {_short(error.message)}.", param=param or None, code="invalid_value"
    )


def _translate_union(error: ValidationError, resolve: Resolve) -> APIError:
    """A failed anyOf/oneOf: report from the branch the value was evidently meant for."""
    depth = len(error.absolute_path)
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def wrong_type(subs: list[ValidationError]) -> bool:
        return any(e.validator == "type" and len(e.absolute_path) == depth for e in subs)

    def wrong_tag(subs: list[ValidationError]) -> bool:
        return any(_is_tag_error(e, depth) for e in subs)

    ranked = sorted(
        branches.values(), key=lambda subs: (wrong_type(subs), wrong_tag(subs), len(subs))
    )
    best = ranked[0]
    if wrong_type(best):  # the value's JSON type fits no branch
        expected = [
            t for subs in ranked for e in subs if _here(e, depth) for t in _types(e.validator_value)
        ]
        schemas = [e.schema for subs in ranked for e in subs if _here(e, depth)]
        return _type_error(
            _param(list(error.absolute_path)), expected, error.instance, schemas, resolve
        )
    if wrong_tag(best):  # the role/type tag names no branch: list every tag allowed
        tags = [e for subs in ranked for e in subs if _is_tag_error(e, depth)]
        key = tags[0].absolute_path[-1]
        allowed = [v for e in tags if e.absolute_path[-1] == key for v in _enum_values(e)]
        return _enum_error(_param(list(tags[0].absolute_path)), allowed, tags[0].instance)
    return _translate(_first(best), resolve)


def _here(error: ValidationError, depth: int) -> bool:
    return error.validator == "type" and len(error.absolute_path) == depth


def _is_tag_error(error: ValidationError, depth: int) -> bool:
    """An enum/const mismatch on a direct property allowing one value: a discriminator."""
    if error.validator not in ("enum", "const") or len(error.absolute_path) != depth + 1:
        return False
    return len([v for v in _enum_values(error) if v is not None]) == 1


def _enum_values(error: ValidationError) -> list[Any]:
    value = error.validator_value
    return list(value) if error.validator == "enum" else [value]


def _type_error(
    param: str, expected: list[str], instance: Any, schemas: Any, resolve: Resolve
) -> APIError:
    words: list[str] = []
    for kind in expected:
        if kind == "null" and len(set(expected)) > 1:
            continue  # "null" is allowed too, but OpenAI does not mention it
        word = _TYPE_WORDS.get(kind, kind)
        if kind == "array" and len(set(expected) - {"null"}) > 1:
            word = _array_word(schemas, resolve)
        if word not in words:
            words.append(word)
    shown = words[0] if len(words) == 1 else f"one of {_join(words, 'or')}"
    return APIError(
        400,
        f"Invalid type for '{param or 'body'}': expected {shown}, "
        f"but got {_got(instance)} instead.",
        param=param or None,
        code="invalid_type",
    )


def _array_word(schemas: Any, resolve: Resolve) -> str:
    """'array of objects' when the array branch's items are all objects (OpenAI's words)."""
    candidates = schemas if isinstance(schemas, list) else [schemas]
    for schema in candidates:
        if isinstance(schema, Mapping) and "array" in _types(schema.get("type")):
            item_types = _item_types(resolve(schema.get("items", {})), resolve)
            if len(item_types) == 1:
                return f"array of {next(iter(item_types))}s"
    return "an array"


def _item_types(schema: Any, resolve: Resolve, depth: int = 0) -> set[str]:
    if not isinstance(schema, Mapping) or depth > 8:
        return set()
    if "type" in schema:
        return set(_types(schema["type"])) - {"null"}
    found: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            found |= _item_types(resolve(branch), resolve, depth + 1)
    return found


def _enum_error(param: str, allowed: list[Any], instance: Any) -> APIError:
    values = [_quote(v) for v in dict.fromkeys(v for v in allowed if v is not None)]
    supported = f" Supported values are: {_join(values, 'and')}." if values else ""
    return APIError(
        400,
        f"Invalid value: {_quote(instance)}.{supported}",
        param=param or None,
        code="invalid_value",
    )


def _length_error(param: str, kind: str, limit: Any, instance: Any) -> APIError:
    noun = "array" if kind.endswith("Items") else "string"
    article = "an" if noun == "array" else "a"
    size = len(instance) if isinstance(instance, (list, str)) else 0
    bound = "minimum" if kind.startswith("min") else "maximum"
    if kind.startswith("min") and size == 0:
        what, code, got = f"empty {noun}", f"empty_{noun}", f"an empty {noun}"
    else:
        short = "short" if kind.startswith("min") else "long"
        code = f"{noun}_{'below_min' if short == 'short' else 'above_max'}_length"
        what, got = f"{noun} too {short}", f"{article} {noun} with length {size}"
    return APIError(
        400,
        f"Invalid '{param}': {what}. Expected {article} {noun} with {bound} length {limit}, "
        f"but got {got} instead.",
        param=param or None,
        code=code,
    )


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _got(instance: Any) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "a boolean"
    if isinstance(instance, int):
        return "an integer"
    if isinstance(instance, float):
        return "a decimal"
    if isinstance(instance, str):
        return "a string"
    return "an array" if isinstance(instance, list) else "an object"


def _param(path: list[Any]) -> str:
    """OpenAI's path style: ``messages[0].content``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _quote(value: Any) -> str:
    return f"'{_short(value)}'" if isinstance(value, str) else _short(json.dumps(value))


def _number(value: Any) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _join(words: list[str], last: str) -> str:
    if len(words) <= 2:
        return f" {last} ".join(words)
    return f"{', '.join(words[:-1])}, {last} {words[-1]}"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
