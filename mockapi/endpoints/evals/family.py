"""An eval run's lifecycle: ``queued`` -> ``in_progress`` -> ``completed``.

A run moves **one step per retrieve** on the shared job machinery
(:mod:`mockapi.endpoints.jobs`: ``Control.jobs``, the ``x-mockapi-job`` header, the
webhook events ``eval.run.succeeded``, ``eval.run.failed`` and ``eval.run.canceled``):

1. ``queued`` -> ``in_progress``: the data source is read and each item checked
   (:mod:`.sources`); a problem ends the run ``failed`` with ``error: {code,
   message}``. ``per_model_usage`` and ``per_testing_criteria_results``, null while
   queued (as the API answers), become lists;
2. ``in_progress`` -> ``completed``: each item is sampled (:mod:`.sampling`) and graded
   (:mod:`.grading`) into an output item, and the counts add up. A run of at most
   :data:`INLINE_ITEMS` items runs inside that retrieve; a bigger one in a background
   thread, storing its counts every :data:`CHUNK` items (the retrieves meanwhile answer
   ``in_progress`` with ``result_counts`` growing) and stopping there when the run was
   canceled, failed by a test, or deleted.

A planned failure (``x-mockapi-job: fail; code=...``, ``Control.jobs.fail``) ends the
run ``failed`` in place of step 2. ``cancel`` stores the transient ``cancelling`` (never
shown) and steps it at once to ``canceled`` through the machinery, with the items
graded so far. Runs do not expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockapi.endpoints import jobs
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.evals import kinds
from mockapi.endpoints.lazy import lazy
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle

if TYPE_CHECKING:
    from mockapi.endpoints.evals import evals, grading, sampling, sources
else:
    evals = lazy("mockapi.endpoints.evals.evals")
    grading = lazy("mockapi.endpoints.evals.grading")
    sampling = lazy("mockapi.endpoints.evals.sampling")
    sources = lazy("mockapi.endpoints.evals.sources")

KIND = kinds.RUNS
OUTPUT_ITEMS = kinds.OUTPUT_ITEMS
INLINE_ITEMS = 200
"""The most items a run grades inside the retrieve that completes it."""
CHUNK = 50
"""Items graded between two looks at a background run (lease, counts, reasons to stop)."""
ITEM_PREFIX = "outputitem_"


class EvalRunFamily:
    """Eval runs as a :class:`~mockapi.endpoints.jobs.Family`."""

    life = Lifecycle(
        kind=KIND,
        path=("queued", "in_progress", "completed"),
        fails_from="in_progress",
        expires_from="in_progress",
        expired=None,
        cancelled="canceled",
    )
    noun = "EvalRun"

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any] | jobs.Background:
        run_id = str(current["id"])
        if target == "in_progress":
            return _start(ctx, current)
        if target == "completed":
            big = _size(ctx, current) > INLINE_ITEMS
            return jobs.inline_or_background(big, lambda: _grade_all(ctx, run_id, lease), current)
        if target == "canceled":
            return _commit(ctx, run_id, {"status": "canceled"})
        return _fail(ctx, run_id, control)


FAMILY = EvalRunFamily()


def item_id(run_id: str, index: int) -> str:
    """The ``outputitem_`` id of a run's item: fixed by the run's id (deterministic
    under ``--seed``) and the item's place."""
    return ITEM_PREFIX + hashlib.sha256(f"{run_id}:{index}".encode()).hexdigest()[:32]


# -- the steps ---------------------------------------------------------------------------


def _start(ctx: Context, run: dict[str, Any]) -> dict[str, Any]:
    """``queued`` -> ``in_progress``, or ``failed`` when the data source cannot be read."""
    try:
        _entries(ctx, run)
    except sources.SourceProblem as problem:
        error = {"code": problem.code, "message": problem.message}
        return _commit(ctx, str(run["id"]), {"status": "failed", "error": error})
    criteria = _criteria(ctx, run)
    fields = {"status": "in_progress", **grading.Tally(criteria).fields()}
    return _commit(ctx, str(run["id"]), fields)


