"""A run's sample for one item: the model's answer, drawn through the replay flow.

A ``completions`` or ``responses`` data source with a ``model`` and ``input_messages``
asks the model once per item: the ``template`` messages with ``{{item.x}}`` filled in
(:mod:`mockapi.endpoints.fine_tuning.grader_template`, as the graders fill theirs), or
the messages an ``item_reference`` (``item.messages``) names, sent as a Chat Completions
(``completions``) or Responses (``responses``) request through ``ctx.dispatch``: the
whole replay flow, so a fixture on that request pins the answer, synthesis answers a
miss (deterministic under the seed), and the journal shows each request.
``sampling_params`` become the request's ``temperature``, ``top_p``, ``seed``
(Chat only), ``max_completion_tokens`` (``max_output_tokens`` for Responses; the API's
own echo spells it ``max_completions_tokens``: both are read), ``reasoning_effort``,
``response_format``/``text`` and ``tools``.

Without a model the sample is the one the data source brought (a JSONL line's
``sample``, a stored completion's answer), or none: a grader reading ``{{sample...}}``
then has nothing to read and the item errs.

The output item's ``sample`` says what was asked and answered, with the sampling
parameters in force (the spec's defaults where none were given: temperature 1, top_p
1, seed 42; ``max_completion_tokens`` :data:`DEFAULT_MAX_TOKENS`, assumed). A request
the replay flow refuses (a miss with no synthesis, a fault) is the sample's ``error``
(the answer's error code, or its HTTP status, and its message) and the item errs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.evals.sources import Entry, output_text
from mockapi.endpoints.fine_tuning import grader_model
from mockapi.endpoints.fine_tuning.grader_template import (
    GraderVariableError,
    lookup,
    sample_namespace,
)

RESPONSES_PATH = "/v1/responses"
DEFAULT_MAX_TOKENS = 2048
DEFAULTS: Mapping[str, Any] = {"temperature": 1.0, "top_p": 1.0, "seed": 42}


@dataclass(frozen=True)
class Sample:
    """One item's sample: what graders read, what the output item shows, what it cost."""

    namespace: dict[str, Any] | None
    """The graders' ``sample`` namespace (None: there is no sample to grade)."""
    shown: dict[str, Any]
    """The output item's ``sample`` object."""
    usage: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Token counts by model (one invocation each)."""
    error: Mapping[str, str] | None = None


def draw(ctx: Context, data_source: Mapping[str, Any], entry: Entry) -> Sample:
    """The sample of ``entry`` under ``data_source`` (see the module docstring)."""
    params = _params(data_source.get("sampling_params"))
    model = data_source.get("model")
    asked = data_source.get("input_messages")
    if not isinstance(model, str) or not isinstance(asked, Mapping):
        return _given(entry.sample, params, str(model or ""))
    try:
        messages = _messages(asked, entry.item)
    except GraderVariableError as problem:
        error = {"code": f"{problem.kind}_error", "message": problem.message}
        return Sample(None, _shown([], [], params, model, error=error), error=error)
    if data_source.get("type") == "responses":
        return _respond(ctx, model, messages, params)
    return _complete(ctx, model, messages, params)


def _params(given: Any) -> dict[str, Any]:
    params = dict(given) if isinstance(given, Mapping) else {}
    if "max_completions_tokens" in params and "max_completion_tokens" not in params:
        params["max_completion_tokens"] = params["max_completions_tokens"]
    return params


def _given(sample: dict[str, Any] | None, params: Mapping[str, Any], model: str) -> Sample:
    if sample is None:
        return Sample(None, _shown([], [], params, model))
    text = sample.get("output_text")
    namespace = {**sample_namespace(text), **sample} if isinstance(text, str) else dict(sample)
    output = [{"role": "assistant", "content": text}] if isinstance(text, str) else []
    shown = _shown([], output, params, str(namespace.get("model") or model))
    return Sample(namespace, shown)


def _messages(asked: Mapping[str, Any], item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The chat messages of a ``template`` (filled in) or an ``item_reference``."""
    namespaces = {"item": item}
    if asked.get("type") == "item_reference":
        listed = lookup(str(asked.get("item_reference", "")), namespaces)
        return grader_model.messages(listed, namespaces)
    return grader_model.messages(asked.get("template"), namespaces)


def _complete(
    ctx: Context, model: str, messages: list[dict[str, Any]], params: Mapping[str, Any]
) -> Sample:
    body: dict[str, Any] = {"model": model, "messages": messages}
    for name in ("temperature", "top_p", "seed", "max_completion_tokens", "reasoning_effort"):
        if params.get(name) is not None:
            body[name] = params[name]
    for name in ("response_format", "tools"):
        if params.get(name):
            body[name] = params[name]
    answered, error = _ask(ctx, grader_model.CHAT_PATH, body)
    if error is not None:
        return Sample(None, _shown(messages, [], params, model, error=error), error=error)
    choices = answered.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], Mapping) else {}
    message = first.get("message") or {}
    text = str(message.get("content") or "")
    named = str(answered.get("model") or model)
    namespace = {**sample_namespace(text), "model": named, "choices": choices}
    if message.get("tool_calls"):
        namespace["output_tools"] = message["tool_calls"]
    output = [{"role": "assistant", "content": text}]
    usage = _usage(answered.get("usage"))
    shown = _shown(messages, output, params, named, usage, str(first.get("finish_reason")))
    return Sample(namespace, shown, {named: usage})


