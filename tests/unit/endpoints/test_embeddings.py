"""Synthesized embeddings: the vector rule, the model rules, usage, and fixture completion."""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints import embeddings
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.errors import APIError
from mockapi.generate import vectors
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from mockapi.wire import tokens
from tests.helpers import response_problems

EMBEDDINGS = "POST /v1/embeddings"
SMALL = "text-embedding-3-small"


def _context(body: dict[str, Any]) -> Context:
    return Context(
        request=Request("POST", "/v1/embeddings", json=body),
        endpoint=embeddings.ENDPOINTS[0],
        params={},
        body=body,
        seed=0,
        state=(state := ObjectStore()),
        models=DEFAULT_MODELS,
        synthesize=True,
        clock=Clock(state),
        settings=Settings(),
    )


def _synthesize(**body: Any) -> dict[str, Any]:
    answer = embeddings.synthesize(_context(body))
    assert isinstance(answer.body, dict)
    return answer.body


def _norm(vector: list[float] | tuple[float, ...]) -> float:
    return math.sqrt(math.fsum(v * v for v in vector))


# -- vectors -------------------------------------------------------------------------------


def test_vectors_are_deterministic_unit_length_and_float32() -> None:
    one = vectors.embed("The food was delicious", model=SMALL, dimensions=1536)
    vectors._embed.cache_clear()
    two = vectors.embed("The food was delicious", model=SMALL, dimensions=1536)
    assert one == two
    assert len(one) == 1536
    assert abs(_norm(one) - 1.0) < 1e-5
    assert all(struct.unpack("<f", struct.pack("<f", v))[0] == v for v in one[:50])


def test_vectors_stay_the_same_across_releases() -> None:
    # Users store synthesized vectors in their own fixtures: a change of rule breaks them.
    four = vectors.embed("Hello, world!", model=SMALL, dimensions=4)
    assert vectors.to_base64(four) == "0WWtvX/zGj2i/nw/46j4PQ=="


def test_different_texts_and_models_get_different_vectors() -> None:
    base = vectors.embed("hello", model=SMALL, dimensions=1536)
    assert vectors.embed("Hello", model=SMALL, dimensions=1536) != base
    assert vectors.embed("hello", model="text-embedding-ada-002", dimensions=1536) != base


def test_truncated_vector_is_the_full_vectors_prefix_renormalised() -> None:
    full = vectors.embed("a retrieval test ranks documents", model=SMALL, dimensions=1536)
    short = vectors.embed("a retrieval test ranks documents", model=SMALL, dimensions=256)
    norm = _norm(full[:256])
    assert len(short) == 256 and abs(_norm(short) - 1.0) < 1e-5
    assert max(abs(s - f / norm) for s, f in zip(short, full[:256], strict=True)) < 1e-6


def test_similar_texts_rank_above_unrelated_ones() -> None:
    query = vectors.embed("What do cats eat?", model=SMALL, dimensions=1536)
    documents = [
        "The stock market fell sharply today.",
        "Cats eat fish, mice and cat food.",
        "Paris is the capital of France.",
    ]
    scores = [
        vectors.cosine(query, vectors.embed(d, model=SMALL, dimensions=1536)) for d in documents
    ]
    assert scores.index(max(scores)) == 1
    assert scores[1] > 0.5 and max(abs(scores[0]), abs(scores[2])) < 0.15


def test_word_forms_share_their_stem() -> None:
    def close(one: str, other: str) -> float:
        return vectors.cosine(
            vectors.embed(one, model=SMALL, dimensions=512),
            vectors.embed(other, model=SMALL, dimensions=512),
        )

    assert close("embedding", "embed") > 0.8
    assert close("eating", "eats") > 0.8
    assert close("embedding", "banana") < 0.2


def test_features_weigh_stopwords_less() -> None:
    found = vectors.features("the cat")
    assert found["s:cat"] == 1.0 and found["s:the"] == pytest.approx(0.2)
    assert found["t:the cat"] == pytest.approx(0.1)


def test_base64_is_little_endian_float32() -> None:
    assert vectors.to_base64([1.0, -2.0]) == "AACAPwAAAMA="
    assert vectors.from_base64("AACAPwAAAMA=") == [1.0, -2.0]
    with pytest.raises(ValueError, match="whole float32"):
        vectors.from_base64("AACA")


# -- the endpoint's rules -----------------------------------------------------------------


def test_model_sizes_and_dimensions() -> None:
    assert len(_synthesize(model=SMALL, input="x")["data"][0]["embedding"]) == 1536
    large = _synthesize(model="text-embedding-3-large", input="x")
    assert len(large["data"][0]["embedding"]) == 3072
    ada = _synthesize(model="text-embedding-ada-002", input="x")
    assert len(ada["data"][0]["embedding"]) == 1536
    short = _synthesize(model="text-embedding-3-large", input="x", dimensions=64)
    assert len(short["data"][0]["embedding"]) == 64


def test_usage_counts_with_the_real_tokenizer() -> None:
    # pydantic-ai TestOpenAI.test_query: "Hello, world!" is 4 tokens for text-embedding-3-small.
    body = _synthesize(model=SMALL, input=["Hello, world!"], encoding_format="base64")
    assert body["usage"] == {"prompt_tokens": 4, "total_tokens": 4}
    # ruby-openai: "The food was delicious and the waiter..." is 8 for ada-002.
    ada = _synthesize(
        model="text-embedding-ada-002", input="The food was delicious and the waiter..."
    )
    assert ada["usage"]["prompt_tokens"] == 8
    tokens_body = _synthesize(model=SMALL, input=[[1, 2, 3], [4, 5]])
    assert tokens_body["usage"]["prompt_tokens"] == 5


