"""Chat Completions' endpoints, and the stored completions of ``store: true`` requests.

``POST /v1/chat/completions`` is synthesized by :mod:`mockapi.endpoints.chat.synthesis` and
serves both stream modes from one fixture by :mod:`mockapi.endpoints.chat.shape`; every
successful answer to a ``store: true`` request (a fixture's, a synthesized one, a
stream reassembled) is remembered in the server's object store, so that the SDK's
``chat.completions.list / retrieve / update / delete`` and ``messages.list`` find it.

Those five routes are lookups: they answer from what the server stored whatever
``on_miss`` says. An id the server never stored is the API's 404 with
``--on-miss error``; when the server synthesizes it is a well-formed completion with
that id (the same for the same id), so tests may use fixed ids. A deleted completion
is a 404 in both modes until the server is reset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import capabilities, models
from mockapi.endpoints.chat import stream as streaming
from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.chat.shape import SHAPE
from mockapi.endpoints.chat.stored import (
    check_metadata,
    deleted,
    metadata_filter,
    not_found,
    record,
    selected,
)
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Response
from mockapi.state.objects import paginate

STORED = "chat.completions"
"""The ObjectStore collection of stored completions (:func:`stored_chat.record` dicts)."""
DELETED = "chat.completions.deleted"
"""The ObjectStore collection of deleted completion ids."""
_ORDERS = ("asc", "desc")
_SYNTHETIC_REQUEST: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Hello!"}],
    "store": True,
}
"""The request a synthesized stored completion (an id the server never saw) answered."""


def create(ctx: Context) -> FixtureResponse:
    models.check_usable(ctx, ctx.body.get("model"))
    capabilities.check_roles(ctx.body)
    return FixtureResponse(body=chat.synthesize(ctx.body, seed=ctx.seed))


def remembers(body: Any) -> bool:
    """Whether :func:`remember` keeps an answer to ``body``: a ``store: true`` request's."""
    return isinstance(body, dict) and body.get("store") is True


def remember(ctx: Context, response: Response) -> None:
    """Keep the completion answered to a ``store: true`` request (plain or streamed)."""
    if not remembers(ctx.body):
        return
    completion = _answered(response, ctx.body)
    if completion is None:
        return
    request_id = response.headers.get("x-request-id")
    kept = record(completion, ctx.body, request_id=request_id)
    completion_id = kept["completion"]["id"]
    ctx.state.delete(DELETED, completion_id)  # a recording with a pinned id, served again
    ctx.state.put(STORED, completion_id, kept)


def _answered(response: Response, request: dict[str, Any]) -> dict[str, Any] | None:
    """The ``chat.completion`` a response body or chunk stream amounts to, if any."""
    if isinstance(response.body, dict) and response.body.get("object") == "chat.completion":
        return response.body
    chunks = [e.data for e in response.events or () if isinstance(e.data, dict)]
    if not chunks:
        return None
    completed = chat.complete(streaming.chunks_to_completion(chunks), request)
    return completed if isinstance(completed, dict) else None


def list_completions(ctx: Context) -> FixtureResponse:
    query = dict(ctx.request.query)
    _check_order(query)
    found: list[Mapping[str, Any]] = [
        *selected(
            ctx.state.values(STORED),
            metadata=metadata_filter(ctx.request.query),
            model=query.get("model"),
        )
    ]
    return FixtureResponse(body=paginate(found, query))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_held(ctx)["completion"])


def update(ctx: Context) -> FixtureResponse:
    """Replace the completion's ``metadata`` (the only field the API lets you change)."""
    metadata = check_metadata(ctx.body.get("metadata"))
    completion_id = ctx.params["completion_id"]
    kept = _held(ctx)
    kept["completion"]["metadata"] = metadata
    # A synthesized completion that was updated is kept from then on, like a stored one.
    ctx.state.put(STORED, completion_id, kept)
    return FixtureResponse(body=kept["completion"])


def delete(ctx: Context) -> FixtureResponse:
    completion_id = ctx.params["completion_id"]
    _held(ctx)
    ctx.state.delete(STORED, completion_id)
    ctx.state.put(DELETED, completion_id, True)
    return FixtureResponse(body=deleted(completion_id))


def list_messages(ctx: Context) -> FixtureResponse:
    query = dict(ctx.request.query)
    _check_order(query)
    messages: list[Mapping[str, Any]] = _held(ctx)["messages"]
    return FixtureResponse(body=paginate(messages, query))


def _held(ctx: Context) -> dict[str, Any]:
    """The record of the path's completion: stored, synthesized, or the API's 404."""
    completion_id = ctx.params["completion_id"]
    if ctx.state.get(DELETED, completion_id) is not None:
        raise not_found(completion_id)
    kept = ctx.state.get(STORED, completion_id)
    if isinstance(kept, dict):
        return kept
    if not ctx.synthesize:
        raise not_found(completion_id)
    return synthesized_record(completion_id, seed=ctx.seed)


def synthesized_record(completion_id: str, *, seed: int) -> dict[str, Any]:
    """A stored completion for an id the server never saw, the same for the same id."""
    request = _SYNTHETIC_REQUEST
    completion = chat.complete(chat.synthesize(request, seed=seed), request)
    digest = hashlib.sha256(completion_id.encode()).hexdigest()
    completion["id"] = completion_id
    # About 2023-11 to 2025-05: a plausible creation time, fixed per id.
    completion["created"] = 1_700_000_000 + int(digest[:8], 16) % 50_000_000
    return record(completion, request, request_id="req_" + digest[:32])


def _check_order(query: dict[str, str]) -> None:
    order = query.get("order")
    if order is not None and order not in _ORDERS:
        raise APIError(
            400,
            f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
            param="order",
            code="invalid_value",
        )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/v1/chat/completions",
        body=Body.JSON,
        synthesize=create,
        remember=remember,
        remembers=remembers,
        shape=SHAPE,
    ),
    Endpoint("GET", "/v1/chat/completions", lookup=list_completions),
    Endpoint("GET", "/v1/chat/completions/{completion_id}", lookup=retrieve),
    Endpoint("POST", "/v1/chat/completions/{completion_id}", body=Body.JSON, lookup=update),
    Endpoint("DELETE", "/v1/chat/completions/{completion_id}", lookup=delete),
    Endpoint("GET", "/v1/chat/completions/{completion_id}/messages", lookup=list_messages),
)
