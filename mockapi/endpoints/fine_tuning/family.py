"""A fine-tuning job's lifecycle: its statuses and the work of each step.

A job is created ``validating_files`` and **each retrieve moves it one step** (the
shared machinery, :mod:`mockapi.endpoints.jobs`), so a polling loop finishes by the
third retrieve:

1. ``validating_files`` -> ``queued``: the training (and validation) file is read and
   checked (:mod:`.training`); a bad one ends the job ``failed`` with ``error: {code,
   message, param}`` (``invalid_training_file``, ``invalid_n_examples``, ...). A file
   over :data:`INLINE_BYTES` is checked in the background (the retrieves meanwhile
   answer ``validating_files``);
2. ``queued`` -> ``running``: the ``"auto"`` hyperparameters are resolved
   (:mod:`.methods`), ``estimated_finish`` set (a minute plus a second per thousand
   tokens trained, on the mock's clock: assumed), "Fine-tuning job started";
3. ``running`` -> ``succeeded``: the run's step metrics (:mod:`.metrics`) become
   ``metrics`` events and the results file (purpose ``fine-tune-results``), the last
   epochs' checkpoints are kept, ``trained_tokens`` is one epoch's tokens times the
   epochs, ``finished_at`` stamped, and the model ``ft:BASE:ORG:SUFFIX:ID`` is created
   (listed by ``GET /v1/models`` from then on, :mod:`mockapi.endpoints.models`).

A planned failure (``x-mockapi-job: fail; code=...``, ``Control.jobs.fail``) replaces
step 3: the job ends ``failed`` while it trains, with the code and message given
(``server_error`` by default; ``param`` ``training_file`` for the training-file codes).
``cancel`` stores the lifecycle's transient ``cancelling`` and steps it to
``cancelled`` at once, so that the end goes through the shared machinery like every
other (its webhook event included). ``pause`` puts a running job at rest (``paused``:
no step moves it, :attr:`FineTuningLifecycle.resting`) until ``resume`` puts it back;
``Control.jobs`` plans made meanwhile apply once it is resumed. Fine-tuning jobs do not
expire: ``Control.jobs.expire`` runs one to its end like ``complete``.

The end of each step appends its events (:mod:`.records`): "Created fine-tuning job"
and "Validating training file" at creation, "Files validated, moving job to queued
state", "Fine-tuning job started", the steps, "Checkpoint created at step N with
Snapshot ID: ...", "New fine-tuned model created: ...", "The job has successfully
completed" (the API's messages), or the failure as an ``error`` event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints import jobs, models
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.endpoints.fine_tuning import bases, methods, metrics, records, training
from mockapi.endpoints.fine_tuning.records import Event
from mockapi.errors import APIError
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle
from mockapi.state.store import StateStore

KIND = "fine_tuning.jobs"
"""The state store kind of ``fine_tuning.job`` objects, by id."""
INLINE_BYTES = 1024 * 1024
"""The largest file set checked inside the retrieve that validates it."""
RESULTS_PURPOSE = "fine-tune-results"
RESULTS_FILENAME = "step_metrics.csv"
_PRIVATE = "fine_tuning"
"""The key of a job's own settings in its job control record (never shown)."""
_FILE_CODES = {training.INVALID_TRAINING_FILE, training.INVALID_N_EXAMPLES}


@dataclass(frozen=True)
class FineTuningLifecycle(Lifecycle):
    """A lifecycle with statuses a job rests in until a client moves it on (``paused``):
    no step is taken from them, as from an end, but they are not ends."""

    resting: frozenset[str] = frozenset()

    def finished(self, status: str) -> bool:
        return status in self.terminal or status in self.resting


