"""The reference app: the fastest thing mockapi could be, in bare Starlette.

It does what any server must do for these requests and nothing else: read and parse
the JSON body, then answer the fixed ``chat.completion`` bytes, or the same 20-event
SSE stream (paced by :data:`~bench.payloads.PACE_S` for the paced request).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bench.payloads import COMPLETION_BYTES, PACE_S, PACED_REQUEST, SSE_EVENTS

_PACED = PACED_REQUEST["messages"][-1]["content"]


async def _events(paced: bool) -> AsyncIterator[bytes]:
    for index, event in enumerate(SSE_EVENTS):
        if paced and index:
            await asyncio.sleep(PACE_S)
        yield event


async def chat(request: Request) -> Response:
    body = json.loads(await request.body())
    if body.get("stream") is True:
        paced = body["messages"][-1]["content"] == _PACED
        return StreamingResponse(
            _events(paced),
            media_type="text/event-stream; charset=utf-8",
            headers={"cache-control": "no-cache"},
        )
    return Response(COMPLETION_BYTES, media_type="application/json")


async def health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/__mockapi/health", health, methods=["GET"]),
    ]
)
