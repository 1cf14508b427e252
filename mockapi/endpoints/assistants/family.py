"""A run's lifecycle on the shared job machinery, and the work of each step.

A run is a job (:mod:`mockapi.endpoints.jobs`): **each retrieve moves it one step**, so
the SDK's ``create_and_poll`` finishes on its second retrieve (every answer about an
unfinished run carries ``openai-poll-after-ms``):

1. ``queued`` -> ``in_progress`` (``started_at``);
2. ``in_progress`` -> the turn (:mod:`~mockapi.endpoints.assistants.turn`): function
   calls leave the run ``requires_action`` (a ``tool_calls`` step in progress,
   ``required_action.submit_tool_outputs.tool_calls``); text completes it
   (``completed``: the assistant's message and a ``message_creation`` step); the token
   limits end it ``incomplete`` (``incomplete_details.reason``); a model error ends it
   ``failed`` (``last_error``).

``requires_action`` is a resting status here: the machinery leaves the run there (a
retrieve answers it as it is, ``Control.jobs.complete`` stops there) until
``submit_tool_outputs`` puts it back ``queued``; the next two retrieves run the second
turn. A run waiting for outputs past its ``expires_at`` (10 minutes after creation on
the mock's clock) is ``expired`` when next looked at (:func:`refresh`). ``cancel``
answers ``cancelling``; the next retrieve answers ``cancelled``. The create request's
``x-mockapi-job`` header plans the outcome as for every job (``fail`` ends it ``failed``
instead of taking its turn, with ``last_error.code`` the plan's when the API has it,
else ``server_error``; ``expire``; ``stuck``). ``usage`` (the run's turns added up) is
shown once the run has ended, and ``expires_at`` is null then, as the API shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockapi.endpoints import jobs
from mockapi.endpoints.assistants import records
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.lazy import lazy
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle

if TYPE_CHECKING:
    from mockapi.endpoints.assistants import file_search, messages, steps, turn
else:
    file_search = lazy("mockapi.endpoints.assistants.file_search")
    messages = lazy("mockapi.endpoints.assistants.messages")
    steps = lazy("mockapi.endpoints.assistants.steps")
    turn = lazy("mockapi.endpoints.assistants.turn")

WINDOW_SECONDS = 10 * 60
"""How long a run may take (and wait for tool outputs) before it expires."""
ENDED = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
"""The statuses a run never leaves."""
ERROR_CODES = ("server_error", "rate_limit_exceeded", "invalid_prompt")
"""The ``last_error.code`` values a run can have."""
_PRIVATE = "run"
"""The key of a run's own bookkeeping (its usage so far) in its job control record."""
_ZERO = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@dataclass(frozen=True)
class RunLifecycle(Lifecycle):
    """A run's statuses: ``requires_action`` rests like an end (the machinery never
    steps a run waiting for tool outputs), and ``incomplete`` is an end."""

    resting: frozenset[str] = frozenset({"requires_action", "incomplete"})

    @property
    def terminal(self) -> frozenset[str]:
        return super().terminal | self.resting


class RunFamily:
    """The runs' :class:`~mockapi.endpoints.jobs.Family`: their steps."""

    life: Lifecycle = RunLifecycle(
        kind=records.RUNS,
        path=("queued", "in_progress", "completed"),
        fails_from="in_progress",
        expires_from="in_progress",
    )
    noun = "Run"

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any]:
        run_id = str(current["id"])
        if target == "in_progress":
            return commit(
                ctx, run_id, {"status": "in_progress", "started_at": _started(ctx, current)}
            )
        if target == "completed":
            return take_turn(ctx, current)
        if target == "failed":
            code = control.plan.code if control.plan.code in ERROR_CODES else "server_error"
            message = control.plan.message or lifecycle.DEFAULT_FAILURE_MESSAGE
            return end(ctx, current, "failed", last_error={"code": code, "message": message})
        return end(ctx, current, target)


FAMILY = RunFamily()


def take_turn(ctx: Context, run: dict[str, Any]) -> dict[str, Any]:
    """The run's next turn, and the status it leaves the run in (module docstring)."""
    run_id = str(run["id"])
    found = file_search.search(ctx, run) or file_search.results_of(ctx, run_id)
    used = usage_so_far(ctx, run_id)
    taken = turn.take(ctx, run, used=used, calls=steps.answered_calls(ctx, run_id), found=found)
    if taken.error is not None:
        return end(ctx, run, "failed", last_error=taken.error)
    if taken.no_room:
        return end(ctx, run, "incomplete", incomplete_details={"reason": "max_prompt_tokens"})
    usage = taken.usage or dict(_ZERO)
    total = add_usage(ctx, run_id, usage)
    if taken.calls:
        step = steps.make(ctx, run, steps.function_calls(taken.calls))
        _hold_usage(ctx, run_id, str(step["id"]), usage)
        action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": taken.calls}}
        return commit(ctx, run_id, {"status": "requires_action", "required_action": action})
    limit = run.get("max_completion_tokens")
    over = isinstance(limit, int) and total["completion_tokens"] > limit
    cut = taken.cut or over
    message = messages.written(ctx, run, taken.text, incomplete=cut)
    steps.make(ctx, run, steps.message_creation(str(message["id"])), usage=usage)
    if cut:
        return end(ctx, run, "incomplete", incomplete_details={"reason": "max_completion_tokens"})
    return end(ctx, run, "completed")


