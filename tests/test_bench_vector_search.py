"""The benchmark's vector search section: its documents and queries are what it says
(deterministic, the sizes asked, every query different), and a tiny run on a real
server answers every search (correctness, not speed)."""

from __future__ import annotations

import pytest

vector_search = pytest.importorskip("bench.vector_search", reason="bench/ is not in the sdist")


def test_the_documents_and_queries_are_deterministic_and_distinct() -> None:
    documents = vector_search.corpus(20)
    assert documents == vector_search.corpus(20)
    assert len(set(documents)) == 20
    assert all(9_000 < len(d) <= vector_search.FILE_BYTES for d in documents)
    asked = vector_search.queries(documents, 30)
    assert len(set(asked)) == 30 and asked == vector_search.queries(documents, 30)
    quoted = asked[0].split()
    assert any(" ".join(quoted) in d.decode() for d in documents)  # a phrase of a file


def test_a_small_run_answers_every_search() -> None:
    results = vector_search.run(files=3, searches=4)
    assert results["files"] == 3 and results["searches"] == 4
    assert results["results_per_search"] > 0
    assert 0 < results["p50_ms"] <= results["p99_ms"]
    rows = "\n".join(" | ".join(row) for row in vector_search.rows(results))
    assert "search p50 / p99" in rows and "server RSS" in rows
