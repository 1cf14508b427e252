"""Synthesized embedding vectors: deterministic, unit length, similar for similar texts.

**The rule.** A text is cut into *features*, each with a weight:

* every word (a run of letters and digits, lower-cased) weighs 1, or 0.2 for the
  :data:`STOPWORDS` ("the", "is", "of", ...), so that what two texts are *about*
  counts more than their grammar. A word gives its *stem* at its full weight and
  itself at 0.3 of it. The stem is the word less a final ``ing``, ``es`` or ``s``
  when three letters remain, or ``ed`` when four do, with a doubled final
  consonant undoubled: ``eats``, ``eating`` and ``eat`` share ``eat``; ``embedding``
  and ``embed`` share ``embed``;
* the character trigrams of every word with ``<`` and ``>`` around it (``cats`` gives
  ``<ca``, ``cat``, ``ats``, ``ts>``) share half the word's weight, so that words
  spelt alike (``colour``, ``color``) are close too;
* the exact text: weight 0.1, so that two different texts never get the same vector.

Each feature stands for a fixed pseudo-random direction: the bytes of
``SHAKE-256(model + NUL + feature)``, one per dimension, centred on zero. The vector
is the weighted sum of its features' directions, scaled to length 1 and rounded to
float32 (what the API sends). Texts that share words therefore point the same way
(their cosine grows with the weight they share), and unrelated texts are nearly
orthogonal (cosine about 0 +- 0.05 at 1536 dimensions), so a retrieval test ranks
the related document first.

**Dimensions.** A SHAKE digest of ``n`` bytes is the prefix of a longer one, so the
vector asked for with ``dimensions=d`` is exactly the full vector's first ``d``
values renormalised: the truncation the ``text-embedding-3`` models document.

Pure: no I/O. Vectors are cached (tests embed the same documents again and again, and
one costs ~25 ms at 1536 dimensions), within a bound: the :data:`CACHED_VECTORS` most
recent, of texts up to :data:`CACHED_TEXT_CHARS` characters, as float32 bytes, so at
most ~5 MB (3072 dimensions) and ~1.7 MB for 1536-dimension vectors of short texts.
"""

from __future__ import annotations

import array
import base64
import functools
import hashlib
import math
import operator
import re
import sys
from collections.abc import Sequence

_STOPWORDS = (
    "a an and are as at be but by do does did for from has have how i in is it its of on "
    "or that the this to was were what when where which who why will with you your"
)
STOPWORDS = frozenset(_STOPWORDS.split())
STOPWORD_WEIGHT = 0.2
NGRAM_SHARE = 0.5
WORD_SHARE = 0.3
_SUFFIXES = (("ing", 3), ("ed", 4), ("es", 3), ("s", 3))  # and the stem's shortest length
EXACT_WEIGHT = 0.1
_WORD = re.compile(r"[^\W_]+")
_CENTRE = 127.5  # the mean of a uniform byte


def features(text: str) -> dict[str, float]:
    """The weighted features of ``text`` (see the module docstring)."""
    found: dict[str, float] = {}
    for word in _WORD.findall(text.lower()):
        weight = STOPWORD_WEIGHT if word in STOPWORDS else 1.0
        stem = _stem(word)
        found["s:" + stem] = found.get("s:" + stem, 0.0) + weight
        found["w:" + word] = found.get("w:" + word, 0.0) + weight * WORD_SHARE
        marked = f"<{word}>"
        grams = [marked[i : i + 3] for i in range(len(marked) - 2)]
        share = weight * NGRAM_SHARE / len(grams)
        for gram in grams:
            found["g:" + gram] = found.get("g:" + gram, 0.0) + share
    found["t:" + text] = found.get("t:" + text, 0.0) + EXACT_WEIGHT
    return found


def _stem(word: str) -> str:
    for suffix, shortest in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            stem = word[: -len(suffix)]
            # "embedding" -> "embedd" -> "embed", "running" -> "run"
            doubled = len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls"
            return stem[:-1] if doubled else stem
    return word


def embed(text: str, *, model: str, dimensions: int) -> tuple[float, ...]:
    """The unit-length vector of ``text`` for ``model``, ``dimensions`` long (float32 values)."""
    if dimensions < 1:
        raise ValueError(f"dimensions must be at least 1, got {dimensions}")
    packed = array.array("f")
    compute = _embed if len(text) <= CACHED_TEXT_CHARS else _vector
    packed.frombytes(compute(text, model, dimensions))
    return tuple(packed.tolist())


CACHED_VECTORS = 256
"""Vectors kept by the cache (each 4 bytes per dimension, and its text)."""
CACHED_TEXT_CHARS = 2_000
"""Longer texts are not cached: they would make its size depend on what clients send."""


def _vector(text: str, model: str, dimensions: int) -> bytes:
    """The vector as float32 bytes: a quarter of the memory of a cached tuple of floats."""
    total = [0.0] * dimensions
    weights = 0.0
    for feature, weight in features(text).items():
        digest = hashlib.shake_256(f"{model}\0{feature}".encode()).digest(dimensions)
        # map() over C functions: a few microseconds per feature even at 3072 dimensions.
        total = list(map(operator.add, total, map(weight.__mul__, digest)))
        weights += weight
    offset = _CENTRE * weights
    centred = [value - offset for value in total]
    norm = math.sqrt(math.fsum(value * value for value in centred))
    if norm == 0.0:  # only conceivable for one dimension: point along it
        centred, norm = [1.0] + [0.0] * (dimensions - 1), 1.0
    return array.array("f", (value / norm for value in centred)).tobytes()


_embed = functools.lru_cache(maxsize=CACHED_VECTORS)(_vector)


def cosine(one: Sequence[float], other: Sequence[float]) -> float:
    """The cosine similarity of two vectors of the same length."""
    if len(one) != len(other):
        raise ValueError(f"vectors of different lengths: {len(one)} and {len(other)}")
    dot = math.fsum(a * b for a, b in zip(one, other, strict=True))
    norms = math.sqrt(math.fsum(a * a for a in one)) * math.sqrt(math.fsum(b * b for b in other))
    return dot / norms if norms else 0.0


def to_base64(vector: Sequence[float]) -> str:
    """``vector`` as the API's ``encoding_format: "base64"``: little-endian float32 bytes."""
    packed = array.array("f", vector)
    if sys.byteorder != "little":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def from_base64(text: str) -> list[float]:
    """The floats of a base64 embedding (the inverse of :func:`to_base64`)."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 4:
        raise ValueError(f"a base64 embedding must hold whole float32 values, got {len(raw)} bytes")
    packed = array.array("f")
    packed.frombytes(raw)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tolist()
