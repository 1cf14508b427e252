"""Models: ``GET /v1/models``, ``GET /v1/models/{model}`` and ``DELETE /v1/models/{model}``.

The list is the ``GET /v1/models`` fixtures' models, or :data:`DEFAULT_MODELS`, and
after them the models this server's fine-tuning jobs made (kind :data:`FINE_TUNED`:
``ft:gpt-4o-mini:org-mockapi:suffix:AbCd1234``, ``owned_by`` the job's organization,
``created`` when the job finished), added to a fixture's answer too (the endpoint's
``amend``). A model is retrieved from it (``model_not_found`` otherwise, as the real API
answers) and a deleted one (fine-tuned ids contain colons) is gone from then on, until
the server is reset: not listed, not retrieved, and refused by chat completions and
Responses (:func:`check_usable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mockapi import errors
from mockapi.endpoints import capabilities
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Response
from mockapi.state.store import StateStore

DELETED = "models.deleted"
"""The ObjectStore collection of deleted model ids."""
FINE_TUNED = "models.fine_tuned"
"""The state store kind of the models this server's fine-tuning jobs made, by id."""


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


def add_fine_tuned(state: StateStore, model_id: str, *, created: int, owned_by: str) -> None:
    """List ``model_id``, a model a fine-tuning job made, from now on."""
    state.put(FINE_TUNED, model_id, _model(model_id, created, owned_by))


def is_deleted(state: StateStore, model_id: str) -> bool:
    """Whether ``DELETE /v1/models/{model_id}`` removed the model."""
    return state.get(DELETED, model_id) is not None


def listed(ctx: Context) -> list[dict[str, Any]]:
    """The models the server lists: ``ctx.models`` and the fine-tuned ones, not deleted."""
    return _with_fine_tuned(ctx, ctx.models)


def _with_fine_tuned(ctx: Context, models: Sequence[Any]) -> list[dict[str, Any]]:
    found = [dict(m) for m in models if isinstance(m, Mapping)]
    ids = {m.get("id") for m in found}
    tuned = ctx.state.values(FINE_TUNED)
    found += [dict(m) for m in tuned if isinstance(m, dict) and m.get("id") not in ids]
    return [m for m in found if not is_deleted(ctx.state, str(m.get("id")))]


def check_usable(ctx: Context, model: Any) -> None:
    """The API's 404 ``model_not_found`` for a model chat or Responses cannot use: one
    this server deleted, or one the server's list lacks when a fixture defined it
    (:func:`mockapi.endpoints.capabilities.check_model`; the fine-tuned models count)."""
    if isinstance(model, str) and is_deleted(ctx.state, model):
        raise errors.model_not_found(model)
    if list_defined(ctx.models):  # else every name is accepted: no list to read
        capabilities.check_model(model, listed(ctx), defined=True)


def list_models(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=model_list(listed(ctx)))


def amend_list(ctx: Context, response: Response) -> Response:
    """A ``GET /v1/models`` answer (a fixture's too) with the fine-tuned models after
    its own and without the deleted ones."""
    body = response.body
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(data, list):
        return response
    return replace(response, body={**body, "data": _with_fine_tuned(ctx, data)})


def retrieve(ctx: Context) -> FixtureResponse:
    wanted = ctx.params["model"]
    for model in listed(ctx):
        if model.get("id") == wanted:
            return FixtureResponse(body=model)
    raise errors.model_not_found(wanted)


def delete(ctx: Context) -> FixtureResponse:
    wanted = ctx.params["model"]
    known = any(m.get("id") == wanted for m in listed(ctx))
    if not known and not ctx.synthesize:
        raise errors.model_not_found(wanted)
    ctx.state.put(DELETED, wanted, True)
    return FixtureResponse(body={"id": wanted, "object": "model", "deleted": True})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/v1/models", synthesize=list_models, amend=amend_list),
    Endpoint("GET", "/v1/models/{model}", lookup=retrieve),
    Endpoint("DELETE", "/v1/models/{model}", lookup=delete),
)
