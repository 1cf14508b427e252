"""What every Administration API family shares: the organization, its kinds, ids, lists,
404s and the admin key acting.

* :data:`ORG_ID`: the one organization the mock serves (``org-mockapi``).
* Kinds: every admin object lives in the state store under a kind named
  ``admin.<resource>`` (:func:`kind`; :data:`KIND_PREFIX`), which the memory backend
  never evicts (an organization's project must not vanish under load). The core
  organization's kinds are named here; other families name theirs in their module the
  same way (``admin.admin_api_keys``, ``admin.service_accounts``, ...).
* Records: an object is stored as the API shows it, plus private fields whose names
  start with ``_`` (``_project_id`` for a project's user, kept for ``where=`` filters);
  :func:`public` drops them, and :func:`page` does so for every listed object.
* :func:`new_id`: an id with the API's prefix and 24 letters and digits
  (``proj_...``, ``user-...``, ``invite-...``), deterministic under ``--seed`` (the
  n-th id of a prefix is the same on every run, as :func:`objects.new_id`).
* :func:`page`: a list page in the admin API's styles: ``cursor`` (``first_id``,
  ``last_id``, ``has_more``; ``after``/``limit``; most routes) or ``next`` (``has_more``
  and a ``next`` cursor: groups, roles and role assignments).
* :func:`not_found`: the API's 404 for an id the organization does not have.
* :func:`actor`: the admin key the request was made with, as audit logs show it.
* The seeded organization (:func:`ensure_seeded`): an owner user (whose admin key every
  request acts with) and the ``Default project``, present from the first admin request
  on and after every reset, as in a real organization; :mod:`.routes` calls it before
  every admin handler, so a family's handler may rely on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.store import Order
from mockapi.wire import credentials

ORG_ID = "org-mockapi"
"""The organization every admin route acts on (also ``OpenAI-Organization``'s value)."""

KIND_PREFIX = "admin."
"""The prefix of every admin kind: never evicted (:data:`mockapi.state.objects.KEPT_PREFIXES`)."""


def kind(resource: str) -> str:
    """The state store kind of an admin resource: ``admin.<resource>``."""
    return KIND_PREFIX + resource


PROJECTS = kind("projects")
USERS = kind("users")
INVITES = kind("invites")
ROLES = kind("roles")
"""Custom roles (organization and project roles, told apart by ``resource_type``)."""
ROLE_ASSIGNMENTS = kind("role_assignments")
"""Which role a user or group holds in the organization or a project."""
GROUPS = kind("groups")
GROUP_USERS = kind("group_users")
PROJECT_USERS = kind("project_users")
PROJECT_GROUPS = kind("project_groups")
AUDIT_LOGS = kind("audit_logs")
"""Audit log events (:mod:`.audit`)."""

OWNER_EMAIL = "owner@mockapi.test"
OWNER_NAME = "Mockapi Owner"
DEFAULT_PROJECT_NAME = "Default project"

Style = Literal["cursor", "next"]


def new_id(ctx: Context, prefix: str, length: int = 24) -> str:
    """A fresh id: ``prefix`` and ``length`` letters and digits, the n-th of its prefix
    under the server's seed (a reset starts the count again)."""
    number = objects.next_number(ctx.state, prefix)
    digest = hashlib.sha256(f"{ctx.seed}:{prefix}:{number}".encode()).digest()
    return prefix + objects.base62(digest, length)


def fixed_id(ctx: Context, prefix: str, name: str, length: int = 24) -> str:
    """The id of a seeded object (the owner, the default project): the same for a seed
    whatever was created before it, so it takes no number from :func:`new_id`."""
    digest = hashlib.sha256(f"{ctx.seed}:{prefix}:{name}".encode()).digest()
    return prefix + objects.base62(digest, length)


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """The object as the API shows it: ``record`` without its private ``_`` fields."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def page(
    ctx: Context,
    kind: str | None = None,
    *,
    items: Sequence[Mapping[str, Any]] | None = None,
    where: Mapping[str, str] | None = None,
    style: Style = "cursor",
    show: Callable[[dict[str, Any]], dict[str, Any]] = public,
    default_limit: int = 20,
    max_limit: int = 100,
    default_order: Order = "asc",
) -> dict[str, Any]:
    """The ``list`` object of ``kind``'s objects (oldest first, each paged by its
    ``id`` field, whatever its store key), or of ``items`` (objects with an ``id``,
    oldest first) that a family selected itself, filtered on top-level fields by
    ``where``, for the request's ``after``/``before``/``limit``/``order``; each object through
    ``show`` (private fields dropped by default).

    ``style="cursor"`` answers ``first_id``/``last_id``/``has_more`` (what the SDK's
    ``ConversationCursorPage`` follows); ``style="next"`` answers ``has_more`` and
    ``next``, the cursor of the page after this one (the last id, or None), which the
    SDK's ``NextCursorPage`` sends back as ``after``. The admin lists are oldest first
    unless ``order=desc`` (assumed where the spec has no ``order``: a new organization
    lists its owner and default project first). A ``limit`` outside 1..``max_limit``
    is the API's 400 naming it.
    """
    if items is None:
        if kind is None:
            raise TypeError("page() takes a kind or items")
        # Paged here, not by StateStore.page: a member's store key (``proj_x/user-y``)
        # is not the id the API shows and pages by (``user-y``), and the SQLite
        # backend pages by store key. An organization's lists are small.
        items = ctx.state.values(kind)
    selected = [dict(i) for i in items if isinstance(i, Mapping) and _matches(i, where)]
    body = objects.list_items(
        ctx,
        selected,
        default_limit=default_limit,
        max_limit=max_limit,
        default_order=default_order,
    )
    body["data"] = [show(dict(item)) for item in body["data"]]
    if style == "next":
        last = body.pop("last_id")
        body.pop("first_id")
        body["next"] = last if body["has_more"] else None
    return body


def _matches(item: Mapping[str, Any], where: Mapping[str, str] | None) -> bool:
    return all(item.get(k) == v for k, v in (where or {}).items())


def not_found(noun: str, object_id: str, *, param: str | None = None) -> APIError:
    """The API's 404 for an id the organization does not have: ``No such Project
    object: proj_abc``.

    Assumed: the admin API's 404 wording is not documented; this is the wording the
    rest of the API uses for an unknown id (``No such File object: file-abc``), with
    the noun the admin API's objects are named by (``Project``, ``User``,
    ``Invite``...), type ``invalid_request_error`` and no param.
    """
    return objects.not_found(noun, object_id, param=param)


@dataclass(frozen=True)
class Actor:
    """The principal a request acts as: the admin key it carried, owned by the owner."""

    key_id: str
    """``key_`` and 16 letters and digits: the key's tracking id (an admin key created
    through ``/organization/admin_api_keys`` keeps the id it was given there)."""
    name: str
    user_id: str
    email: str

    def audit(self) -> dict[str, Any]:
        """The ``actor`` of an audit log event (``AuditLogActor``)."""
        return {
            "type": "api_key",
            "api_key": {
                "id": self.key_id,
                "type": "user",
                "user": {"id": self.user_id, "email": self.email},
            },
        }


ADMIN_KEY_IDS = kind("admin_key_ids")
"""The id and name of admin keys created through the API, by :func:`key_digest` of
their secret (the admin keys family puts and deletes them): how :func:`actor` names a
key that the API issued."""


def key_digest(key: str) -> str:
    """The store id under which an admin key's id and name are kept (never the secret)."""
    return hashlib.sha256(key.encode()).hexdigest()


