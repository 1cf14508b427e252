"""The Responses ``file_search`` tool in synthesis, without a server: when the model
searches, the call item and the cited message, include, usage, the tool's checks and
echo, and the stream events it becomes."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.responses import routes
from mockapi.endpoints.responses.stream import to_events
from mockapi.errors import APIError
from mockapi.wire import tokens
from tests.unit.endpoints.file_search_state import SHIPPING, WARRANTY, Stores

ENDPOINT = routes.ENDPOINTS[0]
TOOL = {"type": "file_search", "vector_store_ids": ["vs_policies"]}
QUESTION = "How long are batteries covered?"


def respond(stores: Stores, **body: Any) -> dict[str, Any]:
    asked = {"model": "gpt-4o-mini", "input": QUESTION, "tools": [TOOL], **body}
    return dict(routes.create(stores.context(ENDPOINT, asked)).body)


def kinds(response: dict[str, Any]) -> list[str]:
    return [item["type"] for item in response["output"]]


@pytest.fixture
def stores() -> Stores:
    made = Stores()
    made.policies()
    return made


def test_the_answer_quotes_and_cites_the_top_passage(stores: Stores) -> None:
    response = respond(stores)
    assert kinds(response) == ["file_search_call", "message"]
    call, message = response["output"]
    assert call["id"].startswith("fs_")
    assert (call["status"], call["queries"], call["results"]) == ("completed", [QUESTION], None)
    part = message["content"][0]
    assert part["text"] == "According to warranty.txt: Batteries are covered for six months only."
    assert part["annotations"] == [
        {
            "type": "file_citation",
            "file_id": "file-warranty",
            "filename": "warranty.txt",
            "index": len(part["text"]),
        }
    ]
    assert response["status"] == "completed"
    assert response["tools"] == [
        {
            "type": "file_search",
            "filters": None,
            "max_num_results": 20,
            "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
            "vector_store_ids": ["vs_policies"],
        }
    ]


def test_include_gives_the_results_and_usage_bills_them_as_input(stores: Stores) -> None:
    plain = respond(stores, tools=[{**TOOL, "max_num_results": 2}])
    response = respond(
        stores, tools=[{**TOOL, "max_num_results": 2}], include=["file_search_call.results"]
    )
    results = response["output"][0]["results"]
    assert [r["file_id"] for r in results] == ["file-warranty", "file-shipping"]
    assert results[0]["text"] == WARRANTY and results[0]["attributes"]["year"] == 2024
    assert 0 < results[1]["score"] < results[0]["score"] <= 1
    retrieved = tokens.count_text(WARRANTY, "gpt-4o-mini") + tokens.count_text(
        SHIPPING, "gpt-4o-mini"
    )
    no_tool = {"model": "gpt-4o-mini", "input": QUESTION}
    base = dict(routes.create(stores.context(ENDPOINT, no_tool)).body)["usage"]["input_tokens"]
    assert plain["usage"]["input_tokens"] == base + retrieved
    text = response["output"][1]["content"][0]["text"]
    assert plain["usage"]["output_tokens"] == tokens.count_text(text, "gpt-4o-mini")
    usage = plain["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_filters_and_threshold_can_leave_nothing_found(stores: Stores) -> None:
    only_shipping = {**TOOL, "filters": {"type": "eq", "key": "topic", "value": "shipping"}}
    cited = respond(stores, tools=[only_shipping])["output"][1]["content"][0]
    assert cited["annotations"][0]["file_id"] == "file-shipping"
    strict = {**TOOL, "ranking_options": {"score_threshold": 0.99}}
    response = respond(stores, tools=[strict], include=["file_search_call.results"])
    assert response["output"][0]["results"] == []
    part = response["output"][1]["content"][0]
    assert part["annotations"] == []
    assert part["text"] == (
        'I searched the files for "How long are batteries covered?" and found nothing about it.'
    )


@pytest.mark.parametrize(
    ("extra", "searches"),
    [
        ({"tool_choice": "none"}, False),
        ({"tool_choice": "required"}, True),
        ({"tool_choice": {"type": "file_search"}}, True),
        ({"tool_choice": {"type": "web_search_preview"}}, False),
        ({"tool_choice": {"type": "allowed_tools", "mode": "auto", "tools": [TOOL]}}, True),
        (
            {
                "tool_choice": {
                    "type": "allowed_tools",
                    "mode": "auto",
                    "tools": [{"type": "function", "name": "x"}],
                }
            },
            False,
        ),
    ],
)
def test_tool_choice(stores: Stores, extra: dict[str, Any], searches: bool) -> None:
    assert ("file_search_call" in kinds(respond(stores, **extra))) is searches


WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_function_calls_that_apply_answer_the_turn_unless_the_search_is_forced(
    stores: Stores,
) -> None:
    asked = {"input": "What is the weather in Paris?", "tools": [TOOL, WEATHER]}
    assert kinds(respond(stores, **asked)) == ["function_call"]
    forced = respond(stores, **asked, tool_choice={"type": "file_search"})
    assert kinds(forced) == ["file_search_call", "message"]
    after_call = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
    ]
    assert kinds(respond(stores, input=after_call, tools=[TOOL, WEATHER])) == ["message"]


def test_a_reasoning_model_thinks_first_and_a_structured_answer_stays_json(
    stores: Stores,
) -> None:
    thought = respond(stores, model="o3-mini")
    assert kinds(thought) == ["reasoning", "file_search_call", "message"]
    assert thought["usage"]["output_tokens_details"]["reasoning_tokens"] == 192
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    fmt = {"type": "json_schema", "name": "a", "schema": schema}
    typed = respond(stores, text={"format": fmt})
    part = typed["output"][1]["content"][0]
    assert part["text"].startswith("{") and part["annotations"] == []


def test_max_output_tokens_cuts_the_answer(stores: Stores) -> None:
    long = (
        "The extended warranty plan covers accidental damage, water damage, cracked "
        "screens, failing batteries and worn buttons for three full years after purchase."
    )
    stores.add("vs_long", [("file-plan", "plan.txt", [long], {})])
    tool = {"type": "file_search", "vector_store_ids": ["vs_long"]}
    response = respond(stores, max_output_tokens=16, tools=[tool], input="extended warranty plan")
    part = response["output"][1]["content"][0]
    assert tokens.count_text(part["text"], "gpt-4o-mini") == 16
    assert response["status"] == "incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    assert all(a["index"] <= len(part["text"]) for a in part["annotations"])


@pytest.mark.parametrize(
    ("tool", "status", "param"),
    [
        ({**TOOL, "vector_store_ids": ["vs_policies", "vs_gone"]}, 404,
         "tools[0].vector_store_ids"),
        ({**TOOL, "max_num_results": 51}, 400, "tools[0].max_num_results"),
        ({**TOOL, "ranking_options": {"score_threshold": 1.5}}, 400,
         "tools[0].ranking_options.score_threshold"),
        ({**TOOL, "filters": {"type": "in", "key": "a", "value": 1}}, 400,
         "tools[0].filters.value"),
    ],
)  # fmt: skip
def test_the_tool_is_checked_even_when_not_called(
    stores: Stores, tool: dict[str, Any], status: int, param: str
) -> None:
    with pytest.raises(APIError) as caught:
        respond(stores, tools=[tool], tool_choice="none")
    assert (caught.value.status, caught.value.param) == (status, param)


def test_the_stream_reports_the_search_then_the_citation(stores: Stores) -> None:
    response = respond(stores)
    events = [e.data for e in to_events(response, {})]
    names = [e["type"] for e in events]
    call_id = response["output"][0]["id"]
    start = names.index("response.output_item.added")
    assert names[start : start + 5] == [
        "response.output_item.added",
        "response.file_search_call.in_progress",
        "response.file_search_call.searching",
        "response.file_search_call.completed",
        "response.output_item.done",
    ]
    added = events[start]["item"]
    assert (added["status"], added["queries"], added["results"]) == ("in_progress", [], None)
    assert all(e["item_id"] == call_id for e in events[start + 1 : start + 4])
    part_added = next(e for e in events if e["type"] == "response.content_part.added")
    assert part_added["part"]["annotations"] == []
    note = names.index("response.output_text.annotation.added")
    assert names[note - 1] == "response.output_text.delta"
    assert names[note + 1] == "response.output_text.done"
    annotation = events[note]
    assert annotation["annotation"] == response["output"][1]["content"][0]["annotations"][0]
    assert (annotation["annotation_index"], annotation["content_index"]) == (0, 0)
    assert annotation["output_index"] == 1
