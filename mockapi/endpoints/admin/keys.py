"""The secrets the Administration API issues, and who owns each one.

Every project API key (``sk-proj-...``: a user's, or ``sk-svcacct-...``: a service
account's) and every admin API key (``sk-admin-...``) the mock issues is a real, usable
secret: the mock's ordinary routes accept a project key (also under ``--api-key``, which
otherwise restricts the accepted keys), and the admin routes an admin key. The secret is
shown once, in the answer that creates it, as the API does; afterwards only its
``redacted_value`` (``sk-proj...AbCd``).

**The ownership contract.** :func:`key_owner` answers, for a secret a request carries,
which project key it is and whom it belongs to::

    {"project_id": "proj_...", "api_key_id": "key_...", "service_account_id": "svc_acct_..."}
    {"project_id": "proj_...", "api_key_id": "key_...", "user_id": "user-..."}

or None for a secret the Administration API did not issue (or has revoked, or that has
expired on the mock's clock). Usage and
costs attribute a request to the project of its key, and project rate limits are
enforced per project, through it. Owners are kept in the state store kind
:data:`KEY_OWNERS`, keyed by :func:`digest` (SHA-256) of the secret, never the secret
itself: the state store may be a file on disk (``--state``), and secrets never reach
disk. Admin keys the API issued are kept the same way, in
:data:`~.org.ADMIN_KEY_IDS` (their id and name, which :func:`~.org.actor` shows).

**Revocation.** A deleted key (a deleted service account's, an archived project's) stays
known as revoked, and :func:`refused` tells authentication to answer it (and an expired
one) with the API's 401 ``Incorrect API key provided`` on every route, whatever
``--api-key`` says, as the API refuses a revoked key. A secret the mock never issued is
not affected.

Secrets are drawn like ids (:func:`mockapi.endpoints.objects.new_id`): the n-th secret of
a prefix is the same on every run with the same ``--seed``, so a recorded test's keys
are reproducible. They have the real shape: the prefix, base62 letters and digits, and
the ``T3BlbkFJ`` marker (``OpenAI`` in base64) the API puts inside its keys.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.admin import org
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.clock import Clock
from mockapi.state.store import StateStore

KEY_OWNERS = org.kind("key_owners")
"""State kind: the owner of each project API key's secret, by :func:`digest`."""

PROJECT_KEY = "sk-proj-"
SERVICE_ACCOUNT_KEY = "sk-svcacct-"
ADMIN_KEY = "sk-admin-"
_MARKER = "T3BlbkFJ"
_HALF = 40
"""Base62 characters on each side of the marker (real keys carry about this many)."""


def digest(secret: str) -> str:
    """The SHA-256 hex digest of ``secret``: how the store names a secret it must not hold."""
    return org.key_digest(secret)


def new_secret(ctx: Context, prefix: str) -> str:
    """A fresh secret with ``prefix`` (:data:`PROJECT_KEY`, :data:`SERVICE_ACCOUNT_KEY`,
    :data:`ADMIN_KEY`), deterministic under the server's seed."""
    number = objects.next_number(ctx.state, "secret:" + prefix)
    seed = f"{ctx.seed}:secret:{prefix}:{number}".encode()
    head = objects.base62(hashlib.sha256(seed + b":head").digest(), _HALF)
    tail = objects.base62(hashlib.sha256(seed + b":tail").digest(), _HALF)
    return f"{prefix}{head}{_MARKER}{tail}"


def redacted(secret: str) -> str:
    """What the API shows of a secret after its creation: ``sk-proj...AbCd``."""
    for prefix in (SERVICE_ACCOUNT_KEY, PROJECT_KEY, ADMIN_KEY):
        if secret.startswith(prefix):
            return f"{prefix.rstrip('-')}...{secret[-4:]}"
    return f"{secret[:3]}...{secret[-4:]}"


def record_owner(
    state: StateStore, secret: str, owner: dict[str, str], *, expires_at: int | None = None
) -> None:
    """Keep ``owner`` (:func:`key_owner`'s answer) for ``secret``, by its digest; the
    secret stops being owned at ``expires_at`` (the mock's clock), if given."""
    record = {"id": digest(secret), "owner": owner, "expires_at": expires_at}
    state.put(KEY_OWNERS, digest(secret), record)


