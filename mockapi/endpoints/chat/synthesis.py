"""Chat Completions: completing fixture bodies and synthesizing answers.

:func:`complete` fills in what a hand-written fixture leaves out (id, created, object,
finish_reason, usage, …) so that the SDK gets a complete ``chat.completion``; its
``usage`` is counted with the model's real tokenizer (:mod:`mockapi.wire.tokens`).

:func:`synthesize` answers a request no fixture matched, obeying it:

* ``n`` choices, each its own answer;
* tool calls chosen by the rule of :mod:`~mockapi.endpoints.chat.tools` (``tool_choice``,
  ``parallel_tool_calls``), with arguments valid against each function's schema;
* after ``tool`` messages, a final answer that reports what the tools returned (in
  the ``response_format`` when one is asked for: a format holds after a tool too);
* ``response_format``: ``json_schema`` gives a document valid against the schema
  (:mod:`~mockapi.generate.schema_data`), ``json_object`` a JSON object;
* otherwise a few sentences of prose that quote the question
  (:mod:`~mockapi.generate.text`);
* ``stop`` cuts the text before the first stop sequence (``finish_reason: "stop"``),
  then ``max_completion_tokens`` / ``max_tokens`` cut it to that many real tokens
  (``finish_reason: "length"``); tool calls are never cut;
* ``logprobs`` / ``top_logprobs`` give one entry per real token of the content.

The answer is a function of the request and the seed only: the same request and seed
give the same answer, a different ``seed`` (the server's or the request's) a different
one. Transport and presentation parameters (``stream``, ``stream_options``,
``logprobs``, ``top_logprobs``, ``max_tokens``, ``max_completion_tokens``, ``stop``,
``user``, ``metadata``, ``store``, ``n``) do not change it, so a streamed answer has
the same text as a plain one, a cut answer is a prefix of the uncut one, and the first
of ``n`` choices is the answer to the same request without ``n``.
"""

from __future__ import annotations

import json
from random import Random
from typing import Any

from mockapi.endpoints import capabilities
from mockapi.endpoints.chat import tools
from mockapi.generate import logprobs, schema_data, text
from mockapi.wire import durations, ids, jsonbody, tokens
from mockapi.wire.canonical import digest, ordered

_FINGERPRINT = "fp_mockapi01"
_MAX_CHOICES = 128
_IGNORED = frozenset(
    {
        "stream",
        "stream_options",
        "logprobs",
        "top_logprobs",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "user",
        "metadata",
        "store",
        "n",
    }
)


def complete(body: Any, request: Any) -> Any:
    """A copy of ``body`` with the fields of a ``chat.completion`` it lacks filled in.

    Fields the fixture sets are kept as they are ("pinned"); ``request`` is the decoded
    request body, used for the model name and the token counts.
    """
    if not isinstance(body, dict):
        return body
    out = jsonbody.copy_json(body)
    request = request if isinstance(request, dict) else {}
    out.setdefault("id", ids.chat_completion_id())
    out.setdefault("object", "chat.completion")
    out.setdefault("created", durations.now())
    out.setdefault("model", request.get("model", "gpt-4o-mini"))
    model = out["model"]
    choices = out.setdefault("choices", [])
    if isinstance(choices, list):
        for index, choice in enumerate(choices):
            if isinstance(choice, dict):
                choice = _complete_choice(choice, index)
                if not capabilities.has_choice_logprobs(model) and choice["logprobs"] is None:
                    del choice["logprobs"]  # the o-series send no logprobs key
                choices[index] = choice
    out.setdefault("usage", usage_for(request, choices))
    out.setdefault("service_tier", "default")
    out.setdefault("system_fingerprint", capabilities.system_fingerprint(model, _FINGERPRINT))
    return ordered(out, _COMPLETION_ORDER)


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
        choice["message"] = ordered(message, _MESSAGE_ORDER)
    return ordered(choice, _CHOICE_ORDER)


