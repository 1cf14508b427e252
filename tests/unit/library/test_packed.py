"""A library's bulk kept packed: what a fixture reads back, and what stays unpacked."""

from __future__ import annotations

import datetime
import json
from typing import Any

from mockapi.library.fixture import FixtureResponse, parse_document
from mockapi.library.packed import Packed, PackedMatchers, PackedResponses
from mockapi.matching.index import FixtureIndex
from mockapi.model import Request

CHAT = "/v1/chat/completions"
BODY = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Hi"}],
    "temperature": 0.2,
    "seed": 2**40,
}
ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def recording(body: Any = BODY, answer: Any = ANSWER, **response: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "fixtures": [
            {
                "name": "rec",
                "match": {"path": CHAT, "body": body},
                "response": {"status": 200, "headers": {"X-A": 1}, "body": answer, **response},
            }
        ],
    }


def req(body: Any) -> Request:
    return Request("POST", CHAT, {}, (), json.dumps(body).encode(), body)


def test_a_recording_reads_back_what_was_written_and_each_read_is_its_own() -> None:
    [fixture] = parse_document(recording(), "lib/a.yaml")
    assert isinstance(fixture.matchers, PackedMatchers)
    assert isinstance(fixture.responses, PackedResponses)
    assert fixture.matchers == {"body": BODY} and dict(fixture.matchers) == {"body": BODY}
    first = fixture.matchers["body"]
    first["messages"].append({"role": "user", "content": "changed"})
    assert fixture.matchers["body"] == BODY  # a copy each time: the fixture is unchanged
    assert len(fixture.responses) == 1
    [answer] = fixture.responses
    assert answer.status == 200 and answer.body == ANSWER
    assert answer.headers == {"x-a": "1"}
    assert fixture.responses[0] is answer and fixture.responses[-1] is answer  # kept once read
    assert fixture.responses == (answer,) and (answer,) == fixture.responses
    assert fixture.responses[:1] == (answer,)
    assert repr(fixture.responses) == repr((answer,))


def test_values_marshal_cannot_hold_stay_unpacked() -> None:
    dated = {**BODY, "when": datetime.date(2025, 1, 1)}  # a YAML date
    [fixture] = parse_document(recording(body=dated, answer={**ANSWER, "at": dated}), "a.yaml")
    assert type(fixture.matchers) is dict and fixture.matchers["body"] is dated
    assert type(fixture.responses) is tuple and fixture.responses[0].body["at"] is dated


def test_a_stream_is_left_as_it_is() -> None:
    [streamed] = parse_document(
        {
            "version": 1,
            "fixtures": [{"match": {"body": BODY}, "response": {"events": [{"data": "[DONE]"}]}}],
        },
        "a.yaml",
    )
    assert type(streamed.responses) is tuple
    events = streamed.responses[0].events
    assert events is not None and events[0].is_done


def test_a_sequence_of_plain_answers_is_packed_and_keeps_its_order() -> None:
    [fixture] = parse_document(
        {
            "version": 1,
            "fixtures": [
                {"match": {"body": BODY}, "sequence": [{"body": ANSWER}, {"body": [1, 2]}]},
            ],
        },
        "a.yaml",
    )
    assert isinstance(fixture.responses, PackedResponses) and len(fixture.responses) == 2
    assert [r.body for r in fixture.responses] == [ANSWER, [1, 2]]
    assert [r.status for r in fixture.responses] == [200, 200]


def test_a_string_body_and_a_templated_body_are_left_as_they_are() -> None:
    [text, templated] = parse_document(
        {
            "version": 1,
            "fixtures": [
                {"match": {"body": BODY}, "response": {"body": "just a string"}},
                {
                    "match": {"body": BODY},
                    "response": {"template": True, "body": {**ANSWER, "model": "{{ model }}"}},
                },
            ],
        },
        "a.yaml",
    )
    assert type(text.responses) is tuple and text.responses[0].body == "just a string"
    assert type(templated.responses) is tuple and templated.responses[0].template is not None


def test_the_index_keeps_the_packed_body_and_still_reports_near_misses() -> None:
    [fixture] = parse_document(recording(), "lib/a.yaml")
    index = FixtureIndex([fixture])
    assert index.find(req(BODY), available=lambda _: True) is fixture
    [entry] = index._entries
    assert entry.body is not None and type(entry.body.value) is Packed  # no unpacked copy
    near = {**BODY, "temperature": 0.7}
    assert index.find(req(near), available=lambda _: True) is None
    [miss] = index.near_misses(req(near))
    assert miss.fixture is fixture
    assert [(d.field, d.expected, d.actual) for d in miss.differences] == [
        ("body.temperature", 0.2, 0.7)
    ]


def test_of_packs_what_it_can_and_leaves_the_rest_as_given() -> None:
    answer = FixtureResponse(status=201, headers={"x-a": "1"}, body=ANSWER)
    packed = PackedResponses.of((answer,))
    assert isinstance(packed, PackedResponses)
    assert packed == (answer,) and packed != (FixtureResponse(body={"other": 1}),)
    streamed = (FixtureResponse(events=()),)
    assert PackedResponses.of(streamed) is streamed
    plain = {"model": "gpt-4o", "partial_body": {"n": 1}}  # no exact body to pack
    assert PackedMatchers.of(plain) is plain
