"""Audit log events: every admin action the mock performs is recorded here.

:func:`audit` is the one function every admin family calls after a change
(``audit(ctx, "project.created", {"id": ..., "data": {"name": ...}})``). It stores an
``AuditLog`` as the API lists it from ``GET /v1/organization/audit_logs``::

    {"id": "audit_log-...", "type": "project.created", "effective_at": 1711471533,
     "actor": {"type": "api_key", "api_key": {...}},
     "project": {"id": "proj_...", "name": "..."},   # when the action is in a project
     "project.created": {"id": "proj_...", "data": {"name": "..."}}}

in the kind :data:`~.org.AUDIT_LOGS`, in the order the actions happened, with
``effective_at`` on the mock's clock. Actions by admin keys that name no project are
associated with the default project, as the API says of them.

(First version: the audit logs family refines the event shapes and serves the list;
the signature of :func:`audit` stays.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints.admin import org
from mockapi.endpoints.endpoint import Context


def audit(
    ctx: Context,
    event_type: str,
    details: Mapping[str, Any],
    *,
    project_id: str | None = None,
) -> dict[str, Any]:
    """Record the event ``event_type`` (``project.created``, ``invite.sent``, ...) whose
    type-specific object is ``details``, scoped to ``project_id`` (default: the default
    project); the stored event."""
    project_id = project_id or org.default_project_id(ctx)
    project = ctx.state.get(org.PROJECTS, project_id)
    name = project.get("name") if isinstance(project, dict) else None
    event: dict[str, Any] = {
        "id": org.new_id(ctx, "audit_log-", 16),
        "type": event_type,
        "effective_at": ctx.clock.seconds(),
        "actor": org.actor(ctx).audit(),
        "project": {"id": project_id, "name": name or ""},
        event_type: dict(details),
    }
    ctx.state.put(org.AUDIT_LOGS, event["id"], event)
    return event
