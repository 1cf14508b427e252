"""The OpenAI endpoints mockapi knows: path patterns, methods and how they are answered."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockapi.render import Kind


@dataclass(frozen=True)
class Endpoint:
    """A known endpoint. ``key`` names its schemas (``"POST /v1/chat/completions"``)."""

    method: str
    template: str
    kind: Kind
    has_body: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(self.template)) + "$")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/chat/completions", Kind.CHAT, has_body=True),
    Endpoint("GET", "/v1/models", Kind.OTHER, has_body=False),
    Endpoint("GET", "/v1/models/{model}", Kind.OTHER, has_body=False),
)


class Router:
    """Finds the endpoint for a method and path; compiled once at start-up."""

    def __init__(self, endpoints: tuple[Endpoint, ...] = ENDPOINTS) -> None:
        self._compiled = [(endpoint, endpoint.pattern) for endpoint in endpoints]

    def resolve(self, method: str, path: str) -> tuple[Endpoint | None, list[str]]:
        """The endpoint for ``method`` and ``path`` (or None), and the methods the path allows."""
        allowed: list[str] = []
        found = None
        for endpoint, pattern in self._compiled:
            if pattern.match(path):
                allowed.append(endpoint.method)
                if endpoint.method == method:
                    found = endpoint
        return found, allowed
