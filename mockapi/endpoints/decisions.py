"""Decisions (``POST /v1/decisions``): answers to predicate, choice and score questions
about an input, synthesized on a miss (a fixture that matches answers first).

Each answer is deterministic in the model, the input and the question (a SHA-256 of the
three, as the other synthesized answers are): a predicate's ``probability``; a choice's
``probabilities`` over its choices (summing to 1), the likeliest as ``choice`` and its
probability as ``confidence``; a score's ``probabilities`` over its levels (valued 1, 2,
... in order), the expected value as ``score`` and the likeliest level's probability as
``confidence``. ``usage`` counts the input's and the questions' text with the real
tokenizer, and one output token per question. A question is never refused by the mock.

Assumed (the SDK gives the shapes, not how values are spread): that a score's levels
are valued from 1 and that ``score`` is their expected value; that any ``model`` is
taken (the SDK says only ``gpt-6-luna`` is supported; the API's refusal of another is
not known, so the mock refuses none).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.wire import tokens


def _weights(seed: str, count: int) -> list[float]:
    """``count`` probabilities summing to 1, drawn from ``seed``."""
    raw = [1 + hashlib.sha256(f"{seed}:{n}".encode()).digest()[0] for n in range(max(count, 1))]
    total = sum(raw)
    shares = [round(r / total, 4) for r in raw]
    shares[-1] = round(1 - sum(shares[:-1]), 4)  # exactly 1 in all
    return shares


def answer(question: Mapping[str, Any], seed: str) -> dict[str, Any]:
    """The answer to one question (see the module docstring)."""
    kind = question.get("type")
    name = question.get("name")
    seed = f"{seed}:{json.dumps(question, sort_keys=True)}"
    if kind == "predicate":
        [yes, _] = _weights(seed, 2)
        return {"type": "predicate", "name": name, "probability": yes}
    options = question.get("choices") if kind == "choice" else question.get("levels")
    if kind not in ("choice", "score") or not options:
        return {"type": "refusal", "name": name}  # nothing to choose from
    if kind == "choice":
        values = [c.get("value") for c in question.get("choices") or []]
        shares = _weights(seed, len(values))
        best = max(range(len(values)), key=lambda n: shares[n])
        return {
            "type": "choice",
            "name": name,
            "choice": values[best],
            "confidence": shares[best],
            "probabilities": [
                {"value": v, "probability": p} for v, p in zip(values, shares, strict=False)
            ],
        }
    levels = [str(level.get("label")) for level in question.get("levels") or []]
    shares = _weights(seed, len(levels))
    best = max(range(len(levels)), key=lambda n: shares[n])
    expected = round(sum((n + 1) * p for n, p in enumerate(shares)), 4)
    return {
        "type": "score",
        "name": name,
        "score": expected,
        "confidence": shares[best],
        "probabilities": [
            {"label": label, "value": n + 1, "probability": p}
            for n, (label, p) in enumerate(zip(levels, shares, strict=False))
        ],
    }


def _text(value: Any) -> str:
    """Every string inside ``value`` (an input or a question), joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return " ".join(_text(v) for k, v in value.items() if k not in ("type", "role"))
    if isinstance(value, Sequence):
        return " ".join(_text(v) for v in value)
    return ""


def decide(ctx: Context) -> FixtureResponse:
    """``POST /v1/decisions``."""
    model = str(ctx.body.get("model", ""))
    questions = ctx.body.get("questions")
    if not isinstance(questions, list) or not 1 <= len(questions) <= 400:
        raise APIError(
            400,
            "Invalid 'questions': ask from 1 to 400 questions.",
            param="questions",
            code="invalid_value",
        )
    given = ctx.body.get("input")
    seed = f"{ctx.seed}:{model}:{json.dumps(given, sort_keys=True)}"
    answers = [answer(q, seed) for q in questions if isinstance(q, Mapping)]
    read = len(tokens.encode(_text(given) + " " + _text(questions), model))
    usage = {
        "input_tokens": read,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": len(answers),
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": read + len(answers),
    }
    return FixtureResponse(body={"answers": answers, "model": model, "usage": usage})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/decisions", body=Body.JSON, synthesize=decide),
)
