"""Errors: the exception tree and the OpenAI-shaped bodies the server answers with.

::

    MockapiError                 base of everything mockapi raises on purpose
    ├── FixtureError             a fixture file or entry is broken (names the file and the problem)
    ├── LibraryError             several FixtureErrors found while loading a fixture library
    ├── SchemaError              the derived schemas are missing or unusable
    ├── TemplateError            (later) a fixture template failed to render
    └── APIError                 answered to the client as {"error": {...}} with a status
                                 (built by the helpers below, with the real API's wording)

The helper functions reproduce the wording, ``type`` and ``code`` the real API uses
where it is known (see ``../shared/real-traffic``), so that SDK exceptions read the same
against mockapi as against api.openai.com.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INVALID_REQUEST = "invalid_request_error"
NO_MATCH = "mockapi_no_match"


class MockapiError(Exception):
    """Base class of every error mockapi raises on purpose."""


class FixtureError(MockapiError):
    """A fixture file or entry is broken. The message names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class LibraryError(MockapiError):
    """One or more fixture files are broken; ``problems`` lists each file's error."""

    def __init__(self, problems: list[FixtureError]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} broken fixture file(s):\n{lines}")


class SchemaError(MockapiError):
    """The derived JSON Schemas are missing, stale or unusable."""


class APIError(MockapiError):
    """An error answered to the client in OpenAI's shape.

    ``body()`` gives ``{"error": {"message", "type", "param", "code"}}``; ``headers``
    are extra response headers (``retry-after`` for a 429, ``allow`` for a 405).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = INVALID_REQUEST,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers: dict[str, str] = dict(headers or {})
        self.extra: dict[str, Any] = dict(extra or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        error.update(self.extra)
        return {"error": error}


def missing_api_key() -> APIError:
    return APIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an "
        "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
        "or as the password field (with blank username) if you're accessing the API "
        "from your browser and are prompted for a username. You can obtain an API key "
        "from https://platform.openai.com/account/api-keys.",
    )


def invalid_api_key(key: str) -> APIError:
    shown = f"{key[:3]}*{'*' * 6}{key[-4:]}" if len(key) > 8 else "*" * len(key)
    return APIError(
        401,
        f"Incorrect API key provided: {shown}. You can find your API key at "
        "https://platform.openai.com/account/api-keys. (mockapi: this server was started "
        "with --api-key; pass one of those keys.)",
        code="invalid_api_key",
    )


def invalid_json(detail: str) -> APIError:
    return APIError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you "
        "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
        "but what was sent was not valid JSON. If you have trouble figuring out how to "
        f"fix this, please contact us through our help center at help.openai.com.) "
        f"(mockapi: {detail})",
    )


def unrecognized_argument(name: str) -> APIError:
    return APIError(400, f"Unrecognized request argument supplied: {name}")


def missing_parameter(name: str) -> APIError:
    return APIError(
        400,
        f"Missing required parameter: '{name}'.",
        param=name,
        code="missing_required_parameter",
    )


def invalid_url(method: str, path: str) -> APIError:
    return APIError(404, f"Invalid URL ({method} {path})")


def method_not_allowed(method: str, path: str, allowed: list[str]) -> APIError:
    return APIError(
        405,
        f"Method {method} is not allowed on {path}; use {', '.join(allowed)}.",
        code="method_not_allowed",
        headers={"allow": ", ".join(allowed)},
    )


def body_too_large(size: int, limit: int) -> APIError:
    return APIError(
        413,
        f"Request body too large: {size} bytes exceeds the limit of {limit} bytes. "
        "Send a smaller body, or start mockapi with a larger --max-body-size.",
        code="request_too_large",
    )


def unsupported_media_type(content_type: str, *, form: bool = False) -> APIError:
    shown = content_type or "(none)"
    expected = (
        "a multipart/form-data body (an upload); send it with 'Content-Type: "
        "multipart/form-data; boundary=...'"
        if form
        else "a JSON body; send it with 'Content-Type: application/json'"
    )
    return APIError(
        415,
        f"Unsupported content type: {shown}. This endpoint expects {expected}.",
        code="unsupported_media_type",
    )


def invalid_form(detail: str) -> APIError:
    return APIError(
        400,
        f"We could not parse the multipart/form-data body of your request: {detail}.",
        code="invalid_multipart",
    )


def model_not_found(model: str) -> APIError:
    return APIError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def no_match(report: str) -> APIError:
    return APIError(404, report, type=NO_MATCH, code="no_fixture_matched")
