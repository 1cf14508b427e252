"""The benchmark's budget: when a ratio is refused (the load generator or a busy machine,
not the server, set a figure), the lines' verdicts, and aimock's fixture (pure functions
on figures; no timing)."""

from __future__ import annotations

import json
from typing import Any

import pytest

ceiling = pytest.importorskip("bench.ceiling", reason="bench/ is not part of the sdist")
budget = pytest.importorskip("bench.budget")
aimock = pytest.importorskip("bench.aimock")
payloads = pytest.importorskip("bench.payloads")
procs = pytest.importorskip("bench.procs")
rounds = pytest.importorskip("bench.rounds")
best = rounds.best

Figure = ceiling.Figure
SATURATED = Figure("wrk", 60_000.0, generator_cpu=0.97, server_cpu=0.4)


def test_a_server_well_under_the_ceiling_is_measured() -> None:
    figure = Figure("wrk", 20_000.0, generator_cpu=0.45, server_cpu=0.98)
    assert ceiling.bottleneck(figure, SATURATED, many=True) is None


def test_the_python_generator_is_never_trusted_for_a_ratio() -> None:
    figure = Figure("bench/load.py", 2_400.0, generator_cpu=0.99, server_cpu=0.6)
    reason = ceiling.bottleneck(figure, None, many=True)
    assert reason is not None and reason.startswith("load generator bound: bench/load.py")
    assert "apt-get install wrk" in reason


def test_a_figure_near_a_saturated_generators_ceiling_is_refused() -> None:
    figure = Figure("wrk", 50_000.0, generator_cpu=0.85, server_cpu=0.9)
    reason = ceiling.bottleneck(figure, SATURATED, many=True)
    assert reason is not None and "83% of the generator's ceiling (60,000 req/s" in reason


def test_a_ceiling_the_trivial_server_set_is_only_a_lower_bound() -> None:
    # The generator had CPU to spare measuring the ceiling: the trivial server was the
    # limit there, so a figure near it says nothing against the server.
    unsaturated = Figure("wrk", 60_000.0, generator_cpu=0.6, server_cpu=1.0)
    figure = Figure("wrk", 55_000.0, generator_cpu=0.7, server_cpu=1.0)
    assert ceiling.bottleneck(figure, unsaturated, many=True) is None


def test_a_saturated_generator_is_refused_without_a_ceiling() -> None:
    figure = Figure("wrk", 30_000.0, generator_cpu=0.95, server_cpu=0.7)
    reason = ceiling.bottleneck(figure, None, many=True)
    assert reason == "load generator bound: wrk used 95% of its core (limit 90%)"


def test_a_starved_server_is_refused_under_many_connections_only() -> None:
    figure = Figure("wrk", 5_000.0, generator_cpu=0.1, server_cpu=0.3)
    reason = ceiling.bottleneck(figure, SATURATED, many=True)
    assert reason is not None and reason.startswith("machine busy: the server used 30%")
    # At concurrency 1 a server waits on every round trip: a low share is normal.
    assert ceiling.bottleneck(figure, SATURATED, many=False) is None


def test_nothing_measured_about_the_generator_is_refused() -> None:
    figure = Figure("wrk", 5_000.0)
    reason = ceiling.bottleneck(figure, None, many=True)
    assert reason is not None and "neither its ceiling nor its CPU share" in reason


def _run(rps: float, p99: float, *, generator: str = "wrk", server_cpu: float = 0.99) -> Any:
    return {
        "rps": rps,
        "latency_ms": {"p50": 1.0, "p99": p99},
        "generator": generator,
        "generator_cpu": 0.4,
        "server_cpu": server_cpu,
    }


def _compare(mock_rps: float, *, generator: str = "wrk", peer: Any = None) -> dict[str, Any]:
    stack = "httptools+uvloop"
    burst = {"requests": 500, "errors": 0}
    ref = {f"json_c{c}": _run(20_000, 4.0, generator=generator) for c in (1, 32)}
    mock = {f"json_c{c}": _run(mock_rps, 5.0, generator=generator) for c in (1, 32)}
    return {
        "plan": {"open_streams": 500},
        "compare": {
            "default_stack": stack,
            "stacks": [stack],
            "ceiling": {f"json_c{c}": _run(90_000, 1.0) | {"generator_cpu": 0.97} for c in (1, 32)},
            "reference": {stack: {**ref, "open_streams": burst}},
            "mockapi": {stack: {**mock, "open_streams": burst}},
            "aimock": peer
            or {"status": "ok", **{f"json_c{c}": _run(12_000, 3.0) for c in (1, 32)}},
        },
    }


def _verdicts(results: dict[str, Any]) -> dict[str, str]:
    return {line["line"]: line["verdict"] for line in budget.budget(results)}


