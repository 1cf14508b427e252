"""A project's users (``/v1/organization/projects/{project_id}/users``) and groups
(``/v1/organization/projects/{project_id}/groups``).

**Users.** ``POST``: ``role`` (``owner``/``member``) and ``user_id`` or ``email`` of an
organization user ("users must already be members of the organization": an unknown
one is the API's 404): an ``organization.project.user``; a user already in the project
is refused (400; wording assumed). ``GET``: the project's users oldest first,
``after``/``limit``, ``first_id``/``last_id``/``has_more``. ``GET``/``POST``/``DELETE
.../users/{user_id}``: the member; a new ``role``; ``organization.project.user.deleted``,
which also removes every role the user held in the project (:mod:`.cascade`). A user
not in the project is the API's 404. Changes need an active project (an archived one
is a 400). Other families may add members here too (a project's service accounts,
as the API lists them among its users): a ``ProjectUser`` object stored in
:data:`~.org.PROJECT_USERS` under :func:`~.org.member_id` with ``_project_id``.

**Groups.** ``POST``: ``group_id`` (an organization group, else the API's 404) and
``role``, the project role granted to the group (a project role's id, or a predefined
role's name: ``owner``/``member``; another is the API's 404): a ``project.group``, and
the role assigned (:mod:`.assignments`). ``GET``: the project's groups, ``has_more``
and ``next``. ``GET``/``DELETE .../groups/{group_id}``: the ``project.group``;
``project.group.deleted``, which also removes the group's roles in the project.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import assignments, cascade, org, roles, users
from mockapi.endpoints.admin.groups import find_group
from mockapi.endpoints.admin.projects import active_project, find_project
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

PROJECT_ROLES = ("owner", "member")


def find_member(ctx: Context, project_id: str, user_id: str) -> dict[str, Any]:
    """The project's user, or the API's 404 (unknown project or not a member)."""
    find_project(ctx, project_id)
    return org.find_member(ctx, org.PROJECT_USERS, project_id, user_id, "ProjectUser", "user_id")


def create_user(ctx: Context) -> FixtureResponse:
    """``POST .../projects/{project_id}/users``: an organization user joins."""
    project = active_project(ctx, ctx.params["project_id"])
    role = users.check_role(ctx.body.get("role"), PROJECT_ROLES)
    user = _org_user(ctx)
    key = org.member_id(project["id"], user["id"])
    if ctx.state.get(org.PROJECT_USERS, key) is not None:
        raise APIError(
            400,
            f"User {user['id']} is already a member of project {project['id']}. "
            "Change their role with POST .../users/{user_id} instead.",
            param="user_id",
        )
    member = {
        "object": "organization.project.user",
        "id": user["id"],
        "name": user.get("name"),
        "email": user.get("email"),
        "role": role,
        "added_at": ctx.clock.seconds(),
        "_project_id": project["id"],
    }
    ctx.state.put(org.PROJECT_USERS, key, member)
    return FixtureResponse(body=org.public(member))


def _org_user(ctx: Context) -> dict[str, Any]:
    if ctx.body.get("user_id"):
        return users.find_user(ctx, str(ctx.body["user_id"]))
    email = ctx.body.get("email")
    if not email:
        raise APIError(
            400,
            "Missing required parameter: 'user_id'. Pass the user's id (or their 'email').",
            param="user_id",
            code="missing_required_parameter",
        )
    user = users.by_email(ctx, str(email))
    if user is None:
        raise org.not_found("User", str(email), param="email")
    return user


def list_users(ctx: Context) -> FixtureResponse:
    """``GET .../projects/{project_id}/users``."""
    project = find_project(ctx, ctx.params["project_id"])
    body = org.page(ctx, org.PROJECT_USERS, where={"_project_id": project["id"]})
    return FixtureResponse(body=body)


def retrieve_user(ctx: Context) -> FixtureResponse:
    """``GET .../projects/{project_id}/users/{user_id}``."""
    member = find_member(ctx, ctx.params["project_id"], ctx.params["user_id"])
    return FixtureResponse(body=org.public(member))


def modify_user(ctx: Context) -> FixtureResponse:
    """``POST .../projects/{project_id}/users/{user_id}``: the member's role."""
    project = active_project(ctx, ctx.params["project_id"])
    member = find_member(ctx, project["id"], ctx.params["user_id"])
    if ctx.body.get("role") is not None:
        member["role"] = users.check_role(ctx.body["role"], PROJECT_ROLES)
    ctx.state.put(org.PROJECT_USERS, org.member_id(project["id"], member["id"]), member)
    return FixtureResponse(body=org.public(member))


