"""Roles: the organization's (``/v1/organization/roles``) and a project's
(``/v1/projects/{project_id}/roles``): create, list, retrieve, update, delete.

A role is a ``role`` object: ``name``, ``description``, ``permissions``,
``resource_type`` (``api.organization`` or ``api.project``) and ``predefined_role``.
Custom roles are stored in :data:`~.org.ROLES` (a project's with ``_project_id``).

**Predefined roles.** Every organization has the roles its members' ``role`` names
(``owner``, ``reader``) and every project the roles of its users (``owner``,
``member``), listed first and found by id like custom ones but never changed or
deleted (a 400). Their ids are fixed for a seed (``role_...``); their permission lists
are the mock's assumption (the API does not publish them): the management and usage
scopes an owner holds, the read ones a reader holds.

* ``POST``: ``role_name``, ``permissions`` (strings), ``description``; a name the scope
  already has is refused (400; wording assumed); audit ``role.created``.
* ``GET``: predefined then custom roles, oldest first unless ``order=desc``,
  ``after``/``limit``, ``has_more`` and ``next`` (the cursor to pass as ``after``).
* ``POST .../{role_id}``: ``role_name``, ``permissions``, ``description``; audit
  ``role.updated`` with the permissions added and removed.
* ``DELETE .../{role_id}``: ``role.deleted``; the role is unassigned from everyone
  (:mod:`.cascade`); audit ``role.deleted``.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import cascade, org
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.admin.projects import active_project, find_project
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

PREFIX = "role_"
NOUN = "Role"
ORGANIZATION = "api.organization"
PROJECT = "api.project"
_PREDEFINED: dict[str, dict[str, tuple[str, ...]]] = {
    ORGANIZATION: {
        "owner": (
            "api.management.read",
            "api.management.write",
            "api.usage.read",
            "api.audit_logs.read",
        ),
        "reader": ("api.management.read", "api.usage.read"),
    },
    PROJECT: {
        "owner": ("api.model.request", "api.project.read", "api.project.write"),
        "member": ("api.model.request", "api.project.read"),
    },
}


def predefined(ctx: Context, resource_type: str) -> list[dict[str, Any]]:
    """The predefined roles of an organization (``api.organization``) or a project."""
    return [
        {
            "object": "role",
            "id": org.fixed_id(ctx, PREFIX, f"{resource_type}:{name}"),
            "name": name,
            "description": f"The predefined {name} role.",
            "permissions": list(permissions),
            "resource_type": resource_type,
            "predefined_role": True,
        }
        for name, permissions in _PREDEFINED[resource_type].items()
    ]


def find_role(ctx: Context, role_id: str, project_id: str | None = None) -> dict[str, Any]:
    """The organization's role (``project_id`` None) or the project's, predefined or
    custom; the API's 404 for a role the scope does not have."""
    resource_type = ORGANIZATION if project_id is None else PROJECT
    for role in predefined(ctx, resource_type):
        if role["id"] == role_id:
            return role
    found = ctx.state.get(org.ROLES, role_id)
    if not isinstance(found, dict) or found.get("_project_id") != project_id:
        raise org.not_found(NOUN, role_id, param="role_id")
    return found


def role_by_name(ctx: Context, name: str, project_id: str | None) -> dict[str, Any] | None:
    """The scope's role named ``name`` (predefined or custom), or None."""
    return next((r for r in _roles(ctx, project_id) if r.get("name") == name), None)


def _roles(ctx: Context, project_id: str | None) -> list[dict[str, Any]]:
    resource_type = ORGANIZATION if project_id is None else PROJECT
    custom = [
        r
        for r in ctx.state.values(org.ROLES)
        if isinstance(r, dict) and r.get("_project_id") == project_id
    ]
    return predefined(ctx, resource_type) + custom


def details(role: dict[str, Any], assignment: dict[str, Any]) -> dict[str, Any]:
    """The ``AssignedRoleDetails`` of ``role`` as ``assignment`` holds it: the role
    with when and by whom it was created, and who the assignment came from."""
    return {
        "id": role["id"],
        "name": role["name"],
        "description": role.get("description"),
        "permissions": list(role["permissions"]),
        "resource_type": role["resource_type"],
        "predefined_role": role["predefined_role"],
        "created_at": role.get("_created_at"),
        "updated_at": role.get("_updated_at"),
        "created_by": role.get("_created_by"),
        "created_by_user_obj": role.get("_created_by_user_obj"),
        "metadata": {},
        "assignment_sources": [
            {
                "principal_id": assignment["_principal_id"],
                "principal_type": assignment["_principal_type"],
            }
        ],
    }


