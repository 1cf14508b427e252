"""The Responses API's code_interpreter tool without a server
(mockapi.endpoints.responses.code_interpreter): when it is called, in which container,
the snippet and the logs the mock claims it prints (checked here by running the snippet,
which the mock never does), usage, and the streamed events."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

from mockapi.endpoints.containers import stored
from mockapi.endpoints.responses import code_interpreter, synthesis
from mockapi.endpoints.responses.routes import ENDPOINTS
from mockapi.errors import APIError
from mockapi.wire import tokens
from tests.unit.endpoints.test_containers import Box

CREATE = next(e for e in ENDPOINTS if e.key == "POST /v1/responses")
AUTO = {"type": "code_interpreter", "container": {"type": "auto"}}


def answer(box: Box, history: list[dict[str, Any]] | None = None, **body: Any) -> dict[str, Any]:
    """What synthesis answers ``body`` (a ``POST /v1/responses`` body) with the tool."""
    request = {"model": "gpt-4o-mini", "input": "What is 17 * 23?", "tools": [AUTO], **body}
    ctx = box.context(CREATE, request)
    synthesized = synthesis.synthesize(request, history or [], seed=0)
    return code_interpreter.answer(ctx, synthesized, history or [])


def calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in body["output"] if i["type"] == "code_interpreter_call"]


def printed(code: str) -> str:
    """What ``code`` prints when Python runs it (the test runs it; the mock never does)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})  # the mock's own snippets: to check the logs it claims
    return out.getvalue()


@pytest.mark.parametrize(
    "question",
    [
        "What is 17 * 23?",
        "Compute 2^10 - 24, please",
        "What is (1,250 + 250) / 7?",
        "Is -5 + 3 negative?",
        "Plot the monthly sales as a bar chart",
        'Say "hi" and it\'s\nfine',
    ],
)
def test_the_logs_are_what_the_snippet_prints(question: str) -> None:
    written = code_interpreter.snippet(question, [])
    assert printed(written.code) == written.logs


def test_unsafe_or_impossible_arithmetic_falls_back_to_counting_words() -> None:
    for question in ("What is 9^999999?", "What is 1/0?", "How are you on 2024-05-01?"):
        assert code_interpreter.arithmetic(question) is None
        written = code_interpreter.snippet(question, [])
        assert written.said is None and "words" in written.logs


def test_a_container_with_files_gets_them_listed() -> None:
    files = [{"path": "/mnt/data/b.csv", "bytes": 3}, {"path": "/mnt/data/a.txt", "bytes": 12}]
    written = code_interpreter.snippet("Summarise the data", files)
    assert written.logs == "a.txt 12\nb.csv 3\n"
    assert (
        written.said
        == "The container holds 2 file(s) in /mnt/data: a.txt (12 bytes), b.csv (3 bytes)"
    )


def test_auto_makes_a_container_and_the_call_comes_before_the_message() -> None:
    box = Box()
    body = answer(box, include=["code_interpreter_call.outputs"])
    [call] = calls(body)
    assert [i["type"] for i in body["output"]] == ["code_interpreter_call", "message"]
    assert list(call) == ["id", "type", "status", "code", "container_id", "outputs"]
    assert call["id"].startswith("ci_") and call["status"] == "completed"
    assert call["outputs"] == [{"type": "logs", "logs": "391\n"}]
    [container] = box.state.values(stored.KIND)
    assert (container["id"], container["name"]) == (
        call["container_id"],
        code_interpreter.AUTO_NAME,
    )
    assert body["output"][1]["content"][0]["text"] == "17 * 23 = 391"
    plain = synthesis.synthesize({"model": "gpt-4o-mini", "input": "What is 17 * 23?"}, seed=0)
    expected = sum(tokens.count_text(t, "gpt-4o-mini") for t in (call["code"], "17 * 23 = 391"))
    assert body["usage"]["output_tokens"] == expected
    assert body["usage"]["input_tokens"] == plain["usage"]["input_tokens"]
    assert body["usage"]["total_tokens"] == expected + plain["usage"]["input_tokens"]


def test_outputs_are_null_unless_included() -> None:
    [call] = calls(answer(Box()))
    assert call["outputs"] is None


def test_an_auto_container_gets_copies_of_the_tools_files() -> None:
    box = Box()
    file_id = box.file(b"a,b\n", "data.csv")
    tool = {"type": "code_interpreter", "container": {"type": "auto", "file_ids": [file_id]}}
    body = answer(box, input="Describe the table", tools=[tool])
    [call] = calls(body)
    [copied] = stored.files_of(box.context(CREATE), call["container_id"])
    assert (copied["path"], copied["bytes"]) == ("/mnt/data/data.csv", 4)
    assert "os.listdir" in call["code"]
    missing = {"type": "code_interpreter", "container": {"type": "auto", "file_ids": ["file-x"]}}
    with pytest.raises(APIError) as caught:
        answer(box, tools=[missing])
    assert (caught.value.status, caught.value.param) == (404, "tools[0].container.file_ids")


