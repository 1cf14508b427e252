"""The Responses ``code_interpreter`` tool on a real server through the official SDK
(strict validation): a code_interpreter_call whose auto container exists and is
listed, its logs with ``include``, the same streamed (the SDK's accumulator parses every
event; the events in the API's order), an explicit container used and one the server
never made refused, tool_choice forcing the call; every body and event checked against
the derived schemas. No code is executed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

RESPONSES = "POST /v1/responses"
AUTO: Any = {"type": "code_interpreter", "container": {"type": "auto"}}
QUESTION = "What is 17 * 23?"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


def test_auto_runs_the_call_in_a_container_that_exists(
    strict: openai.OpenAI, raw: httpx.Client
) -> None:
    response = strict.responses.create(
        model="gpt-4o-mini",
        input=QUESTION,
        tools=[AUTO],
        include=["code_interpreter_call.outputs"],
    )
    call, message = response.output
    assert call.type == "code_interpreter_call" and message.type == "message"
    assert call.id.startswith("ci_") and call.status == "completed"
    assert call.code == "result = 17 * 23\nprint(result)"
    assert call.outputs is not None and [(o.type, o.logs) for o in call.outputs] == [  # type: ignore[union-attr]
        ("logs", "391\n")
    ]
    assert response.output_text == "17 * 23 = 391"
    container = strict.containers.retrieve(call.container_id)
    assert (container.status, container.last_active_at) == ("running", response.created_at)
    assert call.container_id in [c.id for c in strict.containers.list()]
    request = {"model": "gpt-4o-mini", "input": QUESTION, "tools": [AUTO]}
    body = raw.post("/v1/responses", json=request).json()
    assert response_problems(RESPONSES, body) == []
    assert body["output"][0]["outputs"] is None  # logs only when included


def test_streamed_the_call_comes_first_in_the_apis_order(
    strict: openai.OpenAI, raw: httpx.Client
) -> None:
    with strict.responses.stream(model="gpt-5", input=QUESTION, tools=[AUTO]) as stream:
        names = [event.type for event in stream]
        final = stream.get_final_response()
    assert [item.type for item in final.output] == ["reasoning", "code_interpreter_call", "message"]
    start = names.index("response.code_interpreter_call.in_progress")
    assert names[start - 1] == "response.output_item.added"
    deltas = names[start + 1 :].index("response.code_interpreter_call_code.done")
    assert deltas > 1
    assert set(names[start + 1 : start + 1 + deltas]) == {
        "response.code_interpreter_call_code.delta"
    }
    assert names[start + 1 + deltas : start + 5 + deltas] == [
        "response.code_interpreter_call_code.done",
        "response.code_interpreter_call.interpreting",
        "response.code_interpreter_call.completed",
        "response.output_item.done",
    ]
    assert names[-1] == "response.completed"
    call = final.output[1]
    assert call.type == "code_interpreter_call"
    assert call.container_id in [c.id for c in strict.containers.list()]
    request = {"model": "gpt-5", "input": QUESTION, "tools": [AUTO], "stream": True}
    with raw.stream("POST", "/v1/responses", json=request) as answer:
        datas = [
            json.loads(line.removeprefix("data: "))
            for line in answer.iter_lines()
            if line.startswith("data: ")
        ]
    for data in datas:
        assert response_problems(RESPONSES, data, role="stream_event") == [], data["type"]
    added = next(
        d for d in datas if d["type"] == "response.output_item.added" and d["output_index"] == 1
    )
    assert (added["item"]["status"], added["item"]["code"]) == ("in_progress", "")
    code = "".join(d["delta"] for d in datas if d["type"].endswith("_code.delta"))
    assert code == datas[-1]["response"]["output"][1]["code"]


def test_an_explicit_container_is_used_and_an_unknown_one_refused(
    strict: openai.OpenAI,
) -> None:
    mine = strict.containers.create(name="mine")
    tool: Any = {"type": "code_interpreter", "container": mine.id}
    response = strict.responses.create(model="gpt-4o-mini", input=QUESTION, tools=[tool])
    assert response.output[0].container_id == mine.id  # type: ignore[union-attr]
    before = len(list(strict.containers.list()))
    unknown: Any = {"type": "code_interpreter", "container": "cntr_0000"}
    with pytest.raises(openai.NotFoundError) as caught:
        strict.responses.create(model="gpt-4o-mini", input=QUESTION, tools=[unknown])
    assert caught.value.body["message"] == "Container with id 'cntr_0000' not found."  # type: ignore[index]
    assert len(list(strict.containers.list())) == before


def test_tool_choice_forces_the_call_over_a_function(strict: openai.OpenAI) -> None:
    weather: Any = {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    asked: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "input": "What is the weather in Paris?",
        "tools": [AUTO, weather],
    }
    assert [i.type for i in strict.responses.create(**asked).output] == ["function_call"]
    forced = strict.responses.create(**asked, tool_choice={"type": "code_interpreter"})
    assert forced.output[0].type == "code_interpreter_call"
    none = strict.responses.create(
        model="gpt-4o-mini", input=QUESTION, tools=[AUTO], tool_choice="none"
    )
    assert [i.type for i in none.output] == ["message"]
