"""Errors: the exception tree and the OpenAI-shaped bodies the server answers with.

Every exception mockapi raises on purpose is below :class:`MockapiError`. The classes
are defined here, but for those that stay beside the one module that raises them,
because they carry its data or its wording (the module in brackets)::

    MockapiError                 base of everything mockapi raises on purpose
    ├── FixtureError             a fixture file or entry is broken (names the file and the problem)
    │   ├── FaultSpecError       a fault spec is malformed: a fixture's ``fault:``, ``--fault``,
    │   │                        the X-Mockapi-Fault header, the admin API, the pytest handle
    │   │                        (also a ValueError)
    │   └── TemplateCompileError a fixture template does not compile  [library.templating]
    ├── LibraryError             several FixtureErrors found while loading a fixture library
    ├── SchemaError              the derived schemas are missing or unusable
    ├── SchemaDataError          no value valid against a schema could be generated (ValueError)
    ├── PluginError              a plugin cannot be found, imported or set up  [plugins]
    ├── NotJSON                  a body is not strict JSON (ValueError)  [wire.jsonbody]
    ├── FormError                a body is not valid multipart/form-data (ValueError)
    ├── PNGError                 bytes are not a well-formed PNG (ValueError)
    ├── CassetteError            a document is not a cassette mockapi can import (ValueError)
    ├── NotRecordable            an exchange cannot become a fixture (says why)
    ├── UpstreamStreamError      the upstream broke off while sending a body
    ├── StateLimitError          a blob (a file's bytes) is over the per-file limit or
    │                            would take the state store over its total cap
    ├── ExtractionError          a document has no text a vector store can search
    │                            (its code and message: the file's last_error)
    │                            [endpoints.vector_stores.extract]
    ├── SourceProblem            an eval run's data source cannot be read (the run fails
    │                            with its code and message)  [endpoints.evals.sources]
    ├── FormulaError             a multi grader's ``calculate_output`` cannot be read, or has
    │                            no value (its kind: parse, variable, math)
    │                            [endpoints.fine_tuning.grader_formula]
    ├── GraderVariableError      a grader's template names what the item or sample lacks
    │                            (its kind: the run's error flag)
    │                            [endpoints.fine_tuning.grader_template]
    ├── CertificateError         an uploaded certificate is not PEM X.509 whose validity can
    │                            be read (ValueError)  [endpoints.admin.pem]
    ├── FaultCut                 raised to drop a connection (a fault's reset or cut) when
    │                            the server gives no transport to close  [web.delivery]
    └── APIError                 answered to the client as {"error": {...}} with a status
        │                        (built by the helpers below, with the real API's wording;
        │                        :meth:`APIError.response` is the answer it makes)
        ├── TemplateError        a fixture template failed to render: a 500  [library.templating]
        ├── AzureError           an error in Azure's own body shape  [wire.azure]
        └── AdminScopeError      an ordinary key on an admin route: the 403 whose ``error``
                                 is a bare string, as the Administration API answers
                                 [wire.credentials]

Those marked ValueError are ValueErrors too, so ``except ValueError`` keeps catching
them. (Private signals that never leave their module, such as the schema
fast paths' ``_Unsupported``, are not part of the tree.)

The helper functions reproduce the wording, ``type`` and ``code`` the real API uses
where it is known (see ``../shared/real-traffic``), so that SDK exceptions read the same
against mockapi as against api.openai.com.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.model import Response

INVALID_REQUEST = "invalid_request_error"
NO_MATCH = "mockapi_no_match"


class MockapiError(Exception):
    """Base class of every error mockapi raises on purpose."""


class FixtureError(MockapiError):
    """A fixture file or entry is broken. The message names the file and the problem
    (just the problem when ``source`` is empty)."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}" if source else problem)


