"""A run's steps: what the run did, kept as the API shows them, and their endpoints.

A turn that calls functions makes a ``tool_calls`` step (``in_progress`` while the run
``requires_action``; ``completed`` with each call's ``output`` once the outputs are
submitted); a turn that answers makes a ``message_creation`` step naming the message;
a run with a ``file_search`` tool that searched makes a ``tool_calls`` step of
``file_search`` calls (``ranking_options`` and ``results``). A step's ``usage`` is its
turn's tokens, null while it is in progress. A run that is cancelled, expires or fails
ends its unfinished steps the same way (``cancelled_at``, ``expired_at``,
``failed_at``).

``GET /v1/threads/{thread_id}/runs/{run_id}/steps`` lists them newest first by default
(``order``), paged; ``GET .../steps/{step_id}`` retrieves one. A file search result's
``content`` is shown only when ``include[]`` asks for
``step_details.tool_calls[*].file_search.results[*].content``, as the API does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.assistants import records
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

INCLUDE_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
_ENDS = {"cancelled": "cancelled_at", "expired": "expired_at", "failed": "failed_at"}


def make(
    ctx: Context,
    run: Mapping[str, Any],
    details: dict[str, Any],
    *,
    usage: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Keep a new step of ``run`` with ``details``: ``completed`` with ``usage`` when
    given, else ``in_progress``."""
    now = ctx.clock.seconds()
    step: dict[str, Any] = {
        "id": objects.new_id(ctx, records.PREFIXES["run step"]),
        "object": "thread.run.step",
        "created_at": now,
        "run_id": run["id"],
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "type": details["type"],
        "status": "completed" if usage is not None else "in_progress",
        "cancelled_at": None,
        "completed_at": now if usage is not None else None,
        "expired_at": None,
        "failed_at": None,
        "last_error": None,
        "step_details": details,
        "usage": dict(usage) if usage is not None else None,
        "metadata": {},
    }
    return records.store(ctx, records.STEPS, step)


def function_calls(calls: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``step_details`` of a turn's function calls (no output yet)."""
    made = [
        {"id": c["id"], "type": "function", "function": {**c["function"], "output": None}}
        for c in calls
    ]
    return {"type": "tool_calls", "tool_calls": made}


def message_creation(message_id: str) -> dict[str, Any]:
    """The ``step_details`` of a message a turn wrote."""
    return {"type": "message_creation", "message_creation": {"message_id": message_id}}


def complete(
    ctx: Context, step_id: str, usage: Mapping[str, int], outputs: Mapping[str, str]
) -> dict[str, Any]:
    """The function calls step done: each call's ``output`` from ``outputs`` (by call id)."""
    now = ctx.clock.seconds()  # not inside the update: the clock is in the state store too

    def done(step: Any) -> Any:
        if not isinstance(step, dict):
            return step
        details = copy.deepcopy(step["step_details"])
        for call in details.get("tool_calls") or ():
            if call.get("type") == "function":
                call["function"]["output"] = outputs.get(call["id"])
        return {
            **step,
            "status": "completed",
            "completed_at": now,
            "step_details": details,
            "usage": dict(usage),
        }

    updated = ctx.state.update(records.STEPS, step_id, done)
    return updated if isinstance(updated, dict) else {}


def end_unfinished(ctx: Context, run_id: str, status: str) -> None:
    """Every step of the run still in progress ends ``status`` (cancelled, expired, failed)."""
    stamp = _ENDS[status]
    for step in of_run(ctx, run_id):
        if step.get("status") == "in_progress":
            fields = {"status": status, stamp: ctx.clock.seconds()}
            records.change(ctx, records.STEPS, str(step["id"]), fields)


def of_run(ctx: Context, run_id: str) -> list[dict[str, Any]]:
    """Every step of the run, oldest first."""
    page = ctx.state.page(records.STEPS, order="asc", limit=1 << 30, where={"run_id": run_id})
    return [step for step in page.data if isinstance(step, dict)]


def pending_calls(ctx: Context, run_id: str) -> dict[str, Any] | None:
    """The run's function calls step still waiting for outputs, or None."""
    waiting = [step for step in of_run(ctx, run_id) if step.get("status") == "in_progress"]
    for candidate in waiting[::-1]:
        details: dict[str, Any] = candidate.get("step_details") or {}
        if any(call.get("type") == "function" for call in details.get("tool_calls") or ()):
            return candidate
    return None


def answered_calls(ctx: Context, run_id: str) -> list[dict[str, Any]]:
    """The run's function calls whose outputs were submitted, in order."""
    found = []
    for step in of_run(ctx, run_id):
        for call in (step.get("step_details") or {}).get("tool_calls") or ():
            if call.get("type") == "function" and step.get("status") == "completed":
                found.append(call)
    return found


def shown(step: Mapping[str, Any], include: Sequence[str]) -> dict[str, Any]:
    """``step`` as answered: file search results without ``content`` unless included."""
    shown_step = copy.deepcopy(dict(step))
    if INCLUDE_CONTENT in include:
        return shown_step
    for call in (shown_step.get("step_details") or {}).get("tool_calls") or ():
        for result in (call.get("file_search") or {}).get("results") or ():
            result.pop("content", None)
    return shown_step


def include_of(ctx: Context) -> list[str]:
    """The request's ``include[]`` values (400 for one the API does not know)."""
    given = [value for name, value in ctx.request.query if name in ("include[]", "include")]
    for value in given:
        if value != INCLUDE_CONTENT:
            raise APIError(
                400,
                f"Invalid value: '{value}'. Supported values are: '{INCLUDE_CONTENT}'.",
                param="include",
                code="invalid_value",
            )
    return given


# -- the endpoints -----------------------------------------------------------------------


def list_steps(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}/runs/{run_id}/steps``."""
    include = include_of(ctx)
    run = records.in_thread(ctx, "run", ctx.params["run_id"], ctx.params["thread_id"])
    page = objects.list_page(ctx, records.STEPS, where={"run_id": str(run["id"])})
    page["data"] = [shown(step, include) for step in page["data"]]
    return FixtureResponse(body=page)


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}``."""
    include = include_of(ctx)
    run = records.in_thread(ctx, "run", ctx.params["run_id"], ctx.params["thread_id"])
    step = records.find(ctx, "run step", ctx.params["step_id"], param="step_id")
    if step.get("run_id") != run["id"]:
        raise records.not_found("run step", str(step["id"]))
    return FixtureResponse(body=shown(step, include))
