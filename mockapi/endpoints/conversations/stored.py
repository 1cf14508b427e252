"""Conversations and their items as the state store keeps them.

A conversation is a ``conversation`` object (kind :data:`KIND`, by id: ``id``,
``object``, ``created_at`` on the mock's clock, ``metadata``); each of its items is kept
under its own id (kind :data:`ITEMS`) as ``{"id", "conversation_id", "item"}``, so a
conversation's items list in the order they were added, page by ``after`` like every
list, and are found by id. Neither kind is evicted: a conversation must not lose its
beginning while a client goes on talking in it.

This is the part :mod:`~mockapi.endpoints.conversations.routes` and
:mod:`mockapi.endpoints.responses.conversation` (``responses.create(conversation=...)``)
share. Errors are the API's: a conversation id that does not begin with ``conv`` is a
400, an unknown one (never issued, or deleted) ``Conversation with id '...' not
found.``, an unknown item ``Item with id '...' not found in conversation.`` (both 404,
no param, no code, as live probes of the API recorded them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.conversations.items import from_input, prefix_of
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.store import StateStore

KIND = "conversations"
"""The state store kind of ``conversation`` objects."""
ITEMS = "conversation_items"
"""The state store kind of conversation items (``{"id", "conversation_id", "item"}``)."""
PREFIX = "conv_"


def not_found(conversation_id: str) -> APIError:
    """The API's 404 for a conversation it does not know."""
    return APIError(404, f"Conversation with id '{conversation_id}' not found.")


def item_not_found(item_id: str) -> APIError:
    """The API's 404 for an item the conversation does not hold."""
    return APIError(404, f"Item with id '{item_id}' not found in conversation.")


def check_id(conversation_id: str, param: str) -> None:
    """The API's 400 for a value that cannot be a conversation id (``param`` names it:
    ``conversation`` in a response request, ``conversation_id`` in a path)."""
    if not conversation_id.startswith("conv"):
        raise APIError(
            400,
            f"Invalid '{param}': '{conversation_id}'. Expected an ID that begins with 'conv'.",
            param=param,
            code="invalid_value",
        )


def create(
    ctx: Context, items: Sequence[Mapping[str, Any]], metadata: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A new conversation holding ``items`` (input items, in order)."""
    conversation_id = objects.new_id(ctx, PREFIX)
    conversation = {
        "id": conversation_id,
        "object": "conversation",
        "created_at": ctx.clock.seconds(),
        "metadata": dict(metadata or {}),
    }
    ctx.state.put(KIND, conversation_id, conversation)
    add_input(ctx, conversation_id, items)
    return conversation


def get(state: StateStore, conversation_id: str) -> dict[str, Any] | None:
    """The conversation, or None (never raises)."""
    found = state.get(KIND, conversation_id)
    return found if isinstance(found, dict) else None


def find(ctx: Context, conversation_id: str, *, param: str = "conversation_id") -> dict[str, Any]:
    """The conversation, or the API's 400 (not an id) or 404 (unknown)."""
    check_id(conversation_id, param)
    found = get(ctx.state, conversation_id)
    if found is None:
        raise not_found(conversation_id)
    return found


def update(ctx: Context, conversation_id: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The conversation with ``metadata`` in place of its own (the API replaces it)."""
    find(ctx, conversation_id)

    def change(current: Any) -> Any:
        return {**current, "metadata": dict(metadata)}

    updated = ctx.state.update(KIND, conversation_id, change)
    if updated is None:  # deleted meanwhile
        raise not_found(conversation_id)
    return dict(updated)


def remove(ctx: Context, conversation_id: str) -> None:
    """Forget the conversation and its items.

    The API says a deleted conversation's items are not deleted, but nothing reaches
    them once their conversation is gone (every item route is under it), so the mock
    lets them go rather than keep them forever in a kind that is never evicted.
    """
    find(ctx, conversation_id)
    ctx.state.delete(KIND, conversation_id)
    for record in ctx.state.values(ITEMS):
        if isinstance(record, dict) and record.get("conversation_id") == conversation_id:
            ctx.state.delete(ITEMS, str(record["id"]))


# -- items ------------------------------------------------------------------------------


def add_input(
    ctx: Context, conversation_id: str, items: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Add input items (new ids for those without one) in order; the stored items."""
    kept = []
    for item in items:
        given = item.get("id")
        item_id = (
            given if isinstance(given, str) and given else objects.new_id(ctx, prefix_of(item))
        )
        kept.append(from_input({**item, "id": item_id}))
    return append(ctx, conversation_id, kept)


def append(
    ctx: Context, conversation_id: str, items: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Add items already in their stored form (each with an ``id``), in order.

    An item whose id the store already holds (an output item sent back as input, in a
    conversation that has it already) is added as a copy under a new id, so that no
    conversation loses an item to another.
    """
    added = []
    for item in items:
        kept = dict(item)
        if ctx.state.get(ITEMS, str(kept.get("id"))) is not None or not kept.get("id"):
            kept["id"] = objects.new_id(ctx, prefix_of(kept))
        record = {"id": kept["id"], "conversation_id": conversation_id, "item": kept}
        ctx.state.put(ITEMS, kept["id"], record)
        added.append(kept)
    return added


def items_of(state: StateStore, conversation_id: str) -> list[dict[str, Any]]:
    """Every item of the conversation, oldest first."""
    page = state.page(ITEMS, order="asc", limit=2**31, where={"conversation_id": conversation_id})
    return [record["item"] for record in page.data if isinstance(record, dict)]


def find_item(ctx: Context, conversation_id: str, item_id: str) -> dict[str, Any]:
    """The conversation's item ``item_id`` (404 for an unknown conversation or item)."""
    find(ctx, conversation_id)
    record = ctx.state.get(ITEMS, item_id)
    if not isinstance(record, dict) or record.get("conversation_id") != conversation_id:
        raise item_not_found(item_id)
    return dict(record["item"])


def remove_item(ctx: Context, conversation_id: str, item_id: str) -> dict[str, Any]:
    """Delete the conversation's item ``item_id``; the conversation."""
    find_item(ctx, conversation_id, item_id)
    ctx.state.delete(ITEMS, item_id)
    return find(ctx, conversation_id)


def holds(state: StateStore, conversation_id: str, item_id: str) -> bool:
    """Whether ``item_id`` is an item of the conversation (a valid ``after`` cursor)."""
    record = state.get(ITEMS, item_id)
    return isinstance(record, dict) and record.get("conversation_id") == conversation_id
