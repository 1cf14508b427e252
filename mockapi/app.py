"""The web layer: Starlette routes around a :class:`~mockapi.replay.Replayer`.

A Starlette request becomes a :class:`~mockapi.model.Request` here, and the
:class:`~mockapi.model.Response` the replayer returns becomes JSON or an SSE stream.
Nothing below this module knows the web framework.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.responses import StreamingResponse
from starlette.routing import Route

from mockapi import __version__, errors, sse
from mockapi.errors import APIError
from mockapi.model import Response
from mockapi.render import base_headers
from mockapi.replay import Replayer, parse_request

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream; charset=utf-8"
ADMIN_PREFIX = "/__mockapi"


def create_app(replayer: Replayer) -> Starlette:
    """The ASGI app serving ``replayer``'s fixtures and the admin endpoints."""

    async def health(request: StarletteRequest) -> StarletteResponse:
        body = {"status": "ok", "version": __version__, "fixtures": len(replayer.index)}
        return _json(200, body)

    async def api(request: StarletteRequest) -> StarletteResponse:
        try:
            body = await _read_body(request, replayer.settings.max_body_bytes)
        except APIError as exc:
            return _json(exc.status, exc.body(), {**base_headers(), **exc.headers})
        except ClientDisconnect:
            return StarletteResponse(status_code=499)
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = tuple(request.query_params.multi_items())
        model_request = parse_request(request.method, request.url.path, headers, body, query)
        response = replayer.handle(model_request)
        return _to_starlette(response, honor_delays=replayer.settings.honor_delays)

    async def crash(request: StarletteRequest, exc: Exception) -> StarletteResponse:
        # A bug in mockapi, not the client's fault: say so in the API's own shape.
        error = APIError(
            500,
            f"mockapi internal error: {type(exc).__name__}: {exc}. "
            "Please report this with the request that caused it.",
            type="server_error",
        )
        return _json(500, error.body(), base_headers())

    routes = [
        Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
        Route(
            "/{path:path}",
            api,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        ),
    ]
    return Starlette(routes=routes, exception_handlers={Exception: crash})


async def _read_body(request: StarletteRequest, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes without reading them all into memory."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise errors.body_too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.body_too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> StarletteResponse:
    return StarletteResponse(
        orjson.dumps(body), status_code=status, headers=headers, media_type=JSON_TYPE
    )


def _to_starlette(response: Response, *, honor_delays: bool) -> StarletteResponse:
    headers = dict(response.headers)
    if response.events is not None:
        events = response.events

        async def stream() -> AsyncIterator[bytes]:
            for event in events:
                if honor_delays and event.delay > 0:
                    await asyncio.sleep(event.delay)
                yield sse.encode_event(event)

        headers.setdefault("cache-control", "no-cache")
        return StreamingResponse(
            stream(), status_code=response.status, headers=headers, media_type=SSE_TYPE
        )
    if response.raw is not None:
        return StarletteResponse(response.raw, status_code=response.status, headers=headers)
    return _json(response.status, response.body, headers)
