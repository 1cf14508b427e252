"""Reusable agents: ``/v1/agents`` create, list, retrieve, update, delete."""

from __future__ import annotations

from mockapi.endpoints.endpoint import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
