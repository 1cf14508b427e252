"""Legacy Completions: ``POST /v1/completions``.

:func:`complete` fills in what a hand-written fixture body leaves out (``id``
``cmpl-…``, ``object: "text_completion"``, ``created``, ``model``, each choice's
``index``, ``logprobs: null`` and ``finish_reason: "stop"``, and ``usage`` counted
with the model's real tokenizer); fields the fixture sets are kept ("pinned").
:data:`SHAPE` makes one fixture serve both stream modes
(:mod:`~mockapi.endpoints.completions.stream`).

:func:`synthesize` answers a request no fixture matched, obeying it:

* every form of ``prompt`` (:mod:`~mockapi.endpoints.completions.prompt`); choices are
  ``prompts x n``, indexed prompt-major as the API does (prompt ``i``'s ``j``-th
  choice has index ``i * n + j``);
* the text continues the prompt after a blank line (``"\\n\\n"`` and a few sentences
  that quote it, :mod:`~mockapi.generate.text`); with ``suffix`` it is the insertion
  between the prompt and the suffix (no blank line, and another text per suffix);
* ``stop`` cuts before the first stop sequence (``finish_reason: "stop"``), then
  ``max_tokens`` (16 when not given, as the API documents) to that many real tokens
  (``finish_reason: "length"``);
* ``echo`` puts the prompt before the text; ``logprobs: k`` gives the legacy
  ``logprobs`` object with ``k`` alternatives per token (the prompt's tokens too with
  ``echo``, the first one ``null``);
* ``best_of`` must be at least ``n`` and cannot be streamed when above it (the API's
  400s); a chat model gets the API's 404 pointing at ``/v1/chat/completions``.

The answer is a function of the model, the prompt, ``suffix``, the request's ``seed``
and the server's seed only: sampling and presentation parameters (``temperature``,
``top_p``, penalties, ``logit_bias``, ``best_of``, ``n``, ``echo``, ``logprobs``,
``max_tokens``, ``stop``, ``stream``, ``user``) do not change it, so a cut answer is a
prefix of the uncut one, a streamed answer has the plain one's text, and prompt ``p``'s
first choice in a batch is the answer to ``p`` alone. ``system_fingerprint`` is kept
when a fixture gives one and not invented (recorded gpt-3.5-turbo-instruct answers have
none); ``usage`` has the three counts the legacy endpoint reports.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from random import Random
from typing import Any

from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.completions.prompt import (
    ENDOFTEXT,
    Prompt,
    legacy_logprobs,
    model_of,
    prompts_of,
)
from mockapi.endpoints.completions.stream import chunks_to_completion, completion_to_chunks
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.generate import text
from mockapi.library.fixture import FixtureResponse
from mockapi.model import JSON, SSEEvent
from mockapi.wire import durations, ids, tokens
from mockapi.wire.canonical import digest, ordered
from mockapi.wire.usage import include_usage

DEFAULT_MAX_TOKENS = 16
_IGNORED = frozenset(
    {
        "prompt",  # each prompt seeds its own choices
        "stream",
        "stream_options",
        "logprobs",
        "max_tokens",
        "stop",
        "n",
        "best_of",
        "echo",
        "user",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "logit_bias",
    }
)
_CHAT_PREFIXES = ("gpt-4", "gpt-5", "gpt-3.5-turbo", "chatgpt-", "o1", "o3", "o4")
_ORDER = ("id", "object", "created", "model", "system_fingerprint", "choices", "usage")
_CHOICE_ORDER = ("text", "index", "logprobs", "finish_reason")


def create(ctx: Context) -> FixtureResponse:
    """The synthesized answer to a ``/v1/completions`` request (see the module docstring)."""
    refuse_chat_model(model_of(ctx.body))
    return FixtureResponse(body=synthesize(ctx.body, seed=ctx.seed))


def refuse_chat_model(model: str) -> None:
    """Raise the API's 404 for a chat model, which ``/v1/completions`` does not serve."""
    name = model.strip().lower()
    name = name[3:] if name.startswith("ft:") else name
    name = name.rsplit("/", 1)[-1]
    if name.startswith(_CHAT_PREFIXES) and not name.startswith("gpt-3.5-turbo-instruct"):
        raise APIError(
            404,
            "This is a chat model and not supported in the v1/completions endpoint. "
            "Did you mean to use v1/chat/completions?",
            param="model",
        )


def check(request: Mapping[str, Any]) -> None:
    """Raise the API's 400 for what the schema cannot say: ``best_of`` below ``n``, or
    a ``best_of`` above ``n`` (candidates the server picks from) with ``stream``."""
    n = _count(request.get("n"))
    best_of = request.get("best_of")
    if not isinstance(best_of, int) or isinstance(best_of, bool):
        return
    if best_of < n:
        raise APIError(
            400,
            f"Invalid 'best_of': best_of must be greater than or equal to n, but got "
            f"best_of={best_of} and n={n}. Raise best_of to at least {n} or leave it out.",
            param="best_of",
            code="invalid_value",
        )
    if best_of > n and request.get("stream") is True:
        raise APIError(
            400,
            f"Invalid 'best_of': results cannot be streamed when best_of ({best_of}) is "
            f"greater than n ({n}). Leave best_of out, or set stream to false.",
            param="best_of",
            code="invalid_value",
        )


