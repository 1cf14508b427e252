"""Models: the list answered when no ``GET /v1/models`` fixture is loaded."""

from __future__ import annotations

from typing import Any


def _model(model_id: str, created: int, owned_by: str = "system") -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": owned_by}


DEFAULT_MODELS: list[dict[str, Any]] = [
    _model("gpt-4o", 1715367049),
    _model("gpt-4o-mini", 1721172741),
    _model("gpt-4.1", 1744316542),
    _model("gpt-4.1-mini", 1744318173),
    _model("o3-mini", 1737146383),
    _model("text-embedding-3-small", 1705948997),
]


def model_list(models: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``GET /v1/models`` body listing ``models``."""
    return {"object": "list", "data": models}
