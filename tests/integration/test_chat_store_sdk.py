"""Stored chat completions through the official SDK: store: true, then list, retrieve,
update, messages.list and delete, against a real server in both on-miss modes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

GREETING = [{"role": "user", "content": "Hello there!"}]  # fixtures/chat/greeting.yaml
COUNTING = [{"role": "user", "content": "Please count to five"}]  # fixtures/chat/streamed.yaml
FIXED_ID = "chatcmpl-fixedTestId0000000000000000"
LIST = "GET /v1/chat/completions"
ONE = "GET /v1/chat/completions/{completion_id}"
MESSAGES = "GET /v1/chat/completions/{completion_id}/messages"
# The spec types messages.list items as the assistant's response message (role
# "assistant", `refusal` required); its own example, like the API, lists the request
# messages with their roles and no `refusal`. mockapi sends what the API sends (the
# derived schema is patched to match: mockapi.validation.patches), but the strict SDK model
# (role: Literal["assistant"]) would refuse it, so messages.list is read with a
# default client.


@pytest.fixture(scope="module")
def strict_server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


@pytest.fixture(scope="module")
def synth_server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(strict_server: ServerThread) -> Iterator[openai.OpenAI]:
    strict_server.replayer.reset()  # type: ignore[attr-defined]
    with strict_client(strict_server.url + "/v1") as sdk:
        yield sdk


@pytest.fixture
def synth(synth_server: ServerThread) -> Iterator[openai.OpenAI]:
    synth_server.replayer.reset()  # type: ignore[attr-defined]
    with strict_client(synth_server.url + "/v1") as sdk:
        yield sdk


def _lenient(sdk: openai.OpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=str(sdk.base_url), api_key="sk-test-mockapi", max_retries=0)


def _raw(response: Any) -> Any:
    return response.http_response.json()


def _ids(page: Any) -> list[str]:
    return [item.id for item in page]


def test_store_round_trip_from_fixtures(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=GREETING, store=True, metadata={"topic": "greet"}
    )
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=COUNTING,
        store=True,
        metadata={"topic": "count"},
        stream=True,
    )
    streamed_id = {chunk.id for chunk in stream}.pop()
    third = client.chat.completions.create(
        model="gpt-4o", messages=GREETING, store=True, metadata={"topic": "greet"}
    )
    client.chat.completions.create(model="gpt-4o-mini", messages=GREETING)  # not stored
    made = [first.id, streamed_id, third.id]

    listed = client.chat.completions.with_raw_response.list()
    assert response_problems(LIST, _raw(listed)) == []
    assert _ids(listed.parse()) == made
    assert _ids(client.chat.completions.list(order="desc")) == made[::-1]
    page = client.chat.completions.list(limit=1)
    assert _ids(page.data) == made[:1] and page.has_more is True
    assert _ids(page) == made  # iterating follows has_more / after, a page at a time
    assert _ids(client.chat.completions.list(metadata={"topic": "greet"})) == [made[0], made[2]]
    assert _ids(client.chat.completions.list(model="gpt-4o")) == [made[2]]

    raw = client.chat.completions.with_raw_response.retrieve(first.id)
    assert response_problems(ONE, _raw(raw)) == []
    got = raw.parse()
    assert got.id == first.id and got.metadata == {"topic": "greet"}
    assert got.choices[0].message.content == first.choices[0].message.content
    assert _raw(raw)["request_id"].startswith("req_")
    streamed = client.chat.completions.retrieve(streamed_id)
    assert streamed.choices[0].message.content == "One, two, three, four, five."
    assert streamed.usage is not None and streamed.usage.completion_tokens > 0

    updated = client.chat.completions.with_raw_response.update(first.id, metadata={"n": "1"})
    assert response_problems("POST /v1/chat/completions/{completion_id}", _raw(updated)) == []
    assert updated.parse().metadata == {"n": "1"}
    assert client.chat.completions.retrieve(first.id).metadata == {"n": "1"}
    assert _ids(client.chat.completions.list(metadata={"topic": "greet"})) == [made[2]]

    messages = _lenient(client).chat.completions.messages.with_raw_response.list(first.id)
    body = _raw(messages)
    assert response_problems(MESSAGES, body) == []
    [message] = messages.parse().data
    assert message.id == f"{first.id}-0" and message.role == "user"  # type: ignore[comparison-overlap]
    assert message.content == "Hello there!" and message.content_parts is None

    deleted = client.chat.completions.with_raw_response.delete(first.id)
    assert response_problems("DELETE /v1/chat/completions/{completion_id}", _raw(deleted)) == []
    assert deleted.parse().deleted is True and deleted.parse().id == first.id
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.retrieve(first.id)
    assert f"No chat completion found with id '{first.id}'" in caught.value.message
    assert _ids(client.chat.completions.list()) == made[1:]


def test_unknown_ids_are_404_with_on_miss_error(client: openai.OpenAI) -> None:
    calls = [
        lambda: client.chat.completions.retrieve(FIXED_ID),
        lambda: client.chat.completions.update(FIXED_ID, metadata={"a": "b"}),
        lambda: client.chat.completions.delete(FIXED_ID),
        lambda: client.chat.completions.messages.list(FIXED_ID),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert FIXED_ID in caught.value.message
        assert caught.value.type == "invalid_request_error"


def test_metadata_updates_are_validated(client: openai.OpenAI, strict_server: ServerThread) -> None:
    made = client.chat.completions.create(model="gpt-4o-mini", messages=GREETING, store=True)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.update(made.id, metadata={f"k{i}": "v" for i in range(17)})
    assert caught.value.param == "metadata" and caught.value.code == "object_above_max_properties"
    with pytest.raises(openai.BadRequestError) as long_value:
        client.chat.completions.update(made.id, metadata={"k": "v" * 513})
    assert long_value.value.param == "metadata.k"
    answer = httpx.post(
        f"{strict_server.url}/v1/chat/completions/{made.id}",
        json={},
        headers={"authorization": "Bearer sk-test"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "missing_required_parameter"
    assert client.chat.completions.retrieve(made.id).metadata == {}


def test_an_unknown_order_is_a_400(strict_server: ServerThread) -> None:
    answer = httpx.get(
        f"{strict_server.url}/v1/chat/completions?order=newest",
        headers={"authorization": "Bearer sk-test"},
    )
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "order"


def test_synthesize_mode_answers_fixed_ids_with_well_formed_objects(synth: openai.OpenAI) -> None:
    raw = synth.chat.completions.with_raw_response.retrieve(FIXED_ID)
    assert response_problems(ONE, _raw(raw)) == []
    got = raw.parse()
    assert got.id == FIXED_ID and got.object == "chat.completion"
    assert got.choices[0].message.content
    assert synth.chat.completions.retrieve(FIXED_ID) == got  # the same for the same id

    messages = _lenient(synth).chat.completions.messages.with_raw_response.list(FIXED_ID)
    assert response_problems(MESSAGES, _raw(messages)) == []
    assert _ids(messages.parse()) == [f"{FIXED_ID}-0"]

    updated = synth.chat.completions.update(FIXED_ID, metadata={"pinned": "yes"})
    assert updated.id == FIXED_ID and updated.metadata == {"pinned": "yes"}
    assert synth.chat.completions.retrieve(FIXED_ID).metadata == {"pinned": "yes"}

    gone = synth.chat.completions.delete(FIXED_ID)
    assert gone.id == FIXED_ID and gone.deleted is True and gone.object == "chat.completion.deleted"
    with pytest.raises(openai.NotFoundError):
        synth.chat.completions.retrieve(FIXED_ID)
    deleted_other = synth.chat.completions.delete("chatcmpl-neverSeen")
    assert deleted_other.deleted is True


def test_synthesized_answers_are_stored_too(synth: openai.OpenAI) -> None:
    ask = [{"role": "user", "content": "Tell me about otters"}]
    plain = synth.chat.completions.create(
        model="gpt-4o", messages=ask, store=True, metadata={"k": "plain"}
    )
    chunks = list(
        synth.chat.completions.create(
            model="gpt-4o", messages=ask, store=True, metadata={"k": "stream"}, stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    listed = synth.chat.completions.with_raw_response.list()
    assert response_problems(LIST, _raw(listed)) == []
    assert _ids(listed.parse()) == [plain.id, chunks[0].id]
    kept = synth.chat.completions.retrieve(chunks[0].id)
    assert kept.choices[0].message.content == text and kept.metadata == {"k": "stream"}


def test_async_client_round_trip(strict_server: ServerThread) -> None:
    strict_server.replayer.reset()  # type: ignore[attr-defined]

    async def scenario() -> None:
        async with strict_async_client(strict_server.url + "/v1") as sdk:
            stream = await sdk.chat.completions.create(
                model="gpt-4o-mini", messages=COUNTING, store=True, stream=True
            )
            ids = {chunk.id async for chunk in stream}
            made = await sdk.chat.completions.create(
                model="gpt-4o-mini", messages=GREETING, store=True, metadata={"a": "1"}
            )
            listed = [c.id async for c in sdk.chat.completions.list(limit=1)]
            assert listed == [ids.pop(), made.id]
            got = await sdk.chat.completions.retrieve(made.id)
            assert got.metadata == {"a": "1"}
            updated = await sdk.chat.completions.update(made.id, metadata={"a": "2"})
            assert updated.metadata == {"a": "2"}
            assert (await sdk.chat.completions.delete(made.id)).deleted is True
            with pytest.raises(openai.NotFoundError):
                await sdk.chat.completions.retrieve(made.id)

    asyncio.run(scenario())
