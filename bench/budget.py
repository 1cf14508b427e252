"""The budget of issues 5, 15 and 21, line by line: each ``met``, ``MISS`` or ``n/a``.

A line is ``n/a`` when its figure cannot say anything: the load generator, not the
server, was the bottleneck (:func:`bench.ceiling.bottleneck`), a peer is not installed,
or the section failed; the text says which. Every line keeps its figure and its limit.
"""

from __future__ import annotations

import operator
import statistics
from collections.abc import Callable
from typing import Any

from bench.ceiling import figure_bottleneck

Line = dict[str, Any]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
}


def get(data: Any, *path: str) -> float | None:
    """The number at ``path`` in nested dicts, or None."""
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def fmt(value: float | None, unit: str = "ms") -> str:
    if value is None:
        return "n/a"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.2f} ms"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def line(
    text: str,
    figure: float | None,
    test: str,
    limit: float,
    shown: str,
    *,
    unavailable: str | None = None,
) -> Line:
    """One budget line: ``figure test limit`` (e.g. ``0.74 >= 0.7``), or n/a and why."""
    if unavailable is not None:
        verdict, met = "n/a", False
        shown = f"n/a ({unavailable}); measured {shown}"
    else:
        met = figure is not None and _COMPARE[test](figure, limit)
        verdict = "met" if met else "MISS"
    return {
        "line": text,
        "figure": figure,
        "test": test,
        "limit": limit,
        "text": shown,
        "met": met,
        "verdict": verdict,
    }


def _failed(section: str, data: Any) -> Line | None:
    """The one n/a line of a section that did not produce figures."""
    status = data.get("status", "ok") if isinstance(data, dict) else "failed: no figures"
    if not str(status).startswith(("n/a", "failed", "error")):
        return None
    first = str(status).splitlines()[0]
    return line(f"{section} section", None, ">=", 0, "-", unavailable=first)


def why_na(ceiling: Any, key: str, **servers: Any) -> str | None:
    """Why a ratio of these servers' ``key`` figures is n/a (the first reason found:
    their load generator or the machine, not the servers, set a figure), or None."""
    for name, data in servers.items():
        figure = data.get(key) if isinstance(data, dict) else None
        reason = figure_bottleneck(figure, ceiling.get(key), many=not key.endswith("_c1"))
        if reason:
            return f"{name}: {reason}"
    return None


def _rounds(run: dict[str, Any] | None, key: str) -> list[float]:
    found = (run or {}).get(key) or []
    return [float(x) for x in found if isinstance(x, (int, float)) and not isinstance(x, bool)]


def paired_ratio(
    mine: dict[str, Any] | None, theirs: dict[str, Any] | None, key: str, *, fallback: str
) -> float | None:
    """The median of each round's ratio ``mine / theirs`` of the figure ``key`` keeps for
    every round (``p99_of_each_round``): the rounds run in turns, so each pair met the
    same spell of the machine, and one lucky or unlucky round moves the median little
    (each side's best round could come from moments a minute apart). Without per-round
    figures, the ratio of the runs' own ``fallback`` figures (``latency_ms.p99``)."""
    a, b = _rounds(mine, key), _rounds(theirs, key)
    pairs = [x / y for x, y in zip(a, b, strict=False) if y > 0]
    if pairs and len(a) == len(b):
        return statistics.median(pairs)
    return ratio(get(mine, *fallback.split(".")), get(theirs, *fallback.split(".")))


