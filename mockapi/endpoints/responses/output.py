"""The Responses API ``response`` object: completing fixture bodies, field by field.

:func:`complete` fills in what a body leaves out, so that a hand-written fixture with
only ``output_text: "Hi"`` (or a short ``output`` list) becomes the object the real API
sends: every top-level field, in the real API's order (the gpt-5.5 recordings of May
2026), request parameters echoed (``instructions``, ``temperature``, ``tools`` with
``strict`` defaulted, ``text.format``, ``metadata``, ...), output items with their ids
and status, and ``usage`` counted with the real tokenizer. Fields a body gives are kept
("pinned"); a body with its own ``id``, ``object`` and ``created_at`` is a recording
and is served exactly as it is.

:func:`output_from_chat` turns a synthesized chat message into output items.
Pure: no I/O.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints import capabilities
from mockapi.endpoints.responses.conversation import reference
from mockapi.endpoints.responses.items import count_input_tokens, new_id
from mockapi.wire import durations, ids, tokens
from mockapi.wire.canonical import ordered

ORDER = (
    "id", "object", "created_at", "status", "background", "billing", "completed_at",
    "conversation", "error", "frequency_penalty", "incomplete_details", "instructions",
    "max_output_tokens", "max_tool_calls", "model", "moderation", "output",
    "parallel_tool_calls", "presence_penalty", "previous_response_id",
    "prompt_cache_key", "prompt_cache_retention", "reasoning", "safety_identifier",
    "service_tier", "store", "temperature", "text", "tool_choice", "tools",
    "top_logprobs", "top_p", "truncation", "usage", "user", "metadata",
)  # fmt: skip
"""The top-level keys of a response, in the order the API sends them."""

_ECHOED: tuple[tuple[str, Any], ...] = (
    ("background", False),
    ("instructions", None),
    ("max_output_tokens", None),
    ("max_tool_calls", None),
    ("parallel_tool_calls", True),
    ("previous_response_id", None),
    ("prompt_cache_key", None),
    ("prompt_cache_retention", None),
    ("safety_identifier", None),
    ("store", True),
    ("temperature", 1.0),
    ("tool_choice", "auto"),
    ("top_logprobs", 0),
    ("top_p", 1.0),
    ("truncation", "disabled"),
    ("user", None),
    ("frequency_penalty", 0.0),
    ("presence_penalty", 0.0),
)
_MESSAGE_ORDER = ("id", "type", "status", "content", "phase", "role")
_CALL_ORDER = ("id", "type", "status", "arguments", "call_id", "name")
_TEXT_ORDER = ("type", "annotations", "logprobs", "text")


def complete(
    body: Any, request: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = ()
) -> Any:
    """A copy of ``body`` with the fields of a ``response`` it lacks filled in.

    ``request`` is the decoded ``POST /v1/responses`` body; ``history`` the items of
    the chained responses (for ``usage.input_tokens``). A body that is not a mapping
    is returned as it is.
    """
    if not isinstance(body, dict) or is_recorded(body):
        return body
    out = copy.deepcopy(body)
    text = out.pop("output_text", None)
    if "output" not in out:
        out["output"] = [message(text)] if isinstance(text, str) else []
    out["output"] = [complete_item(item) for item in out["output"] if isinstance(item, dict)]
    created = out.setdefault("created_at", durations.now())
    out.setdefault("id", new_id("resp"))
    out.setdefault("object", "response")
    incomplete = any(i.get("status") == "incomplete" for i in out["output"])
    out.setdefault("status", "incomplete" if incomplete else "completed")
    finished = out["status"] in ("completed", "incomplete", "failed")
    out.setdefault("completed_at", created if finished else None)
    out.setdefault("error", None)
    linked = reference(request)
    if linked is not None:
        out.setdefault("conversation", linked)
    reason = {"reason": "max_output_tokens"} if out["status"] == "incomplete" else None
    out.setdefault("incomplete_details", reason)
    out.setdefault("model", request.get("model") or tokens.DEFAULT_MODEL)
    out.setdefault("moderation", None)
    retention = capabilities.prompt_cache_retention(out["model"])
    out.setdefault("prompt_cache_retention", request.get("prompt_cache_retention", retention))
    for key, default in _ECHOED:
        # A parameter sent as null is not set: the answer says what the API used, its
        # default (`parallel_tool_calls: null` is answered `true`, never null).
        given = request.get(key)
        out.setdefault(key, default if given is None else given)
    out.setdefault("billing", {"payer": "developer"})
    out.setdefault("reasoning", reasoning_config(request))
    out.setdefault("service_tier", _tier(request.get("service_tier")))
    out.setdefault("text", text_config(request))
    out.setdefault("tools", echoed_tools(request))
    if out["status"] in ("completed", "incomplete"):
        out.setdefault("usage", usage_for(request, out["output"], history))
        if isinstance(out["usage"], dict):
            out["usage"] = complete_usage(out["usage"])
    else:
        out.setdefault("usage", None)
    metadata = request.get("metadata")
    out.setdefault("metadata", metadata if isinstance(metadata, dict) else {})
    return ordered(out, ORDER)


def is_recorded(body: Mapping[str, Any]) -> bool:
    """A body with its own ``id``, ``object`` and ``created_at`` is a recording (or a
    finished answer): it is served exactly as it is."""
    return {"id", "object", "created_at"} <= body.keys()


def _tier(requested: Any) -> str:
    return requested if isinstance(requested, str) and requested != "auto" else "default"


def message(text: str, *, status: str = "completed", logprobs: Any = None) -> dict[str, Any]:
    """An assistant ``message`` output item holding ``text``."""
    part = {"type": "output_text", "annotations": [], "logprobs": logprobs or [], "text": text}
    return {
        "id": new_id("msg"),
        "type": "message",
        "status": status,
        "content": [part],
        "role": "assistant",
    }


def complete_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An output item with its id, status and content fields filled in."""
    out = dict(item)
    kind = out.setdefault("type", "message")
    if kind == "message":
        out.setdefault("id", new_id("msg"))
        out.setdefault("status", "completed")
        out.setdefault("role", "assistant")
        content = out.get("content")
        if isinstance(content, str):
            content = [{"type": "output_text", "text": content}]
        parts = []
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict):
                part = dict(part)
                part.setdefault("type", "output_text")
                if part["type"] == "output_text":
                    part.setdefault("annotations", [])
                    part.setdefault("logprobs", [])
                    part.setdefault("text", "")
                    part = ordered(part, _TEXT_ORDER)
                parts.append(part)
        out["content"] = parts
        return ordered(out, _MESSAGE_ORDER)
    if kind == "function_call":
        out.setdefault("id", new_id("fc"))
        out.setdefault("status", "completed")
        arguments = out.get("arguments", "{}")
        out["arguments"] = arguments if isinstance(arguments, str) else _json(arguments)
        out.setdefault("call_id", ids.tool_call_id())
        out.setdefault("name", "")
        return ordered(out, _CALL_ORDER)
    if kind == "file_search_call":  # a fixture may give only its queries
        out.setdefault("id", new_id("fs"))
        out.setdefault("status", "completed")
        out.setdefault("queries", [])
        out.setdefault("results", None)
        return ordered(out, ("id", "type", "status", "queries", "results"))
    if kind == "reasoning":
        out.setdefault("id", new_id("rs"))
        out.setdefault("summary", [])
        return ordered(out, ("id", "type", "encrypted_content", "summary"))
    out.setdefault("id", new_id("item"))
    return out


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def reasoning_config(request: Mapping[str, Any]) -> dict[str, Any]:
    """The ``reasoning`` object echoed: effort and summary (``medium`` by default for
    reasoning models, null for the others)."""
    given = request.get("reasoning")
    given = given if isinstance(given, dict) else {}
    model = str(request.get("model") or "")
    default = "medium" if tokens.is_reasoning_model(model) else None
    return {"effort": given.get("effort", default), "summary": given.get("summary")}


