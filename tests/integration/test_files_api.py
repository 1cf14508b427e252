"""The Files API on a real server through the official SDK, strict response validation
on: the whole round trip with auto-pagination, the API's errors with their status,
param and code, the mock's per-file limit and total cap, and expiry on its clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.state.clock import Clock
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client

MAX_FILE = 64 * 1024
MAX_STATE = 160 * 1024
LINES = b'{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {}}\n'


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    # synthesize: the routes answer from state whatever on_miss says
    with running_server(
        on_miss=OnMiss.SYNTHESIZE, max_file_bytes=MAX_FILE, max_state_bytes=MAX_STATE
    ) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    """The strict SDK (conftest's) against this module's server, its state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def upload_error(client: openai.OpenAI, **kwargs: object) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        client.files.create(**kwargs)  # type: ignore[arg-type]
    return caught.value


def test_the_whole_file_round_trip(client: openai.OpenAI) -> None:
    batch_files = []
    for n in range(3):
        made = client.files.create(file=(f"in{n}.jsonl", LINES * (n + 1)), purpose="batch")
        assert response_problems("POST /v1/files", made.model_dump()) == []
        assert (made.bytes, made.status, made.purpose) == (
            len(LINES) * (n + 1),
            "processed",
            "batch",
        )
        assert made.id.startswith("file-")
        assert made.expires_at == made.created_at + 30 * 24 * 3600  # batch files: 30 days
        batch_files.append(made)
    notes = client.files.create(file=("notes.txt", b"plain text"), purpose="assistants")
    assert notes.expires_at is None

    fetched = client.files.retrieve(batch_files[1].id)
    assert fetched == batch_files[1]
    assert response_problems("GET /v1/files/{file_id}", fetched.model_dump()) == []

    # Two a page: the SDK follows `after` until has_more is false, newest first.
    first_page = client.files.list(purpose="batch", limit=2)
    assert [f.id for f in first_page.data] == [batch_files[2].id, batch_files[1].id]
    assert first_page.has_more is True
    raw_page = first_page.model_dump()
    assert raw_page["first_id"] == batch_files[2].id
    assert response_problems("GET /v1/files", raw_page) == []
    walked = [f.id for f in client.files.list(purpose="batch", limit=2)]
    assert walked == [f.id for f in reversed(batch_files)]
    oldest_first = [f.id for f in client.files.list(limit=1, order="asc")]
    assert oldest_first == [*(f.id for f in batch_files), notes.id]

    content = client.files.content(batch_files[2].id)
    assert content.content == LINES * 3
    assert content.response.headers["content-type"] == "application/octet-stream"

    deleted = client.files.delete(batch_files[0].id)
    assert (deleted.id, deleted.deleted, deleted.object) == (batch_files[0].id, True, "file")
    assert response_problems("DELETE /v1/files/{file_id}", deleted.model_dump()) == []
    for gone in (
        lambda: client.files.retrieve(batch_files[0].id),
        lambda: client.files.content(batch_files[0].id),
        lambda: client.files.delete(batch_files[0].id),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            gone()
        assert caught.value.body == {
            "message": f"No such File object: {batch_files[0].id}",
            "type": "invalid_request_error",
            "param": "id",
            "code": None,
        }
    assert [f.id for f in client.files.list(purpose="batch")] == [
        batch_files[2].id,
        batch_files[1].id,
    ]


def test_the_same_flow_through_the_async_sdk(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def flow() -> None:
        async with strict_async_client(server.url + "/v1") as client:
            made = await client.files.create(
                file=("pic.png", b"\x89PNG not really"),
                purpose="vision",
                expires_after={"anchor": "created_at", "seconds": 3600},
            )
            assert made.expires_at == made.created_at + 3600
            listed = [f.id async for f in client.files.list(purpose="vision")]
            assert listed == [made.id]
            assert (await client.files.content(made.id)).content == b"\x89PNG not really"
            assert (await client.files.delete(made.id)).deleted is True
            with pytest.raises(openai.NotFoundError):
                await client.files.retrieve(made.id)

    asyncio.run(flow())


@pytest.mark.parametrize(
    ("kwargs", "param", "code", "message"),
    [
        (
            {"file": ("out.jsonl", LINES), "purpose": "batch_output"},
            "purpose",
            "invalid_value",
            "Invalid value: 'batch_output'. Supported values are: 'assistants', 'batch', "
            "'fine-tune', 'vision', 'user_data', and 'evals'.",
        ),
        (
            {"file": ("in.csv", b"a,b\n"), "purpose": "batch"},
            None,
            None,
            "Invalid file format for Batch API. Must be .jsonl",
        ),
        (
            {"file": ("train.txt", b"x"), "purpose": "fine-tune"},
            None,
            None,
            "Invalid file format for Fine-Tuning API. Must be .jsonl",
        ),
        (
            {
                "file": ("a.txt", b"x"),
                "purpose": "assistants",
                "expires_after": {"anchor": "created_at", "seconds": 60},
            },
            "expires_after.seconds",
            "integer_below_min_value",
            "Invalid 'expires_after.seconds': integer below minimum value. Expected a value "
            ">= 3600, but got 60 instead.",
        ),
    ],
)
def test_the_apis_upload_errors(
    client: openai.OpenAI, kwargs: dict[str, object], param: str, code: str, message: str
) -> None:
    error = upload_error(client, **kwargs)
    assert error.status_code == 400
    assert error.body == {
        "message": message,
        "type": "invalid_request_error",
        "param": param,
        "code": code,
    }
    assert list(client.files.list()) == []


def test_a_form_without_a_file_part_is_a_missing_parameter(server: ServerThread) -> None:
    # A text field named `file` is not a file: the SDK cannot send this, curl -F can.
    with httpx.Client(base_url=server.url, headers={"authorization": "Bearer sk-x"}) as http:
        for form in (
            {"purpose": (None, "batch")},
            {"purpose": (None, "batch"), "file": (None, "x")},
        ):
            answer = http.post("/v1/files", files=form)
            assert answer.status_code == 400
            assert answer.json()["error"] == {
                "message": "Missing required parameter: 'file'.",
                "type": "invalid_request_error",
                "param": "file",
                "code": "missing_required_parameter",
            }


def test_a_file_over_the_per_file_limit(client: openai.OpenAI) -> None:
    client.files.create(file=("fits.bin", b"x" * MAX_FILE), purpose="user_data")
    error = upload_error(client, file=("big.bin", b"x" * (MAX_FILE + 1)), purpose="user_data")
    assert (error.status_code, error.body["param"], error.body["code"]) == (400, None, None)  # type: ignore[index]
    message = error.body["message"]  # type: ignore[index]
    assert message.startswith("File is too large.")
    assert f"{MAX_FILE + 1:,} bytes" in message and f"{MAX_FILE:,} bytes" in message
    assert "--max-file-size" in message


def test_the_total_cap_says_it_is_the_mocks(client: openai.OpenAI) -> None:
    kept = [
        client.files.create(file=(f"{n}.bin", b"x" * MAX_FILE), purpose="user_data")
        for n in range(2)
    ]
    error = upload_error(client, file=("more.bin", b"x" * MAX_FILE), purpose="user_data")
    assert error.status_code == 400
    assert "mock's own cap" in error.body["message"]  # type: ignore[index]
    assert "--max-state-size" in error.body["message"]  # type: ignore[index]
    client.files.delete(kept[0].id)  # deleting frees the space
    client.files.create(file=("more.bin", b"x" * MAX_FILE), purpose="user_data")


def test_files_expire_on_the_mocks_clock(client: openai.OpenAI, server: ServerThread) -> None:
    brief = client.files.create(
        file=("brief.txt", b"soon gone"),
        purpose="user_data",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    lasting = client.files.create(file=("lasting.txt", b"stays"), purpose="user_data")
    Clock(server.replayer.state).advance(3600)  # type: ignore[attr-defined]
    assert [f.id for f in client.files.list()] == [lasting.id]
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(brief.id)


def test_list_limit_is_the_apis_1_to_10000(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.files.list(limit=10_001)
    assert (caught.value.body["param"], caught.value.body["code"]) == (  # type: ignore[index]
        "limit",
        "integer_out_of_range",
    )
