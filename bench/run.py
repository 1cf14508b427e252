"""The benchmark runner: ``python -m bench [--quick] [--only SECTION] [--markdown]``.

Measures mockapi against the fastest thing it could be -- the bare Starlette app of
:mod:`bench.reference` under the same uvicorn settings, answering the same bytes -- and
against aimock, its fastest peer, in the same run (:mod:`bench.compare`); then fixture
scaling, the pytest plugin, the recording proxy, memory, a 50,000-line batch and vector
store search. Prints a header (date, machine, commit), one table per section with the
ratio or the difference beside each figure, and every budget line of issues 5, 15 and 21
as ``met``, ``MISS`` or ``n/a`` (with why: a load generator at its ceiling measures
nothing about the server); writes everything as JSON (``bench/results.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import batch, library, memory, payloads
from bench.compare import compare
from bench.procs import ROOT, LoadGenerator, Server, machine
from bench.report import budget, budget_text, header, markdown, table
from bench.rounds import FULL, QUICK, Plan, best, log
from mockapi.library.cache import RACY_NS

DEFAULT_OUT = ROOT / "bench" / "results.json"


# -- fixture scaling ------------------------------------------------------------------


def scaling(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """A small and a large library, each served by its own process, measured in turns."""
    libraries = {}
    for count in (plan.small, plan.large):
        started = time.perf_counter()
        libraries[count] = library.write_library(work / f"library-{count}", count)
        log(f"[scaling] wrote {count} fixture files in {time.perf_counter() - started:.1f}s")
    # As a library recorded before the server starts: a file changed within the fixture
    # cache's racily-clean window of the first start (its time or its inode change) is
    # kept without a stat key, so that the next start reads it again to be sure; no
    # library but one written just now meets that.
    time.sleep(RACY_NS / 1e9)
    results: dict[str, Any] = {}
    hits: dict[int, list[dict[str, Any]]] = {count: [] for count in libraries}
    misses: dict[int, list[dict[str, Any]]] = {count: [] for count in libraries}
    with contextlib.ExitStack() as stack:
        servers = {}
        for count, directory in libraries.items():  # started one at a time
            server = stack.enter_context(Server("mockapi", "--fixtures", str(directory)))
            servers[count] = server
            results[str(count)] = {
                "fixtures": count,
                "build_s": round(server.build_s, 3),
                "startup_s": round(server.startup_s, 3),
                "rss_loaded_mb": server.rss_mb(),
            }
        for _ in range(plan.scaling_rounds):
            for count, server in servers.items():  # only one is under load at a time
                hits[count].append(
                    load.run(
                        server.port,
                        library.request_body(library.PROBE),
                        duration=plan.scaling_duration,
                        warmup=plan.warmup,
                        pid=server.pid,
                    )
                )
                misses[count].append(
                    load.run(
                        server.port,
                        library.near_miss_body(library.PROBE),
                        duration=plan.scaling_duration,
                        warmup=plan.warmup,
                        expect=404,
                        pid=server.pid,
                    )
                )
        for count, server in servers.items():
            results[str(count)]["rss_mb"] = server.rss_mb()
            results[str(count)]["hit"] = best(hits[count], by="p50")
            results[str(count)]["near_miss"] = best(misses[count], by="p50")
    # The large library again, as a developer's next `mockapi serve` (or the next test
    # session) starts it: its decoded files come from the fixture cache the first start
    # wrote (mockapi.library.cache), each one vouched for by its stat.
    large = str(plan.large)
    with Server("mockapi", "--fixtures", str(libraries[plan.large])) as again:
        results[large]["second_startup_s"] = round(again.startup_s, 3)
        results[large]["second_build_s"] = round(again.build_s, 3)
    return results


# -- the pytest plugin ----------------------------------------------------------------

_WITH = "def test_trivial(mockapi):\n    assert mockapi is not None\n"
_WITHOUT = "def test_trivial():\n    assert True\n"


def _plugin_registered() -> bool:
    from importlib.metadata import entry_points

    return any(ep.value.startswith("mockapi") for ep in entry_points(group="pytest11"))


def plugin(plan: Plan, work: Path) -> dict[str, Any]:
    """A session of one trivial test with the ``mockapi`` fixture and one without it,
    run in turns (with, without, with, ...), so that a slow spell of the machine slows
    both sides of a pair: the figure is the median of each pair's difference."""
    if not (ROOT / "mockapi" / "pytest_plugin.py").is_file():
        return {"status": "n/a (plugin not present)"}
    extra = [] if _plugin_registered() else ["-p", "mockapi.pytest_plugin"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    suites = {}
    for name, source in (("with", _WITH), ("without", _WITHOUT)):
        suite = suites[name] = work / f"pytest-{name}"
        suite.mkdir()
        (suite / "test_trivial.py").write_text(source)
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(plan.plugin_runs + 1):  # the first pair warms the disk cache
        for name, suite in suites.items():
            started = time.perf_counter()
            out = subprocess.run(
                [*command, str(suite)],
                cwd=suite,
                capture_output=True,
                check=False,
                timeout=120,
            )
            elapsed = time.perf_counter() - started
            if out.returncode != 0:
                tail = out.stdout.decode(errors="replace")[-1500:]
                problem = f"error: pytest exited {out.returncode} ({name} the fixture)"
                return {"status": f"{problem}\n{tail}"}
            timings[name].append(elapsed)
    with_s, without_s = timings["with"][1:], timings["without"][1:]
    added = [a - b for a, b in zip(with_s, without_s, strict=True)]
    return {
        "status": "ok",
        "runs": plan.plugin_runs,
        "with_fixture_s": round(statistics.median(with_s), 3),
        "without_fixture_s": round(statistics.median(without_s), 3),
        "added_s": round(statistics.median(added), 3),
        "added_of_each_pair_s": [round(a, 3) for a in added],
        "loaded_via": "entry point" if not extra else "-p mockapi.pytest_plugin",
    }


# -- the recording proxy --------------------------------------------------------------


_PROXIED = {"json_c1": payloads.JSON_REQUEST, "sse_c1": payloads.STREAM_REQUEST}


def proxy(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """The fake upstream called directly, then through mockapi in record mode ``all``:
    ``plan.rounds`` alternating rounds of each, the lowest p50 of each kept (noise only
    ever slows a round; one round of ~30 streams moved the first event's p50 by a
    millisecond from run to run)."""
    record_dir = work / "recordings"  # fresh: created by the first recording
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        side: {name: [] for name in _PROXIED} for side in ("direct", "via_mockapi")
    }
    with Server("upstream", "--event-delay", "0.005") as upstream:
        args = ("--fixtures", str(record_dir), "--record", "all", "--upstream", upstream.url)
        with Server("mockapi", *args) as server:
            ports = {"direct": upstream.port, "via_mockapi": server.port}
            for _ in range(plan.rounds):
                for name, body in _PROXIED.items():
                    for side, port in ports.items():
                        runs[side][name].append(
                            load.run(
                                port,
                                body,
                                duration=plan.duration,
                                warmup=plan.warmup,
                                sse=name == "sse_c1",
                            )
                        )
            rss = server.rss_mb()
    results: dict[str, Any] = {
        side: {
            name: best(found, by="ttfb" if name == "sse_c1" else "p50")
            for name, found in named.items()
        }
        for side, named in runs.items()
    }
    results["rss_mb"] = rss
    results["recordings_written"] = len(list(record_dir.rglob("*.yaml")))
    return results


# -- memory under a mixed synthesize load (bench/memory.py) ----------------------------------


def memory_section(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """``mockapi serve`` under 2,000 mixed requests, its RSS read along the way."""
    return memory.run()


# -- a 50,000-line chat batch on a synthesize server (bench/batch.py) -------------------------


def batch_section(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """A chat batch (50,000 lines; 5,000 in a quick run): time and peak RSS, state in
    memory and in SQLite."""
    return batch.run(plan.batch_lines)


# -- vector store search (bench/vector_search.py) ---------------------------------------------


def vector_section(plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """Vector store search over 1,000 files of 10 KB (200 in a quick run):
    ``bench.vector_search.run()``."""
    try:
        module = importlib.import_module("bench.vector_search")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.vector_search":
            raise
        return {"status": "n/a (bench/vector_search.py is not there yet)"}
    result: dict[str, Any] = module.run(plan.vector_files) if plan is QUICK else module.run()
    return result


SECTIONS: dict[str, Any] = {
    "compare": compare,
    "scaling": scaling,
    "plugin": plugin,
    "proxy": proxy,
    "memory": memory_section,
    "vector": vector_section,
    "batch": batch_section,
}


def _section(name: str, plan: Plan, load: LoadGenerator, work: Path) -> dict[str, Any]:
    """One section's figures; a section that fails is reported as failed (its budget
    lines then say so) and the run goes on to the next."""
    try:
        if name == "plugin":
            result: dict[str, Any] = plugin(plan, work)
        else:
            result = SECTIONS[name](plan, load, work)
    except Exception as exc:
        log(traceback.format_exc())
        return {"status": f"failed: {type(exc).__name__}: {str(exc)[:500]}"}
    return result


def _keep_bytecode() -> None:
    """Every process the run starts keeps its bytecode, as an installed package does (a
    shell's PYTHONDONTWRITEBYTECODE would time recompiling mockapi at each start up and
    each pytest run instead), in a cache of its own out of the source tree."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = Path(tempfile.gettempdir()) / "mockapi-bench-pycache"
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(cache))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (~3 min)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write JSON")
    parser.add_argument(
        "--no-wrk",
        action="store_true",
        help="use bench/load.py even when wrk is installed (its ratios are then n/a)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable; the others are left out of the report)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the README's Performance section (header, tables, budget) instead",
    )
    args = parser.parse_args(argv)
    _keep_bytecode()
    plan = QUICK if args.quick else FULL
    sections = args.only or list(SECTIONS)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mockapi-bench-") as tmp:
        work = Path(tmp)
        load = LoadGenerator(work, use_wrk=not args.no_wrk)
        results: dict[str, Any] = {
            "command": shlex.join(["python", "-m", "bench", *(argv or sys.argv[1:])]),
            "run": "quick" if args.quick else "full",
            "machine": machine(),
            "load_generator": load.name,
            "plan": plan.__dict__,
        }
        log(f"[bench] {results['run']} run; load generator: {load.name}")
        results["section_s"] = {}
        for section in sections:
            log(f"[{section}]")
            started = time.perf_counter()
            results[section] = _section(section, plan, load, work)
            results["section_s"][section] = round(time.perf_counter() - started, 1)
    results["budget"] = budget(results)
    results["elapsed_s"] = round(time.perf_counter() - began, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    if args.markdown:
        print(markdown(results))
    else:
        print(header(results) + "\n")
        print(table(results))
        print()
        print(budget_text(results["budget"]))
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0
