"""Credentials: how a request authenticates, as the real API decides it, and which
header, parameter and key names carry a secret (the list redaction works from).

A request carries its key as ``Authorization: Bearer KEY`` (Azure's ``api-key``
header is mapped onto it by :mod:`mockapi.wire.azure`). A missing or empty key is the real
API's 401; with accepted keys configured (``--api-key``), any other key is too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from mockapi import errors
from mockapi.errors import APIError


def bearer_token(headers: Mapping[str, str]) -> str:
    """The bearer token of lower-cased ``headers``; empty when there is none."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def key_error(headers: Mapping[str, str], api_keys: Collection[str]) -> APIError | None:
    """The 401 for a request with these headers, or None when its key is accepted."""
    token = bearer_token(headers)
    if not token:
        return errors.missing_api_key()
    if api_keys and token not in api_keys:
        return errors.invalid_api_key(token)
    return None


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
)
"""Name endings (lower case, no ``-`` or ``_``) that mark a name as holding a secret."""


def is_secret_name(name: str) -> bool:
    """True for a header, parameter or JSON key name that holds a secret (see *Names*)."""
    return normal_name(name).endswith(SECRET_SUFFIXES)


def normal_name(name: str) -> str:
    """``name`` lower-cased without ``-`` and ``_``: how secret names are compared."""
    return name.lower().replace("-", "").replace("_", "")
