"""An HTTP/1.1 load generator on raw asyncio streams (used when ``wrk`` is not installed).

Run in its own process, so that it never shares a GIL with the server it measures::

    python -m bench.load --port P --body-file F [--concurrency N] [--duration S]
                         [--warmup S] [--sse] [--burst] [--expect-status 200]

Each of ``--concurrency`` keep-alive connections sends the same request, reads the whole
answer (``content-length`` or chunked), and sends the next, until the time is up.
Requests that *finish* inside the measured window (after ``--warmup``) count. With
``--sse``, the time to the first body chunk (the first event) is recorded too, and an
answer counts only if its body ends with ``data: [DONE]``. With ``--burst``, every
connection sends one request at the same moment and holds it to completion instead.

Prints one JSON object: requests, errors (by kind), rps, latency and ttfb percentiles in
milliseconds, the number of events seen (``--sse``), and, for ``--burst``, how many
streams were open at once.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DONE = b"data: [DONE]\n\n"


class BadResponse(Exception):
    """The server answered something the generator did not expect."""


@dataclass
class Sample:
    started: float
    first: float  # first body byte (for a stream: its first event)
    ended: float
    events: int


@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def build_request(host: str, port: int, path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Authorization: Bearer sk-bench-0000\r\n"
        "Content-Type: application/json\r\n"
        "Accept: */*\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


async def read_response(
    reader: asyncio.StreamReader, *, sse: bool, expect: int
) -> tuple[float, int, bool]:
    """Read one response; returns (time of first body byte, events, keep-alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    first = time.perf_counter()
    status_line, _, rest = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise BadResponse("not an HTTP/1.x response")
    status = int(parts[1])
    length = -1
    chunked = False
    keep_alive = True
    for line in rest.lower().split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value:
            chunked = True
        elif name == b"connection" and b"close" in value:
            keep_alive = False
    body = b""
    if chunked:
        pieces: list[bytes] = []
        seen_first = False
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent: the final CRLF
                break
            chunk = await reader.readexactly(size + 2)
            if not seen_first:
                first = time.perf_counter()
                seen_first = True
            pieces.append(chunk[:-2])
        body = b"".join(pieces)
    elif length >= 0:
        body = await reader.readexactly(length)
        if length:
            first = time.perf_counter()
    else:
        body = await reader.read()
        keep_alive = False
    if status != expect:
        raise BadResponse(f"status {status}")
    events = 0
    if sse:
        events = body.count(b"\n\n")
        if not body.endswith(_DONE):
            raise BadResponse("stream did not end with data: [DONE]")
    elif not body:
        raise BadResponse("empty body")
    return first, events, keep_alive


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    request: bytes
    sse: bool
    expect: int


async def _connect(target: Target) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(target.host, target.port, limit=1 << 20)


async def _worker(target: Target, stop_at: float, tally: Tally) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.perf_counter() < stop_at:
        try:
            if conn is None:
                conn = await _connect(target)
            reader, writer = conn
            started = time.perf_counter()
            writer.write(target.request)
            first, events, keep_alive = await read_response(
                reader, sse=target.sse, expect=target.expect
            )
            tally.samples.append(Sample(started, first, time.perf_counter(), events))
            if not keep_alive:
                writer.close()
                conn = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            tally.errors[type(exc).__name__] += 1
            _drop(conn)
            conn = None
            await asyncio.sleep(0.001)
        except (BadResponse, ValueError) as exc:
            tally.errors[str(exc) if isinstance(exc, BadResponse) else "bad framing"] += 1
            _drop(conn)
            conn = None
    _drop(conn)


def _drop(
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
) -> None:
    if conn is not None:
        conn[1].close()


async def sustained(
    target: Target, *, concurrency: int, duration: float, warmup: float
) -> dict[str, Any]:
    """Closed-loop load: ``concurrency`` connections, each one request at a time."""
    tally = Tally()
    start = time.perf_counter()
    window = (start + warmup, start + warmup + duration)
    await asyncio.gather(*(_worker(target, window[1], tally) for _ in range(concurrency)))
    counted = [s for s in tally.samples if window[0] <= s.ended <= window[1]]
    return _summary(counted, tally.errors, duration)


async def burst(target: Target, *, concurrency: int, timeout: float) -> dict[str, Any]:
    """Open ``concurrency`` connections, send one request on each at once, hold to the end."""
    tally = Tally()
    opened = await asyncio.gather(
        *(_connect(target) for _ in range(concurrency)), return_exceptions=True
    )

    async def one(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        reader, writer = conn
        started = time.perf_counter()
        try:
            writer.write(target.request)
            first, events, _ = await read_response(reader, sse=target.sse, expect=target.expect)
            tally.samples.append(Sample(started, first, time.perf_counter(), events))
        except (OSError, asyncio.IncompleteReadError, BadResponse, ValueError) as exc:
            tally.errors[str(exc) if isinstance(exc, BadResponse) else type(exc).__name__] += 1
        finally:
            writer.close()

    conns = []
    for item in opened:
        if isinstance(item, BaseException):
            tally.errors[f"connect: {type(item).__name__}"] += 1
        else:
            conns.append(item)
    begun = time.perf_counter()
    tasks = [asyncio.ensure_future(one(c)) for c in conns]
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
        tally.errors["timeout"] += 1
    wall = time.perf_counter() - begun
    result = _summary(tally.samples, tally.errors, wall)
    result["wall_s"] = round(wall, 3)
    result["max_open"] = _max_overlap(tally.samples)
    return result


def _max_overlap(samples: list[Sample]) -> int:
    """The most requests that were in flight at the same moment."""
    edges = sorted([(s.started, 1) for s in samples] + [(s.ended, -1) for s in samples])
    best = current = 0
    for _, step in edges:
        current += step
        best = max(best, current)
    return best


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    mean = sum(ordered) / len(ordered) * 1000
    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "mean": round(mean, 3)}


def _summary(samples: list[Sample], errors: Counter[str], seconds: float) -> dict[str, Any]:
    return {
        "requests": len(samples),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "seconds": round(seconds, 3),
        "rps": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        "latency_ms": _percentiles([s.ended - s.started for s in samples]),
        "ttfb_ms": _percentiles([s.first - s.started for s in samples]),
        "events": sum(s.events for s in samples),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/v1/chat/completions")
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--sse", action="store_true")
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--expect-status", type=int, default=200)
    args = parser.parse_args(argv)

    body = args.body_file.read_bytes()
    request = build_request(args.host, args.port, args.path, body)
    target = Target(args.host, args.port, request, args.sse, args.expect_status)
    gc.disable()  # the generator's own pauses would show up as server latency
    if args.burst:
        run = burst(target, concurrency=args.concurrency, timeout=args.timeout)
    else:
        run = sustained(
            target, concurrency=args.concurrency, duration=args.duration, warmup=args.warmup
        )
    result = asyncio.run(run)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