def _project_of(ctx: Context, *, write: bool) -> str | None:
    project_id = ctx.params.get("project_id")
    if project_id is not None:
        (active_project if write else find_project)(ctx, project_id)
    return project_id


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/roles``, ``POST /v1/projects/{project_id}/roles``."""
    project_id = _project_of(ctx, write=True)
    name = str(ctx.body["role_name"])
    _unique(ctx, name, project_id)
    actor = org.actor(ctx)
    now = ctx.clock.seconds()
    role: dict[str, Any] = {
        "object": "role",
        "id": org.new_id(ctx, PREFIX),
        "name": name,
        "description": ctx.body.get("description"),
        "permissions": [str(p) for p in ctx.body.get("permissions") or []],
        "resource_type": ORGANIZATION if project_id is None else PROJECT,
        "predefined_role": False,
        "_project_id": project_id,
        "_created_at": now,
        "_updated_at": now,
        "_created_by": actor.user_id,
        "_created_by_user_obj": {"id": actor.user_id, "email": actor.email},
    }
    ctx.state.put(org.ROLES, role["id"], role)
    event = {
        "id": role["id"],
        "role_name": name,
        "permissions": role["permissions"],
        "resource_type": role["resource_type"],
        "resource_id": project_id or org.ORG_ID,
    }
    audit(ctx, "role.created", event, project_id=project_id)
    return FixtureResponse(body=org.public(role))


def _unique(ctx: Context, name: str, project_id: str | None, role_id: str | None = None) -> None:
    taken = role_by_name(ctx, name, project_id)
    if taken is not None and taken["id"] != role_id:
        where = f"project {project_id}" if project_id else "this organization"
        raise APIError(
            400,
            f"A role named {name!r} already exists in {where} ({taken['id']}). "
            "Choose another role_name.",
            param="role_name",
        )


def list_roles(ctx: Context) -> FixtureResponse:
    """``GET`` a scope's roles: predefined, then custom."""
    project_id = _project_of(ctx, write=False)
    body = org.page(ctx, items=_roles(ctx, project_id), style="next")
    return FixtureResponse(body=body)


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET .../roles/{role_id}``."""
    project_id = _project_of(ctx, write=False)
    return FixtureResponse(body=org.public(find_role(ctx, ctx.params["role_id"], project_id)))


def update(ctx: Context) -> FixtureResponse:
    """``POST .../roles/{role_id}``: a custom role's name, permissions, description."""
    project_id = _project_of(ctx, write=True)
    role = _custom(ctx, project_id, "updated")
    changes: dict[str, Any] = {}
    if ctx.body.get("role_name") is not None:
        _unique(ctx, str(ctx.body["role_name"]), project_id, role["id"])
        role["name"] = changes["role_name"] = str(ctx.body["role_name"])
    if ctx.body.get("permissions") is not None:
        new = [str(p) for p in ctx.body["permissions"]]
        changes["permissions_added"] = [p for p in new if p not in role["permissions"]]
        changes["permissions_removed"] = [p for p in role["permissions"] if p not in new]
        role["permissions"] = new
    if "description" in ctx.body:
        role["description"] = ctx.body["description"]
    role["_updated_at"] = ctx.clock.seconds()
    ctx.state.put(org.ROLES, role["id"], role)
    audit(
        ctx, "role.updated", {"id": role["id"], "changes_requested": changes}, project_id=project_id
    )
    return FixtureResponse(body=org.public(role))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE .../roles/{role_id}``: the role, unassigned from everyone."""
    project_id = _project_of(ctx, write=True)
    role = _custom(ctx, project_id, "deleted")
    ctx.state.delete(org.ROLES, role["id"])
    cascade.remove_assignments(ctx.state, role_id=role["id"])
    audit(ctx, "role.deleted", {"id": role["id"]}, project_id=project_id)
    return FixtureResponse(body={"object": "role.deleted", "id": role["id"], "deleted": True})


def _custom(ctx: Context, project_id: str | None, done: str) -> dict[str, Any]:
    role = find_role(ctx, ctx.params["role_id"], project_id)
    if role["predefined_role"]:
        raise APIError(
            400,
            f"Role {role['id']} ({role['name']}) is predefined and cannot be {done}. "
            "Create a custom role instead.",
            param="role_id",
        )
    return role


_ORG_ROLES = "/v1/organization/roles"
_PROJECT_ROLES = "/v1/projects/{project_id}/roles"
ENDPOINTS: tuple[Endpoint, ...] = tuple(
    endpoint
    for path in (_ORG_ROLES, _PROJECT_ROLES)
    for endpoint in (
        Endpoint("POST", path, body=Body.JSON, lookup=create),
        Endpoint("GET", path, lookup=list_roles),
        Endpoint("GET", path + "/{role_id}", lookup=retrieve),
        Endpoint("POST", path + "/{role_id}", body=Body.JSON, lookup=update),
        Endpoint("DELETE", path + "/{role_id}", lookup=delete),
    )
)
