"""The Responses API: ``/v1/responses`` and its sub-resources.

Placeholder rows answered from the response schema (:mod:`~mockapi.synthesis.generic`)
until the family's own synthesis lands.
"""

from __future__ import annotations

from mockapi.endpoint import Body, Endpoint
from mockapi.synthesis.generic import from_schema

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/responses", body=Body.JSON, synthesize=from_schema),
    Endpoint("GET", "/v1/responses/{response_id}", synthesize=from_schema),
    Endpoint("DELETE", "/v1/responses/{response_id}", synthesize=from_schema),
    Endpoint("POST", "/v1/responses/{response_id}/cancel", synthesize=from_schema),
    Endpoint("GET", "/v1/responses/{response_id}/input_items", synthesize=from_schema),
    Endpoint("POST", "/v1/responses/input_tokens", body=Body.JSON, synthesize=from_schema),
    Endpoint("POST", "/v1/responses/compact", body=Body.JSON, synthesize=from_schema),
)
