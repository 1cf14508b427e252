"""The benchmark runner: ``python -m bench [--quick] [--out PATH]``.

Measures mockapi against the fastest thing it could be -- the bare Starlette app of
:mod:`bench.reference` under the same uvicorn settings, answering the same bytes -- in
the same run, then the fixture-scaling, pytest-plugin and proxy figures, prints one
table with the ratio beside each figure, checks the budget of issue 5, and writes
everything as JSON (``bench/results.json`` by default).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import library, payloads
from bench.procs import ROOT, LoadGenerator, Server, machine
from mockapi.store import dump_yaml

DEFAULT_OUT = ROOT / "bench" / "results.json"


@dataclass(frozen=True)
class Plan:
    """How long and how big each measurement is."""

    duration: float  # seconds measured per sustained run
    warmup: float
    open_streams: int
    small: int  # fixtures in the small and the large library
    large: int
    scaling_duration: float
    plugin_runs: int


FULL = Plan(3.0, 0.5, 500, 10, 10_000, 2.0, 5)
QUICK = Plan(0.5, 0.2, 500, 10, 1_000, 0.5, 1)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- 1. mockapi against the reference app ------------------------------------------------


def compare(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    fixtures = work / "compare-fixtures"
    fixtures.mkdir()
    (fixtures / "bench.yaml").write_bytes(dump_yaml(payloads.fixture_document()))
    results: dict[str, Any] = {}
    for which in ("reference", "mockapi"):
        args = ("--fixtures", str(fixtures)) if which == "mockapi" else ()
        with Server(which, *args) as server:
            _log(f"[compare] {which} up on port {server.port} in {server.startup_s:.2f}s")
            figures: dict[str, Any] = {"startup_s": round(server.startup_s, 3)}
            for concurrency in (1, 32):
                figures[f"json_c{concurrency}"] = load.run(
                    server.port,
                    payloads.JSON_REQUEST,
                    concurrency=concurrency,
                    duration=plan.duration,
                    warmup=plan.warmup,
                )
                figures[f"sse_c{concurrency}"] = load.run(
                    server.port,
                    payloads.STREAM_REQUEST,
                    concurrency=concurrency,
                    duration=plan.duration,
                    warmup=plan.warmup,
                    sse=True,
                )
            figures["open_streams"] = load.run(
                server.port,
                payloads.PACED_REQUEST,
                concurrency=plan.open_streams,
                sse=True,
                burst=True,
            )
            figures["rss_mb"] = server.rss_mb()
            results[which] = figures
    return results


# -- 2. fixture scaling ------------------------------------------------------------------


def scaling(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for count in (plan.small, plan.large):
        started = time.perf_counter()
        directory = library.write_library(work / f"library-{count}", count)
        _log(f"[scaling] wrote {count} fixture files in {time.perf_counter() - started:.1f}s")
        with Server("mockapi", "--fixtures", str(directory)) as server:
            rss_loaded = server.rss_mb()
            middle = count // 2
            hit = load.run(
                server.port,
                library.request_body(middle),
                duration=plan.scaling_duration,
                warmup=plan.warmup,
            )
            miss = load.run(
                server.port,
                library.near_miss_body(middle),
                duration=plan.scaling_duration,
                warmup=plan.warmup,
                expect=404,
            )
            results[str(count)] = {
                "fixtures": count,
                "build_replayer_s": round(server.build_s, 3),
                "startup_s": round(server.startup_s, 3),
                "rss_loaded_mb": rss_loaded,
                "rss_mb": server.rss_mb(),
                "hit": hit,
                "near_miss": miss,
            }
    return results


# -- 3. the pytest plugin ----------------------------------------------------------------

_WITH = "def test_trivial(mockapi):\n    assert mockapi is not None\n"
_WITHOUT = "def test_trivial():\n    assert True\n"


def _plugin_registered() -> bool:
    from importlib.metadata import entry_points

    return any(ep.value.startswith("mockapi") for ep in entry_points(group="pytest11"))


def plugin(plan: Plan, work: Path) -> dict[str, Any]:
    if not (ROOT / "mockapi" / "pytest_plugin.py").is_file():
        return {"status": "n/a (plugin not present)"}
    extra = [] if _plugin_registered() else ["-p", "mockapi.pytest_plugin"]
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for name, source in (("with", _WITH), ("without", _WITHOUT)):
        suite = work / f"pytest-{name}"
        suite.mkdir()
        (suite / "test_trivial.py").write_text(source)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
        for _ in range(plan.plugin_runs + 1):  # the first run warms the disk cache
            started = time.perf_counter()
            out = subprocess.run(
                [*command, str(suite)], cwd=suite, capture_output=True, check=False, timeout=120
            )
            elapsed = time.perf_counter() - started
            if out.returncode != 0:
                tail = out.stdout.decode(errors="replace")[-1500:]
                return {"status": f"error: pytest exited {out.returncode} ({name} the fixture)\n{tail}"}
            timings[name].append(elapsed)
    with_s = statistics.median(timings["with"][1:])
    without_s = statistics.median(timings["without"][1:])
    return {
        "status": "ok",
        "runs": plan.plugin_runs,
        "with_fixture_s": round(with_s, 3),
        "without_fixture_s": round(without_s, 3),
        "added_s": round(with_s - without_s, 3),
        "loaded_via": "entry point" if not extra else "-p mockapi.pytest_plugin",
    }


# -- 4. the recording proxy --------------------------------------------------------------


def proxy(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    record_dir = work / "recordings"
    with Server("upstream", "--event-delay", "0.005") as upstream:

        def measure() -> dict[str, Any]:
            port = server.port if server is not None else upstream.port
            return {
                "json_c1": load.run(
                    port, payloads.JSON_REQUEST, duration=plan.duration, warmup=plan.warmup
                ),
                "sse_c1": load.run(
                    port,
                    payloads.STREAM_REQUEST,
                    duration=plan.duration,
                    warmup=plan.warmup,
                    sse=True,
                ),
            }

        server: Server | None = None
        results["direct"] = measure()
        args = ("--fixtures", str(record_dir), "--record", "all", "--upstream", upstream.url)
        with Server("mockapi", *args) as server:
            results["via_mockapi"] = measure()
            results["rss_mb"] = server.rss_mb()
    results["recordings_written"] = len(list(record_dir.rglob("*.yaml")))
    return results


# -- the report --------------------------------------------------------------------------


def _get(data: dict[str, Any], *path: str) -> float | None:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) else None


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "s":
        return f"{value:.3f} s"
    return f"{value:.2f} ms"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def _added(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "n/a"
    return f"+{a - b:.2f} ms" if a >= b else f"{a - b:.2f} ms"


def table(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str]] = []
    ref, mock = results["compare"]["reference"], results["compare"]["mockapi"]
    head = ("measure", "reference", "mockapi", "mockapi/reference")
    for c in (1, 32):
        key = f"json_c{c}"
        rows.append(_pair(f"chat, c={c}: throughput", ref, mock, (key, "rps"), "req/s"))
        for p in ("p50", "p99"):
            rows.append(_pair(f"chat, c={c}: latency {p}", ref, mock, (key, "latency_ms", p)))
    for c in (1, 32):
        key = f"sse_c{c}"
        rows.append(
            _pair(f"20-event stream, c={c}: first event p50", ref, mock, (key, "ttfb_ms", "p50"))
        )
        rows.append(
            _pair(f"20-event stream, c={c}: total p50", ref, mock, (key, "latency_ms", "p50"))
        )
    streams = [
        f"{d['open_streams']['requests']} done, {d['open_streams']['errors']} errors, "
        f"{d['open_streams'].get('max_open', 0)} open at once"
        for d in (ref, mock)
    ]
    count = results["plan"]["open_streams"]
    rows.append((f"{count} open paced streams", streams[0], streams[1], ""))
    rows.append(("server RSS after the above", *_vals(ref, mock, ("rss_mb",), "MB")))

    scale = results["scaling"]
    small, large = (scale[k] for k in sorted(scale, key=int))
    n_small, n_large = f"{small['fixtures']:,}", f"{large['fixtures']:,}"
    rows.append(("**fixture scaling**", f"**{n_small} fixtures**", f"**{n_large} fixtures**", ""))
    rows.append(_pair("start-up: inside build_replayer", small, large, ("build_replayer_s",), "s"))
    rows.append(_pair("start-up: process start to first answer", small, large, ("startup_s",), "s"))
    rows.append(_pair("hit latency p50 (c=1)", small, large, ("hit", "latency_ms", "p50")))
    rows.append(_pair("near-miss report p50 (c=1)", small, large, ("near_miss", "latency_ms", "p50")))
    rows.append(_pair("RSS after loading", small, large, ("rss_loaded_mb",), "MB"))

    rows.append(("**pytest plugin**", "**without fixture**", "**with fixture**", "**added**"))
    plug = results["plugin"]
    if plug.get("status") == "ok":
        w, wo = plug["with_fixture_s"], plug["without_fixture_s"]
        rows.append(
            ("session: one trivial test (median)", f"{wo:.3f} s", f"{w:.3f} s", f"+{w - wo:.3f} s")
        )
    else:
        rows.append(("session start-up added", plug["status"].splitlines()[0], "", ""))

    prox = results["proxy"]
    direct, via = prox["direct"], prox["via_mockapi"]
    rows.append(("**proxy (record all)**", "**upstream direct**", "**via mockapi**", "**added**"))
    for label, path in (
        ("chat latency p50 (c=1)", ("json_c1", "latency_ms", "p50")),
        ("stream: first event p50 (c=1)", ("sse_c1", "ttfb_ms", "p50")),
        ("stream: total p50 (c=1)", ("sse_c1", "latency_ms", "p50")),
    ):
        a, b = _get(direct, *path), _get(via, *path)
        rows.append((label, _fmt(a), _fmt(b), _added(b, a)))
    return _markdown(head, rows)


def _vals(a: dict[str, Any], b: dict[str, Any], path: tuple[str, ...], unit: str) -> tuple[str, str, str]:
    x, y = _get(a, *path), _get(b, *path)
    return _fmt(x, unit), _fmt(y, unit), _ratio(y, x)


def _pair(
    label: str, a: dict[str, Any], b: dict[str, Any], path: tuple[str, ...], unit: str = "ms"
) -> tuple[str, str, str, str]:
    return (label, *_vals(a, b, path, unit))


def _markdown(head: tuple[str, ...], rows: list[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def budget(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 5's budget, line by line: the figure and whether it is met."""
    ref, mock = results["compare"]["reference"], results["compare"]["mockapi"]
    scale = results["scaling"]
    small, large = (scale[k] for k in sorted(scale, key=int))
    lines: list[dict[str, Any]] = []

    def add(line: str, figure: float | None, limit: float, text: str, *, above: bool) -> None:
        met = figure is not None and (figure >= limit if above else figure < limit)
        lines.append({"line": line, "figure": figure, "limit": limit, "text": text, "met": met})

    r32, m32 = _get(ref, "json_c32", "rps"), _get(mock, "json_c32", "rps")
    ratio = m32 / r32 if m32 and r32 else None
    add("replay throughput c=32 >= 0.7x reference", ratio, 0.7, f"{ratio or 0:.2f}x", above=True)
    hit_s, hit_l = (_get(x, "hit", "latency_ms", "p50") for x in (small, large))
    hit_ratio = hit_l / hit_s if hit_l and hit_s else None
    add(
        f"hit p50 with {large['fixtures']:,} fixtures within 10% of {small['fixtures']:,}",
        hit_ratio,
        1.1,
        f"{hit_ratio or 0:.2f}x ({_fmt(hit_l)} vs {_fmt(hit_s)})",
        above=False,
    )
    miss = _get(large, "near_miss", "latency_ms", "p50")
    add(f"near-miss report p50 with {large['fixtures']:,} < 50 ms", miss, 50, _fmt(miss), above=False)
    build = _get(large, "build_replayer_s")
    start = _get(large, "startup_s")
    add(
        f"start-up with {large['fixtures']:,} fixtures < 1 s (build_replayer)",
        build,
        1.0,
        f"{_fmt(build, 's')} (process to first answer {_fmt(start, 's')})",
        above=False,
    )
    rss = _get(large, "rss_loaded_mb")
    add(f"RSS with {large['fixtures']:,} fixtures < 150 MB", rss, 150, _fmt(rss, "MB"), above=False)
    direct, via = results["proxy"]["direct"], results["proxy"]["via_mockapi"]
    d50, v50 = _get(direct, "json_c1", "latency_ms", "p50"), _get(via, "json_c1", "latency_ms", "p50")
    added = v50 - d50 if v50 is not None and d50 is not None else None
    add("proxy adds < 2 ms p50", added, 2.0, _added(v50, d50), above=False)
    dt, vt = _get(direct, "sse_c1", "ttfb_ms", "p50"), _get(via, "sse_c1", "ttfb_ms", "p50")
    added_t = vt - dt if vt is not None and dt is not None else None
    add("proxy forwards the first event within 5 ms", added_t, 5.0, _added(vt, dt), above=False)
    for which, data in (("reference", ref), ("mockapi", mock)):
        burst = data["open_streams"]
        complete = burst["requests"] == results["plan"]["open_streams"] and not burst["errors"]
        lines.append(
            {
                "line": f"{results['plan']['open_streams']} open streams all complete ({which})",
                "figure": burst["requests"],
                "limit": results["plan"]["open_streams"],
                "text": f"{burst['requests']} complete, {burst['errors']} errors",
                "met": complete,
            }
        )
    return lines


