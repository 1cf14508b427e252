"""Spend alerts and hard spend limits, of the organization and of each project.

* Spend alerts (``/organization/spend_alerts``, ``.../projects/{id}/spend_alerts``):
  ``threshold_amount`` (cents), ``currency`` ``USD``, ``interval`` ``month`` and an
  email ``notification_channel`` (``recipients``, ``subject_prefix``); created
  (``alert_...``), listed oldest first unless ``order=desc`` (``after``, ``before``,
  ``limit``; ``first_id``/``last_id``/``has_more``), retrieved, replaced by an update
  (the same four fields) and deleted (``organization.spend_alert.deleted`` /
  ``project.spend_alert.deleted``). An alert of another project is the API's 404.
* Spend limits (``/organization/spend_limit``, ``.../projects/{id}/spend_limit``): one
  per scope, created or replaced by ``POST`` (``threshold_amount``, ``currency``,
  ``interval``; ``notification_channel`` left out keeps the current one, null resets it
  to the owners only, and within it ``recipients`` or ``subject_prefix`` left out keep
  theirs), read, deleted. A limit in force shows ``enforcement.status`` ``enforcing``
  (the API's example right after a ``POST``). Reading or deleting a limit that is not
  set is a 404 (assumed: the API documents no answer for it).

Alerts and limits are kept, not acted on: the mock sends no email and does not refuse
requests over a limit (assumed out of a mock's reach; usage and costs are computed by
the usage family). The spec names no audit event type for them, so none is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockapi.endpoints.admin import org, scoped
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

ALERTS = org.kind("spend_alerts")
"""The state store kind of spend alerts (``_scope``: ``organization`` or a project id)."""
LIMITS = org.kind("spend_limits")
"""The state store kind of spend limits, by scope (``organization`` or a project id)."""
NOUN = "Spend alert"
_ALERT_FIELDS = ("threshold_amount", "currency", "interval")
_ORGANIZATION = "organization"


def _scope(ctx: Context, *, project: bool, change: bool) -> str:
    """``organization``, or the project of the path (which must exist, and for a change
    must not be archived)."""
    if not project:
        return _ORGANIZATION
    return str((scoped.active_project(ctx) if change else scoped.project(ctx))["id"])


def _object(scope: str, noun: str) -> str:
    return f"{'organization' if scope == _ORGANIZATION else 'project'}.{noun}"


def _channel(given: Any) -> dict[str, Any]:
    channel = given if isinstance(given, dict) else {}
    return {
        "type": "email",
        "recipients": [str(r) for r in channel.get("recipients") or []],
        "subject_prefix": channel.get("subject_prefix"),
    }


def _alert(record: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    record.update({k: body[k] for k in _ALERT_FIELDS if k in body})
    record["notification_channel"] = _channel(body.get("notification_channel"))
    record["object"] = _object(str(record["_scope"]), "spend_alert")
    return record


def _alerts(*, project: bool) -> dict[str, Callable[[Context], FixtureResponse]]:
    """The five spend alert handlers of the organization's or a project's routes."""

    def create(ctx: Context) -> FixtureResponse:
        scope = _scope(ctx, project=project, change=True)
        alert_id = org.new_id(ctx, "alert_")
        record = _alert({"id": alert_id, "_scope": scope}, ctx.body)
        ctx.state.put(ALERTS, alert_id, record)
        return FixtureResponse(body=org.public(record))

    def list_alerts(ctx: Context) -> FixtureResponse:
        where = {"_scope": _scope(ctx, project=project, change=False)}
        return FixtureResponse(body=org.page(ctx, ALERTS, where=where))

    def retrieve(ctx: Context) -> FixtureResponse:
        return FixtureResponse(body=org.public(found(ctx, change=False)))

    def update(ctx: Context) -> FixtureResponse:
        record = found(ctx, change=True)
        _alert(record, ctx.body)
        ctx.state.put(ALERTS, str(record["id"]), record)
        return FixtureResponse(body=org.public(record))

    def delete(ctx: Context) -> FixtureResponse:
        record = found(ctx, change=True)
        ctx.state.delete(ALERTS, str(record["id"]))
        noun = _object(str(record["_scope"]), "spend_alert.deleted")
        return FixtureResponse(body={"id": record["id"], "object": noun, "deleted": True})

    def found(ctx: Context, *, change: bool) -> dict[str, Any]:
        scope = _scope(ctx, project=project, change=change)
        record = ctx.state.get(ALERTS, ctx.params["alert_id"])
        if not isinstance(record, dict) or record.get("_scope") != scope:
            raise org.not_found(NOUN, ctx.params["alert_id"])
        return record

    return {
        "create": create,
        "list": list_alerts,
        "retrieve": retrieve,
        "update": update,
        "delete": delete,
    }


def _limits(*, project: bool) -> dict[str, Callable[[Context], FixtureResponse]]:
    """The three spend limit handlers of the organization's or a project's route."""

    def retrieve(ctx: Context) -> FixtureResponse:
        return FixtureResponse(body=_shown(found(ctx, change=False)))

    def update(ctx: Context) -> FixtureResponse:
        key = _scope(ctx, project=project, change=True)
        kept = ctx.state.get(LIMITS, key)
        record: dict[str, Any] = dict(kept) if isinstance(kept, dict) else {"_scope": key}
        record.update({k: ctx.body[k] for k in _ALERT_FIELDS if k in ctx.body})
        record["enforcement"] = {"status": "enforcing"}
        if "notification_channel" in ctx.body:
            record["notification_channel"] = _limit_channel(
                record.get("notification_channel"), ctx.body["notification_channel"]
            )
        ctx.state.put(LIMITS, key, record)
        return FixtureResponse(body=_shown(record))

    def delete(ctx: Context) -> FixtureResponse:
        record = found(ctx, change=True)
        ctx.state.delete(LIMITS, str(record["_scope"]))
        noun = "project" if project else "organization"
        return FixtureResponse(body={"object": f"{noun}.spend_limit.deleted", "deleted": True})

    def found(ctx: Context, *, change: bool) -> dict[str, Any]:
        key = _scope(ctx, project=project, change=change)
        record = ctx.state.get(LIMITS, key)
        if not isinstance(record, dict):
            where = "the organization" if key == _ORGANIZATION else f"project {key}"
            raise APIError(404, f"No spend limit is set for {where}. Set one with POST first.")
        return record

    def _shown(record: dict[str, Any]) -> dict[str, Any]:
        noun = "project" if project else "organization"
        return {"object": f"{noun}.spend_limit", **org.public(record)}

    return {"retrieve": retrieve, "update": update, "delete": delete}


def _limit_channel(current: Any, given: Any) -> dict[str, Any] | None:
    """A spend limit's notification channel after an update gave ``given`` (null: back to
    the owners only; a field left out keeps its value; an empty prefix clears it)."""
    if given is None:
        return None
    channel = dict(current) if isinstance(current, dict) else _channel(None)
    if isinstance(given, dict):
        if "recipients" in given:
            channel["recipients"] = [str(r) for r in given["recipients"] or []]
        if "subject_prefix" in given:
            channel["subject_prefix"] = given["subject_prefix"] or None
    return channel


def _alert_routes(path: str, *, project: bool) -> tuple[Endpoint, ...]:
    handlers = _alerts(project=project)
    one = path + "/{alert_id}"
    return (
        Endpoint("POST", path, body=Body.JSON, lookup=handlers["create"]),
        Endpoint("GET", path, lookup=handlers["list"]),
        Endpoint("GET", one, lookup=handlers["retrieve"]),
        Endpoint("POST", one, body=Body.JSON, lookup=handlers["update"]),
        Endpoint("DELETE", one, lookup=handlers["delete"]),
    )


def _limit_routes(path: str, *, project: bool) -> tuple[Endpoint, ...]:
    handlers = _limits(project=project)
    return (
        Endpoint("GET", path, lookup=handlers["retrieve"]),
        Endpoint("POST", path, body=Body.JSON, lookup=handlers["update"]),
        Endpoint("DELETE", path, lookup=handlers["delete"]),
    )


_PROJECT = "/v1/organization/projects/{project_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    *_alert_routes("/v1/organization/spend_alerts", project=False),
    *_alert_routes(_PROJECT + "/spend_alerts", project=True),
    *_limit_routes("/v1/organization/spend_limit", project=False),
    *_limit_routes(_PROJECT + "/spend_limit", project=True),
)
