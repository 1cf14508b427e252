"""Health alert rules and alerts, of the organization
(``/v1/organization/health/...``) and of a project (``.../projects/{id}/health/...``).

* ``POST .../alert_rules``: ``name`` and a ``condition`` (``error_rate`` with
  ``threshold`` and ``window_seconds``, ``status_class`` ``all`` by default;
  ``prompt_cache_hit_rate``; ``rate_limit_utilization`` on ``rpm`` or ``tpm``,
  ``consecutive_minutes`` 1 and ``threshold`` 0.8 by default (assumed); or
  ``service_tier_fallback_rate`` from ``fast``), optional ``enabled`` (true),
  ``filters`` (models, observability tags, project ids, service tiers; empty: all) and
  ``notifications`` (email and webhook, off by default): a ``health.alert_rule``
  (``har_...``) at ``version`` 1, ``organization_id`` the organization's.
* ``GET .../alert_rules``: oldest first, ``limit`` (20) a page, ``enabled`` and
  ``type`` filtering, paged by the ``next`` token the SDK sends back as ``page``
  (``has_more`` and ``next``, as the SDK's ``TokenPage`` reads them).
* ``GET .../alert_rules/{id}``; ``POST`` and ``DELETE`` (``expected_version``: the
  rule's current version, or the API's 409 naming both; an update changes what it gives,
  keeps the rest, and takes the version up by one): the rule, or
  ``health.alert_rule.deleted``. A project's rules are its own: another project's id is
  a 404 there.
* ``GET .../alerts/{alert_id}``: an alert is a snapshot the API takes when a rule
  triggers or recovers. The mock evaluates no rule against its traffic, so it holds no
  alert and every id is the API's 404 (assumed; said here so a test does not wait for
  one).

The spec names no audit event type for health alert rules, so none is recorded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from mockapi import errors
from mockapi.endpoints.admin import org, scoped
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

RULES = org.kind("health_alert_rules")
"""The state store kind of health alert rules (``_scope``: ``organization`` or a
project id)."""
NOUN = "Health alert rule"
_ORGANIZATION = "organization"
_CONDITION_DEFAULTS: dict[str, dict[str, Any]] = {
    "error_rate": {"status_class": "all", "status_codes": None},
    "prompt_cache_hit_rate": {},
    "rate_limit_utilization": {"consecutive_minutes": 1, "threshold": 0.8},
    "service_tier_fallback_rate": {"source_tier": "fast"},
}
_FILTERS = ("models", "observability_tags", "project_ids", "service_tiers")


def _condition(given: Any) -> dict[str, Any]:
    """A condition as the API shows it: what was given, its type's defaults filled in."""
    condition = dict(given) if isinstance(given, dict) else {}
    defaults = _CONDITION_DEFAULTS.get(str(condition.get("type")), {})
    return {**defaults, **{k: v for k, v in condition.items() if v is not None}}


def _filters(given: Any) -> dict[str, list[Any]]:
    filters = given if isinstance(given, dict) else {}
    return {name: list(filters.get(name) or []) for name in _FILTERS}


def _notifications(current: dict[str, Any] | None, given: Any) -> dict[str, Any]:
    """Notifications after ``given`` (a partial update: channels and fields left out keep
    their values; an empty object turns both channels off)."""
    base = current or {
        "email": {"addresses": [], "enabled": False, "org_owners": False, "project_owners": False},
        "webhook": {"enabled": False},
    }
    if given == {}:
        return {
            "email": {**base["email"], "enabled": False},
            "webhook": {**base["webhook"], "enabled": False},
        }
    changes = given if isinstance(given, dict) else {}
    return {
        channel: {**base[channel], **(changes.get(channel) or {})}
        for channel in ("email", "webhook")
    }


def _scope(ctx: Context, *, project: bool, change: bool) -> str:
    if not project:
        return _ORGANIZATION
    return str((scoped.active_project(ctx) if change else scoped.project(ctx))["id"])