def test_the_compare_lines_are_met_or_missed_by_their_figures() -> None:
    met = _verdicts(_compare(15_000))
    assert met["replay at c=32 >= 0.7x the reference's req/s (httptools+uvloop)"] == "met"
    assert met["replay at c=1 above aimock's req/s"] == "met"
    assert met["replay p99 at c=32 <= 1.5x the reference's (httptools+uvloop)"] == "met"
    missed = _verdicts(_compare(11_000))
    assert missed["replay at c=32 >= 0.7x the reference's req/s (httptools+uvloop)"] == "MISS"
    assert missed["replay at c=32 above aimock's req/s"] == "MISS"


def test_p99_is_judged_on_the_median_of_the_rounds_ratios() -> None:
    results = _compare(15_000)
    servers = results["compare"]
    stack = servers["default_stack"]
    mine, theirs = servers["mockapi"][stack]["json_c1"], servers["reference"][stack]["json_c1"]
    line = "replay p99 at c=1 <= 1.5x the reference's (httptools+uvloop)"
    # Round by round (they run in turns): 7/4, 5.5/3, 9/4.5 -> 1.75x, 1.83x, 2.0x.
    mine["latency_ms"]["p99"] = 7.0
    mine["p99_of_each_round"] = [7.0, 5.5, 9.0]
    theirs["p99_of_each_round"] = [4.0, 3.0, 4.5]
    assert _verdicts(results)[line] == "MISS"
    # One lucky round of the reference (1.0 ms) no longer decides: 1.2x, 1.1x, 5.5x.
    mine["p99_of_each_round"] = [4.8, 5.5, 5.5]
    theirs["p99_of_each_round"] = [4.0, 5.0, 1.0]
    found = {entry["line"]: entry for entry in budget.budget(results)}[line]
    assert found["verdict"] == "met" and found["figure"] == pytest.approx(1.2)
    assert "4.80/4.00, 5.50/5.00, 5.50/1.00 ms" in found["text"]
    # Without the rounds' figures: the runs' own p99s (7.0 against the reference's).
    del mine["p99_of_each_round"]
    theirs["latency_ms"]["p99"] = 4.0
    assert _verdicts(results)[line] == "MISS"
    theirs["latency_ms"]["p99"] = 5.0
    assert _verdicts(results)[line] == "met"


def test_ratios_from_the_python_generator_are_na_not_met() -> None:
    results = _compare(15_000, generator="bench/load.py")
    lines = {line["line"]: line for line in budget.budget(results)}
    line = lines["replay at c=32 >= 0.7x the reference's req/s (httptools+uvloop)"]
    assert line["verdict"] == "n/a" and not line["met"]
    assert line["text"].startswith("n/a (reference: load generator bound: bench/load.py")
    text = budget.budget_text(list(lines.values()))
    assert "[n/a ] replay at c=32" in text


def test_without_aimock_its_lines_say_why() -> None:
    results = _compare(15_000, peer={"status": "n/a (aimock not installed: npm missing)"})
    lines = {line["line"]: line for line in budget.budget(results)}
    line = lines["replay at c=32 above aimock's req/s"]
    assert line["verdict"] == "n/a" and "aimock not installed: npm missing" in line["text"]


def test_a_failed_section_is_one_na_line() -> None:
    lines = budget.budget({"proxy": {"status": "failed: RuntimeError: boom\nmore"}})
    assert [(b["line"], b["verdict"]) for b in lines] == [("proxy section", "n/a")]
    assert lines[0]["text"].startswith("n/a (failed: RuntimeError: boom)")


def test_the_batch_lines_read_time_and_growth_from_the_first_answer() -> None:
    run = {"seconds": 12.0, "adds_up": True, "rss_mb": {"start": 130.0, "peak": 245.5}}
    lines = budget.budget({"batch": {"lines": 50_000, "memory_store": run}})
    assert [(b["figure"], b["verdict"]) for b in lines] == [(12.0, "met"), (115.5, "MISS")]


def test_aimocks_fixture_answers_the_benchmark_request_with_its_completion() -> None:
    (fixture,) = aimock.fixture_document()["fixtures"]
    request, completion = payloads.JSON_REQUEST, payloads.COMPLETION
    assert fixture["match"] == {
        "model": request["model"],
        "userMessage": request["messages"][-1]["content"],
    }
    answer = fixture["response"]
    assert answer["content"] == completion["choices"][0]["message"]["content"]
    assert (answer["id"], answer["created"], answer["model"]) == (
        completion["id"],
        completion["created"],
        completion["model"],
    )
    assert answer["usage"]["total_tokens"] == completion["usage"]["total_tokens"]
    json.dumps(aimock.fixture_document())  # a JSON fixture file