class FaultSpecError(FixtureError, ValueError):
    """A fault spec is malformed; the message names the key, the value and what to write.

    ``source`` names the fixture entry whose ``fault:`` it is and ``location`` the
    fault's place in that entry (for ``mockapi validate``'s line numbers); both are
    empty for a spec given elsewhere (``--fault``, the X-Mockapi-Fault header, the
    admin API, the pytest handle).
    """

    def __init__(
        self, problem: str, *, source: str = "", location: tuple[str | int, ...] = ()
    ) -> None:
        super().__init__(source, problem)
        self.location = location


class LibraryError(MockapiError):
    """One or more fixture files are broken; ``problems`` lists each file's error."""

    def __init__(self, problems: list[FixtureError]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} broken fixture file(s):\n{lines}")


class SchemaError(MockapiError):
    """The derived JSON Schemas are missing, stale or unusable."""


class SchemaDataError(MockapiError, ValueError):
    """No document valid against the schema could be generated; the message says why."""


class FormError(MockapiError, ValueError):
    """A body that is not valid ``multipart/form-data``; the message says what is wrong."""


class PNGError(MockapiError, ValueError):
    """Bytes that are not a well-formed PNG; the message says what is wrong."""


class CassetteError(MockapiError, ValueError):
    """The document is not a cassette mockapi knows."""


class NotRecordable(MockapiError):
    """The exchange cannot become a fixture; the message says why."""


class UpstreamStreamError(MockapiError):
    """The upstream broke off while sending the body (after the status was sent)."""


class StateLimitError(MockapiError):
    """A blob (a file's bytes) the state store refuses: over the per-file limit
    (``scope`` ``"file"``) or past the total cap of all blobs (``scope`` ``"total"``).
    ``size`` is the blob's length, ``limit`` the bound it breaks and ``used`` the bytes
    already stored (for the total cap); the message names all three and what to do."""

    def __init__(self, key: str, size: int, limit: int, *, scope: str, used: int = 0) -> None:
        self.key = key
        self.size = size
        self.limit = limit
        self.scope = scope
        self.used = used
        if scope == "file":
            message = (
                f"{key} is {size:,} bytes, over the per-file limit of {limit:,} bytes; "
                f"send a smaller file or raise the limit (--max-file-size)"
            )
        else:
            message = (
                f"storing {key} ({size:,} bytes) would take the stored files to "
                f"{used + size:,} bytes, over the total cap of {limit:,} bytes "
                f"({used:,} already stored); delete files, reset the state "
                f"(POST /__mockapi/reset) or raise the cap"
            )
        super().__init__(message)


class APIError(MockapiError):
    """An error answered to the client in OpenAI's shape.

    ``body()`` gives ``{"error": {"message", "type", "param", "code"}}``; ``headers``
    are extra response headers (``retry-after`` for a 429, ``allow`` for a 405);
    ``response()`` is the whole answer.
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

    def response(self, base_headers: Mapping[str, str] | None = None) -> Response:
        """The response that answers this error: its status, its :meth:`body` as JSON,
        and ``base_headers`` (those every answer carries: pass
        ``mockapi.wire.headers.base_headers()``) with the error's own ``headers`` over them.
        """
        headers = {**base_headers, **self.headers} if base_headers else dict(self.headers)
        return Response(self.status, headers, body=self.body())


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


def empty_array(name: str) -> APIError:
    """The API's 400 for an array parameter given empty where it needs an element."""
    return APIError(
        400,
        f"Invalid '{name}': empty array. Expected an array with minimum length 1, "
        "but got an empty array instead.",
        param=name,
        code="empty_array",
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


def body_too_large(size: int, limit: int, *, upload: bool = False) -> APIError:
    """The 413 for a body over ``limit``; an ``upload``'s limit is the file limit."""
    flag = "--max-file-size" if upload else "--max-body-size"
    return APIError(
        413,
        f"Request body too large: {size} bytes exceeds the limit of {limit} bytes. "
        f"Send a smaller body, or start mockapi with a larger {flag}.",
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
