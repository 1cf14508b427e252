"""Chat Completions: completing fixture bodies and synthesizing answers.

:func:`complete` fills in what a hand-written fixture leaves out (id, created, object,
finish_reason, usage, …) so that the SDK gets a complete ``chat.completion``.
:func:`synthesize` makes a deterministic answer for a request no fixture matched: the
same request and seed always give the same text. A fuller synthesizer (honouring
``n``, ``stop``, JSON schemas, logprobs) replaces this one later.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from typing import Any

from mockapi import ids, tokens

_FINGERPRINT = "fp_mockapi01"


def complete(body: Any, request: Any) -> Any:
    """A copy of ``body`` with the fields of a ``chat.completion`` it lacks filled in.

    Fields the fixture sets are kept as they are ("pinned"); ``request`` is the decoded
    request body, used for the model name and the prompt token count.
    """
    if not isinstance(body, dict):
        return body
    out = copy.deepcopy(body)
    request = request if isinstance(request, dict) else {}
    out.setdefault("id", ids.chat_completion_id())
    out.setdefault("object", "chat.completion")
    out.setdefault("created", now())
    out.setdefault("model", request.get("model", "gpt-4o-mini"))
    choices = out.setdefault("choices", [])
    if isinstance(choices, list):
        for index, choice in enumerate(choices):
            if isinstance(choice, dict):
                choices[index] = _complete_choice(choice, index)
    out.setdefault("usage", usage_for(request, choices))
    out.setdefault("service_tier", "default")
    out.setdefault("system_fingerprint", _FINGERPRINT)
    return _ordered(out, _COMPLETION_ORDER)


# The key order the real API sends, so that completed bodies read like recorded ones.
_COMPLETION_ORDER = (
    "id",
    "object",
    "created",
    "model",
    "choices",
    "usage",
    "service_tier",
    "system_fingerprint",
)
_CHOICE_ORDER = ("index", "message", "logprobs", "finish_reason")
_MESSAGE_ORDER = ("role", "content", "tool_calls", "refusal", "annotations")


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    first = {key: mapping[key] for key in order if key in mapping}
    return {**first, **{k: v for k, v in mapping.items() if k not in first}}


def now() -> int:
    """The current Unix time in whole seconds, as ``created`` carries it."""
    return int(time.time())


def _complete_choice(choice: dict[str, Any], index: int) -> dict[str, Any]:
    choice.setdefault("index", index)
    message = choice.setdefault("message", {})
    if isinstance(message, dict):
        message.setdefault("role", "assistant")
        message.setdefault("content", None)
        message.setdefault("refusal", None)
        message.setdefault("annotations", [])
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                call.setdefault("id", ids.tool_call_id())
                call.setdefault("type", "function")
        has_calls = bool(message.get("tool_calls"))
    else:
        has_calls = False
    choice.setdefault("logprobs", None)
    choice.setdefault("finish_reason", "tool_calls" if has_calls else "stop")
    if isinstance(message, dict):
        choice["message"] = _ordered(message, _MESSAGE_ORDER)
    return _ordered(choice, _CHOICE_ORDER)


def usage_for(request: dict[str, Any], choices: Any) -> dict[str, Any]:
    """A ``usage`` object: prompt tokens estimated from the request, completion from choices."""
    prompt = tokens.count_messages(request.get("messages") or [], request.get("tools"))
    completion = 0
    for choice in choices if isinstance(choices, list) else []:
        message = choice.get("message", {}) if isinstance(choice, dict) else {}
        if not isinstance(message, dict):
            continue
        completion += tokens.count_text(tokens.message_text(message.get("content")))
        for call in message.get("tool_calls") or []:
            function = call.get("function", {}) if isinstance(call, dict) else {}
            completion += tokens.count_text(str(function.get("arguments", ""))) + 3
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def synthesize(request: dict[str, Any], *, seed: int = 0) -> dict[str, Any]:
    """A deterministic ``chat.completion`` answering ``request`` (before :func:`complete`)."""
    digest = _digest(request, seed)
    forced = _forced_tool(request)
    if forced is not None:
        arguments = json.dumps(example_for(forced.get("parameters") or {}), separators=(",", ":"))
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_" + digest[:24],
                    "type": "function",
                    "function": {"name": forced.get("name", ""), "arguments": arguments},
                }
            ],
        }
        finish = "tool_calls"
    else:
        text, finish = _text_answer(request, digest)
        message = {"role": "assistant", "content": text}
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}


def _text_answer(request: dict[str, Any], digest: str) -> tuple[str, str]:
    fmt = request.get("response_format") or {}
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
        return json.dumps(example_for(schema)), "stop"
    prompt = _last_user_text(request)
    shown = prompt if len(prompt) <= 60 else prompt[:57] + "..."
    text = f'This is a synthesized reply from mockapi (ref {digest[:8]}) to: "{shown}"'
    limit = request.get("max_completion_tokens") or request.get("max_tokens")
    if isinstance(limit, int) and limit > 0:
        words = text.split(" ")
        if len(words) > limit:
            return " ".join(words[:limit]), "length"
    return text, "stop"


def _forced_tool(request: dict[str, Any]) -> dict[str, Any] | None:
    tools = [t.get("function") for t in request.get("tools") or [] if isinstance(t, dict)]
    functions = [f for f in tools if isinstance(f, dict)]
    choice = request.get("tool_choice")
    if not functions or choice in (None, "none", "auto"):
        return None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        return next((f for f in functions if f.get("name") == wanted), None)
    return functions[0] if choice == "required" else None


def example_for(schema: Any) -> Any:
    """A minimal value valid for a simple JSON Schema (required fields only)."""
    if not isinstance(schema, dict):
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return example_for(schema[key][0])
    kind = schema.get("type", "object")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: example_for(props.get(name, {})) for name in schema.get("required") or []}
    defaults: dict[str, Any] = {"string": "example", "integer": 0, "number": 0, "boolean": False}
    if kind == "array":
        return []
    return defaults.get(kind)


def _last_user_text(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return tokens.message_text(message.get("content"))
    return ""


def _digest(request: dict[str, Any], seed: int) -> str:
    # Streaming is a transport choice: the same question gets the same answer either way.
    stable = {k: v for k, v in request.items() if k not in ("stream", "stream_options")}
    canonical = json.dumps({"request": stable, "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