class FineTuningFamily:
    """Fine-tuning jobs as a :class:`~mockapi.endpoints.jobs.Family`."""

    life: Lifecycle = FineTuningLifecycle(
        kind=KIND,
        path=("validating_files", "queued", "running", "succeeded"),
        fails_from="running",
        expires_from="running",
        expired=None,
        resting=frozenset({"paused"}),
    )
    noun = "Fine-tuning job"

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any] | jobs.Background:
        if target == "queued":
            big = _files_size(ctx, current) > INLINE_BYTES
            return jobs.inline_or_background(big, lambda: _validate(ctx, current), current)
        if target == "running":
            return _start(ctx, current)
        if target == "succeeded":
            return _train(ctx, current)
        if target == "cancelled":
            records.append(ctx, current["id"], Event("Fine-tuning job cancelled"))
            return _commit(ctx, current["id"], {"status": "cancelled", "estimated_finish": None})
        code = control.plan.code or lifecycle.DEFAULT_FAILURE_CODE
        message = control.plan.message or lifecycle.DEFAULT_FAILURE_MESSAGE
        param = "training_file" if code in _FILE_CODES else None
        return _failed(ctx, current, {"code": code, "message": message, "param": param})


FAMILY = FineTuningFamily()


def private(state: StateStore, job_id: str) -> dict[str, Any]:
    """The job's own settings (examples and tokens counted, where a pause came from)."""
    raw = state.get(lifecycle.KIND, job_id)
    own = raw.get(_PRIVATE) if isinstance(raw, dict) else None
    return dict(own) if isinstance(own, dict) else {}


def set_private(state: StateStore, job_id: str, **values: Any) -> None:
    """Add ``values`` to the job's own settings."""

    def change(raw: Any) -> Any:
        base = raw if isinstance(raw, dict) else {}
        own = base.get(_PRIVATE)
        return {**base, _PRIVATE: {**(own if isinstance(own, dict) else {}), **values}}

    state.update(lifecycle.KIND, job_id, change, start={})


# -- the steps ---------------------------------------------------------------------------


def _validate(ctx: Context, job: dict[str, Any]) -> dict[str, Any]:
    """``validating_files`` -> ``queued``, or ``failed`` when a file is bad (or gone)."""
    found: dict[str, int] = {}
    for param in ("training_file", "validation_file"):
        file_id = job.get(param)
        if not isinstance(file_id, str):
            continue
        checked = _check_file(ctx, job, file_id, param)
        if checked.problem is not None:
            return _failed(ctx, job, checked.problem.to_json())
        found[param] = checked.examples
        if param == "training_file":
            found["tokens"] = checked.tokens
    set_private(
        ctx.state,
        job["id"],
        examples=found["training_file"],
        tokens=found["tokens"],
        validation_examples=found.get("validation_file", 0),
    )
    records.append(ctx, job["id"], Event("Files validated, moving job to queued state"))
    return _commit(ctx, job["id"], {"status": "queued"})


def _check_file(ctx: Context, job: Mapping[str, Any], file_id: str, param: str) -> training.Checked:
    method = job.get("method") or {}
    kind = methods.kind_of(method)
    settings = method.get(kind) if isinstance(method.get(kind), Mapping) else {}
    try:
        data = stored.content(ctx, file_id)
    except APIError:
        code = training.INVALID_TRAINING_FILE
        if param == "validation_file":
            code = training.INVALID_VALIDATION_FILE
        message = (
            f"The job failed due to an invalid {param.replace('_file', '')} file. The file "
            f"{file_id} was deleted before the job read it; upload it again and create a "
            "new job."
        )
        return training.Checked(problem=training.Problem(code, message, param))
    return training.check(
        data,
        file_id=file_id,
        method=kind,
        model=str(job.get("model")),
        grader=settings.get("grader") if isinstance(settings, Mapping) else None,
        param=param,
        completion_model=bases.completion_format(str(job.get("model"))),
    )


def _start(ctx: Context, job: dict[str, Any]) -> dict[str, Any]:
    """``queued`` -> ``running``: hyperparameters resolved, the finish estimated."""
    own = private(ctx.state, job["id"])
    examples = int(own.get("examples", 0))
    method = methods.resolve(job.get("method") or {}, examples)
    epochs, _ = methods.epochs_and_batch(method, examples)
    trained = int(own.get("tokens", 0)) * epochs
    records.append(ctx, job["id"], Event("Fine-tuning job started"))
    fields = {
        "status": "running",
        "hyperparameters": methods.top_level(method),
        "method": method,
        "estimated_finish": ctx.clock.seconds() + 60 + math.ceil(trained / 1000),
    }
    return _commit(ctx, job["id"], fields)


