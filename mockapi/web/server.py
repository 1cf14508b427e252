"""Running the app under uvicorn: in the foreground (``mockapi serve``) or in a thread.

:class:`ServerThread` is what tests and the pytest plugin use: it binds a real port
(``port=0`` picks a free one), waits until uvicorn accepts connections, and stops
cleanly.

:func:`closing` lets a served app release what it holds open (the state store's
database connections) when the server shuts down: uvicorn's lifespan shutdown, which
comes after the last connection is done, also when SIGTERM stops a ``--workers``
process (uvicorn then re-raises the signal, so no ``finally`` or ``atexit`` would run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from importlib.util import find_spec

import uvicorn
from starlette.types import ASGIApp as ASGIApp
from starlette.types import Receive, Scope, Send

from mockapi.errors import MockapiError, UpstreamStreamError


class _QuietUpstreamBreaks(logging.Filter):
    """Drop uvicorn's traceback for a relayed stream the upstream cut off.

    The recorder has already logged what happened in one line, and raising is how the
    client's connection gets cut too; the traceback would only add noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        while error is not None:
            if isinstance(error, UpstreamStreamError):
                return False
            error = error.__cause__ or error.__context__
        return True


_FILTER = _QuietUpstreamBreaks()


def install_log_filter() -> None:
    """Quiet uvicorn's tracebacks for relayed streams the upstream cut (once per process)."""
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def closing(app: ASGIApp, close: Callable[[], None]) -> ASGIApp:
    """``app``, with ``close()`` called once when the server serving it shuts down (the
    ASGI lifespan shutdown, after the last request), e.g. the state store's ``close``."""

    async def with_shutdown(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    close()
                except Exception as exc:  # said in uvicorn's log; the process still stops
                    await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                return

    return with_shutdown


HTTP_PARSERS = ("httptools", "h11")
EVENT_LOOPS = ("uvloop", "asyncio")


def fastest_stack() -> tuple[str, str]:
    """uvicorn's ``(http, loop)`` to serve with: httptools and uvloop (the
    ``uvicorn[standard]`` extras) when installed, else h11 and asyncio.

    Chosen by measurement, not by uvicorn's ``auto``: ``python -m bench --only compare``
    runs the reference app and mockapi under both, and httptools + uvloop answered
    a replayed chat completion 1.6x as fast (24,488 vs ~15,000 req/s for the
    reference). Windows has no uvloop, and a bare ``pip install uvicorn`` neither.
    """
    http = HTTP_PARSERS[0] if find_spec(HTTP_PARSERS[0]) else HTTP_PARSERS[1]
    loop = EVENT_LOOPS[0] if find_spec(EVENT_LOOPS[0]) else EVENT_LOOPS[1]
    return http, loop


def _config(
    app: ASGIApp,
    host: str,
    port: int,
    log_level: str,
    *,
    lifespan: bool = False,
    http: str | None = None,
    loop: str | None = None,
) -> uvicorn.Config:
    install_log_filter()
    fast_http, fast_loop = fastest_stack()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on" if lifespan else "off",
        timeout_graceful_shutdown=1,
        http=http or fast_http,
        loop=loop or fast_loop,
    )


def serve(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    on_shutdown: Callable[[], None] | None = None,
    http: str | None = None,
    loop: str | None = None,
) -> None:
    """Serve ``app`` in the foreground until interrupted; then ``on_shutdown()``.

    ``http`` and ``loop`` name uvicorn's HTTP parser (``httptools``, ``h11``) and event
    loop (``uvloop``, ``asyncio``); by default :func:`fastest_stack`'s.
    """
    if on_shutdown is not None:
        app = closing(app, on_shutdown)
    lifespan = on_shutdown is not None
    config = _config(app, host, port, log_level, lifespan=lifespan, http=http, loop=loop)
    uvicorn.Server(config).run()


def serve_workers(factory: str, *, host: str, port: int, workers: int, log_level: str) -> None:
    """Serve in ``workers`` processes sharing one socket, until interrupted.

    uvicorn starts each worker afresh and calls ``factory`` (``"module:function"``)
    there to build its app: nothing is shared between workers but the socket and
    what the factory reads (the environment, the fixture directories, the state
    database). The lifespan is on, so that an app wrapped in :func:`closing` closes
    what it holds when its worker stops.
    """
    http, loop = fastest_stack()
    uvicorn.run(
        factory,
        factory=True,
        http=http,
        loop=loop,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
    )


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is told to.

    uvicorn's main loop looks at ``should_exit`` every 0.1 s and its shutdown waits
    another 0.1 s for connections to close even when there are none: ~0.2 s of every
    test session's end (the pytest plugin's). Here :meth:`wake` ends the loop's wait at
    once, and a shutdown with no connection or task left skips the wait for them.
    """

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000  # as uvicorn counts its ticks
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def wake(self) -> None:
        """Ask the server to stop now (from any thread)."""
        self.should_exit = True
        loop, event = self._loop, self._wake
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                loop.call_soon_threadsafe(event.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        state = self.server_state
        if state.connections and not state.tasks:
            # Idle keep-alive connections close at once when told: give them a moment.
            for connection in list(state.connections):
                connection.shutdown()
            for _ in range(20):
                if not state.connections:
                    break
                await asyncio.sleep(0.005)
        if state.connections or state.tasks or sockets:
            await super().shutdown(sockets)  # uvicorn's graceful wait for what is left
            return
        for server in self.servers:
            server.close()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


class ServerThread:
    """uvicorn in a daemon thread on a real port; use as a context manager."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _PromptServer(_config(app, host, port, "warning"))
        self._thread = threading.Thread(target=self._server.run, name="mockapi-server", daemon=True)
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise MockapiError(
                    f"mockapi server did not start on {self.host}:{self.port} within {timeout}s "
                    "(is the port in use?)"
                )
            time.sleep(0.01)
        sockets = self._server.servers[0].sockets if self._server.servers else []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.wake()
        self._thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
