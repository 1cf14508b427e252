"""The fast lane (``mockapi.web.fastlane``, ``mockapi.replay.memo``) on a real server:
the same request bytes answered again from memory must be the answer the whole flow
gives, with a fresh ``x-request-id``, journaled and counted in usage as every answer
is; and whatever the server is told at run time (a fixture, a fault rule, a rate
limit, a project's limit, a reset) wins over what it kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest

from mockapi.replay.control import Control
from mockapi.web.fastlane import FastLane
from mockapi.web.server import ServerThread
from tests.helpers import running_server

ADMIN_KEY = "sk-admin-fast-lane"
KEY = "sk-test-fast-lane"
ADMIN = "/__mockapi"
HELLO = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Recorded?"}]}
RECORDED = {
    "name": "recorded",
    "match": {"content": "Recorded?"},
    "response": {
        "body": {
            "id": "chatcmpl-recorded0001",
            "created": 1735689600,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"message": {"role": "assistant", "content": "As recorded."}}],
        }
    },
}
"""A recording's answer: it pins its id and time, so the same request is answered alike."""


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(admin_api_keys=(ADMIN_KEY,)) as started:
        yield started


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    control = cast(Control, server.control)  # type: ignore[attr-defined]
    control.reset(fixtures=True)
    with httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {KEY}"}) as client:
        assert client.post(f"{ADMIN}/fixtures", json=RECORDED).status_code == 201
        yield client
    control.set_faults([])
    control.reset(fixtures=True)


def hello(http: httpx.Client, **headers: str) -> httpx.Response:
    return http.post("/v1/chat/completions", json=HELLO, headers=headers)


def journal(http: httpx.Client) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = http.get(f"{ADMIN}/journal").json()["data"]
    return entries


def lane(server: ServerThread) -> FastLane:
    return cast(FastLane, server.app)  # type: ignore[attr-defined]


def test_answered_again_alike_with_a_fresh_request_id(
    http: httpx.Client, server: ServerThread
) -> None:
    before = lane(server).answered
    answers = [hello(http) for _ in range(4)]
    assert lane(server).answered == before + 3  # all but the first, from memory
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1  # the literal fixture, byte for byte
    assert len({a.headers["x-request-id"] for a in answers}) == 4
    first, again = answers[0].headers, answers[-1].headers
    for name in ("content-type", "openai-version", "content-length"):
        assert again[name] == first[name]
    assert again["openai-processing-ms"].isdigit()


def test_ids_drawn_fresh_stay_fresh(http: httpx.Client, server: ServerThread) -> None:
    greeting = {**HELLO, "messages": [{"role": "user", "content": "Hello!"}]}
    before = lane(server).answered
    answers = [http.post("/v1/chat/completions", json=greeting).json() for _ in range(3)]
    assert len({a["id"] for a in answers}) == 3  # the fixture leaves its id to the mock
    assert lane(server).answered == before


def test_every_answer_is_journaled_and_counts_as_a_use(
    http: httpx.Client, server: ServerThread
) -> None:
    for _ in range(5):
        assert hello(http).status_code == 200
    hits = [e for e in journal(http) if e["path"] == "/v1/chat/completions"]
    assert [e["outcome"] for e in hits] == ["hit"] * 5
    assert len({e["seq"] for e in hits}) == 5 and hits[-1]["body"] == HELLO
    assert {e["fixture"] for e in hits} == {"recorded"}
    listed = {f["name"]: f for f in http.get(f"{ADMIN}/fixtures").json()["data"]}
    assert listed["recorded"]["uses"] == 5


