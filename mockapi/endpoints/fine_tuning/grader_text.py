"""The ``text_similarity`` grader's metrics, as their definitions say: pure functions
of the graded text (``input``) and the ``reference``, each a number in [0, 1].

The API documents which library computes each metric (the graders guide: rapidfuzz
for ``fuzzy_match``, BLEU, Google BLEU, METEOR and ROUGE; its Python grader image
ships rapidfuzz, nltk and rouge-score). The definitions here are those libraries':

* ``fuzzy_match``: rapidfuzz's ``fuzz.ratio`` / 100, the normalized Indel similarity
  ``2 * LCS(a, b) / (len(a) + len(b))`` over characters (1.0 for two empty texts),
  with no preprocessing. Computed with the bit-parallel LCS rapidfuzz uses, so long
  texts cost ``len(b)`` big-integer operations; no dependency for ten lines.
* ``bleu``: sentence BLEU (Papineni et al. 2002; nltk's ``sentence_bleu`` defaults):
  clipped n-gram precisions for n = 1..4, their geometric mean with weights 1/4, times
  the brevity penalty ``exp(1 - r/c)`` when the input (``c`` tokens) is not longer than
  the reference (``r``). No smoothing: an order with no match makes it 0 (nltk gives a
  number below 1e-70 there, the log of its smallest float).
* ``gleu``: Google BLEU (Wu et al. 2016; nltk's ``sentence_gleu``): the 1..4-grams the
  two share (clipped) over the larger of the two texts' n-gram counts, i.e. the
  minimum of n-gram precision and recall.
* ``meteor``: METEOR (Banerjee & Lavie 2005; nltk's ``single_meteor_score``, alpha 0.9,
  beta 3, gamma 0.5) over lower-cased tokens: ``Fmean = P*R / (alpha*P + (1-alpha)*R)``
  times ``1 - gamma * (chunks / matches) ** beta``. Words are aligned by exact match
  only, as nltk's first stage does (its stem and WordNet synonym stages need the
  Porter stemmer and the WordNet corpus, which the mock does not carry).
* ``rouge_1`` .. ``rouge_5``, ``rouge_l``: rouge-score's F-measure (of n-gram overlap,
  or of the longest common subsequence) on its tokens: lower-cased, every run of
  characters other than ``a-z0-9`` a separator, no stemming.
* ``cosine``: the cosine similarity of the two texts' ``text-embedding-3-large``
  vectors, the mock's own (:mod:`mockapi.generate.vectors`).

BLEU, GLEU and METEOR read words and punctuation marks as separate tokens, case kept
(what nltk's ``word_tokenize`` gives for plain English); that is an assumption: the API
does not say how it tokenizes.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from mockapi.generate import vectors

_WORDS = re.compile(r"\w+(?:'\w+)?|[^\w\s]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
EMBEDDING_MODEL = "text-embedding-3-large"
EMBEDDING_DIMENSIONS = 3072
_METEOR_ALPHA, _METEOR_BETA, _METEOR_GAMMA = 0.9, 3.0, 0.5
BLEU_ORDER = 4


def words(text: str) -> list[str]:
    """BLEU's, GLEU's and METEOR's tokens: words and punctuation marks, case kept."""
    return _WORDS.findall(text)


def rouge_tokens(text: str) -> list[str]:
    """rouge-score's tokens: lower-cased runs of ``a-z0-9``."""
    return [t for t in _NOT_ALNUM.split(text.lower()) if t]


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """How many times each n-gram of ``tokens`` occurs."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def lcs_length(one: Sequence[object], other: Sequence[object]) -> int:
    """The length of the longest common subsequence (bit-parallel: Hyyrö 2004)."""
    if not one or not other:
        return 0
    masks: dict[object, int] = {}
    for position, value in enumerate(one):
        masks[value] = masks.get(value, 0) | 1 << position
    full = (1 << len(one)) - 1
    row = full
    for value in other:
        matched = row & masks.get(value, 0)
        row = ((row + matched) | (row - matched)) & full
    return len(one) - row.bit_count()


def fuzzy_match(text: str, reference: str) -> float:
    """rapidfuzz's ``fuzz.ratio`` / 100: ``2 * LCS / (len(text) + len(reference))``."""
    total = len(text) + len(reference)
    if total == 0:
        return 1.0
    return 2 * lcs_length(text, reference) / total


