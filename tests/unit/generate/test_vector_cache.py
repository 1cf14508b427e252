"""The embedding-vector cache is bounded: a count of vectors, and only for short texts.

It used to keep 2,048 vectors of texts of any length: ~13 MB of 1536-dimension vectors
plus every text, on a server answering distinct embeddings requests.
"""

from __future__ import annotations

from mockapi.generate import vectors


def test_the_cache_keeps_at_most_its_count_of_vectors() -> None:
    vectors._embed.cache_clear()
    for n in range(vectors.CACHED_VECTORS + 100):
        vectors.embed(f"document number {n}", model="text-embedding-3-small", dimensions=8)
    info = vectors._embed.cache_info()
    assert info.currsize == vectors.CACHED_VECTORS <= 256
    # The bound in bytes the docstring gives: vectors of 3072 float32 values, and texts
    # of at most CACHED_TEXT_CHARS characters of up to 4 bytes each.
    assert vectors.CACHED_VECTORS * (3072 * 4 + 4 * vectors.CACHED_TEXT_CHARS) <= 5_300_000


def test_a_long_text_is_embedded_but_not_cached() -> None:
    vectors._embed.cache_clear()
    long = "word " * (vectors.CACHED_TEXT_CHARS // 5 + 1)
    first = vectors.embed(long, model="text-embedding-3-small", dimensions=8)
    assert vectors._embed.cache_info().currsize == 0
    assert vectors.embed(long, model="text-embedding-3-small", dimensions=8) == first
    short = vectors.embed("word", model="text-embedding-3-small", dimensions=8)
    assert vectors._embed.cache_info().currsize == 1
    assert vectors.embed("word", model="text-embedding-3-small", dimensions=8) == short
