"""Real traffic: every exchange in ../shared/real-traffic imported, then replayed exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from mockapi.library import store
from mockapi.recording import redaction
from mockapi.recording.cassettes import Interaction, interactions
from mockapi.recording.importer import import_cassettes
from mockapi.web.server import ServerThread
from tests.helpers import SHARED, running_server

TRAFFIC = SHARED / "real-traffic"
pytestmark = pytest.mark.skipif(
    not TRAFFIC.is_dir(), reason=f"{TRAFFIC} is absent (the shared real-traffic folder)"
)


def cassette_files() -> list[Path]:
    return sorted(p for p in TRAFFIC.glob("*/*.y*ml"))


def all_interactions() -> list[tuple[Path, Interaction]]:
    found = []
    for path in cassette_files():
        for item in interactions(store.read_yaml(path)):
            assert not isinstance(item, tuple), f"{path}: {item}"
            found.append((path, item))
    return found


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("imported")
    report = import_cassettes(cassette_files(), out)
    assert (report.imported, report.skipped, report.failed_files) == (51, 0, 0), report.lines
    return out


@pytest.fixture(scope="module")
def server(imported: Path) -> Iterator[ServerThread]:
    with running_server(fixture_dirs=(imported,)) as started:
        yield started


def test_importing_twice_changes_nothing(imported: Path) -> None:
    before = {p: p.read_bytes() for p in imported.rglob("*.yaml")}
    report = import_cassettes(cassette_files(), imported)
    assert all(
        ": unchanged " in line for line in report.lines if not line.split(": ")[0].count("#")
    )
    assert {p: p.read_bytes() for p in imported.rglob("*.yaml")} == before
    assert len(before) == len(cassette_files())


def test_every_exchange_replays_as_recorded(server: ServerThread) -> None:
    identical = 0
    exchanges = all_interactions()
    seen: dict[tuple[str, str, bytes], int] = {}
    for path, item in exchanges:
        # Identical requests in one cassette replay in order (a sequence): count them.
        key = (item.method, item.path, item.request_body)
        seen[key] = seen.get(key, 0) + 1
        response = httpx.request(
            item.method,
            server.url + item.path,
            content=item.request_body or None,
            headers={"authorization": "Bearer sk-test", "content-type": "application/json"},
            timeout=30,
        )
        where = f"{path.name}#{item.index}"
        assert response.status_code == item.status, where
        if item.content_type.startswith("text/event-stream"):
            assert response.content == redaction.scrub_bytes(item.body), where
        else:
            expected = redaction.redact_json(json.loads(item.body), redaction.DEFAULT_RULES)[0]
            assert response.json() == expected, where
        identical += 1
    assert identical == len(exchanges) == 51


def test_sdk_gets_recorded_chat_content(server: ServerThread) -> None:
    checked = 0
    with openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0) as client:
        for path, item in all_interactions():
            if item.path != "/v1/chat/completions" or item.status != 200:
                continue
            body = dict(item.request_json)
            if body.get("stream"):
                chunks = list(client.chat.completions.create(**body))
                text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
                recorded = [
                    json.loads(line[6:])
                    for line in item.body.decode().splitlines()
                    if line.startswith("data: {")
                ]
                expected = "".join(
                    c["choices"][0]["delta"].get("content") or "" for c in recorded if c["choices"]
                )
                assert [c.id for c in chunks] == [c["id"] for c in recorded], path.name
            else:
                result = client.chat.completions.create(**body)
                text = result.choices[0].message.content or ""
                expected = json.loads(item.body)["choices"][0]["message"]["content"] or ""
            assert text == expected, f"{path.name}#{item.index}"
            checked += 1
    assert checked == 28


def test_sdk_gets_recorded_responses_content(server: ServerThread) -> None:
    checked = 0
    with openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0) as client:
        for path, item in all_interactions():
            if item.path != "/v1/responses" or item.status != 200:
                continue
            body = dict(item.request_json)
            if body.pop("stream", False):
                events = list(client.responses.create(stream=True, **body))
                final = events[-1]
                assert final.type == "response.completed", path.name
                recorded = [
                    json.loads(line[6:])
                    for line in item.body.decode().splitlines()
                    if line.startswith("data: {")
                ]
                assert [e.type for e in events] == [e["type"] for e in recorded], path.name
                result, expected = final.response, recorded[-1]["response"]
            else:
                result, expected = client.responses.create(**body), json.loads(item.body)
            assert result.id == expected["id"], f"{path.name}#{item.index}"
            assert [o.type for o in result.output] == [o["type"] for o in expected["output"]]
            texts = [
                c["text"]
                for o in expected["output"]
                for c in o.get("content") or []
                if c.get("type") == "output_text"
            ]
            assert result.output_text == "".join(texts), f"{path.name}#{item.index}"
            checked += 1
    assert checked == 12