def test_wrk_reports_are_read_with_the_expected_status() -> None:
    report = """Running 1s test @ http://127.0.0.1:1/v1/chat/completions
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   110.00us   32.37us   1.45ms   89.79%
    Req/Sec     9.02k     0.96k    9.64k    66.67%
  Latency Distribution
     50%   82.00us
     75%   95.00us
     90%  120.00us
     99%    1.20ms
  9000 requests in 1.00s, 5.00MB read
  Non-2xx or 3xx responses: 9000
Requests/sec:   9000.00
Transfer/sec:      5.00MB
"""
    as_errors = procs.parse_wrk(report)
    expected = procs.parse_wrk(report, expect=404)
    assert (as_errors["errors"], expected["errors"]) == (9000, 0)
    assert expected["latency_ms"] == {"p50": 0.082, "p90": 0.12, "p99": 1.2, "mean": 0.11}
    assert expected["rps"] == 9000.0 and expected["generator"] == "wrk"


def test_the_report_shows_refused_ratios_and_where_the_run_was_made() -> None:
    report = pytest.importorskip("bench.report")
    results = _compare(15_000, generator="bench/load.py")
    results["machine"] = {
        "date": "2026-01-02 03:04 UTC",
        "commit": "abc1234",
        "nproc": 2,
        "cpu": "AMD EPYC",
        "memory_gb": 8.0,
        "platform": "linux 6.1",
        "python": "3.11.7",
        "uvicorn": "0.55.0",
        "uvicorn_loop_http": "uvloop + httptools",
        "load_average": [3.0, 1.0, 1.0],
    }
    results["load_generator"] = "bench/load.py"
    results["budget"] = budget.budget(results)
    text = report.markdown(results)
    assert "2026-01-02 03:04 UTC, commit abc1234" in text
    assert "the machine was busy (load average 3.0 on 2 cores" in text
    assert "| c=32, httptools+uvloop: requests/s" in text
    assert "0.75x (n/a: reference load generator bound)" in text  # 15,000 vs 20,000
    assert "- **n/a**: replay at c=32 >= 0.7x the reference's req/s" in text


def test_a_rounds_best_is_chosen_by_the_figure_compared() -> None:
    def run(rps: float, p50: float, ttfb: float | None) -> dict[str, Any]:
        ttfb_ms = {} if ttfb is None else {"p50": ttfb}
        return {"rps": rps, "latency_ms": {"p50": p50, "p99": p50 * 2}, "ttfb_ms": ttfb_ms}

    runs = [run(900, 58.0, 2.5), run(1000, 60.0, 1.2), run(800, 59.0, None)]
    assert best(runs, by="rps")["rps"] == 1000
    assert best(runs, by="p50")["latency_ms"]["p50"] == 58.0
    chosen = best(runs, by="ttfb")  # a paced stream: its first event, not its length
    assert chosen["ttfb_ms"]["p50"] == 1.2
    assert chosen["ttfb_of_each_round"] == [2.5, 1.2, float("inf")]
    assert chosen["p99_of_each_round"] == [116.0, 120.0, 118.0]


def _scaling(small_rounds: list[float], large_rounds: list[float]) -> dict[str, Any]:
    def library(count: int, rounds: list[float]) -> dict[str, Any]:
        hit = {"latency_ms": {"p50": min(rounds)}, "p50_of_each_round": rounds}
        return {
            "fixtures": count,
            "hit": hit,
            "near_miss": {"latency_ms": {"p50": 5.0}},
            "startup_s": 1.0,
            "build_s": 0.8,
            "second_startup_s": 0.5,
            "second_build_s": 0.25,
            "rss_loaded_mb": 70.0,
        }

    return {"scaling": {"10": library(10, small_rounds), "10000": library(10_000, large_rounds)}}


def test_the_large_librarys_hit_is_judged_round_by_round() -> None:
    line = "hit p50 with 10,000 fixtures within 10% of 10"
    # One lucky round of the small library (0.082 ms) against rounds run in turns.
    lucky = _scaling([0.102, 0.103, 0.095, 0.082, 0.09, 0.106], [0.097, 0.105, 0.093] * 2)
    found = {entry["line"]: entry for entry in budget.budget(lucky)}[line]
    assert found["verdict"] == "met" and found["figure"] == pytest.approx(1.0, abs=0.005)
    assert found["text"].endswith("0.093/0.106)")
    slower = _scaling([0.08] * 6, [0.09, 0.091, 0.089, 0.07, 0.095, 0.09])  # 1.11x to 1.19x
    assert _verdicts(slower)[line] == "MISS"
