"""Operations the official SDK calls that the OpenAI spec does not declare yet.

The spec mockapi derives from lags the SDK: the Administration API's external keys and
storage, workload identity providers, health alert rules, service tier settings and a
project key's update are in ``openai`` 3.x (``client.admin.organization``) but not in
``openapi.yaml``. An :class:`Operation` declares one such operation from the SDK's own
types (its ``*_params.py`` for the body and query, its model for the answer) so that
``derive`` gives it schemas like any other: requests are checked, answers can be.

:func:`extend` adds the operations (and the components they name, :data:`COMPONENTS`
of :mod:`mockapi.validation.additions_admin`) to a copy of the spec before derivation.
An operation or component the spec already has is an error: when the spec catches up,
the addition goes, as stale patches do.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.errors import SchemaError

_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Operation:
    """One operation the spec lacks: ``method path`` (as the spec writes paths), its
    JSON body and 200 answer (component names, or None), its query parameters (name ->
    schema, optional: the routes check a query parameter they need themselves; path
    parameters are derived from ``path``, strings) and the evidence."""

    method: str
    path: str
    why: str
    request: str | None = None
    response: str | None = None
    query: tuple[tuple[str, Mapping[str, Any]], ...] = ()

    def operation(self) -> dict[str, Any]:
        """The OpenAPI operation object."""
        parameters: list[dict[str, Any]] = [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in _path_parameters(self.path)
        ]
        parameters += [
            {"in": "query", "name": name, "schema": dict(schema)}
            for name, schema in self.query
        ]  # fmt: skip
        found: dict[str, Any] = {"x-mockapi-addition": self.why, "parameters": parameters}
        if self.request is not None:
            content = {"application/json": {"schema": {"$ref": _PREFIX + self.request}}}
            found["requestBody"] = {"required": True, "content": content}
        ok: dict[str, Any] = {"description": "OK"}
        if self.response is not None:
            ok["content"] = {"application/json": {"schema": {"$ref": _PREFIX + self.response}}}
        found["responses"] = {"200": ok}
        return found


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def extend(
    spec: Mapping[str, Any],
    operations: tuple[Operation, ...],
    components: Mapping[str, Any],
    *,
    why: str = "",
) -> dict[str, Any]:
    """A copy of ``spec`` with ``operations`` and ``components`` added (each component
    carrying ``why`` as its ``$comment``); ``spec`` is left untouched. Raises
    :class:`SchemaError` for one the spec already declares."""
    result = dict(spec)
    if not operations and not components:
        return result
    paths = dict(result.get("paths") or {})
    for added in operations:
        item = dict(paths.get(added.path) or {})
        if added.method.lower() in item:
            raise SchemaError(
                f"{added.method} {added.path}: the spec now declares this operation; "
                "remove its addition from mockapi.validation.additions_admin.OPERATIONS"
            )
        item[added.method.lower()] = added.operation()
        paths[added.path] = item
    result["paths"] = paths
    comps = dict(result.get("components") or {})
    schemas = dict(comps.get("schemas") or {})
    for name, schema in components.items():
        if name in schemas:
            raise SchemaError(
                f"component {name}: the spec now declares it; remove its addition from "
                "mockapi.validation.additions_admin.COMPONENTS"
            )
        schemas[name] = {**copy.deepcopy(dict(schema)), **({"$comment": why} if why else {})}
    comps["schemas"] = schemas
    result["components"] = comps
    return result


# Builders of the OpenAPI schemas the additions declare (the SDK's types, written short).

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}
BOOL: dict[str, Any] = {"type": "boolean"}
STRS: dict[str, Any] = {"type": "array", "items": STR}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": "#/components/schemas/" + name}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def obj(required: tuple[str, ...] = (), /, **properties: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def cursor_list(item: str) -> dict[str, Any]:
    """A ``CursorPage``'s body: ``data`` and ``has_more`` (the ids are optional)."""
    return obj(
        ("object", "data", "has_more"),
        object=enum("list"),
        data={"type": "array", "items": ref(item)},
        has_more=BOOL,
        first_id=nullable(STR),
        last_id=nullable(STR),
    )


def deleted(noun: str) -> dict[str, Any]:
    return obj(("id", "deleted", "object"), id=STR, deleted=BOOL, object=enum(noun))
