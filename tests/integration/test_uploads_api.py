"""The Uploads API on a real server through the official SDK, strict response validation
on: ``upload_file_chunked`` end to end (sync from bytes, async from a path) with the md5
check, and the API's errors for a bytes or md5 mismatch and a closed upload."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from mockapi.endpoints.files import uploads
from mockapi.state.clock import Clock
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client

DATA = b"".join(b'{"line": %d, "text": "%s"}\n' % (n, b"x" * (n % 37)) for n in range(400))
COMPLETE = "POST /v1/uploads/{upload_id}/complete"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(max_file_bytes=len(DATA) + 1000) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    """The strict SDK (conftest's) against this module's server, its state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def test_upload_file_chunked_makes_a_file_of_the_parts(
    client: openai.OpenAI, server: ServerThread
) -> None:
    part_size = len(DATA) // 4 + 1  # four parts, the last one shorter
    done = client.uploads.upload_file_chunked(
        file=DATA,
        filename="lines.jsonl",
        bytes=len(DATA),
        mime_type="application/jsonl",
        purpose="batch",
        part_size=part_size,
        md5=hashlib.md5(DATA).hexdigest(),
    )
    assert response_problems(COMPLETE, done.model_dump()) == []
    assert (done.status, done.bytes, done.filename, done.purpose) == (
        "completed",
        len(DATA),
        "lines.jsonl",
        "batch",
    )
    assert done.expires_at == done.created_at + 3600
    made = done.file
    assert made is not None and made.bytes == len(DATA) and made.status == "processed"
    assert client.files.retrieve(made.id) == made
    assert client.files.content(made.id).content == DATA
    kept = server.replayer.state.get(uploads.KIND, done.id)  # type: ignore[attr-defined]
    assert kept["parts"] == {}  # the part blobs went with completion


def test_upload_file_chunked_from_a_path_through_the_async_sdk(
    server: ServerThread, tmp_path: Path
) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]
    path = tmp_path / "notes.txt"
    path.write_bytes(DATA)

    async def flow() -> None:
        async with strict_async_client(server.url + "/v1") as client:
            done = await client.uploads.upload_file_chunked(
                file=path, mime_type="text/plain", purpose="assistants", part_size=5000
            )
            assert done.file is not None and done.filename == "notes.txt"
            assert (await client.files.content(done.file.id)).content == DATA

    asyncio.run(flow())


def test_a_bytes_mismatch_and_a_wrong_md5_are_refused(client: openai.OpenAI) -> None:
    upload = client.uploads.create(
        bytes=10, filename="ten.txt", mime_type="text/plain", purpose="user_data"
    )
    assert response_problems("POST /v1/uploads", upload.model_dump()) == []
    assert (upload.status, upload.file) == ("pending", None)
    part = client.uploads.parts.create(upload_id=upload.id, data=b"0123456")
    assert response_problems("POST /v1/uploads/{upload_id}/parts", part.model_dump()) == []
    assert (part.upload_id, part.object) == (upload.id, "upload.part")
    with pytest.raises(openai.BadRequestError) as short:
        client.uploads.complete(upload_id=upload.id, part_ids=[part.id])
    assert short.value.body == {
        "message": "The number of bytes uploaded upon completion (7, in 1 Part) does not "
        "match the number of bytes specified when the Upload was created (10).",
        "type": "invalid_request_error",
        "param": "part_ids",
        "code": None,
    }
    rest = client.uploads.parts.create(upload_id=upload.id, data=b"789")
    with pytest.raises(openai.BadRequestError) as wrong:
        client.uploads.complete(upload_id=upload.id, part_ids=[part.id, rest.id], md5="0" * 32)
    assert wrong.value.body["param"] == "md5"  # type: ignore[index]
    assert hashlib.md5(b"0123456789").hexdigest() in wrong.value.body["message"]  # type: ignore[index]
    done = client.uploads.complete(upload_id=upload.id, part_ids=[part.id, rest.id])
    assert done.file is not None
    assert client.files.content(done.file.id).content == b"0123456789"

    with pytest.raises(openai.BadRequestError) as closed:
        client.uploads.parts.create(upload_id=upload.id, data=b"late")
    assert closed.value.body["param"] == "upload_id"  # type: ignore[index]
    assert "its status is 'completed'" in closed.value.body["message"]  # type: ignore[index]


def test_cancel_and_expiry_close_an_upload(client: openai.OpenAI, server: ServerThread) -> None:
    first = client.uploads.create(
        bytes=3, filename="a.txt", mime_type="text/plain", purpose="vision"
    )
    cancelled = client.uploads.cancel(upload_id=first.id)
    assert cancelled.status == "cancelled"
    assert response_problems("POST /v1/uploads/{upload_id}/cancel", cancelled.model_dump()) == []
    with pytest.raises(openai.BadRequestError):
        client.uploads.complete(upload_id=first.id, part_ids=[])

    second = client.uploads.create(
        bytes=3, filename="b.txt", mime_type="text/plain", purpose="vision"
    )
    Clock(server.replayer.state).advance(3600)  # type: ignore[attr-defined]
    with pytest.raises(openai.BadRequestError) as expired:
        client.uploads.parts.create(upload_id=second.id, data=b"abc")
    assert "its status is 'expired'" in expired.value.body["message"]  # type: ignore[index]

    with pytest.raises(openai.NotFoundError) as unknown:
        client.uploads.cancel(upload_id="upload_unknown")
    assert unknown.value.body["message"] == "No such Upload object: upload_unknown"  # type: ignore[index]


def test_an_upload_larger_than_the_mock_stores_is_refused_up_front(
    client: openai.OpenAI,
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.uploads.create(
            bytes=len(DATA) + 1001, filename="big.bin", mime_type="x", purpose="user_data"
        )
    assert "--max-file-size" in caught.value.body["message"]  # type: ignore[index]
