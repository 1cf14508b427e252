"""Raw HTTP checks: SSE framing, content types, status codes and error bodies."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest

from mockapi.web.server import ServerThread
from tests.helpers import running_server
from tests.integration.conftest import API_KEY

CHAT = "/v1/chat/completions"
COUNT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "count to five"}]}


def _error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"}
    assert {"message", "type", "param", "code"} <= set(body["error"])
    return body["error"]  # type: ignore[no-any-return]


def test_sse_framing_is_exact(raw: httpx.Client) -> None:
    response = raw.post(CHAT, json={**COUNT, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    text = response.text
    frames = text.split("\n\n")
    assert frames[-1] == "" and frames[-2] == "data: [DONE]"
    payloads = [json.loads(frame.removeprefix("data: ")) for frame in frames[:-2]]
    assert all(frame.startswith("data: {") for frame in frames[:-2])
    assert [p["object"] for p in payloads] == ["chat.completion.chunk"] * len(payloads)
    assert "".join(p["choices"][0]["delta"].get("content") or "" for p in payloads) == (
        "One, two, three, four, five."
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_no_buffer_shows_sse_frames(server: ServerThread) -> None:
    body = json.dumps({**COUNT, "stream": True})
    result = subprocess.run(
        [
            "curl",
            "-sN",
            f"{server.url}{CHAT}",
            "-H",
            f"Authorization: Bearer {API_KEY}",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    lines = result.stdout.split("\n")
    assert lines[0].startswith('data: {"id":"chatcmpl-')
    assert lines[1] == ""
    assert result.stdout.endswith("data: [DONE]\n\n")


def test_response_headers_look_real(raw: httpx.Client) -> None:
    response = raw.post(
        CHAT, json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["openai-processing-ms"].isdigit()
    other = raw.post(
        CHAT, json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert other.headers["x-request-id"] != response.headers["x-request-id"]


def test_invalid_json_is_400(raw: httpx.Client) -> None:
    response = raw.post(CHAT, content=b'{"model": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "We could not parse the JSON body of your request" in str(_error(response)["message"])


@pytest.mark.parametrize("body", [b"\xff\xfe", b"[1, 2]", b'"text"', b"null", b"[" * 100000])
def test_odd_bodies_never_500(raw: httpx.Client, body: bytes) -> None:
    response = raw.post(CHAT, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    _error(response)


def test_wrong_content_type_is_415(raw: httpx.Client) -> None:
    response = raw.post(
        CHAT, content=b"model=gpt-4o", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"


def test_body_over_limit_is_413() -> None:
    with running_server(max_body_bytes=1000) as server:
        big = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * 2000}]}
        headers = {"authorization": f"Bearer {API_KEY}"}
        response = httpx.post(server.url + CHAT, json=big, headers=headers)
        assert response.status_code == 413
        assert "1000" in str(_error(response)["message"])
        # A chunked body of unknown length is cut off at the limit too.
        response = httpx.post(
            server.url + CHAT, content=iter([b"x" * 800, b"y" * 800]), headers=headers
        )
        assert response.status_code == 413


def test_unknown_route_is_404_invalid_url(raw: httpx.Client) -> None:
    response = raw.post("/v1/nothing/here", json={})
    assert response.status_code == 404
    assert _error(response)["message"] == "Invalid URL (POST /v1/nothing/here)"


def test_wrong_method_is_405(raw: httpx.Client) -> None:
    response = raw.delete(CHAT)
    assert response.status_code == 405
    # POST creates a completion, GET lists the stored ones; nothing else is allowed.
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
    _error(response)


def test_missing_authorization_header_is_401(server: ServerThread) -> None:
    response = httpx.post(server.url + CHAT, json=COUNT)
    assert response.status_code == 401
    assert _error(response)["type"] == "invalid_request_error"


def test_health_needs_no_key(server: ServerThread) -> None:
    response = httpx.get(server.url + "/__mockapi/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["fixtures"] >= 7


def test_journal_records_hits_misses_and_rejections(
    server: ServerThread, raw: httpx.Client
) -> None:
    journal = server.replayer.journal  # type: ignore[attr-defined]
    before = journal.entries()[-1].seq if len(journal) else 0
    raw.post(
        CHAT, json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}
    )
    raw.post(
        CHAT,
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "zzz unmatched"}]},
    )
    raw.post(CHAT, json={"model": "gpt-4o-mini", "messages": [], "temperature": 1})
    entries = [e for e in journal.entries(since=before) if e.path == CHAT]
    assert [e.outcome.value for e in entries[-3:]] == ["hit", "miss", "rejected"]
    assert entries[-3].fixture == "greeting"
    assert entries[-3].body["messages"][0]["content"] == "hello"
    assert "No fixture matched" in (entries[-2].report or "")