def budget_text(lines: list[dict[str, Any]]) -> str:
    return "\n".join(f"[{'met ' if b['met'] else 'MISS'}] {b['line']}: {b['text']}" for b in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (~30 s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write JSON")
    parser.add_argument(
        "--no-wrk", action="store_true", help="use bench/load.py even when wrk is installed"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mockapi-bench-") as tmp:
        work = Path(tmp)
        load = LoadGenerator(work, use_wrk=not args.no_wrk)
        results: dict[str, Any] = {
            "command": shlex.join(["python", "-m", "bench", *(argv or sys.argv[1:])]),
            "machine": machine(),
            "load_generator": load.name,
            "plan": plan.__dict__,
        }
        _log(f"[bench] {'quick' if args.quick else 'full'} run; load generator: {load.name}")
        results["compare"] = compare(plan, load, work)
        results["scaling"] = scaling(plan, load, work)
        _log("[plugin] timing pytest sessions")
        results["plugin"] = plugin(plan, work)
        _log("[proxy] direct vs via mockapi")
        results["proxy"] = proxy(plan, load, work)
    results["budget"] = budget(results)
    results["elapsed_s"] = round(time.perf_counter() - began, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    print(
        f"mockapi benchmark ({'quick' if args.quick else 'full'} run, {results['elapsed_s']} s): "
        f"{m['nproc']} x {m['cpu']}, Python {m['python']}, uvicorn {m['uvicorn']} "
        f"({m['uvicorn_loop_http']}), load: {load.name}\n"
    )
    print(table(results))
    print()
    print(budget_text(results["budget"]))
    print(f"\nwritten to {args.out}")
    return 0
