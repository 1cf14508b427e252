"""Derive self-contained JSON Schemas (draft 2020-12) from the OpenAI OpenAPI document.

Pure: the parsed spec in, a mapping of file name -> JSON document out; no disk, no
``jsonschema``. ``schemafiles.py`` does the reading and writing.

For each row of ``TARGETS`` the request body, the successful JSON response, the
``text/event-stream`` event schema and the query and path parameters (whichever the
spec declares) become one document each: the root is a ``$ref`` into the document's
own ``$defs`` (or, for the parameters, an object schema whose properties refer into
them), which hold exactly the components reachable from it. What changes on the way
from OpenAPI to JSON Schema:

* ``$ref: '#/components/schemas/X'`` -> ``'#/$defs/X'`` (also in ``discriminator.mapping``);
  ``$recursiveRef: '#'`` (2019-09, used by the filter schemas) -> a ``$ref`` to the
  enclosing component.
* OpenAPI 3.0 ``nullable: true`` -> ``"null"`` added to ``type`` (and ``None`` to ``enum``);
  where there is no plain ``type`` to extend (``$ref``, ``oneOf``...) the schema is
  wrapped as ``anyOf: [schema, {type: null}]``. 3.0's boolean ``exclusiveMinimum``
  becomes the 2020-12 number form.
* ``oneOf`` is kept. JSON Schema's oneOf demands that exactly one branch match, which
  rejects valid values when a spec's branches overlap; every oneOf reachable from the
  current targets is exclusive (its branches differ by a ``role``/``type`` enum or by
  JSON type) and all recorded real requests validate. If a new target brings
  overlapping branches, turn those into ``anyOf`` here and say which.
* ``PATCHES`` corrects, minimally and each with its evidence, where the real API
  accepts or sends what the spec forbids; each patched schema carries a ``$comment``.
* Only JSON Schema 2020-12 keywords are kept, plus ``discriminator`` as an annotation.
  ``description``, ``example(s)`` and ``x-*`` extensions are dropped: the files are for
  validating and synthesizing, the prose lives in the spec, and leaving it out keeps
  the committed files small and their diffs about shape, not wording.

Output is deterministic: the writer sorts keys, and nothing here depends on dict
iteration order of anything but the spec itself.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.errors import SchemaError
from mockapi.validation import (
    additions,
    additions_admin,
    additions_agents_environments,
    additions_agents_sessions,
    additions_agents_vaults,
    additions_decisions,
    additions_evals,
    additions_live,
    additions_safety,
    additions_webhooks,
)
from mockapi.validation.additions import Operation
from mockapi.validation.patches import MEDIA_PATCHES, PATCHES, MediaPatch, Patch

DIALECT = "https://json-schema.org/draft/2020-12/schema"
INDEX_FILE = "index.json"
INDEX_FORMAT = 1
API_PREFIX = "/v1"  # the path of the spec's server URL, https://api.openai.com/v1

_COMPONENT_PREFIX = "#/components/schemas/"

#: The roles a target's schemas can play (the keys of an index entry), and where the
#: spec declares each: the JSON request body, the multipart/form-data request body
#: (uploads: audio transcriptions, image edits), the 2xx JSON body, the SSE event, and
#: the operation's query and path ``parameters`` as one object (see ``_parameters``).
ROLES = ("request", "form", "response", "stream_event", "parameters")
_REQUEST_MEDIA = {"request": "application/json", "form": "multipart/form-data"}
_RESPONSE_MEDIA = "application/json"
_STREAM_MEDIA = "text/event-stream"


@dataclass(frozen=True)
class Target:
    """One endpoint to derive schemas for; add a row to ``TARGETS`` to add an endpoint.

    ``path`` is as the spec writes it (without the ``/v1`` server prefix); ``stem``
    names the files: ``<stem>.request.json``, ``<stem>.response.json``,
    ``<stem>.stream_event.json``, ``<stem>.parameters.json``.
    """

    method: str
    path: str
    stem: str

    @property
    def endpoint(self) -> str:
        """The key used in ``index.json`` and by the validator: ``"POST /v1/chat/completions"``."""
        return f"{self.method.upper()} {API_PREFIX}{self.path}"


_VS_FILE = "/vector_stores/{vector_store_id}/files/{file_id}"
_VS_BATCHES = "/vector_stores/{vector_store_id}/file_batches"
_VS_BATCH = _VS_BATCHES + "/{batch_id}"
_FT_PERMISSIONS = "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"
_FT_JOB = "/fine_tuning/jobs/{fine_tuning_job_id}"
_THREAD = "/threads/{thread_id}"
_RUN = _THREAD + "/runs/{run_id}"
_EVAL = "/evals/{eval_id}"
_VIDEO = "/videos/{video_id}"
_EVAL_RUN = _EVAL + "/runs/{run_id}"
_ORG = "/organization"
_PROJECT = _ORG + "/projects/{project_id}"
_GROUP = _ORG + "/groups/{group_id}"
_ROLE_SCOPES = (
    ("organization.users.roles", _ORG + "/users/{user_id}/roles"),
    ("organization.groups.roles", _GROUP + "/roles"),
    ("organization.projects.users.roles", "/projects/{project_id}/users/{user_id}/roles"),
    ("organization.projects.groups.roles", "/projects/{project_id}/groups/{group_id}/roles"),
)


def _crud(
    path: str, one: str, stem: str, verbs: str = "create list retrieve update delete"
) -> tuple[Target, ...]:
    """The rows of a collection at ``path`` and its items at ``path + one``."""
    methods = {
        "create": ("POST", path),
        "list": ("GET", path),
        "retrieve": ("GET", path + one),
        "update": ("POST", path + one),
        "delete": ("DELETE", path + one),
    }
    return tuple(Target(*methods[verb], f"{stem}.{verb}") for verb in verbs.split())


def _admin_keys_and_settings() -> tuple[Target, ...]:
    """The rows of the admin API's keys and settings families (stems ``organization.*``
    and ``organization.projects.*``, as the SDK's ``client.admin.organization`` names
    the resources)."""
    org, proj = "/organization", "/organization/projects/{project_id}"
    wip = org + "/workload_identity_providers"
    no_update, keys = "create list retrieve delete", "list retrieve update delete"
    rows = [
        *_crud(org + "/admin_api_keys", "/{key_id}", "organization.admin_api_keys", no_update),
        *_crud(proj + "/api_keys", "/{api_key_id}", "organization.projects.api_keys", keys),
        *_crud(
            proj + "/service_accounts",
            "/{service_account_id}",
            "organization.projects.service_accounts",
        ),
        Target(
            "POST",
            proj + "/service_accounts/{service_account_id}/api_keys",
            "organization.projects.service_accounts.api_keys.create",
        ),
        *_crud(org + "/certificates", "/{certificate_id}", "organization.certificates"),
        Target("GET", proj + "/certificates", "organization.projects.certificates.list"),
        *_crud(org + "/spend_alerts", "/{alert_id}", "organization.spend_alerts"),
        *_crud(proj + "/spend_alerts", "/{alert_id}", "organization.projects.spend_alerts"),
        *_crud(
            org + "/external_keys", "/{external_key_id}", "organization.external_keys", no_update
        ),
        *_crud(
            org + "/external_storage",
            "/{external_storage_id}",
            "organization.external_storage",
            no_update,
        ),
        *_crud(wip, "/{workload_identity_provider_id}", "organization.workload_identity_providers"),
        *_crud(
            wip + "/{workload_identity_provider_id}/federation_rules",
            "/{workload_identity_federation_rule_id}",
            "organization.workload_identity_providers.federation_rules",
        ),
        Target(
            "DELETE", proj + "/model_permissions", "organization.projects.model_permissions.delete"
        ),
    ]
    for noun in ("external_keys", "external_storage"):
        one = f"{{{noun.removesuffix('s')}_id}}"
        rows.append(Target("POST", f"{org}/{noun}/{one}/validate", f"organization.{noun}.validate"))
    for scope, stem in ((org, "organization"), (proj, "organization.projects")):
        rows += [
            *_crud(scope + "/health/alert_rules", "/{alert_rule_id}", stem + ".health.alert_rules"),
            Target("GET", scope + "/health/alerts/{alert_id}", stem + ".health.alerts.retrieve"),
        ]
        for verb in ("activate", "deactivate"):
            path = f"{scope}/certificates/{verb}"
            rows.append(Target("POST", path, f"{stem}.certificates.{verb}"))
        for setting in ("data_retention", "spend_limit"):
            rows += [
                Target("GET", f"{scope}/{setting}", f"{stem}.{setting}.retrieve"),
                Target("POST", f"{scope}/{setting}", f"{stem}.{setting}.update"),
            ]
        rows.append(Target("DELETE", f"{scope}/spend_limit", f"{stem}.spend_limit.delete"))
    for setting in ("hosted_tool_permissions", "model_permissions", "service_tier_settings"):
        rows += [
            Target("GET", f"{proj}/{setting}", f"organization.projects.{setting}.retrieve"),
            Target("POST", f"{proj}/{setting}", f"organization.projects.{setting}.update"),
        ]
    return tuple(rows)


TARGETS: tuple[Target, ...] = (
    Target("POST", "/chat/completions", "chat.completions"),
    Target("GET", "/chat/completions", "chat.completions.list"),
    Target("GET", "/chat/completions/{completion_id}", "chat.completions.retrieve"),
    Target("POST", "/chat/completions/{completion_id}", "chat.completions.update"),
    Target("DELETE", "/chat/completions/{completion_id}", "chat.completions.delete"),
    Target("GET", "/chat/completions/{completion_id}/messages", "chat.completions.messages"),
    Target("GET", "/models", "models.list"),
    Target("GET", "/models/{model}", "models.retrieve"),
    Target("DELETE", "/models/{model}", "models.delete"),
    Target("POST", "/embeddings", "embeddings"),
    Target("POST", "/completions", "completions"),
    Target("POST", "/moderations", "moderations"),
    Target("POST", "/responses", "responses"),
    Target("GET", "/responses/{response_id}", "responses.retrieve"),
    Target("POST", "/responses/{response_id}/cancel", "responses.cancel"),
    Target("GET", "/responses/{response_id}/input_items", "responses.input_items"),
    Target("POST", "/responses/input_tokens", "responses.input_tokens"),
    Target("POST", "/responses/compact", "responses.compact"),
    Target("POST", "/conversations", "conversations.create"),
    Target("GET", "/conversations/{conversation_id}", "conversations.retrieve"),
    Target("POST", "/conversations/{conversation_id}", "conversations.update"),
    Target("DELETE", "/conversations/{conversation_id}", "conversations.delete"),
    Target("POST", "/conversations/{conversation_id}/items", "conversations.items.create"),
    Target("GET", "/conversations/{conversation_id}/items", "conversations.items.list"),
    Target(
        "GET", "/conversations/{conversation_id}/items/{item_id}", "conversations.items.retrieve"
    ),
    Target(
        "DELETE", "/conversations/{conversation_id}/items/{item_id}", "conversations.items.delete"
    ),
    Target("POST", "/audio/speech", "audio.speech"),
    Target("POST", "/audio/transcriptions", "audio.transcriptions"),
    Target("POST", "/audio/translations", "audio.translations"),
    Target("POST", "/audio/voice_consents", "audio.voice_consents.create"),
    Target("GET", "/audio/voice_consents", "audio.voice_consents.list"),
    Target("GET", "/audio/voice_consents/{consent_id}", "audio.voice_consents.retrieve"),
    Target("POST", "/audio/voice_consents/{consent_id}", "audio.voice_consents.update"),
    Target("DELETE", "/audio/voice_consents/{consent_id}", "audio.voice_consents.delete"),
    Target("POST", "/audio/voices", "audio.voices.create"),
    Target("POST", "/images/generations", "images.generations"),
    Target("POST", "/images/edits", "images.edits"),
    Target("POST", "/images/variations", "images.variations"),
    Target("POST", "/vector_stores", "vector_stores.create"),
    Target("GET", "/vector_stores", "vector_stores.list"),
    Target("GET", "/vector_stores/{vector_store_id}", "vector_stores.retrieve"),
    Target("POST", "/vector_stores/{vector_store_id}", "vector_stores.update"),
    Target("DELETE", "/vector_stores/{vector_store_id}", "vector_stores.delete"),
    Target("POST", "/vector_stores/{vector_store_id}/files", "vector_stores.files.create"),
    Target("GET", "/vector_stores/{vector_store_id}/files", "vector_stores.files.list"),
    Target("GET", _VS_FILE, "vector_stores.files.retrieve"),
    Target("POST", _VS_FILE, "vector_stores.files.update"),
    Target("DELETE", _VS_FILE, "vector_stores.files.delete"),
    Target("GET", _VS_FILE + "/content", "vector_stores.files.content"),
    Target("POST", _VS_BATCHES, "vector_stores.file_batches.create"),
    Target("GET", _VS_BATCH, "vector_stores.file_batches.retrieve"),
    Target("POST", _VS_BATCH + "/cancel", "vector_stores.file_batches.cancel"),
    Target("GET", _VS_BATCH + "/files", "vector_stores.file_batches.list_files"),
    Target("POST", "/vector_stores/{vector_store_id}/search", "vector_stores.search"),
    Target("POST", "/files", "files.create"),
    Target("GET", "/files", "files.list"),
    Target("GET", "/files/{file_id}", "files.retrieve"),
    Target("DELETE", "/files/{file_id}", "files.delete"),
    Target("GET", "/files/{file_id}/content", "files.content"),
    Target("POST", "/uploads", "uploads.create"),
    Target("POST", "/uploads/{upload_id}/parts", "uploads.parts"),
    Target("POST", "/uploads/{upload_id}/complete", "uploads.complete"),
    Target("POST", "/uploads/{upload_id}/cancel", "uploads.cancel"),
    Target("POST", "/batches", "batches.create"),
    Target("GET", "/batches", "batches.list"),
    Target("GET", "/batches/{batch_id}", "batches.retrieve"),
    Target("POST", "/batches/{batch_id}/cancel", "batches.cancel"),
    Target("POST", "/containers", "containers.create"),
    Target("GET", "/containers", "containers.list"),
    Target("GET", "/containers/{container_id}", "containers.retrieve"),
    Target("DELETE", "/containers/{container_id}", "containers.delete"),
    Target("POST", "/containers/{container_id}/files", "containers.files.create"),
    Target("GET", "/containers/{container_id}/files", "containers.files.list"),
    Target("GET", "/containers/{container_id}/files/{file_id}", "containers.files.retrieve"),
    Target("DELETE", "/containers/{container_id}/files/{file_id}", "containers.files.delete"),
    Target("GET", "/containers/{container_id}/files/{file_id}/content", "containers.files.content"),
    # The Assistants API (beta, legacy): assistants, threads, messages, runs, run steps.
    Target("POST", "/assistants", "assistants.create"),
    Target("GET", "/assistants", "assistants.list"),
    Target("GET", "/assistants/{assistant_id}", "assistants.retrieve"),
    Target("POST", "/assistants/{assistant_id}", "assistants.update"),
    Target("DELETE", "/assistants/{assistant_id}", "assistants.delete"),
    Target("POST", "/threads", "threads.create"),
    Target("POST", "/threads/runs", "threads.create_and_run"),
    Target("GET", _THREAD, "threads.retrieve"),
    Target("POST", _THREAD, "threads.update"),
    Target("DELETE", _THREAD, "threads.delete"),
    Target("POST", _THREAD + "/messages", "threads.messages.create"),
    Target("GET", _THREAD + "/messages", "threads.messages.list"),
    Target("GET", _THREAD + "/messages/{message_id}", "threads.messages.retrieve"),
    Target("POST", _THREAD + "/messages/{message_id}", "threads.messages.update"),
    Target("DELETE", _THREAD + "/messages/{message_id}", "threads.messages.delete"),
    Target("POST", _THREAD + "/runs", "threads.runs.create"),
    Target("GET", _THREAD + "/runs", "threads.runs.list"),
    Target("GET", _RUN, "threads.runs.retrieve"),
    Target("POST", _RUN, "threads.runs.update"),
    Target("POST", _RUN + "/cancel", "threads.runs.cancel"),
    Target("POST", _RUN + "/submit_tool_outputs", "threads.runs.submit_tool_outputs"),
    Target("GET", _RUN + "/steps", "threads.runs.steps.list"),
    Target("GET", _RUN + "/steps/{step_id}", "threads.runs.steps.retrieve"),
    # Skills and their versions.
    Target("POST", "/skills", "skills.create"),
    Target("GET", "/skills", "skills.list"),
    Target("GET", "/skills/{skill_id}", "skills.retrieve"),
    Target("POST", "/skills/{skill_id}", "skills.update"),
    Target("DELETE", "/skills/{skill_id}", "skills.delete"),
    Target("GET", "/skills/{skill_id}/content", "skills.content"),
    Target("POST", "/skills/{skill_id}/versions", "skills.versions.create"),
    Target("GET", "/skills/{skill_id}/versions", "skills.versions.list"),
    Target("GET", "/skills/{skill_id}/versions/{version}", "skills.versions.retrieve"),
    Target("DELETE", "/skills/{skill_id}/versions/{version}", "skills.versions.delete"),
    Target("GET", "/skills/{skill_id}/versions/{version}/content", "skills.versions.content"),
    # Realtime's HTTP routes (client secrets, beta sessions, calls).
    Target("POST", "/realtime/client_secrets", "realtime.client_secrets.create"),
    Target(
        "POST",
        "/realtime/translations/client_secrets",
        "realtime.translations.client_secrets.create",
    ),
    Target("POST", "/realtime/sessions", "realtime.sessions.create"),
    Target("POST", "/realtime/transcription_sessions", "realtime.transcription_sessions.create"),
    Target("POST", "/realtime/calls", "realtime.calls.create"),
    *(
        Target("POST", f"/realtime/calls/{{call_id}}/{verb}", f"realtime.calls.{verb}")
        for verb in ("accept", "hangup", "refer", "reject")
    ),
    # ChatKit (beta).
    Target("POST", "/chatkit/sessions", "chatkit.sessions.create"),
    Target("POST", "/chatkit/sessions/{session_id}/cancel", "chatkit.sessions.cancel"),
    Target("GET", "/chatkit/threads", "chatkit.threads.list"),
    Target("GET", "/chatkit/threads/{thread_id}", "chatkit.threads.retrieve"),
    Target("DELETE", "/chatkit/threads/{thread_id}", "chatkit.threads.delete"),
    Target("GET", "/chatkit/threads/{thread_id}/items", "chatkit.threads.list_items"),
    Target("POST", "/content_provenance_checks", "content_provenance_checks.create"),
    # Webhook endpoints (the SDK-only operations: mockapi.validation.additions_webhooks).
    *(Target(*row) for row in additions_webhooks.TARGETS),
    # The Live API's HTTP routes (SDK-only: mockapi.validation.additions_live).
    *(Target(*row) for row in additions_live.TARGETS),
    *(Target(*row) for row in additions_decisions.TARGETS),
    *(Target(*row) for row in additions_safety.TARGETS),
    # The Agents platform's environments, files, templates (additions_agents_environments).
    *(Target(*row) for row in additions_agents_environments.TARGETS),
    # The Agents platform's vaults, credentials, automations (additions_agents_vaults).
    *(Target(*row) for row in additions_agents_vaults.TARGETS),
    # The Agents platform's agents and sessions (the SDK's types: additions_agents_sessions).
    *(Target(*row) for row in additions_agents_sessions.TARGETS),
    Target("POST", _FT_PERMISSIONS, "fine_tuning.checkpoints.permissions.create"),
    Target("GET", _FT_PERMISSIONS, "fine_tuning.checkpoints.permissions.list"),
    Target(
        "DELETE", _FT_PERMISSIONS + "/{permission_id}", "fine_tuning.checkpoints.permissions.delete"
    ),
    Target("POST", "/fine_tuning/alpha/graders/run", "fine_tuning.alpha.graders.run"),
    Target("POST", "/fine_tuning/alpha/graders/validate", "fine_tuning.alpha.graders.validate"),
    Target("POST", "/fine_tuning/jobs", "fine_tuning.jobs.create"),
    Target("GET", "/fine_tuning/jobs", "fine_tuning.jobs.list"),
    Target("GET", _FT_JOB, "fine_tuning.jobs.retrieve"),
    Target("POST", _FT_JOB + "/cancel", "fine_tuning.jobs.cancel"),
    Target("POST", _FT_JOB + "/pause", "fine_tuning.jobs.pause"),
    Target("POST", _FT_JOB + "/resume", "fine_tuning.jobs.resume"),
    Target("GET", _FT_JOB + "/events", "fine_tuning.jobs.events"),
    Target("GET", _FT_JOB + "/checkpoints", "fine_tuning.jobs.checkpoints"),
    # Videos (the API shut down on 2026-09-24; served as it was), characters, content.
    Target("POST", "/videos", "videos.create"),
    Target("GET", "/videos", "videos.list"),
    Target("GET", _VIDEO, "videos.retrieve"),
    Target("DELETE", _VIDEO, "videos.delete"),
    Target("POST", _VIDEO + "/remix", "videos.remix"),
    Target("GET", _VIDEO + "/content", "videos.content"),
    Target("POST", "/videos/edits", "videos.edits"),
    Target("POST", "/videos/extensions", "videos.extensions"),
    Target("POST", "/videos/characters", "videos.characters.create"),
    Target("GET", "/videos/characters/{character_id}", "videos.characters.retrieve"),
    # Evals, their runs and output items (the SDK cancels a run at .../cancel, which the
    # spec lacks: mockapi.validation.additions_evals; the spec's cancel posts on the run).
    Target("POST", "/evals", "evals.create"),
    Target("GET", "/evals", "evals.list"),
    Target("GET", _EVAL, "evals.retrieve"),
    Target("POST", _EVAL, "evals.update"),
    Target("DELETE", _EVAL, "evals.delete"),
    Target("POST", _EVAL + "/runs", "evals.runs.create"),
    Target("GET", _EVAL + "/runs", "evals.runs.list"),
    Target("GET", _EVAL_RUN, "evals.runs.retrieve"),
    Target("POST", _EVAL_RUN + "/cancel", "evals.runs.cancel"),
    Target("POST", _EVAL_RUN, "evals.runs.cancel_run"),
    Target("DELETE", _EVAL_RUN, "evals.runs.delete"),
    Target("GET", _EVAL_RUN + "/output_items", "evals.runs.output_items.list"),
    Target("GET", _EVAL_RUN + "/output_items/{output_item_id}", "evals.runs.output_items.retrieve"),
    # The Administration API's core organization (admin.projects, users, invites, roles,
    # role assignments, groups, a project's users and groups).
    Target("POST", _ORG + "/projects", "organization.projects.create"),
    Target("GET", _ORG + "/projects", "organization.projects.list"),
    Target("GET", _PROJECT, "organization.projects.retrieve"),
    Target("POST", _PROJECT, "organization.projects.update"),
    Target("POST", _PROJECT + "/archive", "organization.projects.archive"),
    Target("GET", _ORG + "/users", "organization.users.list"),
    Target("GET", _ORG + "/users/{user_id}", "organization.users.retrieve"),
    Target("POST", _ORG + "/users/{user_id}", "organization.users.update"),
    Target("DELETE", _ORG + "/users/{user_id}", "organization.users.delete"),
    Target("POST", _ORG + "/invites", "organization.invites.create"),
    Target("GET", _ORG + "/invites", "organization.invites.list"),
    Target("GET", _ORG + "/invites/{invite_id}", "organization.invites.retrieve"),
    Target("DELETE", _ORG + "/invites/{invite_id}", "organization.invites.delete"),
    *(
        target
        for stem, path in (
            ("organization.roles", _ORG + "/roles"),
            ("organization.projects.roles", "/projects/{project_id}/roles"),
        )
        for target in (
            Target("POST", path, stem + ".create"),
            Target("GET", path, stem + ".list"),
            Target("GET", path + "/{role_id}", stem + ".retrieve"),
            Target("POST", path + "/{role_id}", stem + ".update"),
            Target("DELETE", path + "/{role_id}", stem + ".delete"),
        )
    ),
    *(
        target
        for stem, path in _ROLE_SCOPES
        for target in (
            Target("POST", path, stem + ".create"),
            Target("GET", path, stem + ".list"),
            Target("GET", path + "/{role_id}", stem + ".retrieve"),
            Target("DELETE", path + "/{role_id}", stem + ".delete"),
        )
    ),
    Target("POST", _ORG + "/groups", "organization.groups.create"),
    Target("GET", _ORG + "/groups", "organization.groups.list"),
    Target("GET", _GROUP, "organization.groups.retrieve"),
    Target("POST", _GROUP, "organization.groups.update"),
    Target("DELETE", _GROUP, "organization.groups.delete"),
    Target("POST", _GROUP + "/users", "organization.groups.users.create"),
    Target("GET", _GROUP + "/users", "organization.groups.users.list"),
    Target("GET", _GROUP + "/users/{user_id}", "organization.groups.users.retrieve"),
    Target("DELETE", _GROUP + "/users/{user_id}", "organization.groups.users.delete"),
    Target("POST", _PROJECT + "/users", "organization.projects.users.create"),
    Target("GET", _PROJECT + "/users", "organization.projects.users.list"),
    Target("GET", _PROJECT + "/users/{user_id}", "organization.projects.users.retrieve"),
    Target("POST", _PROJECT + "/users/{user_id}", "organization.projects.users.update"),
    Target("DELETE", _PROJECT + "/users/{user_id}", "organization.projects.users.delete"),
    Target("POST", _PROJECT + "/groups", "organization.projects.groups.create"),
    Target("GET", _PROJECT + "/groups", "organization.projects.groups.list"),
    Target("GET", _PROJECT + "/groups/{group_id}", "organization.projects.groups.retrieve"),
    Target("DELETE", _PROJECT + "/groups/{group_id}", "organization.projects.groups.delete"),
    # What the organization observed: audit logs, usage and costs, a project's rate limits.
    Target("GET", "/organization/audit_logs", "organization.audit_logs.list"),
    *(
        Target("GET", f"/organization/usage/{name}", f"organization.usage.{name}")
        for name in (
            "completions",
            "embeddings",
            "moderations",
            "images",
            "audio_speeches",
            "audio_transcriptions",
            "vector_stores",
            "code_interpreter_sessions",
            "file_search_calls",
            "web_search_calls",
        )
    ),
    Target("GET", "/organization/costs", "organization.costs"),
    Target(
        "GET", "/organization/projects/{project_id}/rate_limits", "organization.rate_limits.list"
    ),
    Target(
        "POST",
        "/organization/projects/{project_id}/rate_limits/{rate_limit_id}",
        "organization.rate_limits.update",
    ),
    # The admin API's keys and settings (admin.admin_keys, project_keys, service_accounts,
    # certificates, settings, spend, external, workload_identity, health); the operations
    # the spec lacks are declared by mockapi.validation.additions_admin.
    *_admin_keys_and_settings(),
)


# JSON Schema 2020-12 keywords (core, applicator, unevaluated, validation, meta-data,
# format, content). Anything else in the spec is OpenAPI-only or a typo
# (``optional``, ``min_items``) and is dropped; ``discriminator`` is kept as an
# annotation (validators ignore it; mockapi's error translation and synthesis can use it).
_KEEP = frozenset(
    {
        "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
        "prefixItems", "items", "contains", "properties", "patternProperties",
        "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
        "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
        "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
        "required", "dependentRequired", "title", "default", "deprecated", "readOnly",
        "writeOnly", "format", "contentEncoding", "contentMediaType", "contentSchema",
        "discriminator",
    }
)  # fmt: skip
_SUBSCHEMA = frozenset(
    {
        "items", "additionalProperties", "not", "if", "then", "else", "contains",
        "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    }
)  # fmt: skip
_SUBSCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAP = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
# Keywords that make a schema more than "a value of this type": a nullable schema with
# any of them can't just get "null" added to its type, it has to be wrapped.
_APPLICATORS = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if"})
# Annotations that stay on the outside when a nullable schema is wrapped.
_OUTER = frozenset({"title", "default", "deprecated", "readOnly", "writeOnly"})


def derive(
    spec: Mapping[str, Any],
    *,
    targets: tuple[Target, ...] = TARGETS,
    patches: tuple[Patch, ...] = PATCHES,
    media_patches: tuple[MediaPatch, ...] = MEDIA_PATCHES,
    added: tuple[Operation, ...] = (
        *additions_admin.OPERATIONS,
        *additions_evals.OPERATIONS,
        *additions_webhooks.OPERATIONS,
        *additions_live.OPERATIONS,
        *additions_decisions.OPERATIONS,
        *additions_safety.OPERATIONS,
        *additions_agents_environments.OPERATIONS,
        *additions_agents_vaults.OPERATIONS,
        *additions_agents_sessions.OPERATIONS,
    ),
    source_name: str = "openapi.yaml",
) -> dict[str, dict[str, Any]]:
    """All schema documents for ``targets`` plus ``index.json``, keyed by file name.

    ``added``: operations the SDK calls that the spec lacks
    (:mod:`mockapi.validation.additions`), added to the spec first with the components
    they name."""
    if added:
        spec = additions.extend(spec, added, additions_admin.COMPONENTS, why=additions_admin.WHY)
        for more in (additions_webhooks, additions_live, additions_decisions, additions_safety):
            spec = additions.extend(spec, (), more.COMPONENTS, why=more.WHY)
        agents_environments = additions_agents_environments
        spec = additions.extend(
            spec, (), agents_environments.COMPONENTS, why=agents_environments.WHY
        )
        vaults = additions_agents_vaults
        spec = additions.extend(spec, (), vaults.COMPONENTS, why=vaults.WHY)
        agents = additions_agents_sessions
        spec = additions.extend(spec, (), agents.COMPONENTS, why=agents.WHY)
    _check_media_patches(targets, media_patches)
    components = apply_patches(_components(spec), patches)
    info = spec.get("info") or {}
    source = {
        "file": source_name,
        "openapi": str(spec.get("openapi", "")),
        "title": str(info.get("title", "")),
        "version": str(info.get("version", "")),
    }
    comment = (
        f"Derived from {source['title']} {source['version']} ({source_name}) by "
        "`mockapi schemas derive`; do not edit by hand."
    )
    files: dict[str, dict[str, Any]] = {}
    endpoints: dict[str, dict[str, str]] = {}
    for target in targets:
        entry: dict[str, str] = {}
        found = _target_schemas(spec, target)
        notes = _add_media_patches(found, target, media_patches)
        for role, schema in found.items():
            name = f"{target.stem}.{role}.json"
            note = f"{comment} {notes[role]}" if role in notes else comment
            files[name] = schema_document(schema, components, comment=note)
            entry[role] = name
        if not entry:
            raise SchemaError(
                f"{target.endpoint}: the spec declares no JSON request or response schema "
                "for it; remove the row from mockapi.validation.derive.TARGETS "
                "or fix its path/method"
            )
        endpoints[target.endpoint] = entry
    files[INDEX_FILE] = {
        "$comment": comment,
        "endpoints": endpoints,
        "format": INDEX_FORMAT,
        "source": source,
    }
    return files


def schema_document(
    root: Mapping[str, Any], components: Mapping[str, Any], *, comment: str = ""
) -> dict[str, Any]:
    """One self-contained document: ``root`` converted, plus every component it reaches."""
    converter = _Converter(components)
    document = converter.schema(root, component=None)
    if not isinstance(document, dict):
        raise SchemaError(f"a root schema must be an object, got {document!r}")
    defs: dict[str, Any] = {}
    while converter.pending:
        name = converter.pending.pop()
        defs[name] = converter.schema(components[name], component=name)
    result = {"$schema": DIALECT, **document}
    if comment:
        result["$comment"] = comment
    if defs:
        result["$defs"] = defs
    return result


def apply_patches(components: Mapping[str, Any], patches: tuple[Patch, ...]) -> dict[str, Any]:
    """A copy of ``components`` with ``patches`` applied; the input is left untouched."""
    result = dict(components)
    for patch in patches:
        where = f"patch of {patch.component} at {'/'.join(map(str, patch.at)) or '(root)'}"
        if patch.component not in components:
            raise SchemaError(
                f"{where}: the spec has no such component; "
                "update mockapi.validation.patches.PATCHES"
            )
        if result[patch.component] is components[patch.component]:
            result[patch.component] = copy.deepcopy(components[patch.component])
        node = result[patch.component]
        try:
            for step in patch.at:
                node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
        if not isinstance(node, dict):
            raise SchemaError(
                f"{where}: no schema there; update mockapi.validation.patches.PATCHES"
            )
        missing = [k for k in patch.drop if k not in node]
        missing += [f"required {n!r}" for n in patch.unrequire if n not in node.get("required", [])]
        if missing:
            raise SchemaError(
                f"{where}: {', '.join(missing)} not found (the spec changed?); "
                "update or remove the patch in mockapi.validation.patches.PATCHES"
            )
        for key in patch.drop:
            del node[key]
        node.update(patch.set)
        if patch.unrequire:
            node["required"] = [n for n in node["required"] if n not in patch.unrequire]
        node["$comment"] = patch.why
    return result


def _check_media_patches(targets: tuple[Target, ...], patches: tuple[MediaPatch, ...]) -> None:
    # A patch for an operation outside ``targets`` is not applied (a test's own targets);
    # tests/unit/validation/test_media_patches.py checks each names a row of TARGETS.
    for patch in patches:
        if patch.role not in ROLES:
            raise SchemaError(
                f"media patch of {patch.method} {patch.path}: role {patch.role!r} is not one "
                f"of {', '.join(ROLES)}; update mockapi.validation.patches.MEDIA_PATCHES"
            )


def _add_media_patches(
    found: dict[str, Any], target: Target, patches: tuple[MediaPatch, ...]
) -> dict[str, str]:
    """Add the roles ``patches`` declare for ``target`` to ``found``; their evidence by role."""
    notes: dict[str, str] = {}
    for patch in patches:
        if (patch.method, patch.path) != (target.method, target.path):
            continue
        if patch.role in found:
            raise SchemaError(
                f"media patch of {target.endpoint}: the spec now declares its {patch.role} "
                "schema; remove the patch from mockapi.validation.patches.MEDIA_PATCHES"
            )
        found[patch.role] = {"$ref": _COMPONENT_PREFIX + patch.component}
        notes[patch.role] = patch.why
    return notes


def _components(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    components = (spec.get("components") or {}).get("schemas")
    if not isinstance(components, Mapping):
        raise SchemaError(
            "the spec has no components.schemas: is this the OpenAI OpenAPI document "
            "(openapi.yaml from github.com/openai/openai-openapi)?"
        )
    return components


def _target_schemas(spec: Mapping[str, Any], target: Target) -> dict[str, Any]:
    """The raw (OpenAPI) schemas of a target by role; roles the spec lacks are absent."""
    path_item = (spec.get("paths") or {}).get(target.path)
    operation = (path_item or {}).get(target.method.lower())
    if not isinstance(operation, Mapping):
        raise SchemaError(
            f"{target.endpoint}: the spec has no operation {target.method.lower()} on "
            f"paths[{target.path!r}]; fix the row in mockapi.validation.derive.TARGETS"
        )
    found: dict[str, Any] = {}
    body = (operation.get("requestBody") or {}).get("content") or {}
    for role, media in _REQUEST_MEDIA.items():
        if "schema" in (body.get(media) or {}):
            found[role] = body[media]["schema"]
    responses = operation.get("responses") or {}
    ok = sorted(str(code) for code in responses if str(code).startswith("2"))
    if ok:
        content = (responses.get(ok[0]) or responses.get(int(ok[0])) or {}).get("content") or {}
        if "schema" in (content.get(_RESPONSE_MEDIA) or {}):
            found["response"] = content[_RESPONSE_MEDIA]["schema"]
        if "schema" in (content.get(_STREAM_MEDIA) or {}):
            found["stream_event"] = content[_STREAM_MEDIA]["schema"]
    parameters = _parameters(spec, target, (path_item or {}).get("parameters"), operation)
    if parameters is not None:
        found["parameters"] = parameters
    return found


def _parameters(
    spec: Mapping[str, Any], target: Target, shared: Any, operation: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The operation's query and path parameters as one object schema, or None if none.

    Each parameter is a property holding its ``schema``; path parameters and required
    query ones are ``required``. Other query parameters are allowed (the API ignores
    them; Azure sends ``api-version``). Headers and cookies are left out: they are
    not the client's data. The operation's own parameters override the path item's.
    """
    declared: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in [*(shared or []), *(operation.get("parameters") or [])]:
        parameter = _parameter(spec, target, raw)
        declared[(str(parameter.get("in")), str(parameter.get("name")))] = parameter
    properties: dict[str, Any] = {}
    required: list[str] = []
    for (where, name), parameter in declared.items():
        if where not in ("query", "path"):
            continue
        if name in properties:
            raise SchemaError(
                f"{target.endpoint}: the parameter {name!r} is declared both in the path "
                "and in the query; validation keeps them in one object, so rename one"
            )
        properties[name] = parameter.get("schema") or {}
        if where == "path" or parameter.get("required") is True:
            required.append(name)
    if not properties:
        return None
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _parameter(spec: Mapping[str, Any], target: Target, raw: Any) -> Mapping[str, Any]:
    """A parameter object, following a ``$ref`` to ``#/components/parameters``."""
    if isinstance(raw, Mapping) and isinstance(raw.get("$ref"), str):
        name = raw["$ref"].removeprefix("#/components/parameters/")
        raw = ((spec.get("components") or {}).get("parameters") or {}).get(name)
    if not isinstance(raw, Mapping) or "name" not in raw or "in" not in raw:
        raise SchemaError(
            f"{target.endpoint}: a parameter is not a parameter object with 'name' and "
            f"'in' ({raw!r}); fix the spec or the row in mockapi.validation.derive.TARGETS"
        )
    return raw


