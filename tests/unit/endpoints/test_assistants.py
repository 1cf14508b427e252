"""Assistants, threads and messages without a server (mockapi.endpoints.assistants): ids and
the API's refusals (an id of another kind, an unknown one, no beta header), tools echoed
with their defaults, tool resources checked against the files and vector stores kept
(and a vector store made from files), a thread's messages listed in order and by run, a
thread's delete taking its messages, runs and steps, a run's file search (its step,
``include``, the passages in the prompt), and the sunset switch from the settings, the
state store and the command line."""

from __future__ import annotations

import re

import pytest

from mockapi.cli.parser import build_parser
from mockapi.config import Settings
from mockapi.endpoints.assistants import records, routes, sunset
from mockapi.endpoints.files import stored
from mockapi.errors import APIError
from tests.unit.endpoints.assistants_state import BETA, WEATHER, Api
from tests.unit.endpoints.file_search_state import Stores

INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"


def test_ids_refusals_and_the_beta_header() -> None:
    api = Api()
    assistant_id = api.assistant()
    assert re.fullmatch(r"asst_[A-Za-z0-9]{24}", assistant_id)
    assert re.fullmatch(r"thread_[A-Za-z0-9]{24}", api.thread("Hi"))
    with pytest.raises(APIError) as caught:
        api.call("GET", "/v1/threads/conv_123")
    assert (caught.value.status, caught.value.param, caught.value.code) == (
        400,
        "thread_id",
        "invalid_value",
    )
    assert caught.value.message == (
        "Invalid 'thread_id': 'conv_123'. Expected an ID that begins with 'thread'."
    )
    with pytest.raises(APIError) as missing:
        api.call("GET", "/v1/threads/thread_nope")
    assert (missing.value.status, missing.value.message) == (
        404,
        "No thread found with id 'thread_nope'.",
    )
    for headers in ({}, {"openai-beta": "assistants=v1"}):
        with pytest.raises(APIError) as unbeta:
            api.call("GET", f"/v1/assistants/{assistant_id}", headers=headers)
        assert (unbeta.value.status, unbeta.value.code) == (400, "invalid_beta")
        assert "'OpenAI-Beta: assistants=v2'" in unbeta.value.message
    both = {**BETA, "openai-beta": "assistants=v2, realtime=v1"}
    assert api.call("GET", f"/v1/assistants/{assistant_id}", headers=both)["id"] == assistant_id


def test_tools_and_tool_resources_are_checked_and_echoed() -> None:
    stores = Stores()
    store_id = stores.policies()
    api = Api(state=stores.state)
    ctx = api.context("POST", "/v1/assistants")
    file_id = stored.create(ctx, b"print(1)", filename="a.py", purpose="assistants")["id"]
    search = {"type": "file_search", "file_search": {"max_num_results": 5}}
    resources = {
        "code_interpreter": {"file_ids": [file_id]},
        "file_search": {"vector_store_ids": [store_id]},
    }
    made = api.call(
        "POST",
        "/v1/assistants",
        {"model": "gpt-4o", "tools": [WEATHER, search], "tool_resources": resources},
    )
    assert made["tools"] == [
        {"type": "function", "function": {**WEATHER["function"], "strict": False}},
        {
            "type": "file_search",
            "file_search": {
                "max_num_results": 5,
                "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0},
            },
        },
    ]
    assert made["tool_resources"] == resources
    assert (made["temperature"], made["top_p"], made["response_format"]) == (1.0, 1.0, "auto")
    with pytest.raises(APIError, match="No vector store found with id 'vs_nope'"):
        api.assistant(tool_resources={"file_search": {"vector_store_ids": ["vs_nope"]}})
    with pytest.raises(APIError) as caught:
        api.assistant(tool_resources={"code_interpreter": {"file_ids": ["file-nope"]}})
    assert caught.value.param == "tool_resources.code_interpreter.file_ids"
    fresh = {"file_search": {"vector_stores": [{"file_ids": [file_id]}]}}
    thread = api.call("POST", "/v1/threads", {"tool_resources": fresh})
    [new_store] = thread["tool_resources"]["file_search"]["vector_store_ids"]
    assert new_store.startswith("vs_") and new_store != store_id
    updated = api.call("POST", f"/v1/assistants/{made['id']}", {"tool_resources": {}})
    assert updated["tool_resources"] == {} and updated["tools"] == made["tools"]


