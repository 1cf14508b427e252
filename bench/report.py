"""The benchmark's results as text: a header (date, machine, commit), one Markdown table
per section, the budget lines (:mod:`bench.budget`), and the README's Performance section
(``python -m bench --markdown``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from bench import batch
from bench.budget import Line, batch_growth, budget, budget_text, fmt, get, ratio, why_na

__all__ = ["budget", "budget_text", "header", "markdown", "table"]

Row = tuple[str, ...]
BUSY = 0.5
"""A load average per core above this at the start: the header says the figures are noisy."""


def _x(a: float | None, b: float | None, *, bound: str | None = None) -> str:
    value = ratio(a, b)
    if value is None:
        return "n/a"
    if not bound:
        return f"{value:.2f}x"
    who, kind = bound.split(": ")[:2]  # "reference: machine busy: the server used ..."
    return f"{value:.2f}x (n/a: {who} {kind.removesuffix('?')})"


def _added(after: float | None, before: float | None, unit: str = "ms") -> str:
    if after is None or before is None:
        return "n/a"
    sign = "+" if after >= before else "-"
    return f"{sign}{fmt(abs(after - before), unit)}"


def _p50_p99(data: Any, key: str) -> str:
    p50, p99 = get(data, key, "latency_ms", "p50"), get(data, key, "latency_ms", "p99")
    return "n/a" if p50 is None or p99 is None else f"{p50:.2f} / {p99:.2f} ms"


def _p_ratio(a: Any, b: Any, key: str) -> str:
    parts = [_x(get(a, key, "latency_ms", p), get(b, key, "latency_ms", p)) for p in ("p50", "p99")]
    return " / ".join(parts)


def _cpu(data: Any, key: str) -> str:
    gen, server = get(data, key, "generator_cpu"), get(data, key, "server_cpu")
    if gen is None:
        return ""
    return f"generator {gen:.0%}" + (f", server {server:.0%}" if server is not None else "")


def _compare(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    stack = data["default_stack"]
    ceiling = data.get("ceiling", {})
    peer = data.get("aimock", {})
    has_peer = peer.get("status", "ok") == "ok"
    rows: list[Row] = [
        ("chat completion", "reference", "mockapi", "mockapi/reference", "aimock", "mockapi/aimock")
    ]
    for name in data["stacks"]:
        ref, mock = data["reference"][name], data["mockapi"][name]
        other = peer if has_peer and name == stack else None
        for c in (32, 1):
            key = f"json_c{c}"
            r, m = get(ref, key, "rps"), get(mock, key, "rps")
            a = get(other, key, "rps")
            bound = why_na(ceiling, key, reference=ref, mockapi=mock)
            peer_bound = why_na(ceiling, key, aimock=other, mockapi=mock) if other else None
            rows.append(
                (
                    f"c={c}, {name}: requests/s",
                    fmt(r, "req/s"),
                    fmt(m, "req/s"),
                    _x(m, r, bound=bound),
                    fmt(a, "req/s") if other else "",
                    _x(m, a, bound=peer_bound) if other else "",
                )
            )
            rows.append(
                (
                    f"c={c}, {name}: latency p50 / p99",
                    _p50_p99(ref, key),
                    _p50_p99(mock, key),
                    _p_ratio(mock, ref, key),
                    _p50_p99(other, key) if other else "",
                    _p_ratio(mock, other, key) if other else "",
                )
            )
            rows.append(
                (
                    f"c={c}, {name}: CPU used (one core = 100%)",
                    _cpu(ref, key),
                    _cpu(mock, key),
                    "",
                    _cpu(other, key) if other else "",
                    "",
                )
            )
    ref, mock = data["reference"][stack], data["mockapi"][stack]
    for c in (1, 32):
        key = f"sse_c{c}"
        label = f"c={c}, {stack}: 20-event stream"
        for what, path, unit in (
            ("first event p50", ("ttfb_ms", "p50"), "ms"),
            ("total p50", ("latency_ms", "p50"), "ms"),
            ("streams/s", ("rps",), "req/s"),
        ):
            r, m = get(ref, key, *path), get(mock, key, *path)
            rows.append((f"{label}: {what}", fmt(r, unit), fmt(m, unit), _x(m, r), "", ""))
    cells = []
    for server in (ref, mock):
        burst = server.get("open_streams", {})
        cells.append(
            f"{burst.get('requests', 0)} done, {burst.get('errors', '?')} errors, "
            f"{burst.get('max_open', 0)} open at once, {burst.get('wall_s', 0):.2f} s"
        )
    rows.append((f"{plan['open_streams']} paced streams held open", *cells, "", "", ""))
    for label, path, unit in (
        ("process start to first answer", ("startup_s",), "s"),
        ("RSS after the above", ("rss_mb",), "MB"),
    ):
        r, m, a = get(ref, *path), get(mock, *path), get(peer, *path)
        rows.append((label, fmt(r, unit), fmt(m, unit), _x(m, r), fmt(a, unit), _x(m, a)))
    sizes = [get(x, "json_c32", "answer_bytes") for x in (ref, mock, peer)]
    shown = [f"{s:,.0f} bytes" if s is not None else "n/a" for s in sizes]
    rows.append(("chat answer body", shown[0], shown[1], "", shown[2], ""))
    for c in (32, 1):
        top = get(ceiling, f"json_c{c}", "rps")
        label = f"c={c}: load generator's ceiling (a trivial server)"
        rows.append((label, fmt(top, "req/s"), "", "", "", ""))
    if not has_peer:
        rows.append(("aimock", "", "", "", str(peer.get("status")), ""))
    return rows


def _ends(scale: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ordered = sorted(scale.values(), key=lambda s: int(s["fixtures"]))
    return ordered[0], ordered[-1]


def _scaling(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    small, large = _ends(data)
    rows: list[Row] = [
        (
            "fixture scaling",
            f"{small['fixtures']:,} fixtures",
            f"{large['fixtures']:,} fixtures",
            "",
        )
    ]
    for label, path, unit in (
        ("first start: time inside build", ("build_s",), "s"),
        ("first start: process start to first answer", ("startup_s",), "s"),
        ("second start (files cached): time inside build", ("second_build_s",), "s"),
        ("second start: process start to first answer", ("second_startup_s",), "s"),
        ("hit latency p50 (c=1)", ("hit", "latency_ms", "p50"), "ms"),
        ("near-miss report p50 (c=1)", ("near_miss", "latency_ms", "p50"), "ms"),
        ("RSS once loaded", ("rss_loaded_mb",), "MB"),
    ):
        a, b = get(small, *path), get(large, *path)
        rows.append((label, fmt(a, unit), fmt(b, unit), _x(b, a)))
    return rows


def _plugin(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [("pytest plugin", "without fixture", "with fixture", "added")]
    without, with_ = get(data, "without_fixture_s"), get(data, "with_fixture_s")
    added = get(data, "added_s")
    label = f"pytest session, one trivial test (medians of {data.get('runs')} pairs, in turns)"
    shown = _added(added, 0.0, "s") if added is not None else _added(with_, without, "s")
    rows.append((label, fmt(without, "s"), fmt(with_, "s"), shown))
    return rows


def _proxy(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    direct, via = data["direct"], data["via_mockapi"]
    rows: list[Row] = [("proxy (record all)", "upstream direct", "via mockapi", "added")]
    for label, path in (
        ("chat latency p50 (c=1)", ("json_c1", "latency_ms", "p50")),
        ("stream: first event p50 (c=1)", ("sse_c1", "ttfb_ms", "p50")),
        ("stream: total p50 (c=1)", ("sse_c1", "latency_ms", "p50")),
    ):
        a, b = get(direct, *path), get(via, *path)
        rows.append((label, fmt(a), fmt(b), _added(b, a)))
    return rows


def _memory(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [(f"memory: {data['requests']:,} mixed requests", "RSS")]
    for mark, rss in data["rss_mb"].items():
        label = "server RSS when it first answers" if mark == "start" else f"after {int(mark):,}"
        rows.append((label, fmt(rss, "MB")))
    rows.append(("errors", str(data["errors"])))
    return rows


def _vector(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    """``bench.vector_search.rows`` when it reads these figures, else every figure."""
    try:
        module = importlib.import_module("bench.vector_search")
        made: list[Row] = [tuple(row) for row in module.rows(data)]
    except (ImportError, AttributeError, KeyError):
        return [("vector store search", "figure"), *_leaves(data)]
    return [(made[0][0].strip("*"), *made[0][1:]), *made[1:]]


def _leaves(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Every number and short string of a nested result, as ``a.b: value`` rows."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _leaves(value, f"{name}.")
        elif isinstance(value, float):
            out.append((name, f"{value:,.3f}".rstrip("0").rstrip(".")))
        elif isinstance(value, (int, str)) and len(str(value)) <= 80:
            out.append((name, f"{value:,}" if isinstance(value, int) else value))
    return out


def _batch(data: dict[str, Any], plan: dict[str, Any]) -> list[Row]:
    rows: list[Row] = list(batch.rows(data))
    head = rows[0][0].strip("*")
    rows[0] = (head, "", "figure", "")
    growth = batch_growth(data["memory_store"])
    rows.append(("state in memory: peak RSS growth", "", _added(growth, 0.0, "MB"), ""))
    return rows


_TABLES: dict[str, Callable[[dict[str, Any], dict[str, Any]], list[Row]]] = {
    "compare": _compare,
    "scaling": _scaling,
    "plugin": _plugin,
    "proxy": _proxy,
    "memory": _memory,
    "vector": _vector,
    "batch": _batch,
}


def _markdown(rows: list[Row]) -> str:
    width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def show(row: Row) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, width, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in width) + "|"
    return "\n".join([show(rows[0]), rule, *(show(r) for r in rows[1:])])


def table(results: dict[str, Any]) -> str:
    """Every figure measured, one table per section, the ratio or difference beside it."""
    out = []
    for section, make in _TABLES.items():
        data = results.get(section)
        if not isinstance(data, dict):
            continue
        status = str(data.get("status", "ok"))
        if status.startswith(("n/a", "failed", "error")):
            out.append(_markdown([(section, "status"), ("", status.splitlines()[0])]))
            continue
        out.append(_markdown(make(data, results.get("plan", {}))))
    return "\n\n".join(out)


def header(results: dict[str, Any]) -> str:
    """What, when, where and at which commit: the lines above the tables."""
    m = results["machine"]
    peer = results.get("compare", {}).get("aimock", {}) if "compare" in results else {}
    rounds = results.get("plan", {}).get("rounds")
    lines = [
        f"mockapi benchmark: {results.get('run', 'full')} run, {m.get('date')}, commit "
        f"{m.get('commit')}, {results.get('elapsed_s', '?')} s",
        f"machine: {m['nproc']} cores ({m['cpu']}), {m.get('memory_gb')} GB, {m['platform']}; "
        f"Python {m['python']}, uvicorn {m['uvicorn']} (mockapi serve: "
        f"{m['uvicorn_loop_http']}), node {m.get('node')}"
        + (f", aimock {peer['version']}" if peer.get("version") else ""),
        f"load generator: {results['load_generator']} ({m.get('wrk')}); best of {rounds} "
        "alternating rounds",
    ]
    took = results.get("section_s") or {}
    if took:
        lines.append("sections: " + ", ".join(f"{name} {s:.0f} s" for name, s in took.items()))
    load = (m.get("load_average") or [0])[0]
    if load / max(1, m["nproc"]) > BUSY:
        lines.append(
            f"NOTE: the machine was busy (load average {load} on {m['nproc']} cores at the "
            "start): throughput and latency figures are noisy"
        )
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The README's Performance section for this run: where it ran, the tables, the budget."""
    lines: list[Line] = results.get("budget") or budget(results)
    verdicts = "\n".join(f"- **{b['verdict']}**: {b['line']}: {b['text']}" for b in lines)
    return (
        "```\n"
        + header(results)
        + "\n```\n\n"
        + table(results)
        + "\n\nThe budget (`python -m bench`):\n\n"
        + verdicts
        + "\n"
    )
