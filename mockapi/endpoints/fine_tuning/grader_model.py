"""The model graders (``score_model``, ``label_model``), asked through the mock itself.

The API asks the grader's ``model`` with the grader's ``input`` messages (templates
filled in) and a structured output format, ``{"result": ..., "steps": [{"description",
"conclusion"}]}`` (the graders guide), then reads ``result``. The mock does the same
with a Chat Completions request answered through its whole replay flow
(:attr:`~mockapi.endpoints.endpoint.Context.dispatch`: fixtures first, then synthesis,
faults, the journal), so a test pins a grader's verdict with a fixture matching that
request, and a synthesized verdict is the same for the same request and seed:

* ``score_model``: ``result`` a number; the schema bounds it to the grader's ``range``
  (``[0, 1]`` by default) and a fixture's number outside it is clipped to it, as the
  guide says. A reply that is not such JSON but a bare number ("Return just a floating
  point score") is read as that number; anything else is ``model_grader_parse_error``.
* ``label_model``: ``result`` one of ``labels`` (an ``enum``); the reward is 1 when it
  is one of ``passing_labels``, else 0; a label outside ``labels`` is a parse error.

A refusal is ``model_grader_refusal_error``, a non-2xx answer (no fixture and misses
are errors, a fault, a 400 for the model) ``model_grader_server_error`` with its
message as the details. ``sampling_params`` become the request's ``temperature``,
``top_p``, ``seed``, ``max_completion_tokens`` and ``reasoning_effort``. Input images
and audio become the chat message's ``image_url`` and ``input_audio`` parts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.fine_tuning import grader_template
from mockapi.endpoints.fine_tuning.grader_check import is_number
from mockapi.model import Request

CHAT_PATH = "/v1/chat/completions"
DEFAULT_RANGE = (0.0, 1.0)
_FORWARDED = ("authorization", "api-key", "host", "openai-organization", "openai-project")
"""The client's headers the grader's chat request carries (its credentials, its host)."""
_SAMPLING = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "max_completions_tokens": "max_completion_tokens",
    "reasoning_effort": "reasoning_effort",
}
_STEPS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"description": {"type": "string"}, "conclusion": {"type": "string"}},
        "required": ["description", "conclusion"],
        "additionalProperties": False,
    },
}


@dataclass(frozen=True)
class Verdict:
    """What the grader model said, read: its reward, or the error flags it raised."""

    reward: float
    errors: Mapping[str, Any] = field(default_factory=dict)
    """The ``metadata.errors`` fields to set (``model_grader_parse_error: True``, ...)."""
    usage: Mapping[str, int] | None = None
    """``prompt_tokens``, ``completion_tokens``, ``total_tokens``, ``cached_tokens``."""
    model: str | None = None
    """The model that answered (``sampled_model_name``)."""


def score_range(grader: Mapping[str, Any]) -> tuple[float, float]:
    """A ``score_model`` grader's ``range`` (``[0, 1]`` when it sets none)."""
    value = grader.get("range")
    if isinstance(value, list) and len(value) == 2:
        return float(value[0]), float(value[1])
    return DEFAULT_RANGE


def score(ctx: Context, grader: Mapping[str, Any], namespaces: Mapping[str, Any]) -> Verdict:
    """A ``score_model`` grader's verdict (templates must already be known to fill)."""
    low, high = score_range(grader)
    result = {"type": "number", "minimum": low, "maximum": high}
    reply = _ask(ctx, grader, namespaces, "score_model_grader", result)
    if not isinstance(reply, _Reply):
        return reply
    value = reply.result
    if value is None and reply.content is not None:
        value = _bare_number(reply.content)
    if not is_number(value) or not math.isfinite(float(value)):
        return reply.failed("model_grader_parse_error")
    return reply.verdict(min(max(float(value), low), high))


def label(ctx: Context, grader: Mapping[str, Any], namespaces: Mapping[str, Any]) -> Verdict:
    """A ``label_model`` grader's verdict: 1 for a passing label, 0 for another."""
    labels = [str(x) for x in grader.get("labels") or []]
    passing = {str(x) for x in grader.get("passing_labels") or []}
    reply = _ask(ctx, grader, namespaces, "label_model_grader", {"type": "string", "enum": labels})
    if not isinstance(reply, _Reply):
        return reply
    if not isinstance(reply.result, str) or reply.result not in labels:
        return reply.failed("model_grader_parse_error")
    return reply.verdict(1.0 if reply.result in passing else 0.0)


