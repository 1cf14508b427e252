"""The ChatKit endpoints (beta, ``OpenAI-Beta: chatkit_beta=v1``), answered from the state
store (:mod:`~mockapi.endpoints.chatkit.stored`) whatever ``on_miss`` says:

* ``POST /v1/chatkit/sessions`` (a workflow and a user) and
  ``POST /v1/chatkit/sessions/{id}/cancel``;
* ``GET /v1/chatkit/threads`` (newest first by default, 20 a page, at most 100; ``user``
  filters), ``GET`` and ``DELETE /v1/chatkit/threads/{id}``, and
  ``GET /v1/chatkit/threads/{id}/items`` (the thread's messages, paged alike).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.chatkit import stored
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse


def create_session(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.create_session(ctx, ctx.body))


def cancel_session(ctx: Context) -> FixtureResponse:
    cancelled = stored.cancel_session(ctx, ctx.params["session_id"])
    return FixtureResponse(body=cancelled)


def list_threads(ctx: Context) -> FixtureResponse:
    user = dict(ctx.request.query).get("user")
    page = objects.list_page(ctx, stored.THREADS, where={"user": user} if user else None)
    return FixtureResponse(body=page)


def retrieve_thread(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find_thread(ctx, ctx.params["thread_id"]))


def delete_thread(ctx: Context) -> FixtureResponse:
    thread_id = ctx.params["thread_id"]
    stored.remove_thread(ctx, thread_id)
    answer: dict[str, Any] = {"id": thread_id, "object": "chatkit.thread.deleted", "deleted": True}
    return FixtureResponse(body=answer)


def list_items(ctx: Context) -> FixtureResponse:
    thread_id = ctx.params["thread_id"]
    stored.find_thread(ctx, thread_id)
    return FixtureResponse(body=objects.list_items(ctx, stored.items_of(ctx, thread_id)))


_THREAD = "/v1/chatkit/threads/{thread_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/chatkit/sessions", body=Body.JSON, lookup=create_session),
    Endpoint("POST", "/v1/chatkit/sessions/{session_id}/cancel", lookup=cancel_session),
    Endpoint("GET", "/v1/chatkit/threads", lookup=list_threads),
    Endpoint("GET", _THREAD, lookup=retrieve_thread),
    Endpoint("DELETE", _THREAD, lookup=delete_thread),
    Endpoint("GET", _THREAD + "/items", lookup=list_items),
)
