"""Synthesized Responses API answers: the chat synthesis, asked in Responses terms.

:func:`synthesize` turns the request (and the chained conversation) into the Chat
Completions request that asks the same thing (:func:`~mockapi.endpoints.responses.items.
chat_request`), lets :func:`mockapi.endpoints.chat.synthesis.synthesize` answer it, and turns the
answer back into output items. So everything chat synthesis honours holds here too,
deterministically: function calls chosen by :mod:`~mockapi.endpoints.chat.tools`
(``tool_choice``, ``parallel_tool_calls``) with arguments valid against each schema, a
final answer reporting ``function_call_output`` results, ``text.format``
(``json_schema``, ``json_object``), and prose quoting the question otherwise. On top:

* ``max_output_tokens`` cuts the text with the real tokenizer: ``status:
  "incomplete"``, ``incomplete_details.reason: "max_output_tokens"``; the limit
  counts reasoning tokens first, as the API's does;
* ``include: ["message.output_text.logprobs"]`` gives each text token its logprob,
  ``top_logprobs`` alternatives each;
* reasoning models (o1, o3, o4, gpt-5...) think first: a ``reasoning`` item, with
  ``encrypted_content`` when ``include`` asks for ``reasoning.encrypted_content`` and a
  summary when ``reasoning.summary`` is set, and ``reasoning_tokens`` by effort:
  :data:`REASONING_TOKENS`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.responses.items import chat_request, new_id, raw_items
from mockapi.endpoints.responses.output import output_from_chat, usage_for
from mockapi.generate import text
from mockapi.wire import durations, tokens

LOGPROBS = "message.output_text.logprobs"
ENCRYPTED_REASONING = "reasoning.encrypted_content"
REASONING_TOKENS = {"none": 0, "minimal": 0, "low": 0, "medium": 192, "high": 512, "xhigh": 1024}
"""``reasoning_tokens`` of a reasoning model's answer, by ``reasoning.effort`` (default
``medium``); 0 means no reasoning item. ``low`` thinks not at all: the three recorded
gpt-5.5 answers at ``effort: low`` (simonw/llm, 2026-05) report 0 reasoning tokens and
carry no reasoning item."""


def synthesize(
    request: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = (), *, seed: int = 0
) -> dict[str, Any]:
    """A ``response`` body answering ``request`` after ``history`` (before completion:
    :func:`~mockapi.endpoints.responses.output.complete` adds the echoed fields)."""
    ask = chat_request(request, history)
    include = request.get("include") or []
    wants_logprobs = LOGPROBS in include
    if wants_logprobs:
        ask["logprobs"] = True
        top = request.get("top_logprobs")
        ask["top_logprobs"] = top if isinstance(top, int) and not isinstance(top, bool) else 0
    thinking = reasoning_tokens(request)
    limit = request.get("max_output_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool):
        ask["max_completion_tokens"] = max(0, limit - thinking)
    choice = chat.synthesize(ask, seed=seed)["choices"][0]
    logprobs = (choice.get("logprobs") or {}).get("content") if wants_logprobs else None
    model = str(ask["model"])
    phase = "final_answer" if model.lower().startswith("gpt-5") else None
    output: list[dict[str, Any]] = []
    if thinking:
        output.append(reasoning_item(request, ask, include))
    output.extend(
        output_from_chat(
            choice["message"], logprobs, cut=choice["finish_reason"] == "length", phase=phase
        )
    )
    cut = choice["finish_reason"] == "length"
    body: dict[str, Any] = {"status": "incomplete" if cut else "completed", "output": output}
    body["usage"] = usage_for(request, output, history, reasoning_tokens=thinking)
    return body


def reasoning_tokens(request: Mapping[str, Any]) -> int:
    """How many tokens the model thinks before answering (0 for non-reasoning models)."""
    model = request.get("model")
    if not tokens.is_reasoning_model(model if isinstance(model, str) else None):
        return 0
    config = request.get("reasoning")
    effort = config.get("effort") if isinstance(config, dict) else None
    return REASONING_TOKENS.get(effort if isinstance(effort, str) else "medium", 192)


def reasoning_item(
    request: Mapping[str, Any], ask: Mapping[str, Any], include: Sequence[Any]
) -> dict[str, Any]:
    """The ``reasoning`` output item of a reasoning model's answer."""
    messages = [m for m in ask.get("messages") or [] if isinstance(m, dict)]
    question = ""
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            question = message["content"]
            break
    item: dict[str, Any] = {"id": new_id("rs"), "type": "reasoning"}
    thought = f'The user asks: "{text.quote(question)}". Let me work out a clear answer.'
    if ENCRYPTED_REASONING in include:
        digest = hashlib.sha256(thought.encode()).digest()
        item["encrypted_content"] = "gAAAAAB" + base64.urlsafe_b64encode(digest * 4).decode()
    config = request.get("reasoning")
    summary = config.get("summary") if isinstance(config, dict) else None
    if summary in ("auto", "concise", "detailed"):
        topic = text.topic_of(question) if question.strip() else "the request"
        item["summary"] = [
            {"type": "summary_text", "text": f"**Considering {topic}**\n\n{thought}"}
        ]
    else:
        item["summary"] = []
    return item


def compacted(
    request: Mapping[str, Any], history: Sequence[Mapping[str, Any]], input_tokens: int
) -> dict[str, Any]:
    """A ``response.compaction`` body: one compaction item standing for the conversation
    (its ``encrypted_content`` opaque, as the API's).

    The spec's example also lists the user messages before it, but the official SDK
    (3.57) types ``output`` as output items, which a user message is not, so its strict
    validation would reject them: they are left out.
    """
    items = [*history, *raw_items(request)]
    summary = f"Conversation of {len(items)} items compacted by mockapi."
    model = str(request.get("model") or tokens.DEFAULT_MODEL)
    compaction = {
        "id": new_id("cmp"),
        "type": "compaction",
        "encrypted_content": "gAAAAAB" + base64.urlsafe_b64encode(summary.encode()).decode(),
    }
    written = tokens.count_text(summary, model)
    return {
        "id": new_id("resp"),
        "object": "response.compaction",
        "created_at": durations.now(),
        "output": [compaction],
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": written,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + written,
        },
    }
