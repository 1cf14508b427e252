"""Signed webhooks on a real server, received by a real receiver (Starlette on a real
port) and verified with the official SDK's ``client.webhooks.unwrap``: a batch polled to
completion sends ``batch.completed``, fine-tuning jobs ``fine_tuning.job.succeeded``,
``.failed`` and ``.cancelled``, each other end of a batch and of a background response its own
event; another secret is refused; a receiver answering 500 gets the retries, one that
is down or never answers 2xx is given up on after the last attempt, and one that hangs
never holds up the API's answers; every attempt is in the journal, the admin API and
the inspector, and the secret in none of them; the admin API sets the endpoints; the
CLI's flags refuse bad secrets; the README's example prints what it shows."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import select
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai.types.webhooks import (
    BatchCancelledWebhookEvent,
    BatchCompletedWebhookEvent,
    BatchExpiredWebhookEvent,
    BatchFailedWebhookEvent,
    FineTuningJobCancelledWebhookEvent,
    FineTuningJobFailedWebhookEvent,
    FineTuningJobSucceededWebhookEvent,
    ResponseCancelledWebhookEvent,
    ResponseCompletedWebhookEvent,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockapi.build import Built, build
from mockapi.cli.commands import main
from mockapi.cli.parser import build_parser
from mockapi.config import OnMiss
from mockapi.endpoints.batches import routes as batches
from mockapi.replay.journal import JournalEntry, Outcome
from mockapi.web.server import ServerThread
from tests.helpers import REPO, free_port, mockapi_process, settings, strict_client
from tests.integration.state_servers import serving

SECRET = "whsec_" + base64.b64encode(b"the receiver's own 32-byte key!!").decode()
OTHER = "whsec_" + base64.b64encode(b"somebody else's key, 32 bytes.!!").decode()
DELAYS = (0.02, 0.05, 0.1)
"""The retry schedule of these tests' server: 4 attempts, quickly."""
CHAT = "/v1/chat/completions"


class Receiver:
    """A webhook receiver on a real port: keeps each delivery (body and headers) and
    answers the statuses it was told (then 200); ``hold`` keeps a delivery waiting
    until released. ``order`` is what happened, in order (the test adds to it too)."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.order: list[str] = []
        self.answers: list[int] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        self._changed = threading.Condition()
        self.server = ServerThread(Starlette(routes=[Route("/hook", self.hook, methods=["POST"])]))

    @property
    def url(self) -> str:
        return self.server.url + "/hook"

    def reset(self, *answers: int, hold: threading.Event | None = None) -> None:
        with self._changed:
            self.deliveries.clear()
            self.order.clear()
            self.answers = list(answers)
            self.hold = hold
            self.arrived.clear()

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        with self._changed:
            self.deliveries.append((body, dict(request.headers)))
            self.order.append("hook arrived")
            status = self.answers.pop(0) if self.answers else 200
            hold = self.hold
        self.arrived.set()
        if hold is not None:  # a hung receiver (bounded: the sender times out at 5 s)
            await asyncio.get_running_loop().run_in_executor(None, hold.wait, 3)
        with self._changed:
            self.order.append("hook answered")
            self._changed.notify_all()
        return Response(status_code=status)

    def wait_for(self, count: int) -> list[tuple[bytes, dict[str, str]]]:
        with self._changed:
            done = self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout=10)
            assert done, f"{len(self.deliveries)} of {count} deliveries arrived"
            return list(self.deliveries)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    with made.server:
        yield made


@pytest.fixture(scope="module")
def served(receiver: Receiver) -> Iterator[tuple[ServerThread, Built]]:
    built = build(
        settings(
            on_miss=OnMiss.SYNTHESIZE,
            webhooks=((receiver.url, SECRET),),
            webhook_retry_delays=DELAYS,
        )
    )
    try:
        with ServerThread(built.app) as server:
            yield server, built
    finally:
        built.close()


@pytest.fixture
def built(served: tuple[ServerThread, Built], receiver: Receiver) -> Built:
    made = served[1]
    made.control.reset()
    made.control.set_webhooks([(receiver.url, SECRET)])
    receiver.reset()
    return made


@pytest.fixture
def sdk(served: tuple[ServerThread, Built]) -> Iterator[openai.OpenAI]:
    with strict_client(served[0].url + "/v1") as client:
        yield client


def deliveries(built: Built) -> list[JournalEntry]:
    """The journal's delivery attempts, once none is pending."""
    assert built.webhooks.wait(10), "deliveries still pending"
    return [e for e in built.control.entries() if e.outcome is Outcome.WEBHOOK]


