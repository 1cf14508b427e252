"""``/v1/threads``: create (with its first messages), retrieve, update and delete threads.

A thread is kept as the API shows it (kind
:data:`~mockapi.endpoints.assistants.records.THREADS`): ``created_at``, ``metadata``
and ``tool_resources`` (:mod:`~mockapi.endpoints.assistants.resources`). ``messages``
given at creation are added in order (:mod:`~mockapi.endpoints.assistants.messages`).
An update sets ``metadata`` and ``tool_resources``. A delete takes the thread's
messages, runs and run steps with it (the API answers 404 for them afterwards).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.assistants import messages, records, resources
from mockapi.endpoints.endpoint import Context
from mockapi.library.fixture import FixtureResponse


def make(ctx: Context, given: Mapping[str, Any], *, param: str = "") -> dict[str, Any]:
    """Keep a new thread from ``given`` (a thread create request's fields) with its
    messages; ``param`` prefixes the names the errors give (``thread.`` in a
    create-and-run request)."""
    thread: dict[str, Any] = {
        "id": objects.new_id(ctx, records.PREFIXES["thread"]),
        "object": "thread",
        "created_at": ctx.clock.seconds(),
        "metadata": records.metadata_of(dict(given)),
        "tool_resources": resources.tool_resources(
            ctx, given.get("tool_resources"), param=f"{param}tool_resources"
        ),
    }
    given_messages = list(given.get("messages") or ())
    for index, message in enumerate(given_messages):  # files checked before anything is kept
        resources.check_attachments(
            ctx, message.get("attachments"), param=f"{param}messages[{index}].attachments"
        )
    records.store(ctx, records.THREADS, thread)
    for index, message in enumerate(given_messages):
        messages.add(ctx, thread["id"], message, param=f"{param}messages[{index}].")
    return thread


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads``."""
    return FixtureResponse(body=make(ctx, ctx.body))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}``."""
    return FixtureResponse(body=records.find(ctx, "thread", ctx.params["thread_id"]))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads/{thread_id}``: sets ``metadata`` and ``tool_resources``."""
    thread_id = ctx.params["thread_id"]
    current = records.find(ctx, "thread", thread_id)
    fields: dict[str, Any] = {}
    if "metadata" in ctx.body:
        fields["metadata"] = records.metadata_of(ctx.body, current.get("metadata"))
    if "tool_resources" in ctx.body:
        fields["tool_resources"] = resources.tool_resources(ctx, ctx.body["tool_resources"])
    return FixtureResponse(body=records.change(ctx, records.THREADS, thread_id, fields))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/threads/{thread_id}``: the thread, its messages, runs and steps."""
    thread_id = ctx.params["thread_id"]
    records.find(ctx, "thread", thread_id)
    for kind in (records.MESSAGES, records.RUNS):
        page = ctx.state.page(kind, limit=1 << 30, where={"thread_id": thread_id})
        for found in page.data:
            ctx.state.delete(kind, str(found["id"]))
            if kind == records.RUNS:
                _delete_steps(ctx, str(found["id"]))
    ctx.state.delete(records.THREADS, thread_id)
    return FixtureResponse(body=records.deleted(thread_id, "thread"))


def _delete_steps(ctx: Context, run_id: str) -> None:
    page = ctx.state.page(records.STEPS, limit=1 << 30, where={"run_id": run_id})
    for step in page.data:
        ctx.state.delete(records.STEPS, str(step["id"]))
