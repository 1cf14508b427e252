"""The graders' deterministic scores (mockapi.endpoints.fine_tuning.grader_text and
grader_run.string_check), each expected value worked out by hand from the metric's
definition in the comment beside it, not read from the code's output."""

from __future__ import annotations

import math

import pytest

from mockapi.endpoints.fine_tuning import grader_text
from mockapi.endpoints.fine_tuning.grader_run import string_check

HYPOTHESIS = "the cat sat on the mat"
REFERENCE = "the cat sat on a mat"


@pytest.mark.parametrize(
    ("operation", "text", "reference", "expected"),
    [
        ("eq", "Paris", "Paris", 1.0),
        ("eq", "Paris", "paris", 0.0),  # case-sensitive
        ("ne", "Paris", "paris", 1.0),
        ("ne", "Paris", "Paris", 0.0),
        ("like", "The answer is Paris.", "Paris", 1.0),  # contains
        ("like", "The answer is paris.", "Paris", 0.0),  # case-sensitive
        ("ilike", "The answer is PARIS.", "paris", 1.0),  # contains, any case
        ("ilike", "The answer is Lyon.", "paris", 0.0),
    ],
)
def test_string_check_operations(
    operation: str, text: str, reference: str, expected: float
) -> None:
    assert string_check(operation, text, reference) == expected


def test_fuzzy_match_is_the_normalized_indel_similarity() -> None:
    # LCS("kitten", "sitting") = "ittn" (4): 2 * 4 / (6 + 7) = 8/13, rapidfuzz's ratio 61.54.
    assert grader_text.fuzzy_match("kitten", "sitting") == pytest.approx(8 / 13)
    assert grader_text.fuzzy_match("same", "same") == 1.0
    assert grader_text.fuzzy_match("", "") == 1.0
    assert grader_text.fuzzy_match("abc", "xyz") == 0.0


def test_bleu_of_a_known_pair() -> None:
    # Clipped precisions: 1-grams 5/6 ("the" twice, once in the reference), 2-grams 3/5,
    # 3-grams 2/4, 4-grams 1/3; equal lengths, no brevity penalty:
    # (5/6 * 3/5 * 1/2 * 1/3) ** (1/4) = (1/12) ** (1/4).
    assert grader_text.bleu(HYPOTHESIS, REFERENCE) == pytest.approx((1 / 12) ** 0.25)


def test_bleu_brevity_penalty() -> None:
    # Every n-gram of the 5-token input is in the 6-token reference: precisions 1, so
    # BLEU is the brevity penalty exp(1 - 6/5).
    score = grader_text.bleu("the cat sat on the", "the cat sat on the mat")
    assert score == pytest.approx(math.exp(1 - 6 / 5))
    # Longer than the reference (7 > 6): no penalty; precisions 6/7, 5/6, 4/5, 3/4.
    longer = grader_text.bleu("the cat sat on the mat today", "the cat sat on the mat")
    assert longer == pytest.approx((3 / 7) ** 0.25)


def test_bleu_is_zero_without_a_four_gram_match() -> None:
    assert grader_text.bleu("the cat sat", "the cat sat") == 0.0  # no 4-gram at all
    assert grader_text.bleu("mat the on sat cat", "the cat sat on the mat") == 0.0


def test_gleu_is_the_smaller_of_ngram_precision_and_recall() -> None:
    # 1..4-grams: 6+5+4+3 = 18 on each side; shared (clipped) 5+3+2+1 = 11.
    assert grader_text.gleu(HYPOTHESIS, REFERENCE) == pytest.approx(11 / 18)
    # "the cat" against "the cat sat": 3 n-grams vs 6, all 3 shared: min(3/3, 3/6).
    assert grader_text.gleu("the cat", "the cat sat") == pytest.approx(0.5)


def test_meteor_fragmentation_penalty() -> None:
    # Three aligned words in one chunk: P = R = 1, Fmean 1, penalty 0.5 * (1/3) ** 3.
    assert grader_text.meteor("the cat sat", "The cat sat") == pytest.approx(1 - 0.5 / 27)
    # Two words in two chunks (swapped): penalty 0.5 * (2/2) ** 3.
    assert grader_text.meteor("cat the", "the cat") == pytest.approx(0.5)
    # P = 2/4, R = 2/2: Fmean = PR / (0.9 P + 0.1 R) = 0.5 / 0.55; one chunk of 2.
    expected = (0.5 / 0.55) * (1 - 0.5 * (1 / 2) ** 3)
    assert grader_text.meteor("a cat sat down", "cat sat") == pytest.approx(expected)
    assert grader_text.meteor("dog", "cat") == 0.0


def test_rouge_n_and_rouge_l_f_measures() -> None:
    # Unigrams: 5 shared of 6 and 6: F = 5/6. Bigrams: 3 shared of 5 and 5: F = 3/5.
    assert grader_text.rouge_n(HYPOTHESIS, REFERENCE, 1) == pytest.approx(5 / 6)
    assert grader_text.rouge_n(HYPOTHESIS, REFERENCE, 2) == pytest.approx(3 / 5)
    # LCS "the cat sat on mat" = 5 of 6 and 6.
    assert grader_text.rouge_l(HYPOTHESIS, REFERENCE) == pytest.approx(5 / 6)
    # Lower-cased, punctuation a separator: P = 2/2, R = 2/3, F = 2PR/(P+R) = 0.8.
    assert grader_text.rouge_n("The CAT!", "the cat sat", 1) == pytest.approx(0.8)
    assert grader_text.rouge_n("the cat", "the cat sat", 5) == 0.0


def test_every_metric_the_spec_names_is_served() -> None:
    names = {"cosine", "fuzzy_match", "bleu", "gleu", "meteor", "rouge_l"}
    names |= {f"rouge_{n}" for n in range(1, 6)}
    assert set(grader_text.METRICS) == names
    for name in names:
        # A text against itself: 1, but METEOR's one chunk of 6 costs 0.5 * (1/6) ** 3.
        expected = 1 - 0.5 / 216 if name == "meteor" else 1.0
        assert grader_text.similarity(name, HYPOTHESIS, HYPOTHESIS) == pytest.approx(expected)


def test_cosine_ranks_the_related_text_higher() -> None:
    related = grader_text.cosine("The cat sat on the mat.", "A cat was sitting on a mat.")
    unrelated = grader_text.cosine("The cat sat on the mat.", "Quarterly revenue grew 4%.")
    assert 0 < unrelated < related < 1
