"""Reading cassettes in the formats people have: VCR.py, parsed_body, Ruby VCR."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from mockapi.errors import CassetteError
from mockapi.library import store
from mockapi.recording.cassettes import Interaction, interactions
from mockapi.recording.importer import import_cassettes

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
REPLY = {"id": "chatcmpl-1", "object": "chat.completion", "choices": [], "usage": {}}


def vcr_py(
    body: Any,
    headers: dict[str, list[str]] | None = None,
    uri: str = "https://api.openai.com/v1/chat/completions",
) -> dict[str, Any]:
    return {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "body": json.dumps(CHAT),
                    "headers": {"Authorization": ["Bearer sk-x"]},
                    "method": "POST",
                    "uri": uri,
                },
                "response": {
                    "body": {"string": body},
                    "headers": headers or {},
                    "status": {"code": 200, "message": "OK"},
                },
            }
        ],
    }


def only(document: dict[str, Any]) -> Interaction:
    [item] = list(interactions(document))
    assert isinstance(item, Interaction)
    return item


def test_vcr_py_plain_text_body() -> None:
    item = only(vcr_py(json.dumps(REPLY), {"Content-Type": ["application/json"]}))
    assert (item.method, item.path, item.status) == ("POST", "/v1/chat/completions", 200)
    assert json.loads(item.body) == REPLY and item.request_json == CHAT
    assert item.content_type == "application/json"


def test_vcr_py_gzip_binary_body() -> None:
    raw = gzip.compress(json.dumps(REPLY).encode())
    item = only(vcr_py(raw, {"Content-Encoding": ["gzip"]}))
    assert json.loads(item.body) == REPLY


def test_parsed_body_variant() -> None:
    document = vcr_py("")
    document["interactions"][0]["request"] = {
        "parsed_body": CHAT,
        "method": "POST",
        "uri": "https://api.openai.com/v1/chat/completions",
    }
    document["interactions"][0]["response"] = {"parsed_body": REPLY, "status": {"code": 200}}
    item = only(document)
    assert item.request_json == CHAT and json.loads(item.body) == REPLY


def test_ruby_vcr_with_base64_body() -> None:
    document = {
        "http_interactions": [
            {
                "request": {
                    "method": "get",
                    "uri": "https://api.openai.com/v1/models",
                    "body": {"encoding": "US-ASCII", "string": ""},
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Type": ["application/json"]},
                    "body": {
                        "encoding": "ASCII-8BIT",
                        "base64_string": base64.b64encode(b'{"object": "list"}').decode(),
                    },
                },
                "recorded_at": "Sat, 27 Apr 2024 11:46:19 GMT",
            }
        ],
        "recorded_with": "VCR 6.0.0",
    }
    item = only(document)
    assert (item.method, item.path, item.request_json) == ("GET", "/v1/models", None)
    assert json.loads(item.body) == {"object": "list"}
    assert item.recorded_at == "Sat, 27 Apr 2024 11:46:19 GMT"


def test_unreadable_interaction_is_reported_not_fatal() -> None:
    document = vcr_py("{}")
    document["interactions"].append({"request": {}})
    items = list(interactions(document))
    assert isinstance(items[0], Interaction)
    assert items[1][0] == 1 and "unreadable interaction" in items[1][1]  # type: ignore[index]


def test_not_a_cassette() -> None:
    with pytest.raises(CassetteError, match="no 'interactions'"):
        list(interactions({"version": 1}))


def test_import_skips_other_hosts_and_non_json_and_redacts(tmp_path: Path) -> None:
    document = vcr_py(
        json.dumps({**REPLY, "note": "key sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX"}),
        {"Content-Type": ["application/json"], "Set-Cookie": ["a=b"]},
    )
    document["interactions"].append(
        vcr_py("{}", uri="https://example.com/v1/chat/completions")["interactions"][0]
    )
    document["interactions"].append(vcr_py("<html>oops</html>")["interactions"][0])
    cassette = tmp_path / "suite" / "test_thing.yaml"
    cassette.parent.mkdir()
    cassette.write_bytes(store.dump_yaml(document))
    out = tmp_path / "fixtures"
    report = import_cassettes([cassette], out)
    assert (report.imported, report.skipped) == (1, 2)
    text = "\n".join(report.lines)
    assert "#1: skipped: host 'example.com' is not an OpenAI host" in text
    assert "#2: skipped: the response is neither JSON nor an SSE stream" in text
    written = (out / "suite" / "test_thing.yaml").read_text()
    assert "sk-proj-ABCDEFGH" not in written and "a=b" not in written
    assert "Bearer" not in written
    again = import_cassettes([cassette], out)
    assert f"unchanged {out / 'suite' / 'test_thing.yaml'}" in again.lines[-1]
    (out / "suite" / "test_thing.yaml").write_text(written + "# edited\n")
    kept = import_cassettes([cassette], out)
    assert "differs from this import" in kept.lines[-1]
    assert (out / "suite" / "test_thing.yaml").read_text().endswith("# edited\n")
