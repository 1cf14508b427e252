"""Embeddings: ``POST /v1/embeddings``.

Placeholder rows answered from the response schema (:mod:`~mockapi.synthesis.generic`)
until the family's own synthesis lands.
"""

from __future__ import annotations

from mockapi.endpoint import Body, Endpoint
from mockapi.synthesis.generic import from_schema

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/embeddings", body=Body.JSON, synthesize=from_schema),
)
