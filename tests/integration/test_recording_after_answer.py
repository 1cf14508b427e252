"""A recording is written after its answer: the client never waits for the disk, the
next identical request is answered from memory at once, and the flush points (the
health endpoint, a record-mode switch, the server's stop) wait for the file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import RecordMode
from mockapi.library import store
from tests.fake_upstream import FakeUpstream
from tests.helpers import running_server

ASK = [{"role": "user", "content": "Say hi"}]


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(event_delay=0) as fake:
        yield fake


def hold(monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[threading.Event, list[Path]]:
    """Hold ``store.<name>`` (the recorder's file write) until the event is set; the
    paths it was called with are listed."""
    gate = threading.Event()
    calls: list[Path] = []
    original: Callable[[Path, bytes], Any] = getattr(store, name)

    def held(path: Path, data: bytes) -> Any:
        calls.append(path)
        assert gate.wait(10), "the test never let the write go"
        return original(path, data)

    monkeypatch.setattr(store, name, held)
    return gate, calls


def health(url: str) -> dict[str, Any]:
    recording: dict[str, Any] = httpx.get(url + "/__mockapi/health").json()["recording"]
    return recording


def test_the_answer_and_the_index_do_not_wait_for_the_disk(
    tmp_path: Path, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, calls = hold(monkeypatch, "create_new")
    settings = {"record_mode": RecordMode.NEW_EPISODES, "upstream_url": upstream.url}
    with running_server(fixture_dirs=(tmp_path,), **settings) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)
        with client:
            first = client.chat.completions.create(model="gpt-4o-mini", messages=ASK)  # type: ignore[arg-type]
            assert store.fixture_files(tmp_path) == [], "answered while the write is held"
            again = client.chat.completions.create(model="gpt-4o-mini", messages=ASK)  # type: ignore[arg-type]
            assert len(upstream.requests) == 1, "the same request again: from memory"
            assert again.id == first.id and again.choices[0].message.content == "Echo: Say hi"
            gate.set()
            assert health(server.url)["written"] == 1, "health waits for the write"
            [path] = store.fixture_files(tmp_path)
            assert calls == [path]
    [fixture] = store.load_file(path)
    assert fixture.responses[0].body["id"] == first.id


def test_mode_all_relays_every_answer_and_the_file_ends_with_the_last(
    tmp_path: Path, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, calls = hold(monkeypatch, "write_atomic")
    settings = {"record_mode": RecordMode.ALL, "upstream_url": upstream.url}
    with running_server(fixture_dirs=(tmp_path,), **settings) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)
        with client:
            ids = [
                client.chat.completions.create(model="gpt-4o-mini", messages=ASK).id  # type: ignore[arg-type]
                for _ in range(5)
            ]
        assert len(upstream.requests) == 5 and len(set(ids)) == 5
        assert store.fixture_files(tmp_path) == []
        gate.set()
        # Switching modes waits for the recordings of the answers given.
        httpx.put(server.url + "/__mockapi/record-mode", json={"mode": "none"}).raise_for_status()
        [path] = store.fixture_files(tmp_path)
        # The writes queued behind the held one were one write of the last answer.
        assert 2 <= len(calls) < 5 and set(calls) == {path}
        replayed = httpx.post(
            server.url + "/v1/chat/completions",
            headers={"authorization": "Bearer sk-test"},
            json={"model": "gpt-4o-mini", "messages": ASK},
        )
        assert replayed.json()["id"] == ids[-1]
    [fixture] = store.load_file(path)
    assert fixture.responses[0].body["id"] == ids[-1]
