"""An OpenAPI document for the fuzzer, built from the derived schemas and the router's table.

Schemathesis generates requests from an OpenAPI document; the project commits no spec,
so this module assembles one at test time from what it does commit: every row of
:data:`mockapi.replay.router.ENDPOINTS` (so every operation the server routes, with or
without a schema) and, for its body, the derived ``request`` (JSON) and ``form``
(multipart) schemas of ``schemas/``. Each derived document is self-contained (its
components in ``$defs``); here its definitions move to ``components/schemas`` under a
prefix naming the file, so two documents never share a name.

Query parameters are left out: the derived schemas do not carry them (validating them is
a later task of issue 15).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Endpoint
from mockapi.validation.files import SchemaSet

_DEFS = "#/$defs/"
_COMPONENTS = "#/components/schemas/"
_DROPPED = frozenset({"$schema", "$comment", "$defs"})
#: The body roles of a derived schema set and the media type each is sent as.
BODY_MEDIA = {"request": "application/json", "form": "multipart/form-data"}


@dataclass(frozen=True)
class Operation:
    """One served operation: its router row and the body schemas the fuzzer sends."""

    endpoint: Endpoint
    bodies: Mapping[str, Mapping[str, Any]]
    """Media type -> the derived (self-contained) request schema for it."""

    @property
    def key(self) -> str:
        return self.endpoint.key


def operations(schemas: SchemaSet, endpoints: tuple[Endpoint, ...]) -> list[Operation]:
    """Every routed endpoint with its derived body schemas (none for a bodiless one)."""
    found = []
    for endpoint in endpoints:
        bodies = {}
        for role, media in BODY_MEDIA.items():
            document = schemas.schema(endpoint.key, role)
            if document is not None:
                bodies[media] = document
        found.append(Operation(endpoint, bodies))
    return found


def document(ops: list[Operation]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``ops``: paths, path parameters, request bodies."""
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        operation: dict[str, Any] = {"responses": {"default": {"description": "any answer"}}}
        names = re.findall(r"{(\w+)}", op.endpoint.template)
        if names:
            operation["parameters"] = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in names
            ]
        if op.bodies:
            content = {
                media: {"schema": _inline(schema, _prefix(op.key, media), components)}
                for media, schema in op.bodies.items()
            }
            operation["requestBody"] = {"required": True, "content": content}
        paths.setdefault(op.endpoint.template, {})[op.endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "mockapi, as served (derived schemas)", "version": "fuzz"},
        "paths": paths,
        "components": {"schemas": components},
    }


def _prefix(key: str, media: str) -> str:
    return re.sub(r"\W+", "_", f"{key} {media}").strip("_") + "__"


def _inline(schema: Mapping[str, Any], prefix: str, components: dict[str, Any]) -> Any:
    for name, definition in schema.get("$defs", {}).items():
        components[prefix + name] = _rewrite(definition, prefix)
    return _rewrite(schema, prefix)


def _rewrite(node: Any, prefix: str) -> Any:
    """``node`` with its ``#/$defs/X`` references pointing at ``components/schemas``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _DROPPED:
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(_DEFS):
                out[key] = _COMPONENTS + prefix + value[len(_DEFS) :]
            else:
                out[key] = _rewrite(value, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite(item, prefix) for item in node]
    return node
