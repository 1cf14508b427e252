"""Embeddings through the official SDK against a real server: synthesized and from fixtures.

The SDK asks for ``encoding_format: "base64"`` unless told otherwise and decodes the
answer to floats. Its strict response validation checks the body *before* decoding,
against ``embedding: List[float]``, so it rejects the real API's base64 answers too:
strict clients here ask for floats, and the SDK's default (base64) is exercised with
a plain client while the raw body is checked against the derived schema.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from mockapi.build import default_fixture_dirs
from mockapi.config import OnMiss
from mockapi.generate import vectors
from mockapi.web.server import ServerThread
from mockapi.wire import tokens
from tests.helpers import response_problems, running_server, strict_async_client
from tests.integration.conftest import API_KEY

EMBEDDINGS = "POST /v1/embeddings"
SMALL = "text-embedding-3-small"
RECORDED_FLOATS = [0.0022786001, -0.009292118, 0.015702665]
RECORDED_BASE64 = vectors.to_base64([0.6, -0.8])
FIXTURES = {
    "version": 1,
    "fixtures": [
        {
            # A recording of a float request (as ruby-openai's cassette): its exact body
            # matches the SDK's request too, which adds encoding_format base64.
            "name": "recorded-floats",
            "match": {
                "path": "/v1/embeddings",
                "body": {
                    "model": "text-embedding-ada-002",
                    "input": "recorded floats",
                    "encoding_format": "float",
                },
            },
            "response": {
                "body": {
                    "object": "list",
                    "data": [{"object": "embedding", "index": 0, "embedding": RECORDED_FLOATS}],
                    "model": "text-embedding-ada-002",
                    "usage": {"prompt_tokens": 8, "total_tokens": 8},
                }
            },
        },
        {
            # A recording made with the SDK's default (as pydantic-ai's cassette).
            "name": "recorded-base64",
            "match": {"path": "/v1/embeddings", "partial_body": {"input": ["recorded base64"]}},
            "response": {
                "body": {
                    "object": "list",
                    "data": [{"object": "embedding", "index": 0, "embedding": RECORDED_BASE64}],
                    "model": SMALL,
                    "usage": {"prompt_tokens": 4, "total_tokens": 4},
                }
            },
        },
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """Synthesizes misses; serves the bundled fixtures and the two recordings above."""
    folder: Path = tmp_path_factory.mktemp("embedding-fixtures")
    (folder / "recorded.yaml").write_text(yaml.safe_dump(FIXTURES))
    dirs = (*default_fixture_dirs(), folder)
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=dirs) as started:
        yield started


def _norm(vector: list[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in vector))


def _raw(server: ServerThread, body: dict[str, Any]) -> httpx.Response:
    headers = {"authorization": f"Bearer {API_KEY}"}
    return httpx.post(server.url + "/v1/embeddings", json=body, headers=headers, timeout=10)


# -- synthesized ---------------------------------------------------------------------------


def test_sdk_default_base64_decodes_to_unit_floats(plain: openai.OpenAI) -> None:
    raw = plain.embeddings.with_raw_response.create(model=SMALL, input="Hello, world!")
    sent = json.loads(raw.http_request.content)
    body = raw.http_response.json()
    assert sent["encoding_format"] == "base64"
    assert isinstance(body["data"][0]["embedding"], str)
    assert response_problems(EMBEDDINGS, body) == []
    result = raw.parse()
    vector = result.data[0].embedding
    assert len(vector) == 1536 and all(isinstance(v, float) for v in vector)
    assert abs(_norm(vector) - 1.0) < 1e-5
    assert vector == vectors.from_base64(body["data"][0]["embedding"])
    # The real API counts 4 tokens for this input (pydantic-ai TestOpenAI.test_query).
    assert result.usage.prompt_tokens == 4 and result.usage.total_tokens == 4
    assert result.model == SMALL and result.object == "list"
    assert raw.headers["openai-model"] == SMALL


def test_float_encoding_with_strict_validation(strict: openai.OpenAI, server: ServerThread) -> None:
    result = strict.embeddings.create(model=SMALL, input="Hello, world!", encoding_format="float")
    base64 = _raw(server, {"model": SMALL, "input": "Hello, world!", "encoding_format": "base64"})
    assert result.data[0].embedding == vectors.from_base64(base64.json()["data"][0]["embedding"])
    floats = _raw(server, {"model": SMALL, "input": "Hello, world!", "encoding_format": "float"})
    assert response_problems(EMBEDDINGS, floats.json()) == []
    assert floats.json()["data"][0]["embedding"] == result.data[0].embedding


def test_every_input_form(strict: openai.OpenAI) -> None:
    text = "The food was delicious and the waiter..."
    ids = tokens.encode(text, SMALL)
    one = strict.embeddings.create(model=SMALL, input=text, encoding_format="float")
    many = strict.embeddings.create(
        model=SMALL, input=[text, "another one"], encoding_format="float"
    )
    token_array = strict.embeddings.create(model=SMALL, input=ids, encoding_format="float")
    token_arrays = strict.embeddings.create(
        model=SMALL, input=[ids, ids[:3]], encoding_format="float"
    )
    assert [d.index for d in many.data] == [0, 1] and [d.index for d in token_arrays.data] == [0, 1]
    assert many.data[0].embedding == one.data[0].embedding != many.data[1].embedding
    assert token_array.data[0].embedding == one.data[0].embedding  # tokens embed their text
    assert token_arrays.data[0].embedding == one.data[0].embedding
    assert one.usage.prompt_tokens == 8  # as the real API counted it for ada-002
    assert many.usage.prompt_tokens == 8 + tokens.count_text("another one", SMALL)
    assert token_arrays.usage.prompt_tokens == len(ids) + 3


def test_model_sizes_and_dimensions(strict: openai.OpenAI) -> None:
    large = strict.embeddings.create(
        model="text-embedding-3-large", input="size", encoding_format="float"
    )
    ada = strict.embeddings.create(
        model="text-embedding-ada-002", input="size", encoding_format="float"
    )
    short = strict.embeddings.create(
        model="text-embedding-3-large", input="size", dimensions=256, encoding_format="float"
    )
    assert len(large.data[0].embedding) == 3072 and len(ada.data[0].embedding) == 1536
    assert len(short.data[0].embedding) == 256
    assert abs(_norm(short.data[0].embedding) - 1.0) < 1e-5
    prefix = large.data[0].embedding[:256]
    rescaled = [v / _norm(prefix) for v in prefix]
    assert max(abs(a - b) for a, b in zip(short.data[0].embedding, rescaled, strict=True)) < 1e-6


def test_a_query_ranks_the_related_document_first(plain: openai.OpenAI) -> None:
    documents = [
        "Quarterly earnings beat analysts' expectations.",
        "To reset your password, open Settings and choose Security.",
        "The recipe needs two eggs, flour and a pinch of salt.",
    ]
    indexed = plain.embeddings.create(model=SMALL, input=documents)
    query = plain.embeddings.create(model=SMALL, input="How do I reset my password?")
    scores = [vectors.cosine(query.data[0].embedding, d.embedding) for d in indexed.data]
    assert scores.index(max(scores)) == 1
    assert scores[1] > max(scores[0], scores[2]) + 0.3


def test_deterministic_across_calls(plain: openai.OpenAI) -> None:
    first = plain.embeddings.create(model=SMALL, input="same text")
    second = plain.embeddings.create(model=SMALL, input="same text")
    assert first.data[0].embedding == second.data[0].embedding


def test_unknown_model_is_the_real_404(plain: openai.OpenAI, server: ServerThread) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        plain.embeddings.create(model="nonexistent", input=["Hello, world!"])
    assert caught.value.status_code == 404
    # Exactly the body of pydantic-ai's TestOpenAI.test_embed_error recording.
    assert caught.value.body == {
        "code": "model_not_found",
        "message": "The model `nonexistent` does not exist or you do not have access to it.",
        "param": None,
        "type": "invalid_request_error",
    }


def test_model_and_dimension_errors(plain: openai.OpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as chat_model:
        plain.embeddings.create(model="gpt-4o", input="x")
    assert chat_model.value.body["message"] == (  # type: ignore[index]
        "You are not allowed to generate embeddings from this model"
    )
    with pytest.raises(openai.BadRequestError) as ada:
        plain.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=256)
    assert ada.value.body["message"] == "This model does not support specifying dimensions."  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as empty:
        plain.embeddings.create(model=SMALL, input="")
    assert "'$.input' is invalid" in empty.value.message


def test_async_client(server: ServerThread) -> None:
    async def run() -> tuple[list[float], list[float]]:
        async with strict_async_client(server.url + "/v1") as strict:
            floats = await strict.embeddings.create(
                model=SMALL, input="async", encoding_format="float"
            )
        async with openai.AsyncOpenAI(
            base_url=server.url + "/v1", api_key=API_KEY, max_retries=0
        ) as plain:
            default = await plain.embeddings.create(model=SMALL, input="async")
        return floats.data[0].embedding, default.data[0].embedding

    floats, default = asyncio.run(run())
    assert floats == default and len(floats) == 1536


# -- from fixtures -------------------------------------------------------------------------


def test_hand_written_fixture_is_completed(strict: openai.OpenAI, plain: openai.OpenAI) -> None:
    raw = plain.embeddings.with_raw_response.create(model=SMALL, input="mockapi: a fixed vector")
    body = raw.http_response.json()
    assert response_problems(EMBEDDINGS, body) == []
    assert body["data"][0]["embedding"] == vectors.to_base64([0.6, 0.8, 0.0, 0.0])
    decoded = raw.parse()
    assert decoded.data[0].embedding == pytest.approx([0.6, 0.8, 0.0, 0.0], rel=1e-6)
    assert decoded.model == SMALL and decoded.data[0].index == 0
    used = tokens.count_text("mockapi: a fixed vector", SMALL)
    assert decoded.usage.prompt_tokens == used == decoded.usage.total_tokens
    floats = strict.embeddings.create(
        model=SMALL, input="mockapi: a fixed vector", encoding_format="float"
    )
    assert floats.data[0].embedding == [0.6, 0.8, 0.0, 0.0]


def test_float_recording_serves_the_sdk_default(plain: openai.OpenAI, server: ServerThread) -> None:
    result = plain.embeddings.create(model="text-embedding-ada-002", input="recorded floats")
    assert result.data[0].embedding == pytest.approx(RECORDED_FLOATS, rel=1e-6)
    assert result.usage.prompt_tokens == 8 and result.model == "text-embedding-ada-002"
    as_recorded = _raw(server, {"model": "text-embedding-ada-002", "input": "recorded floats"})
    assert as_recorded.json() == FIXTURES["fixtures"][0]["response"]["body"]  # type: ignore[index]


def test_base64_recording_serves_a_float_request(
    strict: openai.OpenAI, server: ServerThread
) -> None:
    result = strict.embeddings.create(
        model=SMALL, input=["recorded base64"], encoding_format="float"
    )
    assert result.data[0].embedding == pytest.approx([0.6, -0.8], rel=1e-6)
    as_recorded = _raw(
        server, {"model": SMALL, "input": ["recorded base64"]} | {"encoding_format": "base64"}
    )
    assert as_recorded.json()["data"][0]["embedding"] == RECORDED_BASE64
    assert response_problems(EMBEDDINGS, as_recorded.json()) == []


def test_without_synthesis_a_miss_is_a_near_miss_not_model_not_found() -> None:
    with (
        running_server(on_miss=OnMiss.ERROR) as server,
        openai.OpenAI(base_url=server.url + "/v1", api_key=API_KEY, max_retries=0) as sdk,
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            sdk.embeddings.create(model="nonexistent", input="anything")
        hit = sdk.embeddings.create(model=SMALL, input="mockapi: a fixed vector")
    assert caught.value.code == "no_fixture_matched"
    assert hit.data[0].embedding == pytest.approx([0.6, 0.8, 0.0, 0.0], rel=1e-6)
