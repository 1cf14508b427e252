"""Admin API keys (``/v1/organization/admin_api_keys``): the organization's keys for the
Administration API itself.

* ``POST``: ``name`` and optional ``expires_in_seconds`` (1 s to a year): an
  ``organization.admin_api_key`` (``key_`` and 16 letters and digits) owned by the
  organization's owner, with its secret ``value`` (``sk-admin-...``) in this answer
  only; afterwards the key shows its ``redacted_value`` (``sk-admin...AbCd``). The new
  key is accepted on every admin route at once (also under ``--admin-api-key``) until
  it expires on the mock's clock or is deleted.
* ``GET``: the keys created through this route, oldest first (``order``, ``after``,
  ``limit``; ``first_id``/``last_id``/``has_more``). The keys the server was started
  with (or any ``sk-admin-`` key it accepts when started without ``--admin-api-key``)
  are not listed: the mock cannot know an organization's other keys (assumed).
* ``GET .../{key_id}``, ``DELETE .../{key_id}``: the key, or
  ``organization.admin_api_key.deleted``; the deleted key is refused from then on.
  An id the organization does not have is the API's 404.

Each creation and deletion is an audit log event (``api_key.created`` with the scopes
it holds, ``api_key.deleted``).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import keys, org, scoped
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

KIND = org.kind("admin_api_keys")
"""The state store kind of admin API keys (private field ``_digest``: the secret's)."""
NOUN = "Admin API key"
ADMIN_SCOPES = ["api.management.read", "api.management.write", "api.usage.read"]
"""What an admin key may do (the scopes the admin routes need), as its audit event says."""


def create(ctx: Context) -> FixtureResponse:
    """``POST /organization/admin_api_keys``: a new admin key and its secret, once."""
    name = str(ctx.body.get("name") or "")
    now = ctx.clock.seconds()
    key_id = org.new_id(ctx, "key_", 16)
    secret = keys.new_secret(ctx, keys.ADMIN_KEY)
    expires = scoped.expires_at(ctx, ctx.body.get("expires_in_seconds"))
    record: dict[str, Any] = {
        "object": "organization.admin_api_key",
        "id": key_id,
        "name": name,
        "redacted_value": keys.redacted(secret),
        "created_at": now,
        "expires_at": expires,
        "last_used_at": None,
        "owner": _owner(ctx),
        "_digest": keys.digest(secret),
    }
    ctx.state.put(KIND, key_id, record)
    keys.record_admin_key(ctx.state, secret, key_id, name, expires_at=expires)
    audit(ctx, "api_key.created", {"id": key_id, "data": {"scopes": ADMIN_SCOPES}})
    return FixtureResponse(body={**org.public(record), "value": secret})


def _owner(ctx: Context) -> dict[str, Any]:
    """The owner of every admin key: the organization's owner user."""
    owner = ctx.state.get(org.USERS, org.owner_id(ctx))
    added = owner.get("added_at") if isinstance(owner, dict) else None
    return {
        "type": "user",
        "object": "organization.user",
        "id": org.owner_id(ctx),
        "name": org.OWNER_NAME,
        "created_at": added if isinstance(added, int) else ctx.clock.seconds(),
        "role": "owner",
    }


def list_keys(ctx: Context) -> FixtureResponse:
    """``GET /organization/admin_api_keys``: a page of the keys, oldest first."""
    return FixtureResponse(body=org.page(ctx, KIND))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /organization/admin_api_keys/{key_id}``."""
    record = scoped.owned(ctx, KIND, ctx.params["key_id"], NOUN)
    return FixtureResponse(body=org.public(record))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /organization/admin_api_keys/{key_id}``: the key revoked."""
    key_id = ctx.params["key_id"]
    record = scoped.owned(ctx, KIND, key_id, NOUN)
    ctx.state.delete(KIND, key_id)
    keys.forget_admin_key(ctx.state, str(record["_digest"]))
    audit(ctx, "api_key.deleted", {"id": key_id})
    body = {"id": key_id, "object": "organization.admin_api_key.deleted", "deleted": True}
    return FixtureResponse(body=body)


_KEYS = "/v1/organization/admin_api_keys"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _KEYS, body=Body.JSON, lookup=create),
    Endpoint("GET", _KEYS, lookup=list_keys),
    Endpoint("GET", _KEYS + "/{key_id}", lookup=retrieve),
    Endpoint("DELETE", _KEYS + "/{key_id}", lookup=delete),
)
