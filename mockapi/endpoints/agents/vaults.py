"""Vaults and their credentials (``client.beta.agents.vaults``): ``/v1/vaults`` create,
list, retrieve, update, delete, and ``/v1/vaults/{vault_id}/credentials`` the same.

A vault (kind :data:`VAULTS`) holds credentials for MCP servers and OpenAI-hosted
environments. A credential (kind :data:`CREDENTIALS`) shows only its public
configuration: its secrets (``token``, ``access_token``, ``refresh_token``,
``client_secret``, ``secret_value``: :data:`SECRET_FIELDS`) are write-only. They are kept
apart (kind :data:`SECRETS`), never in an answer; the journal keeps the placeholder
for them (the routes' ``write_only`` paths) and a recording redacts them by name
(:mod:`mockapi.recording.redaction`). An update rotates them within the credential's
own ``auth.type`` and replaces its metadata.

Assumed where the SDK's types do not say: the ids' prefixes (``vault_``, ``vcred_``);
the wordings of the 400s and 404s; that every vault and credential is ``active`` (no
route archives one), so a ``status`` filter without ``active`` lists nothing; that a
vault's deletion deletes its credentials (the SDK's docstring says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.chat.stored import check_metadata, metadata_filter
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

VAULTS = "agents.vaults"
CREDENTIALS = "agents.vault_credentials"
SECRETS = "agents.vault_credentials.secrets"
KINDS = (VAULTS, CREDENTIALS, SECRETS)
"""The state store kinds of this module (never evicted: see ``KEPT_KINDS``)."""
SECRET_FIELDS = ("token", "access_token", "refresh_token", "client_secret", "secret_value")
"""The write-only fields of a credential's ``auth``, at whatever depth."""
WRITE_ONLY = (
    "auth.token", "auth.access_token", "auth.secret_value", "auth.refresh.refresh_token",
    "auth.refresh.client_secret", "auth.refresh.token_endpoint_auth.client_secret",
)  # fmt: skip
"""The body paths of a credential's create and update that the journal masks."""
_AUTH_TYPES = ("mcp_oauth", "static_bearer", "environment_variable")
_ENDPOINT_AUTH = ("none", "client_secret_basic", "client_secret_post")
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_NAME_BYTES = 256
_MAX_HOSTS = 16


def _bad(param: str, message: str, code: str = "invalid_value") -> APIError:
    return APIError(400, f"Invalid '{param}': {message}", param=param, code=code)


def vault_not_found(vault_id: str) -> APIError:
    return objects.not_found("Vault", vault_id, param="vault_id")


def _credential_not_found(credential_id: str) -> APIError:
    return objects.not_found("VaultCredential", credential_id, param="credential_id")


def check_name(value: Any, param: str = "name") -> str:
    """``value`` trimmed, when it holds 1 to 256 UTF-8 bytes."""
    if not isinstance(value, str):
        raise _bad(param, f"expected a string, got {value!r}.", "invalid_type")
    trimmed = value.strip()
    if not 1 <= len(trimmed.encode("utf-8")) <= _MAX_NAME_BYTES:
        raise _bad(param, "the name must hold 1 to 256 UTF-8 bytes after trimming.")
    return trimmed


def _status_selects_active(query: tuple[tuple[str, str], ...]) -> bool:
    """Whether the list's ``status`` filter (``status=`` or ``status[]=``, both by
    default) takes active objects, the only status mockapi's vaults have."""
    asked = [value for name, value in query if name in ("status", "status[]")]
    for value in asked:
        if value not in ("active", "archived"):
            raise APIError(
                400,
                f"Invalid value: '{value}'. Supported values are: 'active' and 'archived'.",
                param="status",
                code="invalid_value",
            )
    return not asked or "active" in asked


