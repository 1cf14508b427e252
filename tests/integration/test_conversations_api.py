"""The Conversations API and ``responses.create(conversation=...)`` on a real server,
through the official SDK with strict response validation: a conversation's items read as
context (counted in ``usage.input_tokens`` as the same items sent as input would be)
and each turn appended to it, over plain, streamed, async and WebSocket requests and
from a fixture; item create/list/retrieve/delete with ``include``; metadata; delete; the
API's refusals with their status, param and code. Every answer is checked against the
derived schemas too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import httpx
import openai
import pytest
from openai.types.responses import Response

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client

MODEL = "gpt-4o-mini"
ITEMS = "/v1/conversations/{conversation_id}/items"
ONE = "/v1/conversations/{conversation_id}"
FIRST: Any = {"type": "message", "role": "user", "content": "My name is Ada."}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    """The strict SDK (conftest's) against this module's server, its state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def texts(items: Sequence[Any]) -> list[tuple[str, str]]:
    """Each message item as (role, its text)."""
    return [(i.role, "".join(part.text for part in i.content)) for i in items]


def ids(items: Iterable[Any]) -> list[str]:
    """The items' ids (the SDK's item union types some as optional)."""
    return [str(item.id) for item in items]


def said(pairs: Sequence[tuple[str, str]]) -> Any:
    """(role, text) pairs as input messages, without a conversation."""
    return [{"role": role, "content": text} for role, text in pairs]


def input_tokens(response: Response) -> int:
    assert response.usage is not None
    return response.usage.input_tokens


def test_two_turns_read_and_extend_the_conversation(client: openai.OpenAI) -> None:
    conversation = client.conversations.create(items=[FIRST], metadata={"topic": "names"})
    assert conversation.id.startswith("conv_") and conversation.metadata == {"topic": "names"}
    assert response_problems("POST /v1/conversations", conversation.to_dict()) == []

    first = client.responses.create(
        model=MODEL, input="What is my name?", conversation=conversation.id
    )
    second = client.responses.create(
        model=MODEL, input="Say it again.", conversation={"id": conversation.id}
    )
    assert first.conversation is not None and first.conversation.id == conversation.id
    assert second.conversation is not None and second.conversation.id == conversation.id
    assert response_problems("POST /v1/responses", second.to_dict()) == []

    listed = client.conversations.items.list(conversation.id, order="asc")
    assert response_problems("GET " + ITEMS, listed.to_dict()) == []
    assert texts(listed.data) == [
        ("user", "My name is Ada."),
        ("user", "What is my name?"),
        ("assistant", first.output_text),
        ("user", "Say it again."),
        ("assistant", second.output_text),
    ]
    assert all(item.status == "completed" for item in listed.data)  # type: ignore[union-attr]
    # The same items the responses show: input items and output, ids and all.
    [asked] = client.responses.input_items.list(first.id).data
    assert ids(listed.data[1:3]) == ids([asked, first.output[0]])
    # Newest first by default; two a page, the SDK following `after`.
    newest = ids(client.conversations.items.list(conversation.id, limit=2))
    assert newest == ids(reversed(listed.data))
    page = client.conversations.items.list(conversation.id, limit=2)
    assert (page.has_more, page.last_id) == (True, ids(listed.data)[3])

    # The conversation is the context: each turn counts what the same items sent as
    # input (no conversation) count, so the second counts the first turn too.
    turns = [("user", "My name is Ada."), ("user", "What is my name?")]
    alone = client.responses.create(model=MODEL, input=said(turns))
    assert input_tokens(first) == input_tokens(alone)
    turns += [("assistant", first.output_text), ("user", "Say it again.")]
    assert input_tokens(second) == input_tokens(
        client.responses.create(model=MODEL, input=said(turns))
    )
    assert input_tokens(second) > input_tokens(first)
    counted = client.responses.input_tokens.count(
        model=MODEL, input="Once more.", conversation=conversation.id
    )
    turns += [("assistant", second.output_text), ("user", "Once more.")]
    expected = client.responses.input_tokens.count(model=MODEL, input=said(turns))
    assert counted.input_tokens == expected.input_tokens
    # Requests without the conversation left it as it was.
    assert len(client.conversations.items.list(conversation.id).data) == 5


def test_streamed_turns_append_too(client: openai.OpenAI) -> None:
    conversation = client.conversations.create(items=[FIRST])
    with client.responses.stream(
        model=MODEL, input="Stream me a word.", conversation=conversation.id
    ) as stream:
        events = list(stream)
        streamed = stream.get_final_response()
    created = next(e for e in events if e.type == "response.created")
    assert created.response.conversation is not None
    assert created.response.conversation.id == conversation.id
    chunks = client.responses.create(
        model=MODEL, input="And one more.", conversation=conversation.id, stream=True
    )
    final = [e for e in chunks if e.type == "response.completed"][-1].response
    listed = client.conversations.items.list(conversation.id, order="asc").data
    assert texts(listed) == [
        ("user", "My name is Ada."),
        ("user", "Stream me a word."),
        ("assistant", streamed.output_text),
        ("user", "And one more."),
        ("assistant", final.output_text),
    ]
    assert ids([listed[2], listed[4]]) == ids([streamed.output[0], final.output[0]])
    assert input_tokens(final) > input_tokens(streamed)


def test_the_async_client(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def flow() -> None:
        async with strict_async_client(server.url + "/v1") as client:
            conversation = await client.conversations.create(items=[FIRST])
            answer = await client.responses.create(
                model=MODEL, input="What is my name?", conversation=conversation.id
            )
            listed = [i async for i in client.conversations.items.list(conversation.id)]
            assert ids(listed)[:1] == ids(answer.output[:1])
            assert len(listed) == 3
            assert (await client.conversations.retrieve(conversation.id)).id == conversation.id

    asyncio.run(flow())


def test_a_websocket_turn_appends(client: openai.OpenAI) -> None:
    conversation = client.conversations.create(items=[FIRST])
    with client.responses.connect() as connection:
        for question in ("What is my name?", "Again?"):
            connection.response.create(model=MODEL, input=question, conversation=conversation.id)
            for event in connection:
                if event.type in ("response.completed", "error"):
                    assert event.type == "response.completed", event
                    break
            last: Any = cast(Any, event).response
    assert last.conversation is not None and last.conversation.id == conversation.id
    listed = client.conversations.items.list(conversation.id, order="asc").data
    assert [role for role, _ in texts(listed)] == ["user", "user", "assistant", "user", "assistant"]
    assert ids(listed[-1:]) == ids(last.output[:1])
    # The socket's second turn read the conversation, the first turn included.
    counted = client.responses.input_tokens.count(model=MODEL, input=said(texts(listed[:4])))
    assert last.usage is not None and last.usage.input_tokens == counted.input_tokens


def test_a_fixture_answers_and_its_answer_is_appended(client: openai.OpenAI) -> None:
    conversation = client.conversations.create()
    # fixtures/responses/greeting.yaml answers this input.
    answer = client.responses.create(
        model=MODEL, input="Say hello from a fixture", conversation=conversation.id
    )
    assert answer.output_text == "Hello from a mockapi fixture!"
    assert answer.conversation is not None and answer.conversation.id == conversation.id
    listed = client.conversations.items.list(conversation.id, order="asc").data
    assert texts(listed) == [
        ("user", "Say hello from a fixture"),
        ("assistant", "Hello from a mockapi fixture!"),
    ]
    # A conversation the mock never created (a recording's): the fixture still answers.
    foreign = client.responses.create(
        model=MODEL, input="Say hello from a fixture", conversation="conv_recorded_elsewhere"
    )
    assert foreign.output_text == "Hello from a mockapi fixture!"


def test_items_create_retrieve_delete_and_include(client: openai.OpenAI) -> None:
    conversation = client.conversations.create()
    assert client.conversations.items.list(conversation.id).data == []
    added = client.conversations.items.create(
        conversation.id,
        items=[
            {"type": "message", "role": "developer", "content": "Answer in French."},
            {"role": "user", "content": [{"type": "input_text", "text": "Hello"}]},
        ],
    )
    assert response_problems("POST " + ITEMS, added.to_dict()) == []
    developer, user = ids(added.data)
    assert (developer[:4], user[:4]) == ("msg_", "msg_")
    assert (added.first_id, added.last_id, added.has_more) == (developer, user, False)
    assert texts(added.data) == [("developer", "Answer in French."), ("user", "Hello")]
    one = client.conversations.items.retrieve(user, conversation_id=conversation.id)
    assert one == added.data[1]
    assert response_problems("GET " + ITEMS + "/{item_id}", one.to_dict()) == []
    after = client.conversations.items.delete(developer, conversation_id=conversation.id)
    assert after == conversation
    assert response_problems("DELETE " + ITEMS + "/{item_id}", after.to_dict()) == []
    assert ids(client.conversations.items.list(conversation.id)) == [user]
    with pytest.raises(openai.NotFoundError) as caught:
        client.conversations.items.retrieve(developer, conversation_id=conversation.id)
    assert caught.value.body == {
        "message": f"Item with id '{developer}' not found in conversation.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }

    # Logprobs asked of a turn are kept, and shown when the list includes them.
    client.responses.create(
        model=MODEL,
        input="Hi",
        conversation=conversation.id,
        include=["message.output_text.logprobs"],
    )
    plain: Any = client.conversations.items.list(conversation.id, limit=1).data[0]
    full: Any = client.conversations.items.list(
        conversation.id, limit=1, include=["message.output_text.logprobs"]
    ).data[0]
    assert plain.id == full.id
    assert plain.content[0].logprobs == []
    assert full.content[0].logprobs


def test_metadata_update_and_delete(client: openai.OpenAI) -> None:
    conversation = client.conversations.create(items=[FIRST], metadata={"a": "1"})
    updated = client.conversations.update(conversation.id, metadata={"b": "2"})
    assert (updated.id, updated.created_at, updated.metadata) == (
        conversation.id,
        conversation.created_at,
        {"b": "2"},
    )
    assert response_problems("POST " + ONE, updated.to_dict()) == []
    assert client.conversations.retrieve(conversation.id) == updated
    deleted = client.conversations.delete(conversation.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (
        conversation.id,
        "conversation.deleted",
        True,
    )
    assert response_problems("DELETE " + ONE, deleted.to_dict()) == []
    gone = {
        "message": f"Conversation with id '{conversation.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    for call in (
        lambda: client.conversations.retrieve(conversation.id),
        lambda: client.conversations.delete(conversation.id),
        lambda: client.conversations.update(conversation.id, metadata={}),
        lambda: client.conversations.items.list(conversation.id),
        lambda: client.responses.create(model=MODEL, input="Hi", conversation=conversation.id),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.body == gone


def test_the_apis_refusals(client: openai.OpenAI, raw: httpx.Client) -> None:
    conversation = client.conversations.create()
    earlier = client.responses.create(model=MODEL, input="Hi")
    with pytest.raises(openai.BadRequestError) as both:
        client.responses.create(
            model=MODEL,
            input="Hi",
            conversation=conversation.id,
            previous_response_id=earlier.id,
        )
    assert both.value.body == {
        "message": "Mutually exclusive parameters: ''. Ensure you are only providing one of: "
        "'pre..._id' or 'conversation'.",
        "type": "invalid_request_error",
        "param": None,
        "code": "mutually_exclusive_parameters",
    }
    with pytest.raises(openai.BadRequestError) as malformed:
        client.responses.create(model=MODEL, input="Hi", conversation="thread-1")
    assert malformed.value.body["param"] == "conversation"  # type: ignore[index]
    assert malformed.value.code == "invalid_value"
    with pytest.raises(openai.NotFoundError) as unknown:
        client.responses.create(model=MODEL, input="Hi", conversation="conv_never")
    assert unknown.value.message.endswith("Conversation with id 'conv_never' not found.")

    too_many = [{"role": "user", "content": f"line {n}"} for n in range(21)]
    with pytest.raises(openai.BadRequestError) as long_create:
        client.conversations.create(items=too_many)  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError) as long_add:
        client.conversations.items.create(conversation.id, items=too_many)  # type: ignore[arg-type]
    for caught in (long_create, long_add):
        assert caught.value.body == {
            "message": "Invalid 'items': array too long. Expected an array with maximum "
            "length 20, but got an array with length 21 instead.",
            "type": "invalid_request_error",
            "param": "items",
            "code": "array_above_max_length",
        }
    assert client.conversations.create(items=too_many[:20]).id.startswith("conv_")  # type: ignore[arg-type]
    empty = raw.post(f"/v1/conversations/{conversation.id}/items", json={"items": []})
    assert (empty.status_code, empty.json()["error"]["code"]) == (400, "empty_array")
    with pytest.raises(openai.NotFoundError):
        client.conversations.items.retrieve("msg_nope", conversation_id=conversation.id)
    with pytest.raises(openai.NotFoundError):
        client.conversations.items.delete("msg_nope", conversation_id="conv_never")
    # An item cursor from another conversation pages nothing.
    other = client.conversations.create(items=[FIRST])
    [foreign] = client.conversations.items.list(other.id).data
    page = raw.get(f"/v1/conversations/{conversation.id}/items", params={"after": foreign.id})
    assert json.loads(page.text)["data"] == []
