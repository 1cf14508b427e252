"""``/v1/threads/{thread_id}/runs`` and ``/v1/threads/runs``: a thread's runs.

A run is made from its assistant and the request (:func:`make`): ``model``,
``instructions`` (the request's, else the assistant's, ``""`` for none, with
``additional_instructions`` after them on a new line), ``tools`` (the request's, else
the assistant's), ``temperature`` and ``top_p`` (likewise), ``response_format``,
``tool_choice`` (``auto``), ``parallel_tool_calls`` (true), ``truncation_strategy``
(``auto``), ``max_prompt_tokens``, ``max_completion_tokens`` and ``metadata``;
``additional_messages`` are added to the thread first. It starts ``queued`` and moves
on the job machinery (:mod:`~mockapi.endpoints.assistants.family`). ``stream: true``
answers the run's events instead, the run taken to its end or its ``requires_action``
within the request (:mod:`~mockapi.endpoints.assistants.stream`).

Refusals, as the API words them: an unknown assistant or thread (404), a thread with
a run still active (400 ``Thread thread_x already has an active run run_y.``), outputs
for a run not waiting for them (400 ``Runs in status "completed" do not accept tool
outputs.``) or not for exactly its calls (400 naming the expected and given call
ids), a cancel of an ended run (400 ``Cannot cancel run with status 'completed'.``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import jobs, models, objects
from mockapi.endpoints.assistants import (
    family,
    messages,
    records,
    resources,
    steps,
    stream,
    threads,
)
from mockapi.endpoints.assistants.family import FAMILY
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

_INHERITED = ("temperature", "top_p")


def make(ctx: Context, thread_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Start a run of ``body["assistant_id"]`` on the thread (see the module docstring)."""
    assistant = records.find(ctx, "assistant", str(body.get("assistant_id")), param="assistant_id")
    active = records.active_run(ctx, thread_id)
    if active is not None:
        raise APIError(400, f"Thread {thread_id} already has an active run {active['id']}.")
    if body.get("model") is not None:
        models.check_usable(ctx, body["model"])
    for index, message in enumerate(body.get("additional_messages") or ()):
        messages.add(ctx, thread_id, message, param=f"additional_messages[{index}].")
    instructions = body.get("instructions")
    if instructions is None:
        instructions = assistant.get("instructions") or ""
    if body.get("additional_instructions"):
        instructions = "\n".join(t for t in (instructions, body["additional_instructions"]) if t)
    tools = body.get("tools")
    created = ctx.clock.seconds()
    run: dict[str, Any] = {
        "id": objects.new_id(ctx, records.PREFIXES["run"]),
        "object": "thread.run",
        "created_at": created,
        "assistant_id": assistant["id"],
        "thread_id": thread_id,
        "status": FAMILY.life.start,
        "required_action": None,
        "started_at": None,
        "expires_at": created + family.WINDOW_SECONDS,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "last_error": None,
        "model": str(body.get("model") or assistant["model"]),
        "instructions": str(instructions),
        "incomplete_details": None,
        "tools": resources.tools_of(tools) if tools is not None else assistant.get("tools", []),
        "metadata": records.metadata_of(dict(body)),
        "usage": None,
        **{name: _inherited(body, assistant, name) for name in _INHERITED},
        "max_prompt_tokens": body.get("max_prompt_tokens"),
        "max_completion_tokens": body.get("max_completion_tokens"),
        "truncation_strategy": body.get("truncation_strategy")
        or {"type": "auto", "last_messages": None},
        "response_format": body.get("response_format")
        or assistant.get("response_format")
        or "auto",
        "tool_choice": body.get("tool_choice") or "auto",
        "parallel_tool_calls": body.get("parallel_tool_calls", True) is not False,
    }
    return jobs.start(ctx, FAMILY, run)


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads/{thread_id}/runs``."""
    thread_id = ctx.params["thread_id"]
    steps.include_of(ctx)
    records.find(ctx, "thread", thread_id)
    run = make(ctx, thread_id, ctx.body)
    if ctx.request.wants_stream:
        return stream.run_events(ctx, run)
    return jobs.answer(ctx, FAMILY, run)


def create_and_run(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads/runs``: a new thread (``thread``; ``tool_resources``) and its run."""
    body = ctx.body
    records.find(ctx, "assistant", str(body.get("assistant_id")), param="assistant_id")
    given = dict(body.get("thread") or {})
    if body.get("tool_resources") is not None:
        given["tool_resources"] = body["tool_resources"]
    thread = threads.make(ctx, given, param="thread.")
    run = make(ctx, str(thread["id"]), body)
    if ctx.request.wants_stream:
        return stream.run_events(ctx, run, thread=thread)
    return jobs.answer(ctx, FAMILY, run)


