"""``mockapi serve --workers 2``: what one worker creates, every worker finds.

The workers share a SQLite state database (a temporary one here, no ``--state``): an
object created through one worker is retrieved through fresh connections, which the
kernel hands to either worker; a reset through one worker clears it for both; the
temporary database goes when the server stops.
"""

from __future__ import annotations

import json
import random
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.helpers import response_problems, strict_client
from tests.integration.state_servers import HELLO, KEY, Served, fresh_connections, start

pytestmark = pytest.mark.integration


MAX_FILE = 1024 * 1024
MAX_STATE = 4 * 1024 * 1024


ARGS = ("--workers", "2", "--on-miss", "error", "--max-file-size", "1MB", "--max-state-size", "4MB")
"""The module's server: two workers, the state in a temporary database, MAX_FILE and
MAX_STATE as the CLI reads them."""


@pytest.fixture(scope="module")
def started() -> Iterator[list[Served]]:
    """The servers this module started (one, unless a test stopped it)."""
    servers: list[Served] = []
    yield servers
    for served in servers:
        served.stop()


@pytest.fixture
def server(started: list[Served]) -> Served:
    """The module's server (a new one if a test stopped it: the last test does)."""
    if not started or started[-1].process.poll() is not None:
        started.append(start(*ARGS))
    return started[-1]


@pytest.fixture
def sdk(server: Served) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1", api_key=KEY) as client:
        yield client


def _sdk_on(server: Served, http: httpx.Client) -> openai.OpenAI:
    """The SDK, strict, on the connection of ``http`` (a worker the test knows)."""
    return strict_client(server.url + "/v1", api_key=KEY, http_client=http)


def chat_line(custom_id: str, content: str, **body: object) -> str:
    """One line of a batch input file: a chat completion request."""
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions"}
    return json.dumps({**line, "body": {**request, **body}}) + "\n"


def _stored(sdk: openai.OpenAI, tag: str) -> dict[str, object]:
    created = sdk.chat.completions.create(
        model="gpt-4o-mini", messages=HELLO, store=True, metadata={"tag": tag}
    )
    return created.model_dump(mode="json")


