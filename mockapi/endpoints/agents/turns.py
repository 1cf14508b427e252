"""A session's turns: input starts one, the model answers it, tool results continue it.

A turn is taken at once, inside the request that moved it (input posted with
``events.create``, or given to ``sessions.create``), so the session is idle again (or
waiting on tool results) when the request returns; its events are logged for the
session's event streams (:mod:`~mockapi.endpoints.agents.events`) in the order the API
sends them:

* ``agent.session.in_progress`` (the session), ``agent.session.turn.created`` (the turn
  ``queued``), ``agent.session.turn.in_progress``;
* per output item, ``agent.session.turn.item.added``; for a message then
  ``content_part.added``, ``output_text.delta`` pieces, ``output_text.done``,
  ``content_part.done`` and ``item.done`` (the finished message, phase
  ``final_answer``);
* a function call (the agent's ``function`` tools) is added with its arguments and the
  session goes ``requires_action`` (``agent.session.requires_action``, the calls in
  ``required_actions``, the turn ``waiting``); each ``agent.session.input.tool_result``
  adds a ``function_call_output`` item and completes its call; when none is pending the
  model is asked again;
* ``agent.session.turn.completed`` (or ``.failed`` with the model's error, or
  ``.cancelled`` by ``agent.session.input.cancel``) with the turn and its usage, then
  ``agent.session.idle``.

Refusals (the API's words where known, else assumed): input while a turn runs or waits
is ``active_turn_not_steerable``; a tool result for no pending call is the SDK's known
``Unknown pending tool call: <call_id>``; an approval result answers no request the mock
ever makes, so it names the request as unknown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import model_turn, stored
from mockapi.endpoints.agents.events import Log
from mockapi.endpoints.chat.stream import split_text
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError


def start(
    ctx: Context, session: dict[str, Any], messages: Iterable[Mapping[str, Any]], log: Log
) -> dict[str, Any]:
    """Take a turn of ``session`` for the user ``messages``; the session after it."""
    if session["status"] in ("in_progress", "requires_action"):
        raise APIError(
            400,
            f"Session '{session['id']}' has a turn in progress; wait for it to end or cancel "
            "it (agent.session.input.cancel) before sending input.",
            param="events",
            code="active_turn_not_steerable",
        )
    now = int(ctx.clock.now())
    turn: dict[str, Any] = {
        "id": objects.new_id(ctx, "turn_"),
        "object": "agent.session.turn",
        "agent_id": session["agent"]["id"],
        "session_id": session["id"],
        "subagent_id": None,
        "status": "queued",
        "created_at": now,
        "started_at": None,
        "completed_at": None,
        "error": None,
        "usage": None,
    }
    for message in messages:
        item = {
            "id": objects.new_id(ctx, "msg_"),
            "type": "message",
            "role": "user",
            "status": "completed",
            "phase": None,
            "turn_id": turn["id"],
            "content": [_input_part(part) for part in message.get("content") or ()],
        }
        stored.put_item(ctx, session["id"], item)
    session = {**session, "status": "in_progress", "last_active_at": now, "required_actions": []}
    log.status(session)
    log.add("agent.session.turn.created", session_id=session["id"], turn_id=turn["id"], turn=turn)
    turn = {**turn, "status": "in_progress", "started_at": now}
    log.add(
        "agent.session.turn.in_progress", session_id=session["id"], turn_id=turn["id"], turn=turn
    )
    return _ask(ctx, session, turn, log)


def tool_result(
    ctx: Context, session: dict[str, Any], given: Mapping[str, Any], log: Log
) -> dict[str, Any]:
    """Record one tool result; ask the model again once no call is pending."""
    call_id = str(given.get("call_id"))
    pending = [
        action
        for action in session.get("required_actions") or ()
        if action.get("type") == "function_call"
        and action.get("call_id") == call_id
        and action.get("turn_id") == given.get("turn_id")
    ]
    if not pending:
        raise APIError(400, f"Unknown pending tool call: {call_id}", param="events")
    turn = ctx.state.get(stored.TURNS, str(given["turn_id"]))
    assert isinstance(turn, dict)
    success = given.get("success") is not False
    for wrapped in ctx.state.values(stored.ITEMS):
        item = wrapped["item"]
        if item.get("type") == "function_call" and item.get("call_id") == call_id:
            done = {**item, "status": "completed" if success else "failed"}
            stored.put_item(ctx, session["id"], done)
    output = {
        "id": objects.new_id(ctx, "fco_"),
        "type": "function_call_output",
        "call_id": call_id,
        "output": given.get("output") if success else None,
        "error": None if success else str(given.get("error") or "Tool call failed."),
        "status": "completed" if success else "failed",
        "turn_id": turn["id"],
    }
    stored.put_item(ctx, session["id"], output)
    log.add(
        "agent.session.turn.item.added", session_id=session["id"], turn_id=turn["id"], item=output
    )
    left = [a for a in session["required_actions"] if a.get("call_id") != call_id]
    session = {**session, "required_actions": left}
    if left:
        _save(ctx, session, turn)
        return session
    session = {**session, "status": "in_progress"}
    log.status(session)
    return _ask(ctx, session, {**turn, "status": "in_progress"}, log)


def cancel(ctx: Context, session: dict[str, Any], log: Log) -> dict[str, Any]:
    """End the session's waiting turn ``cancelled``; an idle session is left as it is."""
    waiting = [t for t in stored.turns_of(ctx, session["id"]) if t["status"] == "waiting"]
    if not waiting:
        return session
    turn = {**waiting[-1], "status": "cancelled", "completed_at": int(ctx.clock.now())}
    return _end(ctx, {**session, "required_actions": []}, turn, log, "agent.session.turn.cancelled")


