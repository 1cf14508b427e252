"""Files and batches through the recording proxy, then offline: a real mockapi server
between the official SDK (strict models) and a fake upstream speaking the Files and
Batch protocol records one flow (two uploads, a batch created and polled until it
completes, three downloads); a fresh server in record mode ``none``, with no upstream,
replays the same client code: the same answers in the same order, the same bytes.

And the other way round: chat completions recorded through the proxy answer the lines
of a batch the replay server runs itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockapi.config import RecordMode
from mockapi.library import store
from mockapi.recording.redaction import RedactionRules, redact_content
from tests.fake_files_upstream import FilesUpstream, Received
from tests.fake_upstream import FakeUpstream
from tests.helpers import response_problems, running_server, strict_client

CLIENT_KEY = "sk-proj-CLIENTKEYRECORDFILES0123456789abcd"
LINE_KEY = "sk-proj-JSONLLINESECRET0123456789abcdefXY"
BEARER = "Bearer eyLINEBEARERTOKEN0123456789abcdef"
CUSTOMER = "alice.customer@example.com"
SECRETS = (CLIENT_KEY, LINE_KEY, BEARER.split()[1], CUSTOMER)
REDACT_PATHS = ("metadata.customer",)
BLOB = bytes(range(256)) * 8 + b"\x00\xff\xfe"  # not UTF-8: stored as it is


def chat_line(custom_id: str, content: str, **body: Any) -> str:
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": content}],
        **body,
    }
    line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions"}
    return json.dumps({**line, "body": request})


BATCH_INPUT = "".join(
    line + "\n"
    for line in (
        chat_line("plain", "Say hi"),
        chat_line("pasted", f"why does {LINE_KEY} fail?"),
        chat_line("tagged", "hello", metadata={"customer": CUSTOMER}),
        chat_line("proxied", "hello", extra_headers={"authorization": BEARER}),
    )
).encode()


class Sent:
    """The bodies and headers the SDK put on the wire (an httpx request hook)."""

    def __init__(self) -> None:
        self.uploads: list[tuple[str, bytes]] = []

    def __call__(self, request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/files"):
            self.uploads.append((request.headers["content-type"], request.read()))


def flow(base_url: str, sent: Sent | None = None) -> dict[str, Any]:
    """The client code under test: the same calls recorded and replayed."""
    hooks = {"request": [sent]} if sent is not None else {}
    http = httpx.Client(event_hooks=hooks)  # type: ignore[arg-type]
    with strict_client(base_url + "/v1", api_key=CLIENT_KEY, http_client=http) as client:
        batch_file = client.files.create(
            file=("requests.jsonl", BATCH_INPUT, "application/octet-stream"), purpose="batch"
        )
        blob = client.files.create(file=("blob.bin", BLOB), purpose="user_data")
        created = client.batches.create(
            input_file_id=batch_file.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
        )
        polled = [client.batches.retrieve(created.id)]
        while polled[-1].status != "completed" and len(polled) < 10:
            polled.append(client.batches.retrieve(created.id))
        assert polled[-1].output_file_id is not None
        output = client.files.content(polled[-1].output_file_id)
        return {
            "uploads": [batch_file.to_dict(), blob.to_dict()],
            "created": created.to_dict(),
            "polled": [b.to_dict() for b in polled],
            "output": output.content,
            "output_type": output.response.headers["content-type"],
            "blob": client.files.content(blob.id).content,
            "input": client.files.content(batch_file.id).content,
        }


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One flow recorded through the proxy: the directory, what the SDK got, what the
    SDK sent and what the upstream received."""
    directory = tmp_path_factory.mktemp("recordings")
    sent = Sent()
    with FilesUpstream() as upstream:
        with running_server(
            fixture_dirs=(directory,),
            record_mode=RecordMode.NEW_EPISODES,
            upstream_url=upstream.url,
            redact_paths=REDACT_PATHS,
        ) as server:
            got = flow(server.url, sent)
        received = list(upstream.requests)
    yield directory, {"got": got, "sent": sent, "received": received}


def replayed(directory: Path) -> dict[str, Any]:
    with running_server(fixture_dirs=(directory,), record_mode=RecordMode.NONE) as server:
        return flow(server.url)


def test_the_flow_passes_through_with_uploads_byte_for_byte(
    recorded: tuple[Path, dict[str, Any]],
) -> None:
    _, seen = recorded
    got, received = seen["got"], seen["received"]
    assert [s["status"] for s in [got["created"], *got["polled"]]] == [
        "validating",
        "validating",
        "in_progress",
        "completed",
    ]
    uploads: list[Received] = [r for r in received if r.method == "POST" and r.path == "/v1/files"]
    assert [(r.headers["content-type"], r.body) for r in uploads] == seen["sent"].uploads
    assert "boundary=" in uploads[0].headers["content-type"]
    assert BATCH_INPUT in uploads[0].body and BLOB in uploads[1].body, "sent unredacted"
    assert got["input"] == BATCH_INPUT and got["blob"] == BLOB
    assert got["output_type"] == "application/octet-stream"
    lines = [json.loads(line) for line in got["output"].decode().splitlines()]
    assert [line["custom_id"] for line in lines] == ["plain", "pasted", "tagged", "proxied"]
    assert len(received) == 9, "each request went upstream once: no poll replayed"


