"""What search reads: the chunks of a vector store's completed files, as passages.

This is the contract between the vector store routes (which store the chunks of each
file once, when it completes) and search (``vector_stores.search`` and the Responses
``file_search`` tool), which ranks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.vector_stores import kinds
from mockapi.errors import APIError


@dataclass(frozen=True)
class Passage:
    """One chunk of one completed file of a vector store."""

    file_id: str
    filename: str
    attributes: Mapping[str, str | float | bool]
    text: str
    index: int
    """The chunk's position in its file (0 first)."""


def not_found(vector_store_id: str) -> APIError:
    """The API's 404 for a vector store it never issued (or has deleted)."""
    return APIError(
        404, f"No vector store found with id '{vector_store_id}'.", param="vector_store_id"
    )


def find_vector_store(ctx: Context, vector_store_id: str) -> dict[str, Any]:
    """The stored ``vector_store`` object, or the API's 404 naming ``vector_store_id``.

    An expired store is found (its status says ``expired``: the API still retrieves it);
    :func:`passages` refuses to search one."""
    found = ctx.state.get(kinds.STORES, vector_store_id)
    if not isinstance(found, dict):
        raise not_found(vector_store_id)
    return found


def passages(ctx: Context, vector_store_id: str) -> list[Passage]:
    """Every chunk of every completed file of the vector store, in file order then chunk
    order; the API's 404 for a vector store the server does not have (or has expired:
    the mock's 404 names that, where the API answers 400 ``Vector store ... has expired``,
    assumed from clients that match on that text)."""
    store = find_vector_store(ctx, vector_store_id)
    if store.get("status") == "expired" or _due(ctx, store):
        raise APIError(
            404,
            f"Vector store '{vector_store_id}' has expired. Create a new vector store "
            "(or set a longer 'expires_after') and attach the files again.",
            param="vector_store_id",
        )
    found: list[Passage] = []
    for record in ctx.state.page(
        kinds.FILES, order="asc", limit=1 << 30, where={"vector_store_id": vector_store_id}
    ).data:
        if not isinstance(record, dict) or record.get("status") != "completed":
            continue
        file_id = str(record.get("id"))
        kept = ctx.state.get(kinds.CHUNKS, kinds.file_key(vector_store_id, file_id))
        if not isinstance(kept, dict):
            continue
        attributes = record.get("attributes") or {}
        filename = str(kept.get("filename") or file_id)
        for index, text in enumerate(kept.get("chunks") or ()):
            found.append(Passage(file_id, filename, dict(attributes), str(text), index))
    return found


def _due(ctx: Context, store: Mapping[str, Any]) -> bool:
    """Whether the store's ``expires_at`` has come on the mock's clock."""
    expires_at = store.get("expires_at")
    return isinstance(expires_at, (int, float)) and expires_at <= ctx.clock.now()
