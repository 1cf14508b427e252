"""redact_json's fast path (a value with nothing that could be redacted is copied as it
is) agrees with the walk, value by value, on real and planted bodies."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from mockapi.recording.redaction import DEFAULT_RULES, RedactionRules, _walk_json, redact_json
from tests.unit.recording.test_redaction import EXCHANGES, KEY, needs_real_traffic

RULES = (
    DEFAULT_RULES,
    RedactionRules(json_paths=("messages.*.name", "metadata.user", "input.0")),
    RedactionRules(json_paths=("*",)),
)
# What a planted value or key can be: secrets the walk finds, and near misses it keeps.
VALUES: tuple[Any, ...] = (
    KEY,
    f"my key is {KEY}, keep it",
    "Bearer abcdefghijklmnop1234",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz",
    "AKIAABCDEFGHIJKLMNOP",
    "api_key=abcd1234efgh",
    "not a secret",
    "chatcmpl-BENCH0000000000000000000000000",
    12345678,
    None,
    "\u0000 control",
)
KEYS = ("api_key", "password", "token", "key", "sig", "auth", "user", "name", "tokens", "x")
SYNTHETIC: tuple[Any, ...] = (
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi", "name": "n"}]},
    {"auth": {"type": "static_bearer", "token": "short"}},
    {"usage": {"prompt_tokens": 3, "completion_tokens_details": {"reasoning_tokens": 0}}},
    [1, "two", {"three": [3.0, True, None]}],
    "plain string",
    7,
    {"big": 2**70, "key": "abcdefghij0123456789"},
)


def plant(value: Any, rng: random.Random) -> Any:
    """``value`` with one key or value, somewhere, replaced by a secret or a near miss."""
    planted = copy.deepcopy(value)
    containers = [planted] if isinstance(planted, (dict, list)) else []
    found: list[Any] = []
    while containers:
        node = containers.pop()
        found.append(node)
        items = node.values() if isinstance(node, dict) else node
        containers.extend(item for item in items if isinstance(item, (dict, list)))
    if not found:
        return rng.choice(VALUES)
    node = rng.choice(found)
    if isinstance(node, dict):
        node[rng.choice(KEYS)] = rng.choice(VALUES)
    elif node:
        node[rng.randrange(len(node))] = rng.choice(VALUES)
    return planted


def agree(value: Any) -> None:
    for rules in RULES:
        snapshot = copy.deepcopy(value)
        assert redact_json(value, rules) == _walk_json(value, rules), json.dumps(value)[:200]
        assert value == snapshot


@pytest.mark.parametrize("value", SYNTHETIC)
def test_the_fast_path_agrees_with_the_walk_on_planted_bodies(value: Any) -> None:
    rng = random.Random(21)
    agree(value)
    for _ in range(60):
        agree(plant(value, rng))


@needs_real_traffic
def test_the_fast_path_agrees_with_the_walk_on_real_bodies() -> None:
    rng = random.Random(5)
    bodies = [value for ex in EXCHANGES for what, value in ex.bodies if what.endswith("json")]
    assert len(bodies) > 100
    for value in bodies:
        agree(value)
        agree(plant(value, rng))


def test_the_fast_path_copies() -> None:
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": "hi"}],
        "meta": {"tags": ["a"]},
    }
    copied, changed = redact_json(body)
    assert copied == body and changed == []
    assert copied is not body and copied["messages"][0] is not body["messages"][0]
    assert copied["meta"]["tags"] is not body["meta"]["tags"]
