"""The health alert rule and alert operations the spec lacks (organization and project
scopes), declared from the SDK's types (``openai/types/admin/organization/health``) for
:mod:`mockapi.validation.additions_admin`, which gathers every admin addition."""

from __future__ import annotations

from typing import Any

from mockapi.validation.additions import (
    BOOL,
    INT,
    NUM,
    STR,
    STRS,
    Operation,
    deleted,
    enum,
    nullable,
    obj,
    ref,
)

WHY = (
    "mockapi: not in the OpenAI spec; declared from the official SDK's types "
    "(openai-python 3.63, openai/types/admin/organization/health)"
)

_TIERS = enum("default", "priority", "flex", "scale")
_CONDITIONS = {
    "error_rate": (
        ("threshold", "window_seconds"),
        {
            "threshold": NUM,
            "window_seconds": INT,
            "status_class": enum("all", "4xx", "5xx"),
            "status_codes": nullable({"type": "array", "items": INT}),
        },
        ("status_class",),
    ),
    "prompt_cache_hit_rate": (("threshold",), {"threshold": NUM}, ()),
    "rate_limit_utilization": (
        ("metric",),
        {
            "metric": enum("rpm", "tpm"),
            "consecutive_minutes": nullable(INT),
            "threshold": nullable(NUM),
        },
        ("consecutive_minutes", "threshold"),
    ),
    "service_tier_fallback_rate": (
        ("threshold",),
        {"threshold": NUM, "source_tier": nullable(enum("fast"))},
        ("source_tier",),
    ),
}


def _condition(kind: str, *, answer: bool) -> dict[str, Any]:
    """A condition branch: as a request gives it, or (``answer``) as a rule shows it,
    with its defaults filled in (the SDK model requires them, not null)."""
    required, fields, defaulted = _CONDITIONS[kind]
    if answer:
        required = (*required, *defaulted)
        fields = {
            name: schema["anyOf"][0] if name in defaulted and "anyOf" in schema else schema
            for name, schema in fields.items()
        }
    return obj(("type", *required), type=enum(kind), **fields)


def _conditions(*, answer: bool) -> dict[str, Any]:
    return {"oneOf": [_condition(kind, answer=answer) for kind in _CONDITIONS]}


_FILTERS_GIVEN = obj(
    models=nullable(STRS),
    observability_tags=STRS,
    project_ids=nullable(STRS),
    service_tiers=nullable({"type": "array", "items": _TIERS}),
)
_FILTERS_SHOWN = obj(
    ("models", "observability_tags", "project_ids", "service_tiers"),
    models=STRS,
    observability_tags=STRS,
    project_ids=STRS,
    service_tiers={"type": "array", "items": _TIERS},
)
_EMAIL = {"addresses": STRS, "enabled": BOOL, "org_owners": BOOL, "project_owners": BOOL}
_NOTIFICATIONS_GIVEN = obj(email=obj(**_EMAIL), webhook=obj(enabled=BOOL))
_NOTIFICATIONS_SHOWN = obj(
    ("email", "webhook"),
    email=obj(tuple(_EMAIL), **_EMAIL),
    webhook=obj(("enabled",), enabled=BOOL),
)
_MEASUREMENT_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "error_rate": {"error_count": INT, "request_count": INT},
    "prompt_cache_hit_rate": {"cached_input_token_count": INT, "input_token_count": INT},
    "rate_limit_utilization": {
        "consecutive_minutes": INT,
        "metric": enum("rpm", "tpm"),
        "rate_limit_scope": STR,
    },
    "service_tier_fallback_rate": {
        "eligible_attempt_count": INT,
        "fallback_count": INT,
        "source_tier": enum("fast"),
    },
}

COMPONENTS: dict[str, Any] = {
    "HealthAlertRule": obj(
        (
            "id",
            "condition",
            "created_at",
            "enabled",
            "filters",
            "name",
            "notifications",
            "object",
            "organization_id",
            "updated_at",
            "version",
        ),
        id=STR,
        condition=_conditions(answer=True),
        created_at=INT,
        enabled=BOOL,
        filters=_FILTERS_SHOWN,
        name=STR,
        notifications=_NOTIFICATIONS_SHOWN,
        object=enum("health.alert_rule"),
        organization_id=STR,
        updated_at=INT,
        version=INT,
    ),
    "HealthAlertRuleList": obj(
        ("object", "data", "has_more"),
        object=enum("list"),
        data={"type": "array", "items": ref("HealthAlertRule")},
        has_more=BOOL,
        next=nullable(STR),
    ),
    "HealthAlertRuleCreateRequest": obj(
        ("condition", "name"),
        condition=_conditions(answer=False),
        name=STR,
        enabled=nullable(BOOL),
        filters=nullable(_FILTERS_GIVEN),
        notifications=nullable(_NOTIFICATIONS_GIVEN),
    ),
    "HealthAlertRuleUpdateRequest": obj(
        ("expected_version",),
        expected_version=INT,
        condition=_conditions(answer=False),
        enabled=BOOL,
        filters=_FILTERS_GIVEN,
        name=STR,
        notifications=_NOTIFICATIONS_GIVEN,
    ),
    "DeletedHealthAlertRule": deleted("health.alert_rule.deleted"),
    "HealthAlert": obj(
        (
            "id",
            "alert_rule_id",
            "created_at",
            "dimensions",
            "measurement",
            "object",
            "occurred_at",
            "type",
            "window",
        ),
        id=STR,
        alert_rule_id=STR,
        created_at=INT,
        dimensions=obj(
            model=nullable(STR),
            project_id=nullable(STR),
            service_tier=nullable(STR),
            http_status=nullable(INT),
            observability_tag=nullable(STR),
        ),
        measurement={
            "oneOf": [
                obj(
                    ("type", "threshold", "value", *fields),
                    type=enum(kind),
                    threshold=NUM,
                    value=NUM,
                    **fields,
                )
                for kind, fields in _MEASUREMENT_FIELDS.items()
            ]
        },
        object=enum("health.alert", "service_health.alert"),
        occurred_at=INT,
        type=enum("triggered", "resolved"),
        window=obj(("ended_at", "started_at"), ended_at=INT, started_at=INT),
        group_by=nullable(STRS),
    ),
}


def _health(base: str) -> tuple[Operation, ...]:
    rules, rule = base + "/alert_rules", base + "/alert_rules/{alert_rule_id}"
    return (
        Operation(
            "POST", rules, WHY, request="HealthAlertRuleCreateRequest", response="HealthAlertRule"
        ),
        Operation(
            "GET",
            rules,
            WHY,
            response="HealthAlertRuleList",
            query=(
                ("enabled", BOOL),
                ("limit", INT),
                ("page", STR),
                ("type", enum(*_CONDITIONS)),
            ),
        ),
        Operation("GET", rule, WHY, response="HealthAlertRule"),
        Operation(
            "POST", rule, WHY, request="HealthAlertRuleUpdateRequest", response="HealthAlertRule"
        ),
        Operation(
            "DELETE",
            rule,
            WHY,
            response="DeletedHealthAlertRule",
            query=(("expected_version", INT),),
        ),
        Operation("GET", base + "/alerts/{alert_id}", WHY, response="HealthAlert"),
    )


OPERATIONS: tuple[Operation, ...] = (
    *_health("/organization/health"),
    *_health("/organization/projects/{project_id}/health"),
)
