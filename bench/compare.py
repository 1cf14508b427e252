"""The compare section: mockapi against the reference app and aimock, under both stacks.

In each round, one after the other, each in its own process:

* the trivial server of :mod:`bench.ceiling` (the load generator's ceiling);
* the reference app and mockapi (replaying :mod:`bench.payloads`' fixture, validation on)
  under every uvicorn stack installed: ``h11`` + ``asyncio`` and ``httptools`` +
  ``uvloop``, so that the ratio is taken under the same settings and the stack
  ``mockapi serve`` uses (:func:`mockapi.web.server.fastest_stack`) is shown to be the
  faster one;
* aimock (:mod:`bench.aimock`) with a fixture on the same request.

Every server answers the chat request at concurrency 1 and 32 (``wrk -t1`` when
installed); under ``mockapi serve``'s stack the reference and mockapi also answer the
20-event stream at 1 and 32 and, in the first round, 500 paced streams held open at once
(``bench/load.py``). The best round counts; every round's figure is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import aimock, ceiling, payloads
from bench.procs import LoadGenerator, Server
from bench.rounds import Plan, best, log
from mockapi.library.store import dump_yaml
from mockapi.web.server import EVENT_LOOPS, HTTP_PARSERS, fastest_stack

PLAIN = (HTTP_PARSERS[1], EVENT_LOOPS[1])
"""uvicorn without its extras: h11 and asyncio."""


def stack_name(stack: tuple[str, str]) -> str:
    return "+".join(stack)


def stacks() -> list[tuple[str, str]]:
    """The stacks measured: ``mockapi serve``'s first, then h11 + asyncio if that differs."""
    default = fastest_stack()
    return [default] if default == PLAIN else [default, PLAIN]


def _runs(plan: Plan, load: LoadGenerator, server: Server, *, sse: bool) -> dict[str, Any]:
    """The chat request (``json_c1``, ``json_c32``) or the 20-event stream (``sse_c1``,
    ``sse_c32``) at concurrency 1 and 32."""
    body = payloads.STREAM_REQUEST if sse else payloads.JSON_REQUEST
    return {
        f"{'sse' if sse else 'json'}_c{c}": load.run(
            server.port,
            body,
            concurrency=c,
            duration=plan.duration,
            warmup=plan.warmup,
            sse=sse,
            pid=server.pid,
        )
        for c in (1, 32)
    }


class _Entry:
    """One server of a round: how to start it and what to measure on it."""

    def __init__(
        self,
        name: str,
        start: Callable[[], Server],
        *,
        streams: bool = False,
    ) -> None:
        self.name = name
        self.start = start
        self.streams = streams
        self.runs: list[dict[str, Any]] = []
        self.first: dict[str, Any] = {}


def _entries(fixtures: Path, work: Path) -> tuple[list[_Entry], dict[str, Any]]:
    """The servers of each round, and aimock's status (installed or why not)."""
    default = fastest_stack()
    entries = [_Entry("ceiling", lambda: Server("ceiling", launcher=ceiling.command))]
    for stack in reversed(stacks()):  # the default stack last: the same noise as aimock's
        name = stack_name(stack)
        on = stack == default

        def reference(stack: tuple[str, str] = stack) -> Server:
            return Server("reference", stack=stack)

        def mockapi(stack: tuple[str, str] = stack) -> Server:
            return Server("mockapi", "--fixtures", str(fixtures), stack=stack)

        entries.append(_Entry(f"reference@{name}", reference, streams=on))
        entries.append(_Entry(f"mockapi@{name}", mockapi, streams=on))
    script, version = aimock.ensure_installed()
    status: dict[str, Any] = {"status": "ok", "version": version}
    if script is None:
        status = {"status": f"n/a (aimock not installed: {version})"}
    else:
        launcher = aimock.launcher(script, aimock.write_fixture(work))
        entries.append(_Entry("aimock", lambda: Server("aimock", launcher=launcher)))
    return entries, status


def compare(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """Every server of :func:`_entries`, ``plan.rounds`` times in turns; the best round."""
    fixtures = work / "compare-fixtures"
    fixtures.mkdir()
    (fixtures / "bench.yaml").write_bytes(dump_yaml(payloads.fixture_document()))
    entries, aimock_status = _entries(fixtures, work)
    for round_ in range(plan.rounds):
        for entry in entries:
            with entry.start() as server:
                log(f"[compare] round {round_ + 1}: {entry.name} up in {server.startup_s:.2f}s")
                figures = _runs(plan, load, server, sse=False)
                if entry.streams:
                    figures.update(_runs(plan, load, server, sse=True))
                if round_ == 0:
                    entry.first["startup_s"] = round(server.startup_s, 3)
                    if entry.streams:
                        entry.first["open_streams"] = load.run(
                            server.port,
                            payloads.PACED_REQUEST,
                            concurrency=plan.open_streams,
                            sse=True,
                            burst=True,
                        )
                figures["rss_mb"] = server.rss_mb()
                entry.runs.append(figures)
    results: dict[str, Any] = {
        "default_stack": stack_name(fastest_stack()),
        "stacks": [stack_name(s) for s in stacks()],
        "aimock": aimock_status,
    }
    for entry in entries:
        reduced: dict[str, Any] = dict(entry.first)
        for key in entry.runs[0]:
            if key == "rss_mb":
                reduced[key] = entry.runs[-1][key]
            else:
                reduced[key] = best([run[key] for run in entry.runs], by="rps")
        which, _, stack = entry.name.partition("@")
        if stack:
            results.setdefault(which, {})[stack] = reduced
        else:
            results[which] = {**results.get(which, {}), **reduced}
    return results
