"""The alpha graders endpoints: ``POST /v1/fine_tuning/alpha/graders/run`` and
``.../validate``, answered by the mock itself whatever ``on_miss`` says (a fixture
that matches still answers first).

* ``validate`` (``grader``): the grader as sent, or the 400 naming what is wrong: its
  shape by request validation against the spec, the rest by
  :mod:`~mockapi.endpoints.fine_tuning.grader_check` (templates, ``range``, labels, a
  Python ``source`` parsed but never run, a ``multi`` grader's names and formula).
* ``run`` (``grader``, ``model_sample``, ``item``; the SDK and the spec take no
  ``reference_answer``: it belongs in ``item`` and is read as ``{{item.reference_answer}}``):
  the same checks, then the grade (:mod:`~mockapi.endpoints.fine_tuning.grader_run`)
  in the API's answer: ``reward``; ``metadata`` with the grader's ``name`` and ``type``,
  every ``errors`` field (false or null unless set), ``execution_time`` (seconds the
  grading took), ``scores`` (empty, as in the API's example), ``token_usage`` (the grader
  models' total tokens, null without one) and ``sampled_model_name``; ``sub_rewards``
  (a ``multi`` grader's reward per key); ``model_grader_token_usage_per_model``.

The API's ``graders`` of a ``multi`` grader is an object of graders by name (the graders
guide; the spec and the SDK type it as one grader): the derived schemas take that.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.fine_tuning import grader_check
from mockapi.endpoints.fine_tuning.grader_run import Grade, grade
from mockapi.endpoints.fine_tuning.grader_template import sample_namespace
from mockapi.library.fixture import FixtureResponse

ERRORS: dict[str, bool | None] = {
    "formula_parse_error": False,
    "sample_parse_error": False,
    "truncated_observation_error": False,
    "unresponsive_reward_error": False,
    "invalid_variable_error": False,
    "other_error": False,
    "python_grader_server_error": False,
    "python_grader_server_error_type": None,
    "python_grader_runtime_error": False,
    "python_grader_runtime_error_details": None,
    "model_grader_server_error": False,
    "model_grader_refusal_error": False,
    "model_grader_parse_error": False,
    "model_grader_server_error_details": None,
}
"""``metadata.errors`` of a grade that raised none, in the API's order."""


def run(ctx: Context) -> FixtureResponse:
    """``POST .../graders/run``: the grader's grade of ``model_sample`` and ``item``."""
    grader = grader_check.check(ctx.body.get("grader"))
    item = ctx.body.get("item")
    namespaces = {
        "item": item if isinstance(item, dict) else {},
        "sample": sample_namespace(str(ctx.body.get("model_sample", ""))),
    }
    started = time.perf_counter()
    graded = grade(ctx, grader, namespaces)
    return FixtureResponse(body=answer(grader, graded, time.perf_counter() - started))


def validate(ctx: Context) -> FixtureResponse:
    """``POST .../graders/validate``: the grader, once it passes every check."""
    grader = ctx.body.get("grader")
    grader_check.check(grader)
    return FixtureResponse(body={"grader": grader})


def answer(grader: Mapping[str, Any], graded: Grade, seconds: float) -> dict[str, Any]:
    """The ``run`` answer for ``grader``'s ``graded`` outcome."""
    errors = {**ERRORS, **{k: v for k, v in graded.errors.items() if k in ERRORS}}
    usage = {model: dict(counts) for model, counts in graded.usage.items()}
    total = sum(counts.get("total_tokens", 0) for counts in usage.values()) if usage else None
    return {
        "reward": graded.reward,
        "metadata": {
            "name": str(grader.get("name", "")),
            "type": str(grader.get("type")),
            "errors": errors,
            "execution_time": round(seconds, 6),
            "scores": {},
            "token_usage": total,
            "sampled_model_name": graded.sampled_model,
        },
        "sub_rewards": dict(graded.sub_rewards),
        "model_grader_token_usage_per_model": usage,
    }


_GRADERS = "/v1/fine_tuning/alpha/graders"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _GRADERS + "/run", body=Body.JSON, lookup=run),
    Endpoint("POST", _GRADERS + "/validate", body=Body.JSON, lookup=validate),
)
