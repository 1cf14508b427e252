"""``mockapi validate``: each kind of problem with its file and line, clean libraries pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mockapi.build import default_fixture_dirs
from mockapi.cli import main
from mockapi.library import store
from mockapi.lint import Report, lint_paths
from mockapi.plugins import load_plugins
from mockapi.validation.files import load_schemas
from mockapi.validation.validator import RequestValidator


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator(load_schemas())


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def lint(validator: RequestValidator, *paths: Path) -> Report:
    return lint_paths(list(paths), validator)


def lines(report: Report) -> list[str]:
    return [str(problem) for problem in report.problems]


GOOD = """
    version: 1
    fixtures:
      - name: hello
        match: {content: '^hi'}
        response:
          body:
            choices: [{message: {content: Hello!}}]
      - name: counted
        response:
          events:
            - data:
                choices: [{index: 0, delta: {role: assistant, content: ""}, finish_reason: null}]
            - data: {choices: [{index: 0, delta: {content: "One"}, finish_reason: null}]}
            - data: {choices: [{index: 0, delta: {}, finish_reason: stop}]}
            - data: "[DONE]"
      - name: echo
        response:
          template: true
          body:
            choices: [{message: {content: "{{ last_user_message }}"}}]
      - name: limited
        sequence:
          - status: 429
            headers: {retry-after: "1"}
            body:
              error: {message: slow down, type: requests, param: null, code: rate_limit_exceeded}
          - body: {choices: [{message: {content: ok}}]}
      - name: models
        match: {method: GET, path: /v1/models}
        response:
          body: {object: list, data: [{id: m, object: model, created: 1, owned_by: me}]}
    """


def test_a_clean_library_has_no_problems(tmp_path: Path, validator: RequestValidator) -> None:
    write(tmp_path, "good.yaml", GOOD)
    report = lint(validator, tmp_path)
    assert lines(report) == []
    assert report.ok and (report.files, report.fixtures) == (1, 5)
    assert report.summary() == "5 fixtures OK in 1 file"


def test_the_bundled_fixtures_lint_clean(validator: RequestValidator) -> None:
    report = lint(validator, *default_fixture_dirs())
    assert lines(report) == []
    assert report.fixtures >= 8


def test_broken_yaml_names_its_line(tmp_path: Path, validator: RequestValidator) -> None:
    path = write(tmp_path, "broken.yaml", "version: 1\nfixtures:\n  - name: x\n   bad: [\n")
    assert lines(lint(validator, path)) == [
        f"{path}:4: not valid YAML: did not find expected '-' indicator"
    ]


def test_format_version_and_top_level(tmp_path: Path, validator: RequestValidator) -> None:
    v3 = write(tmp_path, "v3.yaml", "# old\nversion: 3\nfixtures: []\n")
    extra = write(tmp_path, "extra.yaml", "version: 1\nfixtures: []\ncassette: 1\n")
    listless = write(tmp_path, "listless.yaml", "version: 1\nfixtures: {a: 1}\n")
    found = lines(lint(validator, v3, extra, listless))
    assert found[0].startswith(f"{v3}:2: unsupported format version 3; this mockapi reads")
    assert found[1].startswith(f"{extra}:1: unknown top-level key(s) ['cassette']")
    assert found[2] == f"{listless}:2: 'fixtures' must be a list of fixture entries"


def test_entry_problems_point_at_the_entry(tmp_path: Path, validator: RequestValidator) -> None:
    path = write(
        tmp_path,
        "entries.yaml",
        """
        version: 1
        fixtures:
          - name: ok
            response: {body: {choices: [{message: {content: fine}}]}}
          - name: bad-regex
            match:
              content: '(unclosed'
            response: {body: {}}
          - match: {model: {regex: '['}}
            response: {body: {}}
          - name: both
            response: {body: {}, events: [{data: "[DONE]"}]}
        """,
    )
    assert lines(lint(validator, path)) == [
        f"{path}:5: #1 (bad-regex): 'match.content' is not a valid regular expression "
        "(missing ), unterminated subpattern at position 0): '(unclosed'",
        f"{path}:9: #2: 'match.model.regex' is not a valid regular expression "
        "(unterminated character set at position 0): '['",
        f"{path}:11: #3 (both) response: give exactly one of 'body' (a JSON answer), "
        "'events' (an SSE stream), 'text' (a plain-text answer) or 'body_file' (a binary "
        "answer in a file beside this one)",
    ]


def test_template_syntax_errors_point_at_the_value(
    tmp_path: Path, validator: RequestValidator
) -> None:
    path = write(
        tmp_path,
        "templates.yaml",
        """
        version: 1
        fixtures:
          - name: inline
            response:
              template: true
              body:
                choices:
                  - message:
                      content: "Hello {{ last_user_message }"
          - name: block
            sequence:
              - body: {choices: [{message: {content: first}}]}
              - template: true
                events:
                  - data:
                      choices:
                        - delta:
                            content: |
                              line one
                              {% if x %}
          - name: json
            response:
              template: true
              body: {choices: {$json: "[{{ ]"}}
        """,
    )
    assert lines(lint(validator, path)) == [
        f"{path}:9: #0 (inline) response.body.choices[0].message.content: line 1: unexpected '}}'",
        f"{path}:19: #1 (block) sequence[1].events[0].data.choices[0].delta.content: line 2: "
        "Unexpected end of template. Jinja was looking for the following tags: 'elif' or "
        "'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
        f"{path}:24: #2 (json) response.body.choices: line 1: unexpected ']'",
    ]


def test_schema_problems_of_the_completed_body(tmp_path: Path, validator: RequestValidator) -> None:
    path = write(
        tmp_path,
        "schema.yaml",
        """
        version: 1
        fixtures:
          - name: partial-but-fine
            response: {body: {choices: [{message: {content: hi}}]}}
          - name: odd
            response:
              body:
                choices:
                  - message:
                      role: robot
                      content: hi
        """,
    )
    found = lines(lint(validator, path))
    assert found[0] == (
        f"{path}:10: #1 (odd) response: body (as served): choices[0].message.role: "
        "'robot' is not one of ['assistant']"
    )
    assert all(line.startswith(f"{path}:") and "#1 (odd)" in line for line in found)


def test_stream_events_are_checked(tmp_path: Path, validator: RequestValidator) -> None:
    path = write(
        tmp_path,
        "stream.yaml",
        """
        version: 1
        fixtures:
          - name: numbers
            response:
              events:
                - data: {choices: [{index: 0, delta: {content: 3}, finish_reason: stop}]}
                - data: "[DONE]"
          - name: no-chunks
            response:
              events:
                - data: "[DONE]"
        """,
    )
    found = lines(lint(validator, path))
    assert (
        f"{path}:5: #0 (numbers) response: events (as a stream): event 0: "
        "choices[0].delta.content: 3 is not valid under any of the given schemas"
    ) in found
    assert any(
        line.startswith(f"{path}:10: #1 (no-chunks) response: events cannot be served: ")
        for line in found
    )


def test_error_answers_need_the_openai_shape(tmp_path: Path, validator: RequestValidator) -> None:
    path = write(
        tmp_path,
        "errors.yaml",
        """
        version: 1
        fixtures:
          - name: terse
            sequence:
              - status: 500
                body: {error: {message: boom, type: server_error, param: null, code: null}}
              - status: 503
                body:
                  error:
                    message: 12
                    type: server_error
                    param: null
          - name: not-an-error
            response: {status: 404, body: {detail: nope}}
          - name: streamed-error
            response: {status: 500, events: [{data: "[DONE]"}]}
        """,
    )
    assert lines(lint(validator, path)) == [
        f"{path}:10: #0 (terse) sequence[1]: body.error.message must be a string, got 12",
        f"{path}:9: #0 (terse) sequence[1]: body.error.code is missing: the real API always "
        "sends message, type, param and code (null when there is none)",
        f"{path}:14: #1 (not-an-error) response: an error answer (status 404) needs OpenAI's "
        "error body {error: {message, type, param, code}}",
        f"{path}:16: #2 (streamed-error) response: an error answer (status 500) is JSON: give "
        "a 'body' {error: {message, type, param, code}}",
    ]


def test_missing_paths_and_explicit_files(tmp_path: Path, validator: RequestValidator) -> None:
    good = write(tmp_path, "any-name.txt", GOOD)
    report = lint(validator, good, tmp_path / "nope")
    assert lines(report) == [f"{tmp_path / 'nope'}:1: no such file or directory"]
    assert report.fixtures == 5


def test_read_yaml_lines_maps_paths_to_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.yaml",
        """
        a: 1
        b:
          - c: 2
            d: |
              text
          - [3, 4]
        """,
    )
    document, where = store.read_yaml_lines(path)
    assert document == {"a": 1, "b": [{"c": 2, "d": "text\n"}, [3, 4]]}
    assert where[("a",)] == 1
    assert where[("b",)] == 2
    assert where[("b", 0)] == 3
    assert where[("b", 0, "d")] == 5  # a block scalar: its first line of text
    assert where[("b", 1, 1)] == 6


def test_cli_exit_status_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "good", "good.yaml", GOOD)
    bad = write(tmp_path / "bad", "bad.yaml", "version: 1\nfixtures:\n  - response: {}\n")
    assert main(["validate", str(good)]) == 0
    out, err = capsys.readouterr()
    assert out == f"5 fixtures OK in 1 file ({good})\n" and err == ""
    assert main(["validate", str(good.parent), "--fixtures", str(bad.parent)]) == 1
    out, err = capsys.readouterr()
    assert err == (
        f"{bad}:3: #0 response: give exactly one of 'body' (a JSON answer), 'events' (an SSE "
        "stream), 'text' (a plain-text answer) or 'body_file' (a binary answer in a file "
        "beside this one)\n"
    )
    assert out == (
        f"1 problem in 1 file; 2 files and 5 fixtures read ({good.parent}, {bad.parent})\n"
    )
    assert main(["validate"]) == 0
    assert "fixtures OK" in capsys.readouterr().out


COUNTING = """
from mockapi.errors import FixtureError

