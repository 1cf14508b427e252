"""Ranking many chunks fast, with exactly the scores of :mod:`mockapi.generate.retrieval`.

:func:`~mockapi.generate.retrieval.rank` profiles every candidate (milliseconds a chunk):
fine for a few documents, not for a vector store of 1,000 files (~5,000 chunks of 800
tokens). A :class:`ChunkIndex` is built once from a store's chunks (their words' postings:
which chunks hold each word, how often) and ranks them in milliseconds, in two steps:

1. **Every chunk's score, approximately, at once.** A query feature's weight in a chunk
   is the sum of what each word of the chunk holding it adds (its stem, itself, its
   trigrams: :func:`sequence`). For each query feature, those weights for all the
   chunks are kept as fixed-point integers (:data:`SCALE`) packed 64 bits a chunk into
   one Python integer (derived from the postings once, then cached: :data:`CACHE_BYTES`),
   so the cosine's dot product and the coverage's minimums (each chunk's field at once:
   a guard bit says where the chunk's weight is the smaller) are a few whole-integer
   operations per query feature instead of a loop over the chunks.
2. **The exact score of the few that may be among the best.** The approximation's
   error is bounded (:class:`_Error`: the roundings to fixed point), so only the chunks
   whose approximate score is within that bound of the ``limit``-th best (or of a tie
   with it once rounded to :data:`~mockapi.generate.retrieval.DIGITS` decimals) can be
   among the results. A candidate whose whole range of possible scores rounds to one
   value has that score; the others are scored exactly as
   :func:`~mockapi.generate.retrieval.similarity` scores them: the query's features'
   weights summed in the chunk's word order, as its profile sums them (bit for bit), and
   the chunk's norm kept when the chunk was made (:func:`~.retrieval.norm_of`).

For 5,000 chunks of prose (1,000 files of 10 KB): about 12 ms a search (loaded 2-core
machine), an index of ~70 MB (the postings ~20, the packed counts of common words ~15,
the weights of common features prepared at build ~32), built in ~4 s on first use.

So the hits, their order and their scores are those of ``rank`` over the same chunks
(for two features of one text whose 64-bit digests collide, about one in 10^12 texts,
``rank`` merges their weights and this does not).
"""

from __future__ import annotations

import array
import heapq
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from dataclasses import dataclass, field
from operator import mul

from mockapi.generate import vectors
from mockapi.generate.retrieval import DIGITS

SCALE_BITS = 24
SCALE = 1 << SCALE_BITS
"""Fixed point of the approximate weights: 2**-24 (a chunk's weight is off by at most
half of that for each word occurrence that adds to it)."""
DENSE_FROM = 64
"""The fewest chunks a word (or a feature) is in for its counts (its weights) to be
packed, and at least an eighth of the chunks: 8 bytes a chunk then, against 8 or 12 a
chunk it is in; a feature in fewer chunks is added up chunk by chunk."""
CACHE_BYTES = 48 * 1024 * 1024
"""Derived feature weights one index keeps, the most recently used (common features,
which cost the most to derive, come back in most queries): only a store of thousands of
chunks fills it (1,200 features of 5,000 chunks)."""
PREPARED_BYTES = 32 * 1024 * 1024
"""Of those, derived when the index is built: the costliest (:meth:`ChunkIndex._prepare`;
for 5,000 chunks, a few seconds on the store's first search)."""
_FIELD = 64
_TOP = 1 << (_FIELD - 1)
_LOW = _TOP - 1
_WORD = re.compile(r"[^\W_]+")
"""The word pattern of :func:`mockapi.generate.vectors.features`."""
_ROUNDING = 0.00005
"""Half the last decimal a score is rounded to."""

Contribution = tuple[str, float]


def sequence(word: str) -> tuple[Contribution, ...]:
    """What one occurrence of ``word`` (lower case) adds to a text's features, in the
    order :func:`mockapi.generate.vectors.features` adds it: its stem, itself, then each
    trigram of ``<word>`` (a repeated one twice)."""
    weight = vectors.STOPWORD_WEIGHT if word in vectors.STOPWORDS else 1.0
    stem = next(iter(vectors.features(word)))  # its first feature: "s:" and the stem
    marked = f"<{word}>"
    grams = [marked[i : i + 3] for i in range(len(marked) - 2)]
    share = weight * vectors.NGRAM_SHARE / len(grams)
    return (
        (stem, weight),
        ("w:" + word, weight * vectors.WORD_SHARE),
        *(("g:" + gram, share) for gram in grams),
    )


