"""An upload's body may be as large as its file limit, not --max-body-size: a file of
several MB is stored by a server whose body limit is 1 MB, an upload part too, while a
JSON body of that size is still refused; past the file limit the 413 names
--max-file-size."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.endpoints.endpoint import FORM_OVERHEAD
from mockapi.web.server import ServerThread
from tests.helpers import running_server, strict_client

MB = 1024 * 1024
LINE = b'{"custom_id": "x", "method": "POST", "url": "/v1/embeddings", "body": {}}\n'


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(
        on_miss=OnMiss.SYNTHESIZE, max_body_bytes=1 * MB, max_file_bytes=4 * MB
    ) as started:
        yield started


@pytest.fixture
def sdk(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1", api_key="sk-limits") as client:
        yield client


def _jsonl(size: int) -> bytes:
    return LINE * (size // len(LINE))


def test_a_file_larger_than_the_body_limit_is_stored(sdk: openai.OpenAI) -> None:
    data = _jsonl(3 * MB)
    made = sdk.files.create(file=("big.jsonl", io.BytesIO(data)), purpose="batch")
    assert made.bytes == len(data) > MB
    assert sdk.files.content(made.id).content == data


def test_an_upload_part_larger_than_the_body_limit_is_kept(sdk: openai.OpenAI) -> None:
    data = _jsonl(3 * MB)
    done = sdk.uploads.upload_file_chunked(
        file=data, filename="big.jsonl", bytes=len(data), mime_type="text/jsonl", purpose="batch"
    )
    assert done.status == "completed" and done.file is not None
    assert sdk.files.content(done.file.id).content == data


def test_a_json_body_keeps_the_body_limit(server: ServerThread) -> None:
    text = "x" * (2 * MB)
    answer = httpx.post(
        server.url + "/v1/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
        headers={"authorization": "Bearer sk-limits"},
    )
    assert answer.status_code == 413
    assert "--max-body-size" in answer.json()["error"]["message"]


def test_past_the_file_limit_the_413_names_max_file_size(sdk: openai.OpenAI) -> None:
    data = _jsonl(4 * MB + FORM_OVERHEAD + MB)
    before = [f.id for f in sdk.files.list()]
    with pytest.raises(openai.APIStatusError) as raised:
        sdk.files.create(file=("huge.jsonl", io.BytesIO(data)), purpose="batch")
    assert raised.value.status_code == 413
    assert "--max-file-size" in str(raised.value.message)
    assert [f.id for f in sdk.files.list()] == before  # nothing stored