def test_a_stored_completion_is_found_through_every_worker(
    server: Served, sdk: openai.OpenAI
) -> None:
    created = _stored(sdk, "workers")
    answered_by: set[int] = set()
    for pid, http in fresh_connections(server.url):
        with _sdk_on(server, http) as client:
            raw = client.chat.completions.with_raw_response.retrieve(str(created["id"]))
            raw.parse()
        kept = raw.http_response.json()
        assert response_problems("GET /v1/chat/completions/{completion_id}", kept) == []
        assert (kept["id"], kept["created"], kept["metadata"]) == (
            created["id"],
            created["created"],
            {"tag": "workers"},
        )
        assert kept["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
        answered_by.add(pid)
    assert len(answered_by) == 2, f"only worker(s) {answered_by} answered"


def test_a_reset_through_one_worker_clears_the_store_for_every_worker(
    server: Served, sdk: openai.OpenAI
) -> None:
    ids = [str(_stored(sdk, f"reset-{n}")["id"]) for n in range(3)]
    holding: set[int] = set()
    for pid, http in fresh_connections(server.url, at_least=4):
        listed = http.get("/v1/chat/completions", params={"limit": 100}).json()["data"]
        assert {c["id"] for c in listed} >= set(ids)
        holding.add(pid)
    assert len(holding) == 2  # both workers hold them before the reset
    # One worker gets the reset; both answering 404 after it means the other was
    # cleared by a reset it never received.
    httpx.post(f"{server.url}/__mockapi/reset").raise_for_status()
    answered_by: set[int] = set()
    for pid, http in fresh_connections(server.url, at_least=10):
        gone = http.get(f"/v1/chat/completions/{ids[pid % 3]}")
        assert gone.status_code == 404, gone.text
        assert ids[pid % 3] in gone.json()["error"]["message"]
        assert http.get("/v1/chat/completions").json()["data"] == []
        answered_by.add(pid)
    assert len(answered_by) == 2


def test_a_file_is_retrieved_with_its_bytes_through_every_worker(
    server: Served, sdk: openai.OpenAI
) -> None:
    data = random.Random(16).randbytes(100_000)  # every byte value, no text encoding
    made = sdk.files.create(file=("photo.bin", data), purpose="user_data")
    answered_by: set[int] = set()
    for pid, http in fresh_connections(server.url):
        with _sdk_on(server, http) as client:
            raw = client.files.with_raw_response.retrieve(made.id)
            assert raw.parse().bytes == len(data)
            assert client.files.content(made.id).content == data
        kept = raw.http_response.json()
        assert response_problems("GET /v1/files/{file_id}", kept) == []
        assert kept == made.model_dump(mode="json")
        answered_by.add(pid)
    assert len(answered_by) == 2, f"only worker(s) {answered_by} answered"


def test_the_size_options_bound_uploads_through_every_worker(server: Served) -> None:
    httpx.post(f"{server.url}/__mockapi/reset").raise_for_status()
    piece = b"x" * (MAX_STATE // 4)  # four fit under the total cap, a fifth does not
    connections = fresh_connections(server.url, at_least=6)
    for n in range(4):
        _, http = next(connections)
        with _sdk_on(server, http) as client:
            if n == 0:
                with pytest.raises(openai.BadRequestError, match="--max-file-size"):
                    client.files.create(
                        file=("big.bin", b"x" * (MAX_FILE + 1)), purpose="user_data"
                    )
            client.files.create(file=(f"piece{n}.bin", piece), purpose="user_data")
    _, http = next(connections)  # whichever worker: the cap counts what both stored
    with _sdk_on(server, http) as client:
        with pytest.raises(openai.BadRequestError, match="Storage limit reached") as caught:
            client.files.create(file=("one-more.bin", piece), purpose="user_data")
    assert "--max-state-size" in caught.value.message
    for _ in connections:  # finish the generator's connections (and its worker check)
        pass
    httpx.post(f"{server.url}/__mockapi/reset").raise_for_status()


def test_a_batch_created_through_one_worker_completes_polled_through_the_other(
    server: Served,
) -> None:
    # More lines than a retrieve runs inline: the run goes to a background thread of the
    # worker that took the step, and the other worker's retrieves see it progress.
    lines = [chat_line(f"r{n}", "Hello!") for n in range(1_020)]
    lines[7] = chat_line("too-hot", "Hello!", temperature=5)  # the 400 it gets directly
    connections = fresh_connections(server.url, at_least=1)
    creator, http = next(connections)
    with _sdk_on(server, http) as client:
        made = client.files.create(file=("in.jsonl", "".join(lines).encode()), purpose="batch")
        batch = client.batches.create(
            input_file_id=made.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    statuses = [batch.status]
    for pid, http in fresh_connections(server.url, at_least=400, limit=2_000):
        if pid == creator:
            continue  # only the other worker polls
        with _sdk_on(server, http) as client:
            raw = client.batches.with_raw_response.retrieve(batch.id)
            batch = raw.parse()
            assert response_problems("GET /v1/batches/{batch_id}", raw.http_response.json()) == []
            if batch.status != "completed":
                assert raw.headers["openai-poll-after-ms"] == "10"
            if statuses[-1] != batch.status:
                statuses.append(batch.status)
            if batch.status == "completed":
                output = client.files.content(str(batch.output_file_id)).text.splitlines()
                errors = client.files.content(str(batch.error_file_id)).text.splitlines()
                break
    assert statuses == ["validating", "in_progress", "completed"]
    counts = batch.request_counts
    assert counts is not None
    assert (counts.total, counts.completed, counts.failed) == (1_020, 1_019, 1)
    answered = [json.loads(line) for line in output]
    assert len(answered) == 1_019
    assert {line["response"]["status_code"] for line in answered} == {200}
    assert answered[0]["response"]["body"]["choices"][0]["message"]["content"] == (
        "Hello! How can I help you today?"
    )
    [failed] = [json.loads(line) for line in errors]
    assert (failed["custom_id"], failed["response"]["status_code"]) == ("too-hot", 400)
    assert failed["response"]["body"]["error"]["param"] == "temperature"


def test_the_temporary_database_goes_when_the_server_stops(
    server: Served, sdk: openai.OpenAI
) -> None:
    # Last in the module: it stops the module's server.
    line = server.state_line()
    found = re.fullmatch(r"state: (\S+) \(temporary, shared by the 2 workers; .*\)", line)
    assert found is not None, line
    database = Path(found.group(1))
    _stored(sdk, "temporary")  # the workers have written to it
    assert database.is_file()
    assert server.stop(signal.SIGTERM) == 0
    assert not database.parent.exists()
