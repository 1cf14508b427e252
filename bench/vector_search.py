"""The vector search section: search over a vector store of 1,000 files (issue 21).

:func:`run` starts ``mockapi serve`` as users run it (``bench.memory.mockapi_serve``: on
miss synthesize, the bundled fixtures, validation on, ``--instant``) in its own process,
uploads :data:`FILES` text files of :data:`FILE_BYTES` bytes each (``purpose:
assistants``), attaches them to one vector store with a file batch and polls it until
every file is processed (extracted, chunked: ``auto``, 800 tokens with 400 of overlap),
then runs :data:`SEARCHES` different searches (``POST /v1/vector_stores/{id}/search``,
the default ``max_num_results`` of 10, the default ranker) one after the other on one
keep-alive connection, each timed from the client: p50 and p99 in milliseconds. The
first search is timed apart (``first_ms``): the store's index is built then
(:mod:`mockapi.endpoints.vector_stores.index`). The server's RSS after the searches is
reported too (the index and its derived weights stay in memory).

**The text** (:func:`corpus`) is English-like prose with the statistics of real text:
words drawn by a Zipf law (exponent 1) from a vocabulary of about 29,000 words, in
sentences of 6 to 20 words and paragraphs of 3 to 7 sentences, with a few numbers.
Most frequent first: the English function words, then Faker's English word list, the
words of its job titles and its surnames (a fixed shuffled order), then forms of those
words with common suffixes (``-ing``, ``-ment``, ``-ness``, ...). Heaps' law puts the
vocabulary of 10 MB of English prose at tens of thousands of words; with a few
thousand, every word would be in most chunks. Deterministic for a seed.

**The queries** (:func:`queries`): half are phrases of 3 to 8 words quoted from one of
the files (a user pasting what they remember), half are questions naming two
words of the vocabulary ("What does the document say about harbor and Fletcher?").

Not a timed test: the figures go to the table and to ``bench/results.json``.
``python -m bench.vector_search [FILES]`` runs it alone.
"""

from __future__ import annotations

import bisect
import json
import random
import statistics
import sys
import time
from itertools import accumulate
from typing import Any

import httpx

from bench.memory import mockapi_serve
from bench.procs import HOST, rss_mb

FILES = 1_000
FILE_BYTES = 10 * 1024
SEARCHES = 100
SEED = 21
BUDGET_P50_MS = 20.0
KEY = "Bearer sk-bench-0000"
_FUNCTION_WORDS = (
    "the of and to a in is that for it as was with be by on not he this are or his from "
    "at which but have an they you were her she there been one all we their has would "
    "when if so no will can more about what up its into than them only other new some "
    "could these two may then do first any like my now over such our most even made "
    "after also did many before must through back years where much your way well down "
    "should because each just those people how too little state good very make world "
    "still own see men work long get here between both life being under never day same "
    "another know while last might us great old year off come since against go came "
    "right used take three"
)


_SUFFIXES: tuple[str, ...] = ("s", "ed", "ing", "er", "ers", "ly", "ness", "ment", "ments")
_SUFFIXES += ("tion", "tions", "able", "al", "ally", "ful", "less", "ist", "ism", "ize", "ized")
_SUFFIXES += ("ity", "ive")


def vocabulary() -> list[str]:
    """The words, most frequent first (see the module docstring)."""
    from faker.providers.job.en_US import Provider as Jobs
    from faker.providers.lorem.en_US import Provider as Lorem
    from faker.providers.person.en_US import Provider as People

    first = list(dict.fromkeys(_FUNCTION_WORDS.split()))
    seen = set(first)
    base: list[str] = []
    sources = (
        list(Lorem.word_list),
        [w.strip(",()").lower() for job in Jobs.jobs for w in job.split()],
        list(People.last_names),
    )
    for source in sources:
        for word in source:
            if word and word.isalpha() and word.lower() not in seen:
                seen.add(word.lower())
                base.append(word)
    rng = random.Random(SEED)
    rng.shuffle(base)
    # The rarer forms of the words (a document's long tail), after them.
    derived = [
        word + suffix
        for word in base
        if word.islower()
        for suffix in _SUFFIXES
        if word + suffix not in seen
    ]
    rng.shuffle(derived)
    return first + base + derived


class _Zipf:
    """Draws words by a Zipf law over :func:`vocabulary` (rank r weighs 1/r)."""

    def __init__(self, rng: random.Random) -> None:
        self.words = vocabulary()
        self.cumulative = list(accumulate(1.0 / rank for rank in range(1, len(self.words) + 1)))
        self.rng = rng

    def word(self) -> str:
        at = self.rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, at)]

    def content_word(self) -> str:
        """A word that is not one of the function words (a question's subject)."""
        while True:
            word = self.word()
            if word not in _FUNCTION_WORDS.split():
                return word

    def sentence(self) -> str:
        words = [self.word() for _ in range(self.rng.randint(6, 20))]
        if self.rng.random() < 0.15:
            words.insert(self.rng.randrange(len(words)), str(self.rng.randint(2, 2030)))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."