def delete_user(ctx: Context) -> FixtureResponse:
    """``DELETE .../projects/{project_id}/users/{user_id}``: the member and its roles
    in the project."""
    project = active_project(ctx, ctx.params["project_id"])
    member = find_member(ctx, project["id"], ctx.params["user_id"])
    ctx.state.delete(org.PROJECT_USERS, org.member_id(project["id"], member["id"]))
    cascade.remove_assignments(
        ctx.state, scope=project["id"], principal_type="user", principal_id=member["id"]
    )
    body = {"object": "organization.project.user.deleted", "id": member["id"], "deleted": True}
    return FixtureResponse(body=body)


def _project_group(record: dict[str, Any]) -> dict[str, Any]:
    """A stored project group as the API shows it (the ``id`` it is paged by dropped)."""
    return {k: v for k, v in org.public(record).items() if k != "id"}


def _find_group(ctx: Context, project_id: str, group_id: str) -> dict[str, Any]:
    find_project(ctx, project_id)
    return org.find_member(
        ctx, org.PROJECT_GROUPS, project_id, group_id, "ProjectGroup", "group_id"
    )


def add_group(ctx: Context) -> FixtureResponse:
    """``POST .../projects/{project_id}/groups``: the group joins with a role."""
    project = active_project(ctx, ctx.params["project_id"])
    group = find_group(ctx, str(ctx.body["group_id"]))
    role = _project_role(ctx, project["id"], str(ctx.body["role"]))
    key = org.member_id(project["id"], group["id"])
    record = ctx.state.get(org.PROJECT_GROUPS, key)
    if not isinstance(record, dict):
        record = {
            "object": "project.group",
            "id": group["id"],
            "project_id": project["id"],
            "group_id": group["id"],
            "group_name": group["name"],
            "group_type": group.get("group_type", "group"),
            "created_at": ctx.clock.seconds(),
        }
        ctx.state.put(org.PROJECT_GROUPS, key, record)
    assignments.grant(ctx, "group", group["id"], project["id"], role["id"])
    return FixtureResponse(body=_project_group(record))


def _project_role(ctx: Context, project_id: str, role: str) -> dict[str, Any]:
    named = roles.role_by_name(ctx, role, project_id)
    return named if named is not None else roles.find_role(ctx, role, project_id)


def list_groups(ctx: Context) -> FixtureResponse:
    """``GET .../projects/{project_id}/groups``."""
    project = find_project(ctx, ctx.params["project_id"])
    body = org.page(
        ctx,
        org.PROJECT_GROUPS,
        where={"project_id": project["id"]},
        style="next",
        show=_project_group,
    )
    return FixtureResponse(body=body)


def retrieve_group(ctx: Context) -> FixtureResponse:
    """``GET .../projects/{project_id}/groups/{group_id}``."""
    found = _find_group(ctx, ctx.params["project_id"], ctx.params["group_id"])
    return FixtureResponse(body=_project_group(found))


def remove_group(ctx: Context) -> FixtureResponse:
    """``DELETE .../projects/{project_id}/groups/{group_id}``: the group and its roles
    in the project."""
    project = active_project(ctx, ctx.params["project_id"])
    found = _find_group(ctx, project["id"], ctx.params["group_id"])
    ctx.state.delete(org.PROJECT_GROUPS, org.member_id(project["id"], found["group_id"]))
    cascade.remove_assignments(
        ctx.state, scope=project["id"], principal_type="group", principal_id=found["group_id"]
    )
    return FixtureResponse(body={"object": "project.group.deleted", "deleted": True})


_USERS = "/v1/organization/projects/{project_id}/users"
_GROUPS = "/v1/organization/projects/{project_id}/groups"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _USERS, body=Body.JSON, lookup=create_user),
    Endpoint("GET", _USERS, lookup=list_users),
    Endpoint("GET", _USERS + "/{user_id}", lookup=retrieve_user),
    Endpoint("POST", _USERS + "/{user_id}", body=Body.JSON, lookup=modify_user),
    Endpoint("DELETE", _USERS + "/{user_id}", lookup=delete_user),
    Endpoint("POST", _GROUPS, body=Body.JSON, lookup=add_group),
    Endpoint("GET", _GROUPS, lookup=list_groups),
    Endpoint("GET", _GROUPS + "/{group_id}", lookup=retrieve_group),
    Endpoint("DELETE", _GROUPS + "/{group_id}", lookup=remove_group),
)