def end(ctx: Context, run: Mapping[str, Any], status: str, **fields: Any) -> dict[str, Any]:
    """End the run ``status`` (its unfinished steps too), with its usage and ``fields``."""
    run_id = str(run["id"])
    now = ctx.clock.seconds()
    if status in ("cancelled", "expired", "failed"):
        steps.end_unfinished(ctx, run_id, status)
    stamp = {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at"}
    ended: dict[str, Any] = {"status": status, "required_action": None, "expires_at": None}
    if status in stamp:
        ended[stamp[status]] = now
    ended["usage"] = usage_so_far(ctx, run_id)
    return commit(ctx, run_id, {**ended, **fields})


def commit(ctx: Context, run_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Store a step's result over the run as it is now: a cancel that came meanwhile is
    kept (a run that would rest or end is ``cancelled`` instead; one that moves on stays
    ``cancelling`` for the next retrieve to end)."""
    now = ctx.clock.seconds()  # not inside the update: the clock is in the state store too

    def change(current: Any) -> Any:
        base = current if isinstance(current, dict) else {}
        merged = {**base, **fields}
        if base.get("status") == "cancelling" and fields.get("status") != "cancelled":
            if fields.get("status") == "in_progress":
                merged["status"] = "cancelling"
            else:
                merged.update(status="cancelled", cancelled_at=now, required_action=None)
        return merged

    updated = ctx.state.update(records.RUNS, run_id, change)
    return updated if isinstance(updated, dict) else {**fields, "id": run_id}


def refresh(ctx: Context, run: dict[str, Any]) -> dict[str, Any]:
    """``run``, ended ``expired`` first when it waits for tool outputs past its
    ``expires_at`` on the mock's clock (the machinery expires the others itself)."""
    expires_at = run.get("expires_at")
    due = isinstance(expires_at, (int, float)) and ctx.clock.now() >= expires_at
    if run.get("status") == "requires_action" and due:
        return end(ctx, run, "expired")
    return run


def usage_so_far(ctx: Context, run_id: str) -> dict[str, int]:
    """The tokens of the run's turns so far."""
    own = _own(ctx, run_id)
    return {**_ZERO, **(own.get("usage") or {})}


def add_usage(ctx: Context, run_id: str, usage: Mapping[str, int]) -> dict[str, int]:
    """Add one turn's tokens to the run's; the run's total afterwards."""
    total = {key: usage_so_far(ctx, run_id)[key] + int(usage.get(key, 0)) for key in _ZERO}
    _set_own(ctx, run_id, usage=total)
    return total


def held_usage(ctx: Context, run_id: str, step_id: str) -> dict[str, int]:
    """The tokens of the turn that made the function calls step ``step_id`` (shown on
    the step once it is completed)."""
    held = _own(ctx, run_id).get("held") or {}
    return {**_ZERO, **(held.get(step_id) or {})}


def _hold_usage(ctx: Context, run_id: str, step_id: str, usage: Mapping[str, int]) -> None:
    held = dict(_own(ctx, run_id).get("held") or {})
    held[step_id] = dict(usage)
    _set_own(ctx, run_id, held=held)


def _own(ctx: Context, run_id: str) -> dict[str, Any]:
    raw = ctx.state.get(lifecycle.KIND, run_id)
    own = raw.get(_PRIVATE) if isinstance(raw, dict) else None
    return own if isinstance(own, dict) else {}


def _set_own(ctx: Context, run_id: str, **fields: Any) -> None:
    def change(raw: Any) -> Any:
        base = raw if isinstance(raw, dict) else {}
        kept = base.get(_PRIVATE)
        own = kept if isinstance(kept, dict) else {}
        return {**base, _PRIVATE: {**own, **fields}}

    ctx.state.update(lifecycle.KIND, run_id, change, start={"id": run_id})


def _started(ctx: Context, run: Mapping[str, Any]) -> int:
    started = run.get("started_at")
    return started if isinstance(started, int) else ctx.clock.seconds()
