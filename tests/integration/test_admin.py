"""The admin API under /__mockapi/, its access rules, CORS, and ``serve --workers``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockapi.build import build
from mockapi.cli import main
from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.web.server import ServerThread
from mockapi.web.workers import settings_from_json, settings_to_json
from tests.fake_upstream import FakeUpstream
from tests.helpers import mockapi_process, settings

pytestmark = pytest.mark.integration

ADMIN = "/__mockapi"
KEY = "sk-test-admin"
PAGE_ORIGIN = "http://localhost:5173"


@contextmanager
def serving(*, host: str = "127.0.0.1", **overrides: Any) -> Iterator[httpx.Client]:
    """A server for ``settings(**overrides)`` bound to ``host``; a client on 127.0.0.1."""
    with ServerThread(build(settings(host=host, **overrides)).app, host=host) as server:
        # Only loopback traffic, whatever the bind address.
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as http:
            yield http


@pytest.fixture(scope="module")
def module_http() -> Iterator[httpx.Client]:
    with serving(cors_origins=("*",)) as http:
        yield http


@pytest.fixture
def http(module_http: httpx.Client) -> httpx.Client:
    module_http.post(f"{ADMIN}/reset", json={"fixtures": True}).raise_for_status()
    return module_http


def sdk(http: httpx.Client) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{origin(http)}/v1", api_key=KEY, max_retries=0)


def origin(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/")


def chat(http: httpx.Client, content: str, **extra: Any) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}
    return http.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY}"})


def reply(text: str, **entry: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {"response": {"body": {"choices": [{"message": message}]}}, **entry}


def fixtures(http: httpx.Client) -> dict[str, dict[str, Any]]:
    listed = http.get(f"{ADMIN}/fixtures")
    assert listed.status_code == 200
    return {f["name"]: f for f in listed.json()["data"]}


# -- endpoints ---------------------------------------------------------------------------


def test_health_is_open_and_names_the_worker(http: httpx.Client) -> None:
    body = http.get(f"{ADMIN}/health").json()
    assert body["status"] == "ok" and isinstance(body["pid"], int)
    assert body["record_mode"] == "none" and body["on_miss"] == "error"
    assert body["fixtures"] == len(fixtures(http))


def test_list_fixtures_says_where_each_came_from(http: httpx.Client) -> None:
    greeting = fixtures(http)["greeting"]
    assert greeting["source"].endswith("chat/greeting.yaml#0")
    assert greeting["runtime"] is False
    assert (greeting["method"], greeting["path"]) == ("POST", "/v1/chat/completions")
    assert "content" in greeting["matchers"]
    assert greeting["priority"] == 0 and greeting["times"] is None and greeting["uses"] == 0
    chat(http, "Hello!")
    assert fixtures(http)["greeting"]["uses"] == 1


def test_added_fixture_answers_the_sdk_until_removed(http: httpx.Client) -> None:
    entry = reply("pong from admin", name="admin-ping", match={"content": "admin ping"})
    added = http.post(f"{ADMIN}/fixtures", json=entry)
    assert added.status_code == 201
    [listed] = added.json()["data"]
    assert listed["source"] == "runtime:admin-ping" and listed["runtime"] is True
    assert listed["priority"] == 100  # outranks the library by default

    with sdk(http) as client:
        answer = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "an admin ping"}]
        )
        assert answer.choices[0].message.content == "pong from admin"
        assert fixtures(http)["admin-ping"]["uses"] == 1

        removed = http.delete(f"{ADMIN}/fixtures/admin-ping")
        assert removed.status_code == 200 and removed.json()["deleted"] == 1
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "an admin ping"}]
            )
    gone = http.delete(f"{ADMIN}/fixtures/admin-ping")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "fixture_not_found"


def test_add_many_and_same_name_replaces(http: httpx.Client) -> None:
    many = {"fixtures": [reply("one", name="a/1"), reply("two", match={"content": "two"})]}
    added = http.post(f"{ADMIN}/fixtures", json=many)
    assert added.status_code == 201 and len(added.json()["data"]) == 2
    count = len(fixtures(http))
    http.post(f"{ADMIN}/fixtures", json=reply("uno", name="a/1", times=1)).raise_for_status()
    assert len(fixtures(http)) == count
    assert fixtures(http)["a/1"]["times"] == 1
    assert http.delete(f"{ADMIN}/fixtures/a/1").status_code == 200  # names may hold slashes


def test_a_bad_fixture_is_refused_naming_the_problem(http: httpx.Client) -> None:
    count = len(fixtures(http))
    bad = http.post(f"{ADMIN}/fixtures", json=reply("x", name="typo", match={"contnt": "x"}))
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid_fixture" and error["type"] == "invalid_request_error"
    assert "'typo'" in error["message"] and "contnt" in error["message"]

    batch = {"fixtures": [reply("fine"), reply("x", match={"content": {"regex": "("}})]}
    refused = http.post(f"{ADMIN}/fixtures", json=batch)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "fixtures[1]"
    assert "regular expression" in refused.json()["error"]["message"]
    assert len(fixtures(http)) == count  # all or nothing

    not_json = http.post(f"{ADMIN}/fixtures", content=b"{nope")
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_json"
    assert http.post(f"{ADMIN}/fixtures", json={"fixtures": []}).status_code == 400


def test_journal_gives_outcomes_fixture_and_near_miss(http: httpx.Client) -> None:
    assert chat(http, "Hello!").status_code == 200
    assert chat(http, "nothing matches this").status_code == 404
    assert chat(http, "Count to five", stream=True).status_code == 200
    entries = http.get(f"{ADMIN}/journal").json()["data"]
    hit, miss, streamed = entries[-3:]
    assert (hit["outcome"], hit["fixture"], hit["status"]) == ("hit", "greeting", 200)
    assert hit["body"]["messages"][0]["content"] == "Hello!"
    assert miss["outcome"] == "miss" and miss["fixture"] is None
    assert "did not match" in miss["report"] and "greeting" in miss["report"]
    assert streamed["stream"] is True and streamed["fixture"] == "count-to-five"

    later = http.get(f"{ADMIN}/journal", params={"since": miss["seq"]}).json()
    assert [e["seq"] for e in later["data"]] == [streamed["seq"]]
    assert later["last_seq"] == streamed["seq"]
    assert http.get(f"{ADMIN}/journal", params={"since": "x"}).status_code == 400


def test_reset_clears_journal_and_counts_and_optionally_fixtures(http: httpx.Client) -> None:
    http.post(f"{ADMIN}/fixtures", json=reply("kept", name="keep-me")).raise_for_status()
    chat(http, "Hello!")
    assert http.post(f"{ADMIN}/reset").json() == {"reset": True, "removed_fixtures": 0}
    assert http.get(f"{ADMIN}/journal").json()["data"] == []
    assert fixtures(http)["greeting"]["uses"] == 0
    assert "keep-me" in fixtures(http)
    cleared = http.post(f"{ADMIN}/reset", json={"fixtures": True}).json()
    assert cleared["removed_fixtures"] == 1 and "keep-me" not in fixtures(http)
    assert "greeting" in fixtures(http)  # file fixtures stay


def test_record_mode_needs_an_upstream(http: httpx.Client) -> None:
    assert http.get(f"{ADMIN}/record-mode").json()["mode"] == "none"
    refused = http.put(f"{ADMIN}/record-mode", json={"mode": "new_episodes"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "upstream_required"
    assert "--upstream" in refused.json()["error"]["message"]
    bad = http.put(f"{ADMIN}/record-mode", json={"mode": "sometimes"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "mode"
    assert http.put(f"{ADMIN}/record-mode", json={"mode": "none"}).status_code == 200
    assert http.post(f"{ADMIN}/record-mode", json={"mode": "none"}).status_code == 405


def test_record_mode_switches_at_run_time(tmp_path: Path) -> None:
    with FakeUpstream(event_delay=0) as upstream:
        with serving(fixture_dirs=(tmp_path,), upstream_url=upstream.url) as http:
            assert chat(http, "first").status_code == 404  # mode none: a plain miss
            switched = http.put(f"{ADMIN}/record-mode", json={"mode": "new_episodes"})
            assert switched.json()["mode"] == "new_episodes"
            assert switched.json()["upstream"] == upstream.url
            assert chat(http, "first").json()["choices"][0]["message"]["content"] == "Echo: first"
            assert len(upstream.requests) == 1
            # Switching modes waits for the recordings of the answers given (written
            # just after each answer): the file is there now.
            http.put(f"{ADMIN}/record-mode", json={"mode": "none"}).raise_for_status()
            assert list(tmp_path.rglob("*.yaml"))
            assert chat(http, "first").status_code == 200  # the recording answers
            assert chat(http, "second").status_code == 404
            assert len(upstream.requests) == 1
            outcomes = [e["outcome"] for e in http.get(f"{ADMIN}/journal").json()["data"]]
            assert outcomes == ["miss", "proxied", "hit", "miss"]


def test_unknown_admin_path_is_an_openai_shaped_404(http: httpx.Client) -> None:
    missing = http.get(f"{ADMIN}/nope")
    assert missing.status_code == 404 and "No admin endpoint" in missing.json()["error"]["message"]
    wrong = http.delete(f"{ADMIN}/journal")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_inspector_page_escapes_request_bodies(http: httpx.Client) -> None:
    chat(http, "<script>alert('x')</script>")
    page = http.get(f"{ADMIN}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>alert(" not in page.text
    assert "greeting" in page.text  # the fixture list
    assert http.get(ADMIN, follow_redirects=True).url.path == f"{ADMIN}/"


# -- access --------------------------------------------------------------------------------


def test_non_loopback_bind_without_token_refuses_admin() -> None:
    with serving(host="0.0.0.0") as http:
        for method, path in (("GET", "/fixtures"), ("GET", "/"), ("POST", "/reset")):
            refused = http.request(method, ADMIN + path)
            assert refused.status_code == 403
            error = refused.json()["error"]
            assert error["code"] == "admin_token_required"
            assert "--admin-token" in error["message"] and "0.0.0.0" in error["message"]
        assert http.get(f"{ADMIN}/health").status_code == 200
        assert chat(http, "Hello!").status_code == 200  # the API itself is unaffected


def test_non_loopback_bind_with_token_needs_it() -> None:
    with serving(host="0.0.0.0", admin_token="s3cret-admin") as http:
        assert http.get(f"{ADMIN}/fixtures").status_code == 401
        wrong = http.get(f"{ADMIN}/fixtures", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_admin_token"
        bearer = {"authorization": "Bearer s3cret-admin"}
        assert http.get(f"{ADMIN}/fixtures", headers=bearer).status_code == 200
        header = {"x-mockapi-admin-token": "s3cret-admin"}
        assert http.post(f"{ADMIN}/reset", headers=header).status_code == 200
        assert http.get(f"{ADMIN}/", params={"token": "s3cret-admin"}).status_code == 200
        assert http.get(f"{ADMIN}/journal", params={"token": "s3cret-admin"}).status_code == 401


def test_loopback_refuses_other_pages_and_rebound_hosts(http: httpx.Client) -> None:
    foreign = http.post(f"{ADMIN}/reset", headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "admin_origin_refused"
    rebound = http.get(f"{ADMIN}/journal", headers={"host": "evil.example"})
    assert rebound.status_code == 403
    same = http.post(f"{ADMIN}/reset", headers={"origin": origin(http)})
    assert same.status_code == 200
    assert http.get(f"{ADMIN}/journal", headers={"host": "localhost"}).status_code == 200


# -- CORS ----------------------------------------------------------------------------------


def test_preflight_allows_the_sdk_headers_without_a_key(http: httpx.Client) -> None:
    preflight = http.options(
        "/v1/chat/completions",
        headers={
            "origin": PAGE_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type, x-stainless-os",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for name in ("authorization", "content-type", "x-stainless-os"):
        assert name in allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_real_responses_expose_the_openai_headers(http: httpx.Client) -> None:
    headers = {"origin": PAGE_ORIGIN, "authorization": f"Bearer {KEY}"}
    for stream in (False, True):
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}
        answer = http.post("/v1/chat/completions", json={**body, "stream": stream}, headers=headers)
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "*"
        exposed = answer.headers["access-control-expose-headers"].lower()
        for name in ("x-request-id", "openai-processing-ms", "x-ratelimit-reset-tokens"):
            assert name in exposed
    # The admin API sends no CORS headers to "*": only to origins listed by name.
    admin = http.get(f"{ADMIN}/health", headers={"origin": PAGE_ORIGIN})
    assert "access-control-allow-origin" not in admin.headers


def test_listed_origins_only() -> None:
    with serving(cors_origins=(PAGE_ORIGIN,)) as http:
        ask = {"access-control-request-method": "POST"}
        ok = http.options("/v1/chat/completions", headers={"origin": PAGE_ORIGIN, **ask})
        assert ok.headers["access-control-allow-origin"] == PAGE_ORIGIN
        other = http.options("/v1/chat/completions", headers={"origin": "http://other:1", **ask})
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        admin = http.get(f"{ADMIN}/journal", headers={"origin": PAGE_ORIGIN})
        assert admin.status_code == 200
        assert admin.headers["access-control-allow-origin"] == PAGE_ORIGIN


def test_no_cors_sends_no_cors_headers() -> None:
    with serving() as http:  # the test settings: no origins
        answer = chat(http, "Hello!")
        assert answer.status_code == 200
        assert not any(h.startswith("access-control-") for h in answer.headers)


# -- workers and settings ----------------------------------------------------------------


def test_settings_travel_to_workers_as_json(tmp_path: Path) -> None:
    original = Settings(
        fixture_dirs=(tmp_path,),
        on_miss=OnMiss.SYNTHESIZE,
        api_keys=frozenset({"a", "b"}),
        record_mode=RecordMode.NEW_EPISODES,
        upstream_url="http://127.0.0.1:9",
        redact_paths=("metadata.email",),
        host="0.0.0.0",
        admin_token="t0ken",
        cors_origins=("*",),
    )
    assert settings_from_json(settings_to_json(original)) == original
    assert "t0ken" not in repr(original)


def test_cli_refuses_contradicting_cors_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--no-cors", "--cors-origin", PAGE_ORIGIN]) == 1
    assert "--no-cors" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 1


def test_workers_answer_from_several_processes() -> None:
    with mockapi_process("serve", "--workers", "2", "--instant", "--on-miss", "error") as (
        process,
        port,
    ):
        base = f"http://127.0.0.1:{port}"
        pids: set[int] = set()
        deadline = time.monotonic() + 30
        while len(pids) < 2 and time.monotonic() < deadline and process.poll() is None:
            # A new connection each time: the kernel picks the worker that accepts it.
            pids.add(httpx.get(f"{base}{ADMIN}/health").json()["pid"])
        assert len(pids) == 2, f"only worker(s) {pids} answered"
        assert process.pid not in pids
        with openai.OpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0) as client:
            for _ in range(4):
                answer = client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}]
                )
                assert answer.choices[0].message.content == "Hello! How can I help you today?"
