"""Start one benchmarked server in this process (the runner starts each in its own).

    python -m bench.serve reference --port P [--http h11 --loop asyncio]
    python -m bench.serve mockapi   --port P --fixtures DIR [--record all --upstream URL]
    python -m bench.serve upstream  --port P [--event-delay S]

All three run under :func:`mockapi.web.server.serve`, the function ``mockapi serve`` uses,
so their uvicorn settings are identical: one worker, the same host, ``log_level``
warning, access log off, lifespan off, and the HTTP parser and event loop given by
``--http`` and ``--loop`` (by default ``mockapi serve``'s,
:func:`mockapi.web.server.fastest_stack`). Before serving, one JSON line is printed on
stdout: ``{"build_s": ...}``, the seconds spent building the app (for mockapi, inside
:func:`mockapi.build.build`, the wiring ``mockapi serve`` uses: loading and indexing
fixtures and compiling validators, nearly all of it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from mockapi import collector

with collector.paused():  # as `mockapi serve` imports its server
    from mockapi.web.server import EVENT_LOOPS, HTTP_PARSERS, serve

HOST = "127.0.0.1"
LOG_LEVEL = "warning"


def _mockapi_app(args: argparse.Namespace) -> tuple[Any, float]:
    from mockapi.config import OnMiss, RecordMode, Settings

    with collector.paused():
        from mockapi.build import build

    settings = Settings(
        fixture_dirs=(args.fixtures,),
        on_miss=OnMiss.ERROR,
        validate=True,
        honor_delays=True,
        record_mode=RecordMode(args.record),
        upstream_url=args.upstream,
    )
    started = time.perf_counter()
    app = build(settings).app
    return app, time.perf_counter() - started


def _upstream_app(args: argparse.Namespace) -> Any:
    from tests.fake_upstream import FakeUpstream

    return FakeUpstream(event_delay=args.event_delay).app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("which", choices=["reference", "mockapi", "upstream"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fixtures", type=Path)
    parser.add_argument("--record", default="none")
    parser.add_argument("--upstream")
    parser.add_argument("--event-delay", type=float, default=0.005)
    parser.add_argument("--http", choices=HTTP_PARSERS, help="uvicorn's HTTP parser")
    parser.add_argument("--loop", choices=EVENT_LOOPS, help="uvicorn's event loop")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.which == "reference":
        from bench.reference import app

        build_s = time.perf_counter() - started
    elif args.which == "mockapi":
        app, build_s = _mockapi_app(args)
    else:
        app = _upstream_app(args)
        build_s = time.perf_counter() - started

    print(json.dumps({"build_s": build_s}), flush=True)
    serve(app, host=HOST, port=args.port, log_level=LOG_LEVEL, http=args.http, loop=args.loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
