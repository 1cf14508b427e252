"""How long and how big each measurement is, and how rounds are reduced to one figure."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    """How long and how big each measurement is."""

    duration: float  # seconds measured per sustained run (wrk: whole seconds, at least 1)
    warmup: float
    rounds: int  # each comparison is run this many times, alternating; the best counts
    open_streams: int
    small: int  # fixtures in the small and the large library
    large: int
    scaling_duration: float
    scaling_rounds: int  # short turns: the two libraries see the same background noise
    plugin_runs: int  # pairs of pytest sessions, with the fixture and without
    batch_lines: int
    vector_files: int


FULL = Plan(2.0, 1.0, 3, 500, 10, 10_000, 1.0, 6, 7, 50_000, 1_000)
QUICK = Plan(1.0, 0.5, 1, 500, 10, 1_000, 1.0, 1, 1, 5_000, 200)


def log(message: str) -> None:
    """Progress, on stderr (stdout is the report)."""
    print(message, file=sys.stderr, flush=True)


def best(runs: list[dict[str, Any]], *, by: str) -> dict[str, Any]:
    """The run with the highest ``rps`` (``by="rps"``), the lowest p50 latency
    (``"p50"``) or the lowest p50 time to the first event (``"ttfb"``: a stream whose
    length the upstream's pacing sets), with every run's figure beside it: on a shared
    machine, noise only ever slows a run."""

    def figure(run: dict[str, Any]) -> float:
        if by == "rps":
            return float(run["rps"])
        found = run["ttfb_ms" if by == "ttfb" else "latency_ms"].get("p50")
        return float("inf") if found is None else float(found)

    chosen = max(runs, key=figure) if by == "rps" else min(runs, key=figure)
    tails = [r["latency_ms"].get("p99") for r in runs]
    return {
        **chosen,
        f"{by}_of_each_round": [figure(r) for r in runs],
        "p99_of_each_round": tails,
    }