@dataclass(frozen=True)
class _Reply:
    content: str | None
    result: Any
    usage: Mapping[str, int] | None
    model: str | None

    def verdict(self, reward: float) -> Verdict:
        return Verdict(reward, usage=self.usage, model=self.model)

    def failed(self, flag: str) -> Verdict:
        return Verdict(0.0, {flag: True}, usage=self.usage, model=self.model)


def _ask(
    ctx: Context,
    grader: Mapping[str, Any],
    namespaces: Mapping[str, Any],
    name: str,
    result: dict[str, Any],
) -> _Reply | Verdict:
    """The grader model's reply to the grader's messages, or the verdict of its failure."""
    schema = {
        "type": "object",
        "properties": {"steps": _STEPS, "result": result},
        "required": ["steps", "result"],
        "additionalProperties": False,
    }
    body: dict[str, Any] = {
        "model": grader.get("model"),
        "messages": messages(grader.get("input"), namespaces),
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        },
    }
    params = grader.get("sampling_params")
    for given, sent in _SAMPLING.items():
        if isinstance(params, Mapping) and params.get(given) is not None:
            body[sent] = params[given]
    if ctx.dispatch is None:
        return _server_error("the mock has no replay flow to ask the grader model through")
    answer = ctx.dispatch(request(ctx, body))
    answered = answer.body if isinstance(answer.body, dict) else {}
    if not 200 <= answer.status < 300 or answer.events is not None:
        error = answered.get("error")
        said = error.get("message") if isinstance(error, dict) else None
        return _server_error(f"the grader model answered {answer.status}: {said or 'no body'}")
    usage = _usage(answered.get("usage"))
    model = answered.get("model") if isinstance(answered.get("model"), str) else None
    message = _first_message(answered)
    if message.get("refusal"):
        return Verdict(0.0, {"model_grader_refusal_error": True}, usage=usage, model=model)
    content = message.get("content") if isinstance(message.get("content"), str) else None
    try:
        parsed = json.loads(content) if content is not None else None
    except ValueError:
        parsed = None
    found = parsed.get("result") if isinstance(parsed, dict) else None
    return _Reply(content, found, usage, model)


def messages(given: Any, namespaces: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The grader's ``input`` as chat messages, templates filled in
    (:class:`~mockapi.endpoints.fine_tuning.grader_template.GraderVariableError` when one
    cannot be)."""
    made = []
    for message in given if isinstance(given, list) else []:
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        if isinstance(content, list):
            parts: Any = [_part(part, namespaces) for part in content]
        elif isinstance(content, Mapping):
            parts = [_part(content, namespaces)]
        else:
            parts = grader_template.render(str(content or ""), namespaces)
        made.append({"role": message.get("role", "user"), "content": parts})
    return made


def _part(part: Any, namespaces: Mapping[str, Any]) -> dict[str, Any]:
    """One content item (EvalItemContentItem) as a chat content part."""
    if isinstance(part, str):
        return {"type": "text", "text": grader_template.render(part, namespaces)}
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind == "input_image":
        url = grader_template.render(str(part.get("image_url", "")), namespaces)
        return {
            "type": "image_url",
            "image_url": {"url": url, "detail": part.get("detail", "auto")},
        }
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        data = grader_template.render(str(audio.get("data", "")), namespaces)
        return {"type": "input_audio", "input_audio": {"data": data, "format": audio.get("format")}}
    text = part.get("text", "") if isinstance(part, Mapping) else ""
    return {"type": "text", "text": grader_template.render(str(text), namespaces)}


def request(ctx: Context, body: dict[str, Any], path: str = CHAT_PATH) -> Request:
    """The request for ``path`` (the grader model's chat by default) with ``body``, as
    the client sent it: its credentials and host, for ``ctx.dispatch`` to answer through
    the replay flow (an eval run's samples go the same way)."""
    headers = {
        name: ctx.request.headers[name] for name in _FORWARDED if name in ctx.request.headers
    }
    headers["content-type"] = "application/json"
    return Request("POST", path, headers, (), orjson.dumps(body), body)


def _first_message(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = answer.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else {}
    message = first.get("message") if isinstance(first, dict) else None
    return message if isinstance(message, dict) else {}


def _usage(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    details = value.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else 0
    counts = {
        "prompt_tokens": value.get("prompt_tokens"),
        "completion_tokens": value.get("completion_tokens"),
        "total_tokens": value.get("total_tokens"),
        "cached_tokens": cached,
    }
    return {key: int(n) if isinstance(n, (int, float)) else 0 for key, n in counts.items()}


def _server_error(details: str) -> Verdict:
    return Verdict(
        0.0, {"model_grader_server_error": True, "model_grader_server_error_details": details}
    )


def _bare_number(content: str) -> float | None:
    try:
        return float(content.strip())
    except ValueError:
        return None
