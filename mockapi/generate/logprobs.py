"""Log probabilities for synthesized text, well-formed like the real API's.

One entry per real token of the content (the model's tokenizer, so the tokens are the
ones the usage counts), each with its UTF-8 ``bytes``, a ``logprob`` <= 0 and
``top_logprobs`` of the requested length: the chosen token first, then common tokens
of the vocabulary with lower log probabilities. A token that holds only part of a
UTF-8 character is shown as ``bytes:\\xe2\\x80`` like the API does; otherwise the
tokens concatenate to the content, so a stream can carry them one per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import Any

from mockapi.wire import tokens

_ALTERNATIVES = (
    " the", " a", ",", ".", " and", " of", " to", " in", " is", " it", " that", " for",
    " on", " with", " as", " this", " be", " are", " or", " by", " an", " not", " at",
    " from", " you",
)  # fmt: skip


def for_text(text: str, *, model: str | None, top: int, rng: Random) -> list[dict[str, Any]]:
    """``logprobs.content`` for ``text``: one entry per token, ``top`` alternatives each."""
    return for_tokens(tokens.encode(text, model), model=model, top=top, rng=rng)


def for_tokens(
    ids: Sequence[int], *, model: str | None, top: int, rng: Random
) -> list[dict[str, Any]]:
    """:func:`for_text` for text given as token ids (a prompt sent as tokens)."""
    pieces = tokens.token_bytes(ids, model)
    pool = _pool(model)
    entries = []
    for piece in pieces:
        shown = _shown(piece)
        chosen = -round(rng.random() ** 3 * 1.5, 6)
        alternatives = [{"token": shown, "logprob": chosen, "bytes": list(piece)}]
        current = chosen
        for candidate in pool:
            if len(alternatives) >= top:
                break
            if candidate == shown:
                continue
            current = round(current - rng.uniform(0.5, 3.0), 6)
            encoded = candidate.encode()
            alternatives.append({"token": candidate, "logprob": current, "bytes": list(encoded)})
        entry = {
            "token": shown,
            "logprob": chosen,
            "bytes": list(piece),
            "top_logprobs": alternatives[:top],
        }
        entries.append(entry)
    return entries


def _pool(model: str | None) -> list[str]:
    """Alternative tokens: common words that are one token in ``model``'s vocabulary."""
    return [word for word in _ALTERNATIVES if tokens.count_text(word, model) == 1]


def _shown(piece: bytes) -> str:
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes:" + "".join(f"\\x{b:02x}" for b in piece)
