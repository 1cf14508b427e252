"""Chat Completions' endpoints, and the stored completions of ``store: true`` requests.

``POST /v1/chat/completions`` is synthesized by :mod:`mockapi.synthesis.chat`. The
stored-completion routes (list, retrieve, update metadata, delete, list messages) are
answered from the response schema until their own synthesis lands.
"""

from __future__ import annotations

from mockapi.endpoint import Body, Context, Endpoint, Kind
from mockapi.fixture import FixtureResponse
from mockapi.synthesis import chat
from mockapi.synthesis.generic import from_schema


def create(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=chat.synthesize(ctx.body, seed=ctx.seed))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/chat/completions", Kind.CHAT, Body.JSON, synthesize=create),
    Endpoint("GET", "/v1/chat/completions", synthesize=from_schema),
    Endpoint("GET", "/v1/chat/completions/{completion_id}", synthesize=from_schema),
    Endpoint(
        "POST", "/v1/chat/completions/{completion_id}", body=Body.JSON, synthesize=from_schema
    ),
    Endpoint("DELETE", "/v1/chat/completions/{completion_id}", synthesize=from_schema),
    Endpoint("GET", "/v1/chat/completions/{completion_id}/messages", synthesize=from_schema),
)