def _compare(data: dict[str, Any], plan: dict[str, Any]) -> list[Line]:
    lines: list[Line] = []
    stack = data["default_stack"]
    ref, mock = data["reference"][stack], data["mockapi"][stack]
    ceiling = data.get("ceiling", {})
    peer = data.get("aimock", {})
    for c in (32, 1):
        key = f"json_c{c}"
        r, m = get(ref, key, "rps"), get(mock, key, "rps")
        why = why_na(ceiling, key, reference=ref, mockapi=mock)
        shown = f"{fmt(ratio(m, r), 'x')} ({fmt(m, 'req/s')} vs {fmt(r, 'req/s')})"
        text = f"replay at c={c} >= 0.7x the reference's req/s ({stack})"
        lines.append(line(text, ratio(m, r), ">=", 0.7, shown, unavailable=why))
    for c in (32, 1):
        key = f"json_c{c}"
        text = f"replay at c={c} above aimock's req/s"
        m, a = get(mock, key, "rps"), get(peer, key, "rps")
        shown = f"{fmt(ratio(m, a), 'x')} ({fmt(m, 'req/s')} vs {fmt(a, 'req/s')})"
        if peer.get("status", "ok") != "ok":
            why = str(peer["status"]).removeprefix("n/a (").removesuffix(")")
        else:
            why = why_na(ceiling, key, aimock=peer, mockapi=mock)
        lines.append(line(text, ratio(m, a), ">", 1.0, shown, unavailable=why))
    for c in (1, 32):
        key = f"json_c{c}"
        tails = "p99_of_each_round"
        figure = paired_ratio(mock.get(key), ref.get(key), tails, fallback="latency_ms.p99")
        mine, theirs = _rounds(mock.get(key), tails), _rounds(ref.get(key), tails)
        why = why_na(ceiling, key, reference=ref, mockapi=mock)
        rounds = ", ".join(f"{x:.2f}/{y:.2f}" for x, y in zip(mine, theirs, strict=False))
        each = f"mockapi/reference: {rounds} ms"
        shown = f"{fmt(figure, 'x')}, the median of the rounds' ratios ({each})"
        text = f"replay p99 at c={c} <= 1.5x the reference's ({stack})"
        lines.append(line(text, figure, "<=", 1.5, shown, unavailable=why))
    others = [s for s in data["stacks"] if s != stack]
    for other in others:
        a, b = get(mock, "json_c32", "rps"), get(data["mockapi"].get(other), "json_c32", "rps")
        shown = f"{fmt(a, 'req/s')} vs {fmt(b, 'req/s')} under {other}"
        text = f"mockapi serve's stack ({stack}) is the faster (mockapi, c=32)"
        lines.append(line(text, ratio(a, b), ">=", 1.0, shown))
    count = plan["open_streams"]
    for which, servers in (("reference", data["reference"]), ("mockapi", data["mockapi"])):
        burst = servers[stack].get("open_streams", {})
        done = burst.get("requests", 0) if not burst.get("errors") else -1
        shown = f"{burst.get('requests', 0)} complete, {burst.get('errors', '?')} errors"
        text = f"{count} open streams all complete ({which})"
        lines.append(line(text, done, ">=", count, shown))
    return lines