def test_token_arrays_embed_their_decoded_text() -> None:
    ids = tokens.encode("Hello, world!", SMALL)
    from_ids = _synthesize(model=SMALL, input=ids)["data"][0]["embedding"]
    from_text = _synthesize(model=SMALL, input="Hello, world!")["data"][0]["embedding"]
    assert from_ids == from_text
    many = _synthesize(model=SMALL, input=[ids, tokens.encode("Bye", SMALL)])
    assert [d["index"] for d in many["data"]] == [0, 1]


def test_base64_request_gets_the_same_vector_encoded() -> None:
    floats = _synthesize(model=SMALL, input="same")["data"][0]["embedding"]
    encoded = _synthesize(model=SMALL, input="same", encoding_format="base64")
    assert vectors.from_base64(encoded["data"][0]["embedding"]) == floats
    assert response_problems(EMBEDDINGS, encoded) == []


def test_synthesized_bodies_validate() -> None:
    body = _synthesize(model=SMALL, input=["one", "two"], dimensions=8)
    assert response_problems(EMBEDDINGS, body) == []
    assert list(body) == ["object", "data", "model", "usage"]
    assert body["model"] == SMALL


@pytest.mark.parametrize(
    ("body", "status", "message", "code"),
    [
        (
            {"model": "nonexistent", "input": ["Hello, world!"]},
            404,
            "The model `nonexistent` does not exist or you do not have access to it.",
            "model_not_found",
        ),
        (
            {"model": "gpt-4o", "input": "x"},
            403,
            "You are not allowed to generate embeddings from this model",
            None,
        ),
        (
            {"model": "text-embedding-ada-002", "input": "x", "dimensions": 256},
            400,
            "This model does not support specifying dimensions.",
            None,
        ),
        ({"model": SMALL, "input": ""}, 400, "'$.input' is invalid.", None),
        ({"model": SMALL, "input": ["ok", ""]}, 400, "'$.input' is invalid.", None),
        ({"model": SMALL, "input": "x", "dimensions": 2000}, 400, "at most 1536", None),
        ({"model": SMALL, "input": [[1, 99999999]]}, 400, "token id 99999999", None),
        ({"model": SMALL, "input": [[-1]]}, 400, "token id -1", None),
        ({"model": SMALL, "input": "word " * 8200}, 400, "maximum context length is 8192", None),
    ],
)
def test_errors_are_the_real_apis(
    body: dict[str, Any], status: int, message: str, code: str | None
) -> None:
    with pytest.raises(APIError) as caught:
        embeddings.synthesize(_context(body))
    assert caught.value.status == status
    assert message in caught.value.message
    assert caught.value.code == code
    assert caught.value.type == "invalid_request_error"


def test_listed_embedding_models_are_known() -> None:
    listed = [*DEFAULT_MODELS, {"id": "text-embedding-custom", "object": "model"}]
    model = embeddings.model_for("text-embedding-custom", listed)
    assert model.size == embeddings.LISTED_SIZE and model.takes_dimensions


# -- fixture completion ------------------------------------------------------------------


def test_hand_written_body_is_completed() -> None:
    request = {"model": SMALL, "input": ["Hello, world!", "Bye"]}
    body = {"data": [{"embedding": [0.6, 0.8]}, {"embedding": [1.0, 0.0]}]}
    completed = embeddings.SHAPE.complete(body, request)
    used = 4 + tokens.count_text("Bye", SMALL)
    assert completed == {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [0.6, 0.8]},
            {"object": "embedding", "index": 1, "embedding": [1.0, 0.0]},
        ],
        "model": SMALL,
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


def test_float_fixture_is_served_base64_to_a_base64_request() -> None:
    body = {"data": [{"embedding": [1.0, -2.0]}], "model": "pinned", "usage": {"x": 1}}
    completed = embeddings.SHAPE.complete(body, {"model": SMALL, "encoding_format": "base64"})
    assert isinstance(completed, dict)
    assert completed["data"][0]["embedding"] == "AACAPwAAAMA="
    assert completed["model"] == "pinned" and completed["usage"] == {"x": 1}


def test_base64_recording_is_decoded_for_a_float_request() -> None:
    body = {"data": [{"object": "embedding", "index": 0, "embedding": "AACAPwAAAMA="}]}
    completed = embeddings.SHAPE.complete(body, {"model": SMALL, "encoding_format": "float"})
    assert isinstance(completed, dict)
    assert completed["data"][0]["embedding"] == [1.0, -2.0]


def test_recorded_body_is_served_as_is() -> None:
    recorded = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
        "model": "text-embedding-ada-002",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }
    assert embeddings.SHAPE.complete(recorded, {"model": "text-embedding-ada-002"}) == recorded


def test_body_without_data_gets_synthesized_vectors() -> None:
    completed = embeddings.SHAPE.complete({}, {"model": SMALL, "input": "x", "dimensions": 4})
    assert isinstance(completed, dict)
    assert len(completed["data"][0]["embedding"]) == 4
    assert response_problems(EMBEDDINGS, completed) == []


def test_broken_fixture_vectors_are_named() -> None:
    with pytest.raises(APIError, match=r"data\[0\]\.embedding"):
        embeddings.SHAPE.complete({"data": [{"embedding": "%%%"}]}, {"model": SMALL})
    with pytest.raises(APIError, match="no JSON object"):
        embeddings.SHAPE.from_events((), {})