def batch_file(sdk: openai.OpenAI) -> str:
    line = {
        "custom_id": "q1",
        "method": "POST",
        "url": CHAT,
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
    }
    data = io.BytesIO(json.dumps(line).encode() + b"\n")
    return sdk.files.create(file=("requests.jsonl", data), purpose="batch").id


def new_batch(sdk: openai.OpenAI, **options: Any) -> str:
    made = sdk.batches.create(
        input_file_id=batch_file(sdk), endpoint=CHAT, completion_window="24h", **options
    )
    return made.id


def polled(sdk: openai.OpenAI, batch_id: str) -> Any:
    for _ in range(5):
        batch = sdk.batches.retrieve(batch_id)
        if batch.status in ("completed", "failed", "cancelled", "expired"):
            return batch
    raise AssertionError(f"{batch_id} still {batch.status}")


def unwrapped(sdk: openai.OpenAI, found: list[tuple[bytes, dict[str, str]]]) -> dict[str, Any]:
    """Each delivery verified with the secret and parsed by the SDK, by object id."""
    return {
        event.data.id: event
        for event in (sdk.webhooks.unwrap(b, h, secret=SECRET) for b, h in found)
    }


def test_a_polled_batch_sends_batch_completed_that_the_sdk_verifies(
    sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    batch = polled(sdk, new_batch(sdk))
    assert batch.status == "completed"
    [(body, headers)] = receiver.wait_for(1)
    event = sdk.webhooks.unwrap(body, headers, secret=SECRET)
    assert isinstance(event, BatchCompletedWebhookEvent)
    assert (event.type, event.object, event.data.id) == ("batch.completed", "event", batch.id)
    assert event.id.startswith("evt_") and event.created_at == batch.completed_at
    assert headers["webhook-id"].startswith("wh_") and headers["user-agent"].startswith("OpenAI/")
    assert json.loads(body) == {
        "object": "event",
        "id": event.id,
        "type": "batch.completed",
        "created_at": batch.completed_at,
        "data": {"id": batch.id},
    }
    with pytest.raises(openai.InvalidWebhookSignatureError):
        sdk.webhooks.unwrap(body, headers, secret=OTHER)
    [entry] = deliveries(built)
    assert (entry.method, entry.path, entry.status, entry.body) == (
        "POST",
        receiver.url,
        200,
        json.loads(body),
    )
    assert (
        entry.report == f"webhook batch.completed {event.id}: delivered, HTTP 200 (attempt 1 of 4)"
    )
    sdk.batches.retrieve(batch.id)
    assert len(deliveries(built)) == 1  # a finished batch is announced once


def chat_example(n: int) -> dict[str, Any]:
    user = {"role": "user", "content": f"What is {n} plus {n}?"}
    return {"messages": [user, {"role": "assistant", "content": str(2 * n)}]}


def training_file(sdk: openai.OpenAI, examples: int) -> str:
    data = b"".join(json.dumps(chat_example(n)).encode() + b"\n" for n in range(examples))
    return sdk.files.create(file=("train.jsonl", io.BytesIO(data)), purpose="fine-tune").id


def finished_job(sdk: openai.OpenAI, training: str) -> Any:
    job = sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training)
    while job.status not in ("succeeded", "failed"):
        job = sdk.fine_tuning.jobs.retrieve(job.id)
    return job


def test_fine_tuning_jobs_send_succeeded_failed_and_cancelled(
    sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    training = training_file(sdk, 10)
    job = finished_job(sdk, training)
    refused = finished_job(sdk, training_file(sdk, 5))  # too few examples: failed
    assert (job.status, refused.status) == ("succeeded", "failed")
    stopped = sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training)
    assert sdk.fine_tuning.jobs.cancel(stopped.id).status == "cancelled"
    events = unwrapped(sdk, receiver.wait_for(3))
    assert isinstance(events[job.id], FineTuningJobSucceededWebhookEvent)
    assert events[job.id].created_at == job.finished_at
    assert isinstance(events[refused.id], FineTuningJobFailedWebhookEvent)
    assert isinstance(events[stopped.id], FineTuningJobCancelledWebhookEvent)
    assert [e.status for e in deliveries(built)] == [200, 200, 200]


