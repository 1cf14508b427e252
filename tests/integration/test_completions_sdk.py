"""Legacy Completions through the official SDK against a real server: synthesized answers
and fixtures, plain and streamed, sync and async.

Plain answers are read with the SDK's strict response validation on. Streams are read
with the SDK's default (lenient) parsing: the SDK's ``Completion`` model, generated from
the spec, types ``finish_reason`` as never null, yet every real stream chunk but the last
carries ``finish_reason: null`` (openai/openai-openapi#100), so strict validation rejects
real streams and these alike. The same holds for ``echo`` with ``logprobs``, whose first
token has ``null`` logprobs in the real API. Those bodies are checked against the derived
schema (patched with that evidence) instead, chunk by chunk, from the raw SSE.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.build import default_fixture_dirs
from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from mockapi.wire import tokens
from tests.helpers import response_problems, running_server, strict_async_client

ENDPOINT = "POST /v1/completions"
MODEL = "gpt-3.5-turbo-instruct"
OTTERS = "Tell me about otters"

_HEAD = "id: cmpl-rec1, object: text_completion, created: 1700000000, model: " + MODEL
EXTRA_FIXTURES = f"""
version: 1
fixtures:
  - name: bare-body
    match: {{path: /v1/completions, partial_body: {{prompt: Just say hi}}}}
    response:
      body:
        choices: [{{text: " Hi!"}}]
  - name: recorded-stream-with-logprobs
    match: {{path: /v1/completions, partial_body: {{prompt: "Spell it:"}}}}
    response:
      events:
        - data: {{{_HEAD}, choices: [{{text: " A", index: 0, finish_reason: null,
            logprobs: {{tokens: [" A"], token_logprobs: [-0.5], top_logprobs: [{{" A": -0.5}}],
                       text_offset: [9]}}}}]}}
        - data: {{{_HEAD}, choices: [{{text: "B", index: 0, finish_reason: null,
            logprobs: {{tokens: ["B"], token_logprobs: [-0.25], top_logprobs: [{{"B": -0.25}}],
                       text_offset: [11]}}}}]}}
        - data: {{{_HEAD}, choices: [{{text: "", index: 0, logprobs: null, finish_reason: stop}}]}}
        - data: "[DONE]"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    extra = tmp_path_factory.mktemp("completions-fixtures")
    (extra / "extra.yaml").write_text(EXTRA_FIXTURES)
    dirs = (*default_fixture_dirs(), extra)
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=dirs) as started:
        yield started


@pytest.fixture
def lenient(plain: openai.OpenAI) -> openai.OpenAI:
    """This module's name for the conftest's ``plain`` client (its tests name answers
    ``plain``)."""
    return plain


def create(client: openai.OpenAI, **params: Any) -> tuple[Any, dict[str, Any]]:
    """The SDK's parsed answer and the raw JSON body, checked against the derived schema."""
    raw = client.completions.with_raw_response.create(**{"model": MODEL, **params})
    body = raw.http_response.json()
    assert response_problems(ENDPOINT, body) == []
    return raw.parse(), body


def sse(server: ServerThread, **params: Any) -> list[dict[str, Any]]:
    """The raw chunks of a streamed answer, each checked against the derived schema."""
    request = {"model": MODEL, **params, "stream": True}
    headers = {"authorization": "Bearer sk-test"}
    response = httpx.post(server.url + "/v1/completions", json=request, headers=headers)
    assert response.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in response.text.split("\n\n") if b]
    assert blocks[-1] == "data: [DONE]"
    chunks = [json.loads(b.removeprefix("data: ")) for b in blocks[:-1]]
    for chunk in chunks:
        assert response_problems(ENDPOINT, chunk) == [], chunk
    return chunks


def joined(chunks: list[Any], index: int = 0) -> str:
    return "".join(c.choices[0].text for c in chunks if c.choices and c.choices[0].index == index)


# -- synthesized -----------------------------------------------------------------------------


def test_a_string_prompt_is_continued_and_cut_at_16_tokens(strict: openai.OpenAI) -> None:
    first, body = create(strict, prompt=OTTERS)
    again, _ = create(strict, prompt=OTTERS, temperature=1.5)
    (choice,) = first.choices
    assert first.object == "text_completion" and first.model == MODEL
    assert first.id.startswith("cmpl-") and again.id != first.id
    assert choice.text.startswith("\n\n") and "otters" in choice.text
    assert again.choices[0].text == choice.text
    assert (choice.index, choice.logprobs, choice.finish_reason) == (0, None, "length")
    assert first.usage is not None
    assert first.usage.prompt_tokens == tokens.count_text(OTTERS, MODEL)
    assert first.usage.completion_tokens == 16
    assert first.usage.total_tokens == first.usage.prompt_tokens + 16
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert "system_fingerprint" not in body


