"""Reusable agents (``OpenAI-Beta: agents=v1``), answered from the state store:
``POST /v1/agents`` (create), ``GET /v1/agents`` (newest first, 20 a page, at most 100),
``GET``, ``POST`` (update: the settings given replace those kept; ``null`` resets one,
``metadata`` null or ``{}`` clears it) and ``DELETE /v1/agents/{agent_id}``.

An agent is kept resolved, every default written out (see
:mod:`~mockapi.endpoints.agents.stored`); ``updated_at`` moves on every update. Deleting
an agent leaves the sessions made from it, which hold their own copy of its settings.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import stored
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

_ORDER = (
    "id", "object", "created_at", "updated_at", "name", "model", "instructions", "metadata",
    "tools", "reasoning", "text", "service_tier", "multi_agent", "compaction", "experimental",
)  # fmt: skip


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in _ORDER}


def create(ctx: Context) -> FixtureResponse:
    settings = stored.resolve(ctx.body)
    stored.check_settings(settings)
    now = ctx.clock.seconds()
    record = {
        "id": objects.new_id(ctx, "agent_"),
        "object": "agent",
        "created_at": now,
        "updated_at": now,
        "metadata": stored.check_metadata(ctx.body.get("metadata")),
        **settings,
    }
    ctx.state.put(stored.AGENTS, record["id"], _shown(record))
    return FixtureResponse(body=_shown(record))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find_agent(ctx, ctx.params["agent_id"]))


def update(ctx: Context) -> FixtureResponse:
    kept = stored.find_agent(ctx, ctx.params["agent_id"])
    settings = stored.resolve(ctx.body, kept)
    stored.check_settings(settings)
    record = {**kept, **settings, "updated_at": ctx.clock.seconds()}
    if "metadata" in ctx.body:
        record["metadata"] = stored.check_metadata(ctx.body["metadata"])
    ctx.state.put(stored.AGENTS, record["id"], _shown(record))
    return FixtureResponse(body=_shown(record))


def list_agents(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=objects.list_page(ctx, stored.AGENTS))


def delete(ctx: Context) -> FixtureResponse:
    agent_id = ctx.params["agent_id"]
    stored.find_agent(ctx, agent_id)
    ctx.state.delete(stored.AGENTS, agent_id)
    return FixtureResponse(body={"id": agent_id, "object": "agent.deleted", "deleted": True})


_ONE = "/v1/agents/{agent_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/agents", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/agents", lookup=list_agents),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
)
