"""Derive self-contained JSON Schemas (draft 2020-12) from the OpenAI OpenAPI document.

Pure: the parsed spec in, a mapping of file name -> JSON document out; no disk, no
``jsonschema``. ``schemafiles.py`` does the reading and writing.

For each row of ``TARGETS`` (:mod:`mockapi.validation.targets`) the request body, the
successful JSON response, the ``text/event-stream`` event schema and the query and path
parameters (whichever the spec declares) become one document each: the root is a
``$ref`` into the document's own ``$defs`` (or, for the parameters, an object schema
whose properties refer into them), which hold exactly the components reachable from it.
What changes on the way from OpenAPI to JSON Schema:

* ``$ref: '#/components/schemas/X'`` -> ``'#/$defs/X'`` (also in ``discriminator.mapping``);
  ``$recursiveRef: '#'`` (2019-09, used by the filter schemas) -> a ``$ref`` to the
  enclosing component.
* OpenAPI 3.0 ``nullable: true`` -> ``"null"`` added to ``type`` (and ``None`` to ``enum``);
  where there is no plain ``type`` to extend (``$ref``, ``oneOf``...) the schema is
  wrapped as ``anyOf: [schema, {type: null}]``. 3.0's boolean ``exclusiveMinimum``
  becomes the 2020-12 number form.
* ``oneOf`` is kept. JSON Schema's oneOf demands that exactly one branch match, which
  rejects valid values when a spec's branches overlap; every oneOf reachable from the
  current targets is exclusive (its branches differ by a ``role``/``type`` enum or by
  JSON type) and all recorded real requests validate. If a new target brings
  overlapping branches, turn those into ``anyOf`` here and say which.
* ``PATCHES`` corrects, minimally and each with its evidence, where the real API
  accepts or sends what the spec forbids; each patched schema carries a ``$comment``.
* Only JSON Schema 2020-12 keywords are kept, plus ``discriminator`` as an annotation.
  ``description``, ``example(s)`` and ``x-*`` extensions are dropped: the files are for
  validating and synthesizing, the prose lives in the spec, and leaving it out keeps
  the committed files small and their diffs about shape, not wording.

Output is deterministic: the writer sorts keys, and nothing here depends on dict
iteration order of anything but the spec itself.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from mockapi.errors import SchemaError
from mockapi.validation import (
    additions,
    additions_admin,
    additions_agents_environments,
    additions_agents_sessions,
    additions_agents_vaults,
    additions_decisions,
    additions_evals,
    additions_live,
    additions_safety,
    additions_webhooks,
)
from mockapi.validation.additions import Operation
from mockapi.validation.patches import MEDIA_PATCHES, PATCHES, MediaPatch, Patch
from mockapi.validation.targets import TARGETS, Target

DIALECT = "https://json-schema.org/draft/2020-12/schema"
INDEX_FILE = "index.json"
INDEX_FORMAT = 1

_COMPONENT_PREFIX = "#/components/schemas/"

#: The roles a target's schemas can play (the keys of an index entry), and where the
#: spec declares each: the JSON request body, the multipart/form-data request body
#: (uploads: audio transcriptions, image edits), the 2xx JSON body, the SSE event, and
#: the operation's query and path ``parameters`` as one object (see ``_parameters``).
ROLES = ("request", "form", "response", "stream_event", "parameters")
_REQUEST_MEDIA = {"request": "application/json", "form": "multipart/form-data"}
_RESPONSE_MEDIA = "application/json"
_STREAM_MEDIA = "text/event-stream"


# JSON Schema 2020-12 keywords (core, applicator, unevaluated, validation, meta-data,
# format, content). Anything else in the spec is OpenAPI-only or a typo
# (``optional``, ``min_items``) and is dropped; ``discriminator`` is kept as an
# annotation (validators ignore it; mockapi's error translation and synthesis can use it).
_KEEP = frozenset(
    {
        "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
        "prefixItems", "items", "contains", "properties", "patternProperties",
        "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
        "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
        "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
        "required", "dependentRequired", "title", "default", "deprecated", "readOnly",
        "writeOnly", "format", "contentEncoding", "contentMediaType", "contentSchema",
        "discriminator",
    }
)  # fmt: skip
_SUBSCHEMA = frozenset(
    {
        "items", "additionalProperties", "not", "if", "then", "else", "contains",
        "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    }
)  # fmt: skip
_SUBSCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAP = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
# Keywords that make a schema more than "a value of this type": a nullable schema with
# any of them can't just get "null" added to its type, it has to be wrapped.
_APPLICATORS = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if"})
# Annotations that stay on the outside when a nullable schema is wrapped.
_OUTER = frozenset({"title", "default", "deprecated", "readOnly", "writeOnly"})


def derive(
    spec: Mapping[str, Any],
    *,
    targets: tuple[Target, ...] = TARGETS,
    patches: tuple[Patch, ...] = PATCHES,
    media_patches: tuple[MediaPatch, ...] = MEDIA_PATCHES,
    added: tuple[Operation, ...] = (
        *additions_admin.OPERATIONS,
        *additions_evals.OPERATIONS,
        *additions_webhooks.OPERATIONS,
        *additions_live.OPERATIONS,
        *additions_decisions.OPERATIONS,
        *additions_safety.OPERATIONS,
        *additions_agents_environments.OPERATIONS,
        *additions_agents_vaults.OPERATIONS,
        *additions_agents_sessions.OPERATIONS,
    ),
    source_name: str = "openapi.yaml",
) -> dict[str, dict[str, Any]]:
    """All schema documents for ``targets`` plus ``index.json``, keyed by file name.

    ``added``: operations the SDK calls that the spec lacks
    (:mod:`mockapi.validation.additions`), added to the spec first with the components
    they name."""
    if added:
        spec = additions.extend(spec, added, additions_admin.COMPONENTS, why=additions_admin.WHY)
        for more in (additions_webhooks, additions_live, additions_decisions, additions_safety):
            spec = additions.extend(spec, (), more.COMPONENTS, why=more.WHY)
        agents_environments = additions_agents_environments
        spec = additions.extend(
            spec, (), agents_environments.COMPONENTS, why=agents_environments.WHY
        )
        vaults = additions_agents_vaults
        spec = additions.extend(spec, (), vaults.COMPONENTS, why=vaults.WHY)
        agents = additions_agents_sessions
        spec = additions.extend(spec, (), agents.COMPONENTS, why=agents.WHY)
    _check_media_patches(targets, media_patches)
    components = apply_patches(_components(spec), patches)
    info = spec.get("info") or {}
    source = {
        "file": source_name,
        "openapi": str(spec.get("openapi", "")),
        "title": str(info.get("title", "")),
        "version": str(info.get("version", "")),
    }
    comment = (
        f"Derived from {source['title']} {source['version']} ({source_name}) by "
        "`mockapi schemas derive`; do not edit by hand."
    )
    files: dict[str, dict[str, Any]] = {}
    endpoints: dict[str, dict[str, str]] = {}
    for target in targets:
        entry: dict[str, str] = {}
        found = _target_schemas(spec, target)
        notes = _add_media_patches(found, target, media_patches)
        for role, schema in found.items():
            name = f"{target.stem}.{role}.json"
            note = f"{comment} {notes[role]}" if role in notes else comment
            files[name] = schema_document(schema, components, comment=note)
            entry[role] = name
        if not entry:
            raise SchemaError(
                f"{target.endpoint}: the spec declares no JSON request or response schema "
                "for it; remove the row from mockapi.validation.derive.TARGETS "
                "or fix its path/method"
            )
        endpoints[target.endpoint] = entry
    files[INDEX_FILE] = {
        "$comment": comment,
        "endpoints": endpoints,
        "format": INDEX_FORMAT,
        "source": source,
    }
    return files


def schema_document(
    root: Mapping[str, Any], components: Mapping[str, Any], *, comment: str = ""
) -> dict[str, Any]:
    """One self-contained document: ``root`` converted, plus every component it reaches."""
    converter = _Converter(components)
    document = converter.schema(root, component=None)
    if not isinstance(document, dict):
        raise SchemaError(f"a root schema must be an object, got {document!r}")
    defs: dict[str, Any] = {}
    while converter.pending:
        name = converter.pending.pop()
        defs[name] = converter.schema(components[name], component=name)
    result = {"$schema": DIALECT, **document}
    if comment:
        result["$comment"] = comment
    if defs:
        result["$defs"] = defs
    return result


def apply_patches(components: Mapping[str, Any], patches: tuple[Patch, ...]) -> dict[str, Any]:
    """A copy of ``components`` with ``patches`` applied; the input is left untouched."""
    result = dict(components)
    for patch in patches:
        where = f"patch of {patch.component} at {'/'.join(map(str, patch.at)) or '(root)'}"
        if patch.component not in components:
            raise SchemaError(
                f"{where}: the spec has no such component; "
                "update mockapi.validation.patches.PATCHES"
            )
        if result[patch.component] is components[patch.component]:
            result[patch.component] = copy.deepcopy(components[patch.component])
        node = result[patch.component]
        try:
            for step in patch.at:
                node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
        if not isinstance(node, dict):
            raise SchemaError(
                f"{where}: no schema there; update mockapi.validation.patches.PATCHES"
            )
        missing = [k for k in patch.drop if k not in node]
        missing += [f"required {n!r}" for n in patch.unrequire if n not in node.get("required", [])]
        if missing:
            raise SchemaError(
                f"{where}: {', '.join(missing)} not found (the spec changed?); "
                "update or remove the patch in mockapi.validation.patches.PATCHES"
            )
        for key in patch.drop:
            del node[key]
        node.update(patch.set)
        if patch.unrequire:
            node["required"] = [n for n in node["required"] if n not in patch.unrequire]
        node["$comment"] = patch.why
    return result


def _check_media_patches(targets: tuple[Target, ...], patches: tuple[MediaPatch, ...]) -> None:
    # A patch for an operation outside ``targets`` is not applied (a test's own targets);
    # tests/unit/validation/test_media_patches.py checks each names a row of TARGETS.
    for patch in patches:
        if patch.role not in ROLES:
            raise SchemaError(
                f"media patch of {patch.method} {patch.path}: role {patch.role!r} is not one "
                f"of {', '.join(ROLES)}; update mockapi.validation.patches.MEDIA_PATCHES"
            )


def _add_media_patches(
    found: dict[str, Any], target: Target, patches: tuple[MediaPatch, ...]
) -> dict[str, str]:
    """Add the roles ``patches`` declare for ``target`` to ``found``; their evidence by role."""
    notes: dict[str, str] = {}
    for patch in patches:
        if (patch.method, patch.path) != (target.method, target.path):
            continue
        if patch.role in found:
            raise SchemaError(
                f"media patch of {target.endpoint}: the spec now declares its {patch.role} "
                "schema; remove the patch from mockapi.validation.patches.MEDIA_PATCHES"
            )
        found[patch.role] = {"$ref": _COMPONENT_PREFIX + patch.component}
        notes[patch.role] = patch.why
    return notes


def _components(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    components = (spec.get("components") or {}).get("schemas")
    if not isinstance(components, Mapping):
        raise SchemaError(
            "the spec has no components.schemas: is this the OpenAI OpenAPI document "
            "(openapi.yaml from github.com/openai/openai-openapi)?"
        )
    return components


def _target_schemas(spec: Mapping[str, Any], target: Target) -> dict[str, Any]:
    """The raw (OpenAPI) schemas of a target by role; roles the spec lacks are absent."""
    path_item = (spec.get("paths") or {}).get(target.path)
    operation = (path_item or {}).get(target.method.lower())
    if not isinstance(operation, Mapping):
        raise SchemaError(
            f"{target.endpoint}: the spec has no operation {target.method.lower()} on "
            f"paths[{target.path!r}]; fix the row in mockapi.validation.derive.TARGETS"
        )
    found: dict[str, Any] = {}
    body = (operation.get("requestBody") or {}).get("content") or {}
    for role, media in _REQUEST_MEDIA.items():
        if "schema" in (body.get(media) or {}):
            found[role] = body[media]["schema"]
    responses = operation.get("responses") or {}
    ok = sorted(str(code) for code in responses if str(code).startswith("2"))
    if ok:
        content = (responses.get(ok[0]) or responses.get(int(ok[0])) or {}).get("content") or {}
        if "schema" in (content.get(_RESPONSE_MEDIA) or {}):
            found["response"] = content[_RESPONSE_MEDIA]["schema"]
        if "schema" in (content.get(_STREAM_MEDIA) or {}):
            found["stream_event"] = content[_STREAM_MEDIA]["schema"]
    parameters = _parameters(spec, target, (path_item or {}).get("parameters"), operation)
    if parameters is not None:
        found["parameters"] = parameters
    return found


def _parameters(
    spec: Mapping[str, Any], target: Target, shared: Any, operation: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The operation's query and path parameters as one object schema, or None if none.

    Each parameter is a property holding its ``schema``; path parameters and required
    query ones are ``required``. Other query parameters are allowed (the API ignores
    them; Azure sends ``api-version``). Headers and cookies are left out: they are
    not the client's data. The operation's own parameters override the path item's.
    """
    declared: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in [*(shared or []), *(operation.get("parameters") or [])]:
        parameter = _parameter(spec, target, raw)
        declared[(str(parameter.get("in")), str(parameter.get("name")))] = parameter
    properties: dict[str, Any] = {}
    required: list[str] = []
    for (where, name), parameter in declared.items():
        if where not in ("query", "path"):
            continue
        if name in properties:
            raise SchemaError(
                f"{target.endpoint}: the parameter {name!r} is declared both in the path "
                "and in the query; validation keeps them in one object, so rename one"
            )
        properties[name] = parameter.get("schema") or {}
        if where == "path" or parameter.get("required") is True:
            required.append(name)
    if not properties:
        return None
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _parameter(spec: Mapping[str, Any], target: Target, raw: Any) -> Mapping[str, Any]:
    """A parameter object, following a ``$ref`` to ``#/components/parameters``."""
    if isinstance(raw, Mapping) and isinstance(raw.get("$ref"), str):
        name = raw["$ref"].removeprefix("#/components/parameters/")
        raw = ((spec.get("components") or {}).get("parameters") or {}).get(name)
    if not isinstance(raw, Mapping) or "name" not in raw or "in" not in raw:
        raise SchemaError(
            f"{target.endpoint}: a parameter is not a parameter object with 'name' and "
            f"'in' ({raw!r}); fix the spec or the row in mockapi.validation.derive.TARGETS"
        )
    return raw


