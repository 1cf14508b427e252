"""Stored chat completions: the pure builders and the handlers over an ObjectStore."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.chat import routes as chat_store
from mockapi.endpoints.chat import stored as stored_chat
from mockapi.endpoints.chat import synthesis as chat
from mockapi.endpoints.chat.stream import completion_to_chunks
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.model import Request, Response, SSEEvent
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore

ASK = {"role": "user", "content": "What is the capital of France?"}
ROUTES = {f"{e.method} {e.template}": e for e in chat_store.ENDPOINTS}


def _completion(text: str = "Paris.", **extra: Any) -> dict[str, Any]:
    body = {"choices": [{"message": {"role": "assistant", "content": text}}], **extra}
    completed = chat.complete(body, {"model": "gpt-4o-mini", "messages": [ASK]})
    assert isinstance(completed, dict)
    return completed


def _ctx(
    key: str,
    state: ObjectStore,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
    query: tuple[tuple[str, str], ...] = (),
    synthesize: bool = False,
) -> Context:
    endpoint: Endpoint = ROUTES[key]
    request = Request(endpoint.method, endpoint.template, {}, query, b"", body)
    return Context(
        request=request,
        endpoint=endpoint,
        params=params or {},
        body=body or {},
        seed=0,
        state=state,
        models=[],
        synthesize=synthesize,
        clock=Clock(state),
        settings=Settings(),
    )


def _store(state: ObjectStore, request: dict[str, Any], response: Response) -> None:
    chat_store.remember(_ctx("POST /v1/chat/completions", state, body=request), response)


# -- the pure builders -------------------------------------------------------------------


def test_stored_completion_echoes_the_request_with_the_api_defaults() -> None:
    completion = _completion()
    request = {"model": "gpt-4o-mini", "messages": [ASK], "temperature": 0.2, "user": "u-1"}
    stored = stored_chat.stored_completion(
        completion, {**request, "metadata": {"a": "b"}}, request_id="req_1"
    )
    assert stored["id"] == completion["id"] and stored["object"] == "chat.completion"
    assert stored["choices"] == completion["choices"] and stored["usage"] == completion["usage"]
    assert stored["metadata"] == {"a": "b"} and stored["request_id"] == "req_1"
    assert stored["temperature"] == 0.2 and stored["top_p"] == 1.0
    assert stored["presence_penalty"] == 0.0 and stored["frequency_penalty"] == 0.0
    assert stored["input_user"] == "u-1"
    assert stored["tools"] is None and stored["tool_choice"] is None
    assert stored["response_format"] is None
    # No seed in the request: a 63-bit one, the same for the same id.
    again = stored_chat.stored_completion(completion, request, request_id=None)
    assert stored["seed"] == again["seed"] and 0 <= stored["seed"] < 2**63
    assert again["metadata"] == {}


def test_store_messages_number_the_request_messages_and_keep_their_parts() -> None:
    parts = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "text", "text": "briefly"},
    ]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": parts, "name": "ann"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1"}]},
    ]
    items = stored_chat.store_messages("chatcmpl-x", messages)
    assert [i["id"] for i in items] == ["chatcmpl-x-0", "chatcmpl-x-1", "chatcmpl-x-2"]
    assert [i["role"] for i in items] == ["system", "user", "assistant"]
    assert items[0]["content"] == "Be brief." and items[0]["content_parts"] is None
    assert items[1]["content"] == "Describe\nbriefly" and items[1]["content_parts"] == parts
    assert items[1]["name"] == "ann" and items[0]["name"] is None
    assert items[2]["tool_calls"] == [{"id": "call_1"}] and items[2]["content"] is None


def test_metadata_filter_reads_bracketed_query_keys_only() -> None:
    query = (("metadata[topic]", "geo"), ("limit", "2"), ("metadata[tier]", "gold"))
    assert stored_chat.metadata_filter(query) == {"topic": "geo", "tier": "gold"}


@pytest.mark.parametrize(
    ("metadata", "param", "code"),
    [
        ({f"k{i}": "v" for i in range(17)}, "metadata", "object_above_max_properties"),
        ({"k" * 65: "v"}, "metadata", "string_above_max_length"),
        ({"k": "v" * 513}, "metadata.k", "string_above_max_length"),
        ({"k": 3}, "metadata.k", "invalid_type"),
        (["k"], "metadata", "invalid_type"),
    ],
)
def test_check_metadata_refuses_what_the_api_refuses(metadata: Any, param: str, code: str) -> None:
    with pytest.raises(APIError) as caught:
        stored_chat.check_metadata(metadata)
    assert caught.value.status == 400
    assert caught.value.param == param and caught.value.code == code


def test_check_metadata_accepts_the_limits_and_null() -> None:
    full = {f"k{i}": "v" * 512 for i in range(16)}
    assert stored_chat.check_metadata(full) == full
    assert stored_chat.check_metadata(None) == {}


# -- remember and the handlers -------------------------------------------------------------


def test_only_store_true_answers_are_remembered() -> None:
    state = ObjectStore()
    _store(state, {"model": "gpt-4o-mini", "messages": [ASK]}, Response(body=_completion()))
    _store(state, {"model": "gpt-4o-mini", "messages": [ASK], "store": False}, Response())
    assert state.values(chat_store.STORED) == []
    kept = _completion()
    request = {"model": "gpt-4o-mini", "messages": [ASK], "store": True}
    _store(state, request, Response(headers={"x-request-id": "req_9"}, body=kept))
    [held] = state.values(chat_store.STORED)
    assert held["completion"]["id"] == kept["id"] and held["completion"]["request_id"] == "req_9"
    assert held["messages"][0]["content"] == ASK["content"]


def test_a_streamed_answer_is_remembered_reassembled_with_usage() -> None:
    state = ObjectStore()
    completion = _completion("Paris is the capital.")
    chunks = completion_to_chunks(completion, include_usage=False)
    events = (*(SSEEvent(data=c) for c in chunks), SSEEvent(data="[DONE]"))
    request = {"model": "gpt-4o-mini", "messages": [ASK], "store": True, "stream": True}
    _store(state, request, Response(events=events))
    [held] = state.values(chat_store.STORED)
    stored = held["completion"]
    assert stored["id"] == completion["id"]
    assert stored["choices"][0]["message"]["content"] == "Paris is the capital."
    assert stored["usage"]["completion_tokens"] > 0


def _three(state: ObjectStore) -> list[str]:
    made = []
    for index, (topic, model) in enumerate(
        [("geo", "gpt-4o-mini"), ("math", "gpt-4o"), ("geo", "gpt-4o")]
    ):
        completion = _completion(f"answer {index}", model=f"{model}-2024-08-06")
        request = {"model": model, "messages": [ASK], "store": True, "metadata": {"t": topic}}
        _store(state, request, Response(body=completion))
        made.append(completion["id"])
    return made


def test_list_filters_by_metadata_and_model_and_pages_in_order() -> None:
    state = ObjectStore()
    ids = _three(state)
    listed = chat_store.list_completions(_ctx("GET /v1/chat/completions", state)).body
    assert [c["id"] for c in listed["data"]] == ids and listed["has_more"] is False
    by_topic = _ctx("GET /v1/chat/completions", state, query=(("metadata[t]", "geo"),))
    assert [c["id"] for c in chat_store.list_completions(by_topic).body["data"]] == [
        ids[0],
        ids[2],
    ]
    # The model the request named, or the dated one the answer named.
    for model in ("gpt-4o", "gpt-4o-2024-08-06"):
        by_model = _ctx("GET /v1/chat/completions", state, query=(("model", model),))
        assert [c["id"] for c in chat_store.list_completions(by_model).body["data"]] == ids[1:]
    page = _ctx("GET /v1/chat/completions", state, query=(("order", "desc"), ("limit", "2")))
    body = chat_store.list_completions(page).body
    assert [c["id"] for c in body["data"]] == [ids[2], ids[1]] and body["has_more"] is True
    rest = _ctx(
        "GET /v1/chat/completions",
        state,
        query=(("order", "desc"), ("after", body["last_id"])),
    )
    assert [c["id"] for c in chat_store.list_completions(rest).body["data"]] == [ids[0]]


def test_an_unknown_order_is_a_400_naming_it() -> None:
    ctx = _ctx("GET /v1/chat/completions", ObjectStore(), query=(("order", "newest"),))
    with pytest.raises(APIError) as caught:
        chat_store.list_completions(ctx)
    assert caught.value.status == 400 and caught.value.param == "order"
    assert "'newest'" in caught.value.message


def test_update_replaces_metadata_and_delete_forgets() -> None:
    state = ObjectStore()
    first = _three(state)[0]
    params = {"completion_id": first}
    key = "POST /v1/chat/completions/{completion_id}"
    updated = chat_store.update(_ctx(key, state, body={"metadata": {"n": "1"}}, params=params))
    assert updated.body["metadata"] == {"n": "1"}
    retrieved = chat_store.retrieve(
        _ctx("GET /v1/chat/completions/{completion_id}", state, params=params)
    )
    assert retrieved.body["metadata"] == {"n": "1"}
    gone = chat_store.delete(
        _ctx("DELETE /v1/chat/completions/{completion_id}", state, params=params)
    )
    assert gone.body == {"object": "chat.completion.deleted", "id": first, "deleted": True}
    assert [r["completion"]["id"] for r in state.values(chat_store.STORED)] != []
    assert all(r["completion"]["id"] != first for r in state.values(chat_store.STORED))


@pytest.mark.parametrize(
    "key",
    [
        "GET /v1/chat/completions/{completion_id}",
        "POST /v1/chat/completions/{completion_id}",
        "DELETE /v1/chat/completions/{completion_id}",
        "GET /v1/chat/completions/{completion_id}/messages",
    ],
)
def test_unknown_ids_are_404_unless_the_server_synthesizes(key: str) -> None:
    handler = ROUTES[key].lookup
    assert handler is not None
    params = {"completion_id": "chatcmpl-fixed123"}
    body = {"metadata": {"k": "v"}}
    with pytest.raises(APIError) as caught:
        handler(_ctx(key, ObjectStore(), params=params, body=body))
    assert caught.value.status == 404
    assert "chatcmpl-fixed123" in caught.value.message
    answer = handler(_ctx(key, ObjectStore(), params=params, body=body, synthesize=True))
    if key.endswith("/messages"):
        assert answer.body["first_id"] == "chatcmpl-fixed123-0"
    else:
        assert answer.body["id"] == "chatcmpl-fixed123"


def test_a_synthesized_completion_is_the_same_for_the_same_id() -> None:
    one = chat_store.synthesized_record("chatcmpl-abc", seed=0)
    two = chat_store.synthesized_record("chatcmpl-abc", seed=0)
    other = chat_store.synthesized_record("chatcmpl-xyz", seed=0)
    assert one == two and one["completion"]["id"] == "chatcmpl-abc"
    assert other["completion"]["created"] != one["completion"]["created"]
    assert one["messages"][0]["id"] == "chatcmpl-abc-0"


def test_a_deleted_completion_stays_gone_even_when_synthesizing() -> None:
    state = ObjectStore()
    params = {"completion_id": "chatcmpl-fixed"}
    delete = _ctx(
        "DELETE /v1/chat/completions/{completion_id}", state, params=params, synthesize=True
    )
    assert chat_store.delete(delete).body["deleted"] is True
    for key in (
        "GET /v1/chat/completions/{completion_id}",
        "DELETE /v1/chat/completions/{completion_id}",
    ):
        handler = ROUTES[key].lookup
        assert handler is not None
        with pytest.raises(APIError) as caught:
            handler(_ctx(key, state, params=params, synthesize=True))
        assert caught.value.status == 404
