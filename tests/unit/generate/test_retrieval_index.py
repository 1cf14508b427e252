"""The chunk index ranks exactly as retrieval.rank: the same hits, order and scores."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from mockapi.generate import retrieval, retrieval_index, vectors
from mockapi.generate.retrieval_index import ChunkIndex

_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "battery",
    "batteries",
    "covered",
    "cover",
    "warranty",
    "claim",
    "claims",
    "return",
    "returned",
    "refunds",
    "shipping",
    "express",
    "delivery",
    "days",
    "months",
    "two",
    "six",
    "years",
    "policy",
    "order",
    "number",
    "support",
    "contact",
    "documentation",
    "document",
    "documents",
    "banana",
    "cat",
    "category",
    "running",
    "run",
    "ran",
    "colour",
    "color",
    "embedding",
    "embed",
    "2024",
    "café",
    "naïve",
]


@dataclass(frozen=True)
class Chunk:
    text: str


def texts(count: int, seed: int) -> list[str]:
    """``count`` chunks of 5 to 120 words drawn (unevenly) from a small vocabulary."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(len(_WORDS))]
    made = []
    for _ in range(count):
        words = rng.choices(_WORDS, weights, k=rng.randint(5, 120))
        made.append(" ".join(words).capitalize() + ".")
    return made


def index_of(chunks: list[str]) -> ChunkIndex:
    return ChunkIndex(chunks, [retrieval.norm_of(text) for text in chunks])


def test_replaying_the_words_gives_the_profiles_weights_bit_for_bit() -> None:
    for text in [*texts(20, seed=1), "Banana bananas, BANANA! naïve café 2024-07"]:
        summed: dict[str, float] = {}
        for word in retrieval_index._WORD.findall(text.lower()):
            for name, weight in retrieval_index.sequence(word):
                summed[name] = summed.get(name, 0.0) + weight
        expected = {n: w for n, w in vectors.features(text).items() if not n.startswith("t:")}
        assert summed == expected
        assert list(summed) == list(expected)


@pytest.mark.parametrize("rerank", [True, False])
def test_the_index_ranks_as_rank_does(rerank: bool) -> None:
    chunks = texts(200, seed=2)  # within the profile cache: rank() stays quick
    index = index_of(chunks)
    candidates = [Chunk(text) for text in chunks]
    rng = random.Random(3)
    queries = [
        "How long are batteries covered?",
        "the",
        "colour of the category",
        "zzz qqq",
        "",
        *(" ".join(rng.sample(_WORDS, rng.randint(1, 8))) for _ in range(12)),
    ]
    for query in queries:
        for limit, threshold in ((10, 0.0), (1, 0.0), (50, 0.2), (3, 0.5)):
            expected = retrieval.rank(
                [query], candidates, limit=limit, threshold=threshold, rerank=rerank
            )
            found = index.top(
                [query],
                limit=limit,
                threshold=threshold,
                rerank=rerank,
                text_of=chunks.__getitem__,
            )
            assert [(candidates[p], s) for p, s in found] == [
                (hit.item, hit.score) for hit in expected
            ], (query, limit, threshold)


def test_several_queries_filters_and_equal_chunks() -> None:
    chunks = texts(120, seed=4)
    chunks[7] = chunks[3]  # twins score alike: the first comes first
    index = index_of(chunks)
    queries = ["warranty claim support", "express delivery days"]
    allowed = set(range(0, 120, 3)) | {3, 7}
    expected = retrieval.rank(queries, [Chunk(chunks[p]) for p in sorted(allowed)], limit=20)
    found = index.top(queries, limit=20, allowed=allowed.__contains__, text_of=chunks.__getitem__)
    assert [(chunks[p], s) for p, s in found] == [(hit.item.text, hit.score) for hit in expected]
    twins = index.top([chunks[3]], limit=2, text_of=chunks.__getitem__)
    assert [p for p, _ in twins] == [3, 7] and twins[0][1] == twins[1][1] == 1.0


def test_nothing_to_rank() -> None:
    assert index_of([]).top(["anything"], limit=10, text_of=str) == []
    index = index_of(["only stopwords: the of and"])
    assert index.top(["banana"], limit=10, text_of=str) == []
    assert index.top(["the"], limit=0, text_of=str) == []
