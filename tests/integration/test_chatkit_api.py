"""ChatKit (beta) on a real server through the official SDK, strict response validation
on: a session created with the API's defaults or the request's settings, then
cancelled; threads put in place as ChatKit's frontend leaves them, listed (by user, in
pages), retrieved with their items, deleted; the 404s; every answer checked against the
derived schemas."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

BETA = {"OpenAI-Beta": "chatkit_beta=v1"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def test_a_session_created_then_cancelled(server: ServerThread, client: openai.OpenAI) -> None:
    before = server.control.clock_now()[0]  # type: ignore[attr-defined]
    made = client.beta.chatkit.sessions.create(user="device-1", workflow={"id": "wf_abc"})
    after = server.control.clock_now()[0]  # type: ignore[attr-defined]
    assert int(before) + 600 <= made.expires_at <= after + 600, "10 minutes after it was made"
    assert made.id.startswith("cksess_") and made.status == "active"
    assert made.client_secret.startswith("ek_") and made.user == "device-1"
    assert made.rate_limits.max_requests_per_1_minute == made.max_requests_per_1_minute == 10
    config = made.chatkit_configuration
    assert config.automatic_thread_titling.enabled and config.history.enabled
    assert (config.file_upload.enabled, config.file_upload.max_files) == (False, 10)
    assert (made.workflow.version, made.workflow.tracing.enabled) == (None, True)
    body = made.model_dump()
    assert response_problems("POST /v1/chatkit/sessions", body) == []
    cancelled = client.beta.chatkit.sessions.cancel(made.id)
    assert (cancelled.id, cancelled.status, cancelled.client_secret) == (made.id, "cancelled", "")
    answer = cancelled.model_dump()
    assert response_problems("POST /v1/chatkit/sessions/{session_id}/cancel", answer) == []
    with pytest.raises(openai.NotFoundError):
        client.beta.chatkit.sessions.cancel("cksess_unknown")


def test_a_session_takes_the_requests_settings(client: openai.OpenAI) -> None:
    made = client.beta.chatkit.sessions.create(
        user="u",
        workflow={"id": "wf_x", "version": "3", "state_variables": {"tier": "gold"}},
        expires_after={"anchor": "created_at", "seconds": 60},
        rate_limits={"max_requests_per_1_minute": 30},
        chatkit_configuration={"file_upload": {"enabled": True, "max_files": 2}},
    )
    assert (made.workflow.version, made.workflow.state_variables) == ("3", {"tier": "gold"})
    assert made.max_requests_per_1_minute == 30
    assert made.chatkit_configuration.file_upload.max_files == 2
    with pytest.raises(openai.BadRequestError):  # at most 600 seconds
        client.beta.chatkit.sessions.create(
            user="u",
            workflow={"id": "wf_x"},
            expires_after={"anchor": "created_at", "seconds": 601},
        )


def test_threads_listed_read_and_deleted(
    server: ServerThread, client: openai.OpenAI, raw: httpx.Client
) -> None:
    control = server.control  # type: ignore[attr-defined]
    chat = [("user", "What's the weather?"), ("assistant", "Sunny, 21 degrees.")]
    first = control.add_chatkit_thread("ada", title="Weather", messages=chat)
    second = control.add_chatkit_thread("ada")
    other = control.add_chatkit_thread("grace")
    listed = client.beta.chatkit.threads.list(user="ada")
    assert [t.id for t in listed] == [second["id"], first["id"]]
    page = raw.get("/v1/chatkit/threads", params={"limit": 2}, headers=BETA).json()
    assert response_problems("GET /v1/chatkit/threads", page) == []
    assert [t["id"] for t in page["data"]] == [other["id"], second["id"]] and page["has_more"]
    thread = client.beta.chatkit.threads.retrieve(first["id"])
    assert (thread.title, thread.user, thread.status.type) == ("Weather", "ada", "active")
    items = client.beta.chatkit.threads.list_items(first["id"], order="asc")
    texts = [(i.type, i.content[0].text) for i in items]  # type: ignore[union-attr]
    assert texts == [
        ("chatkit.user_message", "What's the weather?"),
        ("chatkit.assistant_message", "Sunny, 21 degrees."),
    ]
    answer = raw.get(f"/v1/chatkit/threads/{first['id']}/items", headers=BETA).json()
    assert response_problems("GET /v1/chatkit/threads/{thread_id}/items", answer) == []
    gone = client.beta.chatkit.threads.delete(first["id"])
    assert (gone.id, gone.object, gone.deleted) == (first["id"], "chatkit.thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.chatkit.threads.retrieve(first["id"])
    with pytest.raises(openai.NotFoundError):
        client.beta.chatkit.threads.list_items(first["id"])
    assert control.objects("chatkit.thread_items") == []
