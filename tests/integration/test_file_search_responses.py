"""The Responses ``file_search`` tool on a real server through the official SDK (strict
validation): a file_search_call and a message citing the right file, the same streamed
(the SDK's accumulator parses every event; the events in the API's order), results with
``include``, a forced search, the API's 404 for an unknown store, and a fixture pinning
the answer; every body and event checked against the derived schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai.types.responses import Response

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server
from tests.integration.vector_store_documents import Document, make_store

RESPONSES = "POST /v1/responses"
DOCUMENTS: tuple[Document, ...] = (
    ("returns.md", b"Items may be returned within 30 days of purchase with a receipt.", {}),
    ("warranty.txt", b"The warranty covers defects for two years. Batteries: six months.", {}),
    ("shipping.txt", b"Express delivery takes two business days and costs 15 dollars.", {}),
)
QUESTION = "How much does express delivery cost?"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(scope="module")
def store(server: ServerThread) -> tuple[str, list[str]]:
    """A vector store of the three documents (file ids in upload order)."""
    return make_store(server.url + "/v1", DOCUMENTS)


def tool(store_id: str, **options: Any) -> Any:
    return {"type": "file_search", "vector_store_ids": [store_id], **options}


def citations(response: Response) -> list[Any]:
    """The annotations of the response's closing message."""
    message = response.output[-1]
    assert message.type == "message"
    part = message.content[0]
    assert part.type == "output_text"
    return list(part.annotations)


def test_the_answer_cites_the_file_that_holds_it(
    strict: openai.OpenAI, raw: httpx.Client, store: tuple[str, list[str]]
) -> None:
    store_id, (_, _, shipping) = store
    response = strict.responses.create(model="gpt-4o-mini", input=QUESTION, tools=[tool(store_id)])
    call, message = response.output
    assert call.type == "file_search_call" and message.type == "message"
    assert (call.status, call.queries, call.results) == ("completed", [QUESTION], None)
    part = message.content[0]
    assert part.type == "output_text"
    assert "costs 15 dollars" in part.text
    citation = part.annotations[0]
    assert citation.type == "file_citation"
    assert (citation.file_id, citation.filename) == (shipping, "shipping.txt")
    assert citation.index == len(part.text)
    body = raw.post(
        "/v1/responses", json={"model": "gpt-4o-mini", "input": QUESTION, "tools": [tool(store_id)]}
    ).json()
    assert response_problems(RESPONSES, body) == []


def test_include_gives_the_ranked_results(
    strict: openai.OpenAI, store: tuple[str, list[str]]
) -> None:
    store_id, (_, _, shipping) = store
    response = strict.responses.create(
        model="gpt-4o-mini",
        input=QUESTION,
        tools=[tool(store_id, max_num_results=2)],
        include=["file_search_call.results"],
    )
    results = response.output[0].results  # type: ignore[union-attr]
    assert results is not None and len(results) == 2
    assert results[0].file_id == shipping and results[0].filename == "shipping.txt"
    assert results[0].text == DOCUMENTS[2][1].decode()
    assert results[0].score is not None and results[0].score > results[1].score  # type: ignore[operator]
    usage = response.usage
    assert usage is not None
    without = strict.responses.create(model="gpt-4o-mini", input=QUESTION)
    assert without.usage is not None and usage.input_tokens > without.usage.input_tokens + 20


def test_streamed_the_search_comes_first_then_the_cited_text(
    strict: openai.OpenAI, raw: httpx.Client, store: tuple[str, list[str]]
) -> None:
    store_id, (_, _, shipping) = store
    with strict.responses.stream(
        model="gpt-4o-mini", input=QUESTION, tools=[tool(store_id)]
    ) as stream:
        names = [event.type for event in stream]
        final = stream.get_final_response()
    assert names[2:7] == [
        "response.output_item.added",
        "response.file_search_call.in_progress",
        "response.file_search_call.searching",
        "response.file_search_call.completed",
        "response.output_item.done",
    ]
    note = names.index("response.output_text.annotation.added")
    assert names[note + 1 : note + 3] == ["response.output_text.done", "response.content_part.done"]
    assert names[-1] == "response.completed"
    assert [item.type for item in final.output] == ["file_search_call", "message"]
    assert citations(final)[0].file_id == shipping
    assert "costs 15 dollars" in final.output_text
    request = {"model": "gpt-4o-mini", "input": QUESTION, "tools": [tool(store_id)], "stream": True}
    with raw.stream("POST", "/v1/responses", json=request) as answer:
        lines = [line for line in answer.iter_lines() if line.startswith("data: ")]
    for line in lines:
        data = json.loads(line.removeprefix("data: "))
        assert response_problems(RESPONSES, data, role="stream_event") == [], data["type"]


def test_a_forced_search_over_a_function_tool_and_one_finding_nothing(
    strict: openai.OpenAI, store: tuple[str, list[str]]
) -> None:
    store_id, _ = store
    weather: Any = {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    question = "What is the weather in Paris?"
    called = strict.responses.create(
        model="gpt-4o-mini", input=question, tools=[tool(store_id), weather]
    )
    assert [item.type for item in called.output] == ["function_call"]
    forced = strict.responses.create(
        model="gpt-4o-mini",
        input=question,
        tools=[tool(store_id, ranking_options={"score_threshold": 0.9}), weather],
        tool_choice={"type": "file_search"},
    )
    assert [item.type for item in forced.output] == ["file_search_call", "message"]
    assert "found nothing" in forced.output_text
    assert citations(forced) == []


def test_an_unknown_vector_store_is_the_api_404(strict: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        strict.responses.create(model="gpt-4o-mini", input=QUESTION, tools=[tool("vs_nope")])
    assert "vs_nope" in caught.value.message
    assert caught.value.param == "tools[0].vector_store_ids"


def test_a_fixture_pins_the_answer(
    server: ServerThread, strict: openai.OpenAI, store: tuple[str, list[str]]
) -> None:
    store_id, _ = store
    control = server.control  # type: ignore[attr-defined]
    pinned = {
        "match": {"path": "/v1/responses", "partial_body": {"input": "pinned question"}},
        "response": {
            "body": {
                "output": [
                    {"type": "file_search_call", "queries": ["pinned"]},
                    {"type": "message", "content": "From the fixture."},
                ]
            }
        },
    }
    control.add_fixtures([control.runtime_fixture(pinned, key="file-search-pin")])
    try:
        response = strict.responses.create(
            model="gpt-4o-mini", input="pinned question", tools=[tool(store_id)]
        )
    finally:
        control.remove_runtime("file-search-pin")
    assert [item.type for item in response.output] == ["file_search_call", "message"]
    assert response.output[0].queries == ["pinned"]  # type: ignore[union-attr]
    assert response.output_text == "From the fixture."
