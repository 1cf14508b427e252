"""The benchmark's batch section: its input is a good batch file and its table rows say
when the counts do not add up (correctness, not speed)."""

from __future__ import annotations

import json

import pytest

batch = pytest.importorskip("bench.batch", reason="bench/ is not part of the sdist")

from mockapi.endpoints.batches import input as batch_input  # noqa: E402


def test_the_input_is_a_valid_chat_batch_of_distinct_requests() -> None:
    data = batch.jsonl(300)
    checked = batch_input.check(data, "/v1/chat/completions")
    assert checked.errors == [] and checked.requests == 300 and checked.model == "gpt-4o-mini"
    bodies = {json.dumps(line.body, sort_keys=True) for line in batch_input.lines(data)}
    assert len(bodies) == 300


def _run(counts: dict[str, int], adds_up: bool) -> dict[str, object]:
    rss = {"start": 100.0, "upload_peak": 140.0, "after_upload": 120.0, "peak": 180.5, "end": 150.0}
    return {
        "seconds": 70.0,
        "lines_per_s": 714,
        "retrieves": 900,
        "output_mb": 44.0,
        "rss_mb": rss,
        "request_counts": counts,
        "adds_up": adds_up,
        "peak_is_the_runs": True,
    }


def test_the_rows_show_the_figures_and_flag_counts_that_do_not_add_up() -> None:
    good = {"total": 10, "completed": 10, "failed": 0}
    bad = {"total": 10, "completed": 9, "failed": 0}
    results = {
        "lines": 10,
        "input_mb": 0.1,
        "memory_store": _run(good, True),
        "sqlite_store": _run(bad, False),
    }
    text = "\n".join(" | ".join(row) for row in batch.rows(results))
    assert "180.5 MB" in text and "714 lines/s" in text
    assert "state in memory: counts DO NOT add up" not in text
    assert "--state (SQLite): counts DO NOT add up" in text
