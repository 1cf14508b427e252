"""Invites (``/v1/organization/invites``): create, list, retrieve, delete; and how an
invite is accepted in the mock.

* ``POST``: ``email``, ``role`` (``owner``/``reader``), ``projects`` (``[{id, role}]``,
  ``member``/``owner``). Without ``projects`` the invitee joins the default project as
  a member, as the API does "for compatibility with legacy behavior"; an empty list
  joins none. Each project must exist and be active (404, 400). An address that already
  belongs to a user is refused (400; wording assumed). The invite is ``pending``
  (``invite-`` and 24 letters and digits) and expires :data:`EXPIRES_AFTER` seconds
  later on the mock's clock (7 days: assumed, the API does not say); audit
  ``invite.sent``.
* ``GET``: oldest first, ``after``/``limit``, ``first_id``/``last_id``/``has_more``;
  a pending invite whose ``expires_at`` the mock's clock has reached lists ``expired``.
* ``GET .../{invite_id}``: the invite (see *Acceptance*); the API's 404 for an unknown id.
* ``DELETE .../{invite_id}``: ``organization.invite.deleted``; an accepted invite
  "cannot be deleted" (the API's rule; a 400, wording assumed); audit ``invite.deleted``.

**Acceptance.** In the API the invitee accepts by email; in the mock an invite is a
job (:mod:`mockapi.endpoints.jobs`, kind :data:`~.org.INVITES`, path ``pending`` ->
``accepted``) and is accepted **one step after it is sent**: by its first retrieve, or
at once by the test (``Control.jobs.complete(invite_id)``, the pytest handle and the
mock's own admin API, as any job). Accepting makes the user (``user-...``, the invite's
role, named after the address) and adds it to the invite's projects with their roles;
``accepted_at`` is the mock's time; audit ``invite.accepted`` and ``user.added``. The
create request's ``x-mockapi-job`` header chooses otherwise: ``stuck`` keeps the invite
pending (it expires when the clock reaches ``expires_at``), ``expire`` (or ``fail``: an
invite has no failure) ends it ``expired`` on the next step; ``Control.jobs.expire``
does so at once.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import jobs
from mockapi.endpoints.admin import org, users
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.admin.projects import active_project
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle

PREFIX = "invite-"
NOUN = "Invite"
EXPIRES_AFTER = 7 * 24 * 3600
"""Seconds an invite stays pending before it expires (assumed: 7 days)."""
PROJECT_ROLES = ("member", "owner")


class InviteFamily:
    """Invites as a :class:`~mockapi.endpoints.jobs.Family`: accepted one step after
    they are sent, or expired."""

    life = Lifecycle(
        kind=org.INVITES,
        path=("pending", "accepted"),
        fails_from="pending",
        expires_from="pending",
        failed="expired",
        cancelling=None,
        cancelled=None,
    )
    noun = NOUN

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any]:
        invite = dict(current)
        if target == "accepted":
            _accept(ctx, invite)
        invite["status"] = target
        ctx.state.put(org.INVITES, invite["id"], invite)
        return invite


FAMILY = InviteFamily()


def _accept(ctx: Context, invite: dict[str, Any]) -> None:
    """The invitee joins: a user, and a member of each of the invite's projects."""
    invite["accepted_at"] = ctx.clock.seconds()
    audit(ctx, "invite.accepted", {"id": invite["id"]})
    user = users.by_email(ctx, invite["email"]) or users.add_user(
        ctx, invite["email"], invite["role"]
    )
    for project in invite.get("projects") or []:
        stored = ctx.state.get(org.PROJECTS, project["id"])
        if not isinstance(stored, dict) or stored.get("archived_at") is not None:
            continue  # archived or gone since the invite was sent: nothing to join
        member = {
            "object": "organization.project.user",
            "id": user["id"],
            "name": user.get("name"),
            "email": user.get("email"),
            "role": project["role"],
            "added_at": invite["accepted_at"],
            "_project_id": project["id"],
        }
        ctx.state.put(org.PROJECT_USERS, org.member_id(project["id"], user["id"]), member)


