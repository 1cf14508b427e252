"""A thread's messages: ``/v1/threads/{thread_id}/messages`` and the messages runs write.

A message is kept as the API shows it (kind
:data:`~mockapi.endpoints.assistants.records.MESSAGES`, with its ``thread_id``):
``content`` as content blocks (a string becomes one ``text`` block with no
annotations; ``image_file`` and ``image_url`` parts keep their ``detail``, ``auto``
unless given), ``attachments`` (each File checked), ``metadata``, ``role``, and the
``assistant_id`` and ``run_id`` of the run that wrote it (null for a message a client
added). A client's message is ``completed`` at once; a run's is ``completed`` or
``incomplete`` (``incomplete_details.reason: "max_tokens"`` when the run ran out of
completion tokens).

``GET`` lists newest first by default (``order``), filtered by ``run_id``, paged. A
message cannot be added while a run of the thread is active: the API's 400 ``Can't add
messages to thread_x while a run run_y is active.`` Update sets ``metadata``; delete
answers ``thread.message.deleted``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.assistants import records, resources
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse


def content_of(given: Any) -> list[dict[str, Any]]:
    """A request's message ``content`` (a string or content parts) as content blocks."""
    if isinstance(given, str):
        return [text_block(given)]
    blocks: list[dict[str, Any]] = []
    for part in given if isinstance(given, list) else []:
        if not isinstance(part, Mapping):
            continue
        kind = str(part.get("type"))
        if kind == "text":
            blocks.append(text_block(str(part.get("text", ""))))
        elif kind in ("image_file", "image_url"):
            image = dict(part.get(kind) or {})
            image.setdefault("detail", "auto")
            blocks.append({"type": kind, kind: image})
    return blocks


def text_block(value: str) -> dict[str, Any]:
    """One ``text`` content block holding ``value``, without annotations."""
    return {"type": "text", "text": {"value": value, "annotations": []}}


def text_of(message: Mapping[str, Any]) -> str:
    """The text of a kept message: its ``text`` blocks joined."""
    parts = []
    for block in message.get("content") or ():
        text = block.get("text") if isinstance(block, Mapping) else None
        if isinstance(text, Mapping):
            parts.append(str(text.get("value", "")))
    return "\n".join(parts)


def add(ctx: Context, thread_id: str, given: Mapping[str, Any], *, param: str) -> dict[str, Any]:
    """Keep a client's message (``given``: a message create request's fields) in the
    thread; ``param`` prefixes the names its errors give (``messages[0].``, or ``""``)."""
    message = _message(
        ctx, thread_id, str(given.get("role", "user")), content_of(given.get("content"))
    )
    attachments = resources.check_attachments(
        ctx, given.get("attachments"), param=f"{param}attachments"
    )
    message.update(attachments=attachments, metadata=records.metadata_of(dict(given)))
    return records.store(ctx, records.MESSAGES, message)


def written(
    ctx: Context, run: Mapping[str, Any], text: str, *, incomplete: bool = False
) -> dict[str, Any]:
    """Keep the assistant's message a run wrote (``incomplete``: cut at its token limit)."""
    message = _message(ctx, str(run["thread_id"]), "assistant", [text_block(text)])
    now = ctx.clock.seconds()
    message.update(assistant_id=run["assistant_id"], run_id=run["id"])
    if incomplete:
        message.update(
            status="incomplete",
            incomplete_details={"reason": "max_tokens"},
            completed_at=None,
            incomplete_at=now,
        )
    else:
        message["completed_at"] = now
    return records.store(ctx, records.MESSAGES, message)


def of_thread(ctx: Context, thread_id: str) -> list[dict[str, Any]]:
    """Every message of the thread, oldest first."""
    page = ctx.state.page(
        records.MESSAGES, order="asc", limit=1 << 30, where={"thread_id": thread_id}
    )
    return [message for message in page.data if isinstance(message, dict)]


def _message(
    ctx: Context, thread_id: str, role: str, content: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": objects.new_id(ctx, records.PREFIXES["message"]),
        "object": "thread.message",
        "created_at": ctx.clock.seconds(),
        "assistant_id": None,
        "thread_id": thread_id,
        "run_id": None,
        "role": role,
        "content": content,
        "attachments": [],
        "metadata": {},
        "status": "completed",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
    }


# -- the endpoints -----------------------------------------------------------------------


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads/{thread_id}/messages``: refused while a run is active."""
    thread_id = ctx.params["thread_id"]
    records.find(ctx, "thread", thread_id)
    active = records.active_run(ctx, thread_id)
    if active is not None:
        raise APIError(
            400, f"Can't add messages to {thread_id} while a run {active['id']} is active."
        )
    return FixtureResponse(body=add(ctx, thread_id, ctx.body, param=""))


def list_messages(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}/messages``: newest first unless ``order=asc``, only
    the run's with ``run_id``."""
    thread_id = ctx.params["thread_id"]
    records.find(ctx, "thread", thread_id)
    where = {"thread_id": thread_id}
    run_id = dict(ctx.request.query).get("run_id")
    if run_id:
        where["run_id"] = run_id
    return FixtureResponse(body=objects.list_page(ctx, records.MESSAGES, where=where))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/threads/{thread_id}/messages/{message_id}``."""
    found = records.in_thread(ctx, "message", ctx.params["message_id"], ctx.params["thread_id"])
    return FixtureResponse(body=found)


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/threads/{thread_id}/messages/{message_id}``: sets ``metadata``."""
    message_id = ctx.params["message_id"]
    current = records.in_thread(ctx, "message", message_id, ctx.params["thread_id"])
    fields = {"metadata": records.metadata_of(ctx.body, current.get("metadata"))}
    return FixtureResponse(body=records.change(ctx, records.MESSAGES, message_id, fields))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/threads/{thread_id}/messages/{message_id}``."""
    message_id = ctx.params["message_id"]
    records.in_thread(ctx, "message", message_id, ctx.params["thread_id"])
    ctx.state.delete(records.MESSAGES, message_id)
    return FixtureResponse(body=records.deleted(message_id, "thread.message"))
