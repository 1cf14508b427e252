"""ChatKit sessions, threads and thread items as the state store keeps them.

A session (kind :data:`SESSIONS`, ``cksess_`` id) is what ``POST /v1/chatkit/sessions``
makes for a workflow and a user: ``active``, expiring ``expires_after.seconds`` (600 by
default, at most 600) after it was made; ``cancelled`` once cancelled (its
``client_secret`` then empty, as the API's example shows). The defaults
are those a real answer shows: 10 requests a minute, automatic thread titling on,
uploads off (512 MB, 10 files), history on with no limit, the workflow's tracing on.
Its ``client_secret`` is an ``ek_`` string, as the API's are; the mock serves no
ChatKit frontend, so nothing accepts it.

Threads (kind :data:`THREADS`, ``cthr_``) and their items (kind :data:`ITEMS`, ``cthi_``)
are made in the real API by ChatKit's frontend talking to a workflow, a protocol the SDK
does not speak and the mock does not serve; a test puts them in place with
:func:`add_thread` (``Control.add_chatkit_thread``) and the code under test lists,
reads and deletes them through the API.

Assumed: the 404 wordings, the ``cthi_`` prefix of items, that cancelling twice answers
the cancelled session again, and that an expired session can still be cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.clock import Clock
from mockapi.state.store import StateStore
from mockapi.wire.canonical import ordered

SESSIONS = "chatkit.sessions"
THREADS = "chatkit.threads"
ITEMS = "chatkit.thread_items"
DEFAULT_SECONDS = 600
DEFAULT_RATE = 10
_SESSION_ORDER = (
    "id", "object", "status", "chatkit_configuration", "client_secret", "expires_at",
    "max_requests_per_1_minute", "rate_limits", "user", "workflow",
)  # fmt: skip


def session_not_found(session_id: str) -> APIError:
    return APIError(404, f"ChatKit session with id '{session_id}' not found.", param="session_id")


def thread_not_found(thread_id: str) -> APIError:
    return APIError(404, f"ChatKit thread with id '{thread_id}' not found.", param="thread_id")


def create_session(ctx: Context, body: Mapping[str, Any]) -> dict[str, Any]:
    """A new ``active`` session for ``body`` (validated against the spec first)."""
    workflow = dict(body.get("workflow") or {})
    expires = body.get("expires_after") or {}
    seconds = expires.get("seconds", DEFAULT_SECONDS) if isinstance(expires, Mapping) else 0
    rate = (body.get("rate_limits") or {}).get("max_requests_per_1_minute", DEFAULT_RATE)
    config = body.get("chatkit_configuration") or {}
    record = {
        "id": objects.new_id(ctx, "cksess_"),
        "object": "chatkit.session",
        "status": "active",
        "chatkit_configuration": _configuration(config),
        "client_secret": objects.new_id(ctx, "ek_"),
        "expires_at": ctx.clock.seconds() + int(seconds or DEFAULT_SECONDS),
        "max_requests_per_1_minute": rate,
        "rate_limits": {"max_requests_per_1_minute": rate},
        "user": str(body.get("user", "")),
        "workflow": {
            "id": str(workflow.get("id", "")),
            "state_variables": workflow.get("state_variables"),
            "tracing": {"enabled": bool((workflow.get("tracing") or {}).get("enabled", True))},
            "version": workflow.get("version"),
        },
    }
    record = ordered(record, _SESSION_ORDER)
    ctx.state.put(SESSIONS, record["id"], record)
    return record


def _configuration(given: Mapping[str, Any]) -> dict[str, Any]:
    titling = given.get("automatic_thread_titling") or {}
    upload = given.get("file_upload") or {}
    history = given.get("history") or {}
    return {
        "automatic_thread_titling": {"enabled": bool(titling.get("enabled", True))},
        "file_upload": {
            "enabled": bool(upload.get("enabled", False)),
            "max_file_size": upload.get("max_file_size", 512),
            "max_files": upload.get("max_files", 10),
        },
        "history": {
            "enabled": bool(history.get("enabled", True)),
            "recent_threads": history.get("recent_threads"),
        },
    }


def cancel_session(ctx: Context, session_id: str) -> dict[str, Any]:
    """The session, cancelled (its client secret withdrawn), or the 404."""

    def cancel(kept: dict[str, Any]) -> dict[str, Any]:
        return {**kept, "status": "cancelled", "client_secret": ""}

    changed = ctx.state.update(SESSIONS, session_id, cancel)
    if not isinstance(changed, dict):
        raise session_not_found(session_id)
    return changed


# -- threads -----------------------------------------------------------------------------


def add_thread(
    state: StateStore,
    *,
    user: str,
    title: str | None = None,
    messages: Iterable[tuple[str, str]] = (),
    seed: int = 0,
) -> dict[str, Any]:
    """A new thread of ``user`` holding ``messages`` (``("user" | "assistant", text)``,
    oldest first) as ChatKit's frontend would have left it; the thread."""
    now = Clock(state).seconds()
    thread_id = objects.id_for(state, seed, "cthr_")
    thread = {
        "id": thread_id,
        "object": "chatkit.thread",
        "created_at": now,
        "status": {"type": "active"},
        "title": title,
        "user": user,
    }
    state.put(THREADS, thread_id, thread)
    for role, text in messages:
        item_id = objects.id_for(state, seed, "cthi_")
        state.put(ITEMS, item_id, _item(item_id, thread_id, now, role, text))
    return thread


def _item(item_id: str, thread_id: str, now: int, role: str, text: str) -> dict[str, Any]:
    if role not in ("user", "assistant"):
        raise ValueError(f"a ChatKit message is 'user' or 'assistant', not {role!r}")
    base = {"id": item_id, "object": "chatkit.thread_item", "created_at": now}
    if role == "user":
        content = [{"type": "input_text", "text": text}]
        return {
            **base,
            "type": "chatkit.user_message",
            "thread_id": thread_id,
            "content": content,
            "attachments": [],
            "inference_options": None,
        }
    output = [{"type": "output_text", "text": text, "annotations": []}]
    return {**base, "type": "chatkit.assistant_message", "thread_id": thread_id, "content": output}


def find_thread(ctx: Context, thread_id: str) -> dict[str, Any]:
    record = ctx.state.get(THREADS, thread_id)
    if not isinstance(record, dict):
        raise thread_not_found(thread_id)
    return record


def items_of(ctx: Context, thread_id: str) -> list[dict[str, Any]]:
    """The thread's items, oldest first."""
    return [
        i for i in ctx.state.values(ITEMS) if isinstance(i, dict) and i["thread_id"] == thread_id
    ]


def remove_thread(ctx: Context, thread_id: str) -> None:
    """Forget the thread and its items, or the 404."""
    find_thread(ctx, thread_id)
    for item in items_of(ctx, thread_id):
        ctx.state.delete(ITEMS, str(item["id"]))
    ctx.state.delete(THREADS, thread_id)
