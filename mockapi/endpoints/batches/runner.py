"""Running a batch's lines: each one through the replay flow, its answer to a file.

Each line becomes the request a client would have sent (``POST`` to its ``url``, its
``body`` as JSON, the ``Authorization`` of the request that drives the batch: the
retrieve that runs it, or the server's own key when a test completes it) and goes
through :attr:`~mockapi.endpoints.endpoint.Context.dispatch`: validation, fixtures,
synthesis or the miss error, faults, the journal (which shows each line's outcome). A
2xx answer goes to the output file and any other to the error file, each line as the
API writes it::

    {"id": "batch_req_...", "custom_id": "...",
     "response": {"status_code": 200, "request_id": "...", "body": {...}}, "error": null}

Lines not run because the batch expired go to the error file with ``response: null``
and ``error: {"code": "batch_expired", ...}``. ``request_counts`` (``completed``: 2xx;
``failed``: the rest and the expired) and ``usage`` (the answers' token counts, summed
into the Batch object's shape) add up.

**Memory.** Answers are written, one JSON line each, to two temporary files as they come
and streamed from there into the state store (:meth:`StateStore.put_blob_from`), so a
50,000-line batch never holds its answers in memory (the input file's bytes are read
whole: at most 200 MB). Every :data:`CHUNK` lines the run writes the lines' usage to the
ledger (summed: :func:`mockapi.endpoints.admin.ledger.deferred`), renews its lease,
stores its progress (``request_counts``) and looks for a reason to stop: the batch being cancelled
(it ends ``cancelled`` with the lines done so far), its window running out on the mock's
clock or a test expiring it (``expired``), a test failing it (``failed``), or the batch
gone (a reset: nothing is written). A batch a test holds pauses there until released.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

import orjson

from mockapi.endpoints.admin import ledger as usage_ledger
from mockapi.endpoints.admin.ledger import BATCH_HEADER
from mockapi.endpoints.batches import input as batch_input
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.endpoints.jobs import Lease
from mockapi.errors import StateLimitError
from mockapi.model import Request, Response
from mockapi.state.lifecycle import Control

KIND = "batches"
CHUNK = 200
"""Lines run between two looks at the batch (lease, progress, reasons to stop)."""
HELD_PAUSE = 0.05
"""Seconds between two looks at a batch a test holds while it runs."""
OUTPUT_PURPOSE = "batch_output"
EXPIRED_ERROR = {
    "code": "batch_expired",
    "message": "This request could not be executed before the completion window expired.",
}
_FORWARDED = ("authorization", "api-key", "host", "openai-organization", "openai-project")
"""The driving request's headers a line's request carries (its credentials, its host)."""


@dataclass
class Tally:
    """What the lines run so far add up to."""

    completed: int = 0
    failed: int = 0
    usage: dict[str, Any] = field(default_factory=lambda: empty_usage())

    def add_usage(self, body: Any) -> None:
        """Add an answer's ``usage`` (Chat/Completions/Embeddings or Responses names)."""
        found = body.get("usage") if isinstance(body, dict) else None
        if not isinstance(found, dict):
            return
        sums = self.usage
        given_in = _count(found, "input_tokens", "prompt_tokens")
        given_out = _count(found, "output_tokens", "completion_tokens")
        sums["input_tokens"] += given_in
        sums["output_tokens"] += given_out
        sums["total_tokens"] += _count(found, "total_tokens") or given_in + given_out
        in_details = found.get("input_tokens_details") or found.get("prompt_tokens_details")
        out_details = found.get("output_tokens_details") or found.get("completion_tokens_details")
        sums["input_tokens_details"]["cached_tokens"] += _count(in_details, "cached_tokens")
        sums["output_tokens_details"]["reasoning_tokens"] += _count(out_details, "reasoning_tokens")


def empty_usage() -> dict[str, Any]:
    """The Batch object's ``usage`` before any line ran."""
    return {
        "input_tokens": 0,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 0,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 0,
    }


