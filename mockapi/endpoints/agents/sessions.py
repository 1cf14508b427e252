"""Agent sessions (``OpenAI-Beta: agents=v1``), answered from the state store:

* ``POST /v1/agents/sessions``: a session of a reusable agent (``agent_id``, with the
  ``agent`` settings given overriding its own) or of an inline ``agent``; with ``input``
  its first turn is taken at once (:mod:`~mockapi.endpoints.agents.turns`); with
  ``stream: true`` the answer is the event stream, ``agent.session.created`` first;
* ``GET``, ``POST`` (update: the session's agent settings, metadata, spend control,
  vaults, review, prompt cache options) and ``DELETE /v1/agents/sessions/{id}``;
  ``GET /v1/agents/sessions`` (newest first; ``agent_id`` and ``metadata`` filter);
* ``POST .../events`` (202, no body): input messages, tool results, cancellation;
  ``GET .../events``: the live event stream (:mod:`~mockapi.endpoints.agents.events`).

Assumed: a request without ``agent_id`` needs ``agent.model`` (the 400 names
``agent.model``), an inline agent's session shows a fresh ``agent_`` id, ``spend_control``
reports ``consumed: 0`` (the mock spends nothing), and a session answered right after its
input already shows the turn's outcome (the mock takes turns at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import events, stored, turns
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import LiveEvents


def _messages(given: Any) -> list[dict[str, Any]]:
    """``input`` as user messages (a string is one ``input_text`` message)."""
    if isinstance(given, str):
        return [{"role": "user", "content": [{"type": "input_text", "text": given}]}]
    return [dict(message) for message in given or ()]


def _settings(ctx: Context, body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    overrides = body.get("agent") or {}
    agent_id = body.get("agent_id")
    if agent_id:
        kept = stored.find_agent(ctx, str(agent_id))
        settings = stored.resolve(overrides, kept)
        settings["name"] = kept.get("name")
        return str(agent_id), settings
    if not overrides.get("model"):
        raise APIError(
            400,
            "Missing required parameter: 'agent.model'. Pass agent_id, or an agent with a model.",
            param="agent.model",
            code="missing_required_parameter",
        )
    return objects.new_id(ctx, "agent_"), stored.resolve(overrides)


def create(ctx: Context) -> FixtureResponse:
    body = ctx.body
    agent_id, settings = _settings(ctx, body)
    stored.check_settings(settings, param="agent.")
    env = dict(body.get("environment") or {})
    messages = _messages(body.get("input"))
    needs_input = env.get("type") == "none" or (
        body.get("stream") is True and env.get("type") != "self_hosted"
    )
    if needs_input and not messages:
        raise APIError(
            400,
            "Missing required parameter: 'input'. A session without an environment, or a "
            "streamed one, starts with input.",
            param="input",
            code="missing_required_parameter",
        )
    now = ctx.clock.seconds()
    spend = body.get("spend_control") or {}
    session: dict[str, Any] = {
        "id": objects.new_id(ctx, "sess_"),
        "object": "agent.session",
        "agent": stored.session_agent(agent_id, settings),
        "created_at": now,
        "environment": stored.environment(ctx, env),
        "error": None,
        "last_active_at": now,
        "metadata": stored.check_metadata(body.get("metadata")),
        "required_actions": [],
        "spend_control": {"limit": spend.get("limit"), "consumed": 0},
        "status": "idle",
        "usage": None,
        "vault_ids": list(body.get("vault_ids") or []),
        "prompt_cache_options": body.get("prompt_cache_options"),
    }
    if body.get("review") not in (None, "none"):
        session["review"] = body["review"]
    ctx.state.put(stored.SESSIONS, session["id"], session)
    log = events.Log(ctx, session["id"])
    log.add("agent.session.created", session=session)
    if messages:
        session = turns.start(ctx, session, messages, log)
    log.publish()
    if body.get("stream") is True:
        return FixtureResponse(events=tuple(events.as_sse(e) for e in log.events))
    return FixtureResponse(body=session)


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find_session(ctx, ctx.params["session_id"]))


def update(ctx: Context) -> FixtureResponse:
    session = stored.find_session(ctx, ctx.params["session_id"])
    body = ctx.body
    if "agent" in body:
        agent = session["agent"]
        settings = stored.resolve(body.get("agent") or {}, agent)
        stored.check_settings(settings, param="agent.")
        settings["name"] = agent.get("name")
        session["agent"] = stored.session_agent(agent["id"], settings)
    if "metadata" in body:
        session["metadata"] = stored.check_metadata(body["metadata"])
    if "spend_control" in body:
        limit = (body.get("spend_control") or {}).get("limit")
        session["spend_control"] = {**session["spend_control"], "limit": limit}
    if "vault_ids" in body:
        session["vault_ids"] = list(body.get("vault_ids") or [])
    if "prompt_cache_options" in body:
        session["prompt_cache_options"] = body["prompt_cache_options"]
    if "review" in body:
        session.pop("review", None)
        if body["review"] not in (None, "none"):
            session["review"] = body["review"]
    ctx.state.put(stored.SESSIONS, session["id"], session)
    return FixtureResponse(body=session)


def list_sessions(ctx: Context) -> FixtureResponse:
    query = ctx.request.query
    agent_id = dict(query).get("agent_id")
    wanted = {
        name[len("metadata[") : -1]: value
        for name, value in query
        if name.startswith("metadata[") and name.endswith("]")
    }
    chosen = [
        session
        for session in ctx.state.values(stored.SESSIONS)
        if (agent_id is None or session["agent"]["id"] == agent_id)
        and all(session["metadata"].get(k) == v for k, v in wanted.items())
    ]
    return FixtureResponse(body=objects.list_items(ctx, chosen))


def delete(ctx: Context) -> FixtureResponse:
    session_id = ctx.params["session_id"]
    stored.find_session(ctx, session_id)
    stored.remove_session(ctx, session_id)
    answer = {"id": session_id, "object": "agent.session.deleted", "deleted": True}
    return FixtureResponse(body=answer)


def post_events(ctx: Context) -> FixtureResponse:
    session = stored.find_session(ctx, ctx.params["session_id"])
    log = events.Log(ctx, session["id"])
    try:
        for given in ctx.body.get("events") or ():
            kind = given.get("type")
            if kind == "agent.session.input.message":
                session = turns.start(ctx, session, _messages(given.get("input")), log)
            elif kind == "agent.session.input.tool_result":
                session = turns.tool_result(ctx, session, given, log)
            elif kind == "agent.session.input.cancel":
                session = turns.cancel(ctx, session, log)
            else:
                raise turns.approval_result(given)
    finally:
        # What was taken before a refused event stays taken, as its events say.
        log.publish()
    return FixtureResponse(status=202, raw=b"")


def stream_events(ctx: Context) -> FixtureResponse:
    session = stored.find_session(ctx, ctx.params["session_id"])
    state, session_id = ctx.state, session["id"]
    start = len(events.logged(state, session_id))
    now = events.Log(ctx, session_id).status(session)
    live = LiveEvents((events.as_sse(now),), lambda: events.follow(state, session_id, start))
    return FixtureResponse(events=live)


_ONE = "/v1/agents/sessions/{session_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/agents/sessions", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/agents/sessions", lookup=list_sessions),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint("POST", _ONE + "/events", body=Body.JSON, lookup=post_events),
    Endpoint("GET", _ONE + "/events", lookup=stream_events),
)
