"""The Agents platform's vaults, credentials and automations, which the spec lacks, for
:func:`mockapi.validation.additions.extend`.

``client.beta.agents.vaults`` (``/vaults``, ``/vaults/{vault_id}/credentials``) and
``client.beta.agents.automations`` (``/agents/automations``, ``.../pause``, ``.../resume``,
``.../invocations``) in openai 3.x. ``openapi.yaml`` declares none of them; these
operations and components are written from the SDK's own types
(``types/beta/agents/vault*.py``, ``vaults/*.py``, ``automation*.py``,
``one_time_automation.py``, ``periodic_automation.py``, ``automations/*.py``).

A credential's answer has no place for a secret (``additionalProperties: false`` on each
``auth`` form), so an answer that leaked one would fail validation. An automation's
inline agent and environment are described to their ``type`` and top-level fields: their
parts (tools, reasoning, hosted files) are the agents' and environments' own schemas.
"""

from __future__ import annotations

from typing import Any

from mockapi.validation.additions import (
    BOOL,
    INT,
    STR,
    STRS,
    Operation,
    cursor_list,
    deleted,
    enum,
    nullable,
    obj,
    ref,
)

WHY = (
    "mockapi: not in the OpenAI spec; written from the official SDK's types "
    "(openai-python 3.x, client.beta.agents.vaults and .automations: "
    "types/beta/agents/vault*.py, vaults/*.py, automation*.py, automations/*.py)"
)
_META: dict[str, Any] = {"type": "object", "additionalProperties": STR}
_OBJECT: dict[str, Any] = {"type": "object"}


def _closed(required: tuple[str, ...] = (), /, **properties: dict[str, Any]) -> dict[str, Any]:
    return {**obj(required, **properties), "additionalProperties": False}


def _typed(*values: str) -> dict[str, Any]:
    """An object known by its ``type`` (one of ``values``), its other fields open."""
    return obj(("type",), type=enum(*values))


