"""Retrieval ranks the passage a human would pick first, deterministically."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mockapi.generate import retrieval


@dataclass(frozen=True)
class Chunk:
    name: str
    text: str


RETURNS = Chunk(
    "returns",
    "Our return policy: items may be returned within 30 days of purchase with a receipt. "
    "Refunds go to the original payment method.",
)
WARRANTY = Chunk(
    "warranty",
    "The warranty covers manufacturing defects for two years. Batteries are covered for "
    "six months only. To file a warranty claim, contact support with your order number.",
)
SHIPPING = Chunk(
    "shipping",
    "Shipping is free on orders over 50 dollars. Express delivery takes two business days "
    "and costs 15 dollars. We ship to Canada and the United States.",
)
LONG = Chunk("long", "Unrelated filler about meetings and agendas. " * 30 + "Batteries last.")
DOCS = [RETURNS, WARRANTY, SHIPPING]


def names(hits: list[retrieval.Hit[Chunk]]) -> list[str]:
    return [hit.item.name for hit in hits]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Batteries are covered for six months only", "warranty"),
        ("How long is the battery covered?", "warranty"),
        ("what is the return policy", "returns"),
        ("refund", "returns"),  # "Refunds" shares the stem
        ("express delivery cost", "shipping"),
    ],
)
def test_the_passage_sharing_the_query_words_ranks_first(query: str, first: str) -> None:
    hits = retrieval.rank([query], DOCS, limit=10)
    assert names(hits)[0] == first
    assert hits[0].score > 2 * hits[1].score if len(hits) > 1 else hits[0].score > 0


def test_a_phrase_quoted_from_a_passage_scores_high_and_scores_stay_in_0_1() -> None:
    hits = retrieval.rank(["Batteries are covered for six months only"], DOCS, limit=10)
    assert hits[0].score > 0.7
    assert all(0.0 < hit.score <= 1.0 for hit in hits)
    assert retrieval.similarity(WARRANTY.text, WARRANTY.text) == 1.0


def test_a_focused_passage_beats_a_long_one_mentioning_the_word_once() -> None:
    hits = retrieval.rank(["batteries"], [LONG, WARRANTY], limit=10)
    assert names(hits) == ["warranty", "long"]


def test_ranker_none_is_the_plain_cosine_and_ranks_lower() -> None:
    query = "How long is the battery covered?"
    reranked = retrieval.similarity(query, WARRANTY.text)
    plain = retrieval.similarity(query, WARRANTY.text, rerank=False)
    assert 0 < plain < reranked
    assert retrieval.rank([query], DOCS, limit=1, rerank=False)[0].item is WARRANTY


def test_ties_keep_the_given_order_and_the_same_call_gives_the_same_answer() -> None:
    twin = Chunk("twin", WARRANTY.text)
    hits = retrieval.rank(["warranty claim"], [SHIPPING, WARRANTY, twin], limit=10)
    assert names(hits)[:2] == ["warranty", "twin"]
    assert hits[0].score == hits[1].score
    again = retrieval.rank(["warranty claim"], [SHIPPING, WARRANTY, twin], limit=10)
    assert again == hits


def test_limit_threshold_and_unrelated_passages() -> None:
    query = "what is the return policy"
    assert names(retrieval.rank([query], DOCS, limit=1)) == ["returns"]
    everything = retrieval.rank([query], DOCS, limit=10)
    cut = everything[0].score
    assert names(retrieval.rank([query], DOCS, limit=10, threshold=cut)) == ["returns"]
    assert retrieval.rank([query], DOCS, limit=10, threshold=cut + 0.0001) == []
    assert retrieval.rank(["zzz"], DOCS, limit=10) == []  # shares nothing at all
    assert retrieval.rank([query], [], limit=10) == []


def test_several_queries_score_each_passage_by_its_best() -> None:
    hits = retrieval.rank(["return policy", "express delivery"], DOCS, limit=10)
    assert set(names(hits[:2])) == {"returns", "shipping"}
    alone = retrieval.rank(["express delivery"], [SHIPPING], limit=1)[0].score
    assert next(h.score for h in hits if h.item is SHIPPING) == alone


def test_rewrite_keeps_the_subject_of_the_question() -> None:
    asked = "I'd like to know the height of the main office building."
    assert retrieval.rewrite(asked) == "height main office building"
    assert retrieval.rewrite("Could you please tell me about the return policy?") == (
        "return policy"
    )
    assert retrieval.rewrite("what is it?") == "what is it?"  # nothing but stopwords


def test_excerpt_is_the_sentence_that_answers() -> None:
    said = retrieval.excerpt(["How long are batteries covered?"], WARRANTY.text)
    assert said == "Batteries are covered for six months only."
    assert retrieval.excerpt(["zzz"], "One line  without\nmatch") == "One line without match"


def test_profiles_are_compact_and_their_cache_bounded() -> None:
    retrieval.profile.cache_clear()
    for n in range(retrieval.CACHED_PROFILES + 10):
        retrieval.profile(f"chunk number {n}")
    assert retrieval.profile.cache_info().currsize == retrieval.CACHED_PROFILES
    # Distinct words: the worst case, ~4,000 features for a chunk of 800 tokens.
    chunk = " ".join(f"w{n:04d}x" for n in range(800))
    held = retrieval.profile(chunk)
    assert held.keys.itemsize + held.weights.itemsize == 16
    assert retrieval.CACHED_PROFILES * (16 * len(held.keys) + len(chunk)) < 20_000_000
