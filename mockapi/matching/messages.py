"""The messages of a request body, whatever the endpoint calls them.

Chat ``messages``, Responses ``input`` (a string or items), legacy Completions
``prompt`` and Embeddings ``input``: the ``content`` matcher, the near-miss report and
the body view all read message text through :func:`messages_of`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Message", "messages_of"]


_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})


@dataclass(frozen=True)
class Message:
    """A message's text as the content matcher sees it; ``field`` says where it was."""

    field: str
    role: str
    text: str


def messages_of(body: Any) -> list[Message]:
    """The messages of a request body, in order.

    Chat ``messages`` (``content`` a string, or the ``text`` of its text parts joined by
    newlines); Responses ``input`` (a string is one user message; list items with a
    ``role`` and ``content``, and ``function_call_output`` items as ``tool``); legacy
    Completions ``prompt`` and Embeddings ``input`` strings count as ``user`` messages.
    """
    if not isinstance(body, dict):
        return []
    found: list[Message] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        for i, item in enumerate(messages):
            if isinstance(item, dict):
                role = str(item.get("role", ""))
                found.append(Message(f"messages[{i}].content", role, _text(item.get("content"))))
    for key in ("input", "prompt"):
        value = body.get(key)
        if isinstance(value, str):
            found.append(Message(key, "user", value))
        elif isinstance(value, list):
            found.extend(_input_items(key, value))
    return found


def _input_items(key: str, items: list[Any]) -> Iterable[Message]:
    for i, item in enumerate(items):
        if isinstance(item, str):
            yield Message(f"{key}[{i}]", "user", item)
        elif isinstance(item, dict) and "content" in item:
            role = str(item.get("role", "user"))
            yield Message(f"{key}[{i}].content", role, _text(item["content"]))
        elif isinstance(item, dict) and item.get("type") == "function_call_output":
            yield Message(f"{key}[{i}].output", "tool", _text(item.get("output")))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (p for p in content if isinstance(p, dict) and p.get("type") in _TEXT_PARTS)
        return "\n".join(p["text"] for p in parts if isinstance(p.get("text"), str))
    return ""
