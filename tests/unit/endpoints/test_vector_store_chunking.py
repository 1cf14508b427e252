"""Chunking as the API documents it: the strategies' bounds, and chunks counted with the
real tokenizer (cl100k_base), cut where a reader can find them in the text again."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from mockapi.endpoints.vector_stores import chunking
from mockapi.endpoints.vector_stores.chunking import AUTO, Strategy
from mockapi.errors import APIError
from mockapi.wire import tokens

WORDS = " ".join(f"river{n % 7} stone{n % 11} light" for n in range(1500))


def static(size: Any, overlap: Any) -> dict[str, Any]:
    return {
        "type": "static",
        "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap},
    }


def test_auto_is_static_800_with_400_of_overlap() -> None:
    assert chunking.parse(None) == chunking.parse({"type": "auto"}) == AUTO == Strategy(800, 400)
    assert AUTO.to_json() == static(800, 400)


@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (100, 50), (4096, 2048), (800, 400)])
def test_static_strategies_within_the_bounds(size: int, overlap: int) -> None:
    assert chunking.parse(static(size, overlap)) == Strategy(size, overlap)


@pytest.mark.parametrize(
    ("value", "param", "words"),
    [
        (static(99, 0), "chunking_strategy.static.max_chunk_size_tokens", "between 100 and 4096"),
        (static(4097, 0), "chunking_strategy.static.max_chunk_size_tokens", "between 100"),
        (static(200, 101), "chunking_strategy.static.chunk_overlap_tokens", "half"),
        (static(200, -1), "chunking_strategy.static.chunk_overlap_tokens", "at least 0"),
        (static("800", 0), "chunking_strategy.static.max_chunk_size_tokens", "an integer"),
        ({"type": "static"}, "chunking_strategy.static", "Missing required"),
        ({"type": "semantic"}, "chunking_strategy.type", "'auto' and 'static'"),
    ],
)
def test_strategies_out_of_bounds_are_the_apis_400(value: Any, param: str, words: str) -> None:
    with pytest.raises(APIError) as refused:
        chunking.parse(value)
    assert refused.value.status == 400
    assert refused.value.param == param
    assert words in refused.value.message


def test_the_param_names_where_the_request_put_the_strategy() -> None:
    with pytest.raises(APIError) as refused:
        chunking.parse(static(50, 0), param="files[2].chunking_strategy")
    assert refused.value.param == "files[2].chunking_strategy.static.max_chunk_size_tokens"


def test_a_short_text_is_one_chunk_and_no_text_none() -> None:
    assert chunking.chunk("A short note.") == ["A short note."]
    assert chunking.chunk("") == []


def test_auto_chunks_step_400_tokens_and_hold_at_most_800() -> None:
    total = len(tokens.encode(WORDS, chunking.TOKENIZER_MODEL))
    cut = chunking.chunk(WORDS)
    assert len(cut) == math.ceil((total - 800) / 400) + 1
    counts = [chunking.count(piece) for piece in cut]
    assert all(count <= 800 for count in counts) and counts[0] >= 795
    # neighbours share their overlap: the second half of one is the first half of the next
    for first, second in itertools.pairwise(cut):
        middle = first[len(first) // 2 + 20 : len(first) // 2 + 80]
        assert middle in second
        assert WORDS.index(second) > WORDS.index(first)


def test_chunks_without_overlap_join_back_into_the_text() -> None:
    cut = chunking.chunk(WORDS, Strategy(100, 0))
    assert "".join(cut) == WORDS
    assert all(chunking.count(piece) <= 100 for piece in cut)
    assert sum(chunking.count(piece) == 100 for piece in cut) >= len(cut) - 2


def test_cuts_inside_characters_move_to_a_character_boundary() -> None:
    text = "naïve café 日本語のテキスト 🎉🎉 " * 300
    cut = chunking.chunk(text, Strategy(100, 0))
    assert "".join(cut) == text
    assert all("\ufffd" not in piece and chunking.count(piece) <= 100 for piece in cut)
    overlapping = chunking.chunk(text, Strategy(150, 75))
    assert all(piece in text and chunking.count(piece) <= 150 for piece in overlapping)
