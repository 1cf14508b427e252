"""Grading: a grader's reward for a model sample and an item, by the grader's type.

* ``string_check``: 1 or 0 by ``operation`` (the graders guide): ``eq`` the input equals
  the reference, ``ne`` it does not (both case-sensitive), ``like`` the input contains
  the reference (case-sensitive), ``ilike`` the same ignoring case;
* ``text_similarity``: the ``evaluation_metric`` of
  :mod:`~mockapi.endpoints.fine_tuning.grader_text`;
* ``score_model``, ``label_model``: the grader model's verdict
  (:mod:`~mockapi.endpoints.fine_tuning.grader_model`);
* ``python``: no code runs in the mock. The grade is what the API answers for a Python
  grader its sandbox could not run: reward 0 with ``python_grader_server_error`` set and
  ``python_grader_server_error_type`` :data:`PYTHON_NOT_RUN` (the API reports a Python
  grader's failures in the answer, not as an HTTP error; this type string is the
  mock's own);
* ``multi``: each of ``graders`` graded (its reward in ``sub_rewards`` under its key),
  then ``calculate_output`` (:mod:`~mockapi.endpoints.fine_tuning.grader_formula`)
  over those rewards. A sub-grader's errors are the multi grader's; a formula with no
  value (a division by zero) is ``other_error`` and reward 0.

A template whose variable has no value grades 0 with ``invalid_variable_error`` (or
``sample_parse_error`` for ``sample.output_json`` of a sample that is not JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.fine_tuning import grader_formula, grader_model, grader_text
from mockapi.endpoints.fine_tuning.grader_template import GraderVariableError, render

PYTHON_NOT_RUN = "mockapi_runs_no_code"
"""``python_grader_server_error_type`` of a Python grader (the mock runs no code)."""
_FORMULA_FLAGS = {
    "parse": "formula_parse_error",
    "variable": "invalid_variable_error",
    "math": "other_error",
}


@dataclass(frozen=True)
class Grade:
    """A grader's outcome: what ``graders.run`` answers is made of it."""

    reward: float
    errors: Mapping[str, Any] = field(default_factory=dict)
    """The ``metadata.errors`` fields set (flags True, details strings)."""
    usage: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Token counts per grader model (``model_grader_token_usage_per_model``)."""
    sampled_model: str | None = None
    sub_rewards: Mapping[str, float] = field(default_factory=dict)


def string_check(operation: str, text: str, reference: str) -> float:
    """1.0 when ``text`` passes ``operation`` against ``reference``, else 0.0."""
    if operation == "eq":
        passed = text == reference
    elif operation == "ne":
        passed = text != reference
    elif operation == "like":
        passed = reference in text
    elif operation == "ilike":
        passed = reference.lower() in text.lower()
    else:
        raise ValueError(f"unknown string_check operation {operation!r}")
    return 1.0 if passed else 0.0


def grade(ctx: Context, grader: Mapping[str, Any], namespaces: Mapping[str, Any]) -> Grade:
    """The ``grader``'s grade (checked already) with the ``item`` and ``sample``
    ``namespaces``."""
    if grader.get("type") == "multi":
        return _multi(ctx, grader, namespaces)
    return _single(ctx, grader, namespaces)


def _single(ctx: Context, grader: Mapping[str, Any], namespaces: Mapping[str, Any]) -> Grade:
    kind = grader.get("type")
    if kind == "python":
        errors = {
            "python_grader_server_error": True,
            "python_grader_server_error_type": PYTHON_NOT_RUN,
        }
        return Grade(0.0, errors)
    try:
        if kind in ("score_model", "label_model"):
            ask = grader_model.score if kind == "score_model" else grader_model.label
            verdict = ask(ctx, grader, namespaces)
            model = verdict.model or str(grader.get("model"))
            usage = {model: verdict.usage} if verdict.usage is not None else {}
            return Grade(verdict.reward, verdict.errors, usage, model)
        text = render(str(grader.get("input", "")), namespaces)
        reference = render(str(grader.get("reference", "")), namespaces)
    except GraderVariableError as problem:
        return Grade(0.0, {f"{problem.kind}_error": True})
    if kind == "string_check":
        return Grade(string_check(str(grader.get("operation")), text, reference))
    metric = str(grader.get("evaluation_metric"))
    return Grade(grader_text.similarity(metric, text, reference))


def _multi(ctx: Context, grader: Mapping[str, Any], namespaces: Mapping[str, Any]) -> Grade:
    rewards: dict[str, float] = {}
    errors: dict[str, Any] = {}
    usage: dict[str, dict[str, int]] = {}
    sampled: str | None = None
    graders = grader.get("graders")
    for key, sub in (graders if isinstance(graders, Mapping) else {}).items():
        graded = _single(ctx, sub, namespaces)
        rewards[str(key)] = graded.reward
        for name, value in graded.errors.items():
            errors.setdefault(name, value)
        for model, counts in graded.usage.items():
            total = usage.setdefault(model, dict.fromkeys(counts, 0))
            for name, count in counts.items():
                total[name] = total.get(name, 0) + count
        sampled = sampled or graded.sampled_model
    try:
        reward = grader_formula.parse(str(grader.get("calculate_output"))).evaluate(rewards)
    except grader_formula.FormulaError as problem:
        errors[_FORMULA_FLAGS[problem.kind]] = True
        reward = 0.0
    return Grade(reward, errors, usage, sampled, rewards)