def synthesize(request: Mapping[str, Any], *, seed: int = 0) -> dict[str, Any]:
    """A deterministic ``text_completion`` answering ``request`` (before :func:`complete`)."""
    check(request)
    model = model_of(request)
    n = _count(request.get("n"))
    base = _digest(request, seed)
    choices = []
    for i, prompt in enumerate(prompts_of(request)):
        key = hashlib.sha256(f"{prompt.ids}".encode()).hexdigest()[:16]
        for j in range(n):
            choices.append(_choice(request, model, prompt, f"{base}:{key}:{j}", i * n + j))
    return {"model": model, "choices": choices}


def _choice(
    request: Mapping[str, Any], model: str, prompt: Prompt, seed: str, index: int
) -> dict[str, Any]:
    rng = Random(seed)
    question = "" if prompt.text == ENDOFTEXT else prompt.text
    generated = text.answer(question, rng)
    if not isinstance(request.get("suffix"), str):
        generated = "\n\n" + generated  # a continuation starts a new paragraph
    limit = request.get("max_tokens")
    if not isinstance(limit, int) or isinstance(limit, bool):
        limit = DEFAULT_MAX_TOKENS  # absent or null: the API's documented default
    # Chat's rule: cut at the first stop sequence, then to the token limit.
    cut, finish = chat._limited(
        generated, {"model": model, "stop": request.get("stop"), "max_tokens": limit}
    )
    echo = request.get("echo") is True
    choice: dict[str, Any] = {
        "text": prompt.text + cut if echo else cut,
        "index": index,
        "logprobs": None,
        "finish_reason": finish,
    }
    top = request.get("logprobs")
    if isinstance(top, int) and not isinstance(top, bool):
        choice["logprobs"] = legacy_logprobs(
            prompt if echo else None,
            cut,
            model=model,
            top=top,
            seed=seed,
            offset=0 if echo else len(prompt.text),
        )
    return choice


def complete(body: Any, request: Any) -> Any:
    """A copy of ``body`` with the fields of a ``text_completion`` it lacks filled in.

    ``request`` is the decoded request body (the model, and the prompts for ``usage``).
    Raises the API's 400s of :func:`check` for a request the API would refuse.
    """
    if not isinstance(body, dict):
        return body
    request = request if isinstance(request, dict) else {}
    check(request)
    out = copy.deepcopy(body)
    out.setdefault("id", ids.completion_id())
    out.setdefault("object", "text_completion")
    out.setdefault("created", durations.now())
    out.setdefault("model", model_of(request))
    choices = out.setdefault("choices", [])
    if isinstance(choices, list):
        for position, choice in enumerate(choices):
            if isinstance(choice, dict):
                choice.setdefault("text", "")
                choice.setdefault("index", position)
                choice.setdefault("logprobs", None)
                choice.setdefault("finish_reason", "stop")
                choices[position] = ordered(choice, _CHOICE_ORDER)
    out.setdefault("usage", usage_for(request, choices))
    return ordered(out, _ORDER)


def usage_for(request: Mapping[str, Any], choices: Any) -> dict[str, int]:
    """``usage`` for ``choices`` answering ``request``, with the model's tokenizer.

    Each prompt counts once however many choices it has (``n``); an echoed prompt at
    the start of a choice's text is not counted as completion.
    """
    model = model_of(request)
    prompts = prompts_of(request)
    n = _count(request.get("n"))
    echo = request.get("echo") is True
    completion = 0
    for position, choice in enumerate(choices if isinstance(choices, list) else []):
        if not isinstance(choice, dict) or not isinstance(choice.get("text"), str):
            continue
        generated: str = choice["text"]
        index = choice.get("index")
        index = index if isinstance(index, int) and not isinstance(index, bool) else position
        prompt = prompts[min(index // n, len(prompts) - 1)]
        if echo and generated.startswith(prompt.text):
            generated = generated[len(prompt.text) :]
        completion += tokens.count_text(generated, model)
    prompt_tokens = sum(len(p.ids) for p in prompts)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
    }


class CompletionShape:
    """How one ``/v1/completions`` fixture serves ``stream: true`` and ``stream: false``."""

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        return complete(body, request)

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        if not isinstance(body, dict):
            raise _fixture_error(f"a text_completion body is an object, got {body!r:.200}")
        try:
            chunks = completion_to_chunks(body, include_usage=include_usage(request))
        except ValueError as exc:
            raise _fixture_error(str(exc)) from None
        return (*(SSEEvent(data=chunk) for chunk in chunks), SSEEvent(data="[DONE]"))

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        try:
            return chunks_to_completion([e.data for e in events if not e.is_done])
        except ValueError as exc:
            raise _fixture_error(str(exc)) from None


SHAPE = CompletionShape()


def _fixture_error(problem: str) -> APIError:
    return APIError(
        500,
        f"The fixture cannot answer POST /v1/completions: {problem}. Give a body with a "
        "'choices' list ({text: ...} objects), or events whose data are text_completion "
        "chunks followed by [DONE].",
        type="server_error",
    )


def _count(value: Any) -> int:
    """``n`` as sent, 1 when absent or null."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def _digest(request: Mapping[str, Any], seed: int) -> str:
    return digest({k: v for k, v in request.items() if k not in _IGNORED}, seed)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/completions", body=Body.JSON, synthesize=create, shape=SHAPE),
)
