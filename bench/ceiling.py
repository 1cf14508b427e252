"""When the load generator, not the server, is the bottleneck: its ceiling, and the rule.

A ratio of two servers' requests/s says something about the servers only when each
figure is the server's limit. A load generator has a ceiling of its own (``bench/load.py``,
a Python client, near 2,500 req/s on these machines: it made a 6,600 req/s reference
and a 3,200 req/s mockapi look alike, 0.74x instead of 0.49x). So the runner measures
the generator against the fastest server there could be -- :func:`serve`, a raw
asyncio protocol answering the completion's bytes without parsing anything
(``python -m bench.ceiling --port P``) -- in the same rounds, and reads the CPU each
process used. :func:`bottleneck` then refuses a figure

* that ``bench/load.py`` measured (a Python client: near the servers' own speed);
* whose generator used (nearly) its whole core (``wrk -t1`` is one thread);
* that is near the generator's ceiling, when the generator was saturated measuring it
  (otherwise the trivial server was the limit there and the ceiling is higher still);
* under many connections, whose server used well under a core: other processes held the
  CPU (a busy machine), so the figure is theirs, not the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import Any, cast

from bench.payloads import COMPLETION_BYTES

CEILING_SHARE = 0.8
"""A figure at or above this share of the generator's ceiling may be the generator's."""
CPU_SHARE = 0.9
"""A generator that used this share of its one core (``wrk -t1``) or more was saturated."""
SERVER_SHARE = 0.5
"""Under many connections a server that is the bottleneck keeps its core busy; one that
used less than this share of it was waiting for the CPU other processes held."""
WRK = "wrk"

_ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    + f"content-length: {len(COMPLETION_BYTES)}\r\n\r\n".encode()
    + COMPLETION_BYTES
)


@dataclass(frozen=True)
class Figure:
    """One measurement as the rule sees it: who generated the load, the requests/s, and
    the share of one core the generator and the server used meanwhile."""

    generator: str | None
    rps: float | None
    generator_cpu: float | None = None
    server_cpu: float | None = None

    @classmethod
    def of(cls, result: Any) -> Figure | None:
        """From a ``bench.procs.LoadGenerator.run`` result (None stays None)."""
        if not isinstance(result, dict):
            return None
        return cls(
            result.get("generator"),
            result.get("rps"),
            result.get("generator_cpu"),
            result.get("server_cpu"),
        )


def bottleneck(figure: Figure, ceiling: Figure | None, *, many: bool) -> str | None:
    """Why ``figure`` may not be its server's limit -- the text after ``n/a`` -- or None
    when it is. ``ceiling``: the same generator and concurrency against :func:`serve`;
    ``many``: the load had many connections (a closed loop then keeps a server that is
    the bottleneck busy; at concurrency 1 it waits on each round trip)."""
    if figure.rps is None:
        return None
    if figure.generator != WRK:
        return (
            f"load generator bound: {figure.generator or 'an unknown generator'} measured "
            "it, a Python client that saturates near the servers' speed; install wrk "
            "(apt-get install wrk)"
        )
    if figure.generator_cpu is not None and figure.generator_cpu >= CPU_SHARE:
        return (
            f"load generator bound: wrk used {figure.generator_cpu:.0%} of its core "
            f"(limit {CPU_SHARE:.0%})"
        )
    saturated = ceiling is not None and (ceiling.generator_cpu or 0) >= CPU_SHARE
    if ceiling is not None and ceiling.rps and saturated:
        if figure.rps >= CEILING_SHARE * ceiling.rps:
            return (
                f"load generator bound: {figure.rps:,.0f} req/s is "
                f"{figure.rps / ceiling.rps:.0%} of the generator's ceiling "
                f"({ceiling.rps:,.0f} req/s against a trivial server; limit {CEILING_SHARE:.0%})"
            )
    elif figure.generator_cpu is None:
        return "load generator bound? neither its ceiling nor its CPU share was measured"
    if many and figure.server_cpu is not None and figure.server_cpu < SERVER_SHARE:
        return (
            f"machine busy: the server used {figure.server_cpu:.0%} of a core under "
            f"load (limit {SERVER_SHARE:.0%}): other processes held the CPU"
        )
    return None


def figure_bottleneck(result: Any, ceiling: Any, *, many: bool) -> str | None:
    """:func:`bottleneck` for one ``LoadGenerator.run`` result and the ceiling's result at
    the same concurrency (either may be None)."""
    figure = Figure.of(result)
    return None if figure is None else bottleneck(figure, Figure.of(ceiling), many=many)


class _Answer(asyncio.Protocol):
    """Answers each request on the connection with the fixed bytes, parsing only its
    framing (the head's end and ``content-length``)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        answered = 0
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length :]
            answered += 1
        self.buffer = buffer
        if answered and self.transport is not None:
            self.transport.write(_ANSWER * answered)


async def serve(port: int) -> None:
    """The trivial server on ``port`` until the process is stopped."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Answer, "127.0.0.1", port, reuse_address=True)
    async with server:
        await server.serve_forever()


def command(port: int) -> list[str]:
    """The command line starting the trivial server on ``port``."""
    return [sys.executable, "-m", "bench.ceiling", "--port", str(port)]


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.ceiling --port P``: the trivial server, on uvloop when installed
    (the fastest loop there is here: a ceiling must not be the server's own limit)."""
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.port))
    else:
        uvloop.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
