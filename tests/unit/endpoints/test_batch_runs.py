"""A batch along its lifecycle without a server: the steps each retrieve takes, the
lines run through a stand-in dispatch, the runner's reasons to stop, the lease, the
background run, and what a test can do to a job (mockapi.endpoints.jobs.drive)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints import jobs
from mockapi.endpoints.admin import ledger
from mockapi.endpoints.batches import input as batch_input
from mockapi.endpoints.batches import routes, runner
from mockapi.endpoints.batches.routes import FAMILY
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.errors import APIError, MockapiError
from mockapi.model import Request, Response
from mockapi.replay.router import Router
from mockapi.state import lifecycle
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from mockapi.state.store import BlobLimits
from tests.unit.endpoints.contexts import handler_context

CHAT = "/v1/chat/completions"
ROUTER = Router()


class Server:
    """The batch routes over a memory store, with a stand-in for the replay flow that
    answers a chat body (400 for ``temperature`` over 2) and records what it was sent."""

    def __init__(self) -> None:
        self.state = ObjectStore()
        self.now = 1_700_000_000.0
        self.clock = Clock(self.state, wall=lambda: self.now)
        self.sent: list[Request] = []
        self.before_each: list[Any] = []

    def dispatch(self, request: Request) -> Response:
        for hook in self.before_each:
            hook(len(self.sent))
        self.sent.append(request)
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("temperature", 0) > 2:
            error = {"message": "Invalid 'temperature'", "type": "invalid_request_error"}
            return Response(400, {"x-request-id": "req_bad"}, body={"error": error})
        usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
        answer = {"object": "chat.completion", "choices": [], "usage": usage}
        return Response(200, {"x-request-id": f"req_{len(self.sent)}"}, body=answer)

    def context(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> Context:
        endpoint, _ = ROUTER.resolve(method, path)
        assert endpoint is not None
        request = Request(
            method, path, {"authorization": "Bearer sk-user", **(headers or {})}, json=body
        )
        params = ROUTER.params(endpoint, path)
        return handler_context(
            request, endpoint, self.state, self.clock, params=params, dispatch=self.dispatch
        )

    def upload(self, data: bytes, purpose: str = "batch") -> str:
        made = stored.create(
            self.context("POST", "/v1/files"), data, filename="in.jsonl", purpose=purpose
        )
        return str(made["id"])

    def create(self, data: bytes, *, header: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "input_file_id": self.upload(data),
            "endpoint": CHAT,
            "completion_window": "24h",
            **extra,
        }
        headers = {lifecycle.HEADER: header} if header is not None else None
        answer = routes.create(self.context("POST", "/v1/batches", body=body, headers=headers))
        return dict(answer.body)

    def retrieve(self, batch_id: str) -> dict[str, Any]:
        return dict(routes.retrieve(self.context("GET", f"/v1/batches/{batch_id}")).body)

    def content(self, file_id: str | None) -> list[dict[str, Any]]:
        assert file_id is not None
        data = stored.content(self.context("GET", "/v1/files"), file_id)
        return [json.loads(x) for x in data.splitlines()]

    def drive(self, batch_id: str, action: str, **details: str) -> dict[str, Any]:
        return jobs.drive(self.context("GET", "/v1/batches"), FAMILY, batch_id, action, **details)


def chat_line(custom_id: str, **body: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": custom_id}]
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": CHAT,
        "body": {"model": "m", "messages": messages, **body},
    }


def jsonl(*entries: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in entries)


@pytest.fixture
def server() -> Iterator[Server]:
    yield Server()


def test_each_retrieve_moves_the_batch_one_step_and_the_second_finishes_it(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a"), chat_line("b", temperature=5), chat_line("c")))
    assert batch["status"] == "validating" and batch["expires_at"] == batch["created_at"] + 86_400
    first = server.retrieve(batch["id"])
    assert first["status"] == "in_progress" and first["model"] == "m"
    assert (
        first["request_counts"] == {"total": 3, "completed": 0, "failed": 0} and server.sent == []
    )
    done = server.retrieve(batch["id"])
    assert done["status"] == "completed"
    assert done["request_counts"] == {"total": 3, "completed": 2, "failed": 1}
    assert done["finalizing_at"] == done["completed_at"] == int(server.now)
    assert done["usage"]["input_tokens"] == 10 and done["usage"]["total_tokens"] == 14
    assert server.retrieve(batch["id"]) == done  # finished: no more steps
    # Each line went out as the client's own request would have.
    sent = server.sent[0]
    assert (sent.method, sent.path, sent.headers["authorization"]) == (
        "POST",
        CHAT,
        "Bearer sk-user",
    )
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.body) == chat_line("a")["body"] == sent.json
    output, errors = server.content(done["output_file_id"]), server.content(done["error_file_id"])
    assert [x["custom_id"] for x in output] == ["a", "c"]
    assert output[0]["response"]["request_id"] == "req_1" and output[0]["error"] is None
    assert errors[0]["custom_id"] == "b" and errors[0]["response"]["status_code"] == 400
    assert errors[0]["id"] == runner.line_id(batch["id"], 2)


def test_unfinished_answers_carry_the_poll_header_and_finished_ones_do_not(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a")))
    ctx = server.context("GET", f"/v1/batches/{batch['id']}")
    assert routes.retrieve(ctx).headers == {"openai-poll-after-ms": str(Settings().poll_after_ms)}
    assert routes.retrieve(ctx).headers == {}


def test_a_batch_whose_every_line_failed_is_completed_without_an_output_file(
    server: Server,
) -> None:
    batch = server.create(jsonl(chat_line("a", temperature=3), chat_line("b", temperature=4)))
    server.retrieve(batch["id"])
    done = server.retrieve(batch["id"])
    assert done["status"] == "completed" and done["output_file_id"] is None
    assert done["request_counts"] == {"total": 2, "completed": 0, "failed": 2}
    assert len(server.content(done["error_file_id"])) == 2


def test_a_bad_file_fails_the_batch_at_its_line(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a"), chat_line("a")))
    failed = server.retrieve(batch["id"])
    assert failed["status"] == "failed" and failed["failed_at"] == int(server.now)
    assert failed["errors"]["object"] == "list"
    assert [(e["code"], e["line"]) for e in failed["errors"]["data"]] == [
        ("duplicate_custom_id", 2)
    ]


def test_an_input_file_deleted_before_validation_fails_the_batch(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a")))
    stored.remove(server.context("GET", "/v1/files"), batch["input_file_id"])
    failed = server.retrieve(batch["id"])
    assert failed["status"] == "failed"
    assert failed["errors"]["data"][0]["param"] == "input_file_id"


def test_usage_sums_every_answer_shape() -> None:
    tally = runner.Tally()
    tally.add_usage({"usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7,
                               "prompt_tokens_details": {"cached_tokens": 1},
                               "completion_tokens_details": {"reasoning_tokens": 2}}})  # fmt: skip
    tally.add_usage({"usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
                               "input_tokens_details": {"cached_tokens": 4},
                               "output_tokens_details": {"reasoning_tokens": 3}}})  # fmt: skip
    tally.add_usage({"usage": {"prompt_tokens": 6, "total_tokens": 6}})  # embeddings
    tally.add_usage({"data": []})  # no usage: nothing
    assert tally.usage == {
        "input_tokens": 19,
        "input_tokens_details": {"cached_tokens": 5},
        "output_tokens": 9,
        "output_tokens_details": {"reasoning_tokens": 5},
        "total_tokens": 28,
    }


def test_the_lines_usage_reaches_the_ledger_once_a_chunk_summed(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CHUNK", 2)
    answer = server.dispatch
    rows_seen = []

    def billed(request: Request) -> Response:  # the replay flow records each answer
        response = answer(request)
        ledger.record(server.state, server.now, request, response, None)
        rows_seen.append(len(server.state.values(ledger.KIND)))
        return response

    server.dispatch = billed  # type: ignore[method-assign]
    batch = server.create(jsonl(*(chat_line(str(n)) for n in range(5))))
    server.retrieve(batch["id"])
    assert server.retrieve(batch["id"])["status"] == "completed"
    assert rows_seen == [0, 0, 1, 1, 1]  # written before each chunk of 2, not each line
    (row,) = server.state.values(ledger.KIND)
    assert row["dims"]["batch"] is True
    assert (row["counts"]["num_model_requests"], row["counts"]["input_tokens"]) == (5, 25)


def test_a_cancel_during_the_run_stops_it_with_the_lines_done_so_far(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CHUNK", 1)
    batch = server.create(jsonl(*(chat_line(str(n)) for n in range(5))))
    server.retrieve(batch["id"])

    def cancel_after_two(sent: int) -> None:
        if sent == 2:
            routes.cancel(server.context("POST", f"/v1/batches/{batch['id']}/cancel"))

    server.before_each.append(cancel_after_two)
    cancelled = server.retrieve(batch["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] is not None
    assert cancelled["cancelling_at"] is not None and cancelled["completed_at"] is None
    # The third line was under way when the cancel came; none after it ran.
    assert cancelled["request_counts"] == {"total": 5, "completed": 3, "failed": 0}
    assert [x["custom_id"] for x in server.content(cancelled["output_file_id"])] == ["0", "1", "2"]


def test_the_window_running_out_during_the_run_expires_the_rest(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CHUNK", 1)
    batch = server.create(jsonl(*(chat_line(str(n)) for n in range(4))))
    server.retrieve(batch["id"])

    def late(sent: int) -> None:
        if sent == 1:
            server.now += 86_400

    server.before_each.append(late)
    expired = server.retrieve(batch["id"])
    assert expired["status"] == "expired" and expired["expired_at"] == int(server.now)
    assert expired["request_counts"] == {"total": 4, "completed": 2, "failed": 2}
    rest = server.content(expired["error_file_id"])
    assert [x["custom_id"] for x in rest] == ["2", "3"]
    assert rest[0]["response"] is None and rest[0]["error"]["code"] == "batch_expired"


def test_a_reset_during_the_run_writes_nothing(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CHUNK", 1)
    batch = server.create(jsonl(*(chat_line(str(n)) for n in range(3))))
    server.retrieve(batch["id"])
    server.before_each.append(lambda sent: server.state.clear() if sent == 1 else None)
    with pytest.raises(APIError):  # the batch is gone: the API's 404
        server.retrieve(batch["id"])
    assert server.state.values(stored.KIND) == [] and server.state.values(routes.KIND) == []


def test_a_big_batch_runs_in_the_background_under_its_lease(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "INLINE_LINES", 2)
    gate = threading.Event()
    server.before_each.append(lambda sent: gate.wait(5))
    batch = server.create(jsonl(*(chat_line(str(n)) for n in range(3))))
    server.retrieve(batch["id"])
    # The run starts in a thread: this retrieve and the next answer in_progress.
    assert server.retrieve(batch["id"])["status"] == "in_progress"
    assert jobs.running(batch["id"])
    assert server.retrieve(batch["id"])["status"] == "in_progress"
    gate.set()
    done = server.drive(batch["id"], "advance")  # waits for the run
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 3
    assert not jobs.running(batch["id"])
    assert "busy" not in (server.state.get(lifecycle.KIND, batch["id"]) or {})  # lease ended


def test_a_big_file_is_checked_in_the_background(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "INLINE_BYTES", 10)
    gate = threading.Event()
    check = batch_input.check

    def gated(data: bytes, endpoint: str) -> Any:
        gate.wait(5)
        return check(data, endpoint)

    monkeypatch.setattr(batch_input, "check", gated)
    batch = server.create(jsonl(chat_line("a"), chat_line("b")))
    assert server.retrieve(batch["id"])["status"] == "validating"
    assert jobs.running(batch["id"])
    gate.set()
    assert server.drive(batch["id"], "advance")["status"] == "completed"  # waited, then ran


def test_a_hold_pauses_a_run_in_the_background_until_released(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "INLINE_LINES", 1)
    monkeypatch.setattr(runner, "CHUNK", 1)
    batch = server.create(jsonl(*(chat_line(str(n)) for n in range(3))))
    server.retrieve(batch["id"])
    server.before_each.append(lambda sent: server.drive(batch["id"], "hold") if sent == 0 else None)
    server.retrieve(batch["id"])  # the run starts, and is held after its first line
    deadline = time.monotonic() + 5
    while (server.state.get(routes.KIND, batch["id"]) or {})["request_counts"]["completed"] < 1:
        assert time.monotonic() < deadline, "the run never stored its progress"
        time.sleep(0.01)
    time.sleep(runner.HELD_PAUSE * 4)  # several looks at the held batch
    assert len(server.sent) == 1 and jobs.running(batch["id"])
    assert server.retrieve(batch["id"])["status"] == "in_progress"
    done = server.drive(batch["id"], "complete")  # releases it, waits for the run
    assert done["status"] == "completed" and len(server.sent) == 3


def test_a_stale_lease_is_taken_over(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a")))
    stale = {"token": "dead", "at": time.time() - jobs.STALE_AFTER - 1}
    server.state.update(lifecycle.KIND, batch["id"], lambda raw: {**raw, "busy": stale})
    assert server.retrieve(batch["id"])["status"] == "in_progress"
    live = {"token": "alive", "at": time.time()}
    server.state.update(lifecycle.KIND, batch["id"], lambda raw: {**raw, "busy": live})
    assert server.retrieve(batch["id"])["status"] == "in_progress"  # someone else's step


def test_planned_outcomes_from_the_create_header(server: Server) -> None:
    code = "token_limit_exceeded"
    failing = server.create(jsonl(chat_line("a")), header=f"fail; code={code}; message=Too many")
    failed = server.retrieve(failing["id"])
    assert failed["status"] == "failed"
    assert failed["errors"]["data"] == [
        {"code": code, "message": "Too many", "param": None, "line": None}
    ]

    expiring = server.create(jsonl(chat_line("a"), chat_line("b")), header="expire")
    assert server.retrieve(expiring["id"])["status"] == "in_progress"
    expired = server.retrieve(expiring["id"])
    assert expired["status"] == "expired" and server.sent == []
    assert expired["request_counts"] == {"total": 2, "completed": 0, "failed": 2}
    assert [x["error"]["code"] for x in server.content(expired["error_file_id"])] == [
        "batch_expired"
    ] * 2

    stuck = server.create(jsonl(chat_line("a")), header="stuck")
    assert server.retrieve(stuck["id"])["status"] == "validating"
    assert server.retrieve(stuck["id"])["status"] == "validating"

    with pytest.raises(APIError) as refused:
        server.create(jsonl(chat_line("a")), header="explode")
    assert refused.value.status == 400 and refused.value.param == "x-mockapi-job"


def test_a_test_holds_releases_completes_fails_and_expires_jobs(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a"), chat_line("b")))
    server.drive(batch["id"], "hold")
    assert server.retrieve(batch["id"])["status"] == "validating"
    with pytest.raises(MockapiError, match="is held: release"):
        server.drive(batch["id"], "advance")
    server.drive(batch["id"], "release")
    assert server.drive(batch["id"], "advance")["status"] == "in_progress"
    server.drive(batch["id"], "hold")
    done = server.drive(batch["id"], "complete")  # releases and runs it
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 2
    assert server.sent[0].headers["authorization"] == "Bearer sk-user"

    other = server.create(jsonl(chat_line("a")))
    failed = server.drive(other["id"], "fail", code="server_error", message="Boom")
    assert failed["status"] == "failed" and failed["errors"]["data"][0]["message"] == "Boom"
    assert server.drive(other["id"], "complete") == failed  # finished stays finished

    third = server.create(jsonl(chat_line("x"), chat_line("y")))
    expired = server.drive(third["id"], "expire")
    assert expired["status"] == "expired"
    assert [x["custom_id"] for x in server.content(expired["error_file_id"])] == ["x", "y"]

    bad = server.create(b"not json\n")
    assert server.drive(bad["id"], "complete")["status"] == "failed"
    with pytest.raises(MockapiError, match="unknown job action 'explode'"):
        server.drive(bad["id"], "explode")


def test_output_files_honour_output_expires_after(server: Server) -> None:
    batch = server.create(
        jsonl(chat_line("a")), output_expires_after={"anchor": "created_at", "seconds": 7200}
    )
    server.retrieve(batch["id"])
    done = server.retrieve(batch["id"])
    made = stored.find(server.context("GET", "/v1/files"), done["output_file_id"])
    assert made["purpose"] == "batch_output" and made["filename"] == f"{batch['id']}_output.jsonl"
    assert made["expires_at"] == made["created_at"] + 7200


# -- a run that cannot end as it should: a result over the store's limits, a bug -------


def limited(max_file_bytes: int, max_total_bytes: int) -> Server:
    """A :class:`Server` whose store keeps blobs within these limits."""
    made = Server()
    made.state = ObjectStore(blob_limits=BlobLimits(max_file_bytes, max_total_bytes))
    made.clock = Clock(made.state, wall=lambda: made.now)
    return made


MIXED = jsonl(*(chat_line(f"n{n}", temperature=5 if n % 3 == 0 else 1) for n in range(12)))
"""Lines whose answers fill both files: 8 to the output file, 4 to the error file."""


def result_sizes(data: bytes) -> tuple[int, int]:
    """The sizes of the output and error files of ``data`` run without limits."""
    free = Server()
    batch = free.create(data)
    free.retrieve(batch["id"])
    done = free.retrieve(batch["id"])
    files = free.context("GET", "/v1/files")
    output = stored.content(files, done["output_file_id"])
    errors = stored.content(files, done["error_file_id"])
    return len(output), len(errors)


def assert_left_clean(server: Server, batch_id: str, room: int, most: int) -> None:
    """Only the input file is stored (no object, and no bytes of a half-written result:
    the ``room`` the total cap leaves beside the input takes blobs of at most ``most``
    bytes), and the lease is given up."""
    assert [f["filename"] for f in server.state.values(stored.KIND)] == ["in.jsonl"]
    for start in range(0, room, most):
        server.state.put_blob(f"probe{start}", b"x" * min(most, room - start))
    assert "busy" not in (server.state.get(lifecycle.KIND, batch_id) or {})
    assert not jobs.running(batch_id)


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "background"])
def test_an_output_file_over_the_file_limit_fails_the_batch_once(
    monkeypatch: pytest.MonkeyPatch, inline: bool
) -> None:
    output_bytes, _ = result_sizes(MIXED)
    total = 10 * output_bytes
    server = limited(output_bytes - 1, total)
    if not inline:
        monkeypatch.setattr(routes, "INLINE_LINES", 1)
    batch = server.create(MIXED)
    server.retrieve(batch["id"])
    ended = server.retrieve(batch["id"])  # the run (in a thread: it answers in_progress)
    ended = ended if inline else server.drive(batch["id"], "advance")  # waits for it
    assert ended["status"] == "failed" and ended["failed_at"] == int(server.now)
    assert ended["output_file_id"] is None and ended["error_file_id"] is None
    (error,) = ended["errors"]["data"]
    assert error["code"] == jobs.OUTPUT_TOO_LARGE and error["line"] is None
    message = error["message"]
    assert f"output file ({batch['id']}_output.jsonl)" in message
    assert f"{output_bytes:,} bytes" in message and f"{output_bytes - 1:,} bytes" in message
    assert "--max-file-size" in message
    assert len(server.sent) == 12
    assert server.retrieve(batch["id"]) == ended and len(server.sent) == 12  # not run again
    assert_left_clean(server, batch["id"], total - len(MIXED), output_bytes - 1)


def test_the_error_file_past_the_total_cap_removes_the_output_file_stored_before_it() -> None:
    output_bytes, error_bytes = result_sizes(MIXED)
    total = len(MIXED) + output_bytes + error_bytes - 1
    server = limited(10 * total, total)
    batch = server.create(MIXED)
    server.retrieve(batch["id"])
    ended = server.retrieve(batch["id"])
    assert ended["status"] == "failed" and ended["output_file_id"] is None
    (error,) = ended["errors"]["data"]
    assert error["code"] == jobs.OUTPUT_TOO_LARGE
    assert f"error file ({batch['id']}_error.jsonl)" in error["message"]
    assert f"total cap of {total:,} bytes" in error["message"]
    assert "--max-state-size" in error["message"]
    assert_left_clean(server, batch["id"], total - len(MIXED), total)


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "background"])
def test_a_bug_in_a_step_fails_the_batch_once_and_logs_it(
    server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, inline: bool
) -> None:
    if not inline:
        monkeypatch.setattr(routes, "INLINE_LINES", 1)

    calls: list[int] = []

    def broken(sent: int) -> None:
        calls.append(sent)
        raise KeyError("choices")

    server.before_each.append(broken)
    batch = server.create(jsonl(chat_line("a"), chat_line("b")))
    server.retrieve(batch["id"])
    with caplog.at_level("ERROR", logger="mockapi.endpoints.jobs"):
        ended = server.retrieve(batch["id"])
        ended = ended if inline else server.drive(batch["id"], "advance")
    assert ended["status"] == "failed"
    (error,) = ended["errors"]["data"]
    assert error["code"] == "server_error" and "KeyError: 'choices'" in error["message"]
    assert server.retrieve(batch["id"]) == ended and calls == [0]  # failed once: not again
    (logged,) = [r.exc_info for r in caplog.records if batch["id"] in r.getMessage()]
    assert logged is not None and logged[0] is KeyError  # the traceback, logged once
    assert "busy" not in (server.state.get(lifecycle.KIND, batch["id"]) or {})
    assert server.state.values(stored.KIND)[1:] == []  # the input file only


def test_a_batch_that_finishes_while_cancelling_ends_cancelled(server: Server) -> None:
    batch = server.create(jsonl(chat_line("a"), chat_line("b")))
    server.retrieve(batch["id"])

    def cancel_during_the_last_line(sent: int) -> None:
        if sent == 1:  # the run checks for a cancel every CHUNK lines: not before it ends
            routes.cancel(server.context("POST", f"/v1/batches/{batch['id']}/cancel"))

    server.before_each.append(cancel_during_the_last_line)
    answers: list[dict[str, Any]] = []
    # A deadlock here (the clock read inside the store's update) would hang the retrieve.
    worker = threading.Thread(target=lambda: answers.append(server.retrieve(batch["id"])))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the retrieve never returned: the store's lock deadlocked"
    [done] = answers
    assert done["status"] == "cancelled" and done["cancelled_at"] == int(server.now)
    assert done["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