def test_every_prompt_form_with_n_is_indexed_prompt_major(strict: openai.OpenAI) -> None:
    haiku = "Write a haiku about rain"
    ids = tokens.encode(haiku, MODEL)
    single, _ = create(strict, prompt=haiku, max_tokens=30)
    strings, _ = create(strict, prompt=[haiku, OTTERS], n=2, max_tokens=30)
    token_ids, _ = create(strict, prompt=ids, max_tokens=30, echo=True)
    arrays, _ = create(strict, prompt=[ids, ids[:2]], max_tokens=30, echo=True)
    assert [c.index for c in strings.choices] == [0, 1, 2, 3]
    assert strings.choices[0].text == single.choices[0].text
    assert strings.choices[1].text != single.choices[0].text
    assert "otters" in strings.choices[2].text and "otters" in strings.choices[3].text
    assert strings.usage is not None and token_ids.usage is not None and arrays.usage is not None
    assert strings.usage.prompt_tokens == len(ids) + tokens.count_text(OTTERS, MODEL)
    assert token_ids.choices[0].text == haiku + single.choices[0].text
    assert token_ids.usage.prompt_tokens == len(ids)
    first_two = tokens.decode(ids[:2], MODEL)
    assert [c.text.split("\n\n")[0] for c in arrays.choices] == [haiku, first_two]
    assert arrays.usage.prompt_tokens == len(ids) + 2


def test_max_tokens_and_stop(strict: openai.OpenAI) -> None:
    whole, _ = create(strict, prompt=OTTERS, max_tokens=400)
    short, _ = create(strict, prompt=OTTERS, max_tokens=3)
    stopped, _ = create(strict, prompt=OTTERS, max_tokens=400, stop=[".", "never"])
    at_string, _ = create(strict, prompt=OTTERS, max_tokens=400, stop="asked")
    text = whole.choices[0].text
    assert whole.choices[0].finish_reason == "stop"
    assert text.startswith(short.choices[0].text) and short.choices[0].finish_reason == "length"
    assert short.usage.completion_tokens == 3  # type: ignore[union-attr]
    assert stopped.choices[0].text == text[: text.index(".")]
    assert stopped.choices[0].finish_reason == "stop"
    assert at_string.choices[0].text == text[: text.index("asked")]


def test_echo_and_suffix(strict: openai.OpenAI) -> None:
    plain, _ = create(strict, prompt=OTTERS)
    echoed, _ = create(strict, prompt=OTTERS, echo=True)
    inserted, _ = create(strict, prompt="def add(a, b):", suffix="\n    return c", max_tokens=40)
    other, _ = create(strict, prompt="def add(a, b):", suffix="\n# end", max_tokens=40)
    assert echoed.choices[0].text == OTTERS + plain.choices[0].text
    assert echoed.usage.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]
    assert not inserted.choices[0].text.startswith("\n")
    assert inserted.choices[0].text != other.choices[0].text
    assert "return c" not in inserted.choices[0].text


def test_logprobs_in_the_legacy_shape(strict: openai.OpenAI, lenient: openai.OpenAI) -> None:
    result, _ = create(strict, prompt=OTTERS, logprobs=3)
    lp = result.choices[0].logprobs
    assert lp is not None and lp.tokens and lp.top_logprobs and lp.text_offset
    assert "".join(lp.tokens) == result.choices[0].text
    assert all(len(top) == 3 for top in lp.top_logprobs)
    assert lp.text_offset[0] == len(OTTERS)  # offsets count the prompt, echoed or not
    # echo + logprobs: the first prompt token's logprob is null, as the real API sends.
    echoed, body = create(lenient, prompt=OTTERS, logprobs=1, echo=True)
    raw_lp = body["choices"][0]["logprobs"]
    assert raw_lp["token_logprobs"][0] is None and raw_lp["top_logprobs"][0] is None
    assert raw_lp["text_offset"][0] == 0
    assert "".join(raw_lp["tokens"]) == echoed.choices[0].text


