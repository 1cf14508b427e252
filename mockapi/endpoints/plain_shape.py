"""A :class:`~mockapi.endpoints.endpoint.Shape` for endpoints that never stream
(embeddings, moderations).

Their request schemas have no ``stream``, so a request never asks for events; the
stream methods exist so that a fixture written as a stream still answers (its first
JSON event is the body) and so that ``mockapi validate`` can check a body in both
modes. Subclasses give :meth:`PlainShape.complete`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.errors import APIError
from mockapi.model import JSON, SSEEvent


class PlainShape:
    """Completes one endpoint's bodies; its "stream" is the body as one event."""

    endpoint = "this endpoint"
    example = "{...}"

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """``body`` as written (subclasses fill in what it leaves out)."""
        return body

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        """The body as one event: the endpoint does not stream."""
        return (SSEEvent(data=body),)

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        """The first JSON event of a fixture written as a stream, taken as the body."""
        for event in events:
            if isinstance(event.data, dict):
                return event.data
        raise APIError(
            500,
            f"The {self.endpoint} fixture's events hold no JSON object; give it a 'body' "
            f"{self.example} instead ({self.endpoint} does not stream).",
            type="server_error",
        )