def test_the_recorded_flow_replays_offline_in_order(
    recorded: tuple[Path, dict[str, Any]],
) -> None:
    directory, seen = recorded
    got, again = seen["got"], replayed(directory)
    assert again["uploads"] == got["uploads"]
    assert again["created"] == got["created"]
    assert again["polled"] == got["polled"], "the retrieves answer as recorded, in order"
    assert again["output"] == got["output"], "the output file, byte for byte"
    assert again["blob"] == got["blob"] == BLOB, "a binary download, byte for byte"
    assert again["output_type"] == "application/octet-stream"
    # The input file as downloaded was recorded without its secrets.
    rules = RedactionRules(json_paths=REDACT_PATHS)
    assert again["input"] == redact_content(BATCH_INPUT, rules) != BATCH_INPUT
    for batch in [again["created"], *again["polled"]]:
        assert response_problems("GET /v1/batches/{batch_id}", batch) == []
    for made in again["uploads"]:
        assert response_problems("POST /v1/files", made) == []


def test_polls_are_one_recording_with_a_sequence(
    recorded: tuple[Path, dict[str, Any]],
) -> None:
    directory, _ = recorded
    [path] = directory.glob("batches_batch-*/*.yaml")  # GET /v1/batches/batch_...
    [entry] = store.read_yaml(path)["fixtures"]
    assert [a["body"]["status"] for a in entry["sequence"]] == [
        "validating",
        "in_progress",
        "completed",
    ]
    contents = sorted(directory.glob("files_file-*_content/*.bin"))
    assert len(contents) == 3, "three downloads, each a file beside its fixture"


def test_no_secret_reaches_a_recorded_file(recorded: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = recorded
    written = [p for p in directory.rglob("*") if p.is_file()]
    assert len(written) >= 10
    for path in written:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} reached {path}"
    uploads = [
        entry
        for path in (directory / "files").glob("*.yaml")
        for entry in store.read_yaml(path)["fixtures"]
        if entry["match"]["method"] == "POST"
    ]
    [with_secrets] = [u for u in uploads if u["match"]["body"]["purpose"] == "batch"]
    assert with_secrets["match"]["ignore"] == ["file"]
    redacted = redact_content(BATCH_INPUT, RedactionRules(json_paths=REDACT_PATHS))
    assert f"{len(redacted)} bytes" in with_secrets["match"]["body"]["file"]


def test_a_replayed_upload_of_the_same_file_with_another_secret_still_matches(
    recorded: tuple[Path, dict[str, Any]],
) -> None:
    directory, seen = recorded
    other = BATCH_INPUT.replace(LINE_KEY.encode(), b"sk-proj-SOMEOTHERKEY0123456789abcdefXYZW")
    with running_server(fixture_dirs=(directory,), record_mode=RecordMode.NONE) as server:
        with strict_client(server.url + "/v1", api_key=CLIENT_KEY) as client:
            made = client.files.create(
                file=("requests.jsonl", other, "application/octet-stream"), purpose="batch"
            )
    assert made.to_dict() == seen["got"]["uploads"][0]


def test_a_local_batch_is_answered_from_chat_completions_recorded_through_the_proxy(
    tmp_path: Path,
) -> None:
    questions = {"first": "What is a batch?", "second": "And a recording?"}
    with FakeUpstream(event_delay=0) as upstream:
        with running_server(
            fixture_dirs=(tmp_path,), record_mode=RecordMode.NEW_EPISODES, upstream_url=upstream.url
        ) as server:
            with strict_client(server.url + "/v1", api_key=CLIENT_KEY) as client:
                answers: dict[str, dict[str, Any]] = {
                    custom_id: client.chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
                    ).to_dict()
                    for custom_id, text in questions.items()
                }
    assert answers["first"]["choices"][0]["message"]["content"] == "Echo: What is a batch?"
    lines = [chat_line(custom_id, text) for custom_id, text in questions.items()]
    lines.append(chat_line("unrecorded", "Nobody asked this"))
    data = "".join(line + "\n" for line in lines).encode()
    # Offline: the batch and its file are the replay server's own; its lines are not.
    with running_server(fixture_dirs=(tmp_path,), record_mode=RecordMode.NONE) as server:
        with strict_client(server.url + "/v1", api_key=CLIENT_KEY) as client:
            batch_file = client.files.create(file=("lines.jsonl", data), purpose="batch")
            batch = client.batches.create(
                input_file_id=batch_file.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )
            for _ in range(10):
                batch = client.batches.retrieve(batch.id)
                if batch.status == "completed":
                    break
            assert batch.output_file_id is not None and batch.error_file_id is not None
            output = client.files.content(batch.output_file_id).content.decode()
            errors = client.files.content(batch.error_file_id).content.decode()
    assert batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (2, 1)
    written = {line["custom_id"]: line for line in map(json.loads, output.splitlines())}
    assert {custom_id: written[custom_id]["response"]["body"] for custom_id in questions} == {
        custom_id: answers[custom_id] for custom_id in questions
    }, "each line carries the recorded answer to its request, ids and all"
    [missed] = [json.loads(line) for line in errors.splitlines()]
    assert missed["custom_id"] == "unrecorded"
    assert missed["response"]["status_code"] == 404
    assert missed["response"]["body"]["error"]["type"] == "mockapi_no_match"