def corpus(files: int = FILES, size: int = FILE_BYTES, seed: int = SEED) -> list[bytes]:
    """``files`` documents of ``size`` bytes (cut at a word), as UTF-8."""
    draw = _Zipf(random.Random(seed))
    out = []
    for _ in range(files):
        paragraphs: list[str] = []
        length = 0
        while length < size:
            sentences = [draw.sentence() for _ in range(draw.rng.randint(3, 7))]
            paragraphs.append(" ".join(sentences))
            length += len(paragraphs[-1]) + 2
        text = "\n\n".join(paragraphs)[:size]
        out.append(text[: text.rfind(" ")].encode())
    return out


def queries(documents: list[bytes], count: int = SEARCHES, seed: int = SEED) -> list[str]:
    """``count`` different queries (see the module docstring)."""
    rng = random.Random(seed + 1)
    draw = _Zipf(rng)
    out: list[str] = []
    while len(out) < count:
        if len(out) % 2 == 0:
            words = rng.choice(documents).decode().split()
            length = rng.randint(3, 8)
            start = rng.randrange(len(words) - length)
            query = " ".join(words[start : start + length]).strip(".")
        else:
            subject = draw.content_word(), draw.content_word()
            query = f"What does the document say about {subject[0]} and {subject[1]}?"
        if query not in out:
            out.append(query)
    return out


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _store(http: httpx.Client, documents: list[bytes]) -> tuple[str, float]:
    """A vector store holding ``documents`` (every file processed); its id and the
    seconds from the file batch's create to its completion."""
    file_ids = []
    for number, data in enumerate(documents):
        files = {"file": (f"doc-{number:04d}.txt", data, "text/plain")}
        uploaded = http.post("/v1/files", data={"purpose": "assistants"}, files=files)
        uploaded.raise_for_status()
        file_ids.append(uploaded.json()["id"])
    store = http.post("/v1/vector_stores", json={"name": "bench"}).json()
    began = time.perf_counter()
    path = f"/v1/vector_stores/{store['id']}/file_batches"
    batch = http.post(path, json={"file_ids": file_ids}).json()
    while batch["status"] == "in_progress":
        time.sleep(0.05)
        batch = http.get(f"{path}/{batch['id']}").json()
    counts = batch["file_counts"]
    if counts["completed"] != len(documents):
        raise RuntimeError(f"the files were not all processed: {counts}")
    return str(store["id"]), time.perf_counter() - began


def run(files: int = FILES, searches: int = SEARCHES) -> dict[str, Any]:
    """The section's figures: ``files``, ``p50_ms``, ``p99_ms`` (and how it went)."""
    documents = corpus(files)
    asked = queries(documents, searches)
    with mockapi_serve() as (proc, port):
        headers = {"authorization": KEY}
        with httpx.Client(base_url=f"http://{HOST}:{port}", headers=headers, timeout=600) as http:
            store_id, processing_s = _store(http, documents)
            path = f"/v1/vector_stores/{store_id}/search"
            times: list[float] = []
            results = 0
            first_ms = 0.0
            for number, query in enumerate([asked[0], *asked]):
                began = time.perf_counter()
                answer = http.post(path, json={"query": query})
                elapsed = (time.perf_counter() - began) * 1000
                answer.raise_for_status()
                if number == 0:
                    first_ms = elapsed
                    continue
                times.append(elapsed)
                results += len(answer.json()["data"])
            rss = rss_mb(proc.pid)
    return {
        "files": files,
        "file_bytes": FILE_BYTES,
        "searches": searches,
        "processing_s": round(processing_s, 1),
        "first_ms": round(first_ms, 1),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(percentile(times, 0.99), 2),
        "results_per_search": round(results / max(1, len(times)), 1),
        "rss_mb": rss,
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The table's rows for this section (``bench.report``)."""
    head = f"**vector search: {results['files']:,} files of {results['file_bytes']:,} bytes**"
    return [
        (head, "", "", ""),
        ("search p50 / p99", "", f"{results['p50_ms']} ms", f"p99 {results['p99_ms']} ms"),
        (
            "first search (builds the index); processing the files",
            "",
            f"{results['first_ms']} ms",
            f"{results['processing_s']} s",
        ),
        ("server RSS after the searches", "", f"{results['rss_mb']} MB", ""),
    ]


def main() -> int:
    """``python -m bench.vector_search [FILES]``: this section alone; figures, then JSON."""
    files = int(sys.argv[1]) if len(sys.argv) > 1 else FILES
    results = run(files)
    for row in rows(results):
        print(" | ".join(cell for cell in row if cell))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
