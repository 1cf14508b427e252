"""The web layer: Starlette routes around a :class:`~mockapi.replay.engine.Replayer`.

A Starlette request becomes a :class:`~mockapi.model.Request` here, and the
:class:`~mockapi.model.Response` the replayer returns becomes JSON or an SSE stream.
Nothing below this module knows the web framework.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mockapi import errors
from mockapi.errors import APIError
from mockapi.faults.spec import Fault
from mockapi.model import LiveEvents, Response
from mockapi.recording.recorder import Recorder
from mockapi.recording.upstream import UPSTREAM_ERROR
from mockapi.replay.control import Control
from mockapi.replay.engine import Forward, Replayer
from mockapi.replay.request import parse_request
from mockapi.web.admin import ADMIN_PREFIX, admin_routes
from mockapi.web.delivery import FaultyResponse
from mockapi.web.fastlane import KEY, Direct, FastLane, Key
from mockapi.web.websocket import websocket_route
from mockapi.wire import sse
from mockapi.wire.headers import OPENAI_HEADERS, base_headers

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream; charset=utf-8"
__all__ = ["ADMIN_PREFIX", "create_app"]

App = FastLane
"""The type of the app :func:`create_app` builds: the fast lane, in front of Starlette."""


def create_app(
    replayer: Replayer,
    recorder: Recorder | None = None,
    *,
    control: Control | None = None,
) -> FastLane:
    """The ASGI app serving ``replayer``'s fixtures, the admin API and the inspector.

    With a ``recorder``, requests the replayer forwards go upstream through it.
    ``control`` is what the admin API calls: :func:`mockapi.build.build` wires it to the
    recorder; without one, the admin API cannot switch record modes. CORS headers are
    sent for the origins in ``replayer.settings.cors_origins``. Requests answered before
    are answered again by the :class:`~mockapi.web.fastlane.FastLane` in front.
    """
    lane = FastLane(replayer)

    async def respond(
        method: str,
        path: str,
        headers: dict[str, str],
        query: tuple[tuple[str, str], ...],
        body: bytes,
        key: Key | None,
    ) -> StarletteResponse:
        """The answer to one API request (its body read), by the replay flow."""
        model_request = parse_request(method, path, headers, body, query)
        result, fault, memo = replayer.serve_memoized(model_request)
        if isinstance(result, Forward):
            return await _forward(replayer, recorder, result)
        honor = replayer.settings.honor_delays
        if fault is not None:
            return _with_fault(result, fault, honor_delays=honor)
        answer = _to_starlette(result, honor_delays=honor)
        if memo is not None and key is not None:
            lane.keep(key, memo, answer.status_code, answer.raw_headers, bytes(answer.body))
        return answer

    async def api(request: StarletteRequest) -> StarletteResponse:
        try:
            body = await _read_body(request, replayer)
        except APIError as exc:
            return _to_starlette(exc.response(base_headers()), honor_delays=False)
        except ClientDisconnect:
            return StarletteResponse(status_code=499)
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = tuple(request.query_params.multi_items())
        key = request.scope.get(KEY)
        return await respond(request.method, request.url.path, headers, query, body, key)

    async def unrouted(request: StarletteRequest, exc: Exception) -> StarletteResponse:
        return await api(request)

    async def crash(request: StarletteRequest | None, exc: Exception) -> StarletteResponse:
        # A bug in mockapi, not the client's fault: say so in the API's own shape.
        error = APIError(
            500,
            f"mockapi internal error: {type(exc).__name__}: {exc}. "
            "Please report this with the request that caused it.",
            type="server_error",
        )
        return _to_starlette(error.response(base_headers()), honor_delays=False)

    lane.direct = Direct(respond, crash)
    origins = replayer.settings.cors_origins
    # The admin API answers browser pages of other origins only when listed by name.
    admin_origins = tuple(origin for origin in origins if origin != "*")
    routes = [
        *admin_routes(
            control or Control(replayer),
            replayer.settings,
            middleware=cors_middleware(admin_origins),
        ),
        websocket_route(replayer),
        Route(
            "/{path:path}",
            api,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            middleware=cors_middleware(origins),
        ),
    ]
    lane.app = Starlette(
        routes=routes,
        # Starlette answers a path its routes cannot match (a `%0A` in an id: `{path:path}`
        # stops at a line break) or a method they do not list in plain text; the API
        # answers both in its error shape, so they go through the API flow too.
        exception_handlers={404: unrouted, 405: unrouted, Exception: crash},
    )
    return lane


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    """CORS for ``origins`` (``*``: any): any method and request header (the SDK's
    ``x-stainless-*`` ones included), no credentials, the OpenAI headers exposed.

    Preflights are answered here, before authentication: they carry no API key.
    """
    if not origins:
        return []
    cors = Middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=list(OPENAI_HEADERS),
        max_age=600,
    )
    return [cors]


async def _forward(
    replayer: Replayer, recorder: Recorder | None, forward: Forward
) -> StarletteResponse:
    """Relay ``forward`` to the upstream, or say why it cannot be."""
    if recorder is None:
        error = APIError(
            502,
            "No upstream is configured, so this request cannot be proxied. Start mockapi "
            "with --upstream URL, or use --on-miss error|synthesize.",
            type=UPSTREAM_ERROR,
        )
    else:

        def recorded() -> Response | None:
            retry = replayer.handle(forward.request)
            return None if isinstance(retry, Forward) else retry

        try:
            # Unless every request goes upstream (mode all), a recording made meanwhile
            # answers: by another worker, or by an identical request in flight.
            proxied = await recorder.forward(
                forward.request, recorded=None if replayer.proxy_all else recorded
            )
        except APIError as exc:
            error = exc
        else:
            if isinstance(proxied, Response):
                return _to_starlette(proxied, honor_delays=replayer.settings.honor_delays)
            replayer.note_forwarded(forward, proxied.status)
            return Relay(proxied.body, status_code=proxied.status, headers=proxied.headers)
    replayer.note_forwarded(forward, error.status, error.message)
    return _to_starlette(error.response(base_headers()), honor_delays=False)


async def _read_body(request: StarletteRequest, replayer: Replayer) -> bytes:
    """The body, refusing more than the endpoint's limit without reading it all into
    memory. The limit is ``--max-body-size`` but for uploads (larger); the route is
    looked up only for a body past ``--max-body-size``, off the hot path."""
    limit = default = replayer.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        limit = replayer.body_limit(request.method, request.url.path)
        if int(declared) > limit:
            raise errors.body_too_large(int(declared), limit, upload=limit > default)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            limit = replayer.body_limit(request.method, request.url.path)
            if size > limit:
                raise errors.body_too_large(size, limit, upload=limit > default)
        chunks.append(chunk)
    return b"".join(chunks)


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> StarletteResponse:
    return StarletteResponse(
        orjson.dumps(body), status_code=status, headers=headers, media_type=JSON_TYPE
    )


def _with_fault(response: Response, fault: Fault, *, honor_delays: bool) -> StarletteResponse:
    """``response`` delivered as ``fault`` says (see ``mockapi.web.delivery``)."""
    if response.events is None:
        inner = _to_starlette(response, honor_delays=honor_delays)
        return FaultyResponse(fault, inner=inner)
    headers = {"cache-control": "no-cache", **response.headers, "content-type": SSE_TYPE}
    return FaultyResponse(
        fault,
        events=response.events,
        status=response.status,
        headers=headers,
        honor_delays=honor_delays,
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
            if isinstance(events, LiveEvents):
                # The rest comes as it happens: waited for in a worker thread, so the
                # loop goes on serving (the request that makes those events included).
                async for live in iterate_in_threadpool(events.follow()):
                    if live is not None:
                        yield sse.encode_event(live)

        headers.setdefault("cache-control", "no-cache")
        return StreamingResponse(
            stream(), status_code=response.status, headers=headers, media_type=SSE_TYPE
        )
    if response.raw is not None:
        return StarletteResponse(response.raw, status_code=response.status, headers=headers)
    return _json(response.status, response.body, headers)


class Relay(StreamingResponse):
    """An upstream's body relayed as it arrives, the relay cancelled when the client
    leaves (as a :class:`StreamingResponse` is). Starlette watches for the client leaving
    through an anyio task group made for each response, which costs a proxied stream
    part of a millisecond before its first byte; two plain asyncio tasks do the same."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = asyncio.ensure_future(self.stream_response(send))
        watch = asyncio.ensure_future(_departure(receive))
        try:
            await asyncio.wait((relay, watch), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            relay.cancel()
            raise
        finally:
            watch.cancel()
        if not relay.done():  # the client left: stop relaying (the recorder notes why)
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            return
        relay.result()  # what the relay raised (an upstream cut off: the client's is cut too)


async def _departure(receive: Receive) -> None:
    """Returns once the client has left."""
    while (await receive())["type"] != "http.disconnect":
        pass