def test_messages_list_in_order_by_run_and_threads_delete_what_they_hold() -> None:
    api = Api()
    thread = api.thread("one")
    path = f"/v1/threads/{thread}/messages"
    parts = [
        {"type": "text", "text": "two"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    made = api.call("POST", path, {"role": "user", "content": parts, "metadata": {"n": "2"}})
    assert made["content"] == [
        {"type": "text", "text": {"value": "two", "annotations": []}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}},
    ]
    assert (made["status"], made["run_id"], made["assistant_id"]) == ("completed", None, None)
    with pytest.raises(APIError, match="No file found with id 'file-nope'") as caught:
        api.call(
            "POST",
            path,
            {"role": "user", "content": "x", "attachments": [{"file_id": "file-nope"}]},
        )
    assert caught.value.param == "attachments"
    run = api.run(thread, api.assistant())
    api.retrieve(run)
    api.retrieve(run)
    newest = api.call("GET", path)["data"]
    assert [m["role"] for m in newest] == ["assistant", "user", "user"]
    oldest = api.call("GET", path, query=(("order", "asc"), ("limit", "1")))
    assert oldest["data"][0]["content"][0]["text"]["value"] == "one" and oldest["has_more"]
    [reply] = api.call("GET", path, query=(("run_id", run["id"]),))["data"]
    assert reply["run_id"] == run["id"] and reply["role"] == "assistant"
    assert api.asked[0]["messages"][1]["content"] == [
        {"type": "text", "text": "two"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}},
    ]
    gone = api.call("DELETE", f"/v1/threads/{thread}")
    assert gone == {"id": thread, "object": "thread.deleted", "deleted": True}
    for kind in (records.MESSAGES, records.RUNS, records.STEPS, records.THREADS):
        assert api.state.values(kind) == [], kind


def test_a_run_searches_its_vector_stores_and_include_shows_the_content() -> None:
    stores = Stores()
    store_id = stores.policies()
    api = Api(state=stores.state)
    assistant = api.assistant(
        tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_store_ids": [store_id]}},
    )
    run = api.run(api.thread("How long is the warranty on batteries?"), assistant)
    api.retrieve(run)
    assert api.retrieve(run)["status"] == "completed"
    search, message = api.steps(run)
    assert message["type"] == "message_creation"
    [call] = search["step_details"]["tool_calls"]
    results = call["file_search"]["results"]
    assert results[0]["file_name"] == "warranty.txt" and "content" not in results[0]
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/steps/{search['id']}"
    shown = api.call("GET", path, query=(("include[]", INCLUDE),))
    content = shown["step_details"]["tool_calls"][0]["file_search"]["results"][0]["content"]
    assert "six months" in content[0]["text"]
    with pytest.raises(APIError) as caught:
        api.call("GET", path, query=(("include[]", "everything"),))
    assert (caught.value.status, caught.value.param) == (400, "include")
    prompt = api.asked[0]["messages"]
    assert prompt[0]["role"] == "system" and "[warranty.txt] The warranty" in prompt[0]["content"]
    assert prompt[-1] == {"role": "user", "content": "How long is the warranty on batteries?"}
    unforced = api.run(
        api.thread("And returns?"),
        assistant,
        tool_choice={"type": "function", "function": {"name": "x"}},
    )
    api.retrieve(unforced)
    api.retrieve(unforced)
    assert [s["type"] for s in api.steps(unforced)] == ["message_creation"]


def test_the_sunset_switch_refuses_every_route() -> None:
    down = Api(settings=Settings(sunset=frozenset({"assistants"})))
    for endpoint in routes.ENDPOINTS:
        path = endpoint.template.format(
            assistant_id="asst_1",
            thread_id="thread_1",
            message_id="msg_1",
            run_id="run_1",
            step_id="step_1",
        )
        with pytest.raises(APIError) as caught:
            down.call(endpoint.method, path, {}, headers={})  # before the beta header's 400
        assert caught.value.status == 404 and caught.value.code is None
        assert caught.value.message.startswith(f"Invalid URL ({endpoint.method} {path}): ")
        assert "shut down on 2026-08-26" in caught.value.message
        assert "Responses API" in caught.value.message
    assert len(routes.ENDPOINTS) == 23

    api = Api()
    assistant_id = api.assistant()
    sunset.set_sunset(api.state, ["assistants"])
    with pytest.raises(APIError, match="Invalid URL"):
        api.call("GET", f"/v1/assistants/{assistant_id}")
    sunset.set_sunset(api.state, [])
    assert api.call("GET", f"/v1/assistants/{assistant_id}")["id"] == assistant_id
    with pytest.raises(ValueError, match="unknown sunset family 'chat': use one of assistants"):
        sunset.set_sunset(api.state, ["chat"])


def test_the_command_line_takes_the_sunset_switch(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["serve", "--sunset", "assistants"]).sunset == ["assistants"]
    assert build_parser().parse_args(["serve"]).sunset == []
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--sunset", "videos"])
    assert "invalid choice: 'videos'" in capsys.readouterr().err