def _handlers(*, project: bool) -> dict[str, Callable[[Context], FixtureResponse]]:
    """The alert rule handlers of the organization's or a project's routes."""

    def create(ctx: Context) -> FixtureResponse:
        scope = _scope(ctx, project=project, change=True)
        now = ctx.clock.seconds()
        rule_id = org.new_id(ctx, "har_")
        record = {
            "id": rule_id,
            "object": "health.alert_rule",
            "organization_id": org.ORG_ID,
            "name": str(ctx.body.get("name") or ""),
            "enabled": ctx.body.get("enabled") is not False,
            "condition": _condition(ctx.body.get("condition")),
            "filters": _filters(ctx.body.get("filters")),
            "notifications": _notifications(None, ctx.body.get("notifications")),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "_scope": scope,
        }
        ctx.state.put(RULES, rule_id, record)
        return FixtureResponse(body=org.public(record))

    def list_rules(ctx: Context) -> FixtureResponse:
        scope = _scope(ctx, project=project, change=False)
        query = dict(ctx.request.query)
        wanted_type = query.get("type")
        enabled = {"true": True, "false": False}.get(str(query.get("enabled")).lower())
        rules = [
            r
            for r in ctx.state.values(RULES)
            if r.get("_scope") == scope
            and (wanted_type is None or r["condition"].get("type") == wanted_type)
            and (enabled is None or r["enabled"] is enabled)
        ]
        # The SDK's TokenPage sends the ``next`` token back as ``page``.
        cursor = tuple((k, v) for k, v in ctx.request.query if k not in ("page", "after"))
        if query.get("page"):
            cursor += (("after", query["page"]),)
        paged = dataclasses.replace(ctx, request=dataclasses.replace(ctx.request, query=cursor))
        body = org.page(paged, items=rules, style="next")
        return FixtureResponse(body=body)

    def retrieve(ctx: Context) -> FixtureResponse:
        return FixtureResponse(body=org.public(found(ctx, change=False)))

    def update(ctx: Context) -> FixtureResponse:
        record = found(ctx, change=True)
        _check_version(record, ctx.body.get("expected_version"))
        if "condition" in ctx.body:
            given = ctx.body["condition"] or {}
            record["condition"] = _condition({**record["condition"], **given})
        if "filters" in ctx.body:
            record["filters"] = _filters(ctx.body["filters"])
        if "notifications" in ctx.body:
            record["notifications"] = _notifications(
                record["notifications"], ctx.body["notifications"]
            )
        for field in ("name", "enabled"):
            if ctx.body.get(field) is not None:
                record[field] = ctx.body[field]
        record["version"] = int(record["version"]) + 1
        record["updated_at"] = ctx.clock.seconds()
        ctx.state.put(RULES, str(record["id"]), record)
        return FixtureResponse(body=org.public(record))

    def delete(ctx: Context) -> FixtureResponse:
        record = found(ctx, change=True)
        expected = dict(ctx.request.query).get("expected_version")
        if expected is None:  # a query parameter the SDK always sends
            raise errors.missing_parameter("expected_version")
        _check_version(record, int(expected) if expected.isdigit() else expected)
        ctx.state.delete(RULES, str(record["id"]))
        body = {"id": record["id"], "object": "health.alert_rule.deleted", "deleted": True}
        return FixtureResponse(body=body)

    def found(ctx: Context, *, change: bool) -> dict[str, Any]:
        scope = _scope(ctx, project=project, change=change)
        rule_id = ctx.params["alert_rule_id"]
        record = ctx.state.get(RULES, rule_id)
        if not isinstance(record, dict) or record.get("_scope") != scope:
            raise org.not_found(NOUN, rule_id)
        return record

    def retrieve_alert(ctx: Context) -> FixtureResponse:
        _scope(ctx, project=project, change=False)
        raise org.not_found("Health alert", ctx.params["alert_id"])

    return {
        "create": create,
        "list": list_rules,
        "retrieve": retrieve,
        "update": update,
        "delete": delete,
        "alert": retrieve_alert,
    }


def _check_version(record: dict[str, Any], expected: Any) -> None:
    """The API's optimistic concurrency: a change names the version it read."""
    if expected != record["version"]:
        raise APIError(
            409,
            f"Health alert rule {record['id']} is at version {record['version']}, not "
            f"{expected}: it changed since you read it. Retrieve it and try again with "
            "its current version.",
            param="expected_version",
        )


def _routes(base: str, *, project: bool) -> tuple[Endpoint, ...]:
    handlers = _handlers(project=project)
    rules, rule = base + "/alert_rules", base + "/alert_rules/{alert_rule_id}"
    return (
        Endpoint("POST", rules, body=Body.JSON, lookup=handlers["create"]),
        Endpoint("GET", rules, lookup=handlers["list"]),
        Endpoint("GET", rule, lookup=handlers["retrieve"]),
        Endpoint("POST", rule, body=Body.JSON, lookup=handlers["update"]),
        Endpoint("DELETE", rule, lookup=handlers["delete"]),
        Endpoint("GET", base + "/alerts/{alert_id}", lookup=handlers["alert"]),
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    *_routes("/v1/organization/health", project=False),
    *_routes("/v1/organization/projects/{project_id}/health", project=True),
)