def key_owner(state: StateStore, secret: str, *, now: float | None = None) -> dict[str, str] | None:
    """Who owns the project API key ``secret``: ``{"project_id", "api_key_id",
    "user_id" | "service_account_id"}``, or None when the mock did not issue it (or
    its key was revoked, or has expired at ``now``, by default the mock's clock)."""
    found = _live(state, KEY_OWNERS, secret, now)
    return dict(found["owner"]) if found is not None else None


def forget_owner(state: StateStore, secret_digest: str) -> None:
    """Revoke the project key whose secret has the digest ``secret_digest`` (its key, or
    its service account, was deleted): the secret is refused from then on."""
    state.put(KEY_OWNERS, secret_digest, {"id": secret_digest, "revoked": True})


def revoke_project(state: StateStore, project_id: str) -> int:
    """Revoke every key of the project ``project_id`` (archived: "archived projects
    cannot be used", as the API reference says); how many."""
    owned = [
        record
        for record in state.values(KEY_OWNERS)
        if isinstance(record, dict) and (record.get("owner") or {}).get("project_id") == project_id
    ]
    for record in owned:
        forget_owner(state, str(record["id"]))
    return len(owned)


def record_admin_key(
    state: StateStore, secret: str, key_id: str, name: str, *, expires_at: int | None = None
) -> None:
    """Keep that the admin key ``secret`` is the admin API key ``key_id`` named ``name``
    (in :data:`~.org.ADMIN_KEY_IDS`, which :func:`~.org.actor` reads), until
    ``expires_at`` if given."""
    record = {"id": key_id, "name": name, "expires_at": expires_at}
    state.put(org.ADMIN_KEY_IDS, digest(secret), record)


def admin_key_id(state: StateStore, secret: str, *, now: float | None = None) -> str | None:
    """The id of the admin API key ``secret`` (one the mock issued, has not revoked and
    has not seen expire by ``now``, by default the mock's clock), or None."""
    found = _live(state, org.ADMIN_KEY_IDS, secret, now)
    return str(found["id"]) if found is not None else None


def forget_admin_key(state: StateStore, secret_digest: str) -> None:
    """Revoke the admin key whose secret has the digest ``secret_digest`` (deleted)."""
    state.update(org.ADMIN_KEY_IDS, secret_digest, lambda kept: {**kept, "revoked": True})


def issued(state: StateStore, secret: str) -> bool:
    """Whether ``secret`` is a project or admin key the Administration API issued and
    has not revoked: such a key is accepted even when ``--api-key`` or
    ``--admin-api-key`` restricts the accepted keys."""
    return key_owner(state, secret) is not None or admin_key_id(state, secret) is not None


def refused(state: StateStore, secret: str) -> bool:
    """Whether ``secret`` is a key the Administration API issued and has since revoked,
    or that has expired: the API's 401 for it, whatever ``--api-key`` says (a key that
    the mock never issued is not refused here)."""
    kind = org.ADMIN_KEY_IDS if secret.startswith(ADMIN_KEY) else KEY_OWNERS
    found = state.get(kind, digest(secret)) if secret else None
    return isinstance(found, dict) and _live(state, kind, secret, None, found=found) is None


def revoked_key_error(secret: str) -> APIError:
    """The API's 401 for a key that was revoked or has expired (:func:`refused`)."""
    problem = errors.invalid_api_key(secret)
    message = problem.message.split(" (mockapi:")[0]
    return APIError(
        401,
        f"{message} (mockapi: this key was deleted through the Administration API, or "
        "has expired on the mock's clock; create another.)",
        code=problem.code,
    )


def _live(
    state: StateStore, kind: str, secret: str, now: float | None, *, found: Any = None
) -> dict[str, Any] | None:
    """The record of ``secret`` in ``kind`` when it is neither revoked nor expired."""
    if found is None:
        found = state.get(kind, digest(secret)) if secret else None
    if not isinstance(found, dict) or found.get("revoked"):
        return None
    expires_at = found.get("expires_at")
    # The mock's clock lives in the store, so a test that advances it expires keys.
    moment = Clock(state).now() if now is None else now
    return None if isinstance(expires_at, int) and moment >= expires_at else found
