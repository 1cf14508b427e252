"""The webhook endpoints API the spec lacks, for :func:`mockapi.validation.additions.extend`.

``client.webhooks`` (openai 3.63) manages webhook endpoints: ``/webhook_endpoints``
(create, list, retrieve, update, delete), ``.../rotate_secret``, ``.../test`` and
``/webhook_event_types``. ``openapi.yaml`` declares none of them; these operations and
components are written from the SDK's own types (``types/webhooks/webhook_*.py``).
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
)

WHY = (
    "mockapi: not in the OpenAI spec; written from the official SDK's types "
    "(openai-python 3.63, client.webhooks: types/webhooks/webhook_*.py)"
)
EVENT_TYPES = (
    "health.alert.triggered", "health.alert.resolved",
    "batch.completed", "batch.failed", "batch.expired", "batch.cancelled",
    "response.completed", "response.failed", "response.cancelled", "response.incomplete",
    "eval.run.succeeded", "eval.run.failed", "eval.run.canceled",
    "fine_tuning.job.succeeded", "fine_tuning.job.failed", "fine_tuning.job.cancelled",
    "realtime.call.incoming", "video.completed", "video.failed",
    "agent.environment.ready", "agent.environment.failed", "agent.environment.suspended",
    "agent.environment.expired", "agent.session.created", "agent.session.action_required",
    "agent.session.in_progress", "agent.session.idle", "agent.session.failed",
    "safety.alert.created",
)  # fmt: skip
_TYPES: dict[str, Any] = {"type": "array", "items": enum(*EVENT_TYPES)}
_ENDPOINT = {
    "id": STR,
    "object": enum("webhook_endpoint"),
    "name": STR,
    "url": STR,
    "event_types": STRS,
    "signing_secret_hint": nullable(STR),
    "created_at": INT,
    "updated_at": nullable(INT),
}
_REQUIRED = ("id", "object", "name", "url", "event_types", "created_at")
COMPONENTS: dict[str, Any] = {
    "WebhookEndpoint": obj(_REQUIRED, **_ENDPOINT),
    "WebhookEndpointWithSecret": obj(
        (*_REQUIRED, "signing_secret"), **_ENDPOINT, signing_secret=STR
    ),
    "WebhookEndpointList": cursor_list("WebhookEndpoint"),
    "DeletedWebhookEndpoint": deleted("webhook_endpoint.deleted"),
    "WebhookEndpointTestResult": obj(
        ("object", "webhook_endpoint_id", "event_type", "status_code", "success"),
        object=enum("webhook_endpoint.test"),
        webhook_endpoint_id=STR,
        event_type=STR,
        status_code=INT,
        success={"type": "boolean", "enum": [True]},
    ),
    "WebhookEventTypeList": obj(("object", "data"), object=enum("list"), data=STRS),
    "CreateWebhookEndpointRequest": {
        **obj(("name", "url", "event_types"), name=STR, url=STR, event_types=_TYPES),
        "additionalProperties": False,
    },
    "UpdateWebhookEndpointRequest": {
        **obj((), name=STR, url=STR, event_types=_TYPES),
        "additionalProperties": False,
    },
    "RotateWebhookEndpointSecretRequest": {
        **obj((), keep_old_secret_active_for_24_hours=BOOL),
        "additionalProperties": False,
    },
    "TestWebhookEndpointRequest": {
        **obj(("event_type",), event_type=enum(*EVENT_TYPES)),
        "additionalProperties": False,
    },
}
_ONE = "/webhook_endpoints/{webhook_endpoint_id}"
_PAGING = (("after", nullable(STR)), ("limit", {"type": "integer", "minimum": 1, "maximum": 100}))
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/webhook_endpoints",
        WHY,
        request="CreateWebhookEndpointRequest",
        response="WebhookEndpointWithSecret",
    ),
    Operation("GET", "/webhook_endpoints", WHY, response="WebhookEndpointList", query=_PAGING),
    Operation("GET", _ONE, WHY, response="WebhookEndpoint"),
    Operation(
        "POST", _ONE, WHY, request="UpdateWebhookEndpointRequest", response="WebhookEndpoint"
    ),
    Operation("DELETE", _ONE, WHY, response="DeletedWebhookEndpoint"),
    Operation(
        "POST",
        _ONE + "/rotate_secret",
        WHY,
        request="RotateWebhookEndpointSecretRequest",
        response="WebhookEndpointWithSecret",
    ),
    Operation(
        "POST",
        _ONE + "/test",
        WHY,
        request="TestWebhookEndpointRequest",
        response="WebhookEndpointTestResult",
    ),
    Operation("GET", "/webhook_event_types", WHY, response="WebhookEventTypeList"),
)
TARGETS = (
    ("POST", "/webhook_endpoints", "webhooks.create"),
    ("GET", "/webhook_endpoints", "webhooks.list"),
    ("GET", _ONE, "webhooks.retrieve"),
    ("POST", _ONE, "webhooks.update"),
    ("DELETE", _ONE, "webhooks.delete"),
    ("POST", _ONE + "/rotate_secret", "webhooks.rotate_secret"),
    ("POST", _ONE + "/test", "webhooks.test"),
    ("GET", "/webhook_event_types", "webhooks.event_types.list"),
)
"""The derive rows (method, path, stem) of these operations."""