def bleu(text: str, reference: str) -> float:
    """Sentence BLEU with up to 4-grams and the brevity penalty (see the module)."""
    hypothesis, truth = words(text), words(reference)
    if not hypothesis:
        return 0.0
    logs = 0.0
    for n in range(1, BLEU_ORDER + 1):
        found, wanted = ngrams(hypothesis, n), ngrams(truth, n)
        clipped = sum(min(count, wanted[gram]) for gram, count in found.items())
        if clipped == 0:
            return 0.0
        logs += math.log(clipped / max(1, sum(found.values()))) / BLEU_ORDER
    c, r = len(hypothesis), len(truth)
    penalty = 1.0 if c > r else math.exp(1 - r / c)
    return penalty * math.exp(logs)


def gleu(text: str, reference: str) -> float:
    """Google BLEU: shared 1..4-grams over the larger n-gram count of the two."""
    hypothesis, truth = words(text), words(reference)
    found: Counter[tuple[str, ...]] = Counter()
    wanted: Counter[tuple[str, ...]] = Counter()
    for n in range(1, BLEU_ORDER + 1):
        found.update(ngrams(hypothesis, n))
        wanted.update(ngrams(truth, n))
    total = max(sum(found.values()), sum(wanted.values()))
    return sum((found & wanted).values()) / total if total else 0.0


def meteor(text: str, reference: str) -> float:
    """METEOR with exact-match alignment (see the module)."""
    hypothesis = [w.lower() for w in words(text)]
    truth = [w.lower() for w in words(reference)]
    matches = _align(hypothesis, truth)
    if not matches:
        return 0.0
    precision, recall = len(matches) / len(hypothesis), len(matches) / len(truth)
    fmean = precision * recall / (_METEOR_ALPHA * precision + (1 - _METEOR_ALPHA) * recall)
    chunks = 1 + sum(
        1
        for (h, r), (next_h, next_r) in itertools.pairwise(matches)
        if not (next_h == h + 1 and next_r == r + 1)
    )
    penalty = _METEOR_GAMMA * math.pow(chunks / len(matches), _METEOR_BETA)
    return (1 - penalty) * fmean


def _align(hypothesis: list[str], truth: list[str]) -> list[tuple[int, int]]:
    """nltk's exact alignment: from the last hypothesis word back, each to the last
    unmatched equal reference word; the pairs by hypothesis position."""
    left = list(enumerate(truth))
    pairs = []
    for h in range(len(hypothesis) - 1, -1, -1):
        for k in range(len(left) - 1, -1, -1):
            if left[k][1] == hypothesis[h]:
                pairs.append((h, left.pop(k)[0]))
                break
    return sorted(pairs)


def rouge_n(text: str, reference: str, n: int) -> float:
    """ROUGE-N's F-measure: n-gram overlap's precision (over the input) and recall
    (over the reference)."""
    found, wanted = ngrams(rouge_tokens(text), n), ngrams(rouge_tokens(reference), n)
    overlap = sum((found & wanted).values())
    return _f_measure(overlap / max(1, sum(found.values())), overlap / max(1, sum(wanted.values())))


def rouge_l(text: str, reference: str) -> float:
    """ROUGE-L's F-measure: the longest common subsequence of tokens over each length."""
    found, wanted = rouge_tokens(text), rouge_tokens(reference)
    if not found or not wanted:
        return 0.0
    common = lcs_length(found, wanted)
    return _f_measure(common / len(found), common / len(wanted))


def _f_measure(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def cosine(text: str, reference: str) -> float:
    """The cosine of the two texts' embeddings (``text-embedding-3-large``)."""
    one = vectors.embed(text, model=EMBEDDING_MODEL, dimensions=EMBEDDING_DIMENSIONS)
    other = vectors.embed(reference, model=EMBEDDING_MODEL, dimensions=EMBEDDING_DIMENSIONS)
    return vectors.cosine(one, other)


METRICS: dict[str, Callable[[str, str], float]] = {
    "fuzzy_match": fuzzy_match,
    "bleu": bleu,
    "gleu": gleu,
    "meteor": meteor,
    "cosine": cosine,
    **{f"rouge_{n}": functools.partial(rouge_n, n=n) for n in range(1, 6)},
    "rouge_l": rouge_l,
}
"""Each ``evaluation_metric`` the API names, and its function of (input, reference)."""


def similarity(metric: str, text: str, reference: str) -> float:
    """``metric``'s score of ``text`` against ``reference``; KeyError for an unknown
    metric (request validation refuses those first)."""
    return METRICS[metric](text, reference)
