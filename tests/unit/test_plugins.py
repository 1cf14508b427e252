"""Loading plugins and calling their hooks: errors name the plugin, nothing crashes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mockapi.config import OnMiss, Settings
from mockapi.library.fixture import parse_document
from mockapi.plugins import PLUGIN_ERROR, PluginError, load_plugins
from mockapi.replay.engine import Replayer, parse_request

HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}


def plugin(tmp_path: Path, code: str, name: str = "custom") -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    return str(path)


def ask(replayer: Replayer, content: str, **extra: Any) -> Any:
    body = {"model": "m", "messages": [{"role": "user", "content": content}], **extra}
    request = parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    return replayer.handle(request)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("x = 1\n", "has no setup(api) function"),
        ("raise RuntimeError('boom')\n", "failed to import: RuntimeError: boom"),
        ("def setup(api):\n    raise KeyError('k')\n", "failed in setup(): KeyError"),
    ],
)
def test_broken_plugins_are_named(tmp_path: Path, code: str, message: str) -> None:
    path = plugin(tmp_path, code)
    with pytest.raises(PluginError, match=re.escape(message)) as caught:
        load_plugins([path])
    assert path in str(caught.value)


def test_unknown_plugin_lists_the_bundled_ones() -> None:
    with pytest.raises(PluginError, match=r"not found.*echo, scrub_pii"):
        load_plugins(["no_such_plugin_here"])


def test_responder_answers_misses_after_fixtures(tmp_path: Path) -> None:
    hooks = load_plugins(["echo"])
    fixtures = parse_document(
        {
            "version": 1,
            "fixtures": [
                {
                    "match": {"content": "fixed"},
                    "response": {
                        "body": {"choices": [{"message": {"role": "assistant", "content": "F"}}]}
                    },
                }
            ],
        },
        "f.yaml",
    )
    replayer = Replayer(Settings(), fixtures, None, hooks=hooks)
    assert ask(replayer, "fixed please").body["choices"][0]["message"]["content"] == "F"
    echoed = ask(replayer, "say this back")
    assert echoed.body["choices"][0]["message"]["content"] == "say this back"
    assert replayer.journal.entries()[-1].fixture == "plugin:echo"
    streamed = ask(replayer, "stream this back", stream=True)
    pieces = [
        e.data["choices"][0]["delta"].get("content") or ""
        for e in streamed.events
        if isinstance(e.data, dict) and e.data["choices"]
    ]
    assert "".join(pieces) == "stream this back"


def test_failing_responder_is_a_500_naming_the_plugin(tmp_path: Path) -> None:
    code = "def setup(api):\n    @api.responder\n    def bad(request):\n        return 1 / 0\n"
    replayer = Replayer(
        Settings(on_miss=OnMiss.ERROR),
        [],
        None,
        hooks=load_plugins([plugin(tmp_path, code, "divider")]),
    )
    response = ask(replayer, "anything")
    assert response.status == 500
    assert response.body["error"]["type"] == PLUGIN_ERROR
    assert (
        "plugin 'divider' failed in its responder: ZeroDivisionError"
        in (response.body["error"]["message"])
    )


def test_plugin_matcher_is_usable_in_fixtures(tmp_path: Path) -> None:
    code = """
from mockapi.matching.matchers import Difference

def setup(api):
    @api.matcher("message_count")
    def message_count(body, expected, fixture):
        got = len(body.get("messages", []))
        return [] if got == expected else [
            Difference("messages", expected, got, f"expected {expected} messages, got {got}")]
"""
    hooks = load_plugins([plugin(tmp_path, code, "counting")])
    fixtures = parse_document(
        {
            "version": 1,
            "fixtures": [
                {
                    "name": "two",
                    "match": {"message_count": 2},
                    "response": {
                        "body": {"choices": [{"message": {"role": "assistant", "content": "two"}}]}
                    },
                }
            ],
        },
        "f.yaml",
    )
    replayer = Replayer(Settings(on_miss=OnMiss.ERROR), fixtures, None, hooks=hooks)
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
    }
    hit = replayer.handle(
        parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    )
    assert hit.body["choices"][0]["message"]["content"] == "two"
    miss = ask(replayer, "only one")
    assert "expected 2 messages, got 1" in miss.body["error"]["message"]


def test_scrub_pii_is_consistent_and_leaves_ids_alone() -> None:
    hooks = load_plugins(["scrub_pii"])
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {
                "role": "user",
                "content": "I am John Smith (john.smith@example.com, +1 415-555-0134), "
                "order 2024-05-01.",
            }
        ],
        "user": "chatcmpl-Abc123",
    }
    once = hooks.transform_request(body)
    twice = hooks.transform_request(body)
    text = once["messages"][0]["content"]
    assert once == twice, "the same input is always scrubbed the same way"
    for original in ("John Smith", "john.smith@example.com", "415-555-0134"):
        assert original not in text
    assert "2024-05-01" in text and once["user"] == "chatcmpl-Abc123"
    assert body["messages"][0]["content"].startswith("I am John Smith"), "input not mutated"