def text_config(request: Mapping[str, Any]) -> dict[str, Any]:
    """The ``text`` object echoed: the format (``description: null`` added to a schema
    format, as the API does) and ``verbosity``."""
    given = request.get("text")
    given = given if isinstance(given, dict) else {}
    fmt = given.get("format")
    fmt = dict(fmt) if isinstance(fmt, dict) else {"type": "text"}
    if fmt.get("type") == "json_schema":
        fmt.setdefault("description", None)
        fmt.setdefault("strict", False)
        fmt = ordered(fmt, ("type", "description", "name", "schema", "strict"))
    return {"format": fmt, "verbosity": given.get("verbosity", "medium")}


def echoed_tools(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's tools as the response lists them: a function tool gets
    ``description: null`` and ``strict: true`` by default, and a strict one's
    parameters ``additionalProperties: false`` (as the API normalises them)."""
    tools = []
    for tool in request.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") != "function":
            tools.append(dict(tool))
            continue
        strict = tool.get("strict") is not False
        parameters = tool.get("parameters")
        if strict and isinstance(parameters, dict) and parameters.get("type") == "object":
            parameters = {**parameters}
            parameters.setdefault("additionalProperties", False)
        echoed = {
            "type": "function",
            "description": tool.get("description") or None,  # "" comes back null
            "name": tool.get("name"),
            "parameters": parameters,
            "strict": strict,
        }
        tools.append({**echoed, **{k: v for k, v in tool.items() if k not in echoed}})
    return tools


def usage_for(
    request: Mapping[str, Any],
    output: Sequence[Mapping[str, Any]],
    history: Sequence[Mapping[str, Any]] = (),
    *,
    reasoning_tokens: int = 0,
) -> dict[str, Any]:
    """``usage`` for ``output`` answering ``request``: input counted as the API counts
    it (:func:`~mockapi.endpoints.responses.items.count_input_tokens`), output as the
    text and call arguments' tokens plus ``reasoning_tokens``."""
    model = str(request.get("model") or tokens.DEFAULT_MODEL)
    prompt = count_input_tokens(request, history)
    completion = reasoning_tokens + sum(output_tokens(item, model) for item in output)
    return complete_usage(
        {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": prompt + completion,
        }
    )


def complete_usage(usage: Mapping[str, Any]) -> dict[str, Any]:
    """``usage`` with the detail fields the SDK requires (``cache_write_tokens``)."""
    out = copy.deepcopy(dict(usage))
    details = out.get("input_tokens_details")
    details = details if isinstance(details, dict) else {}
    details.setdefault("cached_tokens", 0)
    details.setdefault("cache_write_tokens", 0)
    out["input_tokens_details"] = details
    output_details = out.get("output_tokens_details")
    output_details = output_details if isinstance(output_details, dict) else {}
    output_details.setdefault("reasoning_tokens", 0)
    out["output_tokens_details"] = output_details
    return out


def output_tokens(item: Mapping[str, Any], model: str) -> int:
    """What one output item costs: its text's tokens, a call's (as chat counts it), or
    the code of a code interpreter call."""
    if item.get("type") == "message":
        texts = [p.get("text", "") for p in item.get("content") or [] if isinstance(p, dict)]
        return sum(tokens.count_text(t, model) for t in texts if isinstance(t, str))
    if item.get("type") == "function_call":
        call = {"function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")}}
        return tokens.count_completion({"content": None, "tool_calls": [call]}, model)
    if item.get("type") == "code_interpreter_call":  # the model writes the code
        return tokens.count_text(str(item.get("code") or ""), model)
    return 0


def output_from_chat(
    message_: Mapping[str, Any], logprobs: Any, *, cut: bool, phase: str | None
) -> list[dict[str, Any]]:
    """Output items for a synthesized chat ``message``: a text message, or one
    ``function_call`` per tool call (the call id kept as ``call_id``)."""
    items: list[dict[str, Any]] = []
    for call in message_.get("tool_calls") or []:
        function = call.get("function") or {}
        items.append(
            {
                "id": new_id("fc"),
                "type": "function_call",
                "status": "completed",
                "arguments": function.get("arguments", "{}"),
                "call_id": call.get("id"),
                "name": function.get("name", ""),
            }
        )
    content = message_.get("content")
    if isinstance(content, str) and not items:
        item = message(content, status="incomplete" if cut else "completed", logprobs=logprobs)
        if phase is not None:
            item["phase"] = phase
            item = ordered(item, _MESSAGE_ORDER)
        items.append(item)
    return items
