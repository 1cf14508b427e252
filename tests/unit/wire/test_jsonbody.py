"""Strict JSON (RFC 8259) for request bodies, and values any encoder can write."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockapi.wire import jsonbody, sse
from mockapi.wire.jsonbody import MAX_DEPTH, NotJSON


def nested(depth: int) -> bytes:
    """Arrays nested ``depth`` levels deep (the top level counts as 1)."""
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"temperature": NaN}', "NaN is not JSON"),
        (b'{"temperature": Infinity}', "Infinity is not JSON"),
        (b'{"temperature": -Infinity}', "-Infinity is not JSON"),
        # Inside a tool's free-form parameters, where no schema would catch it.
        (b'{"tools": [{"parameters": {"default": [1, NaN]}}]}', "NaN is not JSON"),
        (b'{"temperature": 1e999}', "too large to be a double"),
        (b'{"temperature": -1E+400}', "too large to be a double"),
        (b"[\n  2.5e308]", "too large to be a double"),
        (b"1e400", "too large to be a double"),
        (b'{"fp": "fp_9e1700", "t":1e999}', "too large to be a double"),
        (b'{"seed": 18446744073709551616}', "outside the 64-bit range"),
        (b'{"seed": -9223372036854775809}', "outside the 64-bit range"),
        (b'{"seed": ' + b"7" * 5000 + b"}", "outside the 64-bit range"),
        (b'\xef\xbb\xbf{"model": "gpt-4o"}', "byte order mark"),
        (b'{"content": "\\ud800"}', "lone surrogate \\ud800"),
        (b'{"content": "\\uDC00 tail"}', "lone surrogate \\udc00"),
        (b'{"\\ud83d": "a key too"}', "lone surrogate \\ud83d"),
        (b'{"content": "\xed\xa0\x80"}', "not valid UTF-8: byte 0xed at offset 13"),
        (b'{"content": "\xff"}', "not valid UTF-8"),
        ('{"model": "gpt-4o"}'.encode("utf-16"), "not valid UTF-8"),
        (nested(MAX_DEPTH + 1), f"deeper than {MAX_DEPTH} levels"),
        (b'{"model": }', "JSONDecodeError: Expecting value"),
    ],
)
def test_what_json_loads_lets_through_is_refused_with_its_reason(body: bytes, words: str) -> None:
    # Each of these is accepted (or crashes later) with a plain json.loads.
    with pytest.raises(NotJSON) as caught:
        jsonbody.loads(body)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"content": "\\ud83d\\ude00"}', {"content": "\U0001f600"}),  # a surrogate pair
        (b'{"seed": 18446744073709551615}', {"seed": 2**64 - 1}),
        (b'{"seed": -9223372036854775808}', {"seed": -(2**63)}),
        (b'{"t": 1e-999, "u": 12345678901234567.5}', {"t": 0.0, "u": 12345678901234567.5}),
        (b'{"s": "NaN Infinity 1e999 \\\\ud800 12345678901234567890"}', None),
        (nested(MAX_DEPTH), None),
    ],
)
def test_valid_json_decodes_as_json_loads_does(body: bytes, expected: Any) -> None:
    assert jsonbody.loads(body) == (json.loads(body) if expected is None else expected)


@pytest.mark.parametrize(
    "body",
    [
        b'{"system_fingerprint": "fp_9e1700ab", "id": "chatcmpl-00000000000000000001234"}',
        b'{"model": "gpt-4o-2024-08-06", "seed": 12, "note": "x-1e0004"}',
    ],
)
def test_ids_that_look_like_long_numbers_raise_no_alarm(body: bytes) -> None:
    """A fingerprint or an id inside a string is no number token: no walk is needed."""
    assert not jsonbody._suspect(body.decode(), body)
    assert jsonbody.loads(body) == json.loads(body)


def test_duplicate_keys_the_last_one_wins() -> None:
    # Documented choice: as Python, JavaScript and most parsers do.
    assert jsonbody.loads(b'{"model": "a", "model": "b"}') == {"model": "b"}


def test_a_str_with_raw_surrogates_is_refused() -> None:
    # Text decoded with surrogateescape carries the bad bytes as lone surrogates.
    with pytest.raises(NotJSON, match="lone surrogate"):
        jsonbody.loads(b'"\xed\xa0\x80"'.decode("utf-8", "surrogateescape"))


def test_sse_data_that_is_not_strict_json_stays_text() -> None:
    assert sse.decode_data('{"x": NaN}') == '{"x": NaN}'
    assert sse.decode_data('{"x": "\\ud800"}') == '{"x": "\\ud800"}'
    assert sse.decode_data('{"x": 1}') == {"x": 1}


def deep_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


HOSTILE = {
    "lone": "a\ud800b",
    "\udc00key": 1,
    "nan": float("nan"),
    "inf": float("-inf"),
    "big": 10**30,
    "tuple": (1, 2),
    7: "int key",
    "bytes": b"raw",
    "deep": deep_list(300),
}


def test_jsonable_makes_anything_writable_by_json_and_orjson() -> None:
    with pytest.raises((TypeError, ValueError)):
        orjson.dumps(HOSTILE, option=orjson.OPT_NON_STR_KEYS)
    clean = jsonbody.jsonable(HOSTILE)
    json.dumps(clean, allow_nan=False, ensure_ascii=False).encode("utf-8")
    orjson.dumps(clean)
    assert clean["lone"] == "a\\ud800b"  # shown, not dropped
    assert clean["\\udc00key"] == 1
    assert (clean["nan"], clean["inf"], clean["big"]) == ("nan", "-inf", str(10**30))
    assert clean["tuple"] == [1, 2] and clean["7"] == "int key" and clean["bytes"] == "b'raw'"
    kept = clean["deep"]
    for _ in range(MAX_DEPTH - 1):
        kept = kept[0]
    assert kept == f"<nested deeper than {MAX_DEPTH} levels: not kept>"


def test_jsonable_returns_a_clean_value_itself_or_an_equal_copy() -> None:
    value = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hé 😀"}], "n": 1.5}
    assert jsonbody.jsonable(value) is value
    edge = {"max": 2**64 - 1, "min": -(2**63), "deep": deep_list(MAX_DEPTH - 1)}
    assert jsonbody.jsonable(edge) == edge  # the long numbers make it look, then keep all
    assert jsonbody.jsonable("plain") == "plain"


_NUMBER_TEXTS = st.sampled_from(
    [
        "1",
        "-0",
        "1.5",
        "1e400",
        "-1E+400",
        "2.5e-400",
        "1e300",
        "18446744073709551616",
        "-9223372036854775809",
        "12345678901234567.5",
        "0.12345678901234567890123",
    ]
)
_STRING_TEXTS = st.sampled_from(
    ['"fp_9e1700"', '"x 1e400"', '"12345678901234567890"', '"a:1e999"', '"\\\\u00e9"']
)


@st.composite
def _json_texts(draw: Any, depth: int = 0) -> str:
    kind = draw(st.integers(0, 3 if depth < 3 else 1))
    if kind == 0:
        return str(draw(_NUMBER_TEXTS))
    if kind == 1:
        return str(draw(_STRING_TEXTS))
    space = draw(st.sampled_from(["", " ", "\n  "]))
    items = draw(st.lists(_json_texts(depth + 1), max_size=3))
    if kind == 2:
        return "[" + space + ("," + space).join(items) + "]"
    keys = [f'"k{i}"' for i in range(len(items))]
    return "{" + ",".join(f"{k}:{space}{v}" for k, v in zip(keys, items, strict=True)) + "}"


@settings(max_examples=400, deadline=None)
@given(_json_texts())
def test_the_scan_never_hides_what_the_walk_would_refuse(text: str) -> None:
    """With or without the scans' shortcut, the same texts are refused."""
    value = json.loads(text)
    refused = jsonbody._problem(value) is not None
    try:
        jsonbody.loads(text.encode())
    except NotJSON:
        assert refused, text
    else:
        assert not refused, text


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


def _containers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [id(value), *(i for item in value.values() for i in _containers(item))]
    if isinstance(value, list):
        return [id(value), *(i for item in value for i in _containers(item))]
    return []


@settings(max_examples=200, deadline=None)
@given(value=_JSON)
def test_copy_json_is_equal_and_shares_no_container(value: Any) -> None:
    copied = jsonbody.copy_json(value)
    assert copied == value
    assert not set(_containers(copied)) & set(_containers(value))
