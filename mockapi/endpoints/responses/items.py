"""Responses API input: items as the API stores them, and as a chat conversation.

A ``POST /v1/responses`` body says what the model sees in three places: ``instructions``,
``input`` (a string, or a list of items) and, with ``previous_response_id``, the
conversation so far. This module turns them into

* :func:`input_items`: the input as the API lists it back (``GET
  /v1/responses/{id}/input_items``): every item with its own id (``msg_…``, ``fc_…``,
  ``fco_…``), a string content as one ``input_text`` part (``output_text`` for an
  assistant message);
* :func:`chat_request`: the same conversation as a Chat Completions request, so that
  the chat machinery (:mod:`~mockapi.endpoints.chat.synthesis`,
  :mod:`~mockapi.endpoints.chat.tools`, :mod:`mockapi.wire.tokens`) answers and counts it: messages,
  function tools in the chat shape, ``tool_choice``, ``text.format`` as a ``response_format``;
* :func:`count_input_tokens`: ``usage.input_tokens`` (see its docstring for the rule).

Pure: no I/O.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.wire import tokens

# Fitted to the recordings in ../shared/real-traffic (see count_input_tokens).
GPT4O_TOOLS_HEADER = -6
"""gpt-4o renders its tools without the ``# Tools`` / ``## functions`` headings."""
GPT4O_SCHEMA = -4
"""A ``json_schema`` text format costs gpt-4o 4 tokens less than in Chat Completions."""
GPT4O_TOOL_CALL = -2
"""Each ``function_call`` input item costs gpt-4o 2 tokens less than in Chat Completions."""
REASONING_TOOL_OUTPUT = 4
"""Each ``function_call_output`` costs a reasoning model 4 tokens more (its header)."""
EMPTY_INSTRUCTIONS_WITH_TOOLS = 216
"""``instructions: ""`` sent with function tools: the hidden prompt the API added for it."""


def new_id(prefix: str) -> str:
    """A fresh id in the API's form: ``prefix`` + ``_`` + 50 hex digits."""
    return f"{prefix}_{secrets.token_hex(25)}"


# -- the stored form ---------------------------------------------------------------------