class Files:
    """The output and error files of one run, written line by line to temporary files."""

    def __init__(self) -> None:
        # Closed by close() (the run's finally): they live for the whole run.
        self.output = cast(BinaryIO, tempfile.TemporaryFile())  # noqa: SIM115
        self.errors = cast(BinaryIO, tempfile.TemporaryFile())  # noqa: SIM115
        self.output_lines = 0
        self.error_lines = 0

    def write(self, line: dict[str, Any], *, ok: bool) -> None:
        target = self.output if ok else self.errors
        target.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        if ok:
            self.output_lines += 1
        else:
            self.error_lines += 1

    def store(
        self, ctx: Context, batch: dict[str, Any], expires_after: int | None
    ) -> dict[str, Any]:
        """Store the files that have lines (``batch_output`` files named after the
        batch); the Batch object's ``output_file_id`` and ``error_file_id``.

        All or nothing: when the store refuses one (over ``--max-file-size``, or past
        ``--max-state-size``), the one stored before it is removed and
        :class:`StateLimitError` names the file and its whole size (the job then ends
        ``failed``: :mod:`mockapi.endpoints.jobs`)."""
        ids: dict[str, Any] = {"output_file_id": None, "error_file_id": None}
        try:
            for name, handle, count in (
                ("output", self.output, self.output_lines),
                ("error", self.errors, self.error_lines),
            ):
                if count:
                    ids[f"{name}_file_id"] = self._store_one(
                        ctx, handle, f"{batch['id']}_{name}.jsonl", name, expires_after
                    )
        except BaseException:
            for file_id in ids.values():
                if file_id is not None:
                    stored.remove(ctx, file_id)
            raise
        return ids

    def _store_one(
        self, ctx: Context, handle: BinaryIO, filename: str, name: str, expires_after: int | None
    ) -> str:
        handle.seek(0)
        try:
            made = stored.create_from(
                ctx, handle, filename=filename, purpose=OUTPUT_PURPOSE, expires_after=expires_after
            )
        except StateLimitError as problem:
            # The store may stop reading at its limit: the message gives the whole size.
            size = handle.seek(0, os.SEEK_END)
            key = f"{name} file ({filename})"
            raise StateLimitError(
                key, size, problem.limit, scope=problem.scope, used=problem.used
            ) from problem
        return str(made["id"])

    def close(self) -> None:
        self.output.close()
        self.errors.close()


@dataclass(frozen=True)
class Stop:
    """Why a run stopped before its last line: the status the batch ends in."""

    status: str
    """``cancelled``, ``expired`` or ``failed``; ``lost`` when the run lost its lease."""


def run(
    ctx: Context, batch: dict[str, Any], data: bytes, lease: Lease, files: Files, tally: Tally
) -> Stop | None:
    """Run the lines of ``data`` (the batch's checked input) into ``files`` and
    ``tally``; None when every line ran, else why it stopped (``lost`` when the lease
    is gone: nothing is to be written then)."""
    requests = batch_input.lines(data)
    # What every line's request shares, once for the batch.
    headers = _headers(ctx, batch["id"])
    dispatch = ctx.dispatch
    # The lines' usage goes to the ledger once a chunk, summed (all to the same rows).
    with usage_ledger.deferred(ctx.state) as usage:
        for done, line in enumerate(requests):
            if done % CHUNK == 0:
                usage.flush(ctx.state)
                try:
                    stop = _look(ctx, batch, lease, tally)
                except _Lost:
                    return Stop("lost")
                if stop is not None:
                    if stop.status == "expired":
                        _expire_rest(batch, files, tally, line, requests)
                    return stop
            body = line.body
            request = Request("POST", line.url, headers, (), orjson.dumps(body), body)
            response = dispatch(request) if dispatch is not None else None
            _record(batch, line, response, files, tally)
    return None


def holds_lease(batch: dict[str, Any], lease: Lease) -> bool:
    """Whether the run still holds its lease: checked just before the files are
    stored, so that a reset meanwhile leaves no file behind."""
    try:
        _renew(lease, batch)
    except _Lost:
        return False
    return True


def expire_all(batch: dict[str, Any], data: bytes, files: Files, tally: Tally) -> None:
    """Every request of ``data`` to the error file as expired (a batch that expired
    before it ran)."""
    for number, custom_id in batch_input.custom_ids(data):
        _expired_line(batch, number, custom_id, files, tally)


