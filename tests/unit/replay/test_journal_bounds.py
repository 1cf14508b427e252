"""The journal is bounded by entries and by the bytes of what they keep, oldest first.

Sizes are those of each entry's body as compact JSON plus its report, so the bounds
below are checked against ``json.dumps`` of what is kept, not the journal's own sums.
"""

from __future__ import annotations

import json
from typing import Any

from mockapi.replay.journal import DEFAULT_MAX_BYTES, Journal, JournalEntry, Outcome


def _entry(journal: Journal, body: Any, report: str | None = None) -> JournalEntry:
    return JournalEntry(
        seq=journal.next_seq(),
        time=0.0,
        method="POST",
        path="/v1/chat/completions",
        body=body,
        status=200,
        outcome=Outcome.SYNTHESIZED,
        report=report,
    )


def _kept(journal: Journal) -> int:
    return sum(
        len(json.dumps(e.body, separators=(",", ":"), ensure_ascii=False).encode())
        + len((e.report or "").encode())
        for e in journal.entries()
    )


def _chat(text: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def test_large_bodies_stay_within_the_default_bytes() -> None:
    journal = Journal(1000)
    image = "data:image/png;base64," + "A" * 100_000  # a vision request's body
    for _ in range(1000):
        journal.append(_entry(journal, _chat(image)))
    assert _kept(journal) <= DEFAULT_MAX_BYTES
    assert 0 < len(journal) < 1000
    seqs = [e.seq for e in journal.entries()]
    assert seqs == list(range(1001 - len(seqs), 1001))  # the newest, in order


def test_bytes_bound_drops_the_oldest_entries() -> None:
    journal = Journal(1000, max_bytes=10_000)
    for n in range(50):
        journal.append(_entry(journal, _chat(f"{n:03d} " + "x" * 900)))
    kept = journal.entries()
    assert [e.seq for e in kept] == list(range(51 - len(kept), 51))
    assert len(kept) == 10  # ten bodies of ~960 bytes fit in 10,000
    assert journal.usage() == (10, _kept(journal)) and _kept(journal) <= 10_000


def test_reports_count_too() -> None:
    journal = Journal(1000, max_bytes=10_000)
    for _ in range(20):
        journal.append(_entry(journal, None, report="no fixture matched: " + "r" * 2_000))
    assert _kept(journal) <= 10_000 and len(journal) == 4


def test_the_newest_entry_is_kept_whatever_its_size() -> None:
    journal = Journal(1000, max_bytes=1_000)
    journal.append(_entry(journal, _chat("small")))
    journal.append(_entry(journal, _chat("y" * 5_000)))
    assert [e.body["messages"][0]["content"][:1] for e in journal.entries()] == ["y"]


def test_the_count_bound_still_holds_and_clear_gives_the_bytes_back() -> None:
    journal = Journal(3)
    for n in range(5):
        journal.append(_entry(journal, {"n": n}))
    assert [e.body["n"] for e in journal.entries()] == [2, 3, 4]
    assert journal.usage() == (3, _kept(journal))
    journal.clear()
    assert journal.usage() == (0, 0)
