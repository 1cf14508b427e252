"""A project's API keys (``/v1/organization/projects/{project_id}/api_keys``).

The Administration API creates project keys only for service accounts
(:mod:`.service_accounts`, through :func:`issue`); users make theirs in the dashboard,
which the mock does not have. Every key :func:`issue` makes is a real secret
(``sk-svcacct-...``) that the mock's ordinary routes accept, and whose owner
:func:`~.keys.key_owner` answers.

* ``GET``: the project's keys, oldest first, ``after``/``limit`` paged
  (``first_id``/``last_id``/``has_more``). ``owner_project_access`` (``active``,
  ``inactive``, ``any``) filters by whether the key's owner has access to the project:
  a service account's keys are always ``active`` (it belongs to the project).
* ``GET .../{api_key_id}``: the key, its ``owner`` (the service account as it is now:
  name, role) and ``redacted_value``; never the secret.
* ``POST .../{api_key_id}`` (the SDK's ``update``): ``scopes``, ``expires_in_seconds``
  (from now) and ``spend_limit`` (``null`` removes it); at least one of them, or the
  API's 400; an expired key cannot be updated (400). Scopes are kept and shown in the
  audit log, not enforced on the ordinary routes (assumed out of a mock's reach).
* ``DELETE .../{api_key_id}``: the key revoked at once (a service account's too, as
  the SDK documents; the spec's older text refused those); the service account and its
  other keys stay.

A key of another project, or one never issued, is the API's 404. Audit events:
``api_key.created`` (by :func:`issue`), ``api_key.updated``, ``api_key.deleted``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints.admin import keys, org, scoped
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KIND = org.kind("project_api_keys")
"""The state store kind of project API keys: the API's object (without ``owner``) plus
``_project_id``, ``_digest`` (the secret's), ``_service_account_id`` and ``_scopes``."""
NOUN = "API key"
SERVICE_ACCOUNTS = org.kind("service_accounts")
"""The state store kind of service accounts (:mod:`.service_accounts` writes it)."""
DEFAULT_KEY_NAME = "Secret Key"
"""A service account key's name when none is given (the API's example)."""
_UPDATABLE = ("scopes", "expires_in_seconds", "spend_limit")


def issue(
    ctx: Context, project_id: str, service_account_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """A new key of the service account ``service_account_id`` in ``project_id``, from
    the create request ``body`` (``name``, ``scopes``, ``expires_in_seconds``,
    ``spend_limit``): the ``organization.project.service_account.api_key`` with its
    secret ``value``, which nothing shows again."""
    now = ctx.clock.seconds()
    key_id = org.new_id(ctx, "key_", 16)
    secret = keys.new_secret(ctx, keys.SERVICE_ACCOUNT_KEY)
    expires = scoped.expires_at(ctx, body.get("expires_in_seconds"))
    name = str(body.get("name") or DEFAULT_KEY_NAME)
    scopes = [str(s) for s in body.get("scopes") or []]
    record: dict[str, Any] = {
        "object": "organization.project.api_key",
        "id": key_id,
        "name": name,
        "redacted_value": keys.redacted(secret),
        "created_at": now,
        "last_used_at": None,
        "owner_project_access": "active",
        "expires_at": expires,
        scoped.PROJECT: project_id,
        "_digest": keys.digest(secret),
        "_service_account_id": service_account_id,
        "_scopes": scopes,
    }
    limit = _spend_limit(body.get("spend_limit"))
    if limit is not None:
        record["spend_limit"] = limit
    ctx.state.put(KIND, key_id, record)
    owner = {"project_id": project_id, "api_key_id": key_id}
    keys.record_owner(
        ctx.state, secret, {**owner, "service_account_id": service_account_id}, expires_at=expires
    )
    audit(ctx, "api_key.created", {"id": key_id, "data": {"scopes": scopes}}, project_id=project_id)
    made = {
        "object": "organization.project.service_account.api_key",
        "value": secret,
        "name": name,
        "created_at": now,
        "id": key_id,
        "expires_at": expires,
    }
    if limit is not None:
        made["spend_limit"] = limit
    return made


def _spend_limit(given: Any) -> dict[str, Any] | None:
    """A key's ``spend_limit`` as the API shows it, from the one a request set: in force
    (``enforcing``, as the API shows a spend limit just set)."""
    if not isinstance(given, dict):
        return None
    return {
        "threshold_amount": given.get("threshold_amount"),
        "currency": given.get("currency", "USD"),
        "interval": given.get("interval", "month"),
        "enforcement": {"status": "enforcing"},
    }


def show(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """The key as the API shows it: its ``owner`` is its service account as it is now."""
    shown = org.public(record)
    account = ctx.state.get(SERVICE_ACCOUNTS, str(record.get("_service_account_id")))
    if isinstance(account, dict):
        owner = {k: account.get(k) for k in ("id", "name", "created_at", "role")}
        shown["owner"] = {"type": "service_account", "service_account": owner}
    else:
        shown["owner"] = {"type": "service_account"}
    return shown


def forget(ctx: Context, record: dict[str, Any]) -> None:
    """Revoke the key ``record``: its secret stops working at once."""
    ctx.state.delete(KIND, str(record["id"]))
    keys.forget_owner(ctx.state, str(record["_digest"]))


def list_keys(ctx: Context) -> FixtureResponse:
    """``GET .../api_keys``: a page of the project's keys."""
    project_id = str(scoped.project(ctx)["id"])
    access = dict(ctx.request.query).get("owner_project_access")
    where = {scoped.PROJECT: project_id}
    if access in ("active", "inactive"):
        where["owner_project_access"] = access
    return FixtureResponse(body=org.page(ctx, KIND, where=where, show=lambda r: show(ctx, r)))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET .../api_keys/{api_key_id}``."""
    return FixtureResponse(body=show(ctx, _key(ctx)))


def update(ctx: Context) -> FixtureResponse:
    """``POST .../api_keys/{api_key_id}``: new scopes, expiry or spend limit."""
    record = _key(ctx)
    changes = {k: ctx.body[k] for k in _UPDATABLE if k in ctx.body}
    if not changes:
        raise APIError(
            400,
            "Provide at least one of 'scopes', 'expires_in_seconds' or 'spend_limit' "
            "to update the API key.",
        )
    expires = record.get("expires_at")
    if isinstance(expires, int) and ctx.clock.seconds() >= expires:
        raise APIError(400, f"API key {record['id']} has expired and cannot be updated.")
    if "scopes" in changes:
        record["_scopes"] = [str(s) for s in changes["scopes"] or []]
    if "expires_in_seconds" in changes:
        record["expires_at"] = scoped.expires_at(ctx, changes["expires_in_seconds"])
        _extend(ctx, record)
    if "spend_limit" in changes:
        limit = _spend_limit(changes["spend_limit"])
        record.pop("spend_limit", None)
        if limit is not None:
            record["spend_limit"] = limit
    ctx.state.put(KIND, str(record["id"]), record)
    details = {"id": record["id"], "changes_requested": {"scopes": record["_scopes"]}}
    audit(ctx, "api_key.updated", details, project_id=str(record[scoped.PROJECT]))
    return FixtureResponse(body=show(ctx, record))


def _extend(ctx: Context, record: dict[str, Any]) -> None:
    """Carry a key's new ``expires_at`` over to its owner record (what auth reads)."""
    digest = str(record["_digest"])

    def change(owned: Any) -> Any:
        return {**owned, "expires_at": record["expires_at"]}

    ctx.state.update(keys.KEY_OWNERS, digest, change)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE .../api_keys/{api_key_id}``: the key revoked."""
    record = _key(ctx)
    forget(ctx, record)
    audit(ctx, "api_key.deleted", {"id": record["id"]}, project_id=str(record[scoped.PROJECT]))
    body = {"object": "organization.project.api_key.deleted", "id": record["id"], "deleted": True}
    return FixtureResponse(body=body)


def _key(ctx: Context) -> dict[str, Any]:
    project_id = str(scoped.project(ctx)["id"])
    return scoped.owned(ctx, KIND, ctx.params["api_key_id"], NOUN, project_id=project_id)


_KEYS = "/v1/organization/projects/{project_id}/api_keys"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", _KEYS, lookup=list_keys),
    Endpoint("GET", _KEYS + "/{api_key_id}", lookup=retrieve),
    Endpoint("POST", _KEYS + "/{api_key_id}", body=Body.JSON, lookup=update),
    Endpoint("DELETE", _KEYS + "/{api_key_id}", lookup=delete),
)