def _respond(
    ctx: Context, model: str, messages: list[dict[str, Any]], params: Mapping[str, Any]
) -> Sample:
    body: dict[str, Any] = {"model": model, "input": [_input_item(m) for m in messages]}
    for name in ("temperature", "top_p", "tools", "text"):
        if params.get(name) is not None:
            body[name] = params[name]
    if params.get("max_completion_tokens") is not None:
        body["max_output_tokens"] = params["max_completion_tokens"]
    if params.get("reasoning_effort") is not None:
        body["reasoning"] = {"effort": params["reasoning_effort"]}
    answered, error = _ask(ctx, RESPONSES_PATH, body)
    if error is not None:
        return Sample(None, _shown(messages, [], params, model, error=error), error=error)
    text = output_text(answered)
    named = str(answered.get("model") or model)
    namespace = {**sample_namespace(text), "model": named}
    usage = _usage(answered.get("usage"))
    finish = "length" if answered.get("status") == "incomplete" else "stop"
    output = [{"role": "assistant", "content": text}]
    shown = _shown(messages, output, params, named, usage, finish)
    return Sample(namespace, shown, {named: usage})


def _ask(
    ctx: Context, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The answer's body, or the error the sample carries instead."""
    if ctx.dispatch is None:
        return {}, {"code": "server_error", "message": "the mock has no replay flow to ask"}
    answer = ctx.dispatch(grader_model.request(ctx, body, path))
    answered = answer.body if isinstance(answer.body, dict) else {}
    if 200 <= answer.status < 300 and answer.events is None:
        return answered, None
    found = answered.get("error")
    said = found.get("message") if isinstance(found, Mapping) else None
    code = found.get("code") if isinstance(found, Mapping) else None
    message = f"The model answered {answer.status}: {said or 'no body'}"
    return {}, {
        "code": code if isinstance(code, str) and code else str(answer.status),
        "message": message,
    }


def _input_item(message: Mapping[str, Any]) -> dict[str, Any]:
    """A chat message (as :func:`grader_model.messages` makes them) as a Responses
    input message."""
    content = message.get("content")
    role = str(message.get("role", "user"))
    if not isinstance(content, list):
        return {"role": role, "content": str(content or "")}
    text_type = "output_text" if role == "assistant" else "input_text"
    parts = []
    for part in content:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") == "image_url":
            image = part.get("image_url") or {}
            parts.append({"type": "input_image", "image_url": image.get("url"), "detail": "auto"})
        elif part.get("type") == "text":
            parts.append({"type": text_type, "text": str(part.get("text", ""))})
    return {"role": role, "content": parts}


def _shown(
    messages: list[dict[str, Any]],
    output: list[dict[str, Any]],
    params: Mapping[str, Any],
    model: str,
    usage: Mapping[str, int] | None = None,
    finish_reason: str = "",
    *,
    error: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    counts = dict(usage) if usage else dict.fromkeys(_USAGE_KEYS, 0)
    return {
        "input": [
            {"role": str(m.get("role")), "content": _flat(m.get("content"))} for m in messages
        ],
        "output": output,
        "finish_reason": finish_reason,
        "model": model,
        "usage": counts,
        "error": dict(error) if error else None,
        "temperature": float(_param(params, "temperature")),
        "max_completion_tokens": int(params.get("max_completion_tokens") or DEFAULT_MAX_TOKENS),
        "top_p": float(_param(params, "top_p")),
        "seed": int(_param(params, "seed")),
    }


def _param(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    return DEFAULTS[name] if value is None else value


def _flat(content: Any) -> str:
    """A message's content as the text it holds (text parts joined)."""
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return str(content or "")


_USAGE_KEYS = ("total_tokens", "completion_tokens", "prompt_tokens", "cached_tokens")


def _usage(value: Any) -> dict[str, int]:
    """A Chat or Responses ``usage`` as the sample's counts."""
    found = value if isinstance(value, Mapping) else {}
    details = found.get("prompt_tokens_details") or found.get("input_tokens_details") or {}
    prompt = found.get("prompt_tokens", found.get("input_tokens", 0))
    completion = found.get("completion_tokens", found.get("output_tokens", 0))
    counts = {
        "total_tokens": found.get("total_tokens", 0),
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "cached_tokens": details.get("cached_tokens", 0) if isinstance(details, Mapping) else 0,
    }
    return {key: int(n) if isinstance(n, (int, float)) else 0 for key, n in counts.items()}
