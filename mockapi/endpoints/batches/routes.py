"""The Batch API's endpoints, and a batch's steps along its lifecycle.

``POST /v1/batches`` takes a file uploaded with purpose ``batch`` and answers the batch
``validating``, as the API does; ``GET /v1/batches`` lists them (newest first, paged),
``GET /v1/batches/{id}`` retrieves one and ``POST /v1/batches/{id}/cancel`` cancels one.
All four answer from the state store whatever ``on_miss`` says.

**Pacing: each retrieve moves an unfinished batch one step** (see
:mod:`mockapi.endpoints.jobs` and :mod:`mockapi.state.lifecycle`), so a client's polling
loop runs and still finishes by the second retrieve:

1. ``validating`` -> ``in_progress``: the input file is checked
   (:mod:`~mockapi.endpoints.batches.input`); a bad one ends the batch ``failed`` with
   ``errors.data[]`` (code, message, 1-based line, param). A file over
   :data:`INLINE_BYTES` is checked in the background (the retrieves meanwhile answer
   ``validating``);
2. ``in_progress`` -> ``completed``: the lines run (:mod:`~mockapi.endpoints.batches.runner`),
   the output and error files are written, ``finalizing_at`` and ``completed_at``
   stamped. A batch of at most :data:`INLINE_LINES` lines runs inside that retrieve; a
   bigger one runs in a background thread (the server goes on answering) and the
   retrieves meanwhile answer ``in_progress`` with ``request_counts`` growing, until one
   answers it finished.

A batch whose every line failed is ``completed`` with ``output_file_id: null``.
``expires_at`` is 24 hours after creation on the mock's clock: a test that advances the
clock past it sees the batch ``expired`` (its lines not run in the error file with
``batch_expired``). ``cancel`` answers ``cancelling``; the next retrieve answers
``cancelled``, with the lines done so far in the output file (a batch running in the
background stops within :data:`~mockapi.endpoints.batches.runner.CHUNK` lines). Every
answer about an unfinished batch carries ``openai-poll-after-ms``.

The create request's ``x-mockapi-job`` header plans the outcome (``fail``, ``expire``,
``stuck``; see :func:`mockapi.state.lifecycle.parse_plan`); a test drives a batch with
``Control.jobs`` (:mod:`mockapi.replay.jobs`).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import jobs, objects
from mockapi.endpoints.batches import input as batch_input
from mockapi.endpoints.batches import runner
from mockapi.endpoints.batches.runner import Files, Tally
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import stored
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle

KIND = runner.KIND
PREFIX = "batch_"
WINDOW_SECONDS = 24 * 3600
"""The completion window (``24h``, the only one the API offers)."""
INLINE_LINES = 1_000
"""The most lines a batch runs inside the retrieve that completes it; more run in the
background."""
INLINE_BYTES = 1024 * 1024
"""The largest input file checked inside the retrieve that validates it (a 50,000-line
file takes about a second to check); a bigger one is checked in the background."""
RETIRED_ENDPOINTS = {"/v1/videos": "the Videos API shut down on 2026-09-24"}
"""Endpoints the spec still lists that batch creation no longer accepts, as the API does
now (the Videos API itself is still served, as it was: :mod:`mockapi.endpoints.videos`)."""
_PRIVATE = "batch"
"""The key of a batch's own settings in its job control record (never shown)."""


class BatchFamily:
    """The Batch API's :class:`~mockapi.endpoints.jobs.Family`: its steps."""

    life = Lifecycle(
        kind=KIND,
        path=("validating", "in_progress", "completed"),
        fails_from="validating",
        expires_from="in_progress",
    )
    noun = "Batch"

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any] | jobs.Background:
        if target == "in_progress":
            big = _input_size(ctx, current) > INLINE_BYTES
            return jobs.inline_or_background(big, lambda: _validate(ctx, current), current)
        if target == "completed":
            total = int((current.get("request_counts") or {}).get("total", 0))
            return jobs.inline_or_background(
                total > INLINE_LINES, lambda: _run(ctx, current["id"], lease), current
            )
        if target == "failed":
            return _fail(ctx, current, control)
        if target == "expired":
            return _end_expired(ctx, current)
        return _commit(ctx, current["id"], {"status": target, f"{target}_at": ctx.clock.seconds()})


FAMILY = BatchFamily()


