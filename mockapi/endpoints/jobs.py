"""Jobs driven along their lifecycle: the part every family with a lifecycle shares.

:mod:`mockapi.state.lifecycle` says *which* status a job moves to next; this module
moves it, with the family (a :class:`Family`: batches today) doing the work a step stands
for. Three things make that safe when several requests (or several ``--workers``
processes sharing a SQLite store) look at one job at once:

* **One step at a time.** A step is taken under a *lease* kept in the job's control
  record (kind :data:`~mockapi.state.lifecycle.KIND`): a retrieve that finds the lease
  taken answers the job as it is. A lease not renewed for :data:`STALE_AFTER` seconds
  of wall time (its process died: kill -9) is taken over, and the step starts again.
* **Long steps in the background.** A step may hand its work to a thread (a batch of
  many lines: the web layer answers requests on its event loop, so running 50,000 lines
  inside one retrieve would stop the server for as long). The thread keeps the lease,
  renewing it as it goes (:meth:`Lease.beat`), and ends it when done.
* **A step that raises ends the job failed**, once, instead of leaving it unfinished
  for the next retrieve to start again (forever): a result the state store refuses
  (:class:`~mockapi.errors.StateLimitError`: a batch's output file over
  ``--max-file-size`` or past ``--max-state-size``) with the code
  :data:`OUTPUT_TOO_LARGE` and a message naming the sizes and the option; any other
  exception (a bug) with ``server_error`` naming it, its traceback in the server's log.
* **A job that ends is announced**: each step (inline or in the background) that
  leaves the job in an end status sends its webhook event
  (:func:`mockapi.endpoints.events.announce`: ``batch.completed``, ...) to the
  server's webhook endpoints, once; a family that ends a job outside a step (a cancel
  answered ``cancelled`` at once) calls :func:`ended`.
* **Tests take control** (:class:`mockapi.replay.jobs.Jobs`, the admin API, the pytest
  handle): :func:`drive` completes, fails, expires, holds or releases a job; a job held
  ("stuck") is not moved by retrieves until released or completed.

Every answer about an unfinished job carries the ``openai-poll-after-ms`` header
(:func:`answer`), so that SDK pollers ask again soon instead of sleeping a second.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from mockapi.endpoints import events, objects
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files.rules import stored_too_much
from mockapi.errors import APIError, MockapiError, StateLimitError
from mockapi.library.fixture import FixtureResponse
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle, Plan
from mockapi.state.store import StateStore

log = logging.getLogger(__name__)

STALE_AFTER = 30.0
"""Seconds (wall time) after which a lease not renewed is taken over."""
ACTIONS = ("advance", "complete", "fail", "expire", "hold", "release")
"""What a test may do to a job (:func:`drive`)."""
OUTPUT_TOO_LARGE = "output_too_large"
"""The error code of a job whose result the state store refused (too many bytes)."""


class Lease:
    """The right to move one job, held by one step (or the thread it started)."""

    def __init__(self, state: StateStore, object_id: str, token: str) -> None:
        self.state = state
        self.object_id = object_id
        self.token = token

    def beat(self) -> Control | None:
        """Renew the lease; the job's control as it is now (a test may have planned a
        failure meanwhile), or None when the lease was lost (the job was reset away,
        or taken over as stale): the holder then stops without writing anything."""
        kept: list[Control] = []

        def renew(raw: Any) -> Any:
            busy = raw.get("busy") if isinstance(raw, dict) else None
            if not isinstance(busy, dict) or busy.get("token") != self.token:
                return raw
            kept.append(Control.from_json(raw))
            return {**raw, "busy": {"token": self.token, "at": time.time()}}

        self.state.update(lifecycle.KIND, self.object_id, renew)
        return kept[0] if kept else None

    def end(self) -> None:
        """Give the lease up (the step is done)."""

        def drop(raw: Any) -> Any:
            busy = raw.get("busy") if isinstance(raw, dict) else None
            if isinstance(busy, dict) and busy.get("token") == self.token:
                return {key: value for key, value in raw.items() if key != "busy"}
            return raw

        self.state.update(lifecycle.KIND, self.object_id, drop)


@dataclass(frozen=True)
class Background:
    """A step's work, to run in a thread that holds the step's lease (and ends it)."""

    work: Callable[[], None]


def inline_or_background(
    background: bool, work: Callable[[], dict[str, Any] | None], current: dict[str, Any]
) -> dict[str, Any] | Background:
    """A step's ``work``, run now (its object, or ``current`` when it stores none), or
    when ``background`` (too long for one request: the event loop would stop for it) in a
    thread that holds the step's lease."""
    if not background:
        return work() or current

    def later() -> None:
        work()

    return Background(later)


