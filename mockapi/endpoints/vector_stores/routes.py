"""Every vector store endpoint but search (:mod:`.search` has its own): the stores
(:mod:`.stores`), their files (:mod:`.file_routes`) and file batches (:mod:`.batches`)."""

from __future__ import annotations

from mockapi.endpoints.endpoint import Endpoint
from mockapi.endpoints.vector_stores import batches, file_routes, stores

ENDPOINTS: tuple[Endpoint, ...] = (
    *stores.ENDPOINTS,
    *file_routes.ENDPOINTS,
    *batches.ENDPOINTS,
)
