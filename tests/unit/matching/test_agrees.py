"""The matcher's yes/no check agrees with the full diff it stands in for."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockapi.matching.diff import agrees, diff

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, 2, 1.0, 0.5, math.nan, -0.0]),
    st.sampled_from(["", "a", "b", "1"]),
)
KEYS = st.sampled_from(["a", "b", "c", "model"])
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=12,
)


def _near(value: Any, draw: Any) -> Any:
    """``value`` with one random change somewhere (or none), so that pairs often agree."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: _near(value[key], draw)}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _near(value[index], draw), *value[index + 1 :]]
    return draw(st.one_of(st.just(value), VALUES))


@st.composite
def pairs(draw: Any) -> tuple[Any, Any, bool]:
    expected = draw(VALUES)
    actual = _near(expected, draw)
    if isinstance(actual, dict) and draw(st.booleans()):
        actual = {**actual, draw(KEYS): draw(SCALARS)}  # an extra key: only a subset agrees
    return expected, actual, draw(st.booleans())


@settings(max_examples=600, deadline=None)
@given(pairs())
def test_agrees_is_exactly_an_empty_diff(pair: tuple[Any, Any, bool]) -> None:
    expected, actual, subset = pair
    assert agrees(expected, actual, subset) == (not diff(expected, actual, subset=subset))


def test_the_cases_that_differ_by_type_or_extra_keys() -> None:
    assert not agrees({"a": 1}, {"a": True}, False)  # a boolean is not a number
    assert agrees({"a": 1}, {"a": 1.0}, False)
    assert agrees({"a": math.nan}, {"a": math.nan}, False)
    assert not agrees({"a": 1}, {"a": 1, "b": 2}, False)
    assert agrees({"a": 1}, {"a": 1, "b": 2}, True)
    assert not agrees([{"a": 1}], [{"a": 1}, {"a": 1}], True)  # lists keep their length
