"""The Agents platform's agents and sessions, which the spec lacks, for
:func:`mockapi.validation.additions.extend`.

``client.beta.agents`` (openai 3.x) manages reusable agents (``/agents``) and sessions
(``/agents/sessions`` and what is under one: events, items, turns, subagents, traces,
artifacts). ``openapi.yaml`` declares none of them. Their components are the SDK's own
types (``openai.types.beta.agent*``, ``types/beta/agents/session_*``,
``types/beta/agents/sessions/*``) as pydantic writes their JSON Schemas, kept in
:data:`COMPONENTS_FILE` (written by ``python -m tests.sdk_components``; a test checks it
still matches the installed SDK), every name starting with :data:`PREFIX`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockapi.validation.additions import Operation, cursor_list, nullable, ref

WHY = (
    "mockapi: not in the OpenAI spec; the official SDK's types as pydantic writes them "
    "(openai-python 3.x, client.beta.agents and its sessions: types/beta/agent*.py, "
    "types/beta/agents/session_*.py, types/beta/agents/sessions/*.py)"
)
PREFIX = "SdkAgents"
COMPONENTS_FILE = Path(__file__).with_name("additions_agents_sessions.json")
_SDK: dict[str, Any] = json.loads(COMPONENTS_FILE.read_text())
_LISTS = {
    "Agent": "AgentList",
    "AgentSession": "AgentSessionList",
    "AgentSessionItem": "AgentSessionItemList",
    "Turn": "TurnList",
    "Subagent": "SubagentList",
    "SessionTrace": "SessionTraceList",
    "SessionArtifact": "SessionArtifactList",
}
COMPONENTS: dict[str, Any] = {
    **_SDK,
    **{PREFIX + page: cursor_list(PREFIX + item) for item, page in _LISTS.items()},
}


@dataclass(frozen=True)
class StreamOperation(Operation):
    """An operation that may answer an event stream: each event's data is ``stream``."""

    stream: str | None = None

    def operation(self) -> dict[str, Any]:
        found = super().operation()
        if self.stream is not None:
            ok = found["responses"]["200"]
            content = dict(ok.get("content") or {})
            content["text/event-stream"] = {"schema": ref(self.stream)}
            ok["content"] = content
        return found


def _op(
    method: str,
    path: str,
    response: str | None = None,
    *,
    request: str | None = None,
    stream: str | None = None,
    paged: bool = False,
) -> StreamOperation:
    query = _PAGING if paged else ()
    return StreamOperation(
        method,
        path,
        WHY,
        request=PREFIX + request if request else None,
        response=PREFIX + response if response else None,
        query=query,
        stream=PREFIX + stream if stream else None,
    )


_PAGING = (
    ("after", nullable({"type": "string"})),
    ("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    ("order", {"type": "string", "enum": ["asc", "desc"]}),
)
_AGENT = "/agents/{agent_id}"
_SESSION = "/agents/sessions/{session_id}"
_TURN = _SESSION + "/turns/{turn_id}"
_SUB = _SESSION + "/subagents/{subagent_id}"
_SUB_TURN = _SUB + "/turns/{turn_id}"
_ARTIFACT = _SESSION + "/artifacts/{artifact_id}"
_ROWS: tuple[tuple[str, StreamOperation], ...] = (
    ("agents.create", _op("POST", "/agents", "Agent", request="AgentCreateParams")),
    ("agents.list", _op("GET", "/agents", "AgentList", paged=True)),
    ("agents.retrieve", _op("GET", _AGENT, "Agent")),
    ("agents.update", _op("POST", _AGENT, "Agent", request="AgentUpdateParams")),
    ("agents.delete", _op("DELETE", _AGENT, "AgentDeleted")),
    (
        "agents.sessions.create",
        _op(
            "POST",
            "/agents/sessions",
            "AgentSession",
            request="SessionCreateParams",
            stream="AgentSessionEvent",
        ),
    ),
    ("agents.sessions.list", _op("GET", "/agents/sessions", "AgentSessionList", paged=True)),
    ("agents.sessions.retrieve", _op("GET", _SESSION, "AgentSession")),
    (
        "agents.sessions.update",
        _op("POST", _SESSION, "AgentSession", request="SessionUpdateParams"),
    ),
    ("agents.sessions.delete", _op("DELETE", _SESSION, "AgentSessionDeleted")),
    (
        "agents.sessions.events.create",
        _op("POST", _SESSION + "/events", request="EventCreateParams"),
    ),
    (
        "agents.sessions.events.stream",
        _op("GET", _SESSION + "/events", stream="AgentSessionEvent"),
    ),
    (
        "agents.sessions.items.list",
        _op("GET", _SESSION + "/items", "AgentSessionItemList", paged=True),
    ),
    ("agents.sessions.turns.list", _op("GET", _SESSION + "/turns", "TurnList", paged=True)),
    ("agents.sessions.turns.retrieve", _op("GET", _TURN, "Turn")),
    (
        "agents.sessions.turns.items.list",
        _op("GET", _TURN + "/items", "AgentSessionItemList", paged=True),
    ),
    (
        "agents.sessions.subagents.list",
        _op("GET", _SESSION + "/subagents", "SubagentList", paged=True),
    ),
    ("agents.sessions.subagents.retrieve", _op("GET", _SUB, "Subagent")),
    (
        "agents.sessions.subagents.items.list",
        _op("GET", _SUB + "/items", "AgentSessionItemList", paged=True),
    ),
    (
        "agents.sessions.subagents.turns.list",
        _op("GET", _SUB + "/turns", "TurnList", paged=True),
    ),
    ("agents.sessions.subagents.turns.retrieve", _op("GET", _SUB_TURN, "Turn")),
    (
        "agents.sessions.subagents.turns.items.list",
        _op("GET", _SUB_TURN + "/items", "AgentSessionItemList", paged=True),
    ),
    (
        "agents.sessions.traces.list",
        _op("GET", _SESSION + "/traces", "SessionTraceList", paged=True),
    ),
    (
        "agents.sessions.artifacts.list",
        _op("GET", _SESSION + "/artifacts", "SessionArtifactList", paged=True),
    ),
    ("agents.sessions.artifacts.retrieve", _op("GET", _ARTIFACT, "SessionArtifact")),
    ("agents.sessions.artifacts.delete", _op("DELETE", _ARTIFACT, "SessionArtifactDeleted")),
    # The artifact's bytes (application/octet-stream): its path parameters only.
    ("agents.sessions.artifacts.content", _op("GET", _ARTIFACT + "/content")),
)
OPERATIONS: tuple[Operation, ...] = tuple(operation for _, operation in _ROWS)
TARGETS = tuple((op.method, op.path, stem) for stem, op in _ROWS)
"""The derive rows (method, path, stem) of these operations."""
