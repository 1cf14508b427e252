"""Vector stores on a real server, driven by the official SDK with strict response
validation: a store created with file_ids; documents (Markdown, PDF, DOCX, HTML, JSON)
uploaded with the SDK's upload_and_poll helpers, finished on their first poll, their
chunks read back equal to the documents' text; lists filtered and paged; attributes
updated; a binary upload failing unsupported_file; deletes that the counts and usage
follow; expiry on the mock's clock; a held file completed from the test; batches
cancelled. Every JSON answer the SDK receives is checked against the derived schemas."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from typing import cast

import httpx
import openai
import pytest

from mockapi.endpoints.files import routes as file_routes
from mockapi.endpoints.vector_stores import chunking
from mockapi.endpoints.vector_stores import routes as vector_store_routes
from mockapi.replay.control import Control
from mockapi.web.server import ServerThread
from tests import documents
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

API_KEY = "sk-test-mockapi"
CHECKED = (*vector_store_routes.ENDPOINTS, *file_routes.ENDPOINTS)
MARKDOWN = "# Tides\n\nThe moon pulls the oceans, and the tides follow it twice a day.\n"
HTML = (
    "<!DOCTYPE html><html><head><title>Kettles</title><style>p {color: red}</style></head>"
    "<body><h1>Descaling</h1><p>Boil vinegar  and water, then rinse.</p>"
    "<script>track()</script></body></html>"
)
PAYLOAD = json.dumps({"product": "lamp", "watts": 40, "notes": "warm white light"})


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server() as started:
        yield started


def control(server: ServerThread) -> Control:
    return cast(Control, server.control)  # type: ignore[attr-defined]


class SchemaCheck:
    """Checks every JSON answer of a vector store or file endpoint against the derived
    schemas, as the SDK receives it (an httpx response hook)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked = 0

    def __call__(self, response: httpx.Response) -> None:
        path, method = response.request.url.path, response.request.method
        endpoint = next((e for e in CHECKED if e.method == method and e.pattern.match(path)), None)
        if endpoint is None or response.status_code != 200:
            return
        response.read()
        if "json" not in response.headers.get("content-type", ""):
            return  # a File's bytes
        self.checked += 1
        self.problems += response_problems(endpoint.key, response.json())


@pytest.fixture
def schemas() -> Iterator[SchemaCheck]:
    check = SchemaCheck()
    yield check
    assert check.checked > 0
    assert check.problems == []


@pytest.fixture
def sdk(server: ServerThread, schemas: SchemaCheck) -> Iterator[openai.OpenAI]:
    """The strict SDK against a freshly reset server, every answer schema-checked."""
    control(server).reset()
    http = httpx.Client(event_hooks={"response": [schemas]})
    with strict_client(server.url + "/v1", api_key=API_KEY, http_client=http) as client:
        yield client