def usage_for(request: dict[str, Any], choices: Any) -> dict[str, Any]:
    """A ``usage`` object counted with the model's tokenizer (see :mod:`mockapi.wire.tokens`)."""
    model = _model(request)
    prompt = tokens.count_prompt({**request, "model": model})
    completion = 0
    for choice in choices if isinstance(choices, list) else []:
        if isinstance(choice, dict):
            completion += tokens.count_completion(choice.get("message"), model)
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
    """A deterministic ``chat.completion`` answering ``request`` (before :func:`complete`).

    See the module docstring for what is honoured; ``seed`` is the server's seed.
    """
    digest = _digest(request, seed)
    count = request.get("n")
    count = count if isinstance(count, int) and not isinstance(count, bool) else 1
    choices = [
        _choice(request, f"{digest}:{i}", i) for i in range(max(1, min(count, _MAX_CHOICES)))
    ]
    return {"choices": choices}


def _choice(request: dict[str, Any], seed: str, index: int) -> dict[str, Any]:
    rng = Random(seed)
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    question = tools.last_user_text(messages)
    wants_logprobs = request.get("logprobs") is True
    calls = tools.chosen(request)
    choice: dict[str, Any] = {"index": index}
    if calls:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": tools.tool_calls(calls, question, seed),
        }
        choice["message"] = message
        choice["logprobs"] = {"content": None, "refusal": None} if wants_logprobs else None
        choice["finish_reason"] = "tool_calls"
        return choice
    content, finish = _limited(_text(request, messages, question, rng, seed), request)
    choice["message"] = {"role": "assistant", "content": content}
    choice["logprobs"] = None
    if wants_logprobs:
        top = request.get("top_logprobs")
        top = top if isinstance(top, int) and not isinstance(top, bool) else 0
        entries = logprobs.for_text(content, model=_model(request), top=max(0, top), rng=rng)
        choice["logprobs"] = {"content": entries, "refusal": None}
    choice["finish_reason"] = finish
    return choice


def _text(
    request: dict[str, Any], messages: list[dict[str, Any]], question: str, rng: Random, seed: str
) -> str:
    # A requested format holds after a tool result too: the answer that reports the
    # result is the structured one (agents parse it as their typed output).
    after_tool = bool(messages) and messages[-1].get("role") == "tool"
    results = tools.tool_results(messages) if after_tool else []
    fmt = request.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_schema" and isinstance(fmt, dict):
        spec: dict[str, Any] = fmt.get("json_schema") or {}
        spec = spec if isinstance(spec, dict) else {}
        schema: dict[str, Any] = spec.get("schema") or {}
        schema = schema if isinstance(schema, dict) else {}
        try:
            document = schema_data.generate(
                schema,
                seed=seed,
                strict=spec.get("strict") is True,
                # What the question names, then what the tools said: a typed answer
                # after a tool reports its result.
                words=list(dict.fromkeys([*text.phrases(question), *tools.said(results)])),
            )
        except schema_data.SchemaDataError:
            document = example_for(schema)
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    if kind == "json_object":
        said = text.after_tool(results, question, rng) if results else text.sentence(question, rng)
        document = {"answer": said, "topic": text.topic_of(question)}
        return json.dumps(document, indent=2, ensure_ascii=False)
    if after_tool:
        return text.after_tool(results, question, rng)
    return text.answer(question, rng)


def _limited(content: str, request: dict[str, Any]) -> tuple[str, str]:
    """``content`` cut at the first stop sequence, then to the token limit, and why."""
    stop = request.get("stop")
    sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    positions = [content.find(s) for s in sequences if isinstance(s, str) and s in content]
    if positions:
        content = content[: min(positions)]
    limit = request.get("max_completion_tokens", request.get("max_tokens"))
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        return content, "stop"
    if len(content.encode("utf-8")) <= limit:  # no token is shorter than a byte
        return content, "stop"
    model = _model(request)
    ids_ = tokens.encode(content, model)
    if len(ids_) <= limit:
        return content, "stop"
    keep = limit
    cut = tokens.decode_encoded(ids_[:keep], model)
    # A cut inside a character, or one that re-tokenizes longer, loses a token more.
    while keep > 0 and ("\ufffd" in cut[-1:] or tokens.count_text(cut, model) > limit):
        keep -= 1
        cut = tokens.decode_encoded(ids_[:keep], model)
    return cut, "length"


def _model(request: dict[str, Any]) -> str:
    model = request.get("model")
    return model if isinstance(model, str) and model else tokens.DEFAULT_MODEL


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


def _digest(request: dict[str, Any], seed: int) -> str:
    return digest({k: v for k, v in request.items() if k not in _IGNORED}, seed)
