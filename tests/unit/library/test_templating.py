"""Templates in fixtures: scope, helpers, seeded faker, sandbox, errors, the Replayer path."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.errors import FixtureError, LibraryError
from mockapi.library import templating
from mockapi.library.fixture import parse_document
from mockapi.library.store import load_library
from mockapi.model import Response
from mockapi.replay.engine import Replayer
from mockapi.replay.journal import Outcome
from mockapi.replay.request import parse_request
from mockapi.wire import tokens

HEADERS = {"authorization": "Bearer sk-secret", "content-type": "application/json"}
README = Path(__file__).resolve().parents[3] / "fixtures" / "README.md"


def replayer(*entries: dict[str, Any], **settings: Any) -> Replayer:
    fixtures = parse_document({"version": 1, "fixtures": list(entries)}, "inline.yaml")
    return Replayer(Settings(**settings), fixtures, validator=None)


def ask(r: Replayer, content: str = "hi", **extra: Any) -> Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}
    headers = {**HEADERS, "x-trace": "t-1"}
    return r.handle(
        parse_request("POST", "/v1/chat/completions", headers, json.dumps(body).encode())
    )


def templated(body: Any, name: str = "tpl", **response: Any) -> dict[str, Any]:
    return {"name": name, "response": {"template": True, "body": body, **response}}


def says(content: Any) -> dict[str, Any]:
    return {"choices": [{"message": {"content": content}}]}


def text(response: Response) -> str:
    assert response.status == 200, response.body
    return str(response.body["choices"][0]["message"]["content"])


def render_one(source: str, content: str = "hi", **extra: Any) -> str:
    return text(ask(replayer(templated(says(source))), content, **extra))


# -- scope -----------------------------------------------------------------------------


def test_string_template_echoes_the_request() -> None:
    r = replayer(templated(says("You said: {{ last_user_message }} to {{ model }}")))
    assert text(ask(r, "Hello there")) == "You said: Hello there to gpt-4o-mini"


def test_every_parameter_is_in_scope() -> None:
    source = (
        "{{ request.temperature }}|{{ body.max_tokens }}|{{ messages | length }}|"
        "{{ request.seed | default('none') }}|{{ method }} {{ path }}"
    )
    out = render_one(source, temperature=0.2, max_tokens=7)
    assert out == "0.2|7|1|none|POST /v1/chat/completions"


def test_last_message_by_role_and_content_parts() -> None:
    r = replayer(templated(says("{{ last_message('system') }}/{{ last_user_message }}")))
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "part one"}]},
        ],
    }
    response = r.handle(
        parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    )
    assert text(response) == "Be brief./part one"


def test_headers_are_in_scope_without_secrets() -> None:
    out = render_one("{{ headers['x-trace'] }} {{ 'authorization' in headers }}")
    assert out == "t-1 False"


def test_literal_parts_are_kept_and_completion_still_fills_the_rest() -> None:
    r = replayer(templated({"model": "pinned", **says("{{ 'a' ~ 'b' }}")}))
    response = ask(r)
    assert response.body["model"] == "pinned"
    assert text(response) == "ab"
    assert response.body["id"].startswith("chatcmpl-")
    assert response.body["choices"][0]["finish_reason"] == "stop"
    assert response.body["usage"]["completion_tokens"] > 0


def test_without_the_flag_braces_are_literal() -> None:
    r = replayer({"response": {"body": says('fmt!("{{}}") and {{ x }}')}})
    assert text(ask(r)) == 'fmt!("{{}}") and {{ x }}'


def test_json_mapping_makes_numbers_objects_and_lists() -> None:
    body = {
        "choices": {
            "$json": "[{% for i in range(request.n | default(1)) %}{% if i %},{% endif %}"
            '{"message": {"content": {{ json("choice " ~ i) }}}}{% endfor %}]'
        },
        "usage": {
            "prompt_tokens": {"$json": "{{ tokens(last_user_message) }}"},
            "completion_tokens": 2,
            "total_tokens": {"$json": "{{ tokens(last_user_message) + 2 }}"},
        },
        "metadata": {"$json": '{"echo": {{ request.messages | tojson }}, "ok": true}'},
    }
    response = ask(replayer(templated(body)), "count these words", n=3)
    assert [c["message"]["content"] for c in response.body["choices"]] == [
        "choice 0",
        "choice 1",
        "choice 2",
    ]
    assert response.body["usage"]["prompt_tokens"] == tokens.count_text(
        "count these words", "gpt-4o-mini"
    )
    assert response.body["usage"]["total_tokens"] == response.body["usage"]["prompt_tokens"] + 2
    assert response.body["metadata"] == {
        "echo": [{"role": "user", "content": "count these words"}],
        "ok": True,
    }


def test_tool_call_arguments_built_from_the_request() -> None:
    call = {
        "type": "function",
        "function": {
            "name": "{{ tools[0].function.name }}",
            "arguments": '{{ json({"location": last_user_message.split(" in ")[-1][:-1]}) }}',
        },
    }
    r = replayer(templated({"choices": [{"message": {"tool_calls": [call]}}]}))
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    response = ask(r, "What is the weather in Oslo?", tools=[tool])
    made = response.body["choices"][0]["message"]["tool_calls"][0]
    assert made["function"] == {"name": "get_weather", "arguments": '{"location": "Oslo"}'}
    assert made["id"].startswith("call_")
    assert response.body["choices"][0]["finish_reason"] == "tool_calls"


def test_templated_events_stream_and_reassemble() -> None:
    events = [
        {"data": {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}},
        {
            "data": {
                "choices": [{"index": 0, "delta": {"content": "Echo: {{ last_user_message }}"}}]
            }
        },
        {"data": {"$json": '{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}'}},
        {"data": "[DONE]"},
    ]
    r = replayer({"response": {"template": True, "events": events}})
    streamed = ask(r, "ping", stream=True)
    assert streamed.events is not None
    deltas = [e.data["choices"][0]["delta"].get("content", "") for e in streamed.events[:-1]]
    assert "".join(deltas) == "Echo: ping"
    assert streamed.events[-1].is_done
    assert text(ask(r, "pong")) == "Echo: pong"


# -- helpers ---------------------------------------------------------------------------


def test_helpers() -> None:
    before = int(time.time())
    out = render_one(
        "{{ now() }}|{{ uuid() }}|{{ id('call_') }}|{{ id('x-', 4) }}|{{ tokens('hello world') }}"
        "|{{ json({'a': [1, '<b>']}) }}|{{ ('{\"k\": 2}' | fromjson).k }}|{{ {'c': 'é'} | tojson }}"
    )
    stamp, uid, call, short, count, dumped, parsed, filtered = out.split("|")
    assert before <= int(stamp) <= int(time.time())
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", uid)
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call)
    assert re.fullmatch(r"x-[A-Za-z0-9]{4}", short)
    assert int(count) == tokens.count_text("hello world", "gpt-4o-mini") > 0
    assert dumped == '{"a": [1, "<b>"]}'  # plain JSON, not HTML-escaped
    assert parsed == "2"
    assert filtered == '{"c": "é"}'


def test_tokens_uses_the_current_count_text(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, ...]] = []

    def count(*args: Any) -> int:
        seen.append(args)
        return 42

    monkeypatch.setattr(tokens, "count_text", count)
    assert render_one("{{ tokens('anything') }}|{{ tokens([1], 'gpt-4') }}") == "42|42"
    assert seen[:2] == [("anything", "gpt-4o-mini"), ("[1]", "gpt-4")]


# -- faker -----------------------------------------------------------------------------

FAKE = "{{ faker.name() }}|{{ faker.email() }}|{{ faker.random_int(1, 1000000) }}"


def test_faker_same_request_same_output_in_either_mode_and_key_order() -> None:
    r = replayer(templated(says(FAKE)))
    first = text(ask(r, "who?"))
    assert text(ask(r, "who?")) == first
    streamed = ask(r, "who?", stream=True, stream_options={"include_usage": True})
    assert streamed.events is not None
    parts = [
        e.data["choices"][0]["delta"].get("content") or ""
        for e in streamed.events
        if isinstance(e.data, dict) and e.data["choices"]
    ]
    assert "".join(parts) == first
    reordered = {"messages": [{"content": "who?", "role": "user"}], "model": "gpt-4o-mini"}
    response = r.handle(
        parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(reordered).encode())
    )
    assert text(response) == first


def test_faker_different_request_or_server_seed_different_output() -> None:
    r = replayer(templated(says(FAKE)))
    assert text(ask(r, "who?")) != text(ask(r, "who else?"))
    assert text(ask(r, "who?")) != text(ask(r, "who?", temperature=0.5))
    reseeded = replayer(templated(says(FAKE)), seed=7)
    assert text(ask(reseeded, "who?")) != text(ask(r, "who?"))
    assert text(ask(reseeded, "who?")) == text(ask(reseeded, "who?"))


def test_faker_values_do_not_depend_on_earlier_requests() -> None:
    a = replayer(templated(says(FAKE)))
    b = replayer(templated(says(FAKE)))
    ask(a, "something else first")
    assert text(ask(a, "who?")) == text(ask(b, "who?"))


def test_request_seed_ignores_stream_fields() -> None:
    body = {"model": "m", "messages": []}
    seed = templating.request_seed(body)
    assert templating.request_seed({**body, "stream": True, "stream_options": {}}) == seed
    assert templating.request_seed(body, 1) != seed


# -- sandbox ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("{{ ''.__class__.__mro__ }}", "__class__"),
        ("{{ request.__class__ }}", "__class__"),
        ("{{ cycler.__init__.__globals__ }}", "__init__"),
        ("{{ now.__globals__ }}", "__globals__"),
        ("{{ faker.__class__ }}", "__class__"),
        ("{{ '{0.__class__}'.format(1) }}", "__class__"),
        ("{{ messages.append(1) }}", "append"),
        ("{{ request.update({'model': 'x'}) }}", "update"),
        ("{{ faker.seed_instance(1) }}", "not a Faker provider"),
        ("{{ faker.get_formatter('name') }}", "not a Faker provider"),
        ("{{ faker.add_provider }}", "not a Faker provider"),
        ("{% for i in range(10**7) %}{% endfor %}", "MAX_RANGE"),
        ("{{ 10 ** 100000 }}", "exponent"),
        ("{{ 'x' * 100000000 }}", "too large"),
    ],
)
def test_sandbox_refuses_escapes_with_a_clear_error(source: str, refused: str) -> None:
    r = replayer(templated(says(source), name="evil"))
    response = ask(r)
    assert response.status == 500
    error = response.body["error"]
    assert error["type"] == "mockapi_template_error"
    assert "inline.yaml#0 (evil) response.body.choices[0].message.content" in error["message"]
    assert refused in error["message"]


@pytest.mark.parametrize(
    "source",
    [
        "{% include 'x.txt' %}",
        "{% import 'm' as m %}",
        "{% from 'm' import f %}",
        "{% extends 'b' %}",
    ],
)
def test_no_file_access_refused_at_load(source: str) -> None:
    with pytest.raises(FixtureError, match="not available in fixture templates"):
        replayer(templated(says(source)))


def test_request_is_not_changed_by_a_template() -> None:
    r = replayer(templated(says("{% set x = request.pop('model', 0) %}")))
    assert ask(r).status == 500
    assert r.journal.entries()[-1].body["model"] == "gpt-4o-mini"


# -- errors ----------------------------------------------------------------------------


def test_syntax_error_at_load_names_fixture_value_and_line() -> None:
    with pytest.raises(FixtureError) as caught:
        replayer(templated(says("Hello\n{{ last_user_message }"), name="greet"))
    assert str(caught.value) == (
        "inline.yaml#0 (greet) response.body.choices[0].message.content: line 2: unexpected '}'"
    )


def test_syntax_error_in_a_sequence_event_and_json_value() -> None:
    with pytest.raises(FixtureError, match=r"#0 sequence\[1\]\.events\[0\]\.data: line 1"):
        replayer(
            {
                "sequence": [
                    {"body": says("ok")},
                    {"template": True, "events": [{"data": {"$json": "{% if %}"}}]},
                ]
            }
        )


def test_syntax_error_stops_loading_a_library(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "version: 1\nfixtures:\n  - name: broken\n    response:\n      template: true\n"
        "      body: {choices: [{message: {content: '{{ 1 + }}'}}]}\n"
    )
    with pytest.raises(LibraryError) as caught:
        load_library([tmp_path])
    assert f"{tmp_path / 't.yaml'}#0 (broken) response.body.choices[0].message.content" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"$json": "{{ 1 }}", "other": 1}, "only the key '\\$json'"),
        ({"$json": 3}, "only the key '\\$json'"),
        ({"$json": "{not json"}, "is not JSON"),
    ],
)
def test_bad_json_mappings_refused_at_load(value: Any, problem: str) -> None:
    with pytest.raises(FixtureError, match=problem):
        replayer(templated(says(value)))


def test_template_flag_must_be_a_boolean() -> None:
    with pytest.raises(FixtureError, match="'template' must be true or false"):
        replayer({"response": {"template": "yes", "body": says("x")}})


def test_constant_json_mapping_is_served_as_its_value() -> None:
    r = replayer(templated({**says("x"), "usage": {"$json": '{"prompt_tokens": 1}'}}))
    assert ask(r).body["usage"] == {"prompt_tokens": 1}


def test_runtime_error_is_a_500_named_and_journaled() -> None:
    r = replayer(templated(says("line one\n{{ last_user_mesage }}"), name="typo"))
    for stream in (False, True):
        response = ask(r, stream=stream)
        assert response.status == 500
        assert response.events is None  # an error is JSON, even for a stream request
        error = response.body["error"]
        assert error["type"] == "mockapi_template_error"
        assert error["code"] == "template_error"
        assert error["param"] is None
        assert (
            "inline.yaml#0 (typo) response.body.choices[0].message.content: line 2: "
            "'last_user_mesage' is undefined"
        ) in error["message"]
    entry = r.journal.entries()[-1]
    assert (entry.status, entry.outcome, entry.fixture) == (500, Outcome.HIT, "typo")
    assert entry.report is not None and "'last_user_mesage' is undefined" in entry.report


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (says("{{ 1 / 0 }}"), "ZeroDivisionError: division by zero"),
        (says("{{ 'x' | fromjson }}"), "JSONDecodeError"),
        (says("{{ faker.name(1, 2, 3) }}"), "TypeError"),
        (says("{{ request.seed }}"), "has no attribute 'seed'"),
        ({"choices": {"$json": "[{{ last_user_message }}]"}}, "output is not JSON"),
    ],
)
def test_runtime_failures_never_crash(body: Any, problem: str) -> None:
    response = ask(replayer(templated(body)))
    assert response.status == 500
    assert response.body["error"]["type"] == "mockapi_template_error"
    assert problem in response.body["error"]["message"]


def test_templates_are_compiled_once_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    r = replayer(templated(says("{{ last_user_message | upper }}")))

    def no_compiling(source: str) -> Any:
        raise AssertionError("compiled while serving a request")

    monkeypatch.setattr(templating, "compile_template", no_compiling)
    assert [text(ask(r, word)) for word in ("a", "b")] == ["A", "B"]


def test_identical_sources_share_one_compiled_template() -> None:
    first = templating.compile_template("{{ model }}!")
    assert templating.compile_template("{{ model }}!") is first


def test_untemplated_response_has_no_template() -> None:
    (fixture,) = parse_document(
        {"version": 1, "fixtures": [templated(says("plain"))]}, "inline.yaml"
    )
    assert fixture.responses[0].template is None


def test_readme_examples_render(tmp_path: Path) -> None:
    section = README.read_text().split("## Templates", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "readme.yaml").write_text("version: 1\nfixtures:\n" + example)
    r = Replayer(Settings(), load_library([tmp_path]), validator=None)
    echoed = text(ask(r, "echo this"))
    assert echoed == "You said: echo this (gpt-4o-mini, 1 messages)"
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    call = ask(r, "weather in Rome?", tools=[tool]).body["choices"][0]["message"]["tool_calls"]
    assert json.loads(call[0]["function"]["arguments"]) == {"location": "Rome"}
    people = ask(r, "invent people", n=2).body
    assert len(people["choices"]) == 2
    assert all(re.fullmatch(r".+ <.+@.+>", c["message"]["content"]) for c in people["choices"])
    assert people["usage"]["total_tokens"] == people["usage"]["prompt_tokens"] + 12
