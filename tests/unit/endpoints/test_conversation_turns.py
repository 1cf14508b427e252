"""``responses.create(conversation=...)`` without a server: the conversation read as the
context, the turn appended by the endpoint's ``remember`` whoever answered (synthesis, a
fixture, a stream, a background response, ``store: false``), and the API's refusals."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints import models
from mockapi.endpoints.conversations import stored
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.endpoints.responses import conversation, output
from mockapi.endpoints.responses import routes as responses
from mockapi.endpoints.responses.items import count_input_tokens
from mockapi.endpoints.responses.stream import to_events
from mockapi.errors import APIError
from mockapi.model import Request, Response
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore

ROUTES = {e.key: e for e in responses.ENDPOINTS}
CREATE = "POST /v1/responses"
MODEL = "gpt-4o-mini"
FIRST = {"type": "message", "role": "user", "content": "My name is Ada."}


def context(state: ObjectStore, body: dict[str, Any], key: str = CREATE) -> Context:
    endpoint: Endpoint = ROUTES[key]
    return Context(
        request=Request(endpoint.method, endpoint.template, {}, (), b"", body),
        endpoint=endpoint,
        params={},
        body=body,
        seed=0,
        state=state,
        models=models.DEFAULT_MODELS,
        synthesize=True,
        clock=Clock(state),
        settings=Settings(),
    )


def new_conversation(state: ObjectStore, *given: dict[str, Any]) -> str:
    return str(stored.create(context(state, {}), list(given), None)["id"])


def turn(state: ObjectStore, body: dict[str, Any]) -> dict[str, Any]:
    """Synthesize ``body``'s answer and let the endpoint remember it, as the engine does."""
    ctx = context(state, body)
    answer = responses.create(ctx)
    assert isinstance(answer.body, dict)
    responses.remember(ctx, Response(status=200, body=answer.body))
    return answer.body


def said(state: ObjectStore, conversation_id: str) -> list[tuple[str, str]]:
    return [(i["role"], i["content"][0]["text"]) for i in stored.items_of(state, conversation_id)]


def test_a_turn_reads_the_conversation_and_is_appended() -> None:
    state = ObjectStore()
    conv = new_conversation(state, FIRST)
    body = {"model": MODEL, "input": "What is my name?", "conversation": conv}
    answer = turn(state, body)
    assert answer["conversation"] == {"id": conv}
    assert list(answer)[list(answer).index("completed_at") + 1] == "conversation"
    inline = {"model": MODEL, "input": [FIRST, {"role": "user", "content": "What is my name?"}]}
    assert answer["usage"]["input_tokens"] == count_input_tokens(inline)
    assert said(state, conv) == [
        ("user", "My name is Ada."),
        ("user", "What is my name?"),
        ("assistant", answer["output"][0]["content"][0]["text"]),
    ]
    # The same ids as the stored response's input items and output.
    entry = state.get(responses.STORED, answer["id"])
    assert isinstance(entry, dict)
    kept = stored.items_of(state, conv)
    assert [kept[1]["id"], kept[2]["id"]] == [entry["input"][0]["id"], answer["output"][0]["id"]]
    # The response chains on from the whole conversation.
    assert [i.get("role") for i in entry["history"]] == ["user"]
    counted = responses.count_tokens(
        context(state, {"model": MODEL, "input": "Hi", "conversation": {"id": conv}})
    )
    assert isinstance(counted.body, dict)
    history = stored.items_of(state, conv)
    assert counted.body["input_tokens"] == count_input_tokens(
        {"model": MODEL, "input": "Hi"}, history
    )


def test_unstored_streamed_and_background_turns_are_appended_whole() -> None:
    state = ObjectStore()
    conv = new_conversation(state)
    unstored = turn(state, {"model": MODEL, "input": "One", "conversation": conv, "store": False})
    assert state.get(responses.STORED, unstored["id"]) is None
    queued = turn(state, {"model": MODEL, "input": "Two", "conversation": conv, "background": True})
    assert queued["status"] == "queued" and queued["output"] == []
    # A stream is appended from its events.
    ask = {"model": MODEL, "input": "Three", "conversation": conv, "stream": True}
    streamed = responses.create(context(state, ask)).body
    assert isinstance(streamed, dict)
    events = to_events(streamed, ask)
    responses.remember(context(state, ask), Response(status=200, events=events))
    roles = [role for role, _ in said(state, conv)]
    assert roles == ["user", "assistant"] * 3
    kept = stored.items_of(state, conv)
    assert kept[5]["id"] == streamed["output"][0]["id"]
    assert kept[3]["content"][0]["text"]  # the queued response's output, once complete


def test_a_fixture_answer_for_an_unusable_conversation_is_served_untouched() -> None:
    state = ObjectStore()
    conv = new_conversation(state)
    body = output.complete({"output_text": "Pinned."}, {"model": MODEL})
    for request in (
        {"model": MODEL, "input": "Hi", "conversation": "conv_recorded_elsewhere"},
        {"model": MODEL, "input": "Hi", "conversation": conv, "previous_response_id": "resp_1"},
    ):
        responses.remember(context(state, request), Response(status=200, body=body))
    assert stored.items_of(state, conv) == []
    # A recording keeps its own conversation; a hand-written body gets the request's.
    recorded = {**body, "conversation": {"id": "conv_real"}}
    assert output.complete(recorded, {"conversation": conv})["conversation"] == {"id": "conv_real"}
    assert output.complete({"output_text": "x"}, {"conversation": conv})["conversation"] == {
        "id": conv
    }
    assert "conversation" not in output.complete({"output_text": "x"}, {})


def test_the_apis_refusals() -> None:
    state = ObjectStore()
    conv = new_conversation(state)
    cases: list[tuple[dict[str, Any], tuple[Any, ...]]] = [
        (
            {"conversation": conv, "previous_response_id": "resp_1"},
            (400, None, "mutually_exclusive_parameters", conversation.EXCLUSIVE),
        ),
        (
            {"conversation": {"id": "thread_1"}},
            (
                400,
                "conversation",
                "invalid_value",
                "Invalid 'conversation': 'thread_1'. Expected an ID that begins with 'conv'.",
            ),
        ),
        (
            {"conversation": "conv_never"},
            (404, None, None, "Conversation with id 'conv_never' not found."),
        ),
    ]
    for extra, expected in cases:
        with pytest.raises(APIError) as caught:
            responses.create(context(state, {"model": MODEL, "input": "Hi", **extra}))
        error = caught.value
        assert (error.status, error.param, error.code, error.message) == expected
    assert conversation.context(context(state, {"model": MODEL, "conversation": None})) == []