def _listed(ctx: Context, kind: str, keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    wanted = metadata_filter(ctx.request.query)
    items = [
        record
        for record in ctx.state.values(kind)
        if isinstance(record, dict)
        and keep(record)
        and all((record.get("metadata") or {}).get(k) == v for k, v in wanted.items())
    ]
    if not _status_selects_active(ctx.request.query):
        items = []
    return objects.list_items(ctx, items)


# -- vaults -----------------------------------------------------------------------------


def find_vault(ctx: Context, vault_id: str) -> dict[str, Any]:
    """The vault ``vault_id``, or the API's 404 (for an automation's ``vault_ids``)."""
    record = ctx.state.get(VAULTS, vault_id)
    if not isinstance(record, dict):
        raise vault_not_found(vault_id)
    return record


def create_vault(ctx: Context) -> FixtureResponse:
    name = check_name(ctx.body["name"]) if ctx.body.get("name") is not None else None
    vault_id = objects.new_id(ctx, "vault_")
    record = {
        "id": vault_id,
        "object": "vault",
        "name": name,
        "metadata": check_metadata(ctx.body.get("metadata")),
        "created_at": ctx.clock.seconds(),
    }
    ctx.state.put(VAULTS, vault_id, record)
    return FixtureResponse(body=record)


def list_vaults(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_listed(ctx, VAULTS, lambda _: True))


def retrieve_vault(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=find_vault(ctx, ctx.params["vault_id"]))


def update_vault(ctx: Context) -> FixtureResponse:
    vault_id = ctx.params["vault_id"]
    changes: dict[str, Any] = {}
    if "name" in ctx.body:
        name = ctx.body["name"]
        changes["name"] = None if name is None else check_name(name)
    if "metadata" in ctx.body:
        changes["metadata"] = check_metadata(ctx.body["metadata"])
    find_vault(ctx, vault_id)
    kept = ctx.state.update(VAULTS, vault_id, lambda held: {**held, **changes})
    if not isinstance(kept, dict):
        raise vault_not_found(vault_id)
    return FixtureResponse(body=kept)


def delete_vault(ctx: Context) -> FixtureResponse:
    vault_id = ctx.params["vault_id"]
    find_vault(ctx, vault_id)
    for record in ctx.state.values(CREDENTIALS):
        if isinstance(record, dict) and record.get("vault_id") == vault_id:
            ctx.state.delete(SECRETS, str(record["id"]))
            ctx.state.delete(CREDENTIALS, str(record["id"]))
    ctx.state.delete(VAULTS, vault_id)
    return FixtureResponse(body={"id": vault_id, "object": "vault.deleted", "deleted": True})


# -- credentials ------------------------------------------------------------------------


def _https(value: Any, param: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        raise _bad(param, f"expected an HTTPS URL, got {value!r}.")
    return str(value)


def _secret(value: Any, param: str) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(param, "expected a non-empty string.")
    if any(c in value for c in "\r\n\0"):
        raise _bad(param, "the secret must not contain carriage returns, newlines or NUL bytes.")
    return value


def _networking(value: Any) -> dict[str, Any]:
    param = "auth.networking"
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "unrestricted":
        return {"type": "unrestricted"}
    if kind != "limited":
        raise _bad(param, "expected type 'unrestricted' or 'limited'.")
    hosts = value.get("allowed_hosts")
    if not isinstance(hosts, list) or not hosts:
        raise _bad(param + ".allowed_hosts", "give 1 to 16 hostnames or IPv4 addresses.")
    normal = [str(h).lower() for h in hosts]
    if len(normal) > _MAX_HOSTS or len(set(normal)) != len(normal):
        raise _bad(param + ".allowed_hosts", "give 1 to 16 distinct hostnames or IPv4 addresses.")
    for host in normal:
        if not host or any(c in host for c in ":/*"):
            raise _bad(
                param + ".allowed_hosts",
                f"{host!r} is not a hostname: give no scheme, path, port or wildcard.",
            )
    return {"type": "limited", "allowed_hosts": normal}


def _public_auth(auth: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A create's ``auth`` split into what the credential shows and its secrets."""
    kind = auth.get("type")
    secrets: dict[str, str] = {}
    if kind == "static_bearer":
        secrets["token"] = _secret(auth.get("token"), "auth.token")
        url = _https(auth.get("mcp_server_url"), "auth.mcp_server_url")
        return {"type": kind, "mcp_server_url": url}, secrets
    if kind == "environment_variable":
        name = auth.get("secret_name")
        if not isinstance(name, str) or not _SECRET_NAME.match(name) or name.startswith("CODEX_"):
            raise _bad(
                "auth.secret_name",
                f"{name!r} is not an allowed variable name: use ASCII letters, digits and "
                "underscores, starting with a letter or underscore, not CODEX_.",
            )
        secrets["secret_value"] = _secret(auth.get("secret_value"), "auth.secret_value")
        shown = {
            "type": kind,
            "secret_name": name,
            "networking": _networking(auth.get("networking")),
        }
        return shown, secrets
    if kind != "mcp_oauth":
        raise _bad("auth.type", f"expected one of {', '.join(_AUTH_TYPES)}, got {kind!r}.")
    secrets["access_token"] = _secret(auth.get("access_token"), "auth.access_token")
    shown = {
        "type": kind,
        "mcp_server_url": _https(auth.get("mcp_server_url"), "auth.mcp_server_url"),
        "expires_at": auth.get("expires_at"),
        "refresh": None,
    }
    refresh = auth.get("refresh")
    if isinstance(refresh, dict):
        method = refresh.get("token_endpoint_auth") or {}
        method_type = method.get("type") if isinstance(method, dict) else None
        if method_type not in _ENDPOINT_AUTH:
            raise _bad(
                "auth.refresh.token_endpoint_auth.type",
                f"expected one of {', '.join(_ENDPOINT_AUTH)}, got {method_type!r}.",
            )
        secrets["refresh_token"] = _secret(
            refresh.get("refresh_token"), "auth.refresh.refresh_token"
        )
        if method_type != "none":
            secrets["client_secret"] = _secret(
                method.get("client_secret"), "auth.refresh.token_endpoint_auth.client_secret"
            )
        shown["refresh"] = {
            "client_id": str(refresh.get("client_id")),
            "token_endpoint": _https(refresh.get("token_endpoint"), "auth.refresh.token_endpoint"),
            "token_endpoint_auth": {"type": method_type},
            "resource": refresh.get("resource"),
            "scope": refresh.get("scope"),
        }
    return shown, secrets


def _rotated(
    current: Mapping[str, Any], rotate: Mapping[str, Any], secrets: dict[str, str]
) -> dict[str, Any]:
    """``current`` (a credential's shown ``auth``) after ``rotate``, ``secrets`` updated
    in place; the type cannot change."""
    kind = current.get("type")
    if rotate.get("type") != kind:
        raise _bad(
            "auth.type",
            f"a {kind} credential rotates with auth.type '{kind}', got {rotate.get('type')!r}; "
            "create a new credential to change its method.",
        )
    if kind == "static_bearer":
        secrets["token"] = _secret(rotate.get("token"), "auth.token")
        return dict(current)
    if kind == "environment_variable":
        secrets["secret_value"] = _secret(rotate.get("secret_value"), "auth.secret_value")
        return dict(current)
    shown = dict(current)
    if rotate.get("access_token") is not None:
        secrets["access_token"] = _secret(rotate["access_token"], "auth.access_token")
        shown["expires_at"] = None  # a new token clears the old expiry unless one is given
    if "expires_at" in rotate:
        shown["expires_at"] = rotate["expires_at"]
    refresh = rotate.get("refresh")
    if isinstance(refresh, dict):
        held = shown.get("refresh")
        if not isinstance(held, dict):
            raise _bad("auth.refresh", "this credential has no refresh configuration to rotate.")
        held = dict(held)
        if refresh.get("refresh_token") is not None:
            secrets["refresh_token"] = _secret(
                refresh["refresh_token"], "auth.refresh.refresh_token"
            )
        if "scope" in refresh:
            held["scope"] = refresh["scope"]
        method = refresh.get("token_endpoint_auth")
        if isinstance(method, dict):
            if method.get("type") != held["token_endpoint_auth"]["type"]:
                raise _bad(
                    "auth.refresh.token_endpoint_auth.type",
                    f"expected {held['token_endpoint_auth']['type']!r}, the method in place.",
                )
            if method.get("client_secret") is not None:
                secrets["client_secret"] = _secret(
                    method["client_secret"], "auth.refresh.token_endpoint_auth.client_secret"
                )
        shown["refresh"] = held
    return shown


def _find_credential(ctx: Context) -> dict[str, Any]:
    vault_id, credential_id = ctx.params["vault_id"], ctx.params["credential_id"]
    find_vault(ctx, vault_id)
    record = ctx.state.get(CREDENTIALS, credential_id)
    if not isinstance(record, dict) or record.get("vault_id") != vault_id:
        raise _credential_not_found(credential_id)
    return record


def create_credential(ctx: Context) -> FixtureResponse:
    vault_id = ctx.params["vault_id"]
    find_vault(ctx, vault_id)
    if "name" not in ctx.body:
        raise errors.missing_parameter("name")
    auth = ctx.body.get("auth")
    if not isinstance(auth, dict):
        raise errors.missing_parameter("auth")
    shown, secrets = _public_auth(auth)
    now = ctx.clock.seconds()
    credential_id = objects.new_id(ctx, "vcred_")
    record = {
        "id": credential_id,
        "object": "vault.credential",
        "vault_id": vault_id,
        "name": check_name(ctx.body["name"]),
        "auth": shown,
        "metadata": check_metadata(ctx.body.get("metadata")),
        "created_at": now,
        "updated_at": now,
    }
    ctx.state.put(SECRETS, credential_id, secrets)
    ctx.state.put(CREDENTIALS, credential_id, record)
    return FixtureResponse(body=record)


def list_credentials(ctx: Context) -> FixtureResponse:
    vault_id = ctx.params["vault_id"]
    find_vault(ctx, vault_id)
    return FixtureResponse(body=_listed(ctx, CREDENTIALS, lambda r: r.get("vault_id") == vault_id))


def retrieve_credential(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_find_credential(ctx))


def update_credential(ctx: Context) -> FixtureResponse:
    current = _find_credential(ctx)
    credential_id = str(current["id"])
    changes: dict[str, Any] = {}
    if "metadata" in ctx.body:
        changes["metadata"] = check_metadata(ctx.body["metadata"])
    rotate = ctx.body.get("auth")
    if isinstance(rotate, dict):
        held = ctx.state.get(SECRETS, credential_id)
        secrets = dict(held) if isinstance(held, dict) else {}
        changes["auth"] = _rotated(current["auth"], rotate, secrets)
        ctx.state.put(SECRETS, credential_id, secrets)
    changes["updated_at"] = ctx.clock.seconds()
    kept = ctx.state.update(CREDENTIALS, credential_id, lambda held: {**held, **changes})
    if not isinstance(kept, dict):
        raise _credential_not_found(credential_id)
    return FixtureResponse(body=kept)


def delete_credential(ctx: Context) -> FixtureResponse:
    credential_id = str(_find_credential(ctx)["id"])
    ctx.state.delete(SECRETS, credential_id)
    ctx.state.delete(CREDENTIALS, credential_id)
    answer = {"id": credential_id, "object": "vault.credential.deleted", "deleted": True}
    return FixtureResponse(body=answer)


def secrets_of(ctx: Context, credential_id: str) -> dict[str, str]:
    """The write-only secrets of a credential (for a session that uses its vault)."""
    held = ctx.state.get(SECRETS, credential_id)
    return dict(held) if isinstance(held, dict) else {}


_VAULT = "/v1/vaults/{vault_id}"
_CREDENTIAL = _VAULT + "/credentials/{credential_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/vaults", body=Body.JSON, lookup=create_vault),
    Endpoint("GET", "/v1/vaults", lookup=list_vaults),
    Endpoint("GET", _VAULT, lookup=retrieve_vault),
    Endpoint("POST", _VAULT, body=Body.JSON, lookup=update_vault),
    Endpoint("DELETE", _VAULT, lookup=delete_vault),
    Endpoint(
        "POST",
        _VAULT + "/credentials",
        body=Body.JSON,
        lookup=create_credential,
        write_only=WRITE_ONLY,
    ),
    Endpoint("GET", _VAULT + "/credentials", lookup=list_credentials),
    Endpoint("GET", _CREDENTIAL, lookup=retrieve_credential),
    Endpoint("POST", _CREDENTIAL, body=Body.JSON, lookup=update_credential, write_only=WRITE_ONLY),
    Endpoint("DELETE", _CREDENTIAL, lookup=delete_credential),
)
