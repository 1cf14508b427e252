"""Token counts for ``usage``: an estimate close to OpenAI's tokenizers, with no data files.

The real tokenizers (``o200k_base``, ``cl100k_base``) need vocabulary files that are
fetched at run time, which a mock that must work offline cannot do. This estimate
splits text the way their pre-tokenizer does (words with their leading space, runs of
digits of up to three, punctuation runs) and counts long words as several tokens,
which lands within a few percent of the real counts for English prose. Chat framing
follows OpenAI's published accounting: 3 tokens per message plus 3 to prime the reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_PIECES = re.compile(r" ?[A-Za-z\u00C0-\uFFFF]+| ?\d{1,3}| ?[^\sA-Za-z\d]+|\s+")
_TOKENS_PER_MESSAGE = 3
_REPLY_PRIMING = 3


def count_text(text: str) -> int:
    """Estimated tokens in ``text``."""
    total = 0
    for piece in _PIECES.findall(text):
        word = piece.strip()
        if not word:
            total += 1 if "\n" in piece else 0
            continue
        # Common words are one token; long or rare ones split every ~4 characters.
        total += max(1, (len(word) + 3) // 4) if len(word) > 6 else 1
    return total


def message_text(content: Any) -> str:
    """The text of a message ``content``: a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def count_messages(messages: Iterable[Any], tools: Any = None) -> int:
    """Estimated ``prompt_tokens`` for a chat request's messages (and tool definitions)."""
    total = _REPLY_PRIMING
    for message in messages:
        if not isinstance(message, dict):
            continue
        total += _TOKENS_PER_MESSAGE + count_text(str(message.get("role", "")))
        total += count_text(message_text(message.get("content")))
        for call in message.get("tool_calls") or []:
            function = call.get("function", {}) if isinstance(call, dict) else {}
            total += count_text(str(function.get("name", ""))) + count_text(
                str(function.get("arguments", ""))
            )
    if tools:
        total += count_text(json.dumps(tools, separators=(",", ":")))
    return total
