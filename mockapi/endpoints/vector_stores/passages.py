"""What search answers with: the chunks of a vector store's completed files, as passages.

This is the contract between search (``vector_stores.search``: :mod:`.search` over
:mod:`.index`) and those who show its hits (the search page, the Responses and
Assistants ``file_search`` tools).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.vector_stores import records


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
