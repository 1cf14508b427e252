"""Reusable agents and agent sessions as the state store keeps them, in the shapes the
SDK's models read (``openai.types.beta.agent.Agent``, ``agent_session.AgentSession``).

An agent (kind :data:`AGENTS`, ``agent_`` id) is kept *resolved*: every default the API
fills in is written out (``service_tier`` ``auto``, ``text`` ``{"format": {"type":
"text"}, "verbosity": "medium"}``, ``reasoning`` ``{"effort": null, "summary": null}``,
subagents off, ``compaction.async`` false, ``experimental.time_awareness`` false, each
tool's defaults: a function's ``defer_loading`` false, an MCP server's
``connection_origin`` ``service``, web search ``medium`` context in ``live`` mode, ...).
A session (kind :data:`SESSIONS`, ``sess_`` id) holds a copy of its agent as it was when
the session was made (later updates of the agent do not reach it), its environment (an
``environment_id`` or ``environment_template_id`` must name one of
:mod:`~mockapi.endpoints.agents.environments`: else its 404), its status and usage.

Assumed where the SDK's types are silent: the id prefixes (``agent_``, ``sess_``,
``turn_``, ``msg_``, ``fc_``, ``fco_``, ``evt_``, ``env_``), the 404 wordings, and that a
session's agent drops ``tool_search`` (the session's tool union has no such member).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import environment_templates, environments
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError

AGENTS = "agents.agents"
SESSIONS = "agents.sessions"
TURNS = "agents.turns"
ITEMS = "agents.items"
"""Session items, each kept as ``{"id", "session_id", "turn_id", "item"}``."""
LOGS = "agents.event_logs"
"""Each session's events, oldest first: ``{"id": session_id, "events": [...]}``."""
ARTIFACTS = "agents.artifacts"
"""Artifacts (:mod:`~mockapi.endpoints.agents.artifacts`); their bytes are blobs."""
KINDS = frozenset({AGENTS, SESSIONS, TURNS, ITEMS, LOGS, ARTIFACTS})

_TIERS = ("auto", "default", "flex", "priority", "fast", "ultrafast")


def agent_not_found(agent_id: str) -> APIError:
    return APIError(404, f"Agent with id '{agent_id}' not found.", param="agent_id")


def session_not_found(session_id: str) -> APIError:
    return APIError(404, f"Session with id '{session_id}' not found.", param="session_id")


def find_agent(ctx: Context, agent_id: str) -> dict[str, Any]:
    found = ctx.state.get(AGENTS, agent_id)
    if not isinstance(found, dict):
        raise agent_not_found(agent_id)
    return found


def find_session(ctx: Context, session_id: str) -> dict[str, Any]:
    found = ctx.state.get(SESSIONS, session_id)
    if not isinstance(found, dict):
        raise session_not_found(session_id)
    return found


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A tool as an agent shows it: the request's, with the API's defaults filled in."""
    kind = tool.get("type")
    if kind == "function":
        shown = {
            "type": "function",
            "name": tool["name"],
            "description": tool.get("description") or "",
            "parameters": dict(tool.get("parameters") or {}),
            "defer_loading": bool(tool.get("defer_loading", False)),
        }
        if "async" in tool:
            shown["async"] = bool(tool["async"])
        return shown
    if kind == "programmatic_tool_calling":
        return {"type": kind, "enabled": bool(tool.get("enabled", True))}
    if kind == "mcp":
        transport = dict(tool.get("transport") or {})
        if transport.get("type") == "stdio":
            transport = {
                "type": "stdio",
                "command": str(transport.get("command", "")),
                "args": list(transport.get("args") or []),
                "cwd": str(transport.get("cwd") or ""),
                "env_vars": list(transport.get("env_vars") or []),
            }
        else:
            transport = {
                "type": "http",
                "server_url": str(transport.get("server_url", "")),
                "headers": dict(transport.get("headers") or {}),
            }
        return {
            "type": "mcp",
            "server_label": tool["server_label"],
            "transport": transport,
            "allowed_tools": tool.get("allowed_tools"),
            "connection_origin": tool.get("connection_origin") or "service",
            "credential_id": tool.get("credential_id"),
            "request_metadata": dict(tool.get("request_metadata") or {}),
            "required": bool(tool.get("required", False)),
        }
    if kind == "web_search":
        return {
            "type": "web_search",
            "allowed_domains": tool.get("allowed_domains"),
            "context_size": tool.get("context_size") or "medium",
            "location": tool.get("location"),
            "mode": tool.get("mode") or "live",
        }
    if kind == "computer_use":
        return {"type": kind, "include_screenshots": bool(tool.get("include_screenshots", True))}
    return {"type": str(kind)}


def resolve(body: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings of an agent: ``base``'s (an agent's, or the API's defaults when
    None) with those ``body`` gives (a null resets a setting to its default)."""
    current: dict[str, Any] = dict(base) if base is not None else {}
    given = dict(body)

    def pick(name: str, default: Any) -> Any:
        if name in given:
            return given[name] if given[name] is not None else default
        return current.get(name, default)

    reasoning = pick("reasoning", {})
    text = pick("text", {})
    multi = pick("multi_agent", {})
    enabled = bool(multi.get("enabled", False))
    compaction = pick("compaction", {})
    experimental = {**current.get("experimental", {}), **(given.get("experimental") or {})}
    tools = given["tools"] or [] if "tools" in given else None
    return {
        "model": pick("model", ""),
        "instructions": given["instructions"]
        if "instructions" in given
        else current.get("instructions"),
        "name": given["name"] if "name" in given else current.get("name"),
        "multi_agent": {
            "enabled": enabled,
            "max_concurrent_subagents": (multi.get("max_concurrent_subagents") or 6)
            if enabled
            else None,
        },
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "service_tier": pick("service_tier", "auto"),
        "text": {
            "format": dict(text.get("format") or {"type": "text"}),
            "verbosity": text.get("verbosity") or "medium",
        },
        "tools": [_tool(t) for t in tools] if tools is not None else current.get("tools", []),
        "compaction": {"async": bool(compaction.get("async", False))},
        "experimental": {"time_awareness": bool(experimental.get("time_awareness", False))},
    }


