"""The benchmark's results as a Markdown table; the budget of issues 5 and 15, line by line."""

from __future__ import annotations

from typing import Any

from bench import batch

Row = tuple[str, str, str, str]


def _get(data: Any, *path: str) -> float | None:
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) else None


def _fmt(value: float | None, unit: str = "ms") -> str:
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


def _added(after: float | None, before: float | None, unit: str = "ms") -> str:
    if after is None or before is None:
        return "n/a"
    sign = "+" if after >= before else "-"
    return f"{sign}{_fmt(abs(after - before), unit)}"


def _pair(label: str, a: Any, b: Any, path: tuple[str, ...], unit: str = "ms") -> Row:
    x, y = _get(a, *path), _get(b, *path)
    return label, _fmt(x, unit), _fmt(y, unit), _ratio(y, x)


def _ends(scale: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The smallest and the largest library of the scaling section."""
    ordered = sorted(scale.values(), key=lambda s: int(s["fixtures"]))
    return ordered[0], ordered[-1]


def _compare_rows(results: dict[str, Any]) -> list[Row]:
    ref, mock = results["compare"]["reference"], results["compare"]["mockapi"]
    rows: list[Row] = []
    for c in (1, 32):
        key = f"json_c{c}"
        rows.append(_pair(f"chat, c={c}: throughput", ref, mock, (key, "rps"), "req/s"))
        rows.append(_pair(f"chat, c={c}: latency p50", ref, mock, (key, "latency_ms", "p50")))
        rows.append(_pair(f"chat, c={c}: latency p99", ref, mock, (key, "latency_ms", "p99")))
    for c in (1, 32):
        key = f"sse_c{c}"
        label = f"20-event stream, c={c}"
        rows.append(_pair(f"{label}: first event p50", ref, mock, (key, "ttfb_ms", "p50")))
        rows.append(_pair(f"{label}: total p50", ref, mock, (key, "latency_ms", "p50")))
        rows.append(_pair(f"{label}: streams/s", ref, mock, (key, "rps"), "req/s"))
    cells = []
    for data in (ref, mock):
        burst = data["open_streams"]
        cells.append(
            f"{burst['requests']} done, {burst['errors']} errors, "
            f"{burst.get('max_open', 0)} open at once, {burst.get('wall_s', 0):.2f} s"
        )
    count = results["plan"]["open_streams"]
    rows.append((f"{count} paced streams held open", cells[0], cells[1], ""))
    rows.append(_pair("server RSS after all the above", ref, mock, ("rss_mb",), "MB"))
    return rows


def _scaling_rows(results: dict[str, Any]) -> list[Row]:
    small, large = _ends(results["scaling"])
    rows: list[Row] = [
        (
            "**fixture scaling**",
            f"**{small['fixtures']:,} fixtures**",
            f"**{large['fixtures']:,} fixtures**",
            "",
        ),
        _pair("start-up: time inside build", small, large, ("build_s",), "s"),
        _pair("start-up: process start to first answer", small, large, ("startup_s",), "s"),
        _pair("hit latency p50 (c=1)", small, large, ("hit", "latency_ms", "p50")),
        _pair("near-miss report p50 (c=1)", small, large, ("near_miss", "latency_ms", "p50")),
        _pair("RSS once loaded", small, large, ("rss_loaded_mb",), "MB"),
    ]
    return rows


def _plugin_rows(results: dict[str, Any]) -> list[Row]:
    plug = results["plugin"]
    rows: list[Row] = [
        ("**pytest plugin**", "**without fixture**", "**with fixture**", "**added**")
    ]
    if plug.get("status") != "ok":
        rows.append(("pytest session, one trivial test", plug["status"].splitlines()[0], "", ""))
        return rows
    without, with_ = plug["without_fixture_s"], plug["with_fixture_s"]
    label = f"pytest session, one trivial test (median of {plug['runs']})"
    rows.append((label, _fmt(without, "s"), _fmt(with_, "s"), _added(with_, without, "s")))
    return rows


def _proxy_rows(results: dict[str, Any]) -> list[Row]:
    direct, via = results["proxy"]["direct"], results["proxy"]["via_mockapi"]
    rows: list[Row] = [
        ("**proxy (record all)**", "**upstream direct**", "**via mockapi**", "**added**")
    ]
    for label, path in (
        ("chat latency p50 (c=1)", ("json_c1", "latency_ms", "p50")),
        ("stream: first event p50 (c=1)", ("sse_c1", "ttfb_ms", "p50")),
        ("stream: total p50 (c=1)", ("sse_c1", "latency_ms", "p50")),
    ):
        a, b = _get(direct, *path), _get(via, *path)
        rows.append((label, _fmt(a), _fmt(b), _added(b, a)))
    return rows


def _memory_rows(results: dict[str, Any]) -> list[Row]:
    mem = results["memory"]
    rows: list[Row] = [(f"**memory: {mem['requests']:,} mixed requests**", "", "**RSS**", "")]
    for mark, rss in mem["rss_mb"].items():
        label = "server RSS when it first answers" if mark == "start" else f"after {int(mark):,}"
        rows.append((label, "", _fmt(rss, "MB"), ""))
    rows.append(("errors", "", str(mem["errors"]), ""))
    return rows


def table(results: dict[str, Any]) -> str:
    """Every figure measured, with the ratio (or the difference) beside it."""
    rows: list[Row] = []
    for section, make in (
        ("compare", _compare_rows),
        ("scaling", _scaling_rows),
        ("plugin", _plugin_rows),
        ("proxy", _proxy_rows),
        ("memory", _memory_rows),
        ("batch", lambda results: batch.rows(results["batch"])),
    ):
        if section in results:
            rows.extend(make(results))
    head = ("measure", "reference", "mockapi", "mockapi/reference")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]

    def line(row: Row | tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def budget(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 5's budget: each line with its figure and whether it is met."""
    lines: list[dict[str, Any]] = []

    def add(line: str, figure: float | None, limit: float, text: str, *, most: bool) -> None:
        met = figure is not None and (figure < limit if most else figure >= limit)
        lines.append({"line": line, "figure": figure, "limit": limit, "text": text, "met": met})

    if "compare" in results:
        ref, mock = results["compare"]["reference"], results["compare"]["mockapi"]
        r32, m32 = _get(ref, "json_c32", "rps"), _get(mock, "json_c32", "rps")
        ratio = m32 / r32 if m32 is not None and r32 else None
        text = f"{_ratio(m32, r32)} ({_fmt(m32, 'req/s')} vs {_fmt(r32, 'req/s')})"
        add("replay throughput at c=32 >= 0.7x the reference's", ratio, 0.7, text, most=False)
        count = results["plan"]["open_streams"]
        for which, data in (("reference", ref), ("mockapi", mock)):
            burst = data["open_streams"]
            done = burst["requests"] if not burst["errors"] else -1
            text = f"{burst['requests']} complete, {burst['errors']} errors"
            add(f"{count} open streams all complete ({which})", done, count, text, most=False)
    if "scaling" in results:
        small, large = _ends(results["scaling"])
        n, m = f"{large['fixtures']:,}", f"{small['fixtures']:,}"
        hit_s, hit_l = (_get(x, "hit", "latency_ms", "p50") for x in (small, large))
        ratio = hit_l / hit_s if hit_l is not None and hit_s else None
        text = f"{_ratio(hit_l, hit_s)} ({_fmt(hit_l)} vs {_fmt(hit_s)})"
        add(f"hit p50 with {n} fixtures within 10% of {m}", ratio, 1.1, text, most=True)
        miss = _get(large, "near_miss", "latency_ms", "p50")
        add(f"near-miss report p50 with {n} fixtures < 50 ms", miss, 50, _fmt(miss), most=True)
        build, start = _get(large, "build_s"), _get(large, "startup_s")
        text = f"{_fmt(build, 's')} in build; {_fmt(start, 's')} from process start"
        add(f"start-up with {n} fixtures < 1 s", build, 1.0, text, most=True)
        rss = _get(large, "rss_loaded_mb")
        add(f"RSS with {n} fixtures < 150 MB", rss, 150, _fmt(rss, "MB"), most=True)
    if "proxy" in results:
        direct, via = results["proxy"]["direct"], results["proxy"]["via_mockapi"]
        for line, path, limit in (
            ("proxy mode adds < 2 ms p50", ("json_c1", "latency_ms", "p50"), 2.0),
            ("proxy forwards the first event within 5 ms", ("sse_c1", "ttfb_ms", "p50"), 5.0),
        ):
            before, after = _get(direct, *path), _get(via, *path)
            added = after - before if after is not None and before is not None else None
            add(line, added, limit, _added(after, before), most=True)
    if "memory" in results:
        mem = results["memory"]
        last = str(mem["requests"])
        rss = _get(mem, "rss_mb", last) if not mem["errors"] else None
        text = _fmt(rss, "MB") if not mem["errors"] else f"{mem['errors']} errors"
        line = f"RSS after {mem['requests']:,} mixed requests < {mem['budget_mb']:.0f} MB"
        add(line, rss, mem["budget_mb"], text, most=True)
    return lines


def budget_text(lines: list[dict[str, Any]]) -> str:
    return "\n".join(f"[{'met ' if b['met'] else 'MISS'}] {b['line']}: {b['text']}" for b in lines)
