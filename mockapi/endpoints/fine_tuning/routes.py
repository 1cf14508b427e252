"""The fine-tuning jobs endpoints (``/v1/fine_tuning/jobs``), from the state store.

* ``POST /v1/fine_tuning/jobs`` answers the job ``validating_files`` (its steps:
  :mod:`.family`). The create itself refuses, with a 400 as the API does: a model that
  cannot be fine-tuned with the method (``model_not_available``, :mod:`.bases`), a
  training or validation file this server never issued ("invalid training_file:
  file-..."; the API answers 400 there, not 404) or one uploaded with another purpose
  than ``fine-tune`` (wording assumed), and what the spec refuses (a ``suffix`` over 64
  characters, hyperparameters out of range). **What the files hold is checked
  asynchronously**, as the API does: a bad file ends the job ``failed`` after
  ``validating_files`` (:mod:`.training`). ``seed`` is echoed, or drawn from the
  job's id; ``suffix`` is echoed as ``user_provided_suffix``; ``integrations`` and
  ``metadata`` as given; ``error`` is null until the job fails (the API sends ``{}``,
  which the spec and the SDK's strict model refuse).
* ``GET /v1/fine_tuning/jobs``: newest first, paged (``after``, ``limit``), filtered by
  ``metadata[k]=v`` (every pair must match; ``metadata=null``: jobs without metadata).
* ``GET .../{id}`` retrieves a job, one step further if it has one; ``cancel`` ends an
  unfinished one ``cancelled`` (a finished one is a 400); ``pause`` rests a
  ``running`` job (``paused``, a status the API sends that the SDK's strict model does
  not know yet) and ``resume`` runs it again; ``events`` and ``checkpoints`` page what
  the job recorded (:mod:`.records`). An unknown id is the API's 404 "Could not find
  fine tune: ftjob-..." (``fine_tune_not_found``).

The create request's ``x-mockapi-job`` header plans the outcome (``fail``, ``stuck``)
and ``Control.jobs`` drives a job by its id, as for batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import jobs, models, objects
from mockapi.endpoints.chat.stored import metadata_filter
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import stored
from mockapi.endpoints.fine_tuning import bases, methods, records
from mockapi.endpoints.fine_tuning.family import FAMILY, KIND, private, set_private
from mockapi.endpoints.fine_tuning.records import Event
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

PREFIX = "ftjob-"
FILE_PURPOSE = "fine-tune"
_JOB = "fine_tuning_job_id"


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/fine_tuning/jobs``: the job, ``validating_files``."""
    body = ctx.body
    model = str(body.get("model"))
    method = methods.requested(body)
    bases.check(model, methods.kind_of(method))
    if model.startswith("ft:") and models.is_deleted(ctx.state, model):
        raise APIError(
            400,
            f"Model {model} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )
    training_file = _file(ctx, body.get("training_file"), "training_file")
    validation = body.get("validation_file")
    validation_file = None if validation is None else _file(ctx, validation, "validation_file")
    job_id = objects.new_id(ctx, PREFIX)
    seed = body.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        seed = int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:4], "big") % 2**31
    org = bases.organization(ctx.request.headers)
    record: dict[str, Any] = {
        "object": "fine_tuning.job",
        "id": job_id,
        "model": model,
        "created_at": ctx.clock.seconds(),
        "finished_at": None,
        "fine_tuned_model": None,
        "organization_id": org,
        "result_files": [],
        "status": FAMILY.life.start,
        "validation_file": validation_file,
        "training_file": training_file,
        "hyperparameters": methods.top_level(method),
        "trained_tokens": None,
        "error": None,
        "user_provided_suffix": body.get("suffix"),
        "seed": seed,
        "estimated_finish": None,
        "integrations": list(body.get("integrations") or []),
        "metadata": body.get("metadata"),
        "method": method,
    }
    jobs.start(ctx, FAMILY, record)
    checking = f"Validating training file: {training_file}"
    if validation_file is not None:
        checking += f" and validation file: {validation_file}"
    records.append(ctx, job_id, Event(f"Created fine-tuning job: {job_id}"), Event(checking))
    return jobs.answer(ctx, FAMILY, record)