# -- the endpoints -----------------------------------------------------------------------


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/batches``: the batch, ``validating`` (its file is checked on the next
    retrieve, as the API checks it asynchronously)."""
    body = ctx.body
    file_id = str(body.get("input_file_id"))
    endpoint = str(body.get("endpoint"))
    if endpoint in RETIRED_ENDPOINTS:
        raise APIError(
            400,
            f"Invalid value for 'endpoint': '{endpoint}' is no longer accepted for batches "
            f"({RETIRED_ENDPOINTS[endpoint]}).",
            param="endpoint",
            code="invalid_value",
        )
    try:
        found = stored.find(ctx, file_id)
    except APIError as exc:
        raise objects.not_found("File", file_id, param="input_file_id") from exc
    if found.get("purpose") != "batch":
        raise APIError(
            400,
            f"The input file must have purpose 'batch', but {file_id} has purpose "
            f"'{found.get('purpose')}'. Upload it again with purpose='batch'.",
            param="input_file_id",
            code="invalid_value",
        )
    created = ctx.clock.seconds()
    record: dict[str, Any] = {
        "id": objects.new_id(ctx, PREFIX),
        "object": "batch",
        "endpoint": endpoint,
        "errors": None,
        "input_file_id": file_id,
        "completion_window": str(body.get("completion_window", "24h")),
        "status": FAMILY.life.start,
        "output_file_id": None,
        "error_file_id": None,
        "created_at": created,
        "in_progress_at": None,
        "expires_at": created + WINDOW_SECONDS,
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "usage": runner.empty_usage(),
        "metadata": body.get("metadata"),
    }
    jobs.start(ctx, FAMILY, record)
    expires_after = body.get("output_expires_after")
    if isinstance(expires_after, dict) and isinstance(expires_after.get("seconds"), int):
        seconds = expires_after["seconds"]
        ctx.state.update(
            lifecycle.KIND,
            record["id"],
            lambda raw: {**raw, _PRIVATE: {"output_expires_after": seconds}},
        )
    return jobs.answer(ctx, FAMILY, record)


def list_batches(ctx: Context) -> FixtureResponse:
    """``GET /v1/batches``: newest first, paged; a batch whose window ran out on the
    mock's clock is listed expired."""
    page = objects.list_page(ctx, KIND)
    page["data"] = [jobs.expire_if_due(ctx, FAMILY, str(batch["id"])) for batch in page["data"]]
    return FixtureResponse(body=page)


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/batches/{batch_id}``: the batch, one step further if it has one."""
    return jobs.answer(ctx, FAMILY, jobs.poll(ctx, FAMILY, ctx.params["batch_id"]))


def cancel(ctx: Context) -> FixtureResponse:
    """``POST /v1/batches/{batch_id}/cancel``: ``cancelling`` (``cancelled`` on the next
    retrieve); a batch already cancelling or cancelled is answered as it is, a finished
    one is the API's 400."""
    batch_id = ctx.params["batch_id"]
    current = jobs.find(ctx, FAMILY, batch_id)
    status = str(current.get("status"))
    if status in ("cancelling", "cancelled"):
        return jobs.answer(ctx, FAMILY, current)
    if FAMILY.life.finished(status):
        raise APIError(
            400,
            f"Cannot cancel batch {batch_id}: it is already {status}. Only a batch that is "
            "validating or in progress can be cancelled.",
            param="batch_id",
        )
    now = ctx.clock.seconds()

    def to_cancelling(batch: Any) -> Any:
        if not isinstance(batch, dict) or FAMILY.life.finished(str(batch.get("status"))):
            return batch
        return {**batch, "status": "cancelling", "cancelling_at": now}

    updated = ctx.state.update(KIND, batch_id, to_cancelling)
    return jobs.answer(ctx, FAMILY, updated if isinstance(updated, dict) else current)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/batches", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/batches", lookup=list_batches),
    Endpoint("GET", "/v1/batches/{batch_id}", lookup=retrieve),
    Endpoint("POST", "/v1/batches/{batch_id}/cancel", lookup=cancel),
)


# -- the steps ---------------------------------------------------------------------------


def _validate(ctx: Context, batch: dict[str, Any]) -> dict[str, Any]:
    """``validating`` -> ``in_progress``, or ``failed`` when the file is bad (or gone)."""
    data = _input(ctx, batch)
    if data is None:
        return _failed(ctx, batch, [_gone(batch)])
    checked = batch_input.check(data, str(batch["endpoint"]))
    if checked.errors:
        return _failed(ctx, batch, checked.errors)
    fields: dict[str, Any] = {
        "status": "in_progress",
        "in_progress_at": ctx.clock.seconds(),
        "request_counts": {"total": checked.requests, "completed": 0, "failed": 0},
    }
    if checked.model is not None:
        fields["model"] = checked.model
    return _commit(ctx, batch["id"], fields)


