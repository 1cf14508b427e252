"""Role assignments: which roles a user or a group holds in the organization
(``/v1/organization/users/{user_id}/roles``, ``/v1/organization/groups/{group_id}/roles``)
or in a project (``/v1/projects/{project_id}/users/{user_id}/roles``,
``/v1/projects/{project_id}/groups/{group_id}/roles``).

* ``POST .../roles``: ``role_id``, a role of that scope (the organization's, or the
  project's: :mod:`.roles`, predefined or custom; another is the API's 404): a
  ``user.role`` (the ``organization.user`` and the ``role``) or ``group.role`` (the
  ``group`` and the ``role``). Assigning a role twice keeps one assignment. In a project
  the principal must be one of its users or groups (the API's 404 otherwise). Audit
  ``role.assignment.created``.
* ``GET .../roles``: the principal's roles as ``AssignedRoleDetails`` (with
  ``assignment_sources`` naming the principal), oldest first unless ``order=desc``,
  ``after``/``limit``, ``has_more`` and ``next``.
* ``GET .../roles/{role_id}``: one of them; a role not assigned is the API's 404.
* ``DELETE .../roles/{role_id}``: ``user.role.deleted`` or ``group.role.deleted``;
  audit ``role.assignment.deleted``.

Assignments are stored in :data:`~.org.ROLE_ASSIGNMENTS` as ``{"id":
"<scope>/<type>/<principal>/<role>", "_scope": "organization" | project id,
"_principal_type": "user" | "group", "_principal_id", "_role_id", "_created_at"}``;
removing a project's user or group, a user, a group or a role removes them
(:mod:`.cascade`).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import org, roles
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.admin.groups import as_assigned, find_group
from mockapi.endpoints.admin.projects import find_project
from mockapi.endpoints.admin.users import find_user
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

ORGANIZATION = "organization"
"""The ``_scope`` of an organization-wide assignment (else the project's id)."""


def _principal(ctx: Context) -> tuple[str, str, str | None, dict[str, Any]]:
    """The path's principal: its type, id, project (None: the organization), and how an
    assignment shows it (the user, or the group); the API's 404s."""
    project_id = ctx.params.get("project_id")
    if project_id is not None:
        find_project(ctx, project_id)
    if "user_id" in ctx.params:
        user = find_user(ctx, ctx.params["user_id"])
        if project_id is not None:
            org.find_member(
                ctx, org.PROJECT_USERS, project_id, user["id"], "ProjectUser", "user_id"
            )
        return "user", user["id"], project_id, org.public(user)
    group = find_group(ctx, ctx.params["group_id"])
    if project_id is not None:
        org.find_member(
            ctx, org.PROJECT_GROUPS, project_id, group["id"], "ProjectGroup", "group_id"
        )
    return "group", group["id"], project_id, as_assigned(group)


def _assignment_id(scope: str, principal_type: str, principal_id: str, role_id: str) -> str:
    return f"{scope}/{principal_type}/{principal_id}/{role_id}"


def assign(ctx: Context) -> FixtureResponse:
    """``POST .../roles``: the role assigned to the principal."""
    principal_type, principal_id, project_id, shown = _principal(ctx)
    role = roles.find_role(ctx, str(ctx.body["role_id"]), project_id)
    grant(ctx, principal_type, principal_id, project_id, role["id"])
    body = {"object": f"{principal_type}.role", principal_type: shown, "role": org.public(role)}
    return FixtureResponse(body=body)


def grant(
    ctx: Context, principal_type: str, principal_id: str, project_id: str | None, role_id: str
) -> dict[str, Any]:
    """Assign the role ``role_id`` (of the scope, checked by the caller) to the principal
    in ``project_id`` (None: the organization), unless it holds it; the assignment."""
    scope = project_id or ORGANIZATION
    assignment_id = _assignment_id(scope, principal_type, principal_id, role_id)
    found = ctx.state.get(org.ROLE_ASSIGNMENTS, assignment_id)
    if isinstance(found, dict):
        return found
    record = {
        "id": assignment_id,
        "_scope": scope,
        "_principal_type": principal_type,
        "_principal_id": principal_id,
        "_role_id": role_id,
        "_created_at": ctx.clock.seconds(),
    }
    ctx.state.put(org.ROLE_ASSIGNMENTS, assignment_id, record)
    audit(ctx, "role.assignment.created", _event(record), project_id=project_id)
    return record


def _event(record: dict[str, Any]) -> dict[str, Any]:
    organization = record["_scope"] == ORGANIZATION
    return {
        "id": record["id"],
        "principal_id": record["_principal_id"],
        "principal_type": record["_principal_type"],
        "resource_id": org.ORG_ID if organization else record["_scope"],
        "resource_type": roles.ORGANIZATION if organization else roles.PROJECT,
    }


def _details(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    scope = record["_scope"]
    project_id = None if scope == ORGANIZATION else scope
    return roles.details(roles.find_role(ctx, record["_role_id"], project_id), record)


def list_assignments(ctx: Context) -> FixtureResponse:
    """``GET .../roles``: the principal's roles."""
    principal_type, principal_id, project_id, _ = _principal(ctx)
    where = {
        "_scope": project_id or ORGANIZATION,
        "_principal_type": principal_type,
        "_principal_id": principal_id,
    }
    body = org.page(
        ctx,
        org.ROLE_ASSIGNMENTS,
        where=where,
        style="next",
        show=lambda record: _details(ctx, record),
    )
    return FixtureResponse(body=body)


def _find(ctx: Context) -> dict[str, Any]:
    principal_type, principal_id, project_id, _ = _principal(ctx)
    role_id = ctx.params["role_id"]
    scope = project_id or ORGANIZATION
    found = ctx.state.get(
        org.ROLE_ASSIGNMENTS, _assignment_id(scope, principal_type, principal_id, role_id)
    )
    if not isinstance(found, dict):
        raise org.not_found("RoleAssignment", role_id, param="role_id")
    return found


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET .../roles/{role_id}``: the assigned role's details."""
    return FixtureResponse(body=_details(ctx, _find(ctx)))


def unassign(ctx: Context) -> FixtureResponse:
    """``DELETE .../roles/{role_id}``: the role taken from the principal."""
    record = _find(ctx)
    ctx.state.delete(org.ROLE_ASSIGNMENTS, record["id"])
    scope = record["_scope"]
    audit(
        ctx,
        "role.assignment.deleted",
        _event(record),
        project_id=None if scope == ORGANIZATION else scope,
    )
    body = {"object": f"{record['_principal_type']}.role.deleted", "deleted": True}
    return FixtureResponse(body=body)


_PRINCIPALS = (
    "/v1/organization/users/{user_id}/roles",
    "/v1/organization/groups/{group_id}/roles",
    "/v1/projects/{project_id}/users/{user_id}/roles",
    "/v1/projects/{project_id}/groups/{group_id}/roles",
)
ENDPOINTS: tuple[Endpoint, ...] = tuple(
    endpoint
    for path in _PRINCIPALS
    for endpoint in (
        Endpoint("POST", path, body=Body.JSON, lookup=assign),
        Endpoint("GET", path, lookup=list_assignments),
        Endpoint("GET", path + "/{role_id}", lookup=retrieve),
        Endpoint("DELETE", path + "/{role_id}", lookup=unassign),
    )
)
