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
from mockapi.endpoints.vector_stores import kinds, records


@dataclass(frozen=True)
class Passage:
    """One chunk of one completed file of a vector store."""

    file_id: str
    filename: str
    attributes: Mapping[str, str | float | bool]
    text: str
    index: int
    """The chunk's position in its file (0 first)."""


def find_vector_store(ctx: Context, vector_store_id: str) -> dict[str, Any]:
    """The stored ``vector_store`` object (its ``status`` ``expired`` once its time has
    come on the mock's clock: the API still retrieves it), or the API's 404 naming
    ``vector_store_id``: ``No vector store found with id 'vs_...'.``"""
    return records.find(ctx, vector_store_id)


def passages(ctx: Context, vector_store_id: str) -> list[Passage]:
    """Every chunk of every completed file of the vector store, in file order then chunk
    order; the API's 404 for a vector store the server does not have (or has expired).

    Reading the passages is a search: it marks the store active (``last_active_at``,
    which moves its ``expires_at``)."""
    records.usable(ctx, vector_store_id)
    records.touch(ctx, vector_store_id)
    found: list[Passage] = []
    for record in records.files_of(ctx, vector_store_id):
        if record.get("status") != "completed":
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
