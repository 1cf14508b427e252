"""Vector stores written straight into a memory state store, as the vector store routes
keep them once their files complete (:mod:`mockapi.endpoints.vector_stores.kinds`), and
contexts for the search and Responses handlers over it: search tested without the
upload and chunking path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.endpoints.vector_stores import kinds
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from tests.unit.endpoints.contexts import handler_context

RETURNS = (
    "Our return policy: items may be returned within 30 days of purchase with a receipt. "
    "Refunds go to the original payment method."
)
WARRANTY = (
    "The warranty covers manufacturing defects for two years. Batteries are covered for "
    "six months only. To file a warranty claim, contact support with your order number."
)
SHIPPING = (
    "Shipping is free on orders over 50 dollars. Express delivery takes two business days "
    "and costs 15 dollars. We ship to Canada and the United States."
)


class Stores:
    """A memory state store holding vector stores of chunked files."""

    def __init__(self) -> None:
        self.state = ObjectStore()
        self.clock = Clock(self.state, wall=lambda: 1_700_000_000.0)

    def add(
        self,
        vector_store_id: str,
        files: list[tuple[str, str, list[str], Mapping[str, Any]]],
        *,
        status: str = "completed",
    ) -> None:
        """A store with ``files``: (file id, filename, chunks, attributes) each, in order."""
        self.state.put(
            kinds.STORES,
            vector_store_id,
            {"id": vector_store_id, "object": "vector_store", "status": "completed"},
        )
        for file_id, filename, chunks, attributes in files:
            key = kinds.file_key(vector_store_id, file_id)
            record = {
                "id": file_id,
                "object": "vector_store.file",
                "vector_store_id": vector_store_id,
                "status": status,
                "attributes": dict(attributes),
            }
            self.state.put(kinds.FILES, key, record)
            self.state.put(kinds.CHUNKS, key, {"filename": filename, "chunks": chunks})

    def policies(self, vector_store_id: str = "vs_policies") -> str:
        """The three policy documents (returns, warranty, shipping) as one store."""
        self.add(
            vector_store_id,
            [
                ("file-returns", "returns.md", [RETURNS], {"topic": "returns", "year": 2023}),
                ("file-warranty", "warranty.txt", [WARRANTY], {"topic": "warranty", "year": 2024}),
                ("file-shipping", "shipping.txt", [SHIPPING], {"topic": "shipping", "year": 2025}),
            ],
        )
        return vector_store_id

    def context(
        self, endpoint: Endpoint, body: dict[str, Any], *, params: Mapping[str, str] = {}
    ) -> Context:
        """The context of a request with ``body`` to ``endpoint``."""
        request = Request(endpoint.method, endpoint.template, {}, json=body)
        return handler_context(request, endpoint, self.state, self.clock, params=params)
