"""One turn of a run: the model's answer through the mock's own replay flow.

A run asks its model as a chat request would, so the same fixtures answer it (and a
miss is synthesized, or the no-match error, as ``on_miss`` says): :func:`take` builds a
``POST /v1/chat/completions`` request and sends it through
:attr:`~mockapi.endpoints.endpoint.Context.dispatch` (validation, fixtures, synthesis,
faults, the journal, the usage ledger), with the credentials of the request that moved
the run. The chat request is:

* ``model``: the run's; ``messages``: a ``system`` message with the run's
  ``instructions`` (when it has any), the file search results of the run (a ``system``
  message naming each passage's file, when the run searched), then the thread's
  messages oldest first (``user`` and ``assistant``; text parts as text, ``image_url``
  parts as such; an ``image_file`` part becomes a text note naming the file, since a
  chat request cannot refer to a File), then the run's function calls and their
  outputs (an ``assistant`` message with ``tool_calls``, a ``tool`` message each);
* ``tools``: the run's ``function`` tools; ``tool_choice`` as the run's (a forced
  ``function`` kept, ``none``/``auto``/``required`` as they are; a forced
  ``file_search`` or ``code_interpreter`` leaves ``auto``; a turn after the run's calls
  came back is ``auto``: forcing, or ``required``, holds for the first turn only, else a
  run would call its tool forever); ``parallel_tool_calls``;
  ``temperature`` and ``top_p`` when not 1; an object ``response_format``;
* ``truncation_strategy: last_messages`` keeps the last N messages of the thread; with
  ``max_prompt_tokens`` (what is left of it over the run), ``auto`` truncation drops the
  oldest messages until the prompt fits (counted by the model's real tokenizer): a
  prompt that cannot fit ends the run ``incomplete`` (``max_prompt_tokens``) without
  asking the model;
* ``max_completion_tokens``: what is left of the run's (its model then cuts its text
  with ``finish_reason: "length"``).

The answer (:class:`Turn`) is its function calls, or its text (a refusal's text
included); a non-2xx answer fails the run with ``last_error`` (``rate_limit_exceeded``
for a 429, ``server_error`` otherwise, the answer's message quoted). Assumed: the
hidden prompt the API adds for a run's tools is not modelled, and earlier runs' tool
calls are not replayed into later runs (their messages are).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints.assistants import messages as thread_messages
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.fine_tuning import grader_model
from mockapi.wire import tokens

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Turn:
    """What one turn came to."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    """The function calls asked for (``id``, ``type``, ``function.name``/``arguments``)."""
    text: str = ""
    usage: dict[str, int] | None = None
    """``prompt_tokens``, ``completion_tokens``, ``total_tokens`` of the answer."""
    cut: bool = False
    """The answer was cut at its token limit (``finish_reason: "length"``)."""
    error: dict[str, str] | None = None
    """``last_error`` (``code``, ``message``) when the model's answer was an error."""
    no_room: bool = False
    """The prompt did not fit in what was left of ``max_prompt_tokens``: not asked."""


def take(
    ctx: Context,
    run: Mapping[str, Any],
    *,
    used: Mapping[str, int],
    calls: Sequence[Mapping[str, Any]] = (),
    found: Sequence[Mapping[str, Any]] = (),
) -> Turn:
    """The model's answer to the run's next turn. ``used``: the run's usage so far;
    ``calls``: the function calls of the run with their ``output``; ``found``: the file
    search results of the run."""
    body = request_body(ctx, run, used=used, calls=calls, found=found)
    if body is None:
        return Turn(no_room=True)
    if ctx.dispatch is None:
        return Turn(error={"code": "server_error", "message": "The model could not be asked."})
    answer = ctx.dispatch(grader_model.request(ctx, body, CHAT_PATH))
    answered = answer.body if isinstance(answer.body, dict) else {}
    if not 200 <= answer.status < 300 or answer.events is not None:
        error = answered.get("error")
        said = error.get("message") if isinstance(error, dict) else None
        code = "rate_limit_exceeded" if answer.status == 429 else "server_error"
        return Turn(error={"code": code, "message": str(said or f"HTTP {answer.status}")})
    choices = answered.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    message = choice.get("message") if isinstance(choice, dict) else None
    message = message if isinstance(message, dict) else {}
    usage = _usage(answered.get("usage"))
    made = [c for c in message.get("tool_calls") or () if isinstance(c, dict)]
    if made:
        return Turn(calls=[_call(c) for c in made], usage=usage)
    text = message.get("content") or message.get("refusal") or ""
    cut = isinstance(choice, dict) and choice.get("finish_reason") == "length"
    return Turn(text=str(text), usage=usage, cut=cut)


