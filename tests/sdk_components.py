"""OpenAPI components written from the installed SDK's own types, by pydantic's JSON
Schema generation: the contract for operations the spec does not describe (the Agents
platform's sessions, :mod:`mockapi.validation.additions_agents_sessions`).

The components are committed as JSON beside the addition that uses them (the package
does not depend on the SDK); ``python -m tests.sdk_components`` writes them anew, and
``tests/unit/validation/test_agents_sessions_additions.py`` fails when they no longer
match the installed SDK.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from mockapi.validation import additions_agents_sessions as sessions

_ALIASES = {"async_": "async", "schema_": "schema"}
"""Keys the SDK's TypedDicts name by a Python-safe name and send by another
(``PropertyInfo(alias=...)``, which pydantic does not read)."""


def components(types: Mapping[str, Any], *, prefix: str) -> dict[str, Any]:
    """The components for ``types`` (component name without ``prefix`` -> SDK type),
    each named ``prefix + name``, with the nested types they refer to (``prefix`` + the
    name pydantic gives them, unique over the whole set)."""
    holder = TypedDict("holder", dict(types))  # type: ignore[misc]  # noqa: UP013 (names known at run time)
    template = "#/components/schemas/" + prefix + "{model}"
    schema = TypeAdapter(holder).json_schema(by_alias=True, ref_template=template)
    found: dict[str, Any] = {}
    for name, nested in (schema.get("$defs") or {}).items():
        found[prefix + name] = _tidy(nested)
    for name, shown in schema["properties"].items():
        shown = _tidy(shown)
        if shown.get("$ref") == template.format(model=name):
            continue
        found[prefix + name] = shown
    return dict(sorted(found.items()))


def _tidy(schema: Any) -> Any:
    """``schema`` without pydantic's titles, its aliases put back."""
    if isinstance(schema, list):
        return [_tidy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tidy = {key: _tidy(value) for key, value in schema.items() if key != "title"}
    if isinstance(schema.get("properties"), dict):
        tidy["properties"] = {
            _ALIASES.get(key, key): _tidy(value) for key, value in schema["properties"].items()
        }
    if isinstance(schema.get("required"), list):
        tidy["required"] = [_ALIASES.get(key, key) for key in schema["required"]]
    return tidy


def sessions_types() -> dict[str, Any]:
    """The SDK types of the agents and sessions operations, by component name."""
    from openai.types.beta import (
        agent,
        agent_create_params,
        agent_deleted,
        agent_session,
        agent_session_deleted,
        agent_session_event,
        agent_session_item,
        agent_update_params,
        subagent,
    )
    from openai.types.beta.agents import session_create_params, session_update_params
    from openai.types.beta.agents.sessions import (
        event_create_params,
        session_artifact,
        session_artifact_deleted,
        session_trace,
        turn,
    )

    return {
        "Agent": agent.Agent,
        "AgentDeleted": agent_deleted.AgentDeleted,
        "AgentCreateParams": agent_create_params.AgentCreateParams,
        "AgentUpdateParams": agent_update_params.AgentUpdateParams,
        "AgentSession": agent_session.AgentSession,
        "AgentSessionDeleted": agent_session_deleted.AgentSessionDeleted,
        "AgentSessionEvent": agent_session_event.AgentSessionEvent,
        "AgentSessionItem": agent_session_item.AgentSessionItem,
        "SessionCreateParams": session_create_params.SessionCreateParams,
        "SessionUpdateParams": session_update_params.SessionUpdateParams,
        "EventCreateParams": event_create_params.EventCreateParams,
        "SessionArtifact": session_artifact.SessionArtifact,
        "SessionArtifactDeleted": session_artifact_deleted.SessionArtifactDeleted,
        "SessionTrace": session_trace.SessionTrace,
        "Subagent": subagent.Subagent,
        "Turn": turn.Turn,
    }


def write(path: Path = sessions.COMPONENTS_FILE) -> None:
    """Write the sessions' components from the installed SDK."""
    found = components(sessions_types(), prefix=sessions.PREFIX)
    path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    write()