def check_settings(settings: Mapping[str, Any], *, param: str = "") -> None:
    """The API's 400s for settings the schemas let through."""
    if not settings.get("model"):
        raise APIError(
            400,
            "Missing required parameter: 'model'.",
            param=f"{param}model",
            code="missing_required_parameter",
        )
    if settings.get("service_tier") not in _TIERS:
        raise APIError(
            400,
            f"Invalid value: '{settings.get('service_tier')}'. Supported values are: "
            + ", ".join(f"'{tier}'" for tier in _TIERS)
            + ".",
            param=f"{param}service_tier",
            code="invalid_value",
        )
    names = [t.get("name") for t in settings.get("tools") or () if t.get("type") == "function"]
    for name in names:
        if names.count(name) > 1:
            raise APIError(
                400,
                f"Duplicate function tool name: '{name}'. Give each function a distinct name.",
                param=f"{param}tools",
            )


def check_metadata(metadata: Any) -> dict[str, str]:
    """``metadata`` as stored (null is ``{}``), or the API's 400 past 16 pairs."""
    if metadata is None:
        return {}
    if len(metadata) > 16:
        raise APIError(
            400,
            f"Invalid 'metadata': too many properties. Expected an object with at most 16 "
            f"properties, but got an object with {len(metadata)} properties instead.",
            param="metadata",
            code="object_above_max_properties",
        )
    return {str(k): str(v) for k, v in metadata.items()}


def session_agent(agent_id: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``agent`` of a session: ``settings`` as they were when the session was made."""
    shown = {key: value for key, value in settings.items()}
    shown["tools"] = [t for t in settings.get("tools") or () if t.get("type") != "tool_search"]
    return {"id": agent_id, **shown}


def environment(ctx: Context, given: Mapping[str, Any]) -> dict[str, Any]:
    """The session's environment as the API shows it, from the request's."""
    kind = given.get("type")
    if kind == "openai_hosted":
        network = dict(given.get("network") or {})
        packages = dict(given.get("packages") or {})
        if given.get("environment_id"):
            # An environment made with environments.create: it must exist.
            environments.find(ctx, str(given["environment_id"]))
        if given.get("environment_template_id"):
            environment_templates.find(ctx, str(given["environment_template_id"]))
        shown: dict[str, Any] = {
            "type": "openai_hosted",
            "id": given.get("environment_id") or objects.new_id(ctx, "env_"),
            "capability_directories": list(given.get("capability_directories") or []),
            "files": [],
            "network": {
                "access": network.get("access", "disabled"),
                "allowed_domains": list(network.get("allowed_domains") or []),
            },
            "packages": {k: list(packages.get(k) or []) for k in ("npm", "python", "system")},
            "plugins": [],
            "skills": [],
            "container_size": given.get("container_size"),
        }
        if given.get("desktop") is not None:
            shown["desktop"] = {"enabled": bool(given["desktop"].get("enabled"))}
        return shown
    if kind == "self_hosted":
        workspace = str(given.get("workspace_directory", ""))
        env_id = objects.new_id(ctx, "env_")
        return {
            "type": "self_hosted",
            "id": env_id,
            "capability_directories": list(given.get("capability_directories") or []),
            "remote_url": f"{ctx.base_url}/v1/agents/environments/{env_id}",
            "workspace_directory": workspace,
        }
    return {"type": "none"}


def artifact_blob(artifact_id: str) -> str:
    """The blob key of an artifact's bytes."""
    return f"agents.artifact:{artifact_id}"


def put_item(ctx: Context, session_id: str, item: Mapping[str, Any]) -> None:
    """Keep one item of a session (its ``id`` and ``turn_id`` name it)."""
    wrapped = {
        "id": item["id"],
        "session_id": session_id,
        "turn_id": item.get("turn_id"),
        "item": dict(item),
    }
    ctx.state.put(ITEMS, str(item["id"]), wrapped)


def items_of(ctx: Context, session_id: str, *, turn_id: str | None = None) -> list[Any]:
    """The session's items (of one turn), oldest first."""
    return [
        kept["item"]
        for kept in ctx.state.values(ITEMS)
        if kept.get("session_id") == session_id
        and (turn_id is None or kept.get("turn_id") == turn_id)
    ]


def turns_of(ctx: Context, session_id: str) -> list[dict[str, Any]]:
    return [t for t in ctx.state.values(TURNS) if t.get("session_id") == session_id]


def remove_session(ctx: Context, session_id: str) -> None:
    """Forget the session with its turns, items and events."""
    for kind, rows in ((TURNS, turns_of(ctx, session_id)), (ITEMS, _wrapped(ctx, session_id))):
        for row in rows:
            ctx.state.delete(kind, str(row["id"]))
    for artifact in ctx.state.values(ARTIFACTS):
        if artifact.get("session_id") == session_id:
            ctx.state.delete(ARTIFACTS, str(artifact["id"]))
            ctx.state.delete_blob(artifact_blob(str(artifact["id"])))
    ctx.state.delete(LOGS, session_id)
    ctx.state.delete(SESSIONS, session_id)


def _wrapped(ctx: Context, session_id: str) -> Iterable[Mapping[str, Any]]:
    return [kept for kept in ctx.state.values(ITEMS) if kept.get("session_id") == session_id]
