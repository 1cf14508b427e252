"""Credentials: how a request authenticates, as the real API decides it, and which
header, parameter and key names carry a secret (the list redaction works from).

A request carries its key as ``Authorization: Bearer KEY`` (Azure's ``api-key``
header is mapped onto it by :mod:`mockapi.wire.azure`). A missing or empty key is the real
API's 401; with accepted keys configured (``--api-key``), any other key is too.

**Admin keys.** The Administration API (``/v1/organization/...``, and a project's roles
under ``/v1/projects/...``) takes only an admin key
(``sk-admin-...``, or a key given with ``--admin-api-key``), and an admin key calls nothing
else, as the API decides:

* an ordinary key on an admin route is the API's **403** with the body
  ``{"error": "You have insufficient permissions for this operation. Missing scopes:
  api.management.read. ..."}``: the ``error`` a bare string, not the usual object, and
  the scope the route needs (``api.management.read`` to read, ``api.management.write``
  to change, ``api.usage.read`` for usage and costs). The status, the bare string and
  the read scopes are what the API answers project keys (reported from live calls); the
  write scope's name is assumed by analogy;
* an admin key on an ordinary route is refused as a key without the scope that route
  needs: **401**, ``You have insufficient permissions for this operation. Missing
  scopes: model.request. ...`` in the usual error object (assumed: how the API refuses
  any key lacking a route's scope, e.g. a restricted key; an admin key holds only
  ``api.*`` management scopes);
* ``--admin-api-key`` (repeatable) restricts the accepted admin keys as ``--api-key``
  does the others (401 ``Incorrect API key provided``); keys the Administration API
  itself issued (``issued``) are accepted whatever either option says.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from mockapi import errors
from mockapi.errors import APIError


def bearer_token(headers: Mapping[str, str]) -> str:
    """The bearer token of lower-cased ``headers``; empty when there is none."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


ADMIN_KEY_PREFIX = "sk-admin-"
ADMIN_PATHS = ("/v1/organization", "/v1/projects")
"""The Administration API's route prefixes: the organization's, and a project's roles
and role assignments (``/v1/projects/{project_id}/roles``, ``.../users/{id}/roles``)."""
_USAGE_PATHS = ("/v1/organization/usage", "/v1/organization/costs")
_SCOPE_ADVICE = (
    "Check that you have the correct role in your organization (Reader, Writer, Owner) "
    "and project (Member, Owner), and if you're using a restricted API key, that it has "
    "the necessary scopes."
)


def key_error(
    headers: Mapping[str, str],
    api_keys: Collection[str],
    *,
    method: str = "GET",
    path: str = "",
    admin_api_keys: Collection[str] = (),
    issued: Callable[[str], bool] | None = None,
) -> APIError | None:
    """The refusal of a request with these headers to ``method path``, or None when its
    key is accepted there (see *Admin keys*)."""
    token = bearer_token(headers)
    if not token:
        return errors.missing_api_key()
    admin_key = token.startswith(ADMIN_KEY_PREFIX) or token in admin_api_keys
    accepted = admin_api_keys if admin_key else api_keys
    if accepted and token not in accepted and not (issued is not None and issued(token)):
        return _incorrect_key(token, admin=admin_key)
    if is_admin_path(path) and not admin_key:
        return AdminScopeError(_admin_scope(method, path))
    if admin_key and not is_admin_path(path):
        return APIError(401, _missing_scope("model.request"))
    return None


def is_admin_path(path: str) -> bool:
    """True for a route of the Administration API (``/v1/organization/...``,
    ``/v1/projects/...``)."""
    return any(path == p or path.startswith(p + "/") for p in ADMIN_PATHS)


def _admin_scope(method: str, path: str) -> str:
    if path.startswith(_USAGE_PATHS):
        return "api.usage.read"
    return "api.management.read" if method in ("GET", "HEAD") else "api.management.write"


def _missing_scope(scope: str) -> str:
    return (
        "You have insufficient permissions for this operation. "
        f"Missing scopes: {scope}. {_SCOPE_ADVICE}"
    )


def _incorrect_key(token: str, *, admin: bool) -> APIError:
    problem = errors.invalid_api_key(token)
    if not admin:
        return problem
    message = problem.message.replace("--api-key", "--admin-api-key")
    return APIError(problem.status, message, code=problem.code)


class AdminScopeError(APIError):
    """The API's 403 for an ordinary key on an admin route: its body's ``error`` is the
    bare message string (``{"error": "You have insufficient permissions ..."}``), as the
    Administration API answers it, not the usual error object."""

    def __init__(self, scope: str) -> None:
        super().__init__(403, _missing_scope(scope))

    def body(self) -> dict[str, Any]:
        return {"error": self.message}


SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "ocp-apim-subscription-key",
        "openai-organization",
        "openai-project",
        "cookie",
        "set-cookie",
    }
)
"""Request and response headers whose value is always replaced by the placeholder."""

SECRET_SUFFIXES = (
    "apikey",
    "authorization",
    "password",
    "passwd",
    "secret",
    "cookie",
    "accesstoken",
    "refreshtoken",
    "authtoken",
    "idtoken",
    "sessiontoken",
    "securitytoken",
    "bearertoken",
    "secretkey",
    "privatekey",
    "subscriptionkey",
    "secretvalue",
)
"""Name endings (lower case, no ``-`` or ``_``) that mark a name as holding a secret."""


def is_secret_name(name: str) -> bool:
    """True for a header, parameter or JSON key name that holds a secret (see *Names*)."""
    return normal_name(name).endswith(SECRET_SUFFIXES)


def normal_name(name: str) -> str:
    """``name`` lower-cased without ``-`` and ``_``: how secret names are compared."""
    return name.lower().replace("-", "").replace("_", "")
