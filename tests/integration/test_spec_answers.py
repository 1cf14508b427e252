"""Answers the fuzzer (tests/fuzz) found breaking the spec, each pinned by a focused test.

Each was either a mockapi defect (fixed) or a place where the API and the spec disagree
(patched in :mod:`mockapi.validation.patches` with its evidence); these tests hold the
answer to the derived schemas, so they fail if either comes back.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from mockapi.wire.sse import decode_events
from tests.helpers import response_problems, running_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    headers = {"authorization": "Bearer sk-test-mockapi"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        yield client


def _json_problems(answer: httpx.Response, endpoint: str) -> list[str]:
    assert answer.status_code == 200, answer.text
    return response_problems(endpoint, answer.json())


def test_an_empty_list_of_stored_completions_validates(http: httpx.Client) -> None:
    # Nothing is stored with this metadata: the page is empty, its cursors null.
    answer = http.get("/v1/chat/completions", params={"metadata[never]": "set"})
    assert answer.json()["data"] == []
    assert (answer.json()["first_id"], answer.json()["last_id"]) == (None, None)
    assert _json_problems(answer, "GET /v1/chat/completions") == []


def test_an_empty_page_of_messages_validates(http: httpx.Client) -> None:
    made = http.post(
        "/v1/chat/completions",
        json={
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Hi"}],
            "store": True,
        },
    ).json()
    messages = http.get(f"/v1/chat/completions/{made['id']}/messages").json()
    after = messages["last_id"]
    answer = http.get(f"/v1/chat/completions/{made['id']}/messages", params={"after": after})
    assert answer.json()["data"] == []
    assert _json_problems(answer, "GET /v1/chat/completions/{completion_id}/messages") == []


def test_an_empty_page_of_input_items_validates(http: httpx.Client) -> None:
    made = http.post("/v1/responses", json={"model": "gpt-4o-mini", "input": "Hi"}).json()
    items = http.get(f"/v1/responses/{made['id']}/input_items").json()
    answer = http.get(f"/v1/responses/{made['id']}/input_items", params={"after": items["last_id"]})
    assert answer.json()["data"] == []
    assert _json_problems(answer, "GET /v1/responses/{response_id}/input_items") == []


def test_a_retrieved_response_streams_events_of_the_stream_schema(http: httpx.Client) -> None:
    made = http.post("/v1/responses", json={"model": "gpt-4o-mini", "input": "Hi"}).json()
    answer = http.get(f"/v1/responses/{made['id']}", params={"stream": "true"})
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = [e.data for e in decode_events(answer.content) if isinstance(e.data, dict)]
    assert [e["type"] for e in events][-1] == "response.completed"
    problems = {
        event["type"]: found
        for event in events
        if (
            found := response_problems(
                "GET /v1/responses/{response_id}", event, role="stream_event"
            )
        )
    }
    assert problems == {}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/responses/resp_a%0Ab/cancel", 200),  # synthesized: any id is served
        ("GET", "/v1/models/gpt%0D4o", 404),
        ("DELETE", "/v1/nothing%0A/here", 404),
        ("TRACE", "/v1/models", 405),  # the API flow: the path allows GET only
    ],
)
def test_what_starlette_cannot_route_goes_through_the_api(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    # A line break in a path segment (or a method no route lists) never reaches the
    # catch-all route; the API flow answers it all the same, in JSON, not plain text.
    answer = http.request(method, path)
    assert (answer.status_code, answer.headers["content-type"]) == (status, "application/json")
    if status >= 400:
        assert set(answer.json()["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize("name", ["parallel_tool_calls", "store", "background", "temperature"])
def test_a_responses_parameter_sent_as_null_is_answered_with_what_the_api_used(
    http: httpx.Client, name: str
) -> None:
    body = {"model": "gpt-4o-mini", "input": "Hi", name: None}
    answer = http.post("/v1/responses", json=body)
    assert _json_problems(answer, "POST /v1/responses") == []
    assert answer.json()[name] is not None
