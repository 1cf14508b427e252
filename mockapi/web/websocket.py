"""The web layer of the Responses API's WebSocket mode (``client.responses.connect()``).

The handshake is authenticated like any HTTP request (a refusal is the same HTTP status
and JSON body, sent instead of the upgrade). After it, each client message goes through
:mod:`mockapi.endpoints.responses.websocket`; a ``response.create`` is answered by the
replayer as the ``POST /v1/responses`` with ``stream: true`` it stands for (validation,
fixtures, synthesis, kept responses, the journal), and its SSE events' data are sent
back as text messages. Messages are handled one at a time, in the order sent, as the
real API does on one connection.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.responses import Response as StarletteResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from mockapi.endpoints.responses import websocket as responses_ws
from mockapi.endpoints.responses.kinds import STORED
from mockapi.endpoints.responses.websocket import Create, Message, Session
from mockapi.errors import APIError
from mockapi.model import Request
from mockapi.recording.upstream import UPSTREAM_ERROR
from mockapi.replay.engine import Forward, Replayer
from mockapi.wire.headers import base_headers

POLICY_VIOLATION = 1008
"""The close code for a refused handshake when the server cannot send an HTTP answer."""


def websocket_route(replayer: Replayer) -> WebSocketRoute:
    """The route answering WebSocket handshakes on any path (only the Responses API's
    paths are accepted; others are refused with the HTTP API's 404)."""

    async def endpoint(websocket: WebSocket) -> None:
        await serve(websocket, replayer)

    return WebSocketRoute("/{path:path}", endpoint)


async def serve(websocket: WebSocket, replayer: Replayer) -> None:
    """Serve one connection until the client closes it."""
    handshake = _handshake(websocket)
    refusal = responses_ws.handshake_error(handshake, replayer.settings.api_keys)
    if refusal is not None:
        await _refuse(websocket, refusal)
        return
    await websocket.accept()
    session = Session()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            data = text if text is not None else message.get("bytes") or b""
            for reply in _answer(replayer, session, handshake, data):
                if replayer.settings.honor_delays and reply.delay > 0:
                    await asyncio.sleep(reply.delay)
                await websocket.send_text(orjson.dumps(reply.data).decode())
    except WebSocketDisconnect:
        return


def _answer(
    replayer: Replayer, session: Session, handshake: Request, data: str | bytes
) -> list[Message]:
    event = responses_ws.parse(data)
    if isinstance(event, APIError):
        return [Message(responses_ws.error_event(event))]
    if not isinstance(event, Create):
        return session.steer(event)
    create = session.prepare(event)
    lent = session.lend(create, replayer.state)
    try:
        result = replayer.handle(responses_ws.http_request(create, handshake))
        if isinstance(result, Forward):
            error = APIError(
                502,
                "mockapi does not proxy WebSocket sessions: record this conversation over "
                "HTTP (client.responses.create(..., stream=True)), then replay it here; or "
                "use --on-miss error|synthesize.",
                type=UPSTREAM_ERROR,
            )
            replayer.note_forwarded(result, error.status, error.message)
            return [Message(responses_ws.error_event(error, create.stream_id))]
        return session.answer(create, result, replayer.state)
    finally:
        if lent is not None:
            # Only for this request: the HTTP API never finds an unstored response.
            replayer.state.delete(STORED, lent)


def _handshake(websocket: WebSocket) -> Request:
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    query = tuple(websocket.query_params.multi_items())
    return Request("GET", websocket.url.path, headers, query)


async def _refuse(websocket: WebSocket, error: APIError) -> None:
    """Refuse the handshake with ``error`` as an HTTP answer, as the real API does."""
    if "websocket.http.response" not in websocket.scope.get("extensions", {}):
        await websocket.close(code=POLICY_VIOLATION, reason=error.message[:120])
        return
    response = error.response(base_headers())
    answer = StarletteResponse(
        orjson.dumps(response.body),
        status_code=response.status,
        headers=dict(response.headers),
        media_type="application/json",
    )
    await websocket.send_denial_response(answer)