def _grade_all(ctx: Context, run_id: str, lease: jobs.Lease) -> dict[str, Any] | None:
    """``in_progress`` -> ``completed`` (``canceled`` or ``failed`` when stopped): every
    item sampled, graded and kept. None when the run lost its lease (deleted, reset)."""
    run = ctx.state.get(KIND, run_id)
    if not isinstance(run, dict):
        return None
    try:
        entries = _entries(ctx, run)
    except sources.SourceProblem as problem:
        error = {"code": problem.code, "message": problem.message}
        return _commit(ctx, run_id, {"status": "failed", "error": error})
    tally = grading.Tally(_criteria(ctx, run))
    data_source = run.get("data_source") or {}
    for index, entry in enumerate(entries):
        if index and index % CHUNK == 0:
            stop = _look(ctx, run_id, lease, tally)
            if stop is not None:
                return stop if stop else None
        sample = sampling.draw(ctx, data_source, entry)
        graded = grading.grade_item(ctx, tally.criteria, entry.item, sample)
        tally.add(sample, graded)
        made = _output_item(ctx, run, index, entry, sample, graded)
        ctx.state.put(OUTPUT_ITEMS, made["id"], made)
    if lease.beat() is None:
        return None
    return _commit(ctx, run_id, {"status": "completed", **tally.fields()})


def _look(
    ctx: Context, run_id: str, lease: jobs.Lease, tally: grading.Tally
) -> dict[str, Any] | None:
    """Store the counts so far; the run as it ends here ({} when its lease is lost)
    when it was canceled or failed meanwhile, else None (go on)."""
    control = lease.beat()
    if control is None:
        return {}
    current = _commit(ctx, run_id, tally.fields())
    if current.get("status") == "cancelling":
        return _commit(ctx, run_id, {"status": "canceled"})
    if control.plan.outcome == "fail":
        return _fail(ctx, run_id, control)
    return None


def _fail(ctx: Context, run_id: str, control: Control) -> dict[str, Any]:
    """-> ``failed`` as planned or asked by a test, with its code and message."""
    code = control.plan.code or lifecycle.DEFAULT_FAILURE_CODE
    message = control.plan.message or lifecycle.DEFAULT_FAILURE_MESSAGE
    return _commit(ctx, run_id, {"status": "failed", "error": {"code": code, "message": message}})


def _output_item(
    ctx: Context,
    run: Mapping[str, Any],
    index: int,
    entry: sources.Entry,
    sample: sampling.Sample,
    graded: grading.Graded,
) -> dict[str, Any]:
    return {
        "object": "eval.run.output_item",
        "id": item_id(str(run["id"]), index),
        "created_at": ctx.clock.seconds(),
        "run_id": run["id"],
        "eval_id": run["eval_id"],
        "status": "pass" if graded.passed else "fail",
        "datasource_item_id": index,
        "datasource_item": entry.item,
        "results": graded.results,
        "sample": sample.shown,
    }


def _entries(ctx: Context, run: Mapping[str, Any]) -> list[sources.Entry]:
    eval_record = ctx.state.get(kinds.KIND, str(run.get("eval_id")))
    schema = evals.item_schema(eval_record) if isinstance(eval_record, dict) else None
    source = (run.get("data_source") or {}).get("source") or {}
    return sources.read(ctx, source, schema)


def _size(ctx: Context, run: Mapping[str, Any]) -> int:
    """How many items the run has (0 when its source cannot be read: the step says so)."""
    try:
        return len(_entries(ctx, run))
    except sources.SourceProblem:
        return 0


def _criteria(ctx: Context, run: Mapping[str, Any]) -> list[dict[str, Any]]:
    eval_record = ctx.state.get(kinds.KIND, str(run.get("eval_id")))
    found = eval_record.get("testing_criteria") if isinstance(eval_record, dict) else None
    return [c for c in found or [] if isinstance(c, dict)]


def _commit(ctx: Context, run_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Store a step's result over the run as it is now: a cancel that came meanwhile
    is kept (a step that is not an end leaves it ``cancelling``; one that completes
    it ends it ``canceled``: the client asked)."""

    def change(current: Any) -> Any:
        base = current if isinstance(current, dict) else {}
        merged = {**base, **fields}
        if base.get("status") == "cancelling":
            if fields.get("status") == "completed":
                merged["status"] = "canceled"
            elif fields.get("status") not in FAMILY.life.terminal:
                merged["status"] = "cancelling"
        return merged

    updated = ctx.state.update(KIND, run_id, change)
    return updated if isinstance(updated, dict) else {**fields, "id": run_id}