def find_invite(ctx: Context, invite_id: str) -> dict[str, Any]:
    """The invite (expired first if its time has come), or the API's 404."""
    found = ctx.state.get(org.INVITES, invite_id)
    if not isinstance(found, dict):
        raise org.not_found(NOUN, invite_id)
    return _expired_if_due(ctx, found)


def _expired_if_due(ctx: Context, invite: dict[str, Any]) -> dict[str, Any]:
    expires_at = invite.get("expires_at")
    due = isinstance(expires_at, int) and ctx.clock.now() >= expires_at
    if invite.get("status") == "pending" and due:
        return jobs.expire_if_due(ctx, FAMILY, invite["id"])
    return invite


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/invites``: a pending invite."""
    email = str(ctx.body["email"])
    role = users.check_role(ctx.body.get("role"), users.ROLES)
    if users.by_email(ctx, email) is not None:
        raise APIError(
            400,
            f"{email} is already a member of this organization. Change their role with "
            "POST /v1/organization/users/{user_id} instead.",
            param="email",
        )
    given = ctx.body.get("projects")
    if given is None:
        projects = [{"id": org.default_project_id(ctx), "role": "member"}]
    else:
        projects = [_project_of(ctx, i, p) for i, p in enumerate(given)]
    now = ctx.clock.seconds()
    invite = {
        "object": "organization.invite",
        "id": org.new_id(ctx, PREFIX),
        "email": email,
        "role": role,
        "status": "pending",
        "created_at": now,
        "expires_at": now + EXPIRES_AFTER,
        "accepted_at": None,
        "projects": projects,
    }
    jobs.start(ctx, FAMILY, invite)
    audit(ctx, "invite.sent", {"id": invite["id"], "data": {"email": email, "role": role}})
    return FixtureResponse(body=invite)


def _project_of(ctx: Context, index: int, given: Any) -> dict[str, str]:
    project_id = str(given.get("id")) if isinstance(given, dict) else ""
    active_project(ctx, project_id)
    role = users.check_role(given.get("role"), PROJECT_ROLES, f"projects[{index}].role")
    return {"id": project_id, "role": role}


def list_invites(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/invites``: pending ones past their time listed expired."""
    for invite in ctx.state.values(org.INVITES):
        if isinstance(invite, dict):
            _expired_if_due(ctx, invite)
    return FixtureResponse(body=org.page(ctx, org.INVITES))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/invites/{invite_id}``: the invite, one step on."""
    invite_id = ctx.params["invite_id"]
    find_invite(ctx, invite_id)
    return FixtureResponse(body=jobs.poll(ctx, FAMILY, invite_id))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/organization/invites/{invite_id}``: a pending or expired invite."""
    invite = find_invite(ctx, ctx.params["invite_id"])
    if invite.get("status") == "accepted":
        raise APIError(
            400,
            f"Invite {invite['id']} has already been accepted and cannot be deleted. "
            "Remove the user with DELETE /v1/organization/users/{user_id} instead.",
            param="invite_id",
        )
    ctx.state.delete(org.INVITES, invite["id"])
    ctx.state.delete(lifecycle.KIND, invite["id"])
    audit(ctx, "invite.deleted", {"id": invite["id"]})
    body = {"object": "organization.invite.deleted", "id": invite["id"], "deleted": True}
    return FixtureResponse(body=body)


_INVITES = "/v1/organization/invites"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _INVITES, body=Body.JSON, lookup=create),
    Endpoint("GET", _INVITES, lookup=list_invites),
    Endpoint("GET", _INVITES + "/{invite_id}", lookup=retrieve),
    Endpoint("DELETE", _INVITES + "/{invite_id}", lookup=delete),
)
