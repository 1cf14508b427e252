"""Which operations of the spec get schemas: :data:`TARGETS`, one :class:`Target` per
endpoint mockapi serves (add a row to add an endpoint, then re-derive with ``mockapi
schemas derive``). The SDK-only operations the spec lacks are declared by the
``additions_*`` modules and listed here through their ``TARGETS``."""

from __future__ import annotations

from dataclasses import dataclass

from mockapi.validation import (
    additions_agents_environments,
    additions_agents_sessions,
    additions_agents_vaults,
    additions_decisions,
    additions_live,
    additions_safety,
    additions_webhooks,
)

API_PREFIX = "/v1"  # the path of the spec's server URL, https://api.openai.com/v1


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
