"""The OpenAI endpoints mockapi knows: every family's rows, and the router over them.

Each endpoint family declares its rows (:class:`~mockapi.endpoints.endpoint.Endpoint`) in its
synthesis module as ``ENDPOINTS``; this module only collects them. Azure OpenAI's
URL shape is mapped onto the same rows by :mod:`mockapi.wire.azure` before routing.
"""

from __future__ import annotations

import re

from mockapi.endpoints import decisions, embeddings, models, moderations, provenance, safety
from mockapi.endpoints.admin import routes as admin
from mockapi.endpoints.agents import routes as agents
from mockapi.endpoints.assistants import routes as assistants
from mockapi.endpoints.audio import routes as audio
from mockapi.endpoints.batches import routes as batches
from mockapi.endpoints.chat import routes as chat_store
from mockapi.endpoints.chatkit import routes as chatkit
from mockapi.endpoints.completions import routes as completions
from mockapi.endpoints.containers import routes as containers
from mockapi.endpoints.conversations import routes as conversations
from mockapi.endpoints.endpoint import Body, Endpoint
from mockapi.endpoints.evals import evals
from mockapi.endpoints.evals import runs as eval_runs
from mockapi.endpoints.files import routes as files
from mockapi.endpoints.files import uploads
from mockapi.endpoints.fine_tuning import graders as fine_tuning_graders
from mockapi.endpoints.fine_tuning import permissions as checkpoint_permissions
from mockapi.endpoints.fine_tuning import routes as fine_tuning
from mockapi.endpoints.images import routes as images
from mockapi.endpoints.realtime import live
from mockapi.endpoints.realtime import routes as realtime
from mockapi.endpoints.responses import routes as responses
from mockapi.endpoints.skills import routes as skills
from mockapi.endpoints.vector_stores import routes as vector_stores
from mockapi.endpoints.vector_stores import search as vector_store_search
from mockapi.endpoints.videos import routes as videos
from mockapi.endpoints.webhook_endpoints import routes as webhook_endpoints

__all__ = ["ENDPOINTS", "Body", "Endpoint", "Router"]

ENDPOINTS: tuple[Endpoint, ...] = (
    *chat_store.ENDPOINTS,
    *models.ENDPOINTS,
    *embeddings.ENDPOINTS,
    *completions.ENDPOINTS,
    *moderations.ENDPOINTS,
    *responses.ENDPOINTS,
    *audio.ENDPOINTS,
    *images.ENDPOINTS,
    *files.ENDPOINTS,
    *batches.ENDPOINTS,
    *uploads.ENDPOINTS,
    *containers.ENDPOINTS,
    *conversations.ENDPOINTS,
    *vector_stores.ENDPOINTS,
    *vector_store_search.ENDPOINTS,
    *videos.ENDPOINTS,
    *fine_tuning.ENDPOINTS,
    *checkpoint_permissions.ENDPOINTS,
    *fine_tuning_graders.ENDPOINTS,
    *evals.ENDPOINTS,
    *eval_runs.ENDPOINTS,
    *admin.ENDPOINTS,
    *assistants.ENDPOINTS,
    *skills.ENDPOINTS,
    *realtime.ENDPOINTS,
    *live.ENDPOINTS,
    *chatkit.ENDPOINTS,
    *provenance.ENDPOINTS,
    *decisions.ENDPOINTS,
    *safety.ENDPOINTS,
    *webhook_endpoints.ENDPOINTS,
    *agents.ENDPOINTS,
)


class Router:
    """Finds the endpoint for a method and path; compiled once at start-up.

    A literal segment beats a parameter: ``POST /v1/responses/compact`` is the compact
    endpoint, not ``POST /v1/responses/{response_id}``-anything.
    """

    def __init__(self, endpoints: tuple[Endpoint, ...] = ENDPOINTS) -> None:
        ranked = sorted(endpoints, key=lambda e: e.template.count("{"))
        self._compiled: list[tuple[Endpoint, re.Pattern[str]]] = [
            (endpoint, endpoint.pattern) for endpoint in ranked
        ]
        self._patterns = {endpoint.key: pattern for endpoint, pattern in self._compiled}
        # The paths without parameters (most requests: /v1/chat/completions) are resolved
        # once here, for every method, so a request to one costs a dict lookup.
        self._literal: dict[str, tuple[dict[str, Endpoint], list[str]]] = {}
        for endpoint in ranked:
            if "{" not in endpoint.template and endpoint.template not in self._literal:
                path = endpoint.template
                allowed = self._scan("", path)[1]
                by_method = {m: e for m in allowed if (e := self._scan(m, path)[0]) is not None}
                self._literal[path] = (by_method, allowed)

    def resolve(self, method: str, path: str) -> tuple[Endpoint | None, list[str]]:
        """The endpoint for ``method`` and ``path`` (or None), and the methods the path allows."""
        literal = self._literal.get(path)
        if literal is not None:
            return literal[0].get(method), list(literal[1])
        return self._scan(method, path)

    def _scan(self, method: str, path: str) -> tuple[Endpoint | None, list[str]]:
        allowed: list[str] = []
        found = None
        for endpoint, pattern in self._compiled:
            if pattern.match(path):
                if endpoint.method not in allowed:
                    allowed.append(endpoint.method)
                if endpoint.method == method and found is None:
                    found = endpoint
        return found, allowed

    def params(self, endpoint: Endpoint, path: str) -> dict[str, str]:
        """The path parameters of ``path`` for ``endpoint``."""
        # The pattern compiled at start-up: Endpoint.pattern builds it anew each time.
        pattern = self._patterns.get(endpoint.key) or endpoint.pattern
        match = pattern.match(path)
        return match.groupdict() if match else {}
