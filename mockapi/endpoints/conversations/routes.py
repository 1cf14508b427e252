"""The Conversations endpoints (``/v1/conversations``), answered from the state store.

* ``POST /v1/conversations``: a new ``conversation`` (``conv_...``, ``created_at`` on the
  mock's clock, ``metadata``) holding up to 20 initial ``items`` (more is the spec's
  ``maxItems`` 400, from request validation); ``GET``, ``POST`` (``metadata`` replaced)
  and ``DELETE`` (``conversation.deleted``) on ``/v1/conversations/{id}``.
* ``/v1/conversations/{id}/items``: ``POST`` adds up to 20 items and answers them as a
  ``list``; ``GET`` lists them newest first unless ``order=asc``, 20 a page (``limit``
  1..100, ``after`` an item id), ``first_id``/``last_id``/``has_more``; ``GET`` and
  ``DELETE`` ``.../items/{item_id}`` retrieve an item and delete one (answering the
  conversation, as the API does). ``include`` shows what the items keep back
  (:func:`~mockapi.endpoints.conversations.items.shown`).

Every route is a lookup: whatever ``on_miss`` says, a conversation is created and read
back from what was stored (a fixture that matches still answers first). An unknown
conversation or item is the API's 404 in every mode (see
:mod:`~mockapi.endpoints.conversations.stored`). ``responses.create(conversation=...)``
reads and extends the same conversations: :mod:`mockapi.endpoints.responses.conversation`.
"""

from __future__ import annotations

from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.conversations import stored
from mockapi.endpoints.conversations.items import include_of, shown
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

MAX_LIST_LIMIT = 100


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/conversations``: the conversation, its initial items stored."""
    items = [i for i in ctx.body.get("items") or [] if isinstance(i, dict)]
    metadata = ctx.body.get("metadata")
    made = stored.create(ctx, items, metadata if isinstance(metadata, dict) else None)
    return FixtureResponse(body=made)


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find(ctx, ctx.params["conversation_id"]))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/conversations/{id}``: its ``metadata`` replaced."""
    metadata = ctx.body.get("metadata")
    changed = stored.update(
        ctx, ctx.params["conversation_id"], metadata if isinstance(metadata, dict) else {}
    )
    return FixtureResponse(body=changed)


def delete(ctx: Context) -> FixtureResponse:
    conversation_id = ctx.params["conversation_id"]
    stored.remove(ctx, conversation_id)
    answer = {"id": conversation_id, "object": "conversation.deleted", "deleted": True}
    return FixtureResponse(body=answer)


# -- items ------------------------------------------------------------------------------


def create_items(ctx: Context) -> FixtureResponse:
    """``POST .../items``: the items added, as a ``list`` (oldest first).

    An empty ``items`` is refused with the API's wording for an empty array (assumed:
    the spec sets no minimum, but the answer's ``first_id`` cannot be null)."""
    conversation_id = ctx.params["conversation_id"]
    stored.find(ctx, conversation_id)
    given = [i for i in ctx.body.get("items") or [] if isinstance(i, dict)]
    if not given:
        raise errors.empty_array("items")
    include = include_of(ctx.request.query)
    added = [shown(i, include) for i in stored.add_input(ctx, conversation_id, given)]
    return FixtureResponse(body=objects.whole_list(added))


def list_items(ctx: Context) -> FixtureResponse:
    """``GET .../items``: a page of the conversation's items, newest first by default."""
    conversation_id = ctx.params["conversation_id"]
    stored.find(ctx, conversation_id)
    after = dict(ctx.request.query).get("after")
    if after and not stored.holds(ctx.state, conversation_id, after):
        empty: dict[str, Any] = {"object": "list", "data": [], "has_more": False}
        return FixtureResponse(body={**empty, "first_id": None, "last_id": None})
    page = objects.list_page(
        ctx,
        stored.ITEMS,
        where={"conversation_id": conversation_id},
        max_limit=MAX_LIST_LIMIT,
    )
    include = include_of(ctx.request.query)
    page["data"] = [shown(record["item"], include) for record in page["data"]]
    return FixtureResponse(body=page)


def retrieve_item(ctx: Context) -> FixtureResponse:
    item = stored.find_item(ctx, ctx.params["conversation_id"], ctx.params["item_id"])
    return FixtureResponse(body=shown(item, include_of(ctx.request.query)))


def delete_item(ctx: Context) -> FixtureResponse:
    """``DELETE .../items/{item_id}``: the item removed; answers the conversation."""
    conversation = stored.remove_item(ctx, ctx.params["conversation_id"], ctx.params["item_id"])
    return FixtureResponse(body=conversation)


_ONE = "/v1/conversations/{conversation_id}"
_ITEMS = _ONE + "/items"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/conversations", body=Body.JSON, lookup=create),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint("POST", _ITEMS, body=Body.JSON, lookup=create_items),
    Endpoint("GET", _ITEMS, lookup=list_items),
    Endpoint("GET", _ITEMS + "/{item_id}", lookup=retrieve_item),
    Endpoint("DELETE", _ITEMS + "/{item_id}", lookup=delete_item),
)
