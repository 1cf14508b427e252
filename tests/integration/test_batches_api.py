"""The Batch API on a real server, driven by the official SDK with strict response
validation: upload, create, poll, read the output; a bad line's 400 in the error file;
embeddings; a broken file; cancel; a job held stuck and completed from the test; the
clock advanced past expiry; pages. Every answer and every output line is checked
against the derived schemas."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any, Final, cast

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.endpoints.batches import routes
from mockapi.replay.control import Control
from mockapi.replay.journal import Outcome
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_client

CHAT: Final = "/v1/chat/completions"
TERMINAL = {"completed", "failed", "expired", "cancelled"}
LINE_KEYS = {"id", "custom_id", "response", "error"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


# The conftest's ``strict`` (the SDK, strict validation) and ``raw`` (httpx) clients
# talk to this module's server.
@pytest.fixture(autouse=True)
def fresh(server: ServerThread) -> None:
    control(server).reset()


def control(server: ServerThread) -> Control:
    return cast(Control, server.control)  # type: ignore[attr-defined]


def chat_line(custom_id: str, text: str, **body: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": text}]
    body = {"model": "gpt-4o-mini", "messages": messages, **body}
    return {"custom_id": custom_id, "method": "POST", "url": CHAT, "body": body}


def upload(strict: openai.OpenAI, *entries: dict[str, Any] | bytes, purpose: str = "batch") -> str:
    data = b"".join(
        (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n" for e in entries
    )
    return strict.files.create(file=("requests.jsonl", io.BytesIO(data)), purpose=purpose).id  # type: ignore[arg-type]


def checked(endpoint: str, answer: httpx.Response) -> dict[str, Any]:
    """The answer's JSON, after checking it against ``endpoint``'s derived schema."""
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert response_problems(endpoint, body) == []
    return body


def poll(raw: httpx.Client, batch_id: str, *, most: int = 10) -> tuple[dict[str, Any], int]:
    """Retrieve until the batch is finished: its last answer and how many retrieves it
    took; every unfinished answer carries openai-poll-after-ms, a finished one not."""
    for count in range(1, most + 1):
        answer = raw.get(f"/v1/batches/{batch_id}")
        batch = checked("GET /v1/batches/{batch_id}", answer)
        finished = batch["status"] in TERMINAL
        assert ("openai-poll-after-ms" in answer.headers) is not finished
        if finished:
            return batch, count
    raise AssertionError(f"{batch_id} still {batch['status']} after {most} retrieves")


def lines_of(strict: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    found = [json.loads(x) for x in strict.files.content(file_id).text.splitlines()]
    for entry in found:
        assert set(entry) == LINE_KEYS and entry["id"].startswith("batch_req_")
    return found


def test_a_chat_batch_with_one_invalid_line(
    strict: openai.OpenAI, raw: httpx.Client, server: ServerThread
) -> None:
    file_id = upload(
        strict,
        chat_line("summary-1", "Summarize the first report."),
        chat_line("hello-2", "Hello there!"),  # the bundled greeting fixture answers it
        chat_line("bad-3", "Summarize the third report.", temperature=5),
        chat_line("summary-4", "Summarize the fourth report.", max_tokens=20),
    )
    created = strict.batches.create(
        input_file_id=file_id, endpoint=CHAT, completion_window="24h", metadata={"run": "nightly"}
    )
    assert created.status == "validating" and created.metadata == {"run": "nightly"}
    assert created.expires_at == created.created_at + 86_400
    _, retrieves = poll(raw, created.id)
    assert retrieves == 2  # validating -> in_progress -> completed
    final = strict.batches.retrieve(created.id)
    assert final.status == "completed" and final.model == "gpt-4o-mini"
    assert final.request_counts is not None
    assert (
        final.request_counts.total,
        final.request_counts.completed,
        final.request_counts.failed,
    ) == (4, 3, 1)
    assert final.usage is not None and final.usage.total_tokens > 0
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens
    assert final.in_progress_at is not None and final.completed_at is not None

    output = lines_of(strict, final.output_file_id)
    assert [x["custom_id"] for x in output] == ["summary-1", "hello-2", "summary-4"]
    for entry in output:
        assert entry["error"] is None and entry["response"]["status_code"] == 200
        assert response_problems("POST /v1/chat/completions", entry["response"]["body"]) == []
    greeting = output[1]["response"]["body"]["choices"][0]["message"]["content"]
    assert greeting == "Hello! How can I help you today?"
    summed = sum(x["response"]["body"]["usage"]["total_tokens"] for x in output)
    assert final.usage.total_tokens == summed

    (bad,) = lines_of(strict, final.error_file_id)
    assert bad["custom_id"] == "bad-3" and bad["response"]["status_code"] == 400
    error = bad["response"]["body"]["error"]
    assert error["param"] == "temperature" and error["type"] == "invalid_request_error"
    assert "temperature" in error["message"]

    # Each line went through the replay flow: the journal shows its outcome.
    lines = [e for e in control(server).entries() if e.path == CHAT]
    assert [e.outcome for e in lines] == [
        Outcome.SYNTHESIZED,
        Outcome.HIT,
        Outcome.REJECTED,
        Outcome.SYNTHESIZED,
    ]


def test_a_batch_of_embeddings(strict: openai.OpenAI, raw: httpx.Client) -> None:
    def embed(custom_id: str, given: Any) -> dict[str, Any]:
        body = {"model": "text-embedding-3-small", "input": given}
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/embeddings", "body": body}

    file_id = upload(strict, embed("one", "a sentence"), embed("two", ["first", "second"]))
    created = strict.batches.create(
        input_file_id=file_id, endpoint="/v1/embeddings", completion_window="24h"
    )
    batch, _ = poll(raw, created.id)
    assert batch["status"] == "completed" and batch["error_file_id"] is None
    output = lines_of(strict, batch["output_file_id"])
    for entry in output:
        assert response_problems("POST /v1/embeddings", entry["response"]["body"]) == []
    assert len(output[1]["response"]["body"]["data"]) == 2
    prompt = sum(x["response"]["body"]["usage"]["prompt_tokens"] for x in output)
    assert batch["usage"]["input_tokens"] == prompt and batch["usage"]["output_tokens"] == 0


def test_a_file_with_a_broken_line_fails_at_that_line(
    strict: openai.OpenAI, raw: httpx.Client
) -> None:
    file_id = upload(
        strict,
        chat_line("a", "Summarize a."),
        b'{"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {',
        chat_line("c", "Summarize c.") | {"url": "/v1/embeddings"},
    )
    created = strict.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    _, retrieves = poll(raw, created.id)
    assert retrieves == 1
    failed = strict.batches.retrieve(created.id)
    assert failed.status == "failed" and failed.failed_at is not None and failed.errors is not None
    found = [(e.code, e.line, e.param) for e in failed.errors.data or []]
    assert found == [("invalid_json_line", 2, None), ("invalid_url", 3, "url")]
    assert failed.output_file_id is None and failed.error_file_id is None


def test_cancel_answers_cancelling_then_cancelled(strict: openai.OpenAI, raw: httpx.Client) -> None:
    file_id = upload(strict, chat_line("a", "Summarize a."))
    created = strict.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    assert strict.batches.retrieve(created.id).status == "in_progress"
    answer = raw.post(f"/v1/batches/{created.id}/cancel")
    cancelling = checked("POST /v1/batches/{batch_id}/cancel", answer)
    assert cancelling["status"] == "cancelling" and cancelling["cancelling_at"] is not None
    assert "openai-poll-after-ms" in answer.headers
    cancelled, _ = poll(raw, created.id)
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] is not None
    assert cancelled["output_file_id"] is None and cancelled["request_counts"]["completed"] == 0
    assert strict.batches.cancel(created.id).status == "cancelled"  # again: as it is

    done_id = strict.batches.create(
        input_file_id=file_id, endpoint=CHAT, completion_window="24h"
    ).id
    poll(raw, done_id)
    with pytest.raises(openai.BadRequestError, match="already completed"):
        strict.batches.cancel(done_id)


def test_a_job_held_stuck_is_completed_from_the_test(
    strict: openai.OpenAI, raw: httpx.Client, server: ServerThread
) -> None:
    file_id = upload(strict, chat_line("a", "Summarize a."), chat_line("b", "Summarize b."))
    created = strict.batches.create(
        input_file_id=file_id,
        endpoint=CHAT,
        completion_window="24h",
        extra_headers={"x-mockapi-job": "stuck"},
    )
    for _ in range(3):
        answer = raw.get(f"/v1/batches/{created.id}")
        assert checked("GET /v1/batches/{batch_id}", answer)["status"] == "validating"
        assert "openai-poll-after-ms" in answer.headers
    done = control(server).jobs.complete(created.id)
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 2
    assert response_problems("GET /v1/batches/{batch_id}", done) == []
    assert strict.batches.retrieve(created.id).status == "completed"
    assert len(lines_of(strict, done["output_file_id"])) == 2

    held = strict.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    control(server).jobs.hold(held.id)
    assert strict.batches.retrieve(held.id).status == "validating"
    control(server).jobs.release(held.id)
    assert strict.batches.retrieve(held.id).status == "in_progress"
    failed = control(server).jobs.fail(
        held.id, "token_limit_exceeded", "Enqueued token limit reached"
    )
    assert failed["status"] == "failed"
    errors = strict.batches.retrieve(held.id).errors
    assert errors is not None and errors.data is not None
    assert (errors.data[0].code, errors.data[0].message) == (
        "token_limit_exceeded",
        "Enqueued token limit reached",
    )


def test_the_clock_advanced_past_the_window_expires_the_batch(
    strict: openai.OpenAI, raw: httpx.Client, server: ServerThread
) -> None:
    file_id = upload(strict, chat_line("a", "Summarize a."), chat_line("b", "Summarize b."))
    created = strict.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    assert strict.batches.retrieve(created.id).status == "in_progress"
    control(server).clock_advance(86_400)
    listed = checked("GET /v1/batches", raw.get("/v1/batches"))
    assert listed["data"][0]["status"] == "expired"
    expired = strict.batches.retrieve(created.id)
    assert expired.status == "expired" and expired.expired_at is not None
    assert expired.expired_at >= expired.expires_at  # type: ignore[operator]
    assert expired.request_counts is not None and expired.request_counts.failed == 2
    rest = lines_of(strict, expired.error_file_id)
    assert [(x["custom_id"], x["response"], x["error"]["code"]) for x in rest] == [
        ("a", None, "batch_expired"),
        ("b", None, "batch_expired"),
    ]


def test_a_big_batch_runs_in_the_background_while_polled(
    strict: openai.OpenAI, raw: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "INLINE_LINES", 2)  # the server runs in this process
    file_id = upload(strict, *(chat_line(f"n{n}", f"Summarize item {n}.") for n in range(6)))
    created = strict.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    batch, _ = poll(raw, created.id, most=2_000)
    assert batch["status"] == "completed" and batch["request_counts"]["completed"] == 6
    assert [x["custom_id"] for x in lines_of(strict, batch["output_file_id"])] == [
        f"n{n}" for n in range(6)
    ]


def test_batches_list_newest_first_in_pages(strict: openai.OpenAI, raw: httpx.Client) -> None:
    empty = checked("GET /v1/batches", raw.get("/v1/batches"))
    assert empty == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
    file_id = upload(strict, chat_line("a", "Summarize a."))
    body = {"input_file_id": file_id, "endpoint": CHAT, "completion_window": "24h"}
    made = [checked("POST /v1/batches", raw.post("/v1/batches", json=body))["id"] for _ in range(3)]
    page = checked("GET /v1/batches", raw.get("/v1/batches", params={"limit": 2}))
    assert [b["id"] for b in page["data"]] == made[::-1][:2] and page["has_more"] is True
    assert [b.id for b in strict.batches.list(limit=2)] == made[::-1]  # auto-pagination


def test_create_refusals_are_the_apis(strict: openai.OpenAI, raw: httpx.Client) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        strict.batches.create(input_file_id="file-nope", endpoint=CHAT, completion_window="24h")
    assert missing.value.body["param"] == "input_file_id"  # type: ignore[index]
    assert "file-nope" in missing.value.message
    other = upload(strict, chat_line("a", "Summarize a."), purpose="user_data")
    with pytest.raises(openai.BadRequestError, match="must have purpose 'batch'"):
        strict.batches.create(input_file_id=other, endpoint=CHAT, completion_window="24h")
    good = upload(strict, chat_line("a", "Summarize a."))
    with pytest.raises(openai.BadRequestError, match="Videos API"):
        strict.batches.create(input_file_id=good, endpoint="/v1/videos", completion_window="24h")
    refused = raw.post(
        "/v1/batches", json={"input_file_id": good, "endpoint": CHAT, "completion_window": "1h"}
    )
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "completion_window"
    bad_plan = raw.post(
        "/v1/batches",
        json={"input_file_id": good, "endpoint": CHAT, "completion_window": "24h"},
        headers={"x-mockapi-job": "explode"},
    )
    assert bad_plan.status_code == 400 and "x-mockapi-job" in bad_plan.json()["error"]["message"]
    with pytest.raises(openai.NotFoundError, match="No such Batch object: batch_nope"):
        strict.batches.retrieve("batch_nope")


SMALL_FILES: Final = 16 * 1024
"""The per-file limit of the server below: a batch input of 30 chat lines (about 5 KB)
fits, its output (a synthesized answer per line, about 30 KB) does not."""


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[openai.OpenAI, httpx.Client, Control]]:
    """A server whose files may be at most SMALL_FILES bytes (``--max-file-size``), its
    strict SDK client, a raw client and its control."""
    with running_server(on_miss=OnMiss.SYNTHESIZE, max_file_bytes=SMALL_FILES) as started:
        headers = {"authorization": "Bearer sk-test-mockapi"}
        with (
            strict_client(started.url + "/v1") as sdk,
            httpx.Client(base_url=started.url, headers=headers, timeout=10) as http,
        ):
            yield sdk, http, control(started)


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "background"])
def test_an_output_file_over_the_file_limit_fails_the_batch(
    small: tuple[openai.OpenAI, httpx.Client, Control],
    monkeypatch: pytest.MonkeyPatch,
    inline: bool,
) -> None:
    strict, raw, admin = small
    if not inline:
        monkeypatch.setattr(routes, "INLINE_LINES", 2)  # the server runs in this process
    file_id = upload(strict, *(chat_line(f"n{n}", f"Summarize item {n}.") for n in range(30)))
    created = strict.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    batch, _ = poll(raw, created.id, most=2_000)
    assert batch["status"] == "failed" and batch["failed_at"] is not None
    assert batch["output_file_id"] is None and batch["error_file_id"] is None
    (error,) = batch["errors"]["data"]
    assert error["code"] == "output_too_large"
    assert f"{SMALL_FILES:,} bytes" in error["message"] and "--max-file-size" in error["message"]
    assert strict.batches.retrieve(created.id).status == "failed"  # stays failed
    # Nothing half-written: the input is the only file; the lease is given up.
    assert [f.id for f in strict.files.list()] == [file_id]
    assert "busy" not in admin.objects("jobs")[0]
    # The server goes on answering: a small batch still completes.
    small_file = upload(strict, chat_line("a", "Summarize a."))
    again = strict.batches.create(input_file_id=small_file, endpoint=CHAT, completion_window="24h")
    assert poll(raw, again.id)[0]["status"] == "completed"