def test_usage_counts_every_answer(http: httpx.Client, server: ServerThread) -> None:
    before = lane(server).answered
    answers = [hello(http).json() for _ in range(6)]
    assert lane(server).answered == before + 5
    usage = http.get(
        "/v1/organization/usage/completions",
        params={"start_time": int(time.time()) - 60},
        headers={"authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert usage.status_code == 200, usage.text
    results = [r for bucket in usage.json()["data"] for r in bucket["results"]]
    assert sum(r["num_model_requests"] for r in results) == 6
    assert sum(r["input_tokens"] for r in results) == sum(
        a["usage"]["prompt_tokens"] for a in answers
    )


def test_a_fixture_added_at_run_time_answers_next(http: httpx.Client) -> None:
    kept = hello(http).json()["choices"][0]["message"]["content"]
    hello(http)
    entry = {
        "name": "louder",
        "priority": 1000,
        "match": {"content": "Recorded?"},
        "response": {"body": {"choices": [{"message": {"role": "assistant", "content": "HI"}}]}},
    }
    assert http.post(f"{ADMIN}/fixtures", json=entry).status_code == 201
    assert hello(http).json()["choices"][0]["message"]["content"] == "HI"
    assert http.delete(f"{ADMIN}/fixtures/louder").status_code == 200
    assert hello(http).json()["choices"][0]["message"]["content"] == kept


def test_a_fault_rule_set_at_run_time_fires_on_a_kept_answer(http: httpx.Client) -> None:
    hello(http)
    hello(http)
    rule = http.post(f"{ADMIN}/faults", json={"fault": "status=503; times=1"})
    assert rule.status_code in (200, 201), rule.text
    assert hello(http).status_code == 503
    assert hello(http).status_code == 200


def test_a_fault_header_is_never_answered_from_memory(http: httpx.Client) -> None:
    hello(http)
    hello(http)
    assert hello(http, **{"x-mockapi-fault": "status=500"}).status_code == 500


def test_a_project_rate_limit_set_later_is_enforced(http: httpx.Client) -> None:
    for _ in range(3):
        assert hello(http).status_code == 200
    admin = {"authorization": f"Bearer {ADMIN_KEY}"}
    projects = http.get("/v1/organization/projects", headers=admin).json()["data"]
    default = next(p for p in projects if p["name"] == "Default project")["id"]
    limits = http.get(f"/v1/organization/projects/{default}/rate_limits", headers=admin)
    chat_limit = next(r for r in limits.json()["data"] if r["model"] == "gpt-4o-mini")
    changed = http.post(
        f"/v1/organization/projects/{default}/rate_limits/{chat_limit['id']}",
        json={"max_requests_per_1_minute": 1},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert hello(http).status_code == 200
    refused = hello(http)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"


def test_an_unlimited_sequence_still_steps(http: httpx.Client) -> None:
    entry = {
        "name": "steps",
        "priority": 1000,
        "match": {"content": "step"},
        "sequence": [
            {"body": {"choices": [{"message": {"role": "assistant", "content": "one"}}]}},
            {"body": {"choices": [{"message": {"role": "assistant", "content": "two"}}]}},
        ],
    }
    assert http.post(f"{ADMIN}/fixtures", json=entry).status_code == 201
    body = {**HELLO, "messages": [{"role": "user", "content": "step"}]}
    said = [
        http.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]["content"]
        for _ in range(3)
    ]
    assert said == ["one", "two", "two"]


def test_stored_completions_are_stored_every_time(http: httpx.Client) -> None:
    body = {**HELLO, "store": True}
    ids = [http.post("/v1/chat/completions", json=body).json()["id"] for _ in range(2)]
    assert ids[0] == ids[1] == "chatcmpl-recorded0001"
    http.delete(f"/v1/chat/completions/{ids[0]}").raise_for_status()
    assert http.get(f"/v1/chat/completions/{ids[0]}").status_code == 404
    http.post("/v1/chat/completions", json=body).raise_for_status()
    assert http.get(f"/v1/chat/completions/{ids[0]}").status_code == 200


def test_a_missing_key_is_refused_after_an_answer_was_kept(
    http: httpx.Client, server: ServerThread
) -> None:
    hello(http)
    hello(http)
    refused = httpx.post(server.url + "/v1/chat/completions", json=HELLO)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"].startswith("You didn't provide an API key")
    assert hello(http).status_code == 200


def test_an_invalid_body_is_still_refused_after(http: httpx.Client) -> None:
    hello(http)
    bad = http.post("/v1/chat/completions", json={**HELLO, "temperature": "hot"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "temperature"


# -- the direct path: what the lane read and has no answer for ---------------------------


class Counting:
    """The Starlette app behind the lane, counting the requests it is given."""

    def __init__(self, app: Any) -> None:
        self.app, self.calls = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += scope["type"] == "http"
        await self.app(scope, receive, send)


@pytest.fixture
def starlette_calls(server: ServerThread) -> Iterator[Counting]:
    the_lane = lane(server)
    counting = Counting(the_lane.app)
    the_lane.app = counting
    yield counting
    the_lane.app = counting.app


PER_ANSWER = {"x-request-id", "openai-processing-ms", "date", "content-length"}


def shown(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in PER_ANSWER}
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        body = {**body, "id": body["id"].split("-")[0], "created": 0}
    return response.status_code, headers, body


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/chat/completions", {**HELLO, "messages": [{"role": "user", "content": "New"}]}),
        ("/v1/chat/completions", {**HELLO, "temperature": "hot"}),  # invalid: 400
        ("/v1/chat/completions?api-version=1&x=%20y", HELLO),  # a query string
        ("/v1/conversations/conv_1/items?include=bogus", {"items": []}),  # checked: 400
        ("/v1/no/such/route", HELLO),  # 404 in the API's shape
        ("/v1/chat%3Fcompletions", HELLO),  # a path Starlette escapes: its own route
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": 5}),  # 400
    ],
)
def test_the_direct_path_answers_as_the_starlette_app_does(
    http: httpx.Client, starlette_calls: Counting, path: str, payload: dict[str, Any]
) -> None:
    direct = http.post(path, json=payload)
    through_app = starlette_calls.calls
    # An Origin header keeps the lane away (CORS is the app's): the app answers it.
    via_app = http.post(path, json=payload, headers={"origin": "http://localhost:1"})
    assert starlette_calls.calls == through_app + 1
    escaped = "%3F" in path
    assert through_app == (1 if escaped else 0)  # the lane answered, unless Starlette must
    assert shown(direct) == shown(via_app)
    if "include=bogus" in path:
        assert direct.json()["error"]["param"].startswith("include")
    assert direct.headers["x-request-id"] != via_app.headers["x-request-id"]


def test_a_crash_on_the_direct_path_is_a_500_in_the_api_shape(
    http: httpx.Client,
    server: ServerThread,
    monkeypatch: pytest.MonkeyPatch,
    starlette_calls: Counting,
) -> None:
    replayer = server.replayer  # type: ignore[attr-defined]

    def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(replayer, "serve_memoized", broken)
    # Each on a connection of its own: the server closes one whose request raised.
    url, auth = server.url + "/v1/chat/completions", {"authorization": f"Bearer {KEY}"}
    answers = [
        httpx.post(url, json=HELLO, headers=auth),  # the direct path
        httpx.post(url, json=HELLO, headers={**auth, "origin": "http://localhost:1"}),  # the app
    ]
    assert starlette_calls.calls == 1
    for answer in answers:
        assert answer.status_code == 500
        error = answer.json()["error"]
        assert error["type"] == "server_error"
        assert error["message"].startswith("mockapi internal error: RuntimeError: boom.")
    monkeypatch.undo()
    assert httpx.post(url, json=HELLO, headers=auth).status_code == 200  # the server lives on
