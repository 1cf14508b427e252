"""What every admin endpoint does alike: read a JSON body or a number, answer JSON,
refuse in OpenAI's error shape (``type: "mockapi_admin_error"`` or
``invalid_request_error``, messages starting ``mockapi admin:``)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse

from mockapi.errors import APIError

ADMIN_ERROR = "mockapi_admin_error"


def int_param(request: StarletteRequest, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise error(400, f"'{name}' must be a whole number >= 0, got {raw!r}.", name)
    return int(raw)


async def body(request: StarletteRequest, *, optional: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return None
        raise error(400, "This endpoint expects a JSON body.", code="invalid_json")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise error(400, f"The body is not valid JSON: {exc}.", code="invalid_json") from None


def error(status: int, message: str, param: str | None = None, code: str | None = None) -> APIError:
    kind = "invalid_request_error" if status == 400 else ADMIN_ERROR
    return APIError(status, f"mockapi admin: {message}", type=kind, param=param, code=code)


def error_response(problem: APIError) -> StarletteResponse:
    response = problem.response()
    return json(response.status, response.body)


def json(status: int, value: object) -> StarletteResponse:
    data = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    return StarletteResponse(data, status_code=status, media_type="application/json")