def actor(ctx: Context) -> Actor:
    """The admin key of the request as an :class:`Actor`: the id and name the API gave
    it (:data:`ADMIN_KEY_IDS`), or for a key the server was started with (or any
    ``sk-admin-`` key when none was given) a ``key_`` id derived from it and the name
    ``Admin key``. Every admin key belongs to the seeded owner."""
    token = credentials.bearer_token(ctx.request.headers)
    known = ctx.state.get(ADMIN_KEY_IDS, key_digest(token))
    if isinstance(known, dict):
        key_id, name = str(known["id"]), str(known.get("name") or "Admin key")
    else:
        key_id = "key_" + objects.base62(hashlib.sha256(token.encode()).digest(), 16)
        name = "Admin key"
    return Actor(key_id, name, owner_id(ctx), OWNER_EMAIL)


def owner_id(ctx: Context) -> str:
    """The seeded owner's user id."""
    return fixed_id(ctx, "user-", "owner")


def default_project_id(ctx: Context) -> str:
    """The seeded ``Default project``'s id (actions by admin keys are scoped to it)."""
    return fixed_id(ctx, "proj_", "default")


def ensure_seeded(ctx: Context) -> None:
    """Put the owner user and the default project in the store unless they are there
    (cheap: two reads once seeded; atomic per object across workers)."""
    now = ctx.clock.seconds()
    owner, project_id = owner_id(ctx), default_project_id(ctx)
    user: dict[str, Any] = {
        "object": "organization.user",
        "id": owner,
        "name": OWNER_NAME,
        "email": OWNER_EMAIL,
        "role": "owner",
        "added_at": now,
    }
    project: dict[str, Any] = {
        "id": project_id,
        "object": "organization.project",
        "name": DEFAULT_PROJECT_NAME,
        "created_at": now,
        "archived_at": None,
        "status": "active",
    }
    member: dict[str, Any] = {
        "object": "organization.project.user",
        "id": owner,
        "name": OWNER_NAME,
        "email": OWNER_EMAIL,
        "role": "owner",
        "added_at": now,
        "_project_id": project_id,
    }
    for kind_, object_id, record in (
        (USERS, owner, user),
        (PROJECTS, project_id, project),
        (PROJECT_USERS, member_id(project_id, owner), member),
    ):
        if ctx.state.get(kind_, object_id) is None:
            ctx.state.update(kind_, object_id, _kept, start=record)


def _kept(value: Any) -> Any:
    return value


def find_member(
    ctx: Context, kind: str, owner: str, member: str, noun: str, param: str
) -> dict[str, Any]:
    """The membership of ``member`` in ``owner`` (a project's user or group, a group's
    user) stored in ``kind`` under :func:`member_id`, or the API's 404 naming it."""
    found = ctx.state.get(kind, member_id(owner, member))
    if not isinstance(found, dict):
        raise not_found(noun, member, param=param)
    return found


def member_id(project_id: str, member: str) -> str:
    """The store id of a project's member (a user or a group): ``proj_x/user-y``.

    The API object keeps the member's own id; :func:`page` pages by it, which is
    unique within one project's ``where={"_project_id": ...}`` listing."""
    return f"{project_id}/{member}"