def test_an_explicit_container_is_used_and_must_exist_and_be_running() -> None:
    box = Box()
    made = stored.create(box.context(CREATE), name="mine")
    box.advance(60)
    tool = {"type": "code_interpreter", "container": made["id"]}
    [call] = calls(answer(box, tools=[tool]))
    assert call["container_id"] == made["id"]
    used = stored.find(box.context(CREATE), made["id"])
    assert used["last_active_at"] == made["created_at"] + 60
    assert len(box.state.values(stored.KIND)) == 1  # no auto container
    unknown = {"type": "code_interpreter", "container": "cntr_unknown"}
    for choice in ("auto", "none"):  # checked even when the model would not call it
        with pytest.raises(APIError) as caught:
            answer(box, tools=[unknown], tool_choice=choice)
        assert (caught.value.status, caught.value.message) == (
            404,
            "Container with id 'cntr_unknown' not found.",
        )
    box.advance(20 * 60)
    with pytest.raises(APIError) as caught:
        answer(box, tools=[tool])
    assert (caught.value.status, caught.value.message) == (400, "Container is expired.")


def test_a_chained_turn_reuses_the_last_calls_container() -> None:
    box = Box()
    first = answer(box)
    [call] = calls(first)
    history = [{"type": "message", "role": "user", "content": "What is 17 * 23?"}, *first["output"]]
    second = answer(box, history, input="And 6 * 7?")
    assert calls(second)[0]["container_id"] == call["container_id"]
    assert len(box.state.values(stored.KIND)) == 1
    box.advance(21 * 60)
    with pytest.raises(APIError) as caught:
        answer(box, history, input="And 6 * 7?")
    assert caught.value.message == "Container is expired."


@pytest.mark.parametrize(
    ("choice", "called"),
    [
        ("none", False),
        ({"type": "function", "name": "lookup"}, False),
        ({"type": "code_interpreter"}, True),
        ("required", True),
        (
            {"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "x"}]},
            False,
        ),
        (
            {"type": "allowed_tools", "mode": "required", "tools": [{"type": "code_interpreter"}]},
            True,
        ),
    ],
)
def test_tool_choice_decides(choice: Any, called: bool) -> None:
    body = answer(Box(), tool_choice=choice)
    assert bool(calls(body)) is called


def test_no_call_when_function_calls_answer_the_turn_unless_forced() -> None:
    weather = {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    asked: dict[str, Any] = {"input": "What is the weather in Paris?", "tools": [AUTO, weather]}
    body = answer(Box(), **asked)
    assert [i["type"] for i in body["output"]] == ["function_call"]
    forced = answer(Box(), **asked, tool_choice={"type": "code_interpreter"})
    assert [i["type"] for i in forced["output"]] == ["code_interpreter_call", "function_call"]


def test_a_reasoning_item_stays_first() -> None:
    body = answer(Box(), model="o4-mini")
    assert [i["type"] for i in body["output"]] == ["reasoning", "code_interpreter_call", "message"]


def test_a_structured_answer_keeps_its_message() -> None:
    fmt = {"type": "json_schema", "name": "n", "schema": {"type": "object", "properties": {}}}
    body = answer(Box(), text={"format": fmt})
    assert body["output"][1]["content"][0]["text"].startswith("{")


def test_the_streamed_events_in_the_apis_order() -> None:
    item = {
        "id": "ci_1",
        "type": "code_interpreter_call",
        "code": "result = 17 * 23\nprint(result)",
    }
    events = code_interpreter.stream_events(item, 2, lambda piece: "pad")
    names = [name for name, _ in events]
    assert names[0] == "response.code_interpreter_call.in_progress"
    assert names[-3:] == [
        "response.code_interpreter_call_code.done",
        "response.code_interpreter_call.interpreting",
        "response.code_interpreter_call.completed",
    ]
    deltas = [fields for name, fields in events if name.endswith("_code.delta")]
    assert len(deltas) > 1 and "".join(d["delta"] for d in deltas) == item["code"]
    assert all(d["obfuscation"] == "pad" and d["output_index"] == 2 for d in deltas)
    assert events[-3][1]["code"] == item["code"]
    assert code_interpreter.started({**item, "outputs": None}) == {"code": "", "outputs": None}