def _ends(scale: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The smallest and the largest library of the scaling section."""
    ordered = sorted(scale.values(), key=lambda s: int(s["fixtures"]))
    return ordered[0], ordered[-1]


def _scaling(data: dict[str, Any]) -> list[Line]:
    small, large = _ends(data)
    n, m = f"{large['fixtures']:,}", f"{small['fixtures']:,}"
    rounds = "p50_of_each_round"
    hit = paired_ratio(large.get("hit"), small.get("hit"), rounds, fallback="latency_ms.p50")
    pairs = zip(_rounds(large.get("hit"), rounds), _rounds(small.get("hit"), rounds), strict=False)
    each = ", ".join(f"{x:.3f}/{y:.3f}" for x, y in pairs)
    shown = f"{fmt(hit, 'x')}, the median of the rounds' ratios (ms, {n}/{m}: {each})"
    miss = get(large, "near_miss", "latency_ms", "p50")
    first, build = get(large, "startup_s"), get(large, "build_s")
    start, again = get(large, "second_startup_s"), get(large, "second_build_s")
    rss = get(large, "rss_loaded_mb")
    return [
        line(f"hit p50 with {n} fixtures within 10% of {m}", hit, "<=", 1.1, shown),
        line(f"near-miss report p50 with {n} fixtures < 50 ms", miss, "<", 50, fmt(miss)),
        line(
            f"start-up with {n} fixtures < 1 s to the first answer (a second start: "
            "their decoded files cached)",
            start,
            "<",
            1.0,
            f"{fmt(start, 's')} from process start ({fmt(again, 's')} in build); the first "
            f"start of the directory {fmt(first, 's')} ({fmt(build, 's')} in build)",
        ),
        line(f"RSS with {n} fixtures < 100 MB", rss, "<", 100, fmt(rss, "MB")),
    ]


def _plugin(data: dict[str, Any]) -> list[Line]:
    added = get(data, "added_s")
    shown = f"+{fmt(added, 's')}" if added is not None else "n/a"
    return [line("pytest plugin adds < 0.5 s to a session", added, "<", 0.5, shown)]


def _proxy(data: dict[str, Any]) -> list[Line]:
    lines = []
    for text, path in (
        ("proxy mode adds < 2 ms p50 (chat, c=1)", ("json_c1", "latency_ms", "p50")),
        ("proxy forwards the first streamed event within 2 ms", ("sse_c1", "ttfb_ms", "p50")),
    ):
        before, after = get(data["direct"], *path), get(data["via_mockapi"], *path)
        added = after - before if after is not None and before is not None else None
        shown = f"+{fmt(added)} ({fmt(after)} vs {fmt(before)} direct)"
        lines.append(line(text, added, "<", 2.0, shown))
    return lines


def _memory(data: dict[str, Any]) -> list[Line]:
    rss = get(data, "rss_mb", str(data["requests"])) if not data["errors"] else None
    shown = fmt(rss, "MB") if not data["errors"] else f"{data['errors']} errors"
    text = f"RSS after {data['requests']:,} mixed requests < {data['budget_mb']:.0f} MB"
    return [line(text, rss, "<", data["budget_mb"], shown)]


def vector_p50(data: dict[str, Any]) -> float | None:
    """The search p50 in ms of ``bench.vector_search.run()``'s result, wherever it is."""
    for path in (
        ("p50_ms",),
        ("latency_ms", "p50"),
        ("search", "p50_ms"),
        ("search", "latency_ms", "p50"),
    ):
        found = get(data, *path)
        if found is not None:
            return found
    return None


def _vector(data: dict[str, Any]) -> list[Line]:
    p50 = vector_p50(data)
    files = data.get("files", 1_000)
    size = round(data.get("file_bytes", 10_240) / 1024)
    text = f"vector store search over {files:,} files of {size} KB: p50 < 20 ms"
    return [line(text, p50, "<", 20, fmt(p50))]


def _batch(data: dict[str, Any]) -> list[Line]:
    run = data["memory_store"]
    lines = data["lines"]
    seconds = get(run, "seconds") if run.get("adds_up") else None
    shown = f"{fmt(seconds, 's')}" if run.get("adds_up") else "counts do not add up"
    growth = batch_growth(run)
    rss = run.get("rss_mb", {})
    return [
        line(f"{lines:,}-line chat batch < 15 s (state in memory)", seconds, "<", 15, shown),
        line(
            f"{lines:,}-line chat batch: peak RSS growth < 100 MB",
            growth,
            "<",
            100,
            f"+{fmt(growth, 'MB')} ({rss.get('peak')} MB peak, {rss.get('start')} MB "
            "when it first answered)",
        ),
    ]


def batch_growth(run: dict[str, Any]) -> float | None:
    """Peak RSS during the batch minus the RSS when the server first answered."""
    peak, start = get(run, "rss_mb", "peak"), get(run, "rss_mb", "start")
    return round(peak - start, 1) if peak is not None and start is not None else None


_SECTIONS: dict[str, Callable[[dict[str, Any]], list[Line]]] = {
    "scaling": _scaling,
    "plugin": _plugin,
    "proxy": _proxy,
    "memory": _memory,
    "vector": _vector,
    "batch": _batch,
}


def budget(results: dict[str, Any]) -> list[Line]:
    """Every budget line of the sections that ran."""
    lines: list[Line] = []
    if "compare" in results:
        failed = _failed("compare", results["compare"])
        lines += [failed] if failed else _compare(results["compare"], results["plan"])
    for section, make in _SECTIONS.items():
        if section in results:
            failed = _failed(section, results[section])
            lines += [failed] if failed else make(results[section])
    return lines


def budget_text(lines: list[Line]) -> str:
    """One line each: ``[met ]``, ``[MISS]`` or ``[n/a ]``, then a count of each."""
    out = [f"[{b['verdict']:<4}] {b['line']}: {b['text']}" for b in lines]
    counts = {v: sum(b["verdict"] == v for b in lines) for v in ("met", "MISS", "n/a")}
    out.append(", ".join(f"{n} {v}" for v, n in counts.items()))
    return "\n".join(out)
