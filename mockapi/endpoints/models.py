"""Models: ``GET /v1/models``, ``GET /v1/models/{model}`` and ``DELETE /v1/models/{model}``.

The list is the ``GET /v1/models`` fixtures' models, or :data:`DEFAULT_MODELS`; a model
is retrieved from it (``model_not_found`` otherwise, as the real API answers) and a
deleted one (fine-tuned ids such as ``ft:gpt-4o-mini:acme::abc123`` contain colons)
is gone from then on, until the server is reset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi import errors
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.library.fixture import FixtureResponse

DELETED = "models.deleted"
"""The ObjectStore collection of deleted model ids."""


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


def list_defined(listed: Sequence[Mapping[str, Any]]) -> bool:
    """Whether ``listed`` (a :class:`~mockapi.endpoints.endpoint.Context`'s ``models``) is a list
    the user defined, the opt-in to ``model_not_found`` for unlisted models (see
    :mod:`~mockapi.endpoints.capabilities`).

    The built-in list is not one: neither :data:`DEFAULT_MODELS` nor the bundled
    ``fixtures/models.yaml``, which lists the same models. A ``GET /v1/models``
    fixture of the user's that lists other models (more, fewer, or others) is.
    """
    return {m.get("id") for m in listed} != _DEFAULT_IDS


_DEFAULT_IDS = {m["id"] for m in DEFAULT_MODELS}


def model_list(models: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``GET /v1/models`` body listing ``models``."""
    return {"object": "list", "data": models}


def _listed(ctx: Context) -> list[dict[str, Any]]:
    return [dict(m) for m in ctx.models if ctx.state.get(DELETED, str(m.get("id"))) is None]


def list_models(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=model_list(_listed(ctx)))


def retrieve(ctx: Context) -> FixtureResponse:
    wanted = ctx.params["model"]
    for model in _listed(ctx):
        if model.get("id") == wanted:
            return FixtureResponse(body=model)
    raise errors.model_not_found(wanted)


def delete(ctx: Context) -> FixtureResponse:
    wanted = ctx.params["model"]
    known = any(m.get("id") == wanted for m in _listed(ctx))
    if not known and not ctx.synthesize:
        raise errors.model_not_found(wanted)
    ctx.state.put(DELETED, wanted, True)
    return FixtureResponse(body={"id": wanted, "object": "model", "deleted": True})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/v1/models", synthesize=list_models),
    Endpoint("GET", "/v1/models/{model}", lookup=retrieve),
    Endpoint("DELETE", "/v1/models/{model}", lookup=delete),
)
