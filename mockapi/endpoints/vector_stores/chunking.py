"""Chunking a document's text as the API documents it (pure).

A file is cut into chunks of at most ``max_chunk_size_tokens`` tokens, each starting
``max_chunk_size_tokens - chunk_overlap_tokens`` tokens after the one before (so
neighbours share ``chunk_overlap_tokens``), the last one ending with the text. ``auto``
is ``static`` with 800 and 400 (the API's documented values); ``static`` takes
100..4096 tokens a chunk and an overlap of at most half of that.

Tokens are counted with the real tokenizer (``cl100k_base``, the encoding of the
``text-embedding-3`` models that embed the chunks: assumed, the API does not say). Each
chunk is cut at token boundaries moved forward to the next character boundary (a token
may end inside a UTF-8 character), so every chunk is an exact substring of the text and
the chunks with no overlap join back into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from mockapi.errors import APIError
from mockapi.wire import tokens

MIN_CHUNK_TOKENS = 100
MAX_CHUNK_TOKENS = 4096
TOKENIZER_MODEL = "text-embedding-3-large"
"""Whose encoding counts the tokens (``cl100k_base``)."""


@dataclass(frozen=True)
class Strategy:
    """A static chunking strategy: chunk size and overlap, in tokens."""

    max_chunk_size_tokens: int = 800
    chunk_overlap_tokens: int = 400

    def to_json(self) -> dict[str, Any]:
        """As a vector store file shows it (``auto`` is shown as the static it is)."""
        return {
            "type": "static",
            "static": {
                "max_chunk_size_tokens": self.max_chunk_size_tokens,
                "chunk_overlap_tokens": self.chunk_overlap_tokens,
            },
        }


AUTO = Strategy()
"""``{"type": "auto"}``: 800 tokens a chunk, 400 of overlap."""


def parse(value: Any, *, param: str = "chunking_strategy") -> Strategy:
    """The strategy a request asks for (``None``: ``auto``), or the API's 400 naming
    the bad value (``param`` is where the request put it)."""
    if value is None:
        return AUTO
    if not isinstance(value, Mapping) or value.get("type") not in ("auto", "static"):
        kind = value.get("type") if isinstance(value, Mapping) else value
        raise APIError(
            400,
            f"Invalid value for '{param}.type': {kind!r}. Supported values are: 'auto' and "
            "'static'.",
            param=f"{param}.type",
            code="invalid_value",
        )
    if value["type"] == "auto":
        return AUTO
    static = value.get("static")
    if not isinstance(static, Mapping):
        raise APIError(
            400,
            f"Missing required parameter: '{param}.static'.",
            param=f"{param}.static",
            code="missing_required_parameter",
        )
    size = _integer(static.get("max_chunk_size_tokens"), f"{param}.static.max_chunk_size_tokens")
    overlap = _integer(static.get("chunk_overlap_tokens"), f"{param}.static.chunk_overlap_tokens")
    if not MIN_CHUNK_TOKENS <= size <= MAX_CHUNK_TOKENS:
        raise APIError(
            400,
            f"Invalid '{param}.static.max_chunk_size_tokens': {size}. It must be between "
            f"{MIN_CHUNK_TOKENS} and {MAX_CHUNK_TOKENS}.",
            param=f"{param}.static.max_chunk_size_tokens",
            code="invalid_value",
        )
    if not 0 <= overlap <= size // 2:
        raise APIError(
            400,
            f"Invalid '{param}.static.chunk_overlap_tokens': {overlap}. The overlap must be "
            f"at least 0 and must not exceed half of max_chunk_size_tokens ({size // 2}).",
            param=f"{param}.static.chunk_overlap_tokens",
            code="invalid_value",
        )
    return Strategy(size, overlap)


def _integer(value: Any, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise APIError(
            400,
            f"Invalid type for '{param}': expected an integer, but got {value!r}.",
            param=param,
            code="invalid_type",
        )
    return value


def chunk(text: str, strategy: Strategy = AUTO) -> list[str]:
    """``text`` cut into chunks as ``strategy`` says (see the module docstring); ``[]``
    for text with no tokens."""
    ids = tokens.encode(text, TOKENIZER_MODEL)
    if not ids:
        return []
    raw = text.encode("utf-8")
    sizes = [len(piece) for piece in tokens.token_bytes(ids, TOKENIZER_MODEL)]
    offsets = [0, *accumulate(sizes)]  # byte offset where each token starts (and the end)
    size, overlap = strategy.max_chunk_size_tokens, strategy.chunk_overlap_tokens
    found: list[str] = []
    start = 0
    while True:
        end = min(start + size, len(ids))
        piece = _piece(raw, offsets, start, end)
        # Text cut inside a character, or between tokens that merge once apart, may
        # encode to a token or two more than it was cut from: cut it shorter then.
        while end > start + 1 and count(piece) > size:
            end -= 1
            piece = _piece(raw, offsets, start, end)
        if piece:
            found.append(piece)
        if end == len(ids):
            return found
        start = max(end - overlap, start + 1)


def count(text: str) -> int:
    """Tokens in ``text`` as chunking counts them."""
    return tokens.count_text(text, TOKENIZER_MODEL)


def _piece(raw: bytes, offsets: list[int], start: int, end: int) -> str:
    """The text of tokens ``start`` to ``end``, cut at character boundaries."""
    return raw[_char_start(raw, offsets[start]) : _char_start(raw, offsets[end])].decode("utf-8")


def _char_start(raw: bytes, at: int) -> int:
    """``at`` moved forward past UTF-8 continuation bytes (to a character's start)."""
    while at < len(raw) and raw[at] & 0xC0 == 0x80:
        at += 1
    return at
