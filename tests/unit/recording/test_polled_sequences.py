"""A polled GET recorded while recording: each repeat goes upstream once the recording's
answers are used up, its answer joins the recording's sequence, and replay gives the
answers in their order (the recorder's placement and the replayer's use counts together,
without a server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.library import store
from mockapi.model import Request, Response
from mockapi.recording.recorder import Recorder
from mockapi.recording.upstream import Upstream, UpstreamResponse
from mockapi.replay.engine import Forward, Replayer
from mockapi.replay.request import parse_request

AUTH = {"authorization": "Bearer sk-test"}
POLL = parse_request("GET", "/v1/batches/batch_1", AUTH, b"")


def batch(status: str) -> dict[str, Any]:
    return {"id": "batch_1", "object": "batch", "status": status}


def proxy(directory: Path, mode: RecordMode = RecordMode.NEW_EPISODES) -> tuple[Replayer, Recorder]:
    """A replayer and a recorder wired as ``mockapi.build`` wires them."""
    fixtures = store.load_library([directory]) if directory.is_dir() else []
    replayer = Replayer(Settings(on_miss=OnMiss.PROXY), fixtures, validator=None)
    recorder = Recorder(
        Upstream("http://127.0.0.1:9"),
        directory,
        mode=mode,
        on_saved=replayer.add_fixtures,
        on_answered=replayer.answered,
    )
    return replayer, recorder


def exchange(replayer: Replayer, recorder: Recorder, request: Request, body: Any) -> Any:
    """Send ``request``: the replayer's answer, or (a Forward) the upstream's ``body``,
    recorded."""
    result = replayer.handle(request)
    if isinstance(result, Response):
        return result.body
    assert isinstance(result, Forward)

    def recorded() -> Response | None:  # as the web layer asks, before going upstream
        again = replayer.handle(request)
        return again if isinstance(again, Response) else None

    turn = anyio.run(recorder._take_turn, request, recorded)
    if isinstance(turn, Response):
        return turn.body
    if turn is not None:
        turn.release()
    kind = {"content-type": "application/json"}
    answer = UpstreamResponse(200, list(kind.items()))
    recorder._save(request, answer, json.dumps(body).encode(), None)
    return body


def replay(directory: Path, request: Request, times: int) -> list[Any]:
    replayer = Replayer(Settings(), store.load_library([directory]), validator=None)
    answers = [replayer.handle(request) for _ in range(times)]
    return [a.body["status"] if isinstance(a, Response) else a for a in answers]


@pytest.mark.parametrize(
    "path", ["/v1/batches/batch_1", "/v1/not_served_here/job_1"], ids=["local", "unknown"]
)
def test_a_polled_get_records_its_answers_in_order_and_replays_them(
    tmp_path: Path, path: str
) -> None:
    poll = parse_request("GET", path, AUTH, b"")
    replayer, recorder = proxy(tmp_path)
    upstream = ["validating", "in_progress", "in_progress", "completed"]
    got = [exchange(replayer, recorder, poll, batch(s))["status"] for s in upstream]
    assert got == upstream, "every poll went upstream: none replayed a recorded answer"
    [written] = store.fixture_files(tmp_path)
    [entry] = store.read_yaml(written)["fixtures"]
    # The same answer twice in a row is kept once: replay needs one poll fewer.
    assert [a["body"]["status"] for a in entry["sequence"]] == [
        "validating",
        "in_progress",
        "completed",
    ]
    assert replay(tmp_path, poll, 5) == [
        "validating",
        "in_progress",
        "completed",
        "completed",
        "completed",
    ]


def test_a_recording_from_an_earlier_run_replays_first_then_goes_upstream(
    tmp_path: Path,
) -> None:
    replayer, recorder = proxy(tmp_path)
    exchange(replayer, recorder, POLL, batch("validating"))
    replayer, recorder = proxy(tmp_path)  # the next run, recording again
    assert exchange(replayer, recorder, POLL, "not sent")["status"] == "validating"
    assert exchange(replayer, recorder, POLL, batch("completed"))["status"] == "completed"
    assert replay(tmp_path, POLL, 3) == ["validating", "completed", "completed"]


def test_other_requests_and_hand_written_fixtures_still_answer_from_the_library(
    tmp_path: Path,
) -> None:
    replayer, recorder = proxy(tmp_path)
    ask = parse_request(
        "POST", "/v1/chat/completions", {**AUTH, "content-type": "application/json"}, b"{}"
    )
    exchange(replayer, recorder, ask, {"id": "chatcmpl-1"})
    again = exchange(replayer, recorder, ask, {"id": "chatcmpl-2"})
    assert again["id"] == "chatcmpl-1", "a POST replays its recording: not sent again"
    hand = tmp_path / "hand" / "models.yaml"
    hand.parent.mkdir()
    hand.write_text(
        "version: 1\nfixtures:\n- match: {method: GET, path: /v1/models}\n"
        "  response: {body: {object: list, data: []}}\n"
    )
    replayer, recorder = proxy(tmp_path)
    models = parse_request("GET", "/v1/models", AUTH, b"")
    assert [exchange(replayer, recorder, models, "not sent") for _ in range(3)] == [
        {"object": "list", "data": []}
    ] * 3


def test_a_hand_edited_file_under_the_key_is_left_alone(tmp_path: Path) -> None:
    replayer, recorder = proxy(tmp_path)
    exchange(replayer, recorder, POLL, batch("validating"))
    [path] = store.fixture_files(tmp_path)
    edited = path.read_text().replace("/v1/batches/batch_1", "/v1/batches/batch_2")
    path.write_text(edited)
    replayer, recorder = proxy(tmp_path)
    exchange(replayer, recorder, POLL, batch("in_progress"))
    exchange(replayer, recorder, POLL, batch("completed"))
    assert path.read_text() == edited
    [other] = [p for p in store.fixture_files(tmp_path) if p != path]
    assert other.name == path.name.replace(".yaml", "-1.yaml")
    assert replay(tmp_path, POLL, 2) == ["in_progress", "completed"]


def test_mode_all_replaces_the_old_recording_then_extends_the_new_one(tmp_path: Path) -> None:
    replayer, recorder = proxy(tmp_path)
    exchange(replayer, recorder, POLL, batch("failed"))
    replayer, recorder = proxy(tmp_path, RecordMode.ALL)
    replayer.proxy_all = True
    for status in ("validating", "completed"):
        exchange(replayer, recorder, POLL, batch(status))
    assert replay(tmp_path, POLL, 3) == ["validating", "completed", "completed"]


def test_a_cassette_keeps_a_polled_get_as_one_sequence(tmp_path: Path) -> None:
    replayer, recorder = proxy(tmp_path / "lib")
    cassette = tmp_path / "cassettes" / "test_poll.yaml"
    recorder.use_cassette(cassette, test="tests/test_x.py::test_poll")
    for status in ("validating", "validating", "completed"):
        exchange(replayer, recorder, POLL, batch(status))
    [entry] = store.read_yaml(cassette)["fixtures"]
    assert [a["body"]["status"] for a in entry["sequence"]] == ["validating", "completed"]


def test_a_poll_another_worker_recorded_is_not_replayed_stale(tmp_path: Path) -> None:
    one = proxy(tmp_path)
    other = proxy(tmp_path)  # a second worker recording into the same directory
    assert exchange(*one, POLL, batch("validating"))["status"] == "validating"
    # The other worker finds that recording, answered already, and polls upstream.
    assert exchange(*other, POLL, batch("in_progress"))["status"] == "in_progress"
    assert exchange(*one, POLL, batch("completed"))["status"] == "completed"
    assert replay(tmp_path, POLL, 3) == ["validating", "in_progress", "completed"]
