"""What every family of server-created objects shares: ids, lists, 404s, polling.

Files, uploads and batches (and later fine-tuning jobs, vector stores, ...) keep their
objects in the state store (``ctx.state``) under a kind of their own. This module is
what they do alike:

* :func:`new_id`: an id with the real prefix (``file-``, ``batch_``, ``upload_``,
  ``part_``, ``batch_req_``), deterministic under ``--seed``: the n-th id of a prefix
  is the same on every run with the same seed (the counter lives in the state store,
  so workers never hand out the same one and a reset starts it again);
* :func:`list_page`: a ``GET`` list as the API pages it (``after``, ``before``,
  ``limit``, ``order``; ``first_id``, ``last_id``, ``has_more``), filtered on top-level
  fields (:func:`list_items`: the same over objects a family selected itself);
* :func:`not_found`: the API's 404 for an id it never issued (or has deleted);
* :func:`poll_after`: the ``openai-poll-after-ms`` header an unfinished job's
  retrieve carries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.store import Order, Page, StateStore, page_of
from mockapi.wire.ids import base62 as base62

COUNTERS = "counters"
"""The state store kind holding each prefix's last number."""
_BASE62_PREFIXES = {
    **{"file-": 24, "ftjob-": 24, "cp_": 24},
    **{"asst_": 24, "thread_": 24, "msg_": 24, "run_": 24, "step_": 24},
}
"""Prefixes whose ids are base62 letters and digits (``file-``, ``ftjob-``, ``cp_`` and
the Assistants API's ``asst_``, ``thread_``, ``msg_``, ``run_``, ``step_``, 24 of them,
as the API issues them); every other prefix takes 32 hex digits
(``batch_67d2...``) unless :data:`_HEX_LENGTHS` says otherwise."""
_HEX_LENGTHS = {"cntr_": 48, "skill_": 48, "skillver_": 48, "video_": 48}
"""Prefixes whose ids take another number of hex digits (``cntr_``, ``skill_`` and
``video_``: 48, as issued; ``skillver_`` assumed alike)."""


def next_number(state: StateStore, name: str) -> int:
    """The next number of the counter ``name`` (1, 2, ...), atomically across workers."""
    return int(state.update(COUNTERS, name, lambda n: int(n) + 1, start=0) or 0)


def new_id(ctx: Context, prefix: str) -> str:
    """A fresh id with ``prefix``: the n-th of its prefix under the server's seed."""
    return id_for(ctx.state, ctx.seed, prefix)


def id_for(state: StateStore, seed: int, prefix: str) -> str:
    """:func:`new_id` outside a request (a test control putting objects in place)."""
    number = next_number(state, prefix)
    digest = hashlib.sha256(f"{seed}:{prefix}:{number}".encode()).digest()
    length = _BASE62_PREFIXES.get(prefix)
    if length is None:
        return prefix + digest.hex()[: _HEX_LENGTHS.get(prefix, 32)]
    return prefix + base62(digest, length)


def list_page(
    ctx: Context,
    kind: str,
    *,
    where: Mapping[str, str] | None = None,
    default_limit: int = 20,
    max_limit: int = 100,
    default_order: Order = "desc",
) -> dict[str, Any]:
    """The ``list`` object of ``kind`` for the request's ``after``, ``before``, ``limit``
    and ``order`` (validated against the spec before this runs), newest first by default.

    A ``limit`` outside 1..``max_limit`` is the API's 400 naming it.
    """
    query = _page_query(ctx, default_limit, max_limit, default_order)
    return _list_of(ctx.state.page(kind, where=where, **query))


def list_items(
    ctx: Context,
    items: Sequence[Any],
    *,
    default_limit: int = 20,
    max_limit: int = 100,
    default_order: Order = "desc",
) -> dict[str, Any]:
    """:func:`list_page` over ``items`` (objects with an ``id``, oldest first) that a
    family selected itself (a vector store batch's files)."""
    query = _page_query(ctx, default_limit, max_limit, default_order)
    return _list_of(page_of(items, **query))


def _page_query(
    ctx: Context, default_limit: int, max_limit: int, default_order: Order
) -> dict[str, Any]:
    """The request's paging options as :meth:`StateStore.page` takes them."""
    query = dict(ctx.request.query)
    limit = default_limit
    if "limit" in query:
        try:
            limit = int(query["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= max_limit:
            raise APIError(
                400,
                f"Invalid 'limit': integer must be between 1 and {max_limit}, "
                f"got {query['limit']!r}. Pass a smaller page size and follow 'after'.",
                param="limit",
                code="integer_out_of_range",
            )
    order_text = query.get("order", default_order)
    if order_text not in ("asc", "desc"):
        raise APIError(
            400,
            f"Invalid value: '{order_text}'. Supported values are: 'asc' and 'desc'.",
            param="order",
            code="invalid_value",
        )
    order: Order = "asc" if order_text == "asc" else "desc"
    after, before = query.get("after") or None, query.get("before") or None
    return {"order": order, "after": after, "before": before, "limit": limit}


def whole_list(items: Sequence[Any]) -> dict[str, Any]:
    """The ``list`` object of all of ``items`` (objects with an ``id``) as one page: what
    a create of several objects answers."""
    return _list_of(Page(list(items), False))


def _list_of(page: Page) -> dict[str, Any]:
    return {
        "object": "list",
        "data": page.data,
        "first_id": page.data[0].get("id") if page.data else None,
        "last_id": page.data[-1].get("id") if page.data else None,
        "has_more": page.has_more,
    }


def not_found(noun: str, object_id: str, *, param: str | None = "id") -> APIError:
    """The API's 404 for an id it never issued: ``No such File object: file-abc``."""
    return APIError(404, f"No such {noun} object: {object_id}", param=param)


def poll_after(ctx: Context) -> dict[str, str]:
    """The header an unfinished job's answer carries, so SDK pollers ask again soon."""
    return {"openai-poll-after-ms": str(ctx.settings.poll_after_ms)}