def request_body(
    ctx: Context,
    run: Mapping[str, Any],
    *,
    used: Mapping[str, int],
    calls: Sequence[Mapping[str, Any]] = (),
    found: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any] | None:
    """The chat request of the run's next turn (see the module docstring), or None when
    its prompt cannot fit in what is left of ``max_prompt_tokens``."""
    head: list[dict[str, Any]] = []
    if run.get("instructions"):
        head.append({"role": "system", "content": str(run["instructions"])})
    if found:
        head.append({"role": "system", "content": _found_text(found)})
    history = [_chat_message(m) for m in thread_messages.of_thread(ctx, str(run["thread_id"]))]
    strategy = run.get("truncation_strategy") or {}
    last = strategy.get("last_messages") if isinstance(strategy, Mapping) else None
    if isinstance(last, int) and last > 0:
        history = history[-last:]
    body: dict[str, Any] = {"model": run["model"]}
    functions = [t for t in run.get("tools") or () if t.get("type") == "function"]
    if functions:
        body["tools"] = [{"type": "function", "function": t["function"]} for t in functions]
        # A forced call is the first turn's: once its output is back the model answers.
        body["tool_choice"] = _tool_choice(run.get("tool_choice")) if not calls else "auto"
        body["parallel_tool_calls"] = run.get("parallel_tool_calls", True) is not False
    for name in ("temperature", "top_p"):
        value = run.get(name)
        if isinstance(value, (int, float)) and value != 1:
            body[name] = value
    if isinstance(run.get("response_format"), Mapping):
        body["response_format"] = run["response_format"]
    limit = run.get("max_completion_tokens")
    if isinstance(limit, int):
        body["max_completion_tokens"] = max(1, limit - used.get("completion_tokens", 0))
    tail = _call_messages(calls)
    room = run.get("max_prompt_tokens")
    while True:
        body["messages"] = [*head, *history, *tail]
        if not isinstance(room, int) or tokens.count_prompt(body) <= room - used.get(
            "prompt_tokens", 0
        ):
            return body
        if strategy.get("type") == "last_messages" or len(history) <= 1:
            return None
        history = history[1:]  # auto truncation: the oldest message goes first


def _chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A kept thread message as a chat message."""
    parts: list[dict[str, Any]] = []
    for block in message.get("content") or ():
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": str(block["text"].get("value", ""))})
        elif kind == "image_url":
            parts.append({"type": "image_url", "image_url": dict(block["image_url"])})
        elif kind == "image_file":
            file_id = block["image_file"].get("file_id")
            parts.append({"type": "text", "text": f"[image file {file_id}]"})
    role = str(message.get("role", "user"))
    if all(part["type"] == "text" for part in parts):
        return {"role": role, "content": "\n".join(part["text"] for part in parts)}
    return {"role": role, "content": parts}


def _call_messages(calls: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The run's function calls and their outputs, as the chat history holds them."""
    if not calls:
        return []
    asked = [
        {
            "id": c["id"],
            "type": "function",
            "function": {k: c["function"][k] for k in ("name", "arguments")},
        }
        for c in calls
    ]
    outputs = [
        {"role": "tool", "tool_call_id": c["id"], "content": str(c["function"].get("output") or "")}
        for c in calls
    ]
    return [{"role": "assistant", "content": None, "tool_calls": asked}, *outputs]


def _found_text(found: Sequence[Mapping[str, Any]]) -> str:
    lines = ["File search results:"]
    for result in found:
        texts = [str(part.get("text", "")) for part in result.get("content") or ()]
        lines.append(f"[{result.get('file_name')}] {' '.join(texts)}")
    return "\n".join(lines)


def _tool_choice(choice: Any) -> Any:
    """The run's ``tool_choice`` as a chat request takes it."""
    if isinstance(choice, Mapping):
        if choice.get("type") == "function":
            return {"type": "function", "function": dict(choice.get("function") or {})}
        return "auto"
    return choice if choice in ("none", "auto", "required") else "auto"


def _call(made: Mapping[str, Any]) -> dict[str, Any]:
    given = made.get("function")
    function: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    return {
        "id": str(made.get("id")),
        "type": "function",
        "function": {
            "name": str(function.get("name")),
            "arguments": str(function.get("arguments", "")),
        },
    }


def _usage(value: Any) -> dict[str, int]:
    value = value if isinstance(value, Mapping) else {}
    prompt = int(value.get("prompt_tokens") or 0)
    completion = int(value.get("completion_tokens") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": int(value.get("total_tokens") or prompt + completion),
    }
