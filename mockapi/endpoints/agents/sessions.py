"""Agent sessions: ``/v1/agents/sessions`` and everything under a session."""

from __future__ import annotations

from mockapi.endpoints.endpoint import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