def list_runs(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}/runs``: newest first, paged."""
    thread_id = ctx.params["thread_id"]
    records.find(ctx, "thread", thread_id)
    page = objects.list_page(ctx, records.RUNS, where={"thread_id": thread_id})
    page["data"] = [_current(ctx, run) for run in page["data"]]
    return FixtureResponse(body=page)


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}/runs/{run_id}``: the run, one step further."""
    run = _found(ctx)
    if run.get("status") == "requires_action":
        return jobs.answer(ctx, FAMILY, family.refresh(ctx, run))
    return jobs.answer(ctx, FAMILY, jobs.poll(ctx, FAMILY, str(run["id"])))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads/{thread_id}/runs/{run_id}``: sets ``metadata``."""
    run = _found(ctx)
    fields = {"metadata": records.metadata_of(ctx.body, run.get("metadata"))}
    return jobs.answer(ctx, FAMILY, records.change(ctx, records.RUNS, str(run["id"]), fields))


def cancel(ctx: Context) -> FixtureResponse:
    """``POST .../runs/{run_id}/cancel``: ``cancelling`` (``cancelled`` on the next retrieve)."""
    run = family.refresh(ctx, _found(ctx))
    status = str(run.get("status"))
    if status == "cancelling":
        return jobs.answer(ctx, FAMILY, run)
    if status in family.ENDED:
        raise APIError(400, f"Cannot cancel run with status '{status}'.")

    def to_cancelling(current: Any) -> Any:
        if not isinstance(current, dict) or current.get("status") in family.ENDED:
            return current
        return {**current, "status": "cancelling"}

    updated = ctx.state.update(records.RUNS, str(run["id"]), to_cancelling)
    return jobs.answer(ctx, FAMILY, updated if isinstance(updated, dict) else run)


def submit_tool_outputs(ctx: Context) -> FixtureResponse:
    """``POST .../runs/{run_id}/submit_tool_outputs``: the calls answered, the run
    ``queued`` again for its next turn."""
    run = family.refresh(ctx, _found(ctx))
    run_id = str(run["id"])
    pending = steps.pending_calls(ctx, run_id)
    if run.get("status") != "requires_action" or pending is None:
        raise APIError(400, f'Runs in status "{run.get("status")}" do not accept tool outputs.')
    outputs = {
        str(given.get("tool_call_id")): str(given.get("output") or "")
        for given in ctx.body.get("tool_outputs") or ()
        if isinstance(given, Mapping)
    }
    expected = [str(call["id"]) for call in pending["step_details"]["tool_calls"]]
    if sorted(outputs) != sorted(expected):
        raise APIError(
            400,
            f"Expected tool outputs for call_ids {expected}, got {sorted(outputs)}",
            param="tool_outputs",
        )
    step_id = str(pending["id"])
    steps.complete(ctx, step_id, family.held_usage(ctx, run_id, step_id), outputs)
    fields = {"status": FAMILY.life.start, "required_action": None}
    queued = records.change(ctx, records.RUNS, run_id, fields)
    if ctx.request.wants_stream:
        return stream.run_events(ctx, queued, resumed=step_id)
    return jobs.answer(ctx, FAMILY, queued)


def _found(ctx: Context) -> dict[str, Any]:
    return records.in_thread(ctx, "run", ctx.params["run_id"], ctx.params["thread_id"])


def _current(ctx: Context, run: dict[str, Any]) -> dict[str, Any]:
    """A listed run as it is now: expired when its time has come."""
    if run.get("status") == "requires_action":
        return family.refresh(ctx, run)
    return jobs.expire_if_due(ctx, FAMILY, str(run["id"]))


def _inherited(body: Mapping[str, Any], assistant: Mapping[str, Any], name: str) -> float:
    value = body.get(name)
    if not isinstance(value, (int, float)):
        value = assistant.get(name)
    return float(value) if isinstance(value, (int, float)) else 1.0