def list_jobs(ctx: Context) -> FixtureResponse:
    """``GET /v1/fine_tuning/jobs``: newest first, paged, filtered by metadata."""
    wanted = metadata_filter(ctx.request.query)
    bare = dict(ctx.request.query).get("metadata") == "null"
    found = [
        job
        for job in ctx.state.values(KIND)
        if isinstance(job, dict) and _matches(job.get("metadata"), wanted, bare=bare)
    ]
    return FixtureResponse(body=objects.list_items(ctx, found))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/fine_tuning/jobs/{id}``: the job, one step further if it has one."""
    job_id = _find(ctx)["id"]
    return jobs.answer(ctx, FAMILY, jobs.poll(ctx, FAMILY, job_id))


def cancel(ctx: Context) -> FixtureResponse:
    """``POST .../cancel``: ``cancelled`` (through the lifecycle's transient
    ``cancelling``, stepped at once); a finished job is the API's 400."""
    current = _find(ctx)
    job_id, status = str(current["id"]), str(current.get("status"))
    if status == "cancelled":
        return jobs.answer(ctx, FAMILY, current)
    if status in FAMILY.life.terminal:
        raise APIError(
            400,
            f"Job {job_id} has already {status}: only a job that has not finished can be "
            "cancelled.",
            param=_JOB,
        )
    return jobs.answer(ctx, FAMILY, jobs.cancel_now(ctx, FAMILY, job_id))


def pause(ctx: Context) -> FixtureResponse:
    """``POST .../pause``: a ``running`` job rests ``paused`` (a 400 otherwise)."""
    return _move(ctx, "running", "paused", "Fine-tuning job paused")


def resume(ctx: Context) -> FixtureResponse:
    """``POST .../resume``: a ``paused`` job runs again (a 400 otherwise)."""
    return _move(ctx, "paused", None, "Fine-tuning job resumed")


def list_events(ctx: Context) -> FixtureResponse:
    """``GET .../events``: the job's events, newest first, paged."""
    return FixtureResponse(body=records.page_events(ctx, str(_find(ctx)["id"])))


def list_checkpoints(ctx: Context) -> FixtureResponse:
    """``GET .../checkpoints``: the job's checkpoints, newest first, paged."""
    return FixtureResponse(body=records.page_checkpoints(ctx, str(_find(ctx)["id"])))


_JOBS = "/v1/fine_tuning/jobs"
_ONE = _JOBS + "/{fine_tuning_job_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _JOBS, body=Body.JSON, lookup=create),
    Endpoint("GET", _JOBS, lookup=list_jobs),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE + "/cancel", lookup=cancel),
    Endpoint("POST", _ONE + "/pause", lookup=pause),
    Endpoint("POST", _ONE + "/resume", lookup=resume),
    Endpoint("GET", _ONE + "/events", lookup=list_events),
    Endpoint("GET", _ONE + "/checkpoints", lookup=list_checkpoints),
)


# -- helpers ---------------------------------------------------------------------------


def _find(ctx: Context) -> dict[str, Any]:
    """The job the path names, or the API's 404."""
    job_id = ctx.params[_JOB]
    found = ctx.state.get(KIND, job_id)
    if not isinstance(found, dict):
        raise APIError(
            404,
            f"Could not find fine tune: {job_id}",
            param="fine_tune_id",
            code="fine_tune_not_found",
        )
    return found


def _file(ctx: Context, file_id: Any, param: str) -> str:
    """The id of a ``fine-tune`` File the server issued, or the API's 400."""
    try:
        found = stored.find(ctx, str(file_id))
    except APIError:
        raise APIError(400, f"invalid {param}: {file_id}", param=param) from None
    purpose = found.get("purpose")
    if purpose != FILE_PURPOSE:
        raise APIError(
            400,
            f"invalid {param}: {file_id} has purpose '{purpose}', but fine-tuning reads files "
            f"uploaded with purpose '{FILE_PURPOSE}'. Upload it again with "
            f"purpose='{FILE_PURPOSE}'.",
            param=param,
        )
    return str(file_id)


def _matches(metadata: Any, wanted: Mapping[str, str], *, bare: bool) -> bool:
    kept = metadata if isinstance(metadata, dict) else {}
    if bare:
        return not kept
    return all(kept.get(key) == value for key, value in wanted.items())


def _move(ctx: Context, source: str, target: str | None, message: str) -> FixtureResponse:
    """Move the job from ``source`` to ``target`` (None: where it was paused from)."""
    current = _find(ctx)
    job_id, status = str(current["id"]), str(current.get("status"))
    verb = "pause" if target == "paused" else "resume"
    if status != source:
        raise APIError(
            400,
            f"Cannot {verb} fine-tuning job {job_id}: it is {status}; only a {source} job "
            f"can be {verb}d.",
            param=_JOB,
        )
    if target == "paused":
        set_private(ctx.state, job_id, paused_from=status)
    back = target or str(private(ctx.state, job_id).get("paused_from") or "running")

    def move(job: Any) -> Any:
        if not isinstance(job, dict) or job.get("status") != source:
            return job
        return {**job, "status": back}

    updated = ctx.state.update(KIND, job_id, move)
    if isinstance(updated, dict) and updated.get("status") == back:
        records.append(ctx, job_id, Event(message))
    return jobs.answer(ctx, FAMILY, updated if isinstance(updated, dict) else current)
