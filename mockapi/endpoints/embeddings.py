"""Embeddings: ``POST /v1/embeddings``.

**Synthesis** (``--on-miss synthesize``). ``input`` is a string, a list of strings, a
token array or a list of token arrays (a token array stands for the text it decodes
to with the model's tokenizer). Each input gets the vector :mod:`.vectors` builds:
deterministic per text and model, unit length, similar for similar texts, of the
model's size (:data:`MODELS`); ``dimensions`` truncates and renormalises it, for the
models that accept it. ``usage.prompt_tokens`` (= ``total_tokens``) counts the inputs
with the model's tokenizer (cl100k_base), a token array by its length.

**Which models.** The three OpenAI embedding models, and any model the server lists
(``GET /v1/models``) whose id contains ``embedding`` (1536 dimensions, ``dimensions``
accepted). Errors, as the real API words them:

* a model the server does not list: 404 ``model_not_found``;
* a listed model that does not embed (``gpt-4o``): 403 "You are not allowed to
  generate embeddings from this model";
* ``dimensions`` for ``text-embedding-ada-002``: 400 "This model does not support
  specifying dimensions."; more dimensions than the model has: 400;
* an empty string: 400 "'$.input' is invalid. ..."; an input over 8192 tokens: 400
  "Invalid 'input': maximum context length is 8192 tokens."; a token id the
  tokenizer does not know: 400 naming it.

**Fixtures** (:class:`EmbeddingShape`). A hand-written body may give only
``data: [{embedding: [...]}]``: ``object``, each item's ``object`` and ``index``,
``model`` (the request's) and ``usage`` (counted from the request) are filled in;
what it gives is kept, and without ``data`` the vectors are synthesized. Vectors are
served in the encoding the request asks for: a float vector (a hand-written one, or a
recording made with ``encoding_format: float``) is sent base64-encoded to a
``base64`` request, which is what the official Python SDK sends by default, and a
base64 recording is decoded for a ``float`` one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.plain_shape import PlainShape
from mockapi.errors import APIError, model_not_found
from mockapi.generate import vectors
from mockapi.library.fixture import FixtureResponse
from mockapi.model import JSON
from mockapi.wire import tokens

MAX_INPUT_TOKENS = 8192


@dataclass(frozen=True)
class EmbeddingModel:
    """An embedding model: its vector size and whether it takes ``dimensions``."""

    name: str
    size: int
    takes_dimensions: bool = True


MODELS: Mapping[str, EmbeddingModel] = {
    "text-embedding-3-small": EmbeddingModel("text-embedding-3-small", 1536),
    "text-embedding-3-large": EmbeddingModel("text-embedding-3-large", 3072),
    "text-embedding-ada-002": EmbeddingModel("text-embedding-ada-002", 1536, False),
}
LISTED_SIZE = 1536
"""The size of a listed embedding model that is not one of :data:`MODELS`."""


def model_for(name: str, listed: Sequence[Mapping[str, Any]]) -> EmbeddingModel:
    """The embedding model called ``name``, or the real API's error for it."""
    known = MODELS.get(name)
    if known is not None:
        return known
    if not any(m.get("id") == name for m in listed):
        raise model_not_found(name)
    if "embedding" not in name:
        raise APIError(403, "You are not allowed to generate embeddings from this model")
    return EmbeddingModel(name, LISTED_SIZE)


def size_for(model: EmbeddingModel, dimensions: Any) -> int:
    """The vector length to answer: ``dimensions`` when given and allowed, else the model's."""
    if dimensions is None:
        return model.size
    if not model.takes_dimensions:
        raise APIError(400, "This model does not support specifying dimensions.")
    if not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1:
        raise APIError(
            400,
            f"Invalid 'dimensions': {dimensions!r}; give a positive integer.",
            param="dimensions",
        )
    if dimensions > model.size:
        raise APIError(
            400,
            f"Invalid 'dimensions': {model.name} has {model.size} dimensions, so "
            f"{dimensions} is too many; ask for at most {model.size}.",
            param="dimensions",
        )
    return dimensions


def texts(value: Any, model: str) -> list[tuple[str, int]]:
    """Each input of ``value`` (the request's ``input``) as its text and token count.

    Raises the real API's 400 for an empty string, an input over
    :data:`MAX_INPUT_TOKENS` tokens, or a token id the model's tokenizer lacks.
    """
    items: list[Any]
    if isinstance(value, str) or (isinstance(value, list) and _is_token_array(value)):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise APIError(400, _INVALID_INPUT)
    found: list[tuple[str, int]] = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            if not item:
                raise APIError(400, _INVALID_INPUT)
            text, count = item, tokens.count_text(item, model)
        elif isinstance(item, list) and _is_token_array(item):
            text, count = _decode(item, model, index), len(item)
        else:
            raise APIError(400, _INVALID_INPUT)
        if count > MAX_INPUT_TOKENS:
            raise APIError(
                400, f"Invalid 'input': maximum context length is {MAX_INPUT_TOKENS} tokens."
            )
        found.append((text, count))
    return found


