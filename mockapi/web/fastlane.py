"""The fast lane: requests whose exact bytes were answered before, answered again at
the ASGI door (see :mod:`mockapi.replay.memo` for when an answer may be).

:class:`FastLane` wraps the Starlette app. For a ``POST`` with a small body it reads the
body, and looks the request up by its path, query string, body and the headers that
may change an answer (everything but those listed in :data:`IGNORED`, which every
client varies and no answer depends on). A memo found and still good
(:meth:`~mockapi.replay.engine.Replayer.replay` accounts for it: the journal, the use
count, the usage ledger) is answered with the bytes kept and a fresh ``x-request-id``;
otherwise the request goes on, with its body and its key, to the API's flow itself
(:class:`Direct`: what the Starlette app's catch-all route calls, without the router,
the middleware and a Starlette request around it), which keeps the encoded answer when
the replay flow hands back a memo (:meth:`FastLane.keep`). A request the lane has not
read whole goes through the Starlette app.

Requests the lane never looks at: other methods, the admin API, bodies over
``--max-body-size`` or without a ``content-length``, cross-origin requests (CORS
answers those), and requests with an ``x-mockapi-*`` header (faults, jobs, batches).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockapi.replay.engine import Replayer
from mockapi.replay.memo import PER_REQUEST_HEADERS, Memo
from mockapi.web.delivery import TRANSPORT_KEY, transport_of
from mockapi.wire import ids

__all__ = ["KEY", "Direct", "FastLane"]

KEY = "mockapi.memo_key"
"""Where the lane puts a request's key in the ASGI scope for the app."""

IGNORED = frozenset(
    {
        b"host",
        b"user-agent",
        b"accept",
        b"accept-encoding",
        b"connection",
        b"content-length",
        b"keep-alive",
        b"traceparent",
        b"tracestate",
    }
)
"""Request headers no answer depends on (``x-stainless-*``, the SDK's own, too)."""

MAX_MEMOS = 1024
"""The most answers kept; the oldest goes first."""
FLUSH_AFTER = 0.05
"""Seconds before replays' usage reaches the ledger, for another worker's reads."""
MAX_BODY = 256 * 1024
"""The largest answer kept (larger ones go through the whole flow each time)."""

Key = tuple[str, bytes, bytes, tuple[tuple[bytes, bytes], ...]]
_Kept = tuple[Memo, int, list[tuple[bytes, bytes]], bytes]
Respond = Callable[
    [str, str, dict[str, str], tuple[tuple[str, str], ...], bytes, "Key | None"],
    Awaitable[StarletteResponse],
]
"""The API's flow: method, path, headers (lower-case names), query, body and the lane's
key in; the answer out."""
Crash = Callable[[StarletteRequest | None, Exception], Awaitable[StarletteResponse]]
"""The answer to a request whose handling raised (a mockapi bug), in the API's shape."""


class Direct:
    """Answers a request the lane has read whole with :data:`Respond`, as the Starlette
    app's catch-all route would: the request's headers, path and query read from the
    ASGI scope as Starlette reads them, and an exception answered with ``crash`` (when
    no answer has started) and raised again for the server to log, as Starlette's
    ``ServerErrorMiddleware`` does."""

    def __init__(self, respond: Respond, crash: Crash) -> None:
        self._respond = respond
        self._crash = crash

    @staticmethod
    def takes(scope: Scope) -> bool:
        """Whether the path reads the same from the scope as Starlette's URL makes it:
        no character it escapes or would read as the start of a host."""
        path: str = scope["path"]
        return not (
            path.startswith("//") or "?" in path or "#" in path or "\\" in path
        ) and not scope.get("root_path")

    async def __call__(
        self, scope: Scope, body: bytes, key: Key | None, receive: Receive, send: Send
    ) -> None:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        raw_query: bytes = scope.get("query_string", b"")
        query = tuple(QueryParams(raw_query).multi_items()) if raw_query else ()
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            method, path = scope["method"], scope["path"]
            response = await self._respond(method, path, headers, query, body, key)
            await response(scope, receive, sending)
        except Exception as exc:
            if not started:
                answer = await self._crash(None, exc)
                await answer(scope, receive, send)
            raise


class FastLane:
    """ASGI middleware answering memoized requests (see the module docstring)."""

    def __init__(self, replayer: Replayer) -> None:
        self.app: ASGIApp | None = None
        self.direct: Direct | None = None
        """Answers what the lane read and has no answer for (else the app does)."""
        self._replayer = replayer
        self._kept: dict[Key, _Kept] = {}
        self._flushing = False
        self.answered = 0
        """How many requests the lane answered (the rest went through the app)."""

    def _flush(self) -> None:
        self._flushing = False
        self._replayer.flush_usage()

    def keep(self, key: Key, memo: Memo, status: int, headers: Any, body: bytes) -> None:
        """Answer ``key`` with these bytes from now on, while ``memo`` holds."""
        if len(body) > MAX_BODY:
            return
        kept = [(k, v) for k, v in headers if k.decode("latin-1") not in PER_REQUEST_HEADERS]
        while len(self._kept) >= MAX_MEMOS:
            self._kept.pop(next(iter(self._kept)), None)
        self._kept[key] = (memo, status, kept, body)

    def forget(self) -> None:
        """Drop every kept answer (they would be found stale anyway)."""
        self._kept.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        assert app is not None, "FastLane.app is set by create_app"
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        scope[TRANSPORT_KEY] = transport_of(receive)
        key = self._key(scope) if scope["method"] == "POST" else None
        if key is None:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        first = await receive()
        body = first.get("body", b"")
        if first.get("more_body") or first["type"] != "http.request":
            # Not all of it in one piece (rare for small bodies): the app reads the rest.
            await app(scope, _replaying(first, receive), send)
            return
        key = (*key[:2], body, key[3])
        kept = self._kept.get(key)
        if kept is not None:
            memo, status, headers, answer = kept
            if self._replayer.replay(memo):
                self.answered += 1
                if memo.usage and not self._flushing:
                    self._flushing = True
                    asyncio.get_running_loop().call_later(FLUSH_AFTER, self._flush)
                elapsed = str(round((time.perf_counter() - started) * 1000)).encode()
                fresh = [
                    (b"x-request-id", ids.request_id().encode()),
                    (b"openai-processing-ms", elapsed),
                ]
                start = {
                    "type": "http.response.start",
                    "status": status,
                    "headers": fresh + headers,
                }
                await send(start)
                await send({"type": "http.response.body", "body": answer})
                return
            self._kept.pop(key, None)
        direct = self.direct
        if direct is not None and direct.takes(scope):
            await direct(scope, body, key, receive, send)
            return
        scope[KEY] = key
        await app(scope, _replaying(first, receive), send)

    def _key(self, scope: Scope) -> Key | None:
        """The request's key without its body, or None when the lane leaves it alone."""
        path: str = scope["path"]
        if path.startswith("/__mockapi"):
            return None
        limit = self._replayer.settings.max_body_bytes
        declared = -1
        wanted: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            if name in IGNORED:
                if name == b"content-length":
                    declared = int(value) if value.isdigit() else -1
                continue
            if name == b"origin" or name.startswith(b"x-mockapi-"):
                return None
            if not name.startswith(b"x-stainless-"):
                wanted.append((name, value))
        if declared < 0 or declared > limit:
            return None
        return (path, scope.get("query_string", b""), b"", tuple(wanted))


def _replaying(first: Message, receive: Receive) -> Receive:
    """``receive``, giving ``first`` (already read) once before what comes next."""
    pending: list[Message] = [first]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed
