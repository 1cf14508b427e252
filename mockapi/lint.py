"""``mockapi validate``: lint fixture files and say where each problem is.

Checks each file's YAML and format version, each entry's matchers (known to the
registry given, which holds the loaded plugins' ones too, and their arguments prepare),
templates (they compile) and faults (``fault:`` specs parse), and each response that
is not templated against the derived response schemas, *as the server would send it*:
a hand-written Chat Completions body is partial by design, so it is completed (and
streamed) exactly as :func:`mockapi.replay.render.render` does before it is validated. Error
answers (status >= 400) must have OpenAI's error shape. Problems are ``file:line:
message``, the line being the fixture entry's, or the value's when the problem is in one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockapi.errors import APIError, FaultSpecError, FixtureError
from mockapi.library import store
from mockapi.library.fixture import (
    SUPPORTED_VERSIONS,
    Fixture,
    FixtureResponse,
    parse_document,
    parse_entry,
)
from mockapi.library.templating import TemplateCompileError
from mockapi.matching.matchers import BUILTIN, Matchers
from mockapi.model import Response
from mockapi.replay import render
from mockapi.replay.request import parse_request
from mockapi.replay.router import Endpoint, Router
from mockapi.validation.validator import RequestValidator

Location = tuple[str | int, ...]

_ERROR_FIELDS = ("message", "type", "param", "code")
_SAMPLE_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}
_HEADERS = {"authorization": "Bearer sk-lint", "content-type": "application/json"}
_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class Problem:
    """One problem: the file, the 1-based line and what is wrong."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Report:
    """What linting found: the problems, and how many files and fixtures were read."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    fixtures: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        if self.ok:
            return f"{self.fixtures} fixtures OK in {files}"
        bad = len({p.file for p in self.problems})
        count = len(self.problems)
        return (
            f"{count} problem{'s' if count != 1 else ''} in {bad} "
            f"file{'s' if bad != 1 else ''}; {files} and {self.fixtures} fixtures read"
        )


def lint_paths(
    paths: Sequence[Path],
    validator: RequestValidator | None,
    *,
    matchers: Matchers = BUILTIN,
) -> Report:
    """Lint every fixture file in ``paths`` (files, or directories searched recursively).

    ``validator`` checks response bodies against the schemas (None: skip that check).
    ``matchers`` holds the matchers fixtures may use (``load_plugins(...).matchers`` to
    accept the plugins' ones as the server would).
    """
    report = Report()
    linter = _Linter(validator, matchers)
    for path in paths:
        if path.is_dir():
            files = store.fixture_files(path)
        elif path.is_file():
            files = [path]
        else:
            report.problems.append(Problem(str(path), 1, "no such file or directory"))
            continue
        for file in files:
            report.files += 1
            problems, fixtures = linter.file(file)
            report.problems.extend(problems)
            report.fixtures += fixtures
    return report


class _Linter:
    def __init__(self, validator: RequestValidator | None, matchers: Matchers) -> None:
        self.validator = validator
        self.matchers = matchers
        self.router = Router()

    def file(self, path: Path) -> tuple[list[Problem], int]:
        """The problems in one file, and how many of its fixtures parsed."""
        name = str(path)
        try:
            document, lines = store.read_yaml_lines(path)
        except FixtureError as exc:
            where, _, number = exc.source.rpartition(":")
            at = int(number) if where == name and number.isdigit() else 1
            return [Problem(name, at, exc.problem)], 0
        header = dict(document, fixtures=[]) if isinstance(document, dict) else document
        try:
            parse_document(header, name, matchers=self.matchers)
        except FixtureError as exc:
            bad_version = isinstance(document, dict) and (
                document.get("version") not in SUPPORTED_VERSIONS
            )
            at = lines.get(("version",), 1) if bad_version else 1
            return [Problem(name, at, exc.problem)], 0
        entries = document.get("fixtures")
        if not isinstance(entries, list):
            at = lines.get(("fixtures",), 1)
            return [Problem(name, at, "'fixtures' must be a list of fixture entries")], 0
        problems: list[Problem] = []
        parsed = 0
        for index, entry in enumerate(entries):
            file = _File(name, lines, ("fixtures", index))
            try:
                fixture = parse_entry(
                    entry,
                    f"{name}#{index}",
                    body_files=store.body_reader(path),
                    matchers=self.matchers,
                )
                self.matchers.prepare(fixture)  # arguments a plugin's preparer refuses
            except (TemplateCompileError, FaultSpecError) as exc:
                problems.append(file.problem(exc.location, _message(exc, name)))
                continue
            except FixtureError as exc:
                problems.append(file.problem((), _message(exc, name)))
                continue
            parsed += 1
            problems.extend(self._responses(fixture, entry, file))
        return problems, parsed

    def _responses(self, fixture: Fixture, entry: dict[str, Any], file: _File) -> Iterator[Problem]:
        endpoint, _ = self.router.resolve(fixture.method, fixture.path)
        label = fixture.source.partition("#")[2]
        label = f"#{label} ({fixture.name})" if fixture.name != fixture.source else f"#{label}"
        for index, answer in enumerate(fixture.responses):
            at: Location = ("response",) if "response" in entry else ("sequence", index)
            where = f"{label} {'response' if len(at) == 1 else f'sequence[{index}]'}"
            if answer.template is not None:
                continue  # compiled above; its output depends on the request
            if answer.raw is not None:
                continue  # text or a file's bytes, sent as they are: no JSON to check
            fault = answer.fault
            if fault is not None and fault.answers_early and answer.body is answer.events is None:
                continue  # the fault is the answer (its error body is mockapi's own)
            if answer.status >= 400:
                for location, problem in _error_shape(answer):
                    yield file.problem((*at, *location), f"{where}: {problem}")
                continue
            for location, problem in self._schema_problems(answer, fixture, endpoint):
                yield file.problem((*at, *location), f"{where}: {problem}")

    def _schema_problems(
        self, answer: FixtureResponse, fixture: Fixture, endpoint: Endpoint | None
    ) -> Iterator[tuple[Location, str]]:
        if endpoint is None or self.validator is None:
            return
        given = "body" if answer.events is None else "events"
        seen: set[str] = set()
        for stream in (False, True):
            try:
                response = _serve(answer, fixture, endpoint, stream=stream)
            except APIError as exc:
                yield (given,), f"{given} cannot be served: {exc.message}"
                return
            for problem in self._check(endpoint, response):
                if problem in seen:
                    continue
                seen.add(problem)
                mode = "as a stream" if stream else "as served"
                yield (given, *_path_of(problem, given)), f"{given} ({mode}): {problem}"

    def _check(self, endpoint: Endpoint, response: Response) -> Iterable[str]:
        assert self.validator is not None
        if response.events is None:
            return self.validator.validate_response(endpoint.key, response.body)
        found: list[str] = []
        for number, event in enumerate(response.events):
            if event.is_done or not isinstance(event.data, (dict, list)):
                continue
            problems = self.validator.validate_response(
                endpoint.key, event.data, role="stream_event"
            )
            found.extend(f"event {number}: {p}" for p in problems)
        return found


@dataclass(frozen=True)
class _File:
    """Line numbers of one fixture entry's values."""

    name: str
    lines: store.Lines
    entry: Location

    def problem(self, location: Location, message: str) -> Problem:
        # The deepest part of ``location`` the file has (a completed body has more).
        for end in range(len(location), -1, -1):
            line = self.lines.get((*self.entry, *location[:end]))
            if line is not None:
                return Problem(self.name, line, message)
        return Problem(self.name, self.lines.get(self.entry, 1), message)


def _message(exc: FixtureError, file: str) -> str:
    """The error without the file name the ``file:line:`` prefix already gives."""
    return str(exc).removeprefix(file)


def _serve(
    answer: FixtureResponse, fixture: Fixture, endpoint: Endpoint, *, stream: bool
) -> Response:
    """``answer`` as the server would send it to a typical request in either mode."""
    if not endpoint.has_body:
        request = parse_request(fixture.method, fixture.path, _HEADERS, b"")
    else:
        body = dict(_SAMPLE_BODY, stream=True) if stream else _SAMPLE_BODY
        request = parse_request(fixture.method, fixture.path, _HEADERS, json.dumps(body).encode())
    return render.render(answer, request, shape=endpoint.shape)


def _error_shape(answer: FixtureResponse) -> Iterator[tuple[Location, str]]:
    """Problems with an error answer: OpenAI sends ``{"error": {message, type, param, code}}``."""
    answer_is = f"an error answer (status {answer.status})"
    shape = "{error: {message, type, param, code}}"
    if answer.events is not None:
        yield ("events",), f"{answer_is} is JSON: give a 'body' {shape}"
        return
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    if not isinstance(error, dict):
        yield ("body",), f"{answer_is} needs OpenAI's error body {shape}"
        return
    for name in _ERROR_FIELDS:
        value = error.get(name)
        if name not in error:
            yield (
                ("body", "error"),
                (
                    f"body.error.{name} is missing: the real API always sends message, type, "
                    "param and code (null when there is none)"
                ),
            )
        elif name == "message" and not isinstance(value, str):
            yield ("body", "error", name), f"body.error.message must be a string, got {value!r}"
        elif name != "message" and not isinstance(value, (str, int, type(None))):
            yield (
                ("body", "error", name),
                f"body.error.{name} must be a string or null, got {value!r}",
            )


def _path_of(problem: str, given: str) -> Location:
    """The fixture location a schema problem points at (``choices[0].message``), if any."""
    if given != "body":
        return ()
    path, sep, _ = problem.partition(": ")
    if not sep or path == "(body)":
        return ()
    return tuple(int(i) if i else key for i, key in _PATH_PART.findall(path))
