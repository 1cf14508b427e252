"""The benchmark's memory section: its mix and its budget line (correctness, not RSS)."""

from __future__ import annotations

import random

import pytest

memory = pytest.importorskip("bench.memory", reason="bench/ is not part of the sdist")
report = pytest.importorskip("bench.report")


def test_the_mix_has_four_kinds_in_turns_and_no_two_bodies_alike() -> None:
    rng = random.Random(15)
    sent = [memory.request(n, rng) for n in range(1, 401)]
    kinds = {(path, stream) for path, _, stream in sent}
    assert kinds == {
        ("/v1/chat/completions", False),
        ("/v1/chat/completions", True),
        ("/v1/embeddings", False),
        ("/v1/responses", False),
    }
    assert len({repr(body) for _, body, _ in sent}) == len(sent)
    assert all("store" not in body for _, body, _ in sent)


def _results(rss: float, errors: int = 0) -> dict[str, object]:
    figures = {"start": 60.0, "500": rss - 1, "1000": rss - 0.5, "2000": rss}
    return {"memory": {"requests": 2000, "rss_mb": figures, "errors": errors, "budget_mb": 120.0}}


@pytest.mark.parametrize(
    ("rss", "errors", "met"), [(112.1, 0, True), (120.0, 0, False), (90.0, 3, False)]
)
def test_the_budget_line_reads_the_last_figure(rss: float, errors: int, met: bool) -> None:
    (line,) = report.budget(_results(rss, errors))
    assert line["met"] is met
    assert "2,000 mixed requests < 120 MB" in line["line"]
    table = report.table(_results(rss, errors))
    assert "after 2,000" in table and f"{rss:.1f} MB" in table
