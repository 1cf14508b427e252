"""Walking a derived (self-contained) schema document: its references and its top level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_DEFS = "#/$defs/"


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """``node`` with its ``#/$defs/`` reference followed (to a node that is not one)."""
    for _ in range(16):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not (isinstance(ref, str) and ref.startswith(_DEFS)):
            return node
        node = document.get("$defs", {}).get(ref[len(_DEFS) :], {})
    return node


def top_level(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schema objects that make up the document's root (through ``$ref`` and ``allOf``)."""
    found: list[Mapping[str, Any]] = []
    stack: list[Any] = [document]
    while stack and len(found) < 64:
        node = resolve(document, stack.pop())
        if isinstance(node, Mapping):
            found.append(node)
            stack.extend(node.get("allOf", []))
    return found


def top_properties(document: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level properties a request schema declares."""
    found: dict[str, Any] = {}
    for node in top_level(document):
        found.update(node.get("properties", {}))
    return found


def required(document: Mapping[str, Any]) -> list[str]:
    """The top-level properties a request schema requires."""
    return sorted({name for node in top_level(document) for name in node.get("required", [])})