@dataclass(frozen=True)
class _Query:
    """A query's features and weights (its profile's, by name), norm and total."""

    weights: dict[str, float]
    norm: float
    total: float

    @classmethod
    def of(cls, text: str) -> _Query:
        found = vectors.features(text)
        weights = {name: w for name, w in found.items() if not name.startswith("t:")}
        values = list(weights.values())
        return cls(weights, math.sqrt(math.fsum(w * w for w in values)), math.fsum(values))


@dataclass(frozen=True)
class _Weights:
    """One feature's weight in every chunk as fixed-point integers: packed 64 bits a
    chunk when many chunks have it, else the chunks that have it and theirs. With the
    largest, and the most word occurrences adding to one chunk's weight."""

    largest: int
    occurrences: int
    packed: int | None
    positions: array.array[int] = field(default_factory=lambda: array.array("I"))
    values: array.array[int] = field(default_factory=lambda: array.array("Q"))


@dataclass(frozen=True)
class _Error:
    """What bounds the error of one query's approximate values.

    A query weight is off by at most ``step`` (half a fixed-point step) and a chunk's
    weight of feature ``k`` by ``E_k`` (half a step for each word occurrence adding to
    it), so the dot product by ``step * (T + sum E_k) + sum q_k E_k`` (``T`` the chunk's
    whole weight) and each minimum by ``max(step, E_k)``: the cosine by that over the
    norms, the coverage by ``held`` (over the query's total already)."""

    step: float
    off: float
    """The sum of the ``E_k``."""
    off_weighted: float
    """The sum of ``q_k * E_k``."""
    held: float
    norm: float
    rerank: bool

    def of_chunk(self, weight_ratio: float, inverse: float) -> float:
        """The bound for a chunk whose whole weight over its norm is ``weight_ratio``
        and ``1 / norm`` is ``inverse`` (their largest: for every chunk)."""
        if not self.norm:
            return 0.0
        dot = self.step * weight_ratio + (self.step * self.off + self.off_weighted) * inverse
        cosine = dot / self.norm
        if not self.rerank:
            return cosine * (1 + 1e-9) + 1e-12
        return (cosine + self.held + cosine * self.held) * (1 + 1e-9) + 1e-12


def _cut(lowest: float, rerank: bool) -> float:
    """The least approximate value a chunk may have and still be among the results,
    given that ``lowest`` is at most the ``limit``-th best exact value: what rounds to
    the same score counts too (ties are broken by position)."""
    score = math.sqrt(max(lowest, 0.0)) if rerank else max(lowest, 0.0)
    least = max(round(score, DIGITS) - _ROUNDING * 1.001, 0.0)
    return least * least if rerank else least


def _certain(value: float, bound: float, rerank: bool) -> float | None:
    """The rounded score of a chunk whose approximate value is ``value`` within
    ``bound``, when every value in that range rounds to the same score; else None."""
    low, high = max(value - bound, 0.0), value + bound
    if rerank:
        low, high = math.sqrt(low), math.sqrt(high)
    high = min(high, 1.0)  # the exact cosine and coverage are at most 1
    rounded = round(max(low - 1e-12, 0.0), DIGITS)
    return rounded if rounded == round(high + 1e-12, DIGITS) else None