def upload(sdk: openai.OpenAI, name: str, data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return sdk.files.create(file=(name, io.BytesIO(raw)), purpose="assistants").id


def chunks(sdk: openai.OpenAI, store_id: str, file_id: str) -> list[str]:
    page = sdk.vector_stores.files.content(file_id, vector_store_id=store_id)
    assert all(item.type == "text" for item in page.data)
    return [str(item.text) for item in page.data]


def retrieves(server: ServerThread, path: str) -> int:
    return sum(1 for e in control(server).entries() if e.method == "GET" and e.path == path)


def test_a_store_created_with_file_ids_completes_on_its_next_retrieve(
    sdk: openai.OpenAI,
) -> None:
    texts = ["Alpha notes about rivers.", "Beta notes about mountains and snow."]
    file_ids = [upload(sdk, f"note{n}.txt", text) for n, text in enumerate(texts)]
    raw = sdk.vector_stores.with_raw_response.create(
        name="notes", file_ids=file_ids, metadata={"team": "geo"}
    )
    made = raw.parse()
    assert (made.status, made.file_counts.in_progress, made.file_counts.total) == (
        "in_progress",
        2,
        2,
    )
    assert made.usage_bytes == 0 and made.metadata == {"team": "geo"} and made.name == "notes"
    assert int(raw.headers["openai-poll-after-ms"]) >= 0
    store = sdk.vector_stores.retrieve(made.id)
    assert store.status == "completed"
    assert store.file_counts.model_dump() == {
        "in_progress": 0,
        "completed": 2,
        "failed": 0,
        "cancelled": 0,
        "total": 2,
    }
    assert store.usage_bytes == sum(len(text) for text in texts)
    assert [chunks(sdk, made.id, file_id) for file_id in file_ids] == [[text] for text in texts]
    unnamed = sdk.vector_stores.create()
    assert (unnamed.name, unnamed.status, unnamed.file_counts.total) == ("", "completed", 0)


def test_uploaded_documents_are_processed_on_the_first_poll_and_read_back(
    sdk: openai.OpenAI, server: ServerThread
) -> None:
    store = sdk.vector_stores.create(name="manuals")
    pdf = documents.pdf(["Chapter one: the lighthouse keeper.", "He climbs the stairs."])
    md = sdk.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("tides.md", io.BytesIO(MARKDOWN.encode()))
    )
    made = sdk.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("keeper.pdf", io.BytesIO(pdf))
    )
    assert (md.status, made.status) == ("completed", "completed")
    assert md.last_error is None and md.usage_bytes == len(MARKDOWN)
    assert retrieves(server, f"/v1/vector_stores/{store.id}/files/{made.id}") == 1
    assert chunks(sdk, store.id, md.id) == [MARKDOWN]
    assert chunks(sdk, store.id, made.id) == [
        "Chapter one: the lighthouse keeper.\nHe climbs the stairs."
    ]
    batch = sdk.vector_stores.file_batches.upload_and_poll(
        vector_store_id=store.id,
        files=[
            ("guide.docx", io.BytesIO(documents.docx("Step one", "Step\ttwo"))),
            ("kettle.html", io.BytesIO(HTML.encode())),
            ("lamp.json", io.BytesIO(PAYLOAD.encode())),
        ],
    )
    assert batch.status == "completed"
    assert (batch.file_counts.completed, batch.file_counts.total) == (3, 3)
    assert retrieves(server, f"/v1/vector_stores/{store.id}/file_batches/{batch.id}") == 1
    listed = sdk.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    by_name = {sdk.files.retrieve(f.id).filename: f.id for f in listed}
    assert chunks(sdk, store.id, by_name["guide.docx"]) == ["Step one\nStep\ttwo"]
    assert chunks(sdk, store.id, by_name["kettle.html"]) == [
        "Kettles\nDescaling\nBoil vinegar and water, then rinse."
    ]
    assert chunks(sdk, store.id, by_name["lamp.json"]) == [PAYLOAD]
    final = sdk.vector_stores.retrieve(store.id)
    assert (final.status, final.file_counts.completed) == ("completed", 5)


def test_static_chunks_are_the_text_cut_at_the_asked_size(sdk: openai.OpenAI) -> None:
    words = " ".join(f"word{n} ünïcode 日本" for n in range(400))
    file_id = upload(sdk, "long.txt", words)
    store = sdk.vector_stores.create(name="long")
    static = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0}}
    attached = sdk.vector_stores.files.create_and_poll(
        file_id,
        vector_store_id=store.id,
        chunking_strategy=static,  # type: ignore[arg-type]
    )
    assert attached.chunking_strategy is not None
    assert attached.chunking_strategy.model_dump() == static
    cut = chunks(sdk, store.id, file_id)
    assert "".join(cut) == words and len(cut) > 10
    assert all(chunking.count(piece) <= 100 for piece in cut)
    auto = sdk.vector_stores.files.create_and_poll(
        file_id, vector_store_id=sdk.vector_stores.create().id
    )
    assert auto.chunking_strategy is not None and auto.chunking_strategy.model_dump() == {
        "type": "static",
        "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
    }


def test_lists_filter_by_status_and_page(sdk: openai.OpenAI) -> None:
    store = sdk.vector_stores.create(name="mixed")
    done = [upload(sdk, f"d{n}.txt", f"document number {n}") for n in range(3)]
    for file_id in done:
        sdk.vector_stores.files.create_and_poll(file_id, vector_store_id=store.id)
    binary = sdk.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("photo.png", io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"))
    )
    pending = sdk.vector_stores.files.create(store.id, file_id=upload(sdk, "p.txt", "later"))
    assert binary.status == "failed" and binary.usage_bytes == 0
    assert binary.last_error is not None
    assert binary.last_error.model_dump() == {
        "code": "unsupported_file",
        "message": "The file type is not supported.",
    }
    files = sdk.vector_stores.files
    completed = [f.id for f in files.list(store.id, filter="completed")]
    assert completed == list(reversed(done))
    assert [f.id for f in files.list(store.id, filter="failed")] == [binary.id]
    assert [f.id for f in files.list(store.id, filter="in_progress")] == [pending.id]
    page = files.list(store.id, limit=2, order="asc")
    assert [f.id for f in page.data] == done[:2] and page.has_more
    assert [f.id for f in page] == [*done, binary.id, pending.id]  # auto-pagination
    before = files.list(store.id, order="asc", before=binary.id, limit=2)
    assert [f.id for f in before.data] == done[1:]
    counts = sdk.vector_stores.retrieve(store.id).file_counts  # moves the pending file too
    assert (counts.in_progress, counts.completed, counts.failed, counts.total) == (0, 4, 1, 5)
    stores = [sdk.vector_stores.create(name=f"s{n}").id for n in range(3)]
    assert [s.id for s in sdk.vector_stores.list(limit=2)] == [*reversed(stores), store.id]