def raw_items(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's ``input`` as a list of item objects (a string is one user message)."""
    given = request.get("input")
    if isinstance(given, str):
        return [{"type": "message", "role": "user", "content": given}]
    return [dict(item) for item in given or [] if isinstance(item, dict)]


def input_items(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's input items as the API lists them: ids, typed content parts."""
    return [stored_item(item) for item in raw_items(request)]


def stored_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """One input item in its listed form (an id given by the client is kept)."""
    kind = item.get("type", "message")
    if kind == "message":
        role = str(item.get("role", "user"))
        content = item.get("content")
        parts = _parts(content, role)
        if role == "assistant":
            return {
                "id": item.get("id") or new_id("msg"),
                "type": "message",
                "status": item.get("status") or "completed",
                "content": parts,
                "role": role,
            }
        return {
            "id": item.get("id") or new_id("msg"),
            "type": "message",
            "role": role,
            "content": parts,
        }
    if kind == "function_call":
        return {
            "id": item.get("id") or new_id("fc"),
            "type": "function_call",
            "status": item.get("status") or "completed",
            "arguments": item.get("arguments", ""),
            "call_id": item.get("call_id", ""),
            "name": item.get("name", ""),
        }
    if kind == "function_call_output":
        output = item.get("output", "")
        return {
            "id": item.get("id") or new_id("fco"),
            "type": "function_call_output",
            "status": item.get("status") or "completed",
            "call_id": item.get("call_id", ""),
            "output": output,
        }
    out = dict(item)
    out.setdefault("id", new_id("item"))
    return out


def _parts(content: Any, role: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if role == "assistant":
            return [{"type": "output_text", "annotations": [], "logprobs": [], "text": content}]
        return [{"type": "input_text", "text": content}]
    parts = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        part = dict(part)
        if part.get("type") == "output_text":
            part.setdefault("annotations", [])
            part.setdefault("logprobs", [])
        if part.get("type") == "input_image":
            part.setdefault("detail", "auto")
        parts.append(part)
    return parts


# -- as a chat conversation ----------------------------------------------------------------


def chat_messages(instructions: Any, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``instructions`` and ``items`` (input and earlier output) as chat messages.

    Instructions become a system message; consecutive ``function_call`` items one
    assistant message with several ``tool_calls``; a ``function_call_output`` a
    ``tool`` message; reasoning items are left out (the model does not read them back).
    """
    messages: list[dict[str, Any]] = []
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    elif isinstance(instructions, list):
        messages.extend(chat_messages(None, [i for i in instructions if isinstance(i, dict)]))
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(
                {"role": item.get("role", "user"), "content": _text(item.get("content"))}
            )
        elif kind == "function_call":
            call = {
                "id": str(item.get("call_id", "")),
                "type": "function",
                "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")},
            }
            last = messages[-1] if messages else None
            if last is not None and last.get("role") == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _text(output)
            messages.append(
                {"role": "tool", "tool_call_id": str(item.get("call_id", "")), "content": text}
            )
    return messages


def _text(content: Any) -> Any:
    """A message content as chat reads it: a string, or its text and image parts."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            parts.append({"type": "text", "text": part["text"]})
        elif isinstance(part.get("refusal"), str):
            parts.append({"type": "text", "text": part["refusal"]})
        elif part.get("type") == "input_image":
            parts.append({"type": "image_url", "image_url": {"detail": part.get("detail", "auto")}})
    if all(p["type"] == "text" for p in parts):
        return "\n".join(p["text"] for p in parts)
    return parts


def function_tools(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's function tools in the chat shape ``{"type", "function": {...}}``."""
    found = []
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "function" and "name" in tool:
            function = {k: v for k, v in tool.items() if k in ("name", "description", "parameters")}
            function["strict"] = tool.get("strict") is not False
            found.append({"type": "function", "function": function})
    return found


def chat_tool_choice(choice: Any) -> Any:
    """A Responses ``tool_choice`` in the chat shape (the same strings; objects differ)."""
    if not isinstance(choice, dict):
        return choice
    if choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    if choice.get("type") == "allowed_tools":
        return {
            "type": "allowed_tools",
            "allowed_tools": {"mode": choice.get("mode", "auto"), "tools": choice.get("tools", [])},
        }
    return "auto"  # hosted tools (web search, ...) are not called by synthesis


def response_format(request: Mapping[str, Any]) -> dict[str, Any] | None:
    """``text.format`` as a chat ``response_format`` (None for plain text)."""
    text = request.get("text")
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        spec = {k: fmt[k] for k in ("name", "description", "schema", "strict") if k in fmt}
        return {"type": "json_schema", "json_schema": spec}
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    return None


def chat_request(
    request: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """The Chat Completions request that asks what ``request`` asks.

    ``history`` holds the items of the chained responses (their input, then output),
    oldest first. Only fields that change the answer are carried over, so the answer
    does not depend on transport or presentation parameters.
    """
    items = [*history, *raw_items(request)]
    chat: dict[str, Any] = {
        "model": request.get("model") or tokens.DEFAULT_MODEL,
        "messages": chat_messages(request.get("instructions"), items),
    }
    tools = function_tools(request)
    if tools:
        chat["tools"] = tools
    if "tool_choice" in request:
        chat["tool_choice"] = chat_tool_choice(request["tool_choice"])
    if request.get("parallel_tool_calls") is False:
        chat["parallel_tool_calls"] = False
    fmt = response_format(request)
    if fmt is not None:
        chat["response_format"] = fmt
    for key in ("temperature", "top_p"):
        if key in request:
            chat[key] = request[key]
    return chat


# -- usage.input_tokens ----------------------------------------------------------------------


def count_input_tokens(
    request: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = ()
) -> int:
    """``usage.input_tokens`` for ``request`` after ``history`` (the chained items).

    The chat accounting of :func:`mockapi.wire.tokens.count_messages` on the equivalent
    conversation (:func:`chat_request`), with what the recordings show the Responses
    API does differently: gpt-4o models render tools without their two headings
    (-6), pay 3 tokens less for a ``json_schema`` format and 2 less per function call
    item; reasoning models pay 4 tokens more per function call output and read the
    arguments as sent (not re-serialized).

    A request that sends ``instructions`` as an empty string together with function
    tools costs 216 tokens more. Every recording with that pair has it (the two
    ``test_openai_responses_stream`` turns, 255 and 278 where the rest counts 39 and 62;
    and pydantic-ai's March 2025 ``test_openai_responses_output_type``, 286 for what
    costs 66 without ``instructions``), and no recording without it does (tools and no
    ``instructions`` key: seven of them; non-empty instructions and no tools: two). The
    size is that of a second hidden tool namespace beside ``functions`` (OpenAI's
    ``multi_tool_use.parallel`` declaration is about 200 tokens); the recordings show
    the cost, not the text. All 13 recorded requests are counted exactly.
    """
    chat = chat_request(request, history)
    model = str(chat["model"])
    messages = chat["messages"]
    reasoning = tokens.is_reasoning_model(model)
    total = tokens.count_messages(
        messages,
        chat.get("tools"),
        model=model,
        response_format=chat.get("response_format"),
    )
    calls = [c for m in messages for c in m.get("tool_calls") or []]
    outputs = sum(1 for m in messages if m.get("role") == "tool")
    if _is_gpt4o(model):
        if chat.get("tools"):
            total += GPT4O_TOOLS_HEADER
        if (chat.get("response_format") or {}).get("type") == "json_schema":
            total += GPT4O_SCHEMA
        total += GPT4O_TOOL_CALL * len(calls)
    if chat.get("tools") and request.get("instructions") == "":
        total += EMPTY_INSTRUCTIONS_WITH_TOOLS
    if reasoning:
        total += REASONING_TOOL_OUTPUT * outputs
        for call in calls:
            sent = str(call["function"].get("arguments", ""))
            total += tokens.count_text(sent, model) - tokens.count_text(_compact(sent), model)
    return max(total, 0)


def _is_gpt4o(model: str) -> bool:
    name = model.lower().removeprefix("ft:").rsplit("/", 1)[-1]
    return name.startswith("gpt-4o")


def _compact(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return arguments