class Family(Protocol):
    """A family of jobs: its lifecycle and the work of each step."""

    life: Lifecycle
    noun: str
    """The object's name in the API's 404 (``Batch``)."""

    def step(
        self, ctx: Context, current: dict[str, Any], target: str, control: Control, lease: Lease
    ) -> dict[str, Any] | Background:
        """Move ``current`` (the stored object) to ``target`` (which may end elsewhere:
        a batch whose file is bad goes to ``failed``, not ``in_progress``) and store it;
        the object stored, or :class:`Background` work that will."""
        ...


# Threads running background steps in this process, by job id (a test's complete()
# waits for them; a reset leaves them to notice their lease is gone).
_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()


def start(ctx: Context, family: Family, record: dict[str, Any]) -> dict[str, Any]:
    """Store a new job (``record``, in its first status) with the plan its create
    request asked for (the :data:`~mockapi.state.lifecycle.HEADER` header): a malformed
    header is the API-shaped 400 naming it."""
    try:
        plan = lifecycle.parse_plan(ctx.request.headers.get(lifecycle.HEADER))
    except ValueError as exc:
        raise APIError(400, str(exc), param=lifecycle.HEADER, code="invalid_header") from None
    control = Control.planned(record["id"], family.life.kind, plan)
    ctx.state.put(lifecycle.KIND, record["id"], control.to_json())
    ctx.state.put(family.life.kind, record["id"], record)
    return record


def find(ctx: Context, family: Family, object_id: str) -> dict[str, Any]:
    """The stored object, or the API's 404 naming ``object_id``."""
    found = ctx.state.get(family.life.kind, object_id)
    if not isinstance(found, dict):
        raise objects.not_found(family.noun, object_id)
    return found


def control_of(state: StateStore, object_id: str, kind: str) -> Control:
    """The job's control (a default one for an object created before jobs had them)."""
    raw = state.get(lifecycle.KIND, object_id)
    if not isinstance(raw, dict):
        return Control(object_id, kind)
    return Control.from_json({**raw, "id": object_id, "kind": kind})


def set_control(state: StateStore, control: Control) -> None:
    """Store ``control``, keeping what else the record holds (the lease a step may
    hold on the job, the family's own settings for it)."""

    def change(raw: Any) -> Any:
        return {**(raw if isinstance(raw, dict) else {}), **control.to_json()}

    state.update(lifecycle.KIND, control.id, change, start={})


def poll(ctx: Context, family: Family, object_id: str) -> dict[str, Any]:
    """One step of the job, if it has one and nobody else is taking it; the object as
    it is afterwards (the retrieve's answer). 404 for an unknown id."""
    current = find(ctx, family, object_id)
    control = control_of(ctx.state, object_id, family.life.kind)
    if _target(ctx, family, current, control) is None:
        return current
    _step(ctx, family, object_id)
    return find(ctx, family, object_id)  # as stored now (a 404 if a reset came meanwhile)


def expire_if_due(ctx: Context, family: Family, object_id: str) -> dict[str, Any]:
    """The job, expired first when the mock's clock has reached its ``expires_at`` (a
    list shows it expired; a test that advances the clock sees it at once)."""
    current = find(ctx, family, object_id)
    expires_at = current.get("expires_at")
    due = isinstance(expires_at, (int, float)) and ctx.clock.now() >= expires_at
    if not due or family.life.finished(str(current.get("status"))):
        return current
    return _step(ctx, family, object_id) or find(ctx, family, object_id)


def answer(ctx: Context, family: Family, record: dict[str, Any]) -> FixtureResponse:
    """The answer carrying ``record``, with ``openai-poll-after-ms`` while unfinished."""
    unfinished = not family.life.finished(str(record.get("status")))
    headers: Mapping[str, str] = objects.poll_after(ctx) if unfinished else {}
    return FixtureResponse(body=record, headers=dict(headers))


