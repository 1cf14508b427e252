"""Conversations without a server: item shapes, ``include``, and the stored conversations
and items over both state backends (memory and SQLite), through the route handlers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.conversations import items, routes, stored
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import KEPT_KINDS, ObjectStore
from mockapi.state.sqlite import SQLiteStore
from mockapi.state.store import StateStore

ROUTES = {e.key: e for e in routes.ENDPOINTS}
HELLO = {"type": "message", "role": "user", "content": "Hello"}


@pytest.fixture(params=["memory", "sqlite"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    if request.param == "memory":
        yield ObjectStore()
        return
    store = SQLiteStore(tmp_path / "state.db")
    yield store
    store.close()


def call(
    state: StateStore,
    key: str,
    *,
    body: dict[str, Any] | None = None,
    query: tuple[tuple[str, str], ...] = (),
    seed: int = 0,
    **params: str,
) -> Any:
    """The body the route ``key`` answers."""
    endpoint: Endpoint = ROUTES[key]
    request = Request(endpoint.method, endpoint.template, {}, query, b"", body)
    ctx = Context(
        request=request,
        endpoint=endpoint,
        params=params,
        body=body or {},
        seed=seed,
        state=state,
        models=[],
        synthesize=False,
        clock=Clock(state),
        settings=Settings(),
    )
    assert endpoint.lookup is not None
    return endpoint.lookup(ctx).body


def create(state: StateStore, *given: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    answer = call(state, "POST /v1/conversations", body={"items": list(given)}, seed=seed)
    assert isinstance(answer, dict)
    return answer


def listed(state: StateStore, conversation_id: str, *query: tuple[str, str]) -> Any:
    key = "GET /v1/conversations/{conversation_id}/items"
    return call(state, key, query=query, conversation_id=conversation_id)


# -- item shapes --------------------------------------------------------------------------


def test_an_input_message_is_kept_as_the_api_lists_it() -> None:
    kept = items.from_input({**HELLO, "id": "msg_1"})
    assert kept == {
        "type": "message",
        "id": "msg_1",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_text", "text": "Hello"}],
    }
    assert list(kept) == ["type", "id", "status", "role", "content"]
    said = items.from_input(
        {"id": "msg_2", "role": "assistant", "content": "Hi", "phase": "final_answer"}
    )
    assert said["content"] == [
        {"type": "output_text", "annotations": [], "logprobs": [], "text": "Hi"}
    ]
    assert (said["status"], said["phase"]) == ("completed", "final_answer")
    output = items.from_input(
        {"id": "fco_1", "type": "function_call_output", "call_id": "c1", "output": "42"}
    )
    assert (output["status"], output["call_id"]) == ("completed", "c1")


def test_id_prefixes_follow_the_item_type() -> None:
    assert [items.prefix_of({"type": t}) for t in ("message", "function_call", "reasoning")] == [
        "msg_",
        "fc_",
        "rs_",
    ]
    assert items.prefix_of({"role": "user"}) == "msg_"  # an easy message has no type
    assert items.prefix_of({"type": "mcp_call"}) == "item_"


def test_include_shows_what_is_kept_back() -> None:
    text = {"type": "output_text", "annotations": [], "logprobs": [{"token": "Hi"}], "text": "Hi"}
    message: dict[str, Any] = {"type": "message", "id": "m", "role": "assistant", "content": [text]}
    assert items.shown(message, ())["content"][0]["logprobs"] == []
    assert items.shown(message, {items.LOGPROBS})["content"][0]["logprobs"] == [{"token": "Hi"}]
    assert message["content"][0]["logprobs"] == [{"token": "Hi"}]  # a copy, not changed
    reasoning = {"type": "reasoning", "id": "rs", "summary": [], "encrypted_content": "gAAA"}
    assert "encrypted_content" not in items.shown(reasoning, ())
    assert items.shown(reasoning, {items.ENCRYPTED_REASONING}) == reasoning
    search = {"type": "file_search_call", "id": "fs", "queries": [], "results": [{"score": 1}]}
    assert items.shown(search, ())["results"] is None
    assert items.include_of((("include[]", "a"), ("include", "b"), ("limit", "2"))) == {"a", "b"}


# -- stored conversations, through the routes ------------------------------------------------


def test_kinds_are_never_evicted() -> None:
    assert {stored.KIND, stored.ITEMS} <= KEPT_KINDS


def test_create_list_page_and_delete(state: StateStore) -> None:
    made = create(
        state, HELLO, {**HELLO, "content": "Again"}, {"role": "assistant", "content": "Hi"}
    )
    assert made["object"] == "conversation" and made["metadata"] == {}
    newest = listed(state, made["id"])
    assert [i["content"][0]["text"] for i in newest["data"]] == ["Hi", "Again", "Hello"]
    assert (newest["first_id"], newest["has_more"]) == (newest["data"][0]["id"], False)
    page = listed(state, made["id"], ("order", "asc"), ("limit", "2"))
    assert [i["content"][0]["text"] for i in page["data"]] == ["Hello", "Again"]
    assert page["has_more"] is True
    rest = listed(state, made["id"], ("order", "asc"), ("after", page["last_id"]))
    assert [i["content"][0]["text"] for i in rest["data"]] == ["Hi"]

    other = create(state, HELLO)
    foreign = listed(state, other["id"])["data"][0]["id"]
    # An item of another conversation is no cursor here, on either backend.
    assert listed(state, made["id"], ("after", foreign))["data"] == []
    deleted = call(state, "DELETE /v1/conversations/{conversation_id}", conversation_id=made["id"])
    assert deleted == {"id": made["id"], "object": "conversation.deleted", "deleted": True}
    assert [r["conversation_id"] for r in state.values(stored.ITEMS)] == [other["id"]]
    with pytest.raises(APIError) as gone:
        listed(state, made["id"])
    assert (gone.value.status, gone.value.message) == (
        404,
        f"Conversation with id '{made['id']}' not found.",
    )


def test_ids_are_deterministic_under_the_seed(state: StateStore) -> None:
    first = create(state, HELLO, seed=7)
    item = listed(state, first["id"])["data"][0]
    fresh = ObjectStore()
    again = create(fresh, HELLO, seed=7)
    assert (again["id"], listed(fresh, again["id"])["data"][0]["id"]) == (first["id"], item["id"])
    assert create(ObjectStore(), HELLO, seed=8)["id"] != first["id"]


def test_an_item_id_already_held_is_added_as_a_copy(state: StateStore) -> None:
    made = create(state, {**HELLO, "id": "msg_given"})
    other = create(state, {**HELLO, "id": "msg_given"})
    [kept] = listed(state, made["id"])["data"]
    [copy] = listed(state, other["id"])["data"]
    assert kept["id"] == "msg_given" and copy["id"].startswith("msg_") and copy["id"] != "msg_given"


def test_items_create_retrieve_delete(state: StateStore) -> None:
    made = create(state)
    key = "POST /v1/conversations/{conversation_id}/items"
    added = call(state, key, body={"items": [HELLO]}, conversation_id=made["id"])
    [item] = added["data"]
    assert (added["first_id"], added["last_id"]) == (item["id"], item["id"])
    one = "/v1/conversations/{conversation_id}/items/{item_id}"
    found = call(state, "GET " + one, conversation_id=made["id"], item_id=item["id"])
    assert found == item
    after = call(state, "DELETE " + one, conversation_id=made["id"], item_id=item["id"])
    assert after == made
    with pytest.raises(APIError) as gone:
        call(state, "GET " + one, conversation_id=made["id"], item_id=item["id"])
    assert gone.value.message == f"Item with id '{item['id']}' not found in conversation."
    with pytest.raises(APIError) as empty:
        call(state, key, body={"items": []}, conversation_id=made["id"])
    assert (empty.value.status, empty.value.code, empty.value.param) == (
        400,
        "empty_array",
        "items",
    )


def test_update_replaces_the_metadata_and_ids_are_checked(state: StateStore) -> None:
    made = call(state, "POST /v1/conversations", body={"metadata": {"a": "1"}})
    one = "/v1/conversations/{conversation_id}"
    changed = call(state, "POST " + one, body={"metadata": {"b": "2"}}, conversation_id=made["id"])
    assert changed == {**made, "metadata": {"b": "2"}}
    assert call(state, "GET " + one, conversation_id=made["id"]) == changed
    with pytest.raises(APIError) as malformed:
        call(state, "GET " + one, conversation_id="thread_1")
    assert (malformed.value.status, malformed.value.param, malformed.value.message) == (
        400,
        "conversation_id",
        "Invalid 'conversation_id': 'thread_1'. Expected an ID that begins with 'conv'.",
    )
