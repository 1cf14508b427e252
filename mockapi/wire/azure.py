"""Azure OpenAI's URL shapes, mapped onto the OpenAI endpoints mockapi serves.

``openai.AzureOpenAI(azure_endpoint=URL, api_version=V, api_key=K)`` sends::

    POST URL/openai/deployments/{deployment}/chat/completions?api-version=V   (api-key: K)
    GET  URL/openai/models?api-version=V                                       (api-key: K)

and clients of Azure's newer v1 API send ``URL/openai/v1/chat/completions``. Each is
the OpenAI request ``/v1/...`` in another dress: :func:`to_openai` takes the dress off
before routing, so the same endpoints, fixtures and synthesis answer both, and the
journal shows the OpenAI path.

* the deployment becomes the body's ``model`` when the body names none;
* an ``api-key`` header authenticates like ``Authorization: Bearer`` (an Entra ID
  token, ``azure_ad_token``, arrives as a bearer token already);
* ``api-version`` is required on the deployments and ``/openai/...`` shapes (Azure
  answers 404 ``Resource not found`` without it) and dropped from the query.

Pure: no I/O, no web framework.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from mockapi.errors import APIError
from mockapi.model import Request

API_VERSION = "api-version"
_DEPLOYMENT = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)(?P<rest>/.*)$")
_V1 = re.compile(r"^/openai/v1(?P<rest>/.*)$")
_BARE = re.compile(r"^/openai(?P<rest>/.*)$")


class AzureError(APIError):
    """An error answered in Azure's own body shape rather than OpenAI's."""

    def __init__(self, status: int, message: str, body: dict[str, Any]) -> None:
        super().__init__(status, message, code=str(status))
        self._azure_body = body

    def body(self) -> dict[str, Any]:
        return dict(self._azure_body)


def is_azure(path: str) -> bool:
    """True for a path in one of Azure OpenAI's shapes (``/openai/...``)."""
    return path.startswith("/openai/")


def to_openai(request: Request) -> Request:
    """``request`` as the OpenAI API request it stands for; other requests unchanged.

    Raises :class:`AzureError` for what Azure itself refuses: no ``api-key`` (nor
    bearer token), or no ``api-version`` where the URL shape needs one.
    """
    path = request.path
    if not is_azure(path):
        return request
    deployment: str | None = None
    needs_version = True
    if match := _DEPLOYMENT.match(path):
        deployment, rest = match.group("deployment"), match.group("rest")
    elif match := _V1.match(path):
        rest, needs_version = match.group("rest"), False
    elif match := _BARE.match(path):
        rest = match.group("rest")
    else:  # pragma: no cover - is_azure and _BARE agree on every "/openai/..." path
        return request
    headers = _authenticated(request.headers)
    query = tuple(pair for pair in request.query if pair[0] != API_VERSION)
    if needs_version and len(query) == len(request.query):
        raise missing_api_version(path)
    mapped = replace(request, path="/v1" + rest, headers=headers, query=query)
    return _with_model(mapped, deployment) if deployment else mapped


def _authenticated(headers: Any) -> dict[str, str]:
    """The headers with an ``api-key`` given as the bearer token mockapi checks."""
    out = dict(headers)
    key = out.get("api-key", "").strip()
    if out.get("authorization", "").strip():
        return out
    if not key:
        raise missing_key()
    out["authorization"] = f"Bearer {key}"
    return out


def _with_model(request: Request, deployment: str) -> Request:
    """The deployment as the body's ``model``, when the body is an object without one."""
    body = request.json
    if not isinstance(body, dict) or "model" in body:
        return request
    fields = {"model": deployment, **body}
    if request.is_form:
        # The form's bytes stay as sent; the decoded fields are what is matched and validated.
        return replace(request, json=fields)
    return replace(request, json=fields, body=json.dumps(fields).encode())


def missing_api_version(path: str) -> AzureError:
    """Azure's answer to a request without ``api-version``: a 404, not a 400."""
    message = (
        "Resource not found (mockapi: Azure OpenAI requests to "
        f"{path} need an api-version query parameter, e.g. ?api-version=2024-10-21; "
        "pass api_version= to AzureOpenAI, or use the /openai/v1/ URLs, which need none)"
    )
    return AzureError(404, message, {"error": {"code": "404", "message": message}})


def missing_key() -> AzureError:
    """Azure's answer to a request without an ``api-key`` header or bearer token."""
    message = (
        "Access denied due to missing subscription key. Make sure to include subscription "
        "key when making requests to an API."
    )
    return AzureError(401, message, {"statusCode": 401, "message": message})