def cancel_now(ctx: Context, family: Family, object_id: str) -> dict[str, Any]:
    """Cancel an unfinished job at once: store the lifecycle's transient ``cancelling``
    and step it to its cancelled end through the machinery (announced as every end is;
    a step running in the background is waited for, and a held job is stepped all the
    same). The object afterwards; a job already at an end is left as it is."""
    life = family.life

    def to_cancelling(found: Any) -> Any:
        if not isinstance(found, dict) or str(found.get("status")) in life.terminal:
            return found
        return {**found, "status": life.cancelling}

    ctx.state.update(life.kind, object_id, to_cancelling)
    if control_of(ctx.state, object_id, life.kind).held:
        return poll(ctx, family, object_id)  # the cancel is stepped even while held
    return drive(ctx, family, object_id, "advance")


def drive(
    ctx: Context,
    family: Family,
    object_id: str,
    action: str,
    *,
    code: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """Do ``action`` (one of :data:`ACTIONS`) to the job now; the object afterwards.

    ``advance``: one step, as a retrieve would (MockapiError for a held job: release
    it first). ``complete``: release it and run it to its end (a batch whose file is
    bad still ends ``failed``). ``fail``: end it failed with ``code`` and ``message``.
    ``expire``: end it expired. ``hold``/``release``: stop or resume its steps. A job
    already finished stays as it is. A step another process is taking is waited for.
    """
    if action not in ACTIONS:
        raise MockapiError(f"unknown job action {action!r}: use one of {', '.join(ACTIONS)}")
    found = ctx.state.get(family.life.kind, object_id)
    if not isinstance(found, dict):
        raise MockapiError(f"no {family.noun.lower()} {object_id!r} on this server")
    control = control_of(ctx.state, object_id, family.life.kind)
    if action == "advance":
        if control.held:
            raise MockapiError(
                f"{object_id} is held: release() it (or complete() it) before advancing it"
            )
        _wait_for_thread(object_id)
        return poll(ctx, family, object_id)
    if action in ("hold", "release"):
        set_control(ctx.state, control.hold() if action == "hold" else control.release())
        return find(ctx, family, object_id)
    plan = Plan(action, code, message) if action == "fail" else Plan(action)
    set_control(ctx.state, replace(control, plan=plan, held=False))
    return _settle(ctx, family, object_id)


def _settle(ctx: Context, family: Family, object_id: str) -> dict[str, Any]:
    """Step the job until it is finished (a background step is waited for; a step
    another process holds is waited out until its lease is stale)."""
    deadline = time.monotonic() + STALE_AFTER * 2
    while True:
        _wait_for_thread(object_id)
        current = find(ctx, family, object_id)
        control = control_of(ctx.state, object_id, family.life.kind)
        if _target(ctx, family, current, control) is None:
            return current
        stepped = _step(ctx, family, object_id)
        if stepped is None and time.monotonic() > deadline:
            raise MockapiError(f"{object_id}: another process holds its step; try again")
        if stepped is None:
            time.sleep(0.05)


def _target(ctx: Context, family: Family, current: dict[str, Any], control: Control) -> str | None:
    expires_at = current.get("expires_at")
    return lifecycle.next_status(
        family.life,
        str(current.get("status")),
        control,
        now=ctx.clock.now(),
        expires_at=float(expires_at) if isinstance(expires_at, (int, float)) else None,
    )


def _step(ctx: Context, family: Family, object_id: str) -> dict[str, Any] | None:
    """Take the job's lease and its next step: the object stored, or None when the lease
    is taken (or the step went to the background, or there was no step after all)."""
    lease = _claim(ctx.state, object_id)
    if lease is None:
        return None
    handed_off = False
    try:
        # Read again under the lease: a cancel or a test may have changed it meanwhile.
        current = ctx.state.get(family.life.kind, object_id)
        control = control_of(ctx.state, object_id, family.life.kind)
        if not isinstance(current, dict):
            return None
        target = _target(ctx, family, current, control)
        if target is None:
            return current
        try:
            result = family.step(ctx, current, target, control, lease)
        except Exception as exc:  # any step's failure ends the job (once)
            return _end_failed(ctx, family, object_id, lease, exc)
        if isinstance(result, Background):
            _run_in_background(ctx, family, object_id, result, lease)
            handed_off = True
            return None
        return result
    finally:
        if not handed_off:
            lease.end()
            _announce_if_ended(ctx, family, object_id)


def _claim(state: StateStore, object_id: str) -> Lease | None:
    """The job's lease, unless a live one is held; None then."""
    token = uuid.uuid4().hex
    taken: list[bool] = []

    def take(raw: Any) -> Any:
        busy = raw.get("busy") if isinstance(raw, dict) else None
        if isinstance(busy, dict) and time.time() - float(busy.get("at", 0)) < STALE_AFTER:
            return raw
        taken.append(True)
        return {
            **(raw if isinstance(raw, dict) else {}),
            "busy": {"token": token, "at": time.time()},
        }

    state.update(lifecycle.KIND, object_id, take, start={"id": object_id})
    return Lease(state, object_id, token) if taken else None


def _run_in_background(
    ctx: Context, family: Family, object_id: str, background: Background, lease: Lease
) -> None:
    def run() -> None:
        try:
            background.work()
        except Exception as exc:  # as in _step: the job ends failed
            _end_failed(ctx, family, object_id, lease, exc)
        finally:
            lease.end()
            with _threads_lock:
                if _threads.get(object_id) is threading.current_thread():
                    del _threads[object_id]
            _announce_if_ended(ctx, family, object_id)

    thread = threading.Thread(target=run, name=f"mockapi-job-{object_id}", daemon=True)
    with _threads_lock:
        _threads[object_id] = thread
    thread.start()


def _end_failed(
    ctx: Context, family: Family, object_id: str, lease: Lease, exc: Exception
) -> dict[str, Any] | None:
    """End the job ``failed`` after its step raised ``exc`` (see the module docstring);
    the object stored, or None when the lease is gone (a reset: nothing is written)."""
    control = lease.beat()
    current = ctx.state.get(family.life.kind, object_id)
    if control is None or not isinstance(current, dict):
        log.warning("%s %s: its step failed after a reset", family.noun, object_id, exc_info=exc)
        return None
    if isinstance(exc, StateLimitError):
        code = OUTPUT_TOO_LARGE
        message = f"The {family.noun.lower()}'s {exc.key} could not be stored. "
        message += stored_too_much(exc).message
        log.warning("%s %s failed: %s", family.noun, object_id, message)
    else:
        code = lifecycle.DEFAULT_FAILURE_CODE
        message = (
            f"The {family.noun.lower()} failed on a mockapi bug: {type(exc).__name__}: {exc} "
            "(the server's log has the traceback; please report it)."
        )
        log.error("%s %s failed on a bug in its step", family.noun, object_id, exc_info=exc)
    failing = replace(control, plan=Plan("fail", code, message))
    try:
        ended = family.step(ctx, current, family.life.failed, failing, lease)
        return ended if isinstance(ended, dict) else None
    except Exception:  # failing failed too: end it bare rather than loop
        log.exception("%s %s: its failure could not be stored either", family.noun, object_id)
        bare = ctx.state.update(
            family.life.kind, object_id, lambda raw: {**raw, "status": family.life.failed}
        )
        return bare if isinstance(bare, dict) else None


def ended(ctx: Context, family: Family, record: dict[str, Any]) -> None:
    """Announce ``record`` if it is finished: for a family that ends a job outside a
    step (a cancel answered ``cancelled`` at once); steps are announced here already."""
    if family.life.finished(str(record.get("status"))):
        events.announce(ctx, record)


def _announce_if_ended(ctx: Context, family: Family, object_id: str) -> None:
    """After a step: announce the job if the step ended it (a reset meanwhile, or a
    step with nothing to do, announces nothing new: each job's event goes once)."""
    if ctx.notify is None:
        return
    try:
        current = ctx.state.get(family.life.kind, object_id)
        if isinstance(current, dict):
            ended(ctx, family, current)
    except Exception:  # a webhook must never fail the job's answer
        log.exception("%s %s: its webhook event could not be sent", family.noun, object_id)


def _wait_for_thread(object_id: str) -> None:
    with _threads_lock:
        thread = _threads.get(object_id)
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def running(object_id: str) -> bool:
    """Whether a background step of the job runs in this process."""
    with _threads_lock:
        thread = _threads.get(object_id)
    return thread is not None and thread.is_alive()
