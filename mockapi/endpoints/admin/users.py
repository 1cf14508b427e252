"""The organization's users (``/v1/organization/users``): list, retrieve, modify, delete.

Users join the organization by accepting an invite (:mod:`.invites`); the seeded owner
(:func:`~.org.ensure_seeded`) is there from the start.

* ``GET``: oldest first, ``after``/``limit`` (20 by default, 1..100),
  ``first_id``/``last_id``/``has_more``; ``emails`` (repeatable) keeps the users with
  one of those addresses.
* ``GET .../{user_id}``: the ``organization.user``; an unknown id the API's 404.
* ``POST .../{user_id}``: ``role`` (``owner`` or ``reader``), ``technical_level``,
  ``developer_persona``; audit ``user.updated``.
* ``DELETE .../{user_id}``: ``organization.user.deleted``; the user leaves every
  project and group and loses every role assignment (:mod:`.cascade`); audit
  ``user.deleted``.

Refusals (wording assumed): a role other than ``owner``/``reader`` (400 naming it, as
the API's enum refusals read), and removing or demoting the organization's last owner
(an organization always keeps one).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import cascade, org
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

PREFIX = "user-"
NOUN = "User"
ROLES = ("owner", "reader")


def find_user(ctx: Context, user_id: str) -> dict[str, Any]:
    """The organization's user, or the API's 404."""
    found = ctx.state.get(org.USERS, user_id)
    if not isinstance(found, dict):
        raise org.not_found(NOUN, user_id)
    return found


def by_email(ctx: Context, email: str) -> dict[str, Any] | None:
    """The user with ``email`` (compared without case), or None."""
    wanted = email.strip().lower()
    for user in ctx.state.values(org.USERS):
        if isinstance(user, dict) and str(user.get("email") or "").lower() == wanted:
            return dict(user)
    return None


def add_user(ctx: Context, email: str, role: str) -> dict[str, Any]:
    """A new member of the organization (an invite accepted); audit ``user.added``.
    Its name is the address's local part (a real user would have set theirs)."""
    user: dict[str, Any] = {
        "object": "organization.user",
        "id": org.new_id(ctx, PREFIX),
        "name": email.split("@", 1)[0],
        "email": email,
        "role": role,
        "added_at": ctx.clock.seconds(),
    }
    ctx.state.put(org.USERS, user["id"], user)
    audit(ctx, "user.added", {"id": user["id"], "data": {"role": role}})
    return user


def check_role(role: Any, allowed: tuple[str, ...], param: str = "role") -> str:
    """``role`` when it is one of ``allowed``, else the API's 400 naming it."""
    if role not in allowed:
        raise APIError(
            400,
            f"Invalid value for '{param}': {role!r}. Supported values are: "
            + ", ".join(repr(a) for a in allowed)
            + ".",
            param=param,
            code="invalid_value",
        )
    return str(role)


def list_users(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/users``."""
    emails = {v.lower() for k, v in ctx.request.query if k in ("emails", "emails[]")}
    items = None
    if emails:
        items = [
            u
            for u in ctx.state.values(org.USERS)
            if isinstance(u, dict) and str(u.get("email") or "").lower() in emails
        ]
    return FixtureResponse(body=org.page(ctx, org.USERS, items=items))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/users/{user_id}``."""
    return FixtureResponse(body=find_user(ctx, ctx.params["user_id"]))


def modify(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/users/{user_id}``: the user's role and profile."""
    user = find_user(ctx, ctx.params["user_id"])
    changes: dict[str, Any] = {}
    if ctx.body.get("role") is not None:
        role = check_role(ctx.body["role"], ROLES)
        if user.get("role") == "owner" and role != "owner":
            _keep_an_owner(ctx, user["id"], "demoted")
        user["role"] = changes["role"] = role
    for field in ("technical_level", "developer_persona"):
        if ctx.body.get(field) is not None:
            user[field] = ctx.body[field]
    ctx.state.put(org.USERS, user["id"], user)
    audit(ctx, "user.updated", {"id": user["id"], "changes_requested": changes})
    return FixtureResponse(body=user)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/organization/users/{user_id}``: the user and what went with it."""
    user = find_user(ctx, ctx.params["user_id"])
    if user.get("role") == "owner":
        _keep_an_owner(ctx, user["id"], "removed")
    ctx.state.delete(org.USERS, user["id"])
    cascade.remove_project_users(ctx.state, user["id"])
    cascade.remove_group_users(ctx.state, id=user["id"])
    cascade.remove_assignments(ctx.state, principal_id=user["id"])
    audit(ctx, "user.deleted", {"id": user["id"]})
    body = {"object": "organization.user.deleted", "id": user["id"], "deleted": True}
    return FixtureResponse(body=body)


def _keep_an_owner(ctx: Context, user_id: str, done: str) -> None:
    owners = [
        u for u in ctx.state.values(org.USERS) if isinstance(u, dict) and u.get("role") == "owner"
    ]
    if len(owners) <= 1:
        raise APIError(
            400,
            f"User {user_id} is the organization's last owner and cannot be {done}. "
            "Make another user an owner first.",
            param="user_id",
        )


_USERS = "/v1/organization/users"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", _USERS, lookup=list_users),
    Endpoint("GET", _USERS + "/{user_id}", lookup=retrieve),
    Endpoint("POST", _USERS + "/{user_id}", body=Body.JSON, lookup=modify),
    Endpoint("DELETE", _USERS + "/{user_id}", lookup=delete),
)