def _train(ctx: Context, job: dict[str, Any]) -> dict[str, Any]:
    """``running`` -> ``succeeded``: metrics, results file, checkpoints, the model."""
    job_id = str(job["id"])
    own = private(ctx.state, job_id)
    examples = int(own.get("examples", 0))
    method = methods.resolve(job.get("method") or {}, examples)
    epochs, _ = methods.epochs_and_batch(method, examples)
    per_epoch, total = methods.total_steps(method, examples)
    seed, validated = int(job.get("seed") or 0), job.get("validation_file") is not None
    rows = [
        metrics.at(s, total, seed=seed, validated=validated) for s in metrics.reported_steps(total)
    ]
    results = stored.create(
        ctx, metrics.results_file(rows), filename=RESULTS_FILENAME, purpose=RESULTS_PURPOSE
    )
    org, suffix, base = str(job["organization_id"]), job.get("user_provided_suffix"), job["model"]
    name = bases.model_name(base, org, suffix, job_id)
    now = ctx.clock.seconds()
    taken, announced = [], []
    steps = records.checkpoint_steps(per_epoch, epochs)
    for step in steps:
        last = step == steps[-1]
        snapshot = name if last else bases.model_name(base, org, suffix, job_id, step=step)
        state = metrics.at(step, total, seed=seed, validated=validated)
        taken.append(
            records.checkpoint(job_id, snapshot, step, state.checkpoint_metrics(), created_at=now)
        )
        if not last:
            announced.append(
                Event(f"Checkpoint created at step {step} with Snapshot ID: {snapshot}")
            )
    records.keep_checkpoints(ctx, job_id, taken)
    records.append(
        ctx,
        job_id,
        *(Event(row.message(), type="metrics", data=row.data()) for row in rows),
        *announced,
        Event(f"New fine-tuned model created: {name}"),
        Event("The job has successfully completed"),
    )
    models.add_fine_tuned(ctx.state, name, created=now, owned_by=org)
    fields = {
        "status": "succeeded",
        "fine_tuned_model": name,
        "finished_at": now,
        "result_files": [results["id"]],
        "trained_tokens": int(own.get("tokens", 0)) * epochs,
        "estimated_finish": None,
        "hyperparameters": methods.top_level(method),
        "method": method,
    }
    return _commit(ctx, job_id, fields)


def _failed(ctx: Context, job: Mapping[str, Any], error: dict[str, Any]) -> dict[str, Any]:
    records.append(ctx, str(job["id"]), Event(str(error["message"]), level="error"))
    fields = {"status": "failed", "error": error, "estimated_finish": None}
    return _commit(ctx, str(job["id"]), fields)


def _commit(ctx: Context, job_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Store a step's result over the job as it is now: a cancel that came meanwhile is
    kept (a step that is not an end leaves the job ``cancelling``)."""

    def change(current: Any) -> Any:
        base = current if isinstance(current, dict) else {}
        merged = {**base, **fields}
        ending = fields.get("status") in FAMILY.life.terminal
        if base.get("status") == "cancelling" and not ending:
            merged["status"] = "cancelling"
        return merged

    updated = ctx.state.update(KIND, job_id, change)
    return updated if isinstance(updated, dict) else {**fields, "id": job_id}


def _files_size(ctx: Context, job: Mapping[str, Any]) -> int:
    """The bytes of the job's training and validation files (0 for one that is gone)."""
    total = 0
    for param in ("training_file", "validation_file"):
        found = ctx.state.get(stored.KIND, str(job.get(param)))
        size = found.get("bytes") if isinstance(found, dict) else None
        total += size if isinstance(size, int) else 0
    return total
