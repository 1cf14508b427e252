"""Audio: speech, transcriptions, translations, voices and voice consents.

Placeholder rows answered from the response schema (:mod:`~mockapi.synthesis.generic`)
until the family's own synthesis lands.
"""

from __future__ import annotations

from mockapi.endpoint import Body, Endpoint
from mockapi.synthesis.generic import from_schema

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/audio/speech", body=Body.JSON, synthesize=from_schema),
    Endpoint("POST", "/v1/audio/transcriptions", body=Body.FORM, synthesize=from_schema),
    Endpoint("POST", "/v1/audio/translations", body=Body.FORM, synthesize=from_schema),
    Endpoint("POST", "/v1/audio/voice_consents", body=Body.FORM, synthesize=from_schema),
    Endpoint("GET", "/v1/audio/voice_consents", synthesize=from_schema),
    Endpoint("GET", "/v1/audio/voice_consents/{consent_id}", synthesize=from_schema),
    Endpoint(
        "POST", "/v1/audio/voice_consents/{consent_id}", body=Body.JSON, synthesize=from_schema
    ),
    Endpoint("DELETE", "/v1/audio/voice_consents/{consent_id}", synthesize=from_schema),
    Endpoint("POST", "/v1/audio/voices", body=Body.FORM, synthesize=from_schema),
)
