"""Images: generations, edits and variations.

Placeholder rows answered from the response schema (:mod:`~mockapi.synthesis.generic`)
until the family's own synthesis lands.
"""

from __future__ import annotations

from mockapi.endpoint import Body, Endpoint
from mockapi.synthesis.generic import from_schema

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/images/generations", body=Body.JSON, synthesize=from_schema),
    Endpoint("POST", "/v1/images/edits", body=Body.EITHER, synthesize=from_schema),
    Endpoint("POST", "/v1/images/variations", body=Body.FORM, synthesize=from_schema),
)