_INVALID_INPUT = (
    "'$.input' is invalid. Please check the API reference: "
    "https://platform.openai.com/docs/api-reference."
)


def _is_token_array(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(t, int) and not isinstance(t, bool) for t in value)


def _decode(token_ids: list[int], model: str, index: int) -> str:
    if all(t >= 0 for t in token_ids):  # the tokenizer wraps negative ids around
        try:
            return tokens.decode(token_ids, model)
        except (KeyError, ValueError, OverflowError):
            pass
    bad = next(t for t in token_ids if t < 0 or not tokens.decodes(t, model))
    raise APIError(
        400,
        f"Invalid 'input[{index}]': token id {bad} is not in the vocabulary of "
        f"{model} ({tokens.encoding_name_for_model(model)}); send token ids the model's "
        "tokenizer produced, or the text itself.",
        param="input",
    )


def synthesize(ctx: Context) -> FixtureResponse:
    """The embeddings of the request's inputs (see the module docstring)."""
    name = str(ctx.body.get("model", ""))
    model = model_for(name, ctx.models)
    size = size_for(model, ctx.body.get("dimensions"))
    inputs = texts(ctx.body.get("input"), name)
    base64 = ctx.body.get("encoding_format") == "base64"
    data = []
    for index, (text, _) in enumerate(inputs):
        vector = vectors.embed(text, model=name, dimensions=size)
        encoded = vectors.to_base64(vector) if base64 else list(vector)
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    used = sum(count for _, count in inputs)
    body = {
        "object": "list",
        "data": data,
        "model": name,
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }
    return FixtureResponse(body=body, headers={"openai-model": name})


def prompt_tokens(request: Mapping[str, Any]) -> int:
    """The request's ``usage.prompt_tokens``, never raising (for fixture answers)."""
    value = request.get("input")
    model = str(request.get("model") or "text-embedding-3-small")
    if isinstance(value, str):
        return tokens.count_text(value, model)
    if not isinstance(value, list):
        return 0
    if _is_token_array(value):
        return len(value)
    total = 0
    for item in value:
        if isinstance(item, str):
            total += tokens.count_text(item, model)
        elif isinstance(item, list):
            total += len(item)
    return total


class EmbeddingShape(PlainShape):
    """Completes embedding bodies and serves their vectors in the requested encoding."""

    endpoint = "embeddings"
    example = "{data: [{embedding: [...]}]}"

    def pinned(self, body: JSON, request: Mapping[str, Any]) -> bool:
        """Always: an embeddings answer has no id or time, and its vectors are drawn
        from the input alone."""
        return True

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """``body`` with what it leaves out filled in (see the module docstring)."""
        if not isinstance(body, dict):
            return body
        base64 = request.get("encoding_format") == "base64"
        data = body.get("data") if "data" in body else _data_for(request)
        items = [
            _complete_item(item, index, base64=base64) if isinstance(item, dict) else item
            for index, item in enumerate(data if isinstance(data, list) else [])
        ]
        used = body.get("usage")
        if used is None:
            count = prompt_tokens(request)
            used = {"prompt_tokens": count, "total_tokens": count}
        completed: dict[str, Any] = {
            "object": body.get("object", "list"),
            "data": items,
            "model": body.get("model", request.get("model") or "text-embedding-3-small"),
            "usage": used,
        }
        completed.update({k: v for k, v in body.items() if k not in completed})
        return completed


def _data_for(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``data`` synthesized for a fixture body that leaves it out (floats; encoded later)."""
    name = str(request.get("model") or "text-embedding-3-small")
    model = MODELS.get(name, EmbeddingModel(name, LISTED_SIZE))
    size = size_for(model, request.get("dimensions"))
    return [
        {"embedding": list(vectors.embed(text, model=name, dimensions=size))}
        for text, _ in texts(request.get("input"), name)
    ]


def _complete_item(item: dict[str, Any], index: int, *, base64: bool) -> dict[str, Any]:
    vector = item.get("embedding")
    if base64 and isinstance(vector, list):
        try:
            vector = vectors.to_base64([float(v) for v in vector])
        except (TypeError, ValueError):
            raise APIError(
                500,
                f"The fixture's data[{index}].embedding holds something other than numbers; "
                "give the vector as a list of numbers.",
                type="server_error",
            ) from None
    elif not base64 and isinstance(vector, str):
        try:
            vector = vectors.from_base64(vector)
        except ValueError as exc:
            raise APIError(
                500,
                f"The fixture's data[{index}].embedding is not base64 float32 data ({exc}); "
                "give the vector as a list of numbers.",
                type="server_error",
            ) from None
    completed = {"object": item.get("object", "embedding"), "index": item.get("index", index)}
    completed["embedding"] = vector
    completed.update({k: v for k, v in item.items() if k not in completed})
    return completed


SHAPE = EmbeddingShape()

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/embeddings", body=Body.JSON, synthesize=synthesize, shape=SHAPE),
)
