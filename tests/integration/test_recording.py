"""The recording proxy against a fake upstream on a real port, then replay without it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import RecordMode
from mockapi.library import store
from mockapi.web.server import ServerThread
from tests.fake_upstream import FAKE_ORGANIZATION, SECRETS, FakeUpstream
from tests.helpers import mockapi_process, running_server

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}, "unit": {"enum": ["celsius", "f"]}},
            "required": ["location", "unit"],
        },
    },
}


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(event_delay=0.02) as fake:
        yield fake


def recorder(
    directory: Path,
    upstream: FakeUpstream,
    mode: RecordMode = RecordMode.NEW_EPISODES,
    **overrides: Any,
) -> Any:
    return running_server(
        fixture_dirs=(directory,), record_mode=mode, upstream_url=upstream.url, **overrides
    )


def sdk(server: ServerThread, key: str = "sk-test-recording-client-key-0001") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0)


def conversation(client: openai.OpenAI) -> dict[str, Any]:
    """The same calls, recorded or replayed; returns what the SDK got."""
    plain = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hi"}]
    )
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Stream a story"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    with client.chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "weather in Paris?"}],
        tools=[WEATHER],  # type: ignore[list-item]
    ) as stream:
        final = stream.get_final_completion()
    models = [m.id for m in client.models.list()]
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    return {
        "plain": plain.model_dump(),
        "chunks": [c.model_dump() for c in chunks],
        "tool_arguments": json.loads(call.function.arguments),  # type: ignore[union-attr]
        "tool_call_id": call.id,
        "models": models,
    }


def files(directory: Path) -> list[Path]:
    return store.fixture_files(directory) if directory.is_dir() else []


def test_record_then_replay_offline_gives_the_same_answers(tmp_path: Path) -> None:
    with FakeUpstream(event_delay=0.02) as upstream:
        with recorder(tmp_path, upstream) as server, sdk(server) as client:
            recorded = conversation(client)
        upstream_calls = len(upstream.requests)
    assert upstream_calls == 4
    assert recorded["plain"]["choices"][0]["message"]["content"] == "Echo: Say hi"
    assert recorded["tool_arguments"] == {"location": "Paris", "unit": "celsius"}
    assert recorded["chunks"][-1]["usage"]["total_tokens"] > 0
    assert len(files(tmp_path)) == 4
    # Upstream gone, proxy gone: replay only, from the recorded directory.
    with running_server(fixture_dirs=(tmp_path,), record_mode=RecordMode.NONE) as server:
        with sdk(server) as client:
            replayed = conversation(client)
    assert replayed == recorded, "ids are pinned by the recording: everything is identical"


def test_stream_is_relayed_live_not_buffered(tmp_path: Path) -> None:
    with FakeUpstream(event_delay=0.15) as upstream, recorder(tmp_path, upstream) as server:
        body = {
            "model": "gpt-4o-mini",
            "stream": True,
            "messages": [{"role": "user", "content": "one two three four five six"}],
        }
        headers = {"authorization": "Bearer sk-x"}
        with httpx.stream(
            "POST", server.url + "/v1/chat/completions", json=body, headers=headers, timeout=30
        ) as response:
            lines = response.iter_lines()
            first = next(line for line in lines if line.startswith("data: "))
            first_at = time.monotonic()
            rest = [line for line in lines if line.startswith("data: ")]
        sent = upstream.last_request
    assert first.startswith('data: {"id":"chatcmpl-')
    assert rest[-1] == "data: [DONE]"
    assert sent.last_event_sent_at is not None and sent.first_event_sent_at is not None
    assert sent.last_event_sent_at - sent.first_event_sent_at > 0.5
    assert first_at < sent.last_event_sent_at, "the first event arrived before the last was sent"
    # The gaps were captured: replaying at recorded pace is possible.
    [path] = files(tmp_path)
    events = store.read_yaml(path)["fixtures"][0]["response"]["events"]
    assert sum(e.get("delay_ms", 0) for e in events) > 500


def test_planted_secrets_are_written_nowhere(tmp_path: Path, upstream: FakeUpstream) -> None:
    planted_key = "sk-proj-PLANTEDSECRETKEY0123456789abcdef"
    planted_org = "org-PLANTEDORGANIZATION00000"
    with recorder(tmp_path, upstream) as server:
        client = openai.OpenAI(
            base_url=server.url + "/v1",
            api_key=planted_key,
            max_retries=0,
            organization=planted_org,
            default_query={"api-key": "PLANTEDQUERYSECRET123456"},
        )
        with client:
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"my key is {planted_key}, keep it"}],
                metadata={"api_key": "PLANTEDBODYSECRET9876543210"},
            )
            upstream.fail_next(429)
            with pytest.raises(openai.RateLimitError):
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "again"}]
                )
    assert upstream.requests[0].headers["authorization"] == f"Bearer {planted_key}"
    written = "\n".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert len(files(tmp_path)) == 2
    for secret in ("PLANTED", *SECRETS):
        assert secret not in written, f"{secret} reached a fixture file"
    assert "REDACTED" in written


def test_fifty_concurrent_recordings_are_fifty_loadable_fixtures(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    upstream.event_delay = 0.001

    async def record_all(url: str) -> list[str]:
        async with openai.AsyncOpenAI(base_url=url, api_key="sk-x", max_retries=0) as client:

            async def one(i: int) -> str:
                ask = [{"role": "user", "content": f"question {i}"}]
                if i % 2:
                    stream = await client.chat.completions.create(
                        model="gpt-4o-mini",
                        messages=ask,
                        stream=True,  # type: ignore[arg-type]
                    )
                    return "".join([c.choices[0].delta.content or "" async for c in stream])
                done = await client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
                return done.choices[0].message.content or ""

            return await asyncio.gather(*(one(i) for i in range(50)))

    with recorder(tmp_path, upstream) as server:
        answers = asyncio.run(record_all(server.url + "/v1"))
        time.sleep(0.2)  # the last recordings are written as their streams close
    assert answers == [f"Echo: question {i}" for i in range(50)]
    fixtures = store.load_library([tmp_path])
    assert len(fixtures) == 50
    assert not list(tmp_path.rglob("*.tmp"))
    with running_server(fixture_dirs=(tmp_path,)) as server, sdk(server) as client:
        again = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "question 7"}]
        )
    assert again.choices[0].message.content == "Echo: question 7"


def test_mode_none_never_contacts_the_upstream(tmp_path: Path, upstream: FakeUpstream) -> None:
    with recorder(tmp_path, upstream, RecordMode.NONE) as server, sdk(server) as client:
        with pytest.raises(openai.NotFoundError) as caught:
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hello?"}]
            )
    assert caught.value.body["type"] == "mockapi_no_match"  # type: ignore[index]
    assert upstream.requests == []
    assert files(tmp_path) == []


def test_mode_once_records_into_empty_dir_then_only_replays(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    ask = [{"role": "user", "content": "first"}]
    with recorder(tmp_path, upstream, RecordMode.ONCE) as server, sdk(server) as client:
        client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    assert len(files(tmp_path)) == 1 and len(upstream.requests) == 1
    with recorder(tmp_path, upstream, RecordMode.ONCE) as server, sdk(server) as client:
        replayed = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "second"}]
            )
    assert replayed.choices[0].message.content == "Echo: first"
    assert len(upstream.requests) == 1 and len(files(tmp_path)) == 1


def test_mode_new_episodes_replays_hits_and_records_misses(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    with recorder(tmp_path, upstream) as server, sdk(server) as client:
        for text in ("a", "b", "a", "a", "b"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
            )
        # A streamed request replays the non-stream recording: no upstream call.
        streamed = list(
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "a"}], stream=True
            )
        )
    assert len(upstream.requests) == 2
    assert len(files(tmp_path)) == 2
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == "Echo: a"


def test_mode_all_re_records_and_overwrites(tmp_path: Path, upstream: FakeUpstream) -> None:
    ask = [{"role": "user", "content": "again and again"}]
    with recorder(tmp_path, upstream, RecordMode.ALL) as server, sdk(server) as client:
        first = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
        second = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    assert len(upstream.requests) == 2
    [path] = files(tmp_path)
    assert store.read_yaml(path)["fixtures"][0]["response"]["body"]["id"] == second.id != first.id


def test_hand_edited_fixture_is_kept_outside_mode_all(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    ask = [{"role": "user", "content": "editable"}]
    with recorder(tmp_path, upstream) as server, sdk(server) as client:
        client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    [path] = files(tmp_path)
    edited = path.read_text().replace("Echo: editable", "Edited by hand")
    edited = edited.replace("model: gpt-4o-mini\n", "model: gpt-4o\n", 1)  # no longer matches
    path.write_text(edited)
    with recorder(tmp_path, upstream) as server, sdk(server) as client:
        client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    assert path.read_text() == edited
    assert len(files(tmp_path)) == 2
    with recorder(tmp_path, upstream, RecordMode.ALL) as server, sdk(server) as client:
        client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    assert "Edited by hand" not in path.read_text()


def test_broken_stream_is_not_recorded(
    tmp_path: Path, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream.break_stream_after(2)
    with recorder(tmp_path, upstream) as server, sdk(server) as client:
        with pytest.raises((openai.APIError, httpx.HTTPError)):
            stream = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "cut me off"}],
                stream=True,
            )
            chunks = list(stream)
            assert chunks, "some chunks arrived before the cut"
            raise openai.APIError("stream ended early", request=None, body=None)  # type: ignore[arg-type]
        time.sleep(0.1)
    assert files(tmp_path) == []
    assert "not recording POST /v1/chat/completions: upstream broke off" in caplog.text


def test_client_disconnect_mid_stream_is_not_recorded(
    tmp_path: Path, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream.event_delay = 0.2
    with recorder(tmp_path, upstream) as server:
        body = {
            "model": "gpt-4o-mini",
            "stream": True,
            "messages": [{"role": "user", "content": "a long answer I will abandon"}],
        }
        with httpx.stream(
            "POST",
            server.url + "/v1/chat/completions",
            json=body,
            headers={"authorization": "Bearer sk-x"},
        ) as response:
            next(response.iter_lines())
        time.sleep(1.5)
    assert files(tmp_path) == []
    assert "client disconnected" in caplog.text


def test_upstream_errors_pass_through_and_replay(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.fail_next(429, headers={"retry-after": "2", "x-ratelimit-remaining-requests": "0"})
    ask = [{"role": "user", "content": "rate limited"}]
    with recorder(tmp_path, upstream) as server, sdk(server) as client:
        with pytest.raises(openai.RateLimitError) as live:
            client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    with running_server(fixture_dirs=(tmp_path,)) as server, sdk(server) as client:
        with pytest.raises(openai.RateLimitError) as replayed:
            client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    assert live.value.response.headers["retry-after"] == "2"
    assert replayed.value.response.headers["retry-after"] == "2"
    assert replayed.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    live_body = json.loads(json.dumps(live.value.body).replace(FAKE_ORGANIZATION, "REDACTED"))
    assert replayed.value.body == live_body, "verbatim, but for the organization id"
    assert replayed.value.code == "rate_limit_exceeded"


def test_openai_headers_are_relayed_live_but_the_organization_is_not_recorded(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    upstream.fail_next(500, headers={"x-should-retry": "false"})
    # Mode all: a retry would go upstream too (not replay the 500 just recorded), and
    # with retries on, only the relayed x-should-retry stops the SDK retrying a 500.
    with recorder(tmp_path, upstream, RecordMode.ALL) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-x", max_retries=2)
        with client:
            with pytest.raises(openai.InternalServerError) as failed:
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "fail once"}]
                )
            answered = client.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "then answer"}]
            )
    assert len(upstream.requests) == 2, "the SDK read x-should-retry: false and did not retry"
    assert failed.value.response.headers["x-should-retry"] == "false"
    assert failed.value.response.headers["openai-organization"] == FAKE_ORGANIZATION
    assert answered.headers["openai-organization"] == FAKE_ORGANIZATION
    written = "\n".join(p.read_text() for p in files(tmp_path))
    assert len(files(tmp_path)) == 2
    assert "x-should-retry" in written, "the recorded 500 keeps what the SDK acts on"
    assert FAKE_ORGANIZATION not in written, "relayed live, never written"


def test_unreachable_upstream_is_502_naming_it(tmp_path: Path) -> None:
    with FakeUpstream() as gone:
        url = gone.url
    with running_server(
        fixture_dirs=(tmp_path,), record_mode=RecordMode.NEW_EPISODES, upstream_url=url
    ) as server:
        response = httpx.post(
            server.url + "/v1/chat/completions",
            headers={"authorization": "Bearer sk-x"},
            json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
        )
    assert response.status_code == 502
    error = response.json()["error"]
    assert url in error["message"] and "could not connect" in error["message"]
    assert (error["type"], error["code"]) == ("upstream_error", "upstream_unreachable")


def test_slow_upstream_is_504(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.delay_next(3)
    with recorder(tmp_path, upstream, upstream_timeout=0.5) as server:
        response = httpx.post(
            server.url + "/v1/chat/completions",
            headers={"authorization": "Bearer sk-x"},
            timeout=10,
            json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
        )
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert files(tmp_path) == []


def test_invalid_request_is_not_sent_upstream_unless_no_validate(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    bad = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], "temperature": 5}
    headers = {"authorization": "Bearer sk-x"}
    with recorder(tmp_path, upstream) as server:
        response = httpx.post(server.url + "/v1/chat/completions", json=bad, headers=headers)
    assert response.status_code == 400 and upstream.requests == []
    with recorder(tmp_path, upstream, validate=False) as server:
        response = httpx.post(server.url + "/v1/chat/completions", json=bad, headers=headers)
    assert len(upstream.requests) == 1


def test_any_path_is_proxied_and_recorded(tmp_path: Path, upstream: FakeUpstream) -> None:
    with recorder(tmp_path, upstream) as server, sdk(server) as client:
        live = client.embeddings.create(
            model="text-embedding-3-small", input="otters", dimensions=8
        )
    with running_server(fixture_dirs=(tmp_path,)) as server, sdk(server) as client:
        replayed = client.embeddings.create(
            model="text-embedding-3-small", input="otters", dimensions=8
        )
    assert replayed.data[0].embedding == live.data[0].embedding
    assert len(live.data[0].embedding) == 8


def test_upstream_key_from_environment_replaces_the_clients(
    tmp_path: Path, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKAPI_TEST_UPSTREAM_KEY", "sk-from-the-environment-0000000000")
    with recorder(tmp_path, upstream, upstream_key_env="MOCKAPI_TEST_UPSTREAM_KEY") as server:
        with sdk(server, key="sk-client-side-key") as client:
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "whose key?"}]
            )
    sent = upstream.last_request.headers["authorization"]
    assert sent == "Bearer sk-from-the-environment-0000000000"
    assert "sk-from-the-environment" not in "".join(p.read_text() for p in files(tmp_path))


def test_two_server_processes_record_into_one_directory(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    upstream.event_delay = 0.001
    args = (
        "record",
        "--upstream",
        upstream.url,
        "--fixtures",
        str(tmp_path),
        "--log-level",
        "warning",
    )
    with mockapi_process(*args) as (_, port_a), mockapi_process(*args) as (_, port_b):

        async def fire() -> list[str]:
            clients = [
                openai.AsyncOpenAI(
                    base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-x", max_retries=0
                )
                for port in (port_a, port_b)
            ]
            calls = []
            for i in range(40):
                # 30 distinct questions; 10 asked of both processes at once.
                text = f"shared {i % 10}" if i >= 20 else f"own {i}"
                calls.append(
                    clients[i % 2].chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
                    )
                )
            results = await asyncio.gather(*calls)
            for client in clients:
                await client.close()
            return [r.choices[0].message.content or "" for r in results]

        answers = asyncio.run(fire())
    assert answers[:20] == [f"Echo: own {i}" for i in range(20)]
    assert answers[20:] == [f"Echo: shared {i % 10}" for i in range(20, 40)]
    fixtures = store.load_library([tmp_path])  # every file loads: none torn or corrupt
    recorded = {f.matchers["body"]["messages"][0]["content"] for f in fixtures}
    assert recorded == {f"own {i}" for i in range(20)} | {f"shared {i}" for i in range(10)}
    assert 30 <= len(fixtures) <= 40  # a question asked of both at once may be kept twice
    assert not list(tmp_path.rglob("*.tmp"))
