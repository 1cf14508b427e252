"""Grading one item of a run with the eval's testing criteria, and what a run adds up to.

Each criterion is graded by the fine-tuning graders
(:func:`mockapi.endpoints.fine_tuning.grader_run.grade`: string checks, text
similarity, model graders through the replay flow, Python graders that never run),
with the ``item`` and the item's ``sample`` namespaces. A criterion passes when:

* ``string_check``: its check holds (score 1);
* ``label_model``: the label given is a passing one (score 1);
* ``text_similarity``: the score reaches its ``pass_threshold``;
* ``score_model``, ``python``: the score reaches its ``pass_threshold``; without one,
  the middle of the score model's ``range`` (0.5 for ``[0, 1]`` and for Python): an
  assumption, the API does not say.

An item **passes** when every criterion passes. It **errs** when it has no sample to
grade (its sampling failed) or a grader raised an error (a ``{{item.x}}`` the item
lacks, a model grader that could not answer, a Python grader: no code runs in the
mock); an erring item's status is ``fail`` (the list's ``status`` filter knows only
``pass`` and ``fail``), and it counts in ``errored``, not ``failed``. So a run's
``result_counts`` hold ``total = passed + failed + errored``, and each of its
``per_testing_criteria_results`` holds ``passed + failed = total`` (an erring grader
failed its criterion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.evals.sampling import Sample
from mockapi.endpoints.fine_tuning import grader_model
from mockapi.endpoints.fine_tuning.grader_run import Grade, grade

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Graded:
    """One item's grading: the output item's ``results`` and its outcome."""

    results: list[dict[str, Any]]
    passed: bool
    errored: bool
    usage: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """The model graders' token counts by model (one invocation per count)."""


def grade_item(
    ctx: Context, criteria: Sequence[Mapping[str, Any]], item: dict[str, Any], sample: Sample
) -> Graded:
    """``item`` and its ``sample`` graded by each of ``criteria``."""
    namespaces: dict[str, Any] = {"item": item}
    if sample.namespace is not None:
        namespaces["sample"] = sample.namespace
    results: list[dict[str, Any]] = []
    usage: dict[str, dict[str, int]] = {}
    errored = sample.error is not None
    for criterion in criteria:
        graded = Grade(0.0) if sample.error is not None else grade(ctx, criterion, namespaces)
        errored = errored or any(bool(value) for value in graded.errors.values())
        results.append(
            {
                "name": str(criterion.get("id") or criterion.get("name")),
                "type": str(criterion.get("type")),
                "score": graded.reward,
                "passed": passes(criterion, graded),
                "sample": None,
            }
        )
        for model, counts in graded.usage.items():
            usage[model] = dict(counts)
    passed = not errored and all(result["passed"] for result in results)
    return Graded(results, passed, errored, usage)


def passes(criterion: Mapping[str, Any], graded: Grade) -> bool:
    """Whether ``graded`` passes ``criterion`` (see the module docstring)."""
    if any(bool(value) for value in graded.errors.values()):
        return False
    kind = criterion.get("type")
    if kind in ("string_check", "label_model"):
        return graded.reward >= 1.0
    threshold = criterion.get("pass_threshold")
    if not isinstance(threshold, (int, float)):
        if kind == "score_model":
            low, high = grader_model.score_range(criterion)
            threshold = (low + high) / 2
        else:
            threshold = DEFAULT_THRESHOLD
    return graded.reward >= float(threshold)


@dataclass
class Tally:
    """What a run's items add up to so far."""

    criteria: Sequence[Mapping[str, Any]]
    passed: int = 0
    failed: int = 0
    errored: int = 0
    by_criterion: dict[str, list[int]] = field(default_factory=dict)
    """``[passed, failed]`` by criterion id."""
    by_model: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, sample: Sample, graded: Graded) -> None:
        """Count one item."""
        if graded.errored:
            self.errored += 1
        elif graded.passed:
            self.passed += 1
        else:
            self.failed += 1
        for result in graded.results:
            counts = self.by_criterion.setdefault(result["name"], [0, 0])
            counts[0 if result["passed"] else 1] += 1
        for usage in (sample.usage, graded.usage):
            for model, found in usage.items():
                total = self.by_model.setdefault(model, {"invocation_count": 0})
                total["invocation_count"] += 1
                for name, count in found.items():
                    total[name] = total.get(name, 0) + count

    def fields(self) -> dict[str, Any]:
        """The run's ``result_counts``, ``per_model_usage`` and
        ``per_testing_criteria_results`` for the items counted."""
        names = [str(c.get("id") or c.get("name")) for c in self.criteria]
        total = self.passed + self.failed + self.errored
        return {
            "result_counts": {
                "total": total,
                "errored": self.errored,
                "failed": self.failed,
                "passed": self.passed,
            },
            "per_model_usage": [
                {
                    "model_name": model,
                    "invocation_count": counts["invocation_count"],
                    "prompt_tokens": counts.get("prompt_tokens", 0),
                    "completion_tokens": counts.get("completion_tokens", 0),
                    "total_tokens": counts.get("total_tokens", 0),
                    "cached_tokens": counts.get("cached_tokens", 0),
                }
                for model, counts in self.by_model.items()
            ],
            "per_testing_criteria_results": [
                {
                    "testing_criteria": name,
                    "passed": self.by_criterion.get(name, [0, 0])[0],
                    "failed": self.by_criterion.get(name, [0, 0])[1],
                }
                for name in names
            ],
        }