def test_attributes_are_set_on_attach_and_updated(sdk: openai.OpenAI) -> None:
    store = sdk.vector_stores.create()
    file_id = upload(sdk, "a.txt", "attribute holder")
    made = sdk.vector_stores.files.create(
        store.id, file_id=file_id, attributes={"lang": "en", "year": 2024}
    )
    assert made.attributes == {"lang": "en", "year": 2024}
    changed = sdk.vector_stores.files.update(
        file_id, vector_store_id=store.id, attributes={"lang": "fr", "draft": True}
    )
    assert changed.attributes == {"lang": "fr", "draft": True}
    again = sdk.vector_stores.files.retrieve(file_id, vector_store_id=store.id)
    assert again.attributes == {"lang": "fr", "draft": True} and again.status == "completed"
    other = upload(sdk, "b.txt", "second")
    batch = sdk.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id,
        files=[{"file_id": other, "attributes": {"kind": "memo"}}],
    )
    assert batch.status == "completed"
    listed = {f.id: f.attributes for f in sdk.vector_stores.files.list(store.id)}
    assert listed == {file_id: {"lang": "fr", "draft": True}, other: {"kind": "memo"}}


def test_deletes_update_the_counts_and_the_usage(sdk: openai.OpenAI) -> None:
    first, second = upload(sdk, "1.txt", "one two three"), upload(sdk, "2.txt", "four")
    store = sdk.vector_stores.create(file_ids=[first, second])
    assert sdk.vector_stores.retrieve(store.id).usage_bytes == len("one two three") + 4
    gone = sdk.vector_stores.files.delete(second, vector_store_id=store.id)
    assert (gone.id, gone.deleted, gone.object) == (second, True, "vector_store.file.deleted")
    after = sdk.vector_stores.retrieve(store.id)
    assert (after.file_counts.total, after.usage_bytes) == (1, len("one two three"))
    assert sdk.files.retrieve(second).id == second  # the File itself stays
    with pytest.raises(openai.NotFoundError, match=f"No file found with id '{second}'"):
        sdk.vector_stores.files.retrieve(second, vector_store_id=store.id)
    deleted = sdk.vector_stores.delete(store.id)
    assert (deleted.deleted, deleted.object) == (True, "vector_store.deleted")
    with pytest.raises(openai.NotFoundError, match=f"No vector store found with id '{store.id}'"):
        sdk.vector_stores.retrieve(store.id)
    with pytest.raises(openai.NotFoundError):
        sdk.vector_stores.files.list(store.id)


def test_a_store_expires_on_the_mocks_clock(sdk: openai.OpenAI, server: ServerThread) -> None:
    store = sdk.vector_stores.create(
        name="short", expires_after={"anchor": "last_active_at", "days": 1}
    )
    assert store.expires_at == store.last_active_at + 86_400  # type: ignore[operator]
    assert store.expires_after is not None and store.expires_after.days == 1
    control(server).clock_advance(3600)
    updated = sdk.vector_stores.update(store.id, name="renamed")
    assert updated.last_active_at is not None and updated.last_active_at >= store.created_at + 3600
    assert updated.expires_at == updated.last_active_at + 86_400
    control(server).clock_advance(86_400 + 1)
    assert sdk.vector_stores.retrieve(store.id).status == "expired"
    assert [s.status for s in sdk.vector_stores.list()] == ["expired"]
    with pytest.raises(openai.NotFoundError, match="has expired"):
        sdk.vector_stores.files.create(store.id, file_id=upload(sdk, "x.txt", "late"))
    kept = sdk.vector_stores.create(expires_after={"anchor": "last_active_at", "days": 1})
    forever = sdk.vector_stores.update(kept.id, expires_after=None)
    assert forever.expires_at is None and forever.expires_after is None
    control(server).clock_advance(2 * 86_400)
    assert sdk.vector_stores.retrieve(kept.id).status == "completed"


