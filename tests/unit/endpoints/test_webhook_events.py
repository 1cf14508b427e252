"""Where the endpoints announce finished jobs, without a server: the step that ends a
batch (inline or in the background, however it ends) sends its event once through
``ctx.notify``; a background response finished by its retrieve or cancelled sends its
own; nothing is built (no event id drawn) when no webhook endpoint listens."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from mockapi.endpoints import events, jobs, objects
from mockapi.endpoints.batches import routes
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.endpoints.responses import routes as responses
from mockapi.model import Response
from mockapi.wire import webhooks
from tests.unit.endpoints.test_batch_runs import Server, chat_line, jsonl


class Notified(Server):
    """The batch routes with a webhook endpoint listening: each event sent is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def notify(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)

    def context(self, method: str, path: str, **options: Any) -> Context:
        return replace(super().context(method, path, **options), notify=self.notify)

    def types(self) -> list[tuple[str, str]]:
        return [(e["type"], e["data"]["id"]) for e in self.events]


@pytest.fixture
def server() -> Notified:
    return Notified()


def test_the_retrieve_that_completes_a_batch_sends_batch_completed_once(server: Notified) -> None:
    batch = server.create(jsonl(chat_line("a")))
    assert server.retrieve(batch["id"])["status"] == "in_progress"
    assert server.events == []  # not finished yet: nothing sent
    done = server.retrieve(batch["id"])
    assert done["status"] == "completed"
    [event] = server.events
    assert event == {
        "object": "event",
        "id": event["id"],
        "type": "batch.completed",
        "created_at": done["completed_at"],
        "data": {"id": batch["id"]},
    }
    assert event["id"].startswith("evt_") and len(event["id"]) == 36
    server.retrieve(batch["id"])
    server.drive(batch["id"], "complete")
    assert len(server.events) == 1  # looking at a finished batch again sends nothing


def test_each_way_a_batch_ends_sends_its_own_event(server: Notified) -> None:
    failed = server.create(jsonl(chat_line("a")), header="fail; code=invalid_request")
    server.retrieve(failed["id"])
    cancelled = server.create(jsonl(chat_line("b")))
    routes.cancel(server.context("POST", f"/v1/batches/{cancelled['id']}/cancel"))
    assert len(server.events) == 1  # the failure; cancelling is not an end
    server.retrieve(cancelled["id"])
    expired = server.create(jsonl(chat_line("c")))
    server.drive(expired["id"], "expire")
    bad = server.create(b"not json\n")
    server.drive(bad["id"], "complete")  # a bad file still ends failed
    assert server.types() == [
        ("batch.failed", failed["id"]),
        ("batch.cancelled", cancelled["id"]),
        ("batch.expired", expired["id"]),
        ("batch.failed", bad["id"]),
    ]


def test_the_window_running_out_on_the_clock_sends_batch_expired(server: Notified) -> None:
    batch = server.create(jsonl(chat_line("a")))
    server.retrieve(batch["id"])
    server.now += routes.WINDOW_SECONDS
    listed = routes.list_batches(server.context("GET", "/v1/batches")).body["data"]
    assert [b["status"] for b in listed] == ["expired"]
    assert server.types() == [("batch.expired", batch["id"])]


def test_a_batch_run_in_the_background_is_announced_when_its_thread_ends(
    server: Notified, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "INLINE_LINES", 1)
    gate = threading.Event()
    server.before_each.append(lambda sent: gate.wait(5))
    batch = server.create(jsonl(chat_line("a"), chat_line("b")))
    server.retrieve(batch["id"])
    assert server.retrieve(batch["id"])["status"] == "in_progress"
    assert jobs.running(batch["id"]) and server.events == []
    gate.set()
    assert server.drive(batch["id"], "advance")["status"] == "completed"  # waits for it
    assert server.types() == [("batch.completed", batch["id"])]


def test_a_finished_job_already_announced_is_not_announced_twice(server: Notified) -> None:
    batch = server.create(jsonl(chat_line("a")))
    server.drive(batch["id"], "complete")
    again = events.announce(server.context("GET", "/v1/batches"), server.retrieve(batch["id"]))
    assert again is None and len(server.events) == 1
    assert server.state.get(events.KIND, batch["id"]) == {
        "type": "batch.completed",
        "event": server.events[0]["id"],
    }


def test_without_a_listener_nothing_is_built_and_no_id_drawn() -> None:
    quiet = Server()  # its contexts have no notify
    batch = quiet.create(jsonl(chat_line("a")))
    quiet.drive(batch["id"], "complete")
    assert quiet.state.get(objects.COUNTERS, webhooks.EVENT_PREFIX) is None
    assert quiet.state.values(events.KIND) == []


def test_a_background_response_sends_its_end_when_retrieved_or_cancelled(
    server: Notified,
) -> None:
    def create() -> str:
        body = {"model": "gpt-4o-mini", "input": "Hi", "background": True}
        ctx = replace(server.context("POST", "/v1/responses", body=body), models=DEFAULT_MODELS)
        answer = responses.create(ctx)
        assert answer.body["status"] == "queued"
        responses.remember(ctx, Response(200, {}, body=answer.body))
        return str(answer.body["id"])

    done, stopped = create(), create()
    assert server.events == []
    retrieved = responses.retrieve(server.context("GET", f"/v1/responses/{done}"))
    assert retrieved.body["status"] == "completed"
    responses.retrieve(server.context("GET", f"/v1/responses/{done}"))
    responses.cancel(server.context("POST", f"/v1/responses/{stopped}/cancel"))
    responses.cancel(server.context("POST", f"/v1/responses/{stopped}/cancel"))
    assert server.types() == [("response.completed", done), ("response.cancelled", stopped)]
