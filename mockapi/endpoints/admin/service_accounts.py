"""A project's service accounts (``/v1/organization/projects/{project_id}/service_accounts``)
and their API keys.

* ``POST``: ``name``: an ``organization.project.service_account`` (``svc_acct_...``,
  role ``member``) and, unless ``create_service_account_only``, its first API key with
  the secret ``value`` (``sk-svcacct-...``) shown in this answer only (``api_key``:
  null otherwise). ``expires_in_seconds`` and ``spend_limit`` apply to that key;
  ``expires_in_seconds`` with ``create_service_account_only`` is the API's 400, as the
  SDK documents.
* ``GET``: the project's service accounts, oldest first, ``after``/``limit`` paged.
* ``GET``/``POST``/``DELETE .../{service_account_id}``: the account; ``name`` and
  ``role`` (``member``, ``owner``) updated; deleted with every key it holds (revoked at
  once) and the workload identity federation rules that map to it.
* ``POST .../{service_account_id}/api_keys``: another key (``name``, ``scopes``,
  ``expires_in_seconds``, ``spend_limit``), its secret shown once.

A project's service account is one of its users: ``GET .../projects/{id}/users`` lists
it (``organization.project.user`` with its id, name and role, and no email: the
object's ``email`` is nullable for this), from creation until deletion. In an archived
project nothing is listed, created or deleted: the API's 400 ``Project is archived``
(archived projects have no service accounts). Audit events: ``service_account.created``,
``.updated``, ``.deleted`` and each key's ``api_key.created``.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import org, project_keys, scoped, workload_identity
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state.store import matches

KIND = project_keys.SERVICE_ACCOUNTS
NOUN = "Service account"
PREFIX = "svc_acct_"


def create(ctx: Context) -> FixtureResponse:
    """``POST .../service_accounts``: a service account and (by default) its first key."""
    project_id = str(scoped.active_project(ctx)["id"])
    only = ctx.body.get("create_service_account_only") is True
    if only and ctx.body.get("expires_in_seconds") is not None:
        raise APIError(
            400,
            "'expires_in_seconds' cannot be used when 'create_service_account_only' is "
            "true: there is no key to expire. Leave one of them out.",
            param="expires_in_seconds",
            code="invalid_value",
        )
    now = ctx.clock.seconds()
    account_id = org.new_id(ctx, PREFIX)
    record = {
        "object": "organization.project.service_account",
        "id": account_id,
        "name": str(ctx.body.get("name") or ""),
        "role": "member",
        "created_at": now,
        scoped.PROJECT: project_id,
    }
    ctx.state.put(KIND, account_id, record)
    _member(ctx, record, added_at=now)
    audit(
        ctx,
        "service_account.created",
        {"id": account_id, "data": {"role": "member"}},
        project_id=project_id,
    )
    key_body: dict[str, Any] = {
        k: ctx.body[k] for k in ("expires_in_seconds", "spend_limit") if k in ctx.body
    }
    key = None if only else project_keys.issue(ctx, project_id, account_id, key_body)
    return FixtureResponse(body={**org.public(record), "api_key": key})


def _member(ctx: Context, record: dict[str, Any], *, added_at: int | None = None) -> None:
    """The service account as one of its project's users (created, or renamed and
    given its new role)."""
    project_id = str(record[scoped.PROJECT])
    member_id = org.member_id(project_id, str(record["id"]))
    kept = ctx.state.get(org.PROJECT_USERS, member_id)
    since = kept.get("added_at") if isinstance(kept, dict) else added_at
    member = {
        "object": "organization.project.user",
        "id": record["id"],
        "name": record["name"],
        "email": None,
        "role": record["role"],
        "added_at": since if isinstance(since, int) else ctx.clock.seconds(),
        "_project_id": project_id,
        "_service_account": True,
    }
    ctx.state.put(org.PROJECT_USERS, member_id, member)


def list_accounts(ctx: Context) -> FixtureResponse:
    """``GET .../service_accounts``: a page of the project's service accounts."""
    project_id = str(scoped.active_project(ctx)["id"])
    return FixtureResponse(body=org.page(ctx, KIND, where={scoped.PROJECT: project_id}))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET .../service_accounts/{service_account_id}``."""
    return FixtureResponse(body=org.public(_account(ctx, scoped.project(ctx))))


def update(ctx: Context) -> FixtureResponse:
    """``POST .../service_accounts/{service_account_id}``: a new name or role."""
    record = _account(ctx, scoped.active_project(ctx))
    changes = {k: ctx.body[k] for k in ("name", "role") if ctx.body.get(k) is not None}
    record.update(changes)
    ctx.state.put(KIND, str(record["id"]), record)
    _member(ctx, record)
    audit(
        ctx,
        "service_account.updated",
        {"id": record["id"], "changes_requested": changes},
        project_id=str(record[scoped.PROJECT]),
    )
    return FixtureResponse(body=org.public(record))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE .../service_accounts/{service_account_id}``: the account, its keys revoked."""
    record = _account(ctx, scoped.active_project(ctx))
    project_id, account_id = str(record[scoped.PROJECT]), str(record["id"])
    where = {scoped.PROJECT: project_id, "_service_account_id": account_id}
    for key in [k for k in ctx.state.values(project_keys.KIND) if matches(k, where)]:
        project_keys.forget(ctx, key)
    workload_identity.forget_account_rules(ctx.state, account_id)
    ctx.state.delete(KIND, account_id)
    ctx.state.delete(org.PROJECT_USERS, org.member_id(project_id, account_id))
    audit(ctx, "service_account.deleted", {"id": account_id}, project_id=project_id)
    body = {
        "object": "organization.project.service_account.deleted",
        "id": account_id,
        "deleted": True,
    }
    return FixtureResponse(body=body)


def create_key(ctx: Context) -> FixtureResponse:
    """``POST .../service_accounts/{service_account_id}/api_keys``: another key, its
    secret shown once."""
    record = _account(ctx, scoped.active_project(ctx))
    key = project_keys.issue(ctx, str(record[scoped.PROJECT]), str(record["id"]), ctx.body)
    return FixtureResponse(body=key)


def _account(ctx: Context, project: dict[str, Any]) -> dict[str, Any]:
    account_id = ctx.params["service_account_id"]
    return scoped.owned(ctx, KIND, account_id, NOUN, project_id=str(project["id"]))


_ACCOUNTS = "/v1/organization/projects/{project_id}/service_accounts"
_ACCOUNT = _ACCOUNTS + "/{service_account_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _ACCOUNTS, body=Body.JSON, lookup=create),
    Endpoint("GET", _ACCOUNTS, lookup=list_accounts),
    Endpoint("GET", _ACCOUNT, lookup=retrieve),
    Endpoint("POST", _ACCOUNT, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ACCOUNT, lookup=delete),
    Endpoint("POST", _ACCOUNT + "/api_keys", body=Body.JSON, lookup=create_key),
)
