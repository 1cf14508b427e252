"""What a handler sees, built for a unit test: the one way the endpoint tests make a
:class:`~mockapi.endpoints.endpoint.Context` over their own store and clock."""

from __future__ import annotations

from collections.abc import Mapping

from mockapi.config import Settings
from mockapi.endpoints.endpoint import Context, Dispatch, Endpoint, body_of
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.store import StateStore


def handler_context(
    request: Request,
    endpoint: Endpoint,
    state: StateStore,
    clock: Clock,
    *,
    params: Mapping[str, str] | None = None,
    synthesize: bool = True,
    settings: Settings | None = None,
    dispatch: Dispatch | None = None,
) -> Context:
    """The context of ``request`` to ``endpoint`` (seed 0, the built-in models), its body
    the request's JSON object (``{}`` for any other)."""
    return Context(
        request=request,
        endpoint=endpoint,
        params=dict(params or {}),
        body=body_of(request),
        seed=0,
        state=state,
        models=DEFAULT_MODELS,
        synthesize=synthesize,
        clock=clock,
        settings=settings or Settings(),
        dispatch=dispatch,
    )