class _Converter:
    """Converts OpenAPI schema objects to JSON Schema, collecting the components used."""

    def __init__(self, components: Mapping[str, Any]) -> None:
        self.components = components
        self.seen: set[str] = set()
        self.pending: list[str] = []

    def schema(self, node: Any, *, component: str | None) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise SchemaError(
                f"in {component or 'a root schema'}: expected a schema object, got {node!r}"
            )
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$recursiveRef":  # 2019-09: recurse to the enclosing component
                out["$ref"] = self.ref(f"{_COMPONENT_PREFIX}{component}", component)
            elif key not in _KEEP:
                continue
            elif key == "$ref":
                out[key] = self.ref(value, component)
            elif key in _SUBSCHEMA:
                out[key] = self.schema(value, component=component)
            elif key in _SUBSCHEMA_LIST:
                out[key] = [self.schema(item, component=component) for item in value]
            elif key in _SUBSCHEMA_MAP:
                out[key] = {k: self.schema(v, component=component) for k, v in value.items()}
            elif key == "discriminator":
                out[key] = self.discriminator(value, component)
            else:
                out[key] = _json_value(value)
        _exclusive_bounds(out)
        return _nullable(out) if node.get("nullable") is True else out

    def ref(self, ref: Any, component: str | None) -> str:
        if not isinstance(ref, str) or not ref.startswith(_COMPONENT_PREFIX):
            raise SchemaError(
                f"in {component or 'a root schema'}: $ref {ref!r} does not point into "
                "#/components/schemas; only schema components can be inlined"
            )
        name = ref[len(_COMPONENT_PREFIX) :]
        if name not in self.components:
            raise SchemaError(
                f"in {component or 'a root schema'}: $ref {ref!r} names a component the "
                "spec does not define"
            )
        if name not in self.seen:
            self.seen.add(name)
            self.pending.append(name)
        return "#/$defs/" + name.replace("~", "~0").replace("/", "~1")

    def discriminator(self, value: Any, component: str | None) -> Any:
        if not isinstance(value, Mapping):
            return _json_value(value)
        out = {k: _json_value(v) for k, v in value.items() if k != "mapping"}
        if isinstance(value.get("mapping"), Mapping):
            out["mapping"] = {k: self.ref(v, component) for k, v in value["mapping"].items()}
        return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate OpenAPI 3.0 ``nullable: true`` (already removed from ``schema``)."""
    kind = schema.get("type")
    if kind is not None and not (schema.keys() & _APPLICATORS):
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if "null" not in kinds:
            schema["type"] = [*kinds, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        if "const" in schema and schema["const"] is not None:
            schema["enum"] = [schema.pop("const"), None]
        return schema
    outer = {k: v for k, v in schema.items() if k in _OUTER}
    inner = {k: v for k, v in schema.items() if k not in _OUTER}
    return {**outer, "anyOf": [inner, {"type": "null"}]}


def _exclusive_bounds(schema: dict[str, Any]) -> None:
    """OpenAPI 3.0's ``exclusiveMinimum: true`` + ``minimum: 0`` -> ``exclusiveMinimum: 0``."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = schema.get(exclusive)
        if isinstance(flag, bool):
            del schema[exclusive]
            if flag and bound in schema:
                schema[exclusive] = schema.pop(bound)


def _json_value(value: Any) -> Any:
    """A data value (enum member, default...) as plain JSON; YAML dates become ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def ref_resolver(document: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A function following the local ``#/$defs/X`` refs of a derived ``document`` (the
    only kind :func:`schema_document` writes) to the schema they name."""
    defs = document.get("$defs", {})

    def resolve(node: Any) -> Any:
        for _ in range(32):  # a chain of refs; more means a cycle
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
                return node
            name = ref[len("#/$defs/") :].replace("~1", "/").replace("~0", "~")
            if name not in defs:
                return node
            node = defs[name]
        return node

    return resolve
