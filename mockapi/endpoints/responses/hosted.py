"""When synthesis calls a hosted tool (``code_interpreter``, ``file_search``, ...).

Function tools are chosen by :mod:`mockapi.endpoints.chat.tools`; a hosted tool the
API runs itself is called by this rule, the same for each kind:

* ``tool_choice: {"type": KIND}`` forces it, and so does ``allowed_tools`` in
  ``required`` mode allowing only it; ``allowed_tools`` that does not list it, another
  forced tool and ``"none"`` keep it from being called;
* otherwise (``auto``, ``required``, absent) it is called when the turn ends with a user
  message and the synthesis chose no function calls (they answer the turn): never right
  after a function call's output.

The model's question is the last user message's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.responses.items import raw_items
from mockapi.wire import tokens


def question(
    request: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    output: Sequence[Mapping[str, Any]],
    kind: str,
) -> str | None:
    """The question the hosted tool ``kind`` is called about this turn, or None when the
    model does not call it (see the module docstring)."""
    choice = request.get("tool_choice")
    forced = isinstance(choice, dict) and choice.get("type") == kind
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        allowed = [t for t in choice.get("tools") or [] if isinstance(t, dict)]
        if not any(t.get("type") == kind for t in allowed):
            return None
        forced = choice.get("mode") == "required" and len(allowed) == 1
    elif (isinstance(choice, dict) and not forced) or choice == "none":
        return None
    items = [*history, *raw_items(request)]
    if not forced:
        calls = any(item.get("type") == "function_call" for item in output)
        last = items[-1] if items else {}
        if calls or last.get("type", "message") != "message" or last.get("role") != "user":
            return None
    for item in reversed(items):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            asked = tokens.message_text(item.get("content"))
            return asked if asked.strip() else None
    return None