def test_errors_the_api_sends(strict: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as low:
        strict.completions.create(model=MODEL, prompt="x", n=3, best_of=2)
    assert low.value.param == "best_of" and "best_of=2 and n=3" in low.value.message
    with pytest.raises(openai.BadRequestError) as streamed:
        strict.completions.create(model=MODEL, prompt="x", best_of=3, stream=True)
    assert streamed.value.param == "best_of"
    with pytest.raises(openai.NotFoundError) as chat:
        strict.completions.create(model="gpt-4o-mini", prompt="x")
    assert chat.value.message.endswith(
        "This is a chat model and not supported in the v1/completions endpoint. "
        "Did you mean to use v1/chat/completions?"
    )
    with pytest.raises(openai.BadRequestError) as bad:
        strict.completions.create(model=MODEL, prompt="x", logprobs=6)
    assert bad.value.param == "logprobs"


def test_streams_add_up_to_the_plain_answer(
    server: ServerThread, strict: openai.OpenAI, lenient: openai.OpenAI
) -> None:
    params: dict[str, Any] = {"prompt": [OTTERS, "Tell me about owls"], "n": 2, "max_tokens": 30}
    plain, _ = create(strict, **params)
    chunks = list(lenient.completions.create(model=MODEL, stream=True, **params))
    for index in range(4):
        assert joined(chunks, index) == plain.choices[index].text
    assert len({c.id for c in chunks}) == 1 and all(c.usage is None for c in chunks)
    finishes = [c.choices[0].finish_reason for c in chunks]
    assert finishes.count("length") == 4 and finishes.count(None) == len(chunks) - 4
    raw = sse(server, **params, stream_options={"include_usage": True})
    assert raw[-1]["choices"] == [] and raw[-1]["usage"] == plain.usage.model_dump(
        exclude_none=True
    )  # type: ignore[union-attr]
    assert all("usage" not in c for c in raw[:-1])
    assert len(raw) > 4 * 3, "each choice's text should arrive in several pieces"


def test_streamed_logprobs_ride_one_token_per_chunk(
    server: ServerThread, strict: openai.OpenAI
) -> None:
    plain, _ = create(strict, prompt=OTTERS, logprobs=2)
    raw = sse(server, prompt=OTTERS, logprobs=2)
    lp = plain.choices[0].logprobs
    assert lp is not None
    assert [c["choices"][0]["text"] for c in raw[:-1]] == lp.tokens
    assert [c["choices"][0]["logprobs"]["token_logprobs"][0] for c in raw[:-1]] == (
        lp.token_logprobs
    )
    assert raw[-1]["choices"][0]["finish_reason"] == "length"


def test_async_create_and_stream(server: ServerThread, strict: openai.OpenAI) -> None:
    plain, _ = create(strict, prompt=OTTERS, max_tokens=25)

    async def run() -> tuple[Any, list[Any]]:
        async with strict_async_client(server.url + "/v1") as client:
            answer = await client.completions.create(model=MODEL, prompt=OTTERS, max_tokens=25)
        async with openai.AsyncOpenAI(
            base_url=server.url + "/v1", api_key="sk-test", max_retries=0
        ) as client:
            stream = await client.completions.create(
                model=MODEL,
                prompt=OTTERS,
                max_tokens=25,
                stream=True,
                stream_options={"include_usage": True},
            )
            chunks = [chunk async for chunk in stream]
        return answer, chunks

    answer, chunks = asyncio.run(run())
    assert answer.choices[0].text == plain.choices[0].text
    assert joined(chunks) == plain.choices[0].text
    assert chunks[-1].choices == [] and chunks[-1].usage == plain.usage


# -- from fixtures ---------------------------------------------------------------------------


def test_a_body_fixture_answers_plain_and_stream(
    server: ServerThread, strict: openai.OpenAI, lenient: openai.OpenAI
) -> None:
    plain, body = create(strict, prompt="Say this is a test", max_tokens=7)
    assert plain.choices[0].text == "\n\nThis is indeed a test"
    assert plain.choices[0].finish_reason == "length"  # pinned by the fixture
    assert plain.id.startswith("cmpl-") and body["choices"][0]["logprobs"] is None
    assert plain.usage is not None and plain.usage.prompt_tokens == 5
    assert plain.usage.completion_tokens == tokens.count_text(plain.choices[0].text, MODEL)
    chunks = list(
        lenient.completions.create(
            model=MODEL,
            prompt="Say this is a test",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert joined(chunks) == "\n\nThis is indeed a test"
    assert chunks[-2].choices[0].finish_reason == "length"
    assert chunks[-1].usage == plain.usage
    raw = sse(server, prompt="Say this is a test")
    assert len(raw) > 3 and all(c["object"] == "text_completion" for c in raw)


def test_a_bare_body_fixture_is_completed(strict: openai.OpenAI) -> None:
    result, body = create(strict, prompt="Just say hi", model="davinci-002")
    assert body["choices"] == [
        {"text": " Hi!", "index": 0, "logprobs": None, "finish_reason": "stop"}
    ]
    assert body["model"] == "davinci-002" and body["id"].startswith("cmpl-")
    assert result.usage is not None and result.usage.prompt_tokens == 3


def test_a_stream_fixture_streams_as_recorded_and_answers_plain(
    server: ServerThread, strict: openai.OpenAI, lenient: openai.OpenAI
) -> None:
    chunks = list(lenient.completions.create(model=MODEL, prompt="Count to three:", stream=True))
    assert [c.choices[0].text for c in chunks] == [" 1", ",", " 2", ",", " 3", ""]
    assert {c.id for c in chunks} == {"cmpl-8QoGBkX6cZcrCwTQsJtJ2F4cM6a1b"}
    sse(server, prompt="Count to three:")
    plain, _ = create(strict, prompt="Count to three:")
    assert plain.id == "cmpl-8QoGBkX6cZcrCwTQsJtJ2F4cM6a1b" and plain.created == 1701360000
    assert plain.choices[0].text == " 1, 2, 3" and plain.choices[0].finish_reason == "stop"
    assert plain.usage is not None
    assert plain.usage.prompt_tokens == tokens.count_text("Count to three:", MODEL)
    recorded, body = create(strict, prompt="Spell it:", logprobs=1)
    assert recorded.choices[0].text == " AB"
    assert body["choices"][0]["logprobs"] == {
        "tokens": [" A", "B"],
        "token_logprobs": [-0.5, -0.25],
        "top_logprobs": [{" A": -0.5}, {"B": -0.25}],
        "text_offset": [9, 11],
    }
