"""mockapi.matching.matchers and .diff: matchers, selection, near misses, report."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from mockapi.errors import FixtureError
from mockapi.library.fixture import Fixture, FixtureResponse, parse_entry
from mockapi.matching.diff import MISSING, BodyView, Difference, diff, parse_path, strip
from mockapi.matching.index import FixtureIndex, NearMiss
from mockapi.matching.matchers import (
    BUILTIN,
    match_body,
    match_content,
    match_model,
    match_partial_body,
    messages_of,
)
from mockapi.matching.outline import Outline, distance_bound, key_of
from mockapi.matching.report import format_report
from mockapi.model import Request
from mockapi.wire.canonical import canonical

CHAT = "/v1/chat/completions"


def fx(
    name: str,
    *,
    path: str = CHAT,
    method: str = "POST",
    priority: int = 0,
    times: int | None = None,
    ignore: tuple[str, ...] = (),
    **matchers: Any,
) -> Fixture:
    return Fixture(
        name=name,
        source=f"fixtures/test.yaml#{name}",
        method=method,
        path=path,
        matchers=matchers,
        ignore=ignore,
        priority=priority,
        times=times,
        responses=(FixtureResponse(body={"id": name}),),
    )


def req(body: Any, path: str = CHAT, method: str = "POST") -> Request:
    return Request(method, path, {}, (), json.dumps(body).encode(), body)


def chat(*texts: str, model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    """A chat body whose messages alternate user/assistant, starting with user."""
    roles = ("user", "assistant")
    messages = [{"role": roles[i % 2], "content": t} for i, t in enumerate(texts)]
    return {"model": model, "messages": messages, **extra}


def always(_: Fixture) -> bool:
    return True


def find(index: FixtureIndex, body: Any, **kwargs: Any) -> str | None:
    found = index.find(req(body, **kwargs), available=always)
    return found.name if found else None


def matches(name: str, argument: Any, body: Any, **options: Any) -> bool:
    """Does a single-matcher fixture match ``body``, through the index (the hot path)?"""
    index = FixtureIndex([fx("only", **{name: argument}, **options)])
    return find(index, body) == "only"


# -- canonical equality (body) -----------------------------------------------------------


def test_body_ignores_key_order_at_every_depth() -> None:
    expected = {"model": "m", "response_format": {"type": "json_schema", "strict": True}}
    sent = {"response_format": {"strict": True, "type": "json_schema"}, "model": "m"}
    assert matches("body", expected, sent)


def test_body_numbers_equal_by_value() -> None:
    assert matches("body", {"temperature": 1}, {"temperature": 1.0})
    assert matches("body", {"temperature": 1.0}, {"temperature": 1})
    assert not matches("body", {"temperature": 1}, {"temperature": 1.5})


def test_body_booleans_are_not_numbers() -> None:
    assert not matches("body", {"logprobs": True}, {"logprobs": 1})
    assert not matches("body", {"n": 1}, {"n": True})
    assert not matches("body", {"n": 0}, {"n": False})
    assert match_body({"n": True}, {"n": 1}, fx("f")) == [
        Difference("body.n", 1, True, "expected 1, got true")
    ]


def test_body_array_order_matters() -> None:
    assert matches("body", {"stop": ["a", "b"]}, {"stop": ["a", "b"]})
    assert not matches("body", {"stop": ["a", "b"]}, {"stop": ["b", "a"]})


def test_body_null_is_not_missing() -> None:
    assert not matches("body", {"user": None}, {})
    assert not matches("body", {}, {"user": None})


def test_body_ignores_stream_and_stream_options() -> None:
    recorded = chat("hi")
    assert matches("body", recorded, {**recorded, "stream": True, "stream_options": {"a": 1}})
    assert matches("body", {**recorded, "stream": True}, recorded)
    assert match_body({**recorded, "stream": True}, recorded, fx("f")) == []


def test_body_is_not_a_subset() -> None:
    assert not matches("body", chat("hi"), chat("hi", temperature=0.2))
    assert not matches("body", chat("hi", temperature=0.2), chat("hi"))


def test_hash_lookup_agrees_with_the_diff() -> None:
    """find() (hash lookup) hits exactly when the body matcher reports no difference."""
    rng = random.Random(7)
    values: list[Any] = [0, 1, 1.0, 1.5, True, False, None, "1", [1, 2], [2, 1], {"a": 1}]
    for _ in range(300):
        expected = {k: rng.choice(values) for k in rng.sample("abc", rng.randint(0, 3))}
        sent = {k: rng.choice(values) for k in rng.sample("abc", rng.randint(0, 3))}
        by_diff = not match_body(sent, expected, fx("f"))
        assert matches("body", expected, sent) is by_diff, (expected, sent)


# -- the deep diff -----------------------------------------------------------------------


def test_diff_names_the_deepest_differing_field() -> None:
    expected = chat("one", "two", "What's the weather in Lyon?")
    sent = chat("one", "two", "What's the weather in Paris?")
    assert diff(expected, sent) == [
        Difference(
            "body.messages[2].content",
            "What's the weather in Lyon?",
            "What's the weather in Paris?",
            'expected "What\'s the weather in Lyon?", got "What\'s the weather in Paris?"',
        )
    ]


def test_diff_reports_missing_extra_and_length() -> None:
    found = diff({"a": 1, "b": [1, 2]}, {"b": [1, 2, 3], "c": "x"})
    assert [(d.field, d.expected, d.actual) for d in found] == [
        ("body.a", 1, MISSING),
        ("body.b[2]", MISSING, 3),
        ("body.c", MISSING, "x"),
    ]
    assert found[0].reason == "missing in request (expected 1)"
    assert found[1].reason == "not expected (extra in request, expected 2 items, got 3: 3)"
    assert found[2].reason == 'not expected (extra in request: "x")'
    shorter = diff({"b": [1, 2]}, {"b": [1]})
    assert [d.field for d in shorter] == ["body.b[1]"]
    assert "expected 2 items, got 1" in shorter[0].reason


def test_diff_quotes_keys_that_are_not_names() -> None:
    found = diff({"logit_bias": {"50256": -100}}, {"logit_bias": {"50256": 100}})
    assert found[0].field == 'body.logit_bias["50256"]'


def test_diff_type_mismatch() -> None:
    found = diff({"stop": ["a"]}, {"stop": "a"})
    assert found == [Difference("body.stop", ["a"], "a", 'expected ["a"], got "a"')]


def test_canonical_and_key() -> None:
    assert canonical({1: 2.0, "x": [1.5, True]}) == {"1": 2, "x": [1.5, True]}
    assert key_of(canonical({"a": 1.0, "b": {"y": 1, "x": 2}})) == key_of(
        canonical({"b": {"x": 2, "y": 1.0}, "a": 1})
    )
    assert key_of({"a": True}) != key_of({"a": 1})


def test_distance_bound_never_exceeds_the_diff() -> None:
    """Near-miss ranking relies on it: the cheap bound is at most the real count."""
    rng = random.Random(11)
    leaves: list[Any] = [0, 1, 1.0, True, None, "a", "b"]

    def value(depth: int) -> Any:
        kind = rng.choice(["leaf", "list", "dict"] if depth < 3 else ["leaf"])
        if kind == "list":
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        if kind == "dict":
            return {k: value(depth + 1) for k in rng.sample("xyz", rng.randint(0, 3))}
        return rng.choice(leaves)

    exact = 0
    for _ in range(2000):
        a = canonical({k: value(1) for k in rng.sample("abcd", rng.randint(0, 4))})
        b = canonical({k: value(1) for k in rng.sample("abcd", rng.randint(0, 4))})
        bound, count = distance_bound(Outline.of(a), Outline.of(b)), len(diff(a, b))
        assert 0 <= bound <= count, (a, b, bound, count)
        assert (bound == 0) == (count == 0), (a, b)
        exact += bound == count
    assert exact > 1000  # and it is usually exact, or it would not help


# -- ignore paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("user", ("user",)),
        ("metadata.trace_id", ("metadata", "trace_id")),
        ("messages.0.name", ("messages", "0", "name")),
        ("messages[0].name", ("messages", "0", "name")),
        ("messages[*].name", ("messages", "*", "name")),
    ],
)
def test_parse_path(text: str, path: tuple[str, ...]) -> None:
    assert parse_path(text) == path


@pytest.mark.parametrize("text", ["", "a..b", "a.", "[]"])
def test_parse_path_rejects_empty_segments(text: str) -> None:
    with pytest.raises(ValueError, match="not a field path"):
        parse_path(text)


def test_strip_returns_a_copy() -> None:
    body = {"metadata": {"trace_id": "x", "keep": 1}}
    assert strip(body, (("metadata", "trace_id"),)) == {"metadata": {"keep": 1}}
    assert body == {"metadata": {"trace_id": "x", "keep": 1}}


def test_ignore_top_level_and_nested_fields() -> None:
    expected = chat("hi", user="alice", metadata={"trace_id": "t1", "team": "a"})
    sent = chat("hi", user="bob", metadata={"trace_id": "t2", "team": "a"})
    ignore = ("user", "metadata.trace_id")
    assert matches("body", expected, sent, ignore=ignore)
    assert not matches("body", expected, sent, ignore=("user",))
    changed_team = {**sent, "metadata": {"trace_id": "t2", "team": "b"}}
    assert not matches("body", expected, changed_team, ignore=ignore)
    # an ignored field may also be absent on either side
    assert matches("body", expected, chat("hi", metadata={"team": "a"}), ignore=ignore)


def test_ignore_every_list_item_and_one_index() -> None:
    expected = {"messages": [{"role": "user", "content": "a", "name": "x"}]}
    sent = {"messages": [{"role": "user", "content": "a", "name": "y"}]}
    assert matches("body", expected, sent, ignore=("messages.*.name",))
    assert matches("body", expected, sent, ignore=("messages[0].name",))
    assert not matches("body", expected, sent, ignore=("messages[1].name",))


def test_ignored_list_item_keeps_positions_and_length() -> None:
    expected = {"stop": ["a", "b", "c"]}
    assert matches("body", expected, {"stop": ["a", "zzz", "c"]}, ignore=("stop.1",))
    assert not matches("body", expected, {"stop": ["a", "c"]}, ignore=("stop.1",))


def test_bad_ignore_path_is_a_fixture_error() -> None:
    with pytest.raises(FixtureError, match=r"fixtures/test.yaml#bad: 'match.ignore'"):
        FixtureIndex([fx("bad", ignore=("a..b",), body={})])


def test_ignore_applies_to_partial_body() -> None:
    assert matches(
        "partial_body",
        {"metadata": {"trace_id": "t1"}},
        {"metadata": {}},
        ignore=("metadata.trace_id",),
    )


# -- partial body ------------------------------------------------------------------------


def test_partial_body_is_a_subset() -> None:
    assert matches("partial_body", {"model": "gpt-4o"}, chat("hi", model="gpt-4o"))
    assert not matches("partial_body", {"model": "gpt-4o"}, chat("hi"))
    assert not matches("partial_body", {"temperature": 0.2}, chat("hi"))


def test_partial_body_nested_mappings_are_subsets() -> None:
    schema = {"name": "x", "strict": True}
    sent = {"response_format": {"type": "json_schema", "json_schema": schema}}
    assert matches("partial_body", {"response_format": {"json_schema": {"name": "x"}}}, sent)
    assert not matches("partial_body", {"response_format": {"json_schema": {"name": "y"}}}, sent)


def test_partial_body_lists_compare_item_by_item_with_subset_items() -> None:
    sent = chat("hi", "hello", "bye")
    three = [{"content": "hi"}, {"role": "assistant"}, {"content": "bye"}]
    assert matches("partial_body", {"messages": three}, sent)
    assert not matches("partial_body", {"messages": three[:2]}, sent)  # lengths differ
    assert not matches("partial_body", {"messages": [*three[:2], {"content": "x"}]}, sent)
    assert matches("partial_body", {"stop": ["a", "b"]}, {"stop": ["a", "b"]})
    assert not matches("partial_body", {"stop": ["a", "b"]}, {"stop": ["b", "a"]})


def test_partial_body_differences_name_fields() -> None:
    found = match_partial_body(chat("hi"), {"model": "gpt-4o", "seed": 1}, fx("f"))
    assert [str(d) for d in found] == [
        'body.model expected "gpt-4o", got "gpt-4o-mini"',
        "body.seed missing in request (expected 1)",
    ]


def test_partial_body_compares_stream_when_listed() -> None:
    assert matches("partial_body", {"stream": True}, chat("hi", stream=True))
    assert not matches("partial_body", {"stream": True}, chat("hi"))


# -- content -----------------------------------------------------------------------------


def test_content_string_searches_the_last_user_message() -> None:
    body = chat("hello there", "hi! how can I help?", "weather in Paris?")
    assert matches("content", r"Paris", body)
    assert matches("content", r"(?i)WEATHER", body)
    assert not matches("content", r"hello", body)  # an earlier user message
    assert not matches("content", r"help", body)  # an assistant message
    found = match_content(body, "hello", fx("f"))
    assert found == [
        Difference(
            "messages[2].content",
            "/hello/",
            "weather in Paris?",
            'did not match /hello/: got "weather in Paris?"',
        )
    ]


def test_content_reads_text_parts() -> None:
    parts = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "text", "text": "this cat"},
    ]
    body = {"model": "m", "messages": [{"role": "user", "content": parts}]}
    assert matches("content", r"^Describe\nthis cat$", body)
    assert not matches("content", r"example\.com", body)


def test_content_role_and_scope() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "You are a pirate."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": None, "tool_calls": []},
            {"role": "tool", "content": '{"temp": 21}', "tool_call_id": "c1"},
            {"role": "user", "content": "second question"},
        ]
    }
    assert matches("content", {"regex": "pirate", "role": "system"}, body)
    assert not matches("content", {"regex": "pirate"}, body)
    assert matches("content", {"regex": "temp", "role": "tool"}, body)
    assert not matches("content", {"regex": "first"}, body)
    assert matches("content", {"regex": "first", "scope": "any"}, body)
    assert matches("content", {"regex": "pirate", "role": "any", "scope": "any"}, body)
    assert not matches("content", {"regex": "pirate", "role": "any"}, body)  # last is user
    assert not matches("content", {"regex": "x", "role": "developer"}, body)
    found = match_content(body, {"regex": "x", "role": "developer"}, fx("f"))
    assert [str(d) for d in found] == ["messages has no developer message to match /x/"]


def test_content_on_responses_input_and_prompt() -> None:
    assert matches("content", "Paris", {"model": "m", "input": "weather in Paris"})
    items = [
        {"role": "user", "content": [{"type": "input_text", "text": "weather in Lyon"}]},
        {"type": "function_call_output", "call_id": "c", "output": "sunny"},
    ]
    assert matches("content", "Lyon", {"input": items})
    assert matches("content", {"regex": "sunny", "role": "tool"}, {"input": items})
    assert matches("content", "tell me", {"prompt": "tell me a joke"})
    fields = [m.field for m in messages_of({"input": items})]
    assert fields == ["input[0].content", "input[1].output"]


def test_bad_content_arguments_are_fixture_errors() -> None:
    with pytest.raises(FixtureError, match=r"'match\.content\.role' must be one of"):
        FixtureIndex([fx("bad", content={"regex": "x", "role": "robot"})])
    with pytest.raises(FixtureError, match="not a valid regular expression"):
        FixtureIndex([fx("bad", content="(")])


# -- model -------------------------------------------------------------------------------


def test_model_exact_and_regex_fullmatch() -> None:
    assert matches("model", "gpt-4o", chat("hi", model="gpt-4o"))
    assert not matches("model", "gpt-4o", chat("hi", model="gpt-4o-mini"))
    assert matches("model", {"regex": "gpt-4o(-mini)?"}, chat("hi", model="gpt-4o-mini"))
    assert not matches("model", {"regex": "gpt-4o"}, chat("hi", model="gpt-4o-mini"))
    assert not matches("model", "gpt-4o", {"messages": []})
    assert [str(d) for d in match_model({"input": "x"}, "gpt-4o", fx("f"))] == [
        'model missing in request (expected "gpt-4o")'
    ]
    assert [str(d) for d in match_model(chat("x"), {"regex": "o1.*"}, fx("f"))] == [
        'model expected /o1.*/ (whole name), got "gpt-4o-mini"'
    ]


def test_all_matchers_of_a_fixture_must_pass() -> None:
    body = chat("Paris", model="gpt-4o")
    index = FixtureIndex([fx("both", model="gpt-4o", content="Paris", body=body)])
    assert find(index, chat("Paris", model="gpt-4o")) == "both"
    assert find(index, chat("Lyon", model="gpt-4o")) is None


def test_a_fixture_without_matchers_answers_everything_on_its_path() -> None:
    index = FixtureIndex([fx("models", method="GET", path="/v1/models")])
    assert find(index, None, method="GET", path="/v1/models") == "models"
    assert find(index, None, method="GET", path="/v1/models/gpt-4o") is None
    assert find(index, None, method="POST", path="/v1/models") is None


# -- selection ---------------------------------------------------------------------------


def test_priority_beats_specificity() -> None:
    body = chat("Paris")
    index = FixtureIndex([fx("exact", body=body), fx("loose", priority=5, content="Paris")])
    assert find(index, body) == "loose"


def test_specificity_breaks_priority_ties() -> None:
    body = chat("Paris")
    content = fx("content", content="Paris")
    partial = fx("partial", partial_body={"model": "gpt-4o-mini"})
    exact = fx("exact", body=body)
    assert find(FixtureIndex([content, partial, exact]), body) == "exact"
    assert find(FixtureIndex([content, partial]), body) == "partial"
    two = fx("two", content="Paris", model="gpt-4o-mini")
    assert find(FixtureIndex([content, two]), body) == "two"
    assert find(FixtureIndex([fx("bare"), content]), body) == "content"


def test_load_order_breaks_remaining_ties() -> None:
    body = chat("Paris")
    first, second = fx("first", content="Par"), fx("second", content="aris")
    assert find(FixtureIndex([first, second]), body) == "first"
    assert find(FixtureIndex([second, first]), body) == "second"
    same_a, same_b = fx("a", body=body), fx("b", body=body)
    assert find(FixtureIndex([same_b, same_a]), body) == "b"


def test_unavailable_fixtures_let_the_next_one_answer() -> None:
    body = chat("Paris")
    index = FixtureIndex(
        [
            fx("once", priority=2, times=1, body=body),
            fx("twice", priority=1, times=2, content="Paris"),
            fx("fallback", content="."),
        ]
    )
    uses: dict[str, int] = {}
    asked: list[str] = []

    def available(fixture: Fixture) -> bool:
        asked.append(fixture.name)
        return fixture.times is None or uses.get(fixture.name, 0) < fixture.times

    answers = []
    for _ in range(5):
        found = index.find(req(body), available=available)
        assert found is not None
        uses[found.name] = uses.get(found.name, 0) + 1
        answers.append(found.name)
    assert answers == ["once", "twice", "twice", "fallback", "fallback"]
    asked.clear()
    index.find(req(chat("Lyon")), available=available)
    assert asked == ["fallback"]  # only fixtures whose matchers pass are asked
    assert index.find(req(body), available=lambda f: False) is None


# -- add / remove ------------------------------------------------------------------------


def test_add_and_remove_at_run_time() -> None:
    index = FixtureIndex([fx("base", content=".")])
    index.add(fx("inline", priority=1, partial_body={"seed": 1}))
    index.add(fx("inline", priority=1, body=chat("x", seed=2)))
    assert len(index) == 3
    assert find(index, chat("x", seed=1)) == "inline"
    assert find(index, chat("x", seed=2)) == "inline"
    assert [f.name for f in index.candidates("post", CHAT)] == ["base", "inline", "inline"]
    assert index.remove("inline") == 2
    assert index.remove("inline") == 0
    assert len(index) == 1
    assert find(index, chat("x", seed=1)) == "base"
    assert find(index, chat("x", seed=2)) == "base"
    index.add(fx("late"))
    assert [f.name for f in index.fixtures] == ["base", "late"]
    assert find(index, chat("x")) == "base"  # a matcher beats none


# -- fixtures from YAML-shaped entries ---------------------------------------------------


def test_parsed_entries_match() -> None:
    entry = {
        "name": "weather",
        "match": {
            "model": {"regex": "gpt-4o.*"},
            "content": {"regex": "(?i)weather", "scope": "any"},
            "ignore": ["user"],
        },
        "response": {"body": {"id": "chatcmpl-1"}},
    }
    index = FixtureIndex([parse_entry(entry, "fixtures/chat.yaml#0")])
    assert find(index, chat("What's the WEATHER?", "sunny", "thanks", user="u")) == "weather"
    assert find(index, chat("What's the weather?", model="o1")) is None


# -- near misses and the report ----------------------------------------------------------


def names(near: list[NearMiss]) -> list[str]:
    return [n.fixture.name for n in near]


def test_near_misses_rank_by_number_of_differences() -> None:
    sent = chat("Paris", temperature=0.7)
    index = FixtureIndex(
        [
            fx("three", body=chat("Lyon", model="gpt-4o", seed=1, temperature=0.7)),
            fx("one", body=chat("Lyon", temperature=0.7)),
            fx("two", body=chat("Lyon", temperature=0.2)),
            fx("content", content="Lyon"),
        ]
    )
    near = index.near_misses(req(sent), limit=3)
    assert names(near) == ["one", "content", "two"]
    assert [len(n.differences) for n in near] == [1, 1, 2]
    assert names(index.near_misses(req(sent), limit=10)) == ["one", "content", "two", "three"]
    assert index.near_misses(req(sent), limit=0) == []


def test_near_miss_ties_go_to_priority_then_load_order() -> None:
    index = FixtureIndex(
        [
            fx("a", content="Lyon"),
            fx("b", content="Rome"),
            fx("c", priority=3, content="Oslo"),
        ]
    )
    assert names(index.near_misses(req(chat("Paris")))) == ["c", "a", "b"]


def test_near_misses_show_used_up_fixtures() -> None:
    index = FixtureIndex([fx("once", times=1, content="Paris")])
    near = index.near_misses(req(chat("Paris")), available=lambda f: False)
    assert [str(d) for d in near[0].differences] == [
        "times used up: it answers 1 request and has answered them"
    ]


def test_report_names_fields_and_values() -> None:
    sent = chat("What's the weather in Paris?", temperature=0.7)
    index = FixtureIndex(
        [
            fx("weather-call", body=chat("What's the weather in Lyon?")),
            fx("greeting", content="(?i)hello", model="gpt-4o"),
        ]
    )
    request = req(sent)
    report = format_report(request, index.near_misses(request), total=len(index))
    assert report == (
        "No fixture matched POST /v1/chat/completions (model gpt-4o-mini, last user message "
        '"What\'s the weather in Paris?"). 2 closest of 2 fixtures:\n'
        "1. weather-call (fixtures/test.yaml#weather-call): body.messages[0].content expected "
        '"What\'s the weather in Lyon?", got "What\'s the weather in Paris?"; '
        "body.temperature not expected (extra in request: 0.7)\n"
        '2. greeting (fixtures/test.yaml#greeting): model expected "gpt-4o", got "gpt-4o-mini"; '
        'messages[0].content did not match /(?i)hello/: got "What\'s the weather in Paris?"\n'
        "Add a fixture for this request, loosen a matcher (partial_body, content, ignore), "
        "or run with --on-miss synthesize."
    )
    assert report == format_report(request, index.near_misses(request), total=len(index))


def test_report_with_no_fixtures() -> None:
    report = format_report(req(chat("hi")), [], total=0)
    assert "No fixtures are loaded." in report
    assert report.startswith(
        'No fixture matched POST /v1/chat/completions (model gpt-4o-mini, last user message "hi").'
    )
    assert FixtureIndex().near_misses(req(chat("hi"))) == []


def test_report_truncates_long_values() -> None:
    long = "x" * 500
    index = FixtureIndex([fx("long", body=chat("y" * 500))])
    request = req(chat(long))
    report = format_report(request, index.near_misses(request), total=1)
    assert long not in report
    assert '"' + "x" * 78 + "…" in report
    line = report.splitlines()[1]
    assert line.count("…") == 2 and len(line) < 250


def test_report_caps_differences_per_fixture() -> None:
    expected = {f"k{i}": i for i in range(8)}
    index = FixtureIndex([fx("many", body=expected)])
    request = req({})
    report = format_report(request, index.near_misses(request), total=1)
    assert "body.k4 missing" in report and "body.k5" not in report
    assert report.splitlines()[1].endswith("; and 3 more")


def test_cross_path_near_miss() -> None:
    index = FixtureIndex(
        [
            fx("chat", content="joke"),
            fx("embed", path="/v1/embeddings", partial_body={"input": "joke"}),
        ]
    )
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "tell me a joke"}
    request = req(body, "/v1/completions")
    near = index.near_misses(request)
    assert names(near) == ["chat", "embed"]
    assert near[0].differences[0] == Difference(
        "path",
        "POST /v1/chat/completions",
        "POST /v1/completions",
        "expected POST /v1/chat/completions, got POST /v1/completions",
    )
    assert len(near[0].differences) == 1  # the prompt does contain "joke"
    report = format_report(request, near, total=len(index))
    assert "No fixture is on POST /v1/completions; 2 closest of 2 fixtures:" in report
    assert (
        "1. chat (fixtures/test.yaml#chat): "
        "path expected POST /v1/chat/completions, got POST /v1/completions\n"
    ) in report


# -- many fixtures -----------------------------------------------------------------------


def many(count: int) -> list[Fixture]:
    return [
        fx(f"rec-{i}", body=chat(f"question {i}", "answer", f"follow-up {i}", temperature=0.5))
        for i in range(count)
    ]


def test_ten_thousand_fixtures_hit_and_near_miss() -> None:
    index = FixtureIndex([*many(10_000), fx("catch-all", priority=-1, content="follow-up")])
    recorded = chat("question 7777", "answer", "follow-up 7777", temperature=0.5)
    assert find(index, recorded) == "rec-7777"
    assert find(index, {**recorded, "stream": True}) == "rec-7777"
    assert find(index, {**recorded, "temperature": 0.5000001}) == "catch-all"
    request = req(chat("question 4321", "answer", "follow-up 4321", temperature=0.9))
    not_catch_all: Callable[[Fixture], bool] = lambda f: f.name != "catch-all"  # noqa: E731
    assert index.find(request, available=not_catch_all) is None
    near = index.near_misses(request, limit=3, available=not_catch_all)
    assert names(near)[0] == "rec-4321"
    assert [str(d) for d in near[0].differences] == ["body.temperature expected 0.5, got 0.9"]
    assert [len(n.differences) for n in near] == [1, 1, 3]  # rec-4321, catch-all, rec-0


def test_near_miss_full_diff_beats_the_cheap_bound() -> None:
    """Ranking uses the full count: three differing messages are further than two fields."""
    sent = chat("a", "b", "c")
    index = FixtureIndex(
        [
            fx("messages", body=chat("x", "y", "z")),  # one top-level field, three differences
            fx("fields", body=chat("a", "b", "c", seed=1, temperature=1)),  # two differences
        ]
    )
    assert names(index.near_misses(req(sent), limit=1)) == ["fields"]
    assert [len(n.differences) for n in index.near_misses(req(sent))] == [2, 3]


@pytest.mark.parametrize("kinds", [("body",), ("body", "body", "partial_body", "content", "model")])
def test_near_misses_equal_a_brute_force_ranking(kinds: tuple[str, ...]) -> None:
    """The bounded search returns exactly what diffing every fixture would."""
    rng = random.Random(3)
    fixtures = []
    for i in range(300):
        kind = rng.choice(kinds)
        temperature, seed = rng.choice([0, 0.5, 1]), rng.randint(0, 2)
        texts = [f"q{rng.randint(0, 2)}" for _ in range(rng.randint(1, 4))]
        argument: Any = {
            "body": chat(*texts, temperature=temperature, seed=seed),
            "partial_body": {"seed": rng.randint(0, 3)},
            "content": f"q{rng.randint(0, 5)}",
            "model": rng.choice(["gpt-4o", "gpt-4o-mini"]),
        }[kind]
        fixtures.append(fx(f"f{i}", priority=rng.randint(0, 2), **{kind: argument}))
    index = FixtureIndex(fixtures)

    def brute(body: dict[str, Any]) -> list[tuple[str, int]]:
        scored = []
        for order, f in enumerate(fixtures):
            count = sum(len(BUILTIN[k](body, a, f)) for k, a in f.matchers.items())
            scored.append((count, -f.priority, order, f.name))
        return [(name, count) for count, _, _, name in sorted(scored)[:5]]

    for _ in range(20):
        temperature = rng.choice([0, 1.0])
        texts = [f"q{rng.randint(0, 2)}" for _ in range(rng.randint(1, 4))]
        body = chat(*texts, temperature=temperature, seed=rng.randint(0, 3))
        near = index.near_misses(req(body), limit=5)
        assert [(n.fixture.name, len(n.differences)) for n in near] == brute(body)


def test_near_misses_after_changes_equal_a_fresh_index() -> None:
    """The near-miss tables, made on the first miss, follow later adds and removals."""
    rng = random.Random(5)

    def body() -> dict[str, Any]:
        texts = [f"q{rng.randint(0, 3)}" for _ in range(rng.randint(1, 3))]
        return chat(*texts, temperature=rng.choice([0, 1]), seed=rng.randint(0, 2))

    index = FixtureIndex([fx(f"f{i}", body=body()) for i in range(60)])
    sent = [req(body()) for _ in range(10)]
    index.near_misses(sent[0])  # the tables are made here
    for i in range(20):
        index.add(fx(f"late{i}", ignore=("seed",) if i % 2 else (), body=body()))
    assert index.remove_if(lambda f: f.name.endswith(("1", "4"))) == 16
    index.add(fx("last", body=body()))
    fresh = FixtureIndex(index.fixtures)
    for request in sent:
        got = [(n.fixture.name, n.differences) for n in index.near_misses(request, limit=5)]
        assert got == [(n.fixture.name, n.differences) for n in fresh.near_misses(request, limit=5)]
        # and the lower bounds that prune the search: a missing or stale table lowers them
        bounds = [
            {
                e.fixture.name: bound
                for bound, _, _, e in i._bounds(i._entries, BodyView(request.json), 0)
            }
            for i in (index, fresh)
        ]
        assert bounds[0] == bounds[1]
        assert len(index._shapes) == len(index)


def test_matchers_accept_raw_arguments() -> None:
    fixture = fx("f")
    calls: list[Callable[[Any, Any, Fixture], list[Difference]]] = [match_body, match_partial_body]
    for matcher in calls:
        assert matcher(chat("hi"), chat("hi"), fixture) == []
    assert match_content(chat("hi"), {"regex": "h", "role": "user"}, fixture) == []
    assert match_model(chat("hi"), {"regex": "gpt-.*"}, fixture) == []
