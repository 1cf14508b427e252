"""Pacing a stream: a time to first token, then a tokens-per-second rate.

:func:`pace` rewrites each event's ``delay`` (the pause before it): the first event
waits ``ttft``; every later one waits for its tokens at ``tps`` tokens a second, its
tokens being the text it carries (a chat chunk's ``delta.content``, refusal and tool
call arguments; a Responses or Completions event's ``delta`` or ``text``), counted by
the real tokenizer. Events without text (the role chunk, ``[DONE]``) pass at once.
Pure: the web layer does the sleeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from mockapi.model import SSEEvent
from mockapi.wire import tokens


def event_text(data: Any) -> str:
    """The generated text one event carries (empty for bookkeeping events)."""
    if not isinstance(data, dict):
        return ""
    parts: list[str] = []
    for choice in data.get("choices") or []:
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict):
            parts.extend(str(delta.get(k) or "") for k in ("content", "refusal"))
            for call in delta.get("tool_calls") or []:
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict):
                    parts.append(str(function.get("arguments") or ""))
        elif isinstance(choice.get("text"), str):
            parts.append(choice["text"])  # a legacy completion chunk
    if isinstance(data.get("delta"), str):
        parts.append(data["delta"])  # Responses and audio events
    return "".join(parts)


def event_tokens(event: SSEEvent, model: str | None = None) -> int:
    """Tokens in the text ``event`` carries."""
    return tokens.count_text(event_text(event.data), model)


def pace(
    events: Iterable[SSEEvent],
    *,
    ttft: float | None = None,
    tps: float | None = None,
    model: str | None = None,
) -> tuple[SSEEvent, ...]:
    """``events`` with the delays a ``ttft`` and a ``tps`` pace give (unset: kept)."""
    paced: list[SSEEvent] = []
    for index, event in enumerate(events):
        delay = event.delay
        if tps is not None:
            delay = event_tokens(event, model) / tps
        if index == 0 and ttft is not None:
            delay = ttft
        paced.append(replace(event, delay=delay))
    return tuple(paced)
