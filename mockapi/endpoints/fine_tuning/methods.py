"""A job's ``method`` and hyperparameters: echoed at create, resolved when it starts.

The create answer echoes the method as the API does: ``{"type": ..., "<type>":
{"hyperparameters": {...}, ...}}`` with every hyperparameter the request left out as
``"auto"`` (``reasoning_effort`` as ``"default"``); a request with the deprecated
top-level ``hyperparameters`` and no ``method`` is a ``supervised`` one. The job's
top-level ``hyperparameters`` mirror the supervised method's (``n_epochs``,
``batch_size``, ``learning_rate_multiplier``); for ``dpo`` and ``reinforcement`` jobs
they are null, as the API sends them ("This value will only be returned when running
supervised jobs"; seen null on real DPO jobs), although the spec and the SDK's strict
model require an object.

When the job starts (``queued`` -> ``running``) :func:`resolve` replaces each
``"auto"`` with a number, as real jobs show them afterwards:

* ``n_epochs``: the fine-tuning cookbook's rule: 3, or as many as bring the examples
  seen to 100 (at most 25) for a small file, or as few as keep them under 25,000 (at
  least 1) for a big one (10 examples: 10 epochs, as a real 10-example job ran);
* ``batch_size``: about 0.2% of the examples, between 1 and 256 (assumed; small files
  get 1, as real ones do);
* ``learning_rate_multiplier``: 1.8 (what real gpt-4o-mini jobs resolved to);
  ``beta`` (DPO): 0.1 (seen on real DPO jobs);
* reinforcement's ``compute_multiplier`` 1.0, ``eval_interval`` 1, ``eval_samples`` 1
  (assumed).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

AUTO: Mapping[str, Mapping[str, Any]] = {
    "supervised": {"batch_size": "auto", "learning_rate_multiplier": "auto", "n_epochs": "auto"},
    "dpo": {
        "batch_size": "auto",
        "beta": "auto",
        "learning_rate_multiplier": "auto",
        "n_epochs": "auto",
    },
    "reinforcement": {
        "batch_size": "auto",
        "compute_multiplier": "auto",
        "eval_interval": "auto",
        "eval_samples": "auto",
        "learning_rate_multiplier": "auto",
        "n_epochs": "auto",
        "reasoning_effort": "default",
    },
}
"""Each method's hyperparameters as the create echoes those the request left out."""
RESOLVED: Mapping[str, float | int] = {
    "learning_rate_multiplier": 1.8,
    "beta": 0.1,
    "compute_multiplier": 1.0,
    "eval_interval": 1,
    "eval_samples": 1,
}
"""What ``"auto"`` becomes for the hyperparameters that do not depend on the file."""
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MAX_AUTO_EPOCHS = 25


def requested(body: Mapping[str, Any]) -> dict[str, Any]:
    """The job's ``method`` as the create answer echoes it (see the module docstring)."""
    given = body.get("method")
    if isinstance(given, Mapping) and isinstance(given.get("type"), str):
        kind = str(given["type"])
        params = given.get(kind)
        settings = dict(params) if isinstance(params, Mapping) else {}
    else:
        kind = "supervised"
        settings = {}
    chosen = settings.get("hyperparameters")
    if kind == "supervised" and not isinstance(chosen, Mapping):
        chosen = body.get("hyperparameters")  # the deprecated top-level form
    hyper = {**AUTO[kind], **(dict(chosen) if isinstance(chosen, Mapping) else {})}
    settings = copy.deepcopy(settings)
    settings["hyperparameters"] = {name: hyper[name] for name in sorted(hyper)}
    return {"type": kind, kind: settings}


def kind_of(method: Mapping[str, Any]) -> str:
    """``supervised``, ``dpo`` or ``reinforcement``."""
    return str(method.get("type", "supervised"))


def hyperparameters(method: Mapping[str, Any]) -> dict[str, Any]:
    """The method's hyperparameters (``"auto"`` or resolved)."""
    settings = method.get(kind_of(method))
    found = settings.get("hyperparameters") if isinstance(settings, Mapping) else None
    return dict(found) if isinstance(found, Mapping) else {}


def top_level(method: Mapping[str, Any]) -> dict[str, Any] | None:
    """The job's top-level ``hyperparameters``: the supervised method's, else None."""
    if kind_of(method) != "supervised":
        return None
    hyper = hyperparameters(method)
    names = ("n_epochs", "batch_size", "learning_rate_multiplier")
    return {name: hyper.get(name, "auto") for name in names}


def resolve(method: Mapping[str, Any], examples: int) -> dict[str, Any]:
    """``method`` with each ``"auto"`` replaced by its value for ``examples`` examples."""
    hyper = hyperparameters(method)
    for name, value in hyper.items():
        if value != "auto":
            continue
        if name == "n_epochs":
            hyper[name] = auto_epochs(examples)
        elif name == "batch_size":
            hyper[name] = auto_batch_size(examples)
        elif name in RESOLVED:
            hyper[name] = RESOLVED[name]
    kind = kind_of(method)
    settings = dict(method.get(kind) or {})
    settings["hyperparameters"] = hyper
    return {**method, kind: settings}


def auto_epochs(examples: int) -> int:
    """The cookbook's default number of epochs for ``examples`` examples."""
    if examples <= 0:
        return TARGET_EPOCHS
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_AUTO_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(1, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


def auto_batch_size(examples: int) -> int:
    """About 0.2% of ``examples``, between 1 and 256 (assumed)."""
    return max(1, min(256, round(examples * 0.002)))


def epochs_and_batch(method: Mapping[str, Any], examples: int) -> tuple[int, int]:
    """The resolved ``n_epochs`` and ``batch_size`` of ``method`` (resolving "auto")."""
    hyper = hyperparameters(resolve(method, examples))
    return int(hyper.get("n_epochs", TARGET_EPOCHS)), int(hyper.get("batch_size", 1))


def total_steps(method: Mapping[str, Any], examples: int) -> tuple[int, int]:
    """Steps per epoch and in all: one step per batch of examples, each epoch."""
    epochs, batch = epochs_and_batch(method, examples)
    per_epoch = max(1, math.ceil(examples / max(1, batch)))
    return per_epoch, per_epoch * epochs