def setup(api):
    def positive(expected, fixture):
        if not isinstance(expected, int) or expected < 1:
            problem = f"'match.message_count' must be >= 1, got {expected!r}"
            raise FixtureError(fixture.source, problem)
        return expected

    @api.matcher("message_count", prepare=positive)
    def message_count(body, expected, fixture):
        return []
"""

COUNTED = """
    version: 1
    fixtures:
      - name: two
        match: {message_count: 2}
        response: {body: {choices: [{message: {content: two}}]}}
      - name: zero
        match:
          message_count: 0
        response: {body: {choices: [{message: {content: none}}]}}
    """


def test_plugin_matchers_validate_where_the_plugin_is_loaded(
    tmp_path: Path,
    validator: RequestValidator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugin = write(tmp_path, "counting.py", COUNTING)
    path = write(tmp_path / "lib", "counted.yaml", COUNTED)
    without = lines(lint(validator, path))
    assert len(without) == 2
    assert without[0].startswith(f"{path}:3: #0 (two): unknown matcher(s) ['message_count']")
    assert without[1].startswith(f"{path}:6: #1 (zero): unknown matcher(s) ['message_count']")
    assert "allowed: ['body', 'content'" in without[0]
    matchers = load_plugins([str(plugin)]).matchers
    found = lines(lint_paths([path], validator, matchers=matchers))
    assert found == [f"{path}:6: #1: 'match.message_count' must be >= 1, got 0"]
    assert "message_count" not in load_plugins([]).matchers, "another registry"
    # The CLI with --plugin, reusing this module's validator (compiling one takes seconds).
    monkeypatch.setattr("mockapi.validation.files.load_schemas", lambda: None)
    monkeypatch.setattr("mockapi.validation.validator.RequestValidator", lambda _: validator)
    assert main(["validate", str(path), "--plugin", str(plugin)]) == 1
    assert capsys.readouterr().err == f"{found[0]}\n"
