"""Loading plugins and calling their hooks: errors name the plugin, nothing crashes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mockapi.config import OnMiss, Settings
from mockapi.errors import FixtureError
from mockapi.library.fixture import parse_document
from mockapi.matching.matchers import BUILTIN, Matchers
from mockapi.plugins import NO_HOOKS, PLUGIN_ERROR, Hooks, PluginError, load_plugins
from mockapi.replay.engine import Replayer
from mockapi.replay.request import parse_request

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


COUNTING = """
from mockapi.errors import FixtureError
from mockapi.matching.matchers import Difference

def at_least_one(expected, fixture):
    if not isinstance(expected, int) or expected < 1:
        raise FixtureError(fixture.source, f"'match.message_count' must be >= 1, got {expected!r}")
    return expected

def setup(api):
    @api.matcher("message_count", prepare=at_least_one)
    def message_count(body, expected, fixture):
        got = len(body.get("messages", []))
        return [] if got == expected else [
            Difference("messages", expected, got, f"expected {expected} messages, got {got}")]
"""
"""A plugin with a matcher (``message_count: N``) and a preparer that checks ``N``."""

TWO = {
    "name": "two",
    "match": {"message_count": 2},
    "response": {"body": {"choices": [{"message": {"role": "assistant", "content": "two"}}]}},
}


def ask_two(replayer: Replayer) -> Any:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
    }
    return replayer.handle(
        parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    )


def test_plugin_matcher_is_usable_in_fixtures(tmp_path: Path) -> None:
    hooks = load_plugins([plugin(tmp_path, COUNTING, "counting")])
    fixtures = parse_document({"version": 1, "fixtures": [TWO]}, "f.yaml")
    replayer = Replayer(Settings(on_miss=OnMiss.ERROR), fixtures, None, hooks=hooks)
    assert ask_two(replayer).body["choices"][0]["message"]["content"] == "two"
    miss = ask(replayer, "only one")
    assert "expected 2 messages, got 1" in miss.body["error"]["message"]


def test_the_same_plugin_loads_twice_in_one_process(tmp_path: Path) -> None:
    path = plugin(tmp_path, COUNTING, "counting")
    first, second = load_plugins([path]), load_plugins([path])  # was: "already registered"
    assert "message_count" in first.matchers and "message_count" in second.matchers
    assert first.matchers is not second.matchers
    fixtures = parse_document({"version": 1, "fixtures": [TWO]}, "f.yaml")
    for hooks in (first, second):
        replayer = Replayer(Settings(on_miss=OnMiss.ERROR), fixtures, None, hooks=hooks)
        assert ask_two(replayer).body["choices"][0]["message"]["content"] == "two"


def test_one_plugin_loading_its_matcher_twice_names_it(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="a matcher named 'message_count' is already registered"):
        load_plugins([plugin(tmp_path, COUNTING, "counting")] * 2)


def test_a_replayer_without_the_plugin_refuses_its_matcher(tmp_path: Path) -> None:
    hooks = load_plugins([plugin(tmp_path, COUNTING, "counting")])
    fixtures = parse_document({"version": 1, "fixtures": [TWO]}, "lib/f.yaml")
    Replayer(Settings(), fixtures, None, hooks=hooks)  # accepted with the plugin
    for others in (NO_HOOKS, load_plugins(["echo"])):
        with pytest.raises(FixtureError) as caught:
            Replayer(Settings(), fixtures, None, hooks=others)
        message = str(caught.value)
        assert message.startswith("lib/f.yaml#0:")
        assert "unknown matcher(s) ['message_count']" in message
        assert "'partial_body'" in message, "the known names are listed"
    assert "message_count" not in NO_HOOKS.matchers and "message_count" not in BUILTIN
    with pytest.raises(FixtureError, match="unknown matcher"):
        parse_document({"version": 1, "fixtures": [TWO]}, "lib/f.yaml", matchers=BUILTIN)
    bad = dict(TWO, match={"message_count": 0})
    with pytest.raises(FixtureError, match=re.escape("'match.message_count' must be >= 1, got 0")):
        Replayer(
            Settings(), parse_document({"version": 1, "fixtures": [bad]}, "f"), None, hooks=hooks
        )


def _containers(modules: list[ModuleType]) -> dict[str, Any]:
    """A copy of every module-level dict, set, list and matcher registry of ``modules``."""
    found: dict[str, Any] = {}
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, (dict, set, list, Matchers, Hooks)) and name[:2] != "__":
                found[f"{module.__name__}.{name}"] = repr(value)
    return found


def test_loading_a_plugin_writes_no_module_level_state(tmp_path: Path) -> None:
    modules = [
        m
        for name, m in sorted(sys.modules.items())
        if name == "mockapi.plugins" or name.startswith(("mockapi.matching", "mockapi.library"))
    ]
    before = _containers(modules)
    load_plugins([plugin(tmp_path, COUNTING, "counting")])
    assert _containers(modules) == before


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