class ChunkIndex:
    """The chunks of one vector store, ready to rank (see the module docstring)."""

    def __init__(self, texts: Iterable[str], norms: Sequence[float]) -> None:
        words: dict[str, tuple[array.array[int], array.array[int]]] = {}
        lengths: list[int] = []
        weights: list[float] = []
        per_word = 1.0 + vectors.WORD_SHARE + vectors.NGRAM_SHARE
        for position, text in enumerate(texts):
            found = _WORD.findall(text.lower())
            lengths.append(len(found))
            total = 0.0
            for word, count in Counter(found).items():
                held = words.get(word)
                if held is None:
                    held = words[word] = (array.array("I"), array.array("I"))
                held[0].append(position)
                held[1].append(count)
                total += count * (vectors.STOPWORD_WEIGHT if word in vectors.STOPWORDS else 1.0)
            weights.append(total * per_word)
        self.size = len(lengths)
        if len(norms) != self.size:
            raise ValueError(f"{len(norms)} norms for {self.size} chunks")
        self._postings = words
        self._norms = list(norms)
        self._inverse = [1.0 / n if n else 0.0 for n in self._norms]
        # Each feature's words, and what one occurrence of each adds to it (fixed point).
        self._holders: dict[str, tuple[list[str], array.array[int]]] = {}
        self._sequences: dict[str, tuple[Contribution, ...]] = {}
        for word in words:
            made = self._sequences[word] = sequence(word)
            adds: dict[str, float] = {}
            for name, weight in made:
                adds[name] = adds.get(name, 0.0) + weight
            for name, weight in adds.items():
                holders = self._holders.get(name)
                if holders is None:
                    holders = self._holders[name] = ([], array.array("Q"))
                holders[0].append(word)
                holders[1].append(round(weight * SCALE))
        # What bounds the approximation's error (see _Error): each chunk's whole weight
        # and one over its norm, and their largest (for all the chunks at once).
        self._weight_ratios = [w * i for w, i in zip(weights, self._inverse, strict=True)]
        self._largest_ratio = max(self._weight_ratios, default=0.0)
        self._largest_inverse = max(self._inverse, default=0.0)
        self._ones = int.from_bytes((b"\x01" + bytes(7)) * self.size, "little")
        self._guards = self._ones << (_FIELD - 1)
        # The counts of the words in many chunks, packed as the weights are: a feature
        # of common words (a common trigram) adds them up a whole vector at a time.
        self._dense_from = max(DENSE_FROM, self.size // 8)
        self._dense = {
            word: self._pack(self._spread(positions, counts))
            for word, (positions, counts) in words.items()
            if len(positions) >= self._dense_from
        }
        self._derived: OrderedDict[str, _Weights] = OrderedDict()
        self._derived_bytes = 0
        self._sizes: dict[str, int] = {}
        self._lock = threading.Lock()
        self._prepare()

    def memory(self) -> int:
        """About how many bytes the index holds (its postings, packed counts and derived
        weights)."""
        postings = sum(12 * len(positions) + 150 for positions, _ in self._postings.values())
        return postings + 8 * self.size * len(self._dense) + self._derived_bytes

    def top(
        self,
        queries: Sequence[str],
        *,
        limit: int,
        threshold: float = 0.0,
        rerank: bool = True,
        allowed: Callable[[int], bool] | None = None,
        text_of: Callable[[int], str],
    ) -> list[tuple[int, float]]:
        """The best ``limit`` chunks for ``queries`` as (position, score), best first:
        those :func:`~mockapi.generate.retrieval.rank` returns over the chunks in
        position order (each scoring its best over the queries; none at 0 or under
        ``threshold``; only those ``allowed`` says). ``text_of(position)`` is a
        chunk's text (read for the few scored exactly)."""
        asks = [_Query.of(query) for query in queries]
        if limit <= 0 or not self.size or not asks:
            return []
        approx: list[float] | None = None
        errors = []
        for ask in asks:
            scored, error = self._approximate(ask, rerank)
            approx = scored if approx is None else list(map(max, approx, scored))
            errors.append(error)
        assert approx is not None
        if allowed is not None:
            approx = [v if allowed(p) else 0.0 for p, v in enumerate(approx)]
        slack = max(e.of_chunk(self._largest_ratio, self._largest_inverse) for e in errors)
        best = heapq.nlargest(limit, approx)
        # Below the cut no chunk can be among the results (nor tie with the last once
        # rounded); nothing is when fewer than ``limit`` chunks score at all.
        cut = _cut(best[-1] - slack, rerank) - slack if best[-1] > 0.0 else 0.0
        candidates = [p for p, value in enumerate(approx) if value > 0.0 and value >= cut]
        hits = []
        wanted = {name for ask in asks for name in ask.weights}
        kept: dict[str, tuple[Contribution, ...]] = {}  # each word's part of the queries
        for position in candidates:
            bound = max(
                e.of_chunk(self._weight_ratios[position], self._inverse[position]) for e in errors
            )
            score = _certain(approx[position], bound, rerank)
            if score is None:
                score = self._exact(asks, wanted, kept, position, text_of(position), rerank)
            if score > 0.0 and score >= threshold:
                hits.append((position, score))
        hits.sort(key=lambda hit: -hit[1])  # stable: ties stay in position order
        return hits[:limit]

    # -- the approximation ---------------------------------------------------------------

    def _approximate(self, ask: _Query, rerank: bool) -> tuple[list[float], _Error]:
        """Each chunk's approximate squared score (its score, without ``rerank``) and
        what bounds its error."""
        dots: MutableSequence[int] = [0] * self.size
        dot, dot_bound, flushed = 0, 0, False
        held = 0
        rare: list[tuple[int, _Weights]] = []
        off = off_weighted = off_held = 0.0
        half = 0.5 / SCALE
        for feature, weight in ask.weights.items():
            found = self._weights(feature)
            if found is None:
                continue  # no chunk has it: adds nothing, exactly
            scaled = round(weight * SCALE)
            chunk_off = found.occurrences * half
            off += chunk_off
            off_weighted += weight * chunk_off
            off_held += max(half, chunk_off)
            if found.packed is None:
                rare.append((scaled, found))
                continue
            if dot_bound + scaled * found.largest >= _TOP:  # the fields would overflow
                dots = list(map(int.__add__, dots, self._unpack(dot)))
                dot, dot_bound, flushed = 0, 0, True
            dot += scaled * found.packed
            dot_bound += scaled * found.largest
            if rerank:
                held += self._minimums(found.packed, scaled)
        dots = list(map(int.__add__, dots, self._unpack(dot))) if flushed else self._unpack(dot)
        helds: MutableSequence[int] = self._unpack(held) if rerank else array.array("Q")
        if rare:  # a few chunks each: one by one
            dots, helds = list(dots), list(helds)
        for scaled, found in rare:
            for position, value in zip(found.positions, found.values, strict=True):
                dots[position] += scaled * value
                if rerank:
                    helds[position] += value if value < scaled else scaled
        error = _Error(
            half, off, off_weighted, off_held / ask.total if ask.total else 0.0, ask.norm, rerank
        )
        cosine = 1.0 / (SCALE * SCALE * ask.norm) if ask.norm else 0.0
        if not rerank:
            return list(map(cosine.__mul__, map(mul, dots, self._inverse))), error
        coverage = 1.0 / (SCALE * ask.total) if ask.total else 0.0
        products = map(mul, map(mul, dots, helds), self._inverse)
        return list(map((cosine * coverage).__mul__, products)), error

    def _weights(self, feature: str) -> _Weights | None:
        """The feature's weight in every chunk (packed when many chunks have it), or
        None when none has it. Derived from the postings of the words that hold it, and
        kept (the most recently used, within :data:`CACHE_BYTES`)."""
        with self._lock:
            found = self._derived.get(feature)
            if found is not None:
                self._derived.move_to_end(feature)
                return found
        holders = self._holders.get(feature)
        if holders is None:
            return None
        steps = list(zip(*holders, strict=True))
        if sum(len(self._postings[word][0]) for word in holders[0]) < self._dense_from:
            made = self._rare(steps)  # in few chunks however it adds up
        else:
            made = self._common(steps)
        size = 12 * len(made.positions) + 200 if made.packed is None else 8 * self.size
        with self._lock:
            if feature not in self._derived:
                self._derived[feature] = made
                self._derived_bytes += size
                self._sizes[feature] = size
                while self._derived_bytes > CACHE_BYTES and len(self._derived) > 1:
                    dropped, _ = self._derived.popitem(last=False)
                    self._derived_bytes -= self._sizes.pop(dropped)
        return made

    def _prepare(self) -> None:
        """Derive the features that cost the most to derive (those of the most words in
        the most chunks: common trigrams, stopwords), within :data:`PREPARED_BYTES`:
        most queries have them."""
        cost = {
            feature: sum(len(self._postings[word][0]) for word in holders[0])
            for feature, holders in self._holders.items()
        }
        budget = PREPARED_BYTES // max(1, 8 * self.size)
        for feature in heapq.nlargest(budget, cost, key=cost.__getitem__):
            if cost[feature] < self._dense_from:
                break
            self._weights(feature)

    def _rare(self, steps: list[tuple[str, int]]) -> _Weights:
        """A feature's weights from the postings of its words, in few chunks."""
        sums: dict[int, int] = {}
        occurrences: dict[int, int] = {}
        for word, step in steps:
            positions, counts = self._postings[word]
            for position, count in zip(positions, counts, strict=True):
                sums[position] = sums.get(position, 0) + count * step
                occurrences[position] = occurrences.get(position, 0) + count
        ordered = sorted(sums)
        return _Weights(
            max(sums.values()),
            max(occurrences.values()),
            None,
            array.array("I", ordered),
            array.array("Q", (sums[p] for p in ordered)),
        )

    def _common(self, steps: list[tuple[str, int]]) -> _Weights:
        """A feature's weights from its words' postings (packed ones whole), in many
        chunks (packed when they are many, as most are)."""
        sums = [0] * self.size
        occurrences = [0] * self.size
        packed_sums = packed_occurrences = 0
        for word, step in steps:
            dense = self._dense.get(word)
            if dense is not None:
                packed_sums += step * dense
                packed_occurrences += dense
                continue
            positions, counts = self._postings[word]
            for position, count in zip(positions, counts, strict=True):
                sums[position] += count * step
                occurrences[position] += count
        if packed_sums:
            sums = list(map(int.__add__, sums, self._unpack(packed_sums)))
            occurrences = list(map(int.__add__, occurrences, self._unpack(packed_occurrences)))
        largest, most = max(sums), max(occurrences)
        if self.size - sums.count(0) >= self._dense_from:
            return _Weights(largest, most, self._pack(sums))
        positions = array.array("I", (p for p, value in enumerate(sums) if value))
        values = array.array("Q", (sums[p] for p in positions))
        return _Weights(largest, most, None, positions, values)

    def _minimums(self, values: int, scaled: int) -> int:
        """Each chunk's ``min(scaled, value)``, packed: a guard bit over each field says
        where the value is at least ``scaled``; there the difference is taken off."""
        differences = (values | self._guards) - scaled * self._ones
        at_least = (differences >> (_FIELD - 1)) & self._ones
        return values - (differences & (at_least * _LOW))

    def _spread(self, positions: Iterable[int], counts: Iterable[int]) -> list[int]:
        """A word's count in every chunk (0 where it is not)."""
        spread = [0] * self.size
        for position, count in zip(positions, counts, strict=True):
            spread[position] = count
        return spread

    @staticmethod
    def _pack(values: list[int]) -> int:
        return int.from_bytes(array.array("Q", values).tobytes(), "little")

    def _unpack(self, packed: int) -> array.array[int]:
        unpacked = array.array("Q")
        unpacked.frombytes(packed.to_bytes(8 * self.size, "little"))
        return unpacked

    # -- the exact scores ----------------------------------------------------------------

    def _exact(
        self,
        asks: Sequence[_Query],
        wanted: set[str],
        kept: dict[str, tuple[Contribution, ...]],
        position: int,
        text: str,
        rerank: bool,
    ) -> float:
        """The chunk's score as :func:`~mockapi.generate.retrieval.rank` gives it:
        ``wanted`` are the queries' features, ``kept`` what each word adds to them."""
        sums: dict[str, float] = {}
        for word in _WORD.findall(text.lower()):
            adds = kept.get(word)
            if adds is None:
                made = self._sequences.get(word) or sequence(word)
                adds = kept[word] = tuple(add for add in made if add[0] in wanted)
            for name, weight in adds:
                sums[name] = sums.get(name, 0.0) + weight
        norm = self._norms[position]
        return max(_similarity(ask, sums, norm, rerank) for ask in asks)


def _similarity(ask: _Query, held: dict[str, float], norm: float, rerank: bool) -> float:
    """:func:`~mockapi.generate.retrieval.similarity` from the chunk's weights of the
    query's features and its norm (the same operations, in the same order)."""
    if not ask.norm or not norm:
        score = 0.0
    else:
        dot = math.fsum(w * held.get(name, 0.0) for name, w in ask.weights.items())
        score = min(1.0, dot / (ask.norm * norm))
    if rerank:
        covered = 0.0
        if ask.total:
            found = math.fsum(min(w, held.get(name, 0.0)) for name, w in ask.weights.items())
            covered = min(1.0, found / ask.total)
        score = math.sqrt(score * covered)
    return round(score, DIGITS)