def _run(ctx: Context, batch_id: str, lease: jobs.Lease) -> dict[str, Any] | None:
    """``in_progress`` -> ``completed`` (or ``cancelled``, ``expired``, ``failed`` when
    the run stops early): the lines run and the files written. None when the run lost
    its lease (a reset): nothing is written then."""
    batch = ctx.state.get(KIND, batch_id)
    if not isinstance(batch, dict):
        return None
    data = _input(ctx, batch)
    if data is None:
        return _failed(ctx, batch, [_gone(batch)])
    files, tally = Files(), Tally()
    try:
        stop = runner.run(ctx, batch, data, lease, files, tally)
        if stop is not None and stop.status == "failed":
            control = jobs.control_of(ctx.state, batch_id, KIND)
            return _fail(ctx, batch, control)
        if (stop is not None and stop.status == "lost") or not runner.holds_lease(batch, lease):
            return None
        status = "completed" if stop is None else stop.status
        now = ctx.clock.seconds()
        fields: dict[str, Any] = {
            "status": status,
            **files.store(ctx, batch, _output_expiry(ctx, batch_id)),
            "request_counts": _counts(batch, tally),
            "usage": tally.usage,
        }
        if status == "completed":
            fields.update(finalizing_at=now, completed_at=now)
        else:
            fields[f"{status}_at"] = now
        return _commit(ctx, batch_id, fields)
    finally:
        files.close()


def _end_expired(ctx: Context, batch: dict[str, Any]) -> dict[str, Any]:
    """-> ``expired`` before the lines ran: every request to the error file as expired."""
    files, tally = Files(), Tally()
    try:
        data = _input(ctx, batch)
        if data is not None:
            runner.expire_all(batch, data, files, tally)
        fields = {
            "status": "expired",
            "expired_at": ctx.clock.seconds(),
            **files.store(ctx, batch, _output_expiry(ctx, batch["id"])),
            "request_counts": {"total": tally.failed, "completed": 0, "failed": tally.failed},
        }
        return _commit(ctx, batch["id"], fields)
    finally:
        files.close()


def _fail(ctx: Context, batch: dict[str, Any], control: Control) -> dict[str, Any]:
    """-> ``failed`` as planned or asked by a test: one error with its code and message."""
    code = control.plan.code or lifecycle.DEFAULT_FAILURE_CODE
    message = control.plan.message or lifecycle.DEFAULT_FAILURE_MESSAGE
    return _failed(ctx, batch, [batch_input.error(code, message)])


def _failed(ctx: Context, batch: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any]:
    fields = {
        "status": "failed",
        "failed_at": ctx.clock.seconds(),
        "errors": {"object": "list", "data": found},
    }
    return _commit(ctx, batch["id"], fields)


def _commit(ctx: Context, batch_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Store a step's result over the batch as it is now: a cancel that came meanwhile
    is kept (a step that is not an end stays ``cancelling``; a batch that completed
    while cancelling ends ``cancelled`` with every line done)."""
    # Read before the update: the clock lives in the store, whose update holds its lock
    # while ``change`` runs (the memory store's lock is not reentrant).
    now = ctx.clock.seconds()

    def change(current: Any) -> Any:
        base = current if isinstance(current, dict) else {}
        merged = {**base, **fields}
        if base.get("status") == "cancelling":
            if fields.get("status") == "completed":
                merged.update(status="cancelled", cancelled_at=now)
            elif fields.get("status") == "in_progress":
                merged["status"] = "cancelling"
        return merged

    updated = ctx.state.update(KIND, batch_id, change)
    return updated if isinstance(updated, dict) else {**fields, "id": batch_id}


def _input(ctx: Context, batch: dict[str, Any]) -> bytes | None:
    """The input file's bytes, or None when it was deleted since the batch was created."""
    try:
        return stored.content(ctx, str(batch["input_file_id"]))
    except APIError:
        return None


def _input_size(ctx: Context, batch: dict[str, Any]) -> int:
    """The input file's size in bytes (0 when it is gone: the check says so at once)."""
    found = ctx.state.get(stored.KIND, str(batch["input_file_id"]))
    size = found.get("bytes") if isinstance(found, dict) else None
    return size if isinstance(size, int) else 0


def _gone(batch: dict[str, Any]) -> dict[str, Any]:
    return batch_input.error(
        "invalid_request",
        f"The input file {batch['input_file_id']} was deleted before the batch read it; "
        "upload it again and create a new batch.",
        param="input_file_id",
    )


def _counts(batch: dict[str, Any], tally: Tally) -> dict[str, int]:
    total = int((batch.get("request_counts") or {}).get("total", 0))
    return {
        "total": max(total, tally.completed + tally.failed),
        "completed": tally.completed,
        "failed": tally.failed,
    }


def _output_expiry(ctx: Context, batch_id: str) -> int | None:
    """The ``output_expires_after.seconds`` the batch was created with, if any."""
    raw = ctx.state.get(lifecycle.KIND, batch_id)
    own = raw.get(_PRIVATE) if isinstance(raw, dict) else None
    seconds = own.get("output_expires_after") if isinstance(own, dict) else None
    return seconds if isinstance(seconds, int) else None