def test_a_held_file_stays_in_progress_until_the_test_completes_it(
    sdk: openai.OpenAI, server: ServerThread
) -> None:
    store = sdk.vector_stores.create()
    file_id = upload(sdk, "held.txt", "patience")
    sdk.vector_stores.files.create(store.id, file_id=file_id)
    jobs = control(server).jobs
    assert jobs.hold(file_id)["status"] == "in_progress"
    for _ in range(2):
        assert sdk.vector_stores.files.retrieve(file_id, vector_store_id=store.id).status == (
            "in_progress"
        )
    assert sdk.vector_stores.retrieve(store.id).status == "in_progress"
    assert jobs.complete(file_id)["status"] == "completed"
    assert sdk.vector_stores.files.retrieve(file_id, vector_store_id=store.id).status == "completed"
    assert chunks(sdk, store.id, file_id) == ["patience"]
    assert sdk.vector_stores.retrieve(store.id).status == "completed"
    failing = upload(sdk, "f.txt", "doomed")
    sdk.vector_stores.files.create(store.id, file_id=failing)
    failed = jobs.fail(failing, code="invalid_file", message="Too many pages.")
    assert failed["last_error"] == {"code": "invalid_file", "message": "Too many pages."}
    planned = sdk.vector_stores.files.create_and_poll(
        upload(sdk, "p.txt", "planned"),
        vector_store_id=store.id,
        extra_headers={"x-mockapi-job": "fail; code=server_error; message=Indexer down"},
    )
    assert planned.status == "failed" and planned.last_error is not None
    assert planned.last_error.message == "Indexer down"
    counts = sdk.vector_stores.retrieve(store.id).file_counts
    assert (counts.completed, counts.failed, counts.total) == (1, 2, 3)


def test_a_cancelled_batch_cancels_its_unfinished_files_for_good(
    sdk: openai.OpenAI, server: ServerThread
) -> None:
    store = sdk.vector_stores.create()
    file_ids = [upload(sdk, f"{n}.txt", f"text {n}") for n in range(2)]
    batch = sdk.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=file_ids, extra_headers={"x-mockapi-job": "stuck"}
    )
    assert sdk.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id).status == (
        "in_progress"
    )
    cancelled = sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled"
    assert (cancelled.file_counts.cancelled, cancelled.file_counts.total) == (2, 2)
    control(server).jobs.complete(file_ids[0])  # a cancelled file is terminal
    polled = sdk.vector_stores.files.poll(file_ids[0], vector_store_id=store.id)
    assert polled.status == "cancelled"
    files = sdk.vector_stores.file_batches.list_files(
        batch.id, vector_store_id=store.id, filter="cancelled"
    )
    assert sorted(f.id for f in files) == sorted(file_ids)
    assert sdk.vector_stores.retrieve(store.id).file_counts.cancelled == 2


def test_the_apis_refusals(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="No vector store found with id 'vs_nope'"):
        sdk.vector_stores.retrieve("vs_nope")
    with pytest.raises(openai.NotFoundError, match="No file found with id 'file-nope'") as missing:
        sdk.vector_stores.create(file_ids=["file-nope"])
    assert missing.value.body["param"] == "file_ids"  # type: ignore[index]
    assert [s.id for s in sdk.vector_stores.list()] == []  # nothing was created
    store = sdk.vector_stores.create()
    too_much = {
        "type": "static",
        "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 101},
    }
    with pytest.raises(openai.BadRequestError, match="must not exceed half") as overlap:
        sdk.vector_stores.files.create(
            store.id,
            file_id=upload(sdk, "o.txt", "x"),
            chunking_strategy=too_much,  # type: ignore[arg-type]
        )
    assert overlap.value.body["param"] == "chunking_strategy.static.chunk_overlap_tokens"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        sdk.vector_stores.file_batches.create(
            vector_store_id=store.id,
            file_ids=[upload(sdk, "a.txt", "a")],
            files=[{"file_id": upload(sdk, "b.txt", "b")}],
        )
    with pytest.raises(openai.NotFoundError, match="No vector store file batch found"):
        sdk.vector_stores.file_batches.retrieve("vsfb_nope", vector_store_id=store.id)


def test_the_async_sdk_uploads_and_polls(server: ServerThread) -> None:
    control(server).reset()

    async def flow() -> tuple[str, list[str]]:
        async with strict_async_client(server.url + "/v1", api_key=API_KEY) as client:
            store = await client.vector_stores.create(name="async")
            done = await client.vector_stores.files.upload_and_poll(
                vector_store_id=store.id, file=("a.md", io.BytesIO(MARKDOWN.encode()))
            )
            page = await client.vector_stores.files.content(done.id, vector_store_id=store.id)
            return done.status, [str(item.text) for item in page.data]

    assert asyncio.run(flow()) == ("completed", [MARKDOWN])


def test_every_answer_names_its_objects_as_the_api_does(sdk: openai.OpenAI) -> None:
    store = sdk.vector_stores.create(file_ids=[upload(sdk, "n.txt", "names")])
    attached = sdk.vector_stores.files.list(store.id).data[0]
    assert re.fullmatch(r"vs_[0-9a-f]{32}", store.id)
    assert (store.object, attached.object, attached.vector_store_id) == (
        "vector_store",
        "vector_store.file",
        store.id,
    )
    batch = sdk.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=[upload(sdk, "m.txt", "more")]
    )
    assert (
        re.fullmatch(r"vsfb_[0-9a-f]{32}", batch.id) and batch.object == "vector_store.files_batch"
    )