_ENDPOINT_AUTH = ("none", "client_secret_basic", "client_secret_post")
_PAGING = (
    ("after", STR),
    ("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    ("order", enum("asc", "desc")),
)
_FILTERS = (
    *_PAGING,
    ("metadata", _META),
    ("status", {"anyOf": [enum("active", "archived"), {"type": "array", "items": STR}]}),
)
_AGENT_CONFIG = obj(
    ("model", "multi_agent", "reasoning", "service_tier", "text", "tools"),
    instructions=nullable(STR),
    model=STR,
    multi_agent=obj(("enabled",), enabled=BOOL, max_concurrent_subagents=nullable(INT)),
    reasoning=obj((), effort=nullable(STR), summary=nullable(STR)),
    service_tier=enum("auto", "default", "flex", "priority", "fast", "ultrafast"),
    text=obj(("format", "verbosity"), format=_OBJECT, verbosity=enum("low", "medium", "high")),
    tools={"type": "array", "items": _OBJECT},
    compaction=nullable(obj(("async",), **{"async": BOOL})),
    experimental=nullable(obj(("time_awareness",), time_awareness=BOOL)),
)
_MESSAGE = obj(
    ("content", "role", "type"),
    content={"type": "array", "items": _typed("input_text", "input_image")},
    role=enum("user"),
    type=enum("message"),
)
_COMMON = {
    "id": STR,
    "object": enum("agent.automation"),
    "created_at": INT,
    "created_by": ref("AgentAutomationCreatedBy"),
    "metadata": _META,
    "name": STR,
    "target": ref("AgentAutomationTarget"),
    "pause_reason": nullable(enum("target_session_failed")),
}
_COMMON_REQUIRED = ("id", "object", "created_at", "created_by", "metadata", "name", "target")
_TARGET_PARAM = {
    "anyOf": [
        _closed(
            ("environment", "input", "type"),
            type=enum("new_session"),
            environment=_typed("none", "openai_hosted", "self_hosted"),
            input={
                "type": "array",
                "items": obj(("content", "role"), role=enum("user"), type=enum("message")),
            },
            agent=obj(("model",), model=STR),
            agent_id=STR,
            metadata=nullable(_META),
            vault_ids=nullable(STRS),
        ),
        _closed(
            ("instructions", "session_id", "type"),
            type=enum("existing_session"),
            instructions=STR,
            session_id=STR,
        ),
    ]
}
COMPONENTS: dict[str, Any] = {
    # Vaults.
    "AgentVault": obj(
        ("id", "created_at", "metadata", "object"),
        id=STR,
        created_at=INT,
        metadata=_META,
        name=nullable(STR),
        object=enum("vault"),
    ),
    "AgentVaultList": cursor_list("AgentVault"),
    "AgentVaultDeleted": deleted("vault.deleted"),
    "CreateAgentVaultRequest": _closed((), metadata=nullable(_META), name=STR),
    "UpdateAgentVaultRequest": _closed((), metadata=_META, name=nullable(STR)),
    # Credentials: answers carry no secret field at all.
    "AgentVaultCredential": obj(
        ("id", "auth", "created_at", "name", "object", "updated_at", "vault_id"),
        id=STR,
        auth={
            "anyOf": [
                _closed(
                    ("mcp_server_url", "type"),
                    type=enum("mcp_oauth"),
                    mcp_server_url=STR,
                    expires_at=nullable(STR),
                    refresh=nullable(
                        _closed(
                            ("client_id", "token_endpoint", "token_endpoint_auth"),
                            client_id=STR,
                            token_endpoint=STR,
                            token_endpoint_auth=_closed(("type",), type=enum(*_ENDPOINT_AUTH)),
                            resource=nullable(STR),
                            scope=nullable(STR),
                        )
                    ),
                ),
                _closed(("mcp_server_url", "type"), type=enum("static_bearer"), mcp_server_url=STR),
                _closed(
                    ("networking", "secret_name", "type"),
                    type=enum("environment_variable"),
                    secret_name=STR,
                    networking={
                        "anyOf": [
                            _closed(("type",), type=enum("unrestricted")),
                            _closed(
                                ("allowed_hosts", "type"), type=enum("limited"), allowed_hosts=STRS
                            ),
                        ]
                    },
                ),
            ]
        },
        created_at=INT,
        metadata=_META,
        name=STR,
        object=enum("vault.credential"),
        updated_at=INT,
        vault_id=STR,
    ),
    "AgentVaultCredentialList": cursor_list("AgentVaultCredential"),
    "AgentVaultCredentialDeleted": deleted("vault.credential.deleted"),
    "CreateAgentVaultCredentialRequest": _closed(
        ("auth", "name"),
        auth=_typed("mcp_oauth", "static_bearer", "environment_variable"),
        name=STR,
        metadata=_META,
    ),
    "UpdateAgentVaultCredentialRequest": _closed(
        (), auth=_typed("mcp_oauth", "static_bearer", "environment_variable"), metadata=_META
    ),
    # Automations.
    "AgentAutomationCreatedBy": {
        "anyOf": [
            _closed(("type",), type=enum("developer")),
            _closed(
                ("session_id", "tool_call_id", "type"),
                type=enum("agent"),
                session_id=STR,
                tool_call_id=STR,
            ),
        ]
    },
    "AgentAutomationTarget": {
        "anyOf": [
            obj(
                ("environment", "input", "metadata", "type", "vault_ids"),
                type=enum("new_session"),
                agent=nullable(_AGENT_CONFIG),
                agent_id=nullable(STR),
                environment=_typed("none", "openai_hosted", "self_hosted"),
                input={"type": "array", "items": _MESSAGE},
                metadata=_META,
                vault_ids=STRS,
            ),
            obj(
                ("instructions", "session_id", "type"),
                type=enum("existing_session"),
                instructions=STR,
                session_id=STR,
            ),
        ]
    },
    "AgentAutomation": {
        "anyOf": [
            obj(
                (*_COMMON_REQUIRED, "expression", "status", "timezone", "type"),
                **_COMMON,
                expression=STR,
                status=enum("active", "paused"),
                timezone=STR,
                type=enum("periodic"),
            ),
            obj(
                (*_COMMON_REQUIRED, "run_at", "status", "type"),
                **_COMMON,
                run_at=INT,
                status=enum("active", "paused", "completed"),
                type=enum("once"),
            ),
        ]
    },
    "AgentAutomationList": cursor_list("AgentAutomation"),
    "AgentAutomationDeleted": deleted("agent.automation.deleted"),
    "CreateAgentAutomationRequest": _closed(
        ("name", "target", "type"),
        type=enum("periodic", "once"),
        name=STR,
        target=_TARGET_PARAM,
        expression=STR,
        timezone=STR,
        run_at=INT,
        metadata=_META,
    ),
    "UpdateAgentAutomationRequest": _closed(
        (),
        expression=STR,
        metadata=_META,
        name=STR,
        run_at=INT,
        target=_TARGET_PARAM,
        timezone=STR,
    ),
    "AgentAutomationInvocation": obj(
        ("id", "automation_id", "created_at", "object", "source", "status"),
        id=STR,
        automation_id=STR,
        created_at=INT,
        error=nullable(_closed(("code", "message"), code=STR, message=STR)),
        object=enum("agent.automation.invocation"),
        scheduled_at=nullable(INT),
        session_id=nullable(STR),
        skip_reason=nullable(enum("pending_delivery")),
        source={
            "anyOf": [
                _closed(("type",), type=enum("manual")),
                _closed(
                    ("automation", "type"),
                    type=enum("automation"),
                    automation=ref("AgentAutomation"),
                ),
            ]
        },
        status=enum("queued", "completed", "failed", "skipped"),
    ),
    "AgentAutomationInvocationList": cursor_list("AgentAutomationInvocation"),
}
_VAULT = "/vaults/{vault_id}"
_CREDENTIALS = _VAULT + "/credentials"
_CREDENTIAL = _CREDENTIALS + "/{credential_id}"
_AUTOMATIONS = "/agents/automations"
_AUTOMATION = _AUTOMATIONS + "/{automation_id}"
_INVOCATIONS = _AUTOMATION + "/invocations"
_ROWS: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("POST", "/vaults", "CreateAgentVaultRequest", "AgentVault", "vaults.create"),
    ("GET", "/vaults", None, "AgentVaultList", "vaults.list"),
    ("GET", _VAULT, None, "AgentVault", "vaults.retrieve"),
    ("POST", _VAULT, "UpdateAgentVaultRequest", "AgentVault", "vaults.update"),
    ("DELETE", _VAULT, None, "AgentVaultDeleted", "vaults.delete"),
    (
        "POST", _CREDENTIALS, "CreateAgentVaultCredentialRequest", "AgentVaultCredential",
        "vaults.credentials.create",
    ),
    ("GET", _CREDENTIALS, None, "AgentVaultCredentialList", "vaults.credentials.list"),
    ("GET", _CREDENTIAL, None, "AgentVaultCredential", "vaults.credentials.retrieve"),
    (
        "POST", _CREDENTIAL, "UpdateAgentVaultCredentialRequest", "AgentVaultCredential",
        "vaults.credentials.update",
    ),
    ("DELETE", _CREDENTIAL, None, "AgentVaultCredentialDeleted", "vaults.credentials.delete"),
    (
        "POST", _AUTOMATIONS, "CreateAgentAutomationRequest", "AgentAutomation",
        "agents.automations.create",
    ),
    ("GET", _AUTOMATIONS, None, "AgentAutomationList", "agents.automations.list"),
    ("GET", _AUTOMATION, None, "AgentAutomation", "agents.automations.retrieve"),
    (
        "POST", _AUTOMATION, "UpdateAgentAutomationRequest", "AgentAutomation",
        "agents.automations.update",
    ),
    ("DELETE", _AUTOMATION, None, "AgentAutomationDeleted", "agents.automations.delete"),
    ("POST", _AUTOMATION + "/pause", None, "AgentAutomation", "agents.automations.pause"),
    ("POST", _AUTOMATION + "/resume", None, "AgentAutomation", "agents.automations.resume"),
    (
        "POST", _INVOCATIONS, None, "AgentAutomationInvocation",
        "agents.automations.invocations.create",
    ),
    (
        "GET", _INVOCATIONS, None, "AgentAutomationInvocationList",
        "agents.automations.invocations.list",
    ),
    (
        "GET", _INVOCATIONS + "/{invocation_id}", None, "AgentAutomationInvocation",
        "agents.automations.invocations.retrieve",
    ),
)  # fmt: skip
_QUERIES: dict[str, tuple[tuple[str, Any], ...]] = {
    "vaults.list": _FILTERS,
    "vaults.credentials.list": _FILTERS,
    "agents.automations.list": (*_PAGING, ("session_id", STR)),
    "agents.automations.invocations.list": _PAGING,
}
OPERATIONS: tuple[Operation, ...] = tuple(
    Operation(method, path, WHY, request=request, response=response, query=_QUERIES.get(stem, ()))
    for method, path, request, response, stem in _ROWS
)
TARGETS = tuple((method, path, stem) for method, path, _, _, stem in _ROWS)
"""The derive rows (method, path, stem) of these operations."""
