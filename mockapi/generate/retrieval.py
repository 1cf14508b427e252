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
of a store again), at most :data:`CACHED_PROFILES` of them, each feature kept as a
64-bit digest of its name (a collision between two features of one text, about one
in 10^12 texts, would merge their weights).
"""

from __future__ import annotations

import array
import bisect
import functools
import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from mockapi.generate import vectors
from mockapi.generate.schema_strings import wordlist

DIGITS = 4
"""Decimals a score is rounded to."""
CACHED_PROFILES = 256
"""Feature profiles kept: a chunk of 800 tokens has 1,500 to 4,000 features (16 bytes
each) and its text is the cache's key, so at most ~20 MB, ~8 MB for English prose."""
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
    """A text's weighted features, compactly: each feature as a 64-bit key (sorted, 16
    bytes a feature with its weight), with the sums the measures divide by."""

    keys: array.array[int]
    weights: array.array[float]
    norm: float
    """The Euclidean length of the weights."""
    total: float
    """The sum of the weights."""

    def items(self) -> Iterator[tuple[int, float]]:
        """Each feature's key and weight."""
        return zip(self.keys, self.weights, strict=True)

    def weight(self, key: int) -> float:
        """The weight of the feature ``key`` (0 when the text does not have it)."""
        at = bisect.bisect_left(self.keys, key)
        return self.weights[at] if at < len(self.keys) and self.keys[at] == key else 0.0


def _key(feature: str) -> int:
    # A stable digest (not hash(), which changes between processes): the same text
    # gets the same profile in every worker and run.
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@functools.lru_cache(maxsize=CACHED_PROFILES)
def profile(text: str) -> Profile:
    """The features of ``text`` as the measures use them (without the exact-text one)."""
    merged: dict[int, float] = {}
    for feature, weight in vectors.features(text).items():
        if not feature.startswith("t:"):
            key = _key(feature)
            merged[key] = merged.get(key, 0.0) + weight
    keys = sorted(merged)
    weights = [merged[key] for key in keys]
    norm = math.sqrt(math.fsum(w * w for w in weights))
    return Profile(array.array("q", keys), array.array("d", weights), norm, math.fsum(weights))


def norm_of(text: str) -> float:
    """The :attr:`Profile.norm` of ``text``, without building its profile (what a
    vector store keeps of each chunk, so that a search need not profile the chunks)."""
    weights = [w for feature, w in vectors.features(text).items() if not feature.startswith("t:")]
    return math.sqrt(math.fsum(w * w for w in weights))


def cosine(query: Profile, passage: Profile) -> float:
    """The cosine of two feature profiles (0 when either has no features); fastest with
    the shorter text as ``query``."""
    if not query.norm or not passage.norm:
        return 0.0
    dot = math.fsum(w * passage.weight(k) for k, w in query.items())
    return min(1.0, dot / (query.norm * passage.norm))


def coverage(query: Profile, passage: Profile) -> float:
    """The share of the query's feature weight found in the passage."""
    if not query.total:
        return 0.0
    held = math.fsum(min(w, passage.weight(k)) for k, w in query.items())
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
