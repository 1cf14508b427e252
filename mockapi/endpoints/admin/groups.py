"""Groups (``/v1/organization/groups``) and their users
(``/v1/organization/groups/{group_id}/users``).

* ``POST``: ``name`` (1..255 characters): a group (``group_`` and 24 letters and
  digits, ``is_scim_managed: false``, ``group_type: "group"``); audit ``group.created``.
* ``GET``: oldest first unless ``order=desc``, ``after``/``limit``, ``has_more`` and
  ``next``.
* ``GET``/``POST``/``DELETE .../{group_id}``: the group; a new ``name`` (answered
  without ``group_type``, as the API's update answers); ``group.deleted``, after which
  its members, its projects and its role assignments go too (:mod:`.cascade`).
* ``POST .../users``: ``user_id`` (an organization user, else the API's 404):
  ``group.user``; adding a member twice keeps one membership. ``GET .../users``: the
  members (``id``, ``name``, ``email``), paged as groups; ``GET .../users/{user_id}``:
  the member (404 when not one); ``DELETE .../users/{user_id}``: ``group.user.deleted``.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import cascade, org
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.admin.users import find_user
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

PREFIX = "group_"
NOUN = "Group"


def find_group(ctx: Context, group_id: str) -> dict[str, Any]:
    """The group, or the API's 404."""
    found = ctx.state.get(org.GROUPS, group_id)
    if not isinstance(found, dict):
        raise org.not_found(NOUN, group_id, param="group_id")
    return found


def as_assigned(group: dict[str, Any]) -> dict[str, Any]:
    """The group as a role assignment shows it (``object: "group"``, ``scim_managed``)."""
    return {
        "object": "group",
        "id": group["id"],
        "name": group["name"],
        "created_at": group["created_at"],
        "scim_managed": bool(group.get("is_scim_managed")),
    }


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/groups``."""
    group: dict[str, Any] = {
        "id": org.new_id(ctx, PREFIX),
        "name": str(ctx.body["name"]),
        "created_at": ctx.clock.seconds(),
        "is_scim_managed": False,
        "group_type": "group",
    }
    ctx.state.put(org.GROUPS, group["id"], group)
    audit(ctx, "group.created", {"id": group["id"], "data": {"group_name": group["name"]}})
    return FixtureResponse(body=group)


def list_groups(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/groups``."""
    return FixtureResponse(body=org.page(ctx, org.GROUPS, style="next"))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/groups/{group_id}``."""
    return FixtureResponse(body=find_group(ctx, ctx.params["group_id"]))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/groups/{group_id}``: the group renamed."""
    group = find_group(ctx, ctx.params["group_id"])
    group["name"] = str(ctx.body["name"])
    ctx.state.put(org.GROUPS, group["id"], group)
    changes = {"id": group["id"], "changes_requested": {"group_name": group["name"]}}
    audit(ctx, "group.updated", changes)
    body = {k: group[k] for k in ("id", "name", "created_at", "is_scim_managed")}
    return FixtureResponse(body=body)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/organization/groups/{group_id}``."""
    group = find_group(ctx, ctx.params["group_id"])
    ctx.state.delete(org.GROUPS, group["id"])
    cascade.remove_group_users(ctx.state, _group_id=group["id"])
    cascade.remove_project_groups(ctx.state, group["id"])
    cascade.remove_assignments(ctx.state, principal_id=group["id"])
    audit(ctx, "group.deleted", {"id": group["id"]})
    return FixtureResponse(body={"object": "group.deleted", "id": group["id"], "deleted": True})


def _membership(ctx: Context, group_id: str, user_id: str) -> dict[str, Any]:
    return org.find_member(ctx, org.GROUP_USERS, group_id, user_id, "GroupUser", "user_id")


def add_user(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/groups/{group_id}/users``."""
    group = find_group(ctx, ctx.params["group_id"])
    user = find_user(ctx, str(ctx.body["user_id"]))
    member = {"id": user["id"], "_group_id": group["id"], "_added_at": ctx.clock.seconds()}
    key = org.member_id(group["id"], user["id"])
    if ctx.state.get(org.GROUP_USERS, key) is None:
        ctx.state.put(org.GROUP_USERS, key, member)
    body = {"object": "group.user", "user_id": user["id"], "group_id": group["id"]}
    return FixtureResponse(body=body)


def _member(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    user = ctx.state.get(org.USERS, str(record["id"]))
    user = user if isinstance(user, dict) else {}
    return {"id": record["id"], "name": user.get("name") or "", "email": user.get("email")}


def list_users(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/groups/{group_id}/users``."""
    group = find_group(ctx, ctx.params["group_id"])
    body = org.page(
        ctx,
        org.GROUP_USERS,
        where={"_group_id": group["id"]},
        style="next",
        show=lambda record: _member(ctx, record),
    )
    return FixtureResponse(body=body)


def retrieve_user(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/groups/{group_id}/users/{user_id}``."""
    group = find_group(ctx, ctx.params["group_id"])
    member = _member(ctx, _membership(ctx, group["id"], ctx.params["user_id"]))
    body = {**member, "picture": None, "is_service_account": False, "user_type": "user"}
    return FixtureResponse(body=body)


def remove_user(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/organization/groups/{group_id}/users/{user_id}``."""
    group = find_group(ctx, ctx.params["group_id"])
    _membership(ctx, group["id"], ctx.params["user_id"])
    ctx.state.delete(org.GROUP_USERS, org.member_id(group["id"], ctx.params["user_id"]))
    return FixtureResponse(body={"object": "group.user.deleted", "deleted": True})


_GROUPS = "/v1/organization/groups"
_GROUP = _GROUPS + "/{group_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _GROUPS, body=Body.JSON, lookup=create),
    Endpoint("GET", _GROUPS, lookup=list_groups),
    Endpoint("GET", _GROUP, lookup=retrieve),
    Endpoint("POST", _GROUP, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _GROUP, lookup=delete),
    Endpoint("POST", _GROUP + "/users", body=Body.JSON, lookup=add_user),
    Endpoint("GET", _GROUP + "/users", lookup=list_users),
    Endpoint("GET", _GROUP + "/users/{user_id}", lookup=retrieve_user),
    Endpoint("DELETE", _GROUP + "/users/{user_id}", lookup=remove_user),
)