class _Lost(Exception):
    """The run lost its lease (the batch was reset away, or taken over as stale): a
    signal that never leaves this module."""


def _look(ctx: Context, batch: dict[str, Any], lease: Lease, tally: Tally) -> Stop | None:
    """Renew the lease, store the progress, and say whether to stop (see the module
    docstring); :class:`_Lost` when the lease or the batch is gone. While a test holds
    the batch, the run waits here (renewing its lease) until it is released."""
    while True:
        control = _renew(lease, batch)
        stop = _reason_to_stop(ctx, batch, control, tally)
        if stop is not None or not control.held:
            return stop
        time.sleep(HELD_PAUSE)


def _renew(lease: Lease, batch: dict[str, Any]) -> Control:
    control: Control | None = lease.beat()
    if control is None:
        raise _Lost(batch["id"])
    return control


def _reason_to_stop(
    ctx: Context, batch: dict[str, Any], control: Control, tally: Tally
) -> Stop | None:
    counts = {"completed": tally.completed, "failed": tally.failed}

    def progress(current: Any) -> Any:
        if not isinstance(current, dict):
            return current
        total = (current.get("request_counts") or {}).get("total", 0)
        return {**current, "request_counts": {"total": total, **counts}}

    current = ctx.state.update(KIND, batch["id"], progress)
    if not isinstance(current, dict):
        raise _Lost(batch["id"])
    if current.get("status") == "cancelling":
        return Stop("cancelled")
    if control.plan.outcome == "fail":
        return Stop("failed")
    expires_at = current.get("expires_at")
    due = isinstance(expires_at, (int, float)) and ctx.clock.now() >= expires_at
    if control.plan.outcome == "expire" or due:
        return Stop("expired")
    return None


def _headers(ctx: Context, batch_id: str) -> dict[str, str]:
    """The headers of each line's request (shared by all of them: never changed)."""
    headers = {
        name: ctx.request.headers[name] for name in _FORWARDED if name in ctx.request.headers
    }
    headers["content-type"] = "application/json"
    headers[BATCH_HEADER] = batch_id  # usage counts the line as a batch line
    return headers


def _record(
    batch: dict[str, Any],
    line: batch_input.Line,
    response: Response | None,
    files: Files,
    tally: Tally,
) -> None:
    status = response.status if response is not None else 500
    if response is None or response.events is not None:
        body: Any = {"error": {"message": "The line was not answered.", "type": "server_error"}}
    elif response.raw is not None:
        body = response.raw.decode("utf-8", "replace")
    else:
        body = response.body
    ok = 200 <= status < 300
    request_id = response.headers.get("x-request-id") if response is not None else None
    written = {
        "id": line_id(batch["id"], line.number),
        "custom_id": line.custom_id,
        "response": {"status_code": status, "request_id": request_id or "", "body": body},
        "error": None,
    }
    files.write(written, ok=ok)
    if ok:
        tally.completed += 1
        tally.add_usage(body)
    else:
        tally.failed += 1


def _expire_rest(
    batch: dict[str, Any],
    files: Files,
    tally: Tally,
    first: batch_input.Line,
    rest: Iterator[batch_input.Line],
) -> None:
    _expired_line(batch, first.number, first.custom_id, files, tally)
    for line in rest:
        _expired_line(batch, line.number, line.custom_id, files, tally)


def _expired_line(
    batch: dict[str, Any], number: int, custom_id: str, files: Files, tally: Tally
) -> None:
    written = {
        "id": line_id(batch["id"], number),
        "custom_id": custom_id,
        "response": None,
        "error": dict(EXPIRED_ERROR),
    }
    files.write(written, ok=False)
    tally.failed += 1


def line_id(batch_id: str, number: int) -> str:
    """The ``batch_req_`` id of a batch's line: fixed by the batch's id (itself
    deterministic under ``--seed``) and the line, without a store round trip per line."""
    digest = hashlib.sha256(f"{batch_id}:{number}".encode()).hexdigest()
    return "batch_req_" + digest[:32]


def _count(found: Any, *names: str) -> int:
    if not isinstance(found, dict):
        return 0
    for name in names:
        value = found.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0
