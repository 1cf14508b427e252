"""Real traffic: a synthesized answer has the structure of the real one.

Every recorded chat completions and Responses exchange that succeeded is sent again to
a server in synthesize mode (no fixtures), in the mode it was recorded in, and the
answer is compared with the recording by :mod:`tests.structure`: the same keys at every
level, the same JSON types, and for streams the same sequence shape (chat: role chunk,
content or tool-call chunks, finish chunk, usage chunk; Responses: the event types,
runs of deltas counting as one) and, per chunk kind or event type, the same keys.

Two things are not structure, and the comparison accounts for them:

* **What the answer says.** Where the recording called a tool and synthesis would
  answer in text (or the reverse), the request is sent with ``tool_choice:
  "required"`` (or ``"none"``), so that both answers are of the same kind; the echoed
  ``tool_choice`` stays a string either way.
* **How old the recording is.** The API's objects have grown since March 2025 (the
  Responses object gained ``billing``, ``completed_at``, ``text.verbosity``...,
  ``reasoning.generate_summary`` became ``summary``, events gained
  ``sequence_number``). Synthesis follows the newest recordings, so a difference in
  an older one is accepted when a *newer* recording of the same endpoint has the form
  synthesis sends (the key, or its absence, or the type). Anything else fails, named
  by its path. :data:`NEWER_THAN_THE_RECORDINGS` lists what no recording has yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from mockapi.wire.sse import decode_events
from tests.helpers import response_problems, running_server, strict_client
from tests.real_traffic import ABSENT, CHAT, RESPONSES, SKIP_REASON, Recorded, successful
from tests.structure import collapse, differences, paths

pytestmark = pytest.mark.skipif(ABSENT, reason=SKIP_REASON)

NEWER_THAN_THE_RECORDINGS = {
    "usage.input_tokens_details.cache_write_tokens": "the spec (2.3.0) and openai-python "
    "3.57 (InputTokensDetails, a required field the SDK's strict validation checks) have "
    "it; every recording (the newest from 2026-05) predates it",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    empty = tmp_path_factory.mktemp("no-fixtures")
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=(empty,)) as started:
        yield started


# -- normalizing answers ---------------------------------------------------------------------


def chunk_kind(chunk: dict[str, Any]) -> str:
    """What a chat chunk is in the stream's sequence."""
    if not chunk.get("choices"):
        return "usage"
    choice = chunk["choices"][0]
    delta = choice.get("delta") or {}
    if choice.get("finish_reason"):
        return "finish"
    if "role" in delta:
        return "role"
    return "tool_call" if delta.get("tool_calls") else "content"


def sequence(endpoint: str, datas: list[dict[str, Any]]) -> list[str]:
    kinds = [chunk_kind(d) for d in datas] if endpoint == CHAT else [d["type"] for d in datas]
    return collapse(kinds)


