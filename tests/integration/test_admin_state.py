"""The admin API's view of created objects, jobs and the clock, on a real server driven
by httpx as a browser suite (Playwright, Jest) would drive it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import running_server, strict_client

KEY = "sk-test-admin-state"
LINE = {
    "custom_id": "a",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def admin(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/__mockapi") as http:
        assert http.post("/reset").status_code == 200
        yield http


@pytest.fixture
def sdk(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1", api_key=KEY) as client:
        yield client


def _batch(sdk: openai.OpenAI, **headers: str) -> str:
    data = (json.dumps(LINE) + "\n").encode()
    file_id = sdk.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch").id
    return sdk.batches.create(
        input_file_id=file_id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        extra_headers=headers,
    ).id


def _error(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def test_objects_and_file_content(admin: httpx.Client, sdk: openai.OpenAI) -> None:
    assert admin.get("/objects/files").json() == {"object": "list", "kind": "files", "data": []}
    batch_id = _batch(sdk)
    [kept] = admin.get("/objects/files").json()["data"]
    assert kept["purpose"] == "batch" and kept["bytes"] == len(json.dumps(LINE)) + 1
    content = admin.get(f"/files/{kept['id']}/content")
    assert content.status_code == 200 and json.loads(content.content) == LINE
    assert [b["id"] for b in admin.get("/objects/batches").json()["data"]] == [batch_id]
    missing = _error(admin.get("/files/file-nope/content"), 404)
    assert missing["code"] == "file_not_found" and "file-nope" in missing["message"]


def test_jobs_are_held_completed_failed_and_advanced(
    admin: httpx.Client, sdk: openai.OpenAI
) -> None:
    stuck = _batch(sdk, **{"x-mockapi-job": "stuck"})
    assert admin.get(f"/jobs/{stuck}").json()["status"] == "validating"
    conflict = _error(admin.post(f"/jobs/{stuck}/advance"), 409)
    assert conflict["code"] == "job_conflict" and "release" in conflict["message"]
    assert sdk.batches.retrieve(stuck).status == "validating"
    done = admin.post(f"/jobs/{stuck}/complete").json()
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 1
    assert sdk.batches.retrieve(stuck).status == "completed"

    other = _batch(sdk)
    moved = admin.post("/jobs/advance").json()["data"]
    assert [(job["id"], job["status"]) for job in moved] == [(other, "in_progress")]
    failed = admin.post(
        f"/jobs/{other}/fail", json={"code": "token_limit_exceeded", "message": "Too many."}
    ).json()
    assert failed["status"] == "failed"
    assert failed["errors"]["data"][0]["code"] == "token_limit_exceeded"
    assert [job["id"] for job in admin.get("/jobs").json()["data"]] == [stuck, other]

    assert _error(admin.post("/jobs/batch_nope/complete"), 404)["code"] == "job_not_found"
    assert _error(admin.post(f"/jobs/{other}/explode"), 404)["code"] == "unknown_action"
    bad = _error(admin.post(f"/jobs/{other}/fail", json={"code": 5}), 400)
    assert bad["param"] == "code"


def test_the_clock_moves_forward_and_expires_jobs(admin: httpx.Client, sdk: openai.OpenAI) -> None:
    before = admin.get("/clock").json()
    assert before["offset"] == 0
    batch_id = _batch(sdk)
    assert sdk.batches.retrieve(batch_id).status == "in_progress"
    after = admin.post("/clock/advance", json={"seconds": 86_400}).json()
    assert after["offset"] == 86_400 and after["now"] >= before["now"] + 86_400
    assert sdk.batches.retrieve(batch_id).status == "expired"
    back = _error(admin.post("/clock/advance", json={"seconds": -1}), 400)
    assert back["param"] == "seconds" and "forward" in back["message"]
    assert admin.post("/reset").status_code == 200
    assert admin.get("/clock").json()["offset"] == 0
