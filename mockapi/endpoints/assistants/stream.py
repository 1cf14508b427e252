"""A streamed run: the run taken to its end (or its ``requires_action``) within the
request, answered as the API's event stream.

The events, each ``event: <name>`` with the object as its ``data``, in the API's order
(the Assistants streaming guide and the SDK's ``AssistantEventHandler``, which turns
them into its callbacks):

* ``thread.created`` (``create_and_run`` only), ``thread.run.created`` (not after
  ``submit_tool_outputs``), ``thread.run.queued``, ``thread.run.in_progress``;
* after ``submit_tool_outputs``: ``thread.run.step.completed`` of the answered calls;
* per step the run made: ``thread.run.step.created`` and ``.in_progress`` (the step in
  progress, its ``tool_calls`` empty); for tool calls one ``thread.run.step.delta`` per
  call that names it (``index``, ``id``, ``type``, its function's ``name`` with empty
  ``arguments``) and one more with its ``arguments`` (``on_tool_call_created`` and
  ``on_tool_call_delta``), and ``thread.run.step.completed`` once the step is done (a
  file search); for a message ``thread.message.created`` and ``.in_progress`` (no
  content yet), ``thread.message.delta`` per word of its text (``on_text_created`` on
  the first, ``on_text_delta`` on each), ``thread.message.completed`` (``.incomplete``
  when cut) and ``thread.run.step.completed`` (``on_run_step_done``);
* the run's end: ``thread.run.requires_action``, ``.completed``, ``.incomplete``,
  ``.failed``, ``.cancelled`` or ``.expired``;
* ``event: done`` with ``data: [DONE]``.

A run a test holds (``x-mockapi-job: stuck``) streams what it did before it stopped.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import jobs
from mockapi.endpoints.assistants import records, steps
from mockapi.endpoints.assistants.family import FAMILY
from mockapi.endpoints.endpoint import Context
from mockapi.library.fixture import FixtureResponse
from mockapi.model import SSEEvent

_MOVES = 4
"""Steps a streamed run may take (queued -> in_progress -> its end), with room to spare."""
_WORDS = re.compile(r"\s*\S+\s*|\s+")


def run_events(
    ctx: Context,
    run: dict[str, Any],
    *,
    thread: Mapping[str, Any] | None = None,
    resumed: str | None = None,
) -> FixtureResponse:
    """The stream of ``run`` (just created, or ``queued`` again after its function
    calls step ``resumed`` was answered) taken as far as it goes now."""
    include = steps.include_of(ctx)
    run_id = str(run["id"])
    before = {step["id"] for step in steps.of_run(ctx, run_id)}
    seen = [run]
    for _ in range(_MOVES):
        if FAMILY.life.finished(str(seen[-1].get("status"))):
            break
        after = jobs.poll(ctx, FAMILY, run_id)
        if after.get("status") == seen[-1].get("status"):
            break  # held by a test, or another request is taking its step
        seen.append(after)
    events: list[SSEEvent] = []
    if thread is not None:
        events.append(SSEEvent(dict(thread), "thread.created"))
    if resumed is None:
        events.append(SSEEvent(seen[0], "thread.run.created"))
    for snapshot in seen:
        status = str(snapshot.get("status"))
        if status in ("queued", "in_progress", "cancelling"):
            events.append(SSEEvent(snapshot, f"thread.run.{status}"))
        if status == "in_progress" and resumed is not None:
            answered = ctx.state.get(records.STEPS, resumed)
            if isinstance(answered, dict):
                events.append(SSEEvent(answered, "thread.run.step.completed"))
            resumed = None
    for step in steps.of_run(ctx, run_id):
        if step["id"] not in before:
            events.extend(_step_events(ctx, steps.shown(step, include)))
    last = seen[-1]
    if FAMILY.life.finished(str(last.get("status"))):
        events.append(SSEEvent(last, f"thread.run.{last['status']}"))
    events.append(SSEEvent("[DONE]", "done"))
    return FixtureResponse(events=tuple(events))


def _step_events(ctx: Context, step: dict[str, Any]) -> list[SSEEvent]:
    opened = {**step, "status": "in_progress", "completed_at": None, "usage": None}
    details = step["step_details"]
    if details["type"] == "tool_calls":
        opened["step_details"] = {"type": "tool_calls", "tool_calls": []}
    events = [
        SSEEvent(opened, "thread.run.step.created"),
        SSEEvent(opened, "thread.run.step.in_progress"),
    ]
    if details["type"] == "tool_calls":
        for index, call in enumerate(details["tool_calls"]):
            events.extend(_call_deltas(str(step["id"]), index, call))
    else:
        message_id = details["message_creation"]["message_id"]
        message = ctx.state.get(records.MESSAGES, message_id)
        if isinstance(message, dict):
            events.extend(_message_events(message))
    if step.get("status") != "in_progress":
        events.append(SSEEvent(step, "thread.run.step.completed"))
    return events


def _call_deltas(step_id: str, index: int, call: Mapping[str, Any]) -> list[SSEEvent]:
    """The deltas that name a tool call and then give its arguments."""
    kind = str(call["type"])
    if kind == "function":
        named = {**call["function"], "arguments": "", "output": None}
        said = [
            {"index": index, "type": kind, "function": {"arguments": call["function"]["arguments"]}}
        ]
    else:
        named = {}
        said = []
    first = {"index": index, "id": call["id"], "type": kind, kind: named}
    return [_delta(step_id, [first]), *(_delta(step_id, [part]) for part in said)]


def _delta(step_id: str, calls: list[dict[str, Any]]) -> SSEEvent:
    data = {
        "id": step_id,
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": calls}},
    }
    return SSEEvent(data, "thread.run.step.delta")


def _message_events(message: dict[str, Any]) -> list[SSEEvent]:
    opened = copy.deepcopy(message)
    opened.update(
        status="in_progress",
        content=[],
        incomplete_details=None,
        completed_at=None,
        incomplete_at=None,
    )
    events = [
        SSEEvent(opened, "thread.message.created"),
        SSEEvent(opened, "thread.message.in_progress"),
    ]
    for index, block in enumerate(message.get("content") or ()):
        if block.get("type") != "text":
            continue
        for piece in _WORDS.findall(str(block["text"]["value"])):
            part = {"index": index, "type": "text", "text": {"value": piece, "annotations": []}}
            data = {
                "id": message["id"],
                "object": "thread.message.delta",
                "delta": {"content": [part]},
            }
            events.append(SSEEvent(data, "thread.message.delta"))
    ended = "incomplete" if message.get("status") == "incomplete" else "completed"
    events.append(SSEEvent(message, f"thread.message.{ended}"))
    return events
