"""Deterministic retrieval: how well a passage answers a query, and the passages in order.

The similarity reuses the features of the embeddings synthesizer
(:func:`mockapi.generate.vectors.features`: words, their stems, their trigrams, with
stopwords weighing little), so a passage scores high for the same reasons its
synthesized embedding lies close to the query's. It is computed on the sparse
features directly (the synthesized vectors are a random projection of them, so this is
the cosine those vectors approximate), which is exact and fast enough to score every
chunk of a vector store on each search. Two measures, each in [0, 1]:

* **cosine**: the cosine of the two feature vectors. Texts about the same thing score
  high; a long passage that mentions the query once among much else scores low;
* **coverage**: the share of the query's weight the passage holds (each feature counted
  up to the query's own weight). A passage holding every word of the query covers it
  fully, however long it is.

:func:`similarity` is the geometric mean of the two (the API's default ranker,
``auto``): a passage must hold the query's words *and* be about them; with
``rerank=False`` (``ranker: "none"``) it is the plain cosine, the vector search
without re-ranking. The exact-text feature of the synthesizer is left out: it only
separates identical texts.

Scores are rounded to :data:`DIGITS` decimals, so equal scores are exactly equal and
:func:`rank` breaks the tie by the order the candidates were given in (a vector store
gives them in file order, then chunk order). With several queries a passage scores
its best. Pure: no I/O. Profiles of passages are cached (a search scores every chunk
of a store again), at most :data:`CACHED_PROFILES` of them.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from mockapi.generate import vectors
from mockapi.generate.schema_strings import wordlist

DIGITS = 4
"""Decimals a score is rounded to."""
CACHED_PROFILES = 1024
"""Feature profiles kept (a few hundred features for a chunk of 800 tokens)."""
FILLER = frozenset(
    wordlist(
        "about also any can could describe detail details explain find give hello hey hi "
        "i'd know like look me please show some tell than there want would"
    )
)
"""Words a query rewrite drops besides :data:`~mockapi.generate.vectors.STOPWORDS`:
the requests around a question, not its subject."""
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@dataclass(frozen=True)
class Profile:
    """A text's weighted features, with the sums the measures divide by."""

    weights: Mapping[str, float]
    norm: float
    """The Euclidean length of the weights."""
    total: float
    """The sum of the weights."""


@functools.lru_cache(maxsize=CACHED_PROFILES)
def profile(text: str) -> Profile:
    """The features of ``text`` as the measures use them (without the exact-text one)."""
    weights = {k: v for k, v in vectors.features(text).items() if not k.startswith("t:")}
    norm = math.sqrt(math.fsum(v * v for v in weights.values()))
    return Profile(weights, norm, math.fsum(weights.values()))


def cosine(query: Profile, passage: Profile) -> float:
    """The cosine of two feature profiles (0 when either has no features)."""
    if not query.norm or not passage.norm:
        return 0.0
    small, large = sorted((query.weights, passage.weights), key=len)
    dot = math.fsum(w * large[f] for f, w in small.items() if f in large)
    return min(1.0, dot / (query.norm * passage.norm))


def coverage(query: Profile, passage: Profile) -> float:
    """The share of the query's feature weight found in the passage."""
    if not query.total:
        return 0.0
    held = math.fsum(min(w, passage.weights.get(f, 0.0)) for f, w in query.weights.items())
    return min(1.0, held / query.total)


def similarity(query: str, passage: str, *, rerank: bool = True) -> float:
    """How well ``passage`` answers ``query``, in [0, 1] (see the module docstring)."""
    asked, held = profile(query), profile(passage)
    score = cosine(asked, held)
    if rerank:
        score = math.sqrt(score * coverage(asked, held))
    return round(score, DIGITS)


class Searchable(Protocol):
    """What :func:`rank` ranks: anything with a text (a vector store's chunk)."""

    @property
    def text(self) -> str: ...


T = TypeVar("T", bound=Searchable)


@dataclass(frozen=True)
class Hit(Generic[T]):
    """A ranked candidate and its score."""

    item: T
    score: float


def rank(
    queries: Sequence[str],
    candidates: Sequence[T],
    *,
    limit: int,
    threshold: float = 0.0,
    rerank: bool = True,
) -> list[Hit[T]]:
    """The best ``limit`` candidates for ``queries``, best first.

    A candidate scores its best :func:`similarity` over the queries. Candidates that
    share nothing with any query (score 0) and those under ``threshold`` are left out;
    equal scores keep the candidates' order.
    """
    hits = []
    for item in candidates:
        score = max((similarity(q, item.text, rerank=rerank) for q in queries), default=0.0)
        if score > 0.0 and score >= threshold:
            hits.append(Hit(item, score))
    hits.sort(key=lambda hit: -hit.score)  # stable: ties stay in the given order
    return hits[: max(0, limit)]


def rewrite(query: str) -> str:
    """``query`` as a keyword search (``rewrite_query``): its words lower-cased, without
    stopwords and the filler of a request (:data:`FILLER`), in their order, each once.

    ``"I'd like to know the height of the main office building."`` becomes
    ``"height main office building"``. A query made only of such words is kept as it is.
    """
    words = [w for w in _WORD.findall(query.lower()) if w not in vectors.STOPWORDS | FILLER]
    kept = " ".join(dict.fromkeys(words))
    return kept or query


def excerpt(queries: Sequence[str], passage: str) -> str:
    """The sentence of ``passage`` that best answers ``queries`` (the first of equals),
    whitespace collapsed; the whole passage when it has no sentence that scores."""
    sentences = [" ".join(s.split()) for s in _SENTENCE.findall(passage)]
    best, best_score = "", 0.0
    for sentence in sentences:
        score = max((similarity(q, sentence) for q in queries), default=0.0)
        if score > best_score:
            best, best_score = sentence, score
    return best or " ".join(passage.split())
