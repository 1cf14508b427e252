"""The Agents platform's environments, their files and templates, which the spec lacks,
for :func:`mockapi.validation.additions.extend`.

``client.beta.agents.environments`` (openai 3.x) creates, lists and retrieves hosted
execution environments (``/agents/environments``), writes and lists their live files
(``.../{environment_id}/files``) and manages reusable templates
(``/agents/environments/templates``). ``openapi.yaml`` declares none of them; these
operations and components are written from the SDK's own types
(``types/beta/agents/environment_*.py``, ``types/beta/agents/environments/*.py`` and the
``types/beta/hosted_*.py`` they name) and the API reference's limits (a file's ``path``
1..4096 characters, its ``file_id`` 1..256, inline ``data`` at most 6990508).
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
    "(openai-python 3.x, client.beta.agents.environments: types/beta/agents/environment_*.py, "
    "types/beta/agents/environments/*.py, types/beta/hosted_*.py)"
)
_STATUSES = ("pending", "ready", "connected", "disconnected", "suspended", "expired", "failed")
_PATH: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 4096}
_NULL_STRS = nullable(STRS)


def _closed(required: tuple[str, ...] = (), /, **properties: dict[str, Any]) -> dict[str, Any]:
    """A request object that takes only ``properties`` (the API refuses unknown ones)."""
    return {**obj(required, **properties), "additionalProperties": False}


def _one_of(*names: str) -> dict[str, Any]:
    return {"oneOf": [ref(name) for name in names]}


_SOURCE = _closed(
    ("data", "media_type", "type"),
    data=STR,
    media_type=enum("application/zip"),
    type=enum("base64"),
)
_CONFIG: dict[str, dict[str, Any]] = {
    # What an environment and a template are configured with (the create and update
    # params share it: TemplateCreateParams, TemplateUpdateParams, Environment).
    "capability_directories": _NULL_STRS,
    "desktop": nullable(ref("AgentEnvironmentDesktopParam")),
    "env": nullable({"type": "object", "additionalProperties": STR}),
    "files": nullable({"type": "array", "items": ref("AgentHostedEnvironmentFileParam")}),
    "network": nullable(ref("AgentEnvironmentNetworkParam")),
    "packages": nullable(ref("AgentEnvironmentPackagesParam")),
    "plugins": nullable({"type": "array", "items": ref("AgentHostedPluginParam")}),
    "setup_commands": nullable({"type": "array", "items": ref("AgentSetupCommandParam")}),
    "skills": nullable({"type": "array", "items": ref("AgentHostedSkillParam")}),
}
_TEMPLATE_FILE_ID = obj(("file_id", "path", "type"), file_id=STR, path=STR, type=enum("file_id"))
_TEMPLATE_FILE_INLINE = obj(
    ("path", "size_bytes", "type"), path=STR, size_bytes=INT, type=enum("inline")
)
_TEMPLATE_SKILL_REFERENCE = obj(
    ("skill_id", "type"), skill_id=STR, type=enum("skill_reference"), version=nullable(STR)
)
_INLINE_CAPABILITY = obj(
    ("description", "name", "type"), description=STR, name=STR, type=enum("inline")
)
COMPONENTS: dict[str, Any] = {
    # Answers.
    "AgentHostedEnvironmentFileID": obj(
        ("id", "file_id", "path", "size_bytes", "type"),
        id=STR,
        file_id=STR,
        path=STR,
        size_bytes=INT,
        type=enum("file_id"),
    ),
    "AgentHostedEnvironmentFileInline": obj(
        ("id", "path", "size_bytes", "type"),
        id=STR,
        path=STR,
        size_bytes=INT,
        type=enum("inline"),
    ),
    "AgentHostedSkillReference": obj(
        ("description", "name", "skill_id", "type", "version"),
        description=STR,
        name=STR,
        skill_id=STR,
        type=enum("skill_reference"),
        version=STR,
    ),
    "AgentHostedInlineCapability": _INLINE_CAPABILITY,
    "AgentEnvironmentInfo": obj(
        ("id", "files", "object", "plugins", "skills", "status", "type"),
        id=STR,
        files={
            "type": "array",
            "items": _one_of("AgentHostedEnvironmentFileID", "AgentHostedEnvironmentFileInline"),
        },
        object=enum("agent.environment"),
        plugins={"type": "array", "items": ref("AgentHostedInlineCapability")},
        skills={
            "type": "array",
            "items": _one_of("AgentHostedSkillReference", "AgentHostedInlineCapability"),
        },
        status=enum(*_STATUSES),
        type=enum("openai_hosted", "self_hosted"),
    ),
    "AgentEnvironmentInfoList": cursor_list("AgentEnvironmentInfo"),
    "AgentEnvironmentFile": obj(
        ("environment_id", "object", "path", "size_bytes"),
        environment_id=STR,
        object=enum("agent.environment.file"),
        path=STR,
        size_bytes=INT,
    ),
    "AgentEnvironmentFilePage": obj(
        ("object", "data", "has_more", "next"),
        object=enum("page"),
        data={"type": "array", "items": ref("AgentEnvironmentFile")},
        has_more=BOOL,
        next=nullable(STR),
    ),
    "AgentEnvironmentTemplate": obj(
        (
            "id",
            "capability_directories",
            "created_at",
            "files",
            "name",
            "network",
            "object",
            "packages",
            "plugins",
            "skills",
            "updated_at",
        ),
        id=STR,
        capability_directories=STRS,
        created_at=INT,
        desktop=nullable(obj(("enabled",), enabled=BOOL)),
        files={"type": "array", "items": {"oneOf": [_TEMPLATE_FILE_ID, _TEMPLATE_FILE_INLINE]}},
        name=nullable(STR),
        network=obj(
            ("access", "allowed_domains"),
            access=enum("enabled", "disabled", "restricted"),
            allowed_domains=STRS,
        ),
        object=enum("agent.environment.template"),
        packages=obj(("npm", "python", "system"), npm=STRS, python=STRS, system=STRS),
        plugins={"type": "array", "items": ref("AgentHostedInlineCapability")},
        skills={
            "type": "array",
            "items": {"oneOf": [_TEMPLATE_SKILL_REFERENCE, _INLINE_CAPABILITY]},
        },
        updated_at=INT,
    ),
    "AgentEnvironmentTemplateList": cursor_list("AgentEnvironmentTemplate"),
    "AgentEnvironmentTemplateDeleted": deleted("agent.environment.template.deleted"),
    # Requests.
    "AgentHostedEnvironmentFileParam": {
        "oneOf": [
            _closed(
                ("file_id", "path", "type"),
                file_id={"type": "string", "minLength": 1, "maxLength": 256},
                path=_PATH,
                type=enum("file_id"),
            ),
            _closed(
                ("data", "path", "type"),
                data={"type": "string", "maxLength": 6990508},
                path=_PATH,
                type=enum("inline"),
            ),
        ]
    },
    "AgentHostedSkillParam": {
        "oneOf": [
            _closed(
                ("skill_id", "type"),
                skill_id=STR,
                type=enum("skill_reference"),
                version=nullable(STR),
            ),
            _closed(
                ("description", "name", "source", "type"),
                description=STR,
                name=STR,
                source=_SOURCE,
                type=enum("inline"),
            ),
        ]
    },
    "AgentHostedPluginParam": _closed(
        ("description", "name", "source", "type"),
        description=STR,
        name=STR,
        source=_SOURCE,
        type=enum("inline"),
    ),
    "AgentSetupCommandParam": _closed(("command",), command=STR, cwd=nullable(STR)),
    "AgentEnvironmentDesktopParam": _closed(("enabled",), enabled=BOOL),
    "AgentEnvironmentNetworkParam": _closed(
        ("access",),
        access=enum("enabled", "disabled", "restricted"),
        allowed_domains=_NULL_STRS,
        blocked_domains=_NULL_STRS,
    ),
    "AgentEnvironmentPackagesParam": _closed(
        (), npm=_NULL_STRS, python=_NULL_STRS, system=_NULL_STRS
    ),
    "CreateAgentEnvironmentRequest": _closed(
        ("environment",),
        environment=_closed(
            ("type",),
            type=enum("openai_hosted"),
            environment_template_id=STR,
            **_CONFIG,
        ),
        vault_ids=_NULL_STRS,
    ),
    "CreateAgentEnvironmentTemplateRequest": _closed((), name=nullable(STR), **_CONFIG),
    "UpdateAgentEnvironmentTemplateRequest": _closed((), name=nullable(STR), **_CONFIG),
}
_ENVIRONMENTS = "/agents/environments"
_ONE = _ENVIRONMENTS + "/{environment_id}"
_TEMPLATES = _ENVIRONMENTS + "/templates"
_TEMPLATE = _TEMPLATES + "/{environment_template_id}"
_LIMIT: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 100}
_ORDER = enum("asc", "desc")
_PAGING = (("after", STR), ("limit", _LIMIT), ("order", _ORDER))
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        _ENVIRONMENTS,
        WHY,
        request="CreateAgentEnvironmentRequest",
        response="AgentEnvironmentInfo",
    ),
    Operation(
        "GET",
        _ENVIRONMENTS,
        WHY,
        response="AgentEnvironmentInfoList",
        query=(*_PAGING, ("type", enum("openai_hosted"))),
    ),
    Operation("GET", _ONE, WHY, response="AgentEnvironmentInfo"),
    Operation(
        "POST",
        _ONE + "/files",
        WHY,
        request="AgentHostedEnvironmentFileParam",
        response="AgentEnvironmentFile",
    ),
    Operation(
        "GET",
        _ONE + "/files",
        WHY,
        response="AgentEnvironmentFilePage",
        query=(("limit", _LIMIT), ("order", _ORDER), ("page", STR), ("path", STR)),
    ),
    Operation(
        "POST",
        _TEMPLATES,
        WHY,
        request="CreateAgentEnvironmentTemplateRequest",
        response="AgentEnvironmentTemplate",
    ),
    Operation("GET", _TEMPLATES, WHY, response="AgentEnvironmentTemplateList", query=_PAGING),
    Operation("GET", _TEMPLATE, WHY, response="AgentEnvironmentTemplate"),
    Operation(
        "POST",
        _TEMPLATE,
        WHY,
        request="UpdateAgentEnvironmentTemplateRequest",
        response="AgentEnvironmentTemplate",
    ),
    Operation("DELETE", _TEMPLATE, WHY, response="AgentEnvironmentTemplateDeleted"),
)
TARGETS = (
    ("POST", _ENVIRONMENTS, "agents.environments.create"),
    ("GET", _ENVIRONMENTS, "agents.environments.list"),
    ("GET", _ONE, "agents.environments.retrieve"),
    ("POST", _ONE + "/files", "agents.environments.files.create"),
    ("GET", _ONE + "/files", "agents.environments.files.list"),
    ("POST", _TEMPLATES, "agents.environments.templates.create"),
    ("GET", _TEMPLATES, "agents.environments.templates.list"),
    ("GET", _TEMPLATE, "agents.environments.templates.retrieve"),
    ("POST", _TEMPLATE, "agents.environments.templates.update"),
    ("DELETE", _TEMPLATE, "agents.environments.templates.delete"),
)
"""The derive rows (method, path, stem) of these operations."""
