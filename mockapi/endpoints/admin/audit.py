"""Audit logs: every admin action the mock performs is recorded, and listed by
``GET /v1/organization/audit_logs``.

:func:`audit` is the one function every admin family calls after a change
(``audit(ctx, "project.created", {"id": ..., "data": {"name": ...}})``). It stores an
``AuditLog`` as the API lists it::

    {"id": "audit_log-...", "type": "project.created", "effective_at": 1711471533,
     "actor": {"type": "api_key", "api_key": {"id": "key_...", "type": "user",
               "user": {"id": "user-...", "email": "owner@mockapi.test"}}},
     "project": {"id": "proj_...", "name": "..."},
     "project.created": {"id": "proj_...", "data": {"name": "...", "title": "..."}}}

in the kind :data:`~.org.AUDIT_LOGS`, in the order the actions happened, with
``effective_at`` on the mock's clock. The event's own object (under its type's name)
is the family's, in the spec's ``AuditLog`` shape for that type: ``{"id", "data"}`` for
a creation (the payload used), ``{"id", "changes_requested"}`` for an update, ``{"id"}``
for a deletion. The actor is the admin key the request carried (``type: api_key``,
with the key's tracking id and its owner), or, for what a person did in the
dashboard rather than through the API (an invitee accepting), a ``session``
(:func:`session_actor`). Actions that name no project are associated with the default
project, as the API says of admin key actions.

The list is newest first, 20 a page by default (``limit`` 1..100), ``after``/``before``
an event id (``first_id``/``last_id``/``has_more``), filtered by ``effective_at[gt]``,
``[gte]``, ``[lt]``, ``[lte]`` (Unix seconds), ``event_types[]``, ``project_ids[]``,
``actor_ids[]`` (a user, a service account or an API key tracking id),
``actor_emails[]`` and ``resource_ids[]`` (the id in the event's object): an event
is listed when it matches every filter given (any of a filter's values).
``tenant_only=true`` lists nothing: the mock records no tenant-scoped events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockapi.endpoints.admin import buckets, org
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

_BOUNDS = ("gt", "gte", "lt", "lte")


def audit(
    ctx: Context,
    event_type: str,
    details: Mapping[str, Any],
    *,
    project_id: str | None = None,
    actor: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Record the event ``event_type`` (``project.created``, ``invite.sent``, ...) whose
    type-specific object is ``details``, scoped to ``project_id`` (default: the default
    project), done by ``actor`` (default: the request's admin key); the stored event."""
    project_id = project_id or org.default_project_id(ctx)
    project = ctx.state.get(org.PROJECTS, project_id)
    name = project.get("name") if isinstance(project, dict) else None
    event: dict[str, Any] = {
        "id": org.new_id(ctx, "audit_log-", 16),
        "type": event_type,
        "effective_at": ctx.clock.seconds(),
        "actor": dict(actor) if actor is not None else org.actor(ctx).audit(),
        "project": {"id": project_id, "name": name or ""},
        event_type: dict(details),
    }
    ctx.state.put(org.AUDIT_LOGS, event["id"], event)
    return event


def session_actor(user_id: str, email: str, ip_address: str = "127.0.0.1") -> dict[str, Any]:
    """The ``actor`` of what a person did in a dashboard session (``type: session``)."""
    return {
        "type": "session",
        "session": {"user": {"id": user_id, "email": email}, "ip_address": ip_address},
    }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def actor_ids(event: Mapping[str, Any]) -> set[str]:
    """The ids an event's actor answers to: its key's tracking id, its user's and its
    service account's."""
    actor = _object(event.get("actor"))
    found: set[str] = set()
    for holder in (actor.get("api_key"), actor.get("session")):
        if not isinstance(holder, dict):
            continue
        if isinstance(holder.get("id"), str):
            found.add(holder["id"])
        for part in ("user", "service_account"):
            inner = holder.get(part)
            if isinstance(inner, dict) and isinstance(inner.get("id"), str):
                found.add(inner["id"])
    return found


def actor_emails(event: Mapping[str, Any]) -> set[str]:
    """The email of the user behind an event's actor, if any."""
    actor = _object(event.get("actor"))
    found: set[str] = set()
    for holder in (actor.get("api_key"), actor.get("session")):
        user = holder.get("user") if isinstance(holder, dict) else None
        if isinstance(user, dict) and isinstance(user.get("email"), str):
            found.add(user["email"])
    return found


def _effective_at(ctx: Context) -> dict[str, int]:
    """The ``effective_at[...]`` bounds of the query, checked."""
    bounds: dict[str, int] = {}
    for name, value in ctx.request.query:
        if not name.startswith("effective_at["):
            continue
        bound = name.removeprefix("effective_at[").removesuffix("]")
        if bound not in _BOUNDS:
            raise APIError(
                400,
                f"Invalid 'effective_at': unknown bound '{bound}'. Supported bounds are: "
                "'gt', 'gte', 'lt', 'lte'.",
                param=name,
                code="invalid_value",
            )
        try:
            bounds[bound] = int(value)
        except ValueError:
            raise APIError(
                400,
                f"Invalid '{name}': expected an integer (Unix seconds), got {value!r}.",
                param=name,
                code="invalid_type",
            ) from None
    return bounds


def _within(at: int, bounds: Mapping[str, int]) -> bool:
    checks = {
        "gt": lambda b: at > b,
        "gte": lambda b: at >= b,
        "lt": lambda b: at < b,
        "lte": lambda b: at <= b,
    }
    return all(checks[name](bound) for name, bound in bounds.items())


def listed(ctx: Context, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` that match the request's filters (see the module docstring)."""
    values = buckets.query_values(ctx)
    if buckets.last(values, "tenant_only") == "true":
        return []
    bounds = _effective_at(ctx)
    tests: dict[str, Callable[[dict[str, Any]], set[Any]]] = {
        "event_types": lambda e: {e.get("type")},
        "project_ids": lambda e: {_object(e.get("project")).get("id")},
        "actor_ids": actor_ids,
        "actor_emails": actor_emails,
        "resource_ids": lambda e: {_object(e.get(str(e.get("type")))).get("id")},
    }
    found = []
    for event in events:
        if not _within(int(event.get("effective_at") or 0), bounds):
            continue
        if all(
            not values.get(name) or test(event) & set(values[name]) for name, test in tests.items()
        ):
            found.append(event)
    return found


def list_audit_logs(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/audit_logs``: the organization's events, newest first."""
    events = [e for e in ctx.state.values(org.AUDIT_LOGS) if isinstance(e, dict)]
    body = org.page(ctx, items=listed(ctx, events), default_order="desc")
    return FixtureResponse(body=body)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/v1/organization/audit_logs", lookup=list_audit_logs),
)
