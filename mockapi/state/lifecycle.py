"""The lifecycle of a job: its statuses, the outcome planned for it, and the next step.

A *job* is a server-created object that moves through statuses on its own in the real
API (a batch: ``validating`` -> ``in_progress`` -> ``finalizing`` -> ``completed``; later
a fine-tuning job, a vector store file, a run, a video). In mockapi it moves when it is
looked at: by default **each retrieve moves an unfinished job one step**, so a client's
polling loop runs (and is tested) and still finishes within a couple of retrieves. This
module is the pure part of that machine; the families (``mockapi.endpoints.batches``) do
the work each step stands for (validate a file, run its lines, write the results), and
``mockapi.endpoints.jobs`` drives them.

**The public object holds the status** (``batch["status"]``); the job's *control*
(:class:`Control`, kept in the state store under kind :data:`KIND`, by the object's id)
holds what a test decided about it: the planned outcome and whether it is held.

The next step (:func:`next_status`) is, in this order:

1. none for a finished job (a status in :attr:`Lifecycle.terminal`);
2. ``cancelling`` -> ``cancelled`` (the client asked; a hold does not stop it);
3. ``expired`` once the mock's clock reaches the job's ``expires_at`` (even held: the
   window runs out whether or not the job moves; a test advances the clock to see it);
4. none while the job is **held** ("stuck": a test checks its client's timeout; it moves
   again when released or completed);
5. the planned failure or expiry, in place of the step it replaces: ``fail`` ends the
   job ``failed`` instead of leaving :attr:`Lifecycle.fails_from` (a batch fails its
   validation), ``expire`` ends it ``expired`` instead of leaving
   :attr:`Lifecycle.expires_from` (a batch runs out of time while in progress);
6. otherwise the next status on :attr:`Lifecycle.path`.

**Outcomes chosen up front.** The create request may carry the header :data:`HEADER`
(``x-mockapi-job``, named like the faults' ``x-mockapi-fault``), parsed by
:func:`parse_plan`: ``complete`` (the default), ``fail`` (optionally
``fail; code=token_limit_exceeded; message=Too many tokens``), ``expire``, or ``stuck``
(created held).

Pure: no I/O, no clock of its own (the caller passes ``now``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

KIND = "jobs"
"""The state store kind of job controls (never evicted), by the job's object id."""
HEADER = "x-mockapi-job"
"""The create request's header choosing the job's outcome (see :func:`parse_plan`)."""
OUTCOMES = ("complete", "fail", "expire", "stuck")
"""What a job may be planned to do: run to its end, fail, expire, or stay put."""
DEFAULT_FAILURE_CODE = "server_error"
DEFAULT_FAILURE_MESSAGE = "The job failed (mockapi: a failure planned by the test)."


@dataclass(frozen=True)
class Lifecycle:
    """One family's statuses.

    ``path`` runs from the status a create answers (``validating``) to the normal end
    (``completed``); ``failed``, ``expired`` and ``cancelled`` are the other ends
    (``expired`` and the cancel pair are None for a family without them).
    """

    kind: str
    """The state store kind of the family's public objects (``"batches"``)."""
    path: tuple[str, ...]
    fails_from: str
    """The status whose step a planned failure replaces (a batch fails validating)."""
    expires_from: str
    """The status whose step a planned expiry replaces (a batch expires in progress)."""
    failed: str = "failed"
    expired: str | None = "expired"
    cancelling: str | None = "cancelling"
    cancelled: str | None = "cancelled"

    def __post_init__(self) -> None:
        if len(self.path) < 2:
            raise ValueError(f"a lifecycle path has a start and an end, got {self.path!r}")
        for status in (self.fails_from, self.expires_from):
            if status not in self.path[:-1]:
                raise ValueError(f"{status!r} is not a status on the way along {self.path!r}")

    @property
    def start(self) -> str:
        """The status a create answers."""
        return self.path[0]

    @property
    def done(self) -> str:
        """The normal end (``completed``)."""
        return self.path[-1]

    @property
    def terminal(self) -> frozenset[str]:
        """The statuses a job never leaves."""
        ends = {self.done, self.failed, self.expired, self.cancelled}
        return frozenset(end for end in ends if end is not None)

    def finished(self, status: str) -> bool:
        return status in self.terminal


@dataclass(frozen=True)
class Plan:
    """The outcome a job is to have: one of :data:`OUTCOMES`, and for ``fail`` the
    error code and message to fail with (None: the family's default)."""

    outcome: str = "complete"
    code: str | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(
                f"unknown job outcome {self.outcome!r}: use one of {', '.join(OUTCOMES)}"
            )


@dataclass(frozen=True)
class Control:
    """What a test decided about one job: its plan and whether it is held."""

    id: str
    kind: str
    plan: Plan = field(default_factory=Plan)
    held: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "outcome": self.plan.outcome,
            "code": self.plan.code,
            "message": self.plan.message,
            "held": self.held,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Control:
        plan = Plan(
            str(value.get("outcome") or "complete"),
            _text(value.get("code")),
            _text(value.get("message")),
        )
        return cls(str(value["id"]), str(value.get("kind", "")), plan, bool(value.get("held")))

    @classmethod
    def planned(cls, object_id: str, kind: str, plan: Plan) -> Control:
        """A new job's control: ``stuck`` is a job created held, to complete normally
        once released."""
        if plan.outcome == "stuck":
            return cls(object_id, kind, Plan(), held=True)
        return cls(object_id, kind, plan)

    def release(self) -> Control:
        return replace(self, held=False)

    def hold(self) -> Control:
        return replace(self, held=True)


def next_status(
    life: Lifecycle,
    status: str,
    control: Control,
    *,
    now: float,
    expires_at: float | None,
) -> str | None:
    """The status a job in ``status`` moves to on its next step, or None when it stays
    (finished, or held). See the module docstring for the order of the rules."""
    if life.finished(status):
        return None
    if life.cancelling is not None and status == life.cancelling:
        return life.cancelled
    if life.expired is not None and expires_at is not None and now >= expires_at:
        return life.expired
    if control.held:
        return None
    outcome = control.plan.outcome
    if outcome == "fail" and status == life.fails_from:
        return life.failed
    if outcome == "expire" and status == life.expires_from and life.expired is not None:
        return life.expired
    if status not in life.path:
        raise ValueError(f"{life.kind}: status {status!r} is not one of {life.path!r}")
    return life.path[life.path.index(status) + 1]


def parse_plan(text: str | None) -> Plan:
    """The :data:`HEADER` value as a :class:`Plan`: an outcome, then ``key=value``
    options separated by ``;`` (``fail; code=invalid_request; message=Bad file``).
    Empty or absent: the default plan. ValueError naming what is wrong."""
    if text is None or not text.strip():
        return Plan()
    head, *rest = [part.strip() for part in text.split(";")]
    options: dict[str, str] = {}
    for part in rest:
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in ("code", "message"):
            raise ValueError(
                f"{HEADER}: unknown option {part!r}; after the outcome give "
                "'code=<error code>' and/or 'message=<text>' (for 'fail')"
            )
        options[name] = value.strip()
    outcome = head.lower()
    if outcome not in OUTCOMES:
        raise ValueError(f"{HEADER}: unknown outcome {head!r}; use one of {', '.join(OUTCOMES)}")
    if options and outcome != "fail":
        raise ValueError(f"{HEADER}: 'code' and 'message' go with 'fail', not {outcome!r}")
    return Plan(outcome, options.get("code") or None, options.get("message") or None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