def document(endpoint: str, datas: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A stream as one document: its chunks (or events) by kind, for key comparison."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for data in datas:
        kind = chunk_kind(data) if endpoint == CHAT else str(data["type"])
        grouped.setdefault(kind, []).append(data)
    return grouped


def created(record: Recorded) -> int:
    if not record.streamed:
        body = record.json
        return int(body.get("created", body.get("created_at", 0)))
    first = record.event_data[0]
    return int(first.get("created") or first["response"]["created_at"])


def recorded_answer(record: Recorded) -> Any:
    if record.streamed:
        return document(record.endpoint, record.event_data)
    return record.json


def called_tools(record: Recorded) -> int:
    """How many tools the recorded answer called."""
    if record.endpoint == CHAT:
        if record.streamed:
            heads = {
                call["index"]
                for d in record.event_data
                if d.get("choices")
                for call in d["choices"][0].get("delta", {}).get("tool_calls") or []
            }
            return len(heads)
        return len(record.json["choices"][0]["message"].get("tool_calls") or [])
    body = record.event_data[-1]["response"] if record.streamed else record.json
    return sum(item.get("type") == "function_call" for item in body["output"])


def fair_request(record: Recorded) -> dict[str, Any]:
    """The recorded request, with ``tool_choice`` set so that the answer is of the same
    kind (tool call or text) as the recorded one, and ``parallel_tool_calls: false``
    where it called one tool only (a single call streams another role chunk)."""
    body = dict(record.request)
    if not body.get("tools"):
        return body
    calls = called_tools(record)
    if calls and not isinstance(body.get("tool_choice"), dict):
        body["tool_choice"] = "required"
    if calls == 1:
        body["parallel_tool_calls"] = False
    if not calls:
        body["tool_choice"] = "none"
    return body


def ask(server: ServerThread, record: Recorded) -> Any:
    response = httpx.post(
        server.url + record.item.path,
        json=fair_request(record),
        headers={"authorization": "Bearer sk-test"},
        timeout=30,
    )
    assert response.status_code == 200, f"{record.name}: {response.text[:300]}"
    if record.streamed:
        datas = [e.data for e in decode_events(response.content) if isinstance(e.data, dict)]
        for data in datas:
            assert response_problems(record.endpoint, data, role="stream_event") == [], record.name
        return datas
    assert response_problems(record.endpoint, response.json()) == [], record.name
    return response.json()


# -- telling the API's age from a difference -------------------------------------------------

_SNAPSHOT = re.compile(r"^response\.(?:created|in_progress|completed)\[\]\.response\.(.+)$")


def explained_by_age(line: str, record: Recorded, newer: list[dict[str, set[str]]]) -> bool:
    """Whether a newer recording of the endpoint has what synthesis sends at that path."""
    path, what = line.split(": ", 1)
    candidates = [path]
    inner = _SNAPSHOT.match(path)
    if inner:  # a stream's response object: the plain recordings show it too
        candidates.append(inner.group(1))
    for candidate in candidates:
        parent = candidate.rsplit(".", 1)[0] if "." in candidate else "(body)"
        for known in newer:
            if what.startswith("extra") and candidate in known:
                return True
            if what.startswith("missing") and parent in known and candidate not in known:
                return True
            if what.startswith("type") and known.get(candidate) == set(
                what.split(", ")[-1].split("|")
            ):
                return True
    return False


def newer_than(record: Recorded) -> list[dict[str, set[str]]]:
    """The key paths of every recording of the same endpoint made after ``record``."""
    found = []
    for other in successful(record.endpoint):
        if created(other) > created(record):
            found.append(paths(recorded_answer(other)))
    return found


def structural_differences(record: Recorded, ours: Any) -> list[str]:
    real = recorded_answer(record)
    if record.streamed:
        found = []
        real_sequence, our_sequence = (
            sequence(record.endpoint, record.event_data),
            sequence(record.endpoint, ours),
        )
        if real_sequence != our_sequence:
            found.append(f"(sequence): {real_sequence} in the recording, {our_sequence}")
        found.extend(differences(real, document(record.endpoint, ours)))
    else:
        found = differences(real, ours)
    newer = newer_than(record)
    return [
        line
        for line in found
        if line.startswith("(sequence)")
        or not (
            line.split(": ", 1)[0].endswith(tuple(NEWER_THAN_THE_RECORDINGS))
            or explained_by_age(line, record, newer)
        )
    ]


# -- the tests -------------------------------------------------------------------------------


def test_synthesized_chat_completions_have_the_recorded_structure(server: ServerThread) -> None:
    records = successful(CHAT)
    assert len(records) == 28
    found = {r.name: structural_differences(r, ask(server, r)) for r in records}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_synthesized_responses_have_the_recorded_structure(server: ServerThread) -> None:
    records = successful(RESPONSES)
    assert len(records) == 12
    found = {r.name: structural_differences(r, ask(server, r)) for r in records}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_a_difference_no_newer_recording_shows_is_reported() -> None:
    (oldest, *_) = sorted(successful(RESPONSES), key=created)
    body = oldest.event_data[-1]["response"] if oldest.streamed else oldest.json
    newer = newer_than(oldest)
    assert newer
    # A key no recording has is reported; one the newer recordings added is not.
    assert not explained_by_age("invented_key: extra (not in the recording)", oldest, newer)
    assert explained_by_age("billing: extra (not in the recording)", oldest, newer)
    assert "billing" not in body


def test_structure_helpers_name_each_difference(tmp_path: Path) -> None:
    real = {"a": 1, "b": [{"c": None}], "d": "x", "e": []}
    ours = {"a": 1.0, "b": [{"c": "s", "z": 1}], "e": [{"f": 1}], "y": True}
    assert differences(real, ours) == [
        "a: type integer in the recording, number",
        "b[].c: type null in the recording, string",
        "b[].z: extra (not in the recording)",
        "d: missing (the recording has it)",
        "y: extra (not in the recording)",
    ]
    assert collapse(["role", "content", "content", "finish"]) == ["role", "content", "finish"]
    assert paths({"a": [{"b": 1}]}) == {
        "(body)": {"object"},
        "a": {"array"},
        "a[]": {"object"},
        "a[].b": {"integer"},
    }


def test_synthesized_streams_pass_the_sdk_strict_validation(server: ServerThread) -> None:
    """The padding and shapes above are what the SDK's models accept (strict mode)."""
    streams = [r for r in successful(CHAT) + successful(RESPONSES) if r.streamed]
    with strict_client(server.url + "/v1") as client:
        for record in streams:
            body = {k: v for k, v in fair_request(record).items() if k != "stream"}
            if record.endpoint == CHAT:
                chunks = list(client.chat.completions.create(stream=True, **body))
                assert chunks[-1].usage is not None or not body.get("stream_options")
            else:
                events = list(client.responses.create(stream=True, **body))
                assert events[-1].type == "response.completed", record.name