def approval_result(given: Mapping[str, Any]) -> APIError:
    request_id = given.get("request_id")
    return APIError(400, f"Unknown approval request: {request_id}", param="events")


def _ask(ctx: Context, session: dict[str, Any], turn: dict[str, Any], log: Log) -> dict[str, Any]:
    """Ask the model for the turn's next step and log what it answered."""
    answer = model_turn.ask(ctx, session["agent"], stored.items_of(ctx, session["id"]))
    turn = {**turn, "usage": model_turn.add_usage(turn.get("usage"), answer.usage)}
    session = {**session, "usage": model_turn.add_usage(session.get("usage"), answer.usage)}
    if answer.error is not None:
        failed = {**turn, "status": "failed", "error": answer.error}
        failed["completed_at"] = int(ctx.clock.now())
        return _end(ctx, session, failed, log, "agent.session.turn.failed")
    index = 0
    if answer.calls:
        actions: list[dict[str, Any]] = []
        for index, call in enumerate(answer.calls):
            item = {
                "id": objects.new_id(ctx, "fc_"),
                "type": "function_call",
                "call_id": call["call_id"],
                "name": call["name"],
                "arguments": _arguments(call["arguments"]),
                "status": "in_progress",
                "turn_id": turn["id"],
            }
            stored.put_item(ctx, session["id"], item)
            log.add(
                "agent.session.turn.item.added",
                session_id=session["id"],
                turn_id=turn["id"],
                output_index=index,
                item=item,
            )
            actions.append({key: item[key] for key in ("call_id", "name", "arguments", "turn_id")})
            actions[-1]["type"] = "function_call"
        turn = {**turn, "status": "waiting"}
        session = {**session, "status": "requires_action", "required_actions": actions}
        _save(ctx, session, turn)
        log.status(session)
        return session
    _message(ctx, session["id"], turn["id"], answer.text, index, log)
    done = {**turn, "status": "completed", "completed_at": int(ctx.clock.now())}
    return _end(ctx, session, done, log, "agent.session.turn.completed")


def _message(ctx: Context, session_id: str, turn_id: str, text: str, index: int, log: Log) -> None:
    """The agent's message: kept, and its stream events logged."""
    item_id = objects.new_id(ctx, "msg_")
    where = {"session_id": session_id, "turn_id": turn_id}
    started = {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "phase": "final_answer",
        "turn_id": turn_id,
        "content": [],
    }
    log.add("agent.session.turn.item.added", **where, output_index=index, item=started)
    at = {**where, "item_id": item_id, "output_index": index, "content_index": 0}
    log.add("agent.session.turn.content_part.added", **at, part={"type": "output_text", "text": ""})
    for piece in split_text(text):
        log.add("agent.session.turn.output_text.delta", **at, delta=piece)
    log.add("agent.session.turn.output_text.done", **at, text=text)
    part = {"type": "output_text", "text": text}
    log.add("agent.session.turn.content_part.done", **at, part=part)
    finished = {**started, "status": "completed", "content": [part]}
    stored.put_item(ctx, session_id, finished)
    log.add("agent.session.turn.item.done", **where, output_index=index, item=finished)


def _end(
    ctx: Context, session: dict[str, Any], turn: dict[str, Any], log: Log, kind: str
) -> dict[str, Any]:
    session = {**session, "status": "idle", "required_actions": []}
    session["last_active_at"] = int(ctx.clock.now())
    _save(ctx, session, turn)
    log.add(kind, session_id=session["id"], turn_id=turn["id"], turn=turn, usage=turn["usage"])
    log.status(session)
    return session


def _save(ctx: Context, session: dict[str, Any], turn: dict[str, Any]) -> None:
    ctx.state.put(stored.TURNS, turn["id"], turn)
    ctx.state.put(stored.SESSIONS, session["id"], session)


def _input_part(part: Mapping[str, Any]) -> dict[str, Any]:
    if part.get("type") == "input_image":
        return {"type": "input_image", "image_url": str(part.get("image_url") or "")}
    return {"type": "input_text", "text": str(part.get("text") or "")}


def _arguments(text: str) -> Any:
    """A call's arguments as the API shows them: the JSON value the model wrote."""
    try:
        return json.loads(text)
    except ValueError:
        return text
