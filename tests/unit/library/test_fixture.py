"""Parsing fixture documents: what is accepted, and errors that name the problem."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.errors import FixtureError
from mockapi.library.fixture import MATCHER_KEYS, parse_document


def doc(*entries: Any) -> dict[str, Any]:
    return {"version": 1, "fixtures": list(entries)}


def test_defaults_and_full_entry() -> None:
    [plain, full] = parse_document(
        doc(
            {"response": {"body": {"x": 1}}},
            {
                "name": "full",
                "match": {
                    "method": "get",
                    "path": "/v1/models",
                    "model": {"regex": "^gpt"},
                    "ignore": ["seed"],
                    "partial_body": {"n": 1},
                },
                "priority": 5,
                "times": 2,
                "sequence": [
                    {"status": 429, "headers": {"Retry-After": 1}, "body": {"error": {}}},
                    {"events": [{"data": {"a": 1}, "delay_ms": 250}, {"data": "[DONE]"}]},
                ],
            },
        ),
        "lib/a.yaml",
    )
    assert (plain.method, plain.path, plain.name) == (
        "POST",
        "/v1/chat/completions",
        "lib/a.yaml#0",
    )
    assert plain.responses[0].status == 200 and plain.responses[0].body == {"x": 1}
    assert full.method == "GET" and full.priority == 5 and full.times == 2
    assert full.matchers == {"model": {"regex": "^gpt"}, "partial_body": {"n": 1}}
    assert full.ignore == ("seed",)
    assert full.responses[0].headers == {"retry-after": "1"}
    events = full.responses[1].events
    assert events is not None and events[0].delay == 0.25 and events[1].is_done


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "expected a mapping"),
        ({"fixtures": []}, "unsupported format version None"),
        ({"version": 2, "fixtures": []}, "unsupported format version 2"),
        ({"version": 1, "fixtures": {}}, "'fixtures' must be a list"),
        ({"version": 1, "fixtures": [], "extra": 1}, "unknown top-level key(s) ['extra']"),
        (doc({"response": {"body": {}}, "respons": {}}), "unknown key(s) ['respons']"),
        (
            doc({"match": {"content": "(unclosed"}, "response": {"body": {}}}),
            "not a valid regular expression",
        ),
        (
            doc({"match": {"content": {"regex": "a", "scope": "all"}}, "response": {"body": {}}}),
            "'match.content.scope'",
        ),
        (doc({"match": {"body": [1]}, "response": {"body": {}}}), "'match.body' must be a mapping"),
        (doc({"match": {"path": "v1/x"}, "response": {"body": {}}}), "starting with '/'"),
        (doc({}), "exactly one of 'response'"),
        (doc({"response": {"body": {}}, "sequence": []}), "exactly one of 'response'"),
        (doc({"sequence": []}), "non-empty list"),
        (doc({"response": {}}), "exactly one of 'body'"),
        (doc({"response": {"status": 700, "body": {}}}), "between 100 and 599"),
        (doc({"response": {"status": "200", "body": {}}}), "'status' must be an integer"),
        (doc({"response": {"events": [{"delay_ms": 1}]}}), "with 'data'"),
        (doc({"response": {"events": [{"data": 1, "delay_ms": -1}]}}), "'delay_ms' must be"),
        (doc({"times": 0, "response": {"body": {}}}), "'times' must be at least 1"),
        (doc({"priority": True, "response": {"body": {}}}), "'priority' must be an integer"),
    ],
)
def test_errors_name_file_and_problem(document: Any, fragment: str) -> None:
    with pytest.raises(FixtureError) as caught:
        parse_document(document, "lib/broken.yaml")
    assert str(caught.value).startswith("lib/broken.yaml")
    assert fragment in str(caught.value)


def test_matcher_names_are_checked_against_the_names_given() -> None:
    typo = doc({"name": "t", "match": {"modle": "x", "path": "/v1/x"}, "response": {"body": {}}})
    with pytest.raises(FixtureError) as caught:
        parse_document(typo, "lib/broken.yaml", matchers=MATCHER_KEYS)
    assert str(caught.value) == (
        "lib/broken.yaml#0 (t): unknown matcher(s) ['modle']; allowed: ['body', 'content', "
        "'ignore', 'method', 'model', 'partial_body', 'path'] (a plugin's matcher is known "
        "only where that plugin is loaded)"
    )
    [fixture] = parse_document(typo, "lib/a.yaml", matchers={*MATCHER_KEYS, "modle"})
    assert fixture.matchers == {"modle": "x"} and fixture.path == "/v1/x"


def test_without_names_other_keys_are_matchers_for_the_index_to_judge() -> None:
    entry = {"match": {"zeta": 1, "content": "x", "alpha": 2}, "response": {"body": {}}}
    [fixture] = parse_document(doc(entry), "lib/a.yaml")
    assert list(fixture.matchers) == ["content", "alpha", "zeta"], "built-ins first, then by name"
    with pytest.raises(FixtureError, match=r"unknown matcher\(s\) \[1\]"):
        parse_document(doc({"match": {1: "x"}, "response": {"body": {}}}), "lib/a.yaml")


def test_entry_errors_name_entry_index_and_name() -> None:
    with pytest.raises(FixtureError) as caught:
        parse_document(doc({"response": {"body": {}}}, {"name": "bad", "response": []}), "f.yaml")
    assert str(caught.value).startswith("f.yaml#1 (bad) response:")


def read_from(files: dict[str, bytes]) -> Any:
    """A ``body_files`` reader over a dict, failing as the disk does."""

    def read(name: str) -> bytes:
        if name not in files:
            raise FileNotFoundError(2, "No such file or directory", f"lib/{name}")
        return files[name]

    return read


def test_text_and_body_file_answers_are_raw_bytes_with_a_content_type() -> None:
    [text, srt, audio, typed] = parse_document(
        doc(
            {"response": {"text": "Hello.\n"}},
            {"response": {"headers": {"Content-Type": "text/vtt"}, "text": "WEBVTT\n\n"}},
            {"response": {"body_file": "hello.mp3"}},
            {"response": {"headers": {"content-type": "audio/x-custom"}, "body_file": "a/b.bin"}},
        ),
        "lib/a.yaml",
        body_files=read_from({"hello.mp3": b"\xff\xfb", "a/b.bin": b"\x00"}),
    )
    assert text.responses[0].raw == b"Hello.\n"
    assert text.responses[0].headers == {"content-type": "text/plain; charset=utf-8"}
    assert srt.responses[0].raw == b"WEBVTT\n\n"
    assert srt.responses[0].headers == {"content-type": "text/vtt"}
    assert audio.responses[0].raw == b"\xff\xfb" and audio.responses[0].body_file == "hello.mp3"
    assert audio.responses[0].headers == {"content-type": "audio/mpeg"}
    assert typed.responses[0].headers == {"content-type": "audio/x-custom"}


def test_text_is_encoded_in_the_charset_its_content_type_names() -> None:
    [latin] = parse_document(
        doc(
            {"response": {"headers": {"content-type": "text/plain; charset=latin-1"}, "text": "é"}}
        ),
        "f.yaml",
    )
    assert latin.responses[0].raw == b"\xe9"


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        ({"text": "a", "body": {}}, "exactly one of 'body'"),
        ({"text": "a", "body_file": "x.mp3"}, "exactly one of 'body'"),
        ({"text": 3}, "'text' must be a string, got int"),
        ({"text": "a", "template": True}, "'template: true' works on 'body' and 'events' only"),
        ({"headers": {"content-type": "text/plain; charset=ascii"}, "text": "é"}, "'ascii'"),
        ({"body_file": ""}, "'body_file' must be a file name"),
        ({"body_file": "/etc/passwd"}, "in the fixture file's folder or below it"),
        ({"body_file": "../up.mp3"}, "in the fixture file's folder or below it"),
        (
            {"body_file": "gone.mp3"},
            "'body_file' 'gone.mp3': cannot read lib/gone.mp3 (No such file or directory)",
        ),
    ],
)
def test_raw_answer_errors_say_what_to_change(response: dict[str, Any], fragment: str) -> None:
    with pytest.raises(FixtureError) as caught:
        parse_document(doc({"response": response}), "lib/a.yaml", body_files=read_from({}))
    assert str(caught.value).startswith("lib/a.yaml#0 response")
    assert fragment in str(caught.value)


def test_body_file_needs_a_fixture_file_to_be_read_from() -> None:
    with pytest.raises(FixtureError, match="can only be used in a fixture file"):
        parse_document(doc({"response": {"body_file": "x.mp3"}}), "admin")