class _Converter:
    """Converts OpenAPI schema objects to JSON Schema, collecting the components used."""

    def __init__(self, components: Mapping[str, Any]) -> None:
        self.components = components
        self.seen: set[str] = set()
        self.pending: list[str] = []

    def schema(self, node: Any, *, component: str | None) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise SchemaError(
                f"in {component or 'a root schema'}: expected a schema object, got {node!r}"
            )
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$recursiveRef":  # 2019-09: recurse to the enclosing component
                out["$ref"] = self.ref(f"{_COMPONENT_PREFIX}{component}", component)
            elif key not in _KEEP:
                continue
            elif key == "$ref":
                out[key] = self.ref(value, component)
            elif key in _SUBSCHEMA:
                out[key] = self.schema(value, component=component)
            elif key in _SUBSCHEMA_LIST:
                out[key] = [self.schema(item, component=component) for item in value]
            elif key in _SUBSCHEMA_MAP:
                out[key] = {k: self.schema(v, component=component) for k, v in value.items()}
            elif key == "discriminator":
                out[key] = self.discriminator(value, component)
            else:
                out[key] = _json_value(value)
        _exclusive_bounds(out)
        return _nullable(out) if node.get("nullable") is True else out

    def ref(self, ref: Any, component: str | None) -> str:
        if not isinstance(ref, str) or not ref.startswith(_COMPONENT_PREFIX):
            raise SchemaError(
                f"in {component or 'a root schema'}: $ref {ref!r} does not point into "
                "#/components/schemas; only schema components can be inlined"
            )
        name = ref[len(_COMPONENT_PREFIX) :]
        if name not in self.components:
            raise SchemaError(
                f"in {component or 'a root schema'}: $ref {ref!r} names a component the "
                "spec does not define"
            )
        if name not in self.seen:
            self.seen.add(name)
            self.pending.append(name)
        return "#/$defs/" + name.replace("~", "~0").replace("/", "~1")

    def discriminator(self, value: Any, component: str | None) -> Any:
        if not isinstance(value, Mapping):
            return _json_value(value)
        out = {k: _json_value(v) for k, v in value.items() if k != "mapping"}
        if isinstance(value.get("mapping"), Mapping):
            out["mapping"] = {k: self.ref(v, component) for k, v in value["mapping"].items()}
        return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate OpenAPI 3.0 ``nullable: true`` (already removed from ``schema``)."""
    kind = schema.get("type")
    if kind is not None and not (schema.keys() & _APPLICATORS):
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if "null" not in kinds:
            schema["type"] = [*kinds, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        if "const" in schema and schema["const"] is not None:
            schema["enum"] = [schema.pop("const"), None]
        return schema
    outer = {k: v for k, v in schema.items() if k in _OUTER}
    inner = {k: v for k, v in schema.items() if k not in _OUTER}
    return {**outer, "anyOf": [inner, {"type": "null"}]}


def _exclusive_bounds(schema: dict[str, Any]) -> None:
    """OpenAPI 3.0's ``exclusiveMinimum: true`` + ``minimum: 0`` -> ``exclusiveMinimum: 0``."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = schema.get(exclusive)
        if isinstance(flag, bool):
            del schema[exclusive]
            if flag and bound in schema:
                schema[exclusive] = schema.pop(bound)


def _json_value(value: Any) -> Any:
    """A data value (enum member, default...) as plain JSON; YAML dates become ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def ref_resolver(document: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A function following the local ``#/$defs/X`` refs of a derived ``document`` (the
    only kind :func:`schema_document` writes) to the schema they name."""
    defs = document.get("$defs", {})

    def resolve(node: Any) -> Any:
        for _ in range(32):  # a chain of refs; more means a cycle
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
                return node
            name = ref[len("#/$defs/") :].replace("~1", "/").replace("~0", "~")
            if name not in defs:
                return node
            node = defs[name]
        return node

    return resolve
