"""The plain constructor decodes every document exactly as PyYAML's safe loader does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mockapi.errors import FixtureError
from mockapi.library import store

DOCUMENTS = [
    "",
    "plain",
    "a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 017\nf: 1_000\ng: +5\nh: 0b101\ni: 1:30\n",
    "a: 1.5\nb: .inf\nc: -.Inf\nd: 1e3\ne: 6.8523015e+5\nf: 1_0.5\ng: 190:20:30.15\n",
    "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: False\ng: y\n",
    "a: ~\nb: null\nc:\nd: Null\n",
    "1: int key\ntrue: bool key\n~: null key\n1.5: float key\n",
    "dup: 1\ndup: 2\n",
    "a: 'quoted: 1'\nb: \"esc\\u00e9\\n\"\nc: |\n  block\n  text\nd: >\n  folded\n  text\n",
    "list: [1, two, 3.0, [nested, {k: v}], {}]\nempty: []\n",
    "version: 1\nfixtures:\n  - name: x\n    response: {body: {ok: true, n: 0}}\n",
    "long: " + "word " * 40 + "\n",
    "base: &b {a: 1}\nmerged:\n  <<: *b\n  c: 2\n",  # aliases: the bounded path
    "merged:\n  <<: {a: 1}\n  c: 2\n",  # a merge key without an alias
    "when: 2025-01-01T00:00:00Z\nday: 2025-01-01\n",
    "raw: !!binary aGVsbG8=\n",
    "set: !!set {a, b}\n",
    "omap: !!omap [a: 1, b: 2]\n",
    "pairs: !!pairs [a: 1, a: 2]\n",
    "tagged: !!str 123\nfloat: !!float 1\n",
    "? [complex, key]\n: value\n",
]


def reference(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_decoded_as_pyyaml_decodes(text: str) -> None:
    if text.startswith("? ["):
        with pytest.raises(yaml.YAMLError):
            reference(text)
        with pytest.raises(FixtureError, match=r"not valid YAML"):
            store.decode_yaml(text.encode(), Path("x.yaml"))
        return
    # repr tells True from 1 and keeps key order; nan is nan.
    assert repr(store.decode_yaml(text.encode(), Path("x.yaml"))) == repr(reference(text))


def test_keys_and_short_strings_are_shared() -> None:
    text = (
        "- {role: user, content: " + "x" * 100 + "}\n- {role: user, content: " + "x" * 100 + "}\n"
    )
    first, second = store.decode_yaml(text.encode(), Path("x.yaml"))
    assert first["role"] is second["role"]
    assert next(iter(first)) is next(iter(second))
    assert first["content"] == second["content"]
