"""One model call of a session's turn, through the mock's own replay flow.

A session's agent asks its model as a Responses request would, so the same fixtures
answer it (and a miss is synthesized, or the no-match error, as ``on_miss`` says):
:func:`ask` builds a ``POST /v1/responses`` request and sends it through
:attr:`~mockapi.endpoints.endpoint.Context.dispatch` (validation, fixtures, synthesis,
faults, the journal, the usage ledger) with the credentials of the request that moved
the session. The request is:

* ``model`` and ``instructions``: the session's agent's; ``store: false`` (the session
  keeps its own history);
* ``input``: the session's items oldest first: user messages (``input_text`` and
  ``input_image`` parts), the agent's messages (``output_text``), its function calls
  and their outputs (``function_call`` / ``function_call_output``);
* ``tools``: the agent's ``function`` tools (the hosted tools, MCP servers, web search
  and computer use run in the API's environment, which the mock does not have: left
  out); ``reasoning.effort`` and ``text.format``/``verbosity`` as the agent's when set.

The answer (:class:`Answer`) is its text, its function calls, and its usage; a non-2xx
answer is an error the turn fails with (``rate_limit_exceeded`` for a 429,
``server_error`` otherwise, the answer's message quoted). Assumed: the base
instructions the API prepends to the agent's are not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.fine_tuning import grader_model

RESPONSES_PATH = "/v1/responses"


@dataclass(frozen=True)
class Answer:
    """What one model call came to."""

    text: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    """The function calls asked for (``call_id``, ``name``, ``arguments`` as a string)."""
    usage: dict[str, Any] | None = None
    """Token usage in the shape of the SDK's ``TokenUsage``."""
    error: dict[str, str] | None = None
    """``code`` and ``message`` when the model's answer was an error."""


def ask(ctx: Context, agent: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> Answer:
    """The model's answer to the session's history ``items`` (see the module docstring)."""
    if ctx.dispatch is None:
        return Answer(error={"code": "server_error", "message": "The model could not be asked."})
    answer = ctx.dispatch(grader_model.request(ctx, request_body(agent, items), RESPONSES_PATH))
    answered = answer.body if isinstance(answer.body, dict) else {}
    if not 200 <= answer.status < 300 or answer.events is not None:
        error = answered.get("error")
        said = error.get("message") if isinstance(error, dict) else None
        code = "rate_limit_exceeded" if answer.status == 429 else "server_error"
        return Answer(error={"code": code, "message": str(said or f"HTTP {answer.status}")})
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in answered.get("output") or ():
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, dict) and part.get("type") in ("output_text", "refusal"):
                    texts.append(str(part.get("text") or part.get("refusal") or ""))
        elif item.get("type") == "function_call":
            calls.append(
                {
                    "call_id": str(item.get("call_id") or item.get("id")),
                    "name": str(item.get("name")),
                    "arguments": str(item.get("arguments") or "{}"),
                }
            )
    return Answer(text="".join(texts), calls=calls, usage=usage_of(answered.get("usage")))


def request_body(agent: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Responses request of the session's next model call."""
    body: dict[str, Any] = {"model": agent["model"], "input": _input(items), "store": False}
    if agent.get("instructions"):
        body["instructions"] = str(agent["instructions"])
    functions = [
        {
            "type": "function",
            "name": tool["name"],
            "description": tool.get("description") or "",
            "parameters": dict(tool.get("parameters") or {}),
        }
        for tool in agent.get("tools") or ()
        if tool.get("type") == "function"
    ]
    if functions:
        body["tools"] = functions
    effort = (agent.get("reasoning") or {}).get("effort")
    if effort not in (None, "max"):
        body["reasoning"] = {"effort": effort}
    text = agent.get("text") or {}
    fmt = text.get("format") or {}
    if fmt.get("type") == "json_schema" or text.get("verbosity") not in (None, "medium"):
        body["text"] = {"format": dict(fmt or {"type": "text"}), "verbosity": text["verbosity"]}
    return body


def _input(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    given: list[dict[str, Any]] = []
    for item in items:
        kind = item.get("type")
        if kind == "message":
            if item.get("role") == "assistant":
                # An easy input message: the agent's text, as Responses takes it back.
                text = "".join(str(p.get("text", "")) for p in item.get("content") or ())
                given.append({"role": "assistant", "content": text})
                continue
            parts = [_part(part) for part in item.get("content") or ()]
            given.append({"role": "user", "content": parts})
        elif kind == "function_call":
            arguments = item.get("arguments")
            if not isinstance(arguments, str):
                arguments = orjson.dumps(arguments).decode()
            given.append(
                {
                    "type": "function_call",
                    "call_id": item["call_id"],
                    "name": item["name"],
                    "arguments": arguments,
                }
            )
        elif kind == "function_call_output":
            output = item.get("output")
            if output is None:
                output = item.get("error") or ""
            text = output if isinstance(output, str) else orjson.dumps(output).decode()
            given.append(
                {"type": "function_call_output", "call_id": item["call_id"], "output": text}
            )
    return given


def _part(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "input_image":
        return {"type": "input_image", "image_url": str(part.get("image_url", ""))}
    return {"type": "input_text", "text": str(part.get("text", ""))}


def usage_of(value: Any) -> dict[str, Any] | None:
    """A Responses ``usage`` as a ``TokenUsage``."""
    if not isinstance(value, dict):
        return None
    given = {k: value.get(k) for k in ("input_tokens", "output_tokens", "total_tokens")}
    counts = {k: int(n) if isinstance(n, (int, float)) else 0 for k, n in given.items()}
    cached = (value.get("input_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (value.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    return {
        "input_tokens": counts["input_tokens"],
        "input_tokens_details": {"cached_tokens": int(cached)},
        "output_tokens": counts["output_tokens"],
        "output_tokens_details": {"reasoning_tokens": int(reasoning)},
        "total_tokens": counts["total_tokens"],
    }


def add_usage(total: Mapping[str, Any] | None, more: Mapping[str, Any] | None) -> Any:
    """Two ``TokenUsage`` added up (None when neither is known)."""
    if total is None or more is None:
        return dict(more) if more is not None else (dict(total) if total is not None else None)
    return {
        "input_tokens": total["input_tokens"] + more["input_tokens"],
        "input_tokens_details": {
            "cached_tokens": total["input_tokens_details"]["cached_tokens"]
            + more["input_tokens_details"]["cached_tokens"]
        },
        "output_tokens": total["output_tokens"] + more["output_tokens"],
        "output_tokens_details": {
            "reasoning_tokens": total["output_tokens_details"]["reasoning_tokens"]
            + more["output_tokens_details"]["reasoning_tokens"]
        },
        "total_tokens": total["total_tokens"] + more["total_tokens"],
    }
