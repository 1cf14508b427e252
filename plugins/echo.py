"""echo: answer chat completions with the user's last message (streamed too).

Load with ``mockapi serve --plugin echo``. Requests that no fixture matches are
answered with a completion whose content is the last user message, exactly; with
``stream: true`` it arrives in pieces like any streamed answer. Handy for wiring up a
chat UI before any fixture exists.
"""

from __future__ import annotations

from typing import Any

from mockapi import PluginAPI, Request

CHAT = "/v1/chat/completions"


def last_user_text(body: dict[str, Any]) -> str | None:
    """The text of the last ``user`` message (its text parts joined), or None."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                parts = [p.get("text", "") for p in content if isinstance(p, dict)]
                return "\n".join(p for p in parts if isinstance(p, str))
    return None


def setup(api: PluginAPI) -> None:
    @api.responder
    def echo(request: Request) -> dict[str, Any] | None:
        if request.method != "POST" or request.path != CHAT or not isinstance(request.json, dict):
            return None
        text = last_user_text(request.json)
        if text is None:
            return None
        message = {"role": "assistant", "content": text}
        return {"body": {"choices": [{"message": message, "finish_reason": "stop"}]}}