def test_each_other_end_of_a_batch_or_a_background_response_sends_its_event(
    sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    failed = new_batch(sdk, extra_headers={"x-mockapi-job": "fail"})
    polled(sdk, failed)
    cancelled = new_batch(sdk)
    assert sdk.batches.cancel(cancelled).status == "cancelling"
    polled(sdk, cancelled)
    expired = new_batch(sdk)
    built.control.clock_advance(batches.WINDOW_SECONDS)
    done = sdk.responses.create(model="gpt-4o-mini", input="Hi", background=True)
    assert sdk.responses.retrieve(done.id).status == "completed"
    stopped = sdk.responses.create(model="gpt-4o-mini", input="Hi", background=True)
    assert sdk.responses.cancel(stopped.id).status == "cancelled"
    events = unwrapped(sdk, receiver.wait_for(5))
    kinds = {
        failed: BatchFailedWebhookEvent,
        cancelled: BatchCancelledWebhookEvent,
        expired: BatchExpiredWebhookEvent,
        done.id: ResponseCompletedWebhookEvent,
        stopped.id: ResponseCancelledWebhookEvent,
    }
    assert {key: type(event) for key, event in events.items()} == kinds
    assert len(deliveries(built)) == 5


def test_a_receiver_answering_500_gets_the_retries_until_it_answers_200(
    sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    receiver.reset(500, 500)
    polled(sdk, new_batch(sdk))
    found = receiver.wait_for(3)
    assert len({headers["webhook-id"] for _body, headers in found}) == 1  # one message
    assert len({body for body, _headers in found}) == 1
    for body, headers in found:
        sdk.webhooks.unwrap(body, headers, secret=SECRET)  # each attempt signed
    attempts = deliveries(built)
    assert [(e.status, e.report.split(": ", 1)[1]) for e in attempts if e.report] == [
        (500, "HTTP 500 (attempt 1 of 4); retrying in 0.02 s"),
        (500, "HTTP 500 (attempt 2 of 4); retrying in 0.05 s"),
        (200, "delivered, HTTP 200 (attempt 3 of 4)"),
    ]
    assert len(receiver.deliveries) == 3


def test_a_receiver_never_answering_2xx_or_down_is_given_up_after_the_last_attempt(
    sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    receiver.reset(*[503] * 10)
    down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    built.control.set_webhooks([(receiver.url, SECRET), (down, SECRET)])
    batch = polled(sdk, new_batch(sdk))
    assert batch.status == "completed"  # the API answered all along
    attempts = deliveries(built)
    assert len(receiver.deliveries) == 4
    refused = [e for e in attempts if e.path == down]
    assert [e.status for e in refused] == [0, 0, 0, 0]
    assert refused[0].report is not None and "not reached (ConnectError" in refused[0].report
    for url in (receiver.url, down):
        last = [e for e in attempts if e.path == url][-1]
        assert last.report is not None and last.report.endswith("(attempt 4 of 4); giving up")


def test_a_hanging_receiver_never_holds_up_the_apis_answers(
    sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    release = threading.Event()
    receiver.reset(hold=release)
    batch_id = new_batch(sdk)
    assert polled(sdk, batch_id).status == "completed"
    receiver.order.append("api answered the completing retrieve")
    assert receiver.arrived.wait(10)  # the delivery is in, and held
    assert sdk.batches.retrieve(batch_id).status == "completed"
    assert sdk.batches.list().data[0].id == batch_id
    receiver.order.append("api answered while the receiver hangs")
    release.set()
    receiver.order.append("receiver released")
    assert [e.status for e in deliveries(built)] == [200]
    order = receiver.order
    assert order.index("api answered the completing retrieve") < order.index("hook answered")
    assert (
        order.index("hook arrived")
        < order.index("api answered while the receiver hangs")
        < order.index("receiver released")
        < order.index("hook answered")
    )


def test_the_admin_api_sets_the_endpoints_and_no_answer_shows_a_secret(
    served: tuple[ServerThread, Built], sdk: openai.OpenAI, built: Built, receiver: Receiver
) -> None:
    admin = httpx.Client(base_url=served[0].url + "/__mockapi", timeout=10)
    bad = "whsec_" + "not base64!"
    refused = admin.put("/webhooks", json={"webhooks": [{"url": receiver.url, "secret": bad}]})
    assert refused.status_code == 400 and receiver.url in refused.json()["error"]["message"]
    assert bad not in refused.text and "not base64" in refused.text
    assert admin.get("/webhooks").json() == {"webhooks": [{"url": receiver.url}]}  # unchanged

    put = admin.put("/webhooks", json={"webhooks": [{"url": receiver.url, "secret": OTHER}]})
    assert put.status_code == 200 and put.json() == {"webhooks": [{"url": receiver.url}]}
    done = sdk.responses.create(model="gpt-4o-mini", input="Hi", background=True)
    sdk.responses.retrieve(done.id)
    [(body, headers)] = receiver.wait_for(1)
    assert sdk.webhooks.unwrap(body, headers, secret=OTHER).data.id == done.id
    with pytest.raises(openai.InvalidWebhookSignatureError):
        sdk.webhooks.unwrap(body, headers, secret=SECRET)
    assert len(deliveries(built)) == 1

    shown = [
        admin.get("/journal").text,
        admin.get("/").text,  # the inspector
        admin.get("/webhooks").text,
        json.dumps([e.to_json() for e in built.control.entries()]),
        repr(built.replayer.settings),
        repr(built.replayer.webhooks.targets),
    ]
    for secret in (SECRET, OTHER):
        key = secret.removeprefix("whsec_")
        assert not [text for text in shown if secret in text or key in text]
    journal = admin.get("/journal").json()["data"]
    assert [e["outcome"] for e in journal].count("webhook") == 1
    assert "webhook response.completed" in shown[1] and "outcome-webhook" in shown[1]
    assert admin.put("/webhooks", json={"webhooks": []}).json() == {"webhooks": []}
    admin.close()


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--webhook-url", "http://127.0.0.1:9/hook"], "come in pairs: got 1 URL(s) and 0"),
        (["--webhook-url", "http://h/a", "--webhook-secret", "sk-abc123"], "starts with 'whsec_'"),
        (["--webhook-url", "http://h/a", "--webhook-secret", "whsec_abc"], "not base64"),
        (["--webhook-url", "h:9/hook", "--webhook-secret", SECRET], "http:// or https://"),
    ],
)
def test_the_cli_refuses_unpaired_or_bad_webhooks_without_quoting_a_secret(
    flags: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *flags]) == 1
    error = capsys.readouterr().err
    assert said in error and error.startswith("mockapi: error: --webhook")
    for secret in flags[3:]:
        assert secret not in error and secret.removeprefix("whsec_") not in error


def test_the_cli_takes_retry_delays(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    assert parser.parse_args(["serve"]).webhook_retry_delays == (0.5, 1.0, 2.0, 4.0)
    assert parser.parse_args(["serve", "--webhook-retry-delays", "none"]).webhook_retry_delays == ()
    chosen = parser.parse_args(["serve", "--webhook-retry-delays", "0.1,0.2"])
    assert chosen.webhook_retry_delays == (0.1, 0.2)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--webhook-retry-delays", "0.5,soon"])
    assert "e.g. 0.5,1,2,4" in capsys.readouterr().err


def test_the_readme_example_prints_the_event_shown() -> None:
    text = (REPO / "README.md").read_text()
    code = re.search(r"readme-webhook-example: receiver.py -->\n```python\n(.*?)```", text, re.S)
    console = re.search(r"```console\n\$ python receiver.py &\n(.*?)```", text, re.S)
    assert code is not None and console is not None
    serve, client, shown = console.group(1).strip().splitlines()
    hook_port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-c", code.group(1).replace("9000", str(hook_port))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        serve_args = shlex.split(serve.removeprefix("$ mockapi ").removesuffix(" 2>/dev/null &"))
        serve_args = [arg.replace("9000", str(hook_port)) for arg in serve_args]
        with mockapi_process(*serve_args) as (_server, port):
            _program, flag, script = shlex.split(client.removeprefix("$ "))
            assert flag == "-c"
            subprocess.run(
                [sys.executable, "-c", script.replace("8000", str(port))], check=True, timeout=60
            )
            assert receiver.stdout is not None
            ready, _, _ = select.select([receiver.stdout], [], [], 20)
            assert ready, "the receiver printed nothing"
            assert receiver.stdout.readline().rstrip("\n") == shown
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def test_with_two_workers_each_batch_is_announced_once(receiver: Receiver) -> None:
    receiver.reset()
    flags = ("--webhook-url", receiver.url, "--webhook-secret", SECRET)
    with serving("--workers", "2", "--on-miss", "synthesize", *flags) as server:
        workers = pinned(server.url)
        with strict_client(server.url + "/v1") as sdk:
            made = [new_batch(sdk) for _ in range(3)]
        for batch_id in made * 3:  # both workers retrieve each batch, past its end
            for http in workers:
                http.get(f"/v1/batches/{batch_id}").raise_for_status()
        events = unwrapped(openai.OpenAI(api_key="unused"), receiver.wait_for(3))
        claims = workers[0].get("/__mockapi/objects/webhook_events").json()["data"]
        assert sorted(events) == sorted(made)
        assert sorted(c["event"] for c in claims) == sorted(e.id for e in events.values())
        assert len(receiver.deliveries) == 3
        for http in workers:
            http.close()


def pinned(url: str) -> list[httpx.Client]:
    """Two clients, each kept on its own connection to another worker."""
    found: dict[int, httpx.Client] = {}
    for _ in range(300):
        http = httpx.Client(base_url=url, headers={"authorization": "Bearer sk-test"}, timeout=10)
        pid = int(http.get("/__mockapi/health").json()["pid"])
        if pid in found:
            http.close()
        else:
            found[pid] = http
        if len(found) == 2:
            return list(found.values())
    raise AssertionError("the kernel handed every connection to one worker")
