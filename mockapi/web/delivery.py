"""Delivering an answer with its fault: sleeping, pacing, cutting, stalling, resetting.

The web layer's half of :mod:`mockapi.faults.spec` (which decides). A response with a
fault is sent by :class:`FaultyResponse`, an ASGI response that:

- waits ``latency`` before anything (and gives up if the client leaves meanwhile);
- for ``reset``, resets the TCP connection before any byte (``SO_LINGER`` 0, then
  ``abort()``: the client reads ``ECONNRESET``, the SDK raises ``APIConnectionError``);
- for ``stall``, holds the request until the client gives up (or the stall ends), then
  closes the connection without an answer;
- streams events at their (paced) delays; after ``cut_after`` events it sends the
  error event if asked and closes the connection mid-body (the chunked body never
  ends, so the client's stream raises); at ``malformed_at`` it slips in an event whose
  JSON is cut off; at ``stall_after`` it goes silent.

Closing needs the connection's transport, which ASGI does not hand to apps: the
outermost layer (:class:`~mockapi.web.fastlane.FastLane`) finds uvicorn's (the object
behind ``receive``, :func:`transport_of`) and puts it in the scope. Under another
server, a reset or a cut falls back to raising, which servers answer by closing the
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from starlette.responses import Response as StarletteResponse
from starlette.types import Message, Receive, Scope, Send

from mockapi.errors import MockapiError
from mockapi.faults import answers as fault_answers
from mockapi.faults.spec import STALL_FOREVER, Fault
from mockapi.model import SSEEvent
from mockapi.wire import sse

TRANSPORT_KEY = "mockapi.transport"


class FaultCut(MockapiError):
    """Raised to drop a connection when the server gives no transport to close."""


def transport_of(receive: Receive) -> Any:
    """The connection's transport behind the server's own ``receive`` (uvicorn's), or
    None under a server that hides it; what ``scope[TRANSPORT_KEY]`` holds."""
    return getattr(getattr(receive, "__self__", None), "transport", None)


async def drop(scope: Scope, *, reset: bool) -> None:
    """Close the connection now: with a TCP reset (``reset``), else an abrupt close."""
    transport: Any = scope.get(TRANSPORT_KEY)
    if transport is None or not hasattr(transport, "abort"):
        raise FaultCut("mockapi fault: connection dropped")
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let the server see the connection go before the app returns, so it neither
    # answers a 500 nor logs an unfinished response.
    for _ in range(3):
        await asyncio.sleep(0)


class _Departure:
    """Watches ``receive`` for the client leaving; :meth:`sleep` is cut short by it."""

    def __init__(self, receive: Receive) -> None:
        self.gone = asyncio.Event()
        self._task = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.gone.set()
                return

    async def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False if the client left meanwhile."""
        if seconds <= 0:
            return not self.gone.is_set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.gone.wait(), timeout=seconds)
        return not self.gone.is_set()

    def stop(self) -> None:
        self._task.cancel()


class FaultyResponse(StarletteResponse):
    """``inner`` (a plain Starlette response) or ``events`` sent as ``fault`` says."""

    def __init__(
        self,
        fault: Fault,
        *,
        inner: StarletteResponse | None = None,
        events: tuple[SSEEvent, ...] | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        honor_delays: bool = True,
    ) -> None:
        # Not Response.__init__: it would add ``content-length: 0`` to a stream's headers.
        self.status_code = status
        self.media_type = None
        self.background = None
        self.init_headers(headers)
        self.fault = fault
        self.inner = inner
        self.events = events
        self.honor_delays = honor_delays

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        departure = _Departure(receive)
        try:
            await self._deliver(scope, send, departure)
        finally:
            departure.stop()

    async def _deliver(self, scope: Scope, send: Send, departure: _Departure) -> None:
        fault = self.fault
        if fault.latency and not await departure.sleep(fault.latency):
            return
        if fault.reset:
            await drop(scope, reset=True)
            return
        if fault.stalls_early:
            assert fault.stall is not None
            await departure.sleep(fault.stall)
            await drop(scope, reset=False)
            return
        if self.events is None:
            assert self.inner is not None
            await self.inner(scope, _no_receive, send)
            return
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if await self._stream(send, departure):
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            await drop(scope, reset=False)

    async def _stream(self, send: Send, departure: _Departure) -> bool:
        """Send the events; False when the stream is to be cut off."""
        fault, events = self.fault, self.events or ()
        for index, event in enumerate(events):
            if index == fault.stall_after:
                await departure.sleep(STALL_FOREVER if fault.stall is None else fault.stall)
                return False
            if index == fault.cut_after:
                if fault.error_event:
                    last = fault_answers.error_event(events, index)
                    await _body(send, sse.encode_event(last))
                return False
            if index == fault.malformed_at:
                await _body(send, fault_answers.MALFORMED_EVENT)
            paced = fault.tps is not None or (index == 0 and fault.ttft is not None)
            waits = (paced or self.honor_delays) and event.delay > 0
            if waits and not await departure.sleep(event.delay):
                return True
            await _body(send, sse.encode_event(event))
        return True


async def _body(send: Send, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _no_receive() -> Message:
    # The departure watcher owns ``receive``; the inner response never needs it.
    await asyncio.Event().wait()
    return {"type": "http.disconnect"}  # pragma: no cover
