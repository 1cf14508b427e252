"""Fixtures: file-backed rules saying which requests they answer and with what.

This module turns the decoded YAML of a fixture file (format version 1, documented in
``fixtures/README.md``) into immutable :class:`Fixture` objects, and checks it as it
goes: every problem raises :class:`~mockapi.errors.FixtureError` naming the file, the
entry and what to change. It never reads the disk (``store.py`` does that).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from mockapi.errors import FaultSpecError, FixtureError
from mockapi.faults import spec as faults
from mockapi.library.packed import PackedMatchers, PackedResponses
from mockapi.model import JSON, SSEEvent
from mockapi.wire import media

if TYPE_CHECKING:
    from mockapi.library.templating import ResponseTemplate

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})

DEFAULT_METHOD = "POST"
DEFAULT_PATH = "/v1/chat/completions"

MATCHER_KEYS = ("model", "body", "partial_body", "content")
"""The built-in matchers: keys of a ``match`` block whose arguments are checked here
(``mockapi.matching.matchers`` holds the functions, and a plugin's on its own registry)."""
ROUTE_KEYS = ("method", "path", "ignore")
"""Keys of a ``match`` block that are not matchers: the route, and fields left out."""


_ENTRY_KEYS = frozenset(
    {"name", "match", "priority", "times", "response", "sequence", "meta", "fault"}
)
_RESPONSE_KEYS = frozenset(
    {"status", "headers", "template", "body", "events", "text", "body_file", "fault"}
)
_BODY_KEYS = frozenset({"body", "events", "text", "body_file"})
BodyFiles = Callable[[str], bytes]
"""Reads a response's ``body_file``: its name (relative to the fixture file) in, the
bytes out; raises ``OSError`` (with ``filename`` set) when it cannot."""
_EVENT_KEYS = frozenset({"data", "event", "delay_ms"})


@dataclass(frozen=True, slots=True)
class FixtureResponse:
    """What a fixture answers: a status, headers and a JSON body or SSE events.

    ``template`` holds the compiled templates of a ``template: true`` response (None
    when it has none); ``body`` and ``events`` keep the values as written.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: JSON = None
    events: tuple[SSEEvent, ...] | None = None
    template: ResponseTemplate | None = field(default=None, compare=False, repr=False)
    raw: bytes | None = field(default=None, repr=False)
    """Literal bytes to send (audio, images, plain text), with their ``content-type`` in
    ``headers``: a ``text`` response encoded, or the contents of a ``body_file``."""
    body_file: str | None = None
    """The ``body_file`` name ``raw`` was read from, as written in the fixture."""
    fault: faults.Fault | None = None
    """What goes wrong when this answer is sent (``fault:`` on the response)."""


@dataclass(frozen=True, slots=True)
class Fixture:
    """One rule. ``matchers`` maps matcher names to their arguments
    (see :mod:`mockapi.matching.matchers`).

    ``responses`` has one entry for a plain fixture and several for a sequence: the
    n-th use answers ``responses[n]``, the last one repeating once they run out.
    ``times`` caps how many requests the fixture answers (``None``: no cap).
    """

    name: str
    source: str
    method: str = DEFAULT_METHOD
    path: str = DEFAULT_PATH
    matchers: Mapping[str, Any] = field(default_factory=dict)
    """A dict, or a :class:`~mockapi.library.packed.PackedMatchers` (its ``body`` packed)."""
    ignore: tuple[str, ...] = ()
    priority: int = 0
    times: int | None = None
    responses: Sequence[FixtureResponse] = ()
    """A tuple, or a :class:`~mockapi.library.packed.PackedResponses` (plain answers)."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Free-form notes (a recording's time and upstream); never used for matching."""
    fault: faults.Fault | None = None
    """What goes wrong with this fixture's answers (``fault:`` on the entry)."""


def parse_document(
    doc: Any,
    source: str,
    *,
    body_files: BodyFiles | None = None,
    matchers: Collection[str] | None = None,
) -> list[Fixture]:
    """Parse one decoded fixture file into fixtures; ``source`` names the file.

    ``body_files`` reads the files that ``body_file`` responses name (``store`` gives
    one that reads beside the fixture file); without it a ``body_file`` is an error.
    ``matchers`` is what :func:`parse_entry` takes.
    """
    if not isinstance(doc, dict):
        raise FixtureError(
            source, f"expected a mapping with 'version' and 'fixtures', got {_kind(doc)}"
        )
    version = doc.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise FixtureError(
            source,
            f"unsupported format version {version!r}; this mockapi reads version "
            f"{FORMAT_VERSION} (add 'version: {FORMAT_VERSION}' at the top of the file)",
        )
    unknown = set(doc) - {"version", "fixtures", "test"}
    if unknown:
        raise FixtureError(
            source, f"unknown top-level key(s) {sorted(unknown)}; allowed: version, fixtures, test"
        )
    entries = doc.get("fixtures")
    if not isinstance(entries, list):
        raise FixtureError(
            source, f"'fixtures' must be a list of fixture entries, got {_kind(entries)}"
        )
    return [
        parse_entry(entry, f"{source}#{index}", body_files=body_files, matchers=matchers)
        for index, entry in enumerate(entries)
    ]


def parse_entry(
    entry: Any,
    source: str,
    *,
    body_files: BodyFiles | None = None,
    matchers: Collection[str] | None = None,
) -> Fixture:
    """Parse one fixture entry (a mapping); ``source`` is ``file#index``.

    ``matchers`` are the matcher names the entry's ``match`` block may use (a
    ``mockapi.matching.matchers.Matchers`` registry is one); any other is refused. With
    None, every key but the route keys is taken as a matcher and the index the fixture
    is added to refuses the ones its registry does not know (callers that parse before
    they know which plugins serve the fixture: the library loader, run-time fixtures).
    """
    if not isinstance(entry, dict):
        raise FixtureError(source, f"a fixture entry must be a mapping, got {_kind(entry)}")
    if not _ENTRY_KEYS.issuperset(entry):
        unknown = set(entry) - _ENTRY_KEYS
        raise FixtureError(
            source, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}"
        )
    name = entry.get("name", source)
    if not isinstance(name, str) or not name:
        raise FixtureError(source, f"'name' must be a non-empty string, got {name!r}")
    where = f"{source} ({name})" if name != source else source
    match = entry.get("match", {})
    if not isinstance(match, dict):
        raise FixtureError(where, f"'match' must be a mapping, got {_kind(match)}")
    names = [key for key in match if key not in ROUTE_KEYS]
    refused = [key for key in names if not isinstance(key, str)]
    if matchers is not None:
        refused += [key for key in names if isinstance(key, str) and key not in matchers]
    if refused:
        raise unknown_matchers(where, refused, MATCHER_KEYS if matchers is None else matchers)
    method = match.get("method", DEFAULT_METHOD)
    path = match.get("path", DEFAULT_PATH)
    if not isinstance(method, str) or not method.isalpha():
        raise FixtureError(
            where, f"'match.method' must be an HTTP method such as POST, got {method!r}"
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise FixtureError(where, f"'match.path' must be a path starting with '/', got {path!r}")
    ignore = match.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise FixtureError(where, f"'match.ignore' must be a list of field names, got {ignore!r}")
    # The built-in matchers first, in their order, then the others by name.
    ordered = [key for key in MATCHER_KEYS if key in match]
    ordered += sorted(key for key in names if key not in MATCHER_KEYS)
    arguments = {key: match[key] for key in ordered}
    _check_matchers(arguments, where)
    return Fixture(
        name=name,
        source=source,
        method=method.upper(),
        path=path,
        matchers=PackedMatchers.of(arguments),
        ignore=tuple(ignore),
        priority=_int(entry.get("priority", 0), "priority", where),
        times=_times(entry.get("times"), where),
        responses=PackedResponses.of(_responses(entry, where, body_files)),
        meta=_meta(entry.get("meta", {}), where),
        fault=parse_fault(entry.get("fault"), where, ("fault",)),
    )


def unknown_matchers(where: str, names: Iterable[Any], known: Iterable[str]) -> FixtureError:
    """The error for a ``match`` block naming matchers that ``known`` does not hold."""
    allowed = sorted({*ROUTE_KEYS, *known})
    return FixtureError(
        where,
        f"unknown matcher(s) {sorted(names, key=str)}; allowed: {allowed} (a plugin's matcher is "
        "known only where that plugin is loaded)",
    )


def _check_matchers(matchers: dict[str, Any], where: str) -> None:
    model = matchers.get("model")
    if model is not None and not isinstance(model, str):
        _regex_arg(model, "match.model", where)
    content = matchers.get("content")
    if content is not None:
        if isinstance(content, str):
            _compile(content, "match.content", where)
        else:
            _regex_arg(content, "match.content", where, extra={"role", "scope"})
            scope = content.get("scope", "last")
            if scope not in ("last", "any"):
                raise FixtureError(
                    where, f"'match.content.scope' must be 'last' or 'any', got {scope!r}"
                )
    for key in ("body", "partial_body"):
        if key in matchers and not isinstance(matchers[key], dict):
            raise FixtureError(
                where,
                f"'match.{key}' must be a mapping (a JSON object), got {_kind(matchers[key])}",
            )


def _regex_arg(
    value: Any, key: str, where: str, extra: frozenset[str] | set[str] = frozenset()
) -> None:
    if not isinstance(value, dict) or "regex" not in value or set(value) - {"regex", *extra}:
        allowed = ", ".join(sorted({"regex", *extra}))
        raise FixtureError(
            where, f"'{key}' must be a string or a mapping with {allowed}; got {value!r}"
        )
    _compile(value["regex"], f"{key}.regex", where)


def _compile(pattern: Any, key: str, where: str) -> None:
    if not isinstance(pattern, str):
        raise FixtureError(where, f"'{key}' must be a regular expression string, got {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise FixtureError(
            where, f"'{key}' is not a valid regular expression ({exc}): {pattern!r}"
        ) from None


def _responses(
    entry: dict[str, Any], where: str, body_files: BodyFiles | None
) -> tuple[FixtureResponse, ...]:
    has_response, has_sequence = "response" in entry, "sequence" in entry
    if has_response == has_sequence:
        raise FixtureError(
            where, "give exactly one of 'response' (one answer) or 'sequence' (a list of answers)"
        )
    if has_response:
        answer = entry["response"]
        where_answer = f"{where} response"
        return (
            parse_response(answer, where_answer, location=("response",), body_files=body_files),
        )
    sequence = entry["sequence"]
    if not isinstance(sequence, list) or not sequence:
        raise FixtureError(
            where, f"'sequence' must be a non-empty list of responses, got {sequence!r}"
        )
    return tuple(
        parse_response(
            item, f"{where} sequence[{i}]", location=("sequence", i), body_files=body_files
        )
        for i, item in enumerate(sequence)
    )


def parse_response(
    value: Any,
    where: str,
    *,
    location: tuple[str | int, ...] = (),
    body_files: BodyFiles | None = None,
) -> FixtureResponse:
    """Parse a response mapping: ``status``, ``headers``, ``template`` and one of ``body``,
    ``events``, ``text`` or ``body_file``.

    With ``template: true`` the templates in the body or events are compiled here, once;
    ``location`` is the response's place in its entry (for ``mockapi validate``'s lines).
    ``text`` and ``body_file`` become ``raw`` bytes (``body_files`` reads the file).
    """
    if not isinstance(value, dict):
        raise FixtureError(where, f"a response must be a mapping, got {_kind(value)}")
    if not _RESPONSE_KEYS.issuperset(value):
        unknown = set(value) - _RESPONSE_KEYS
        raise FixtureError(
            where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RESPONSE_KEYS)}"
        )
    status = _int(value.get("status", 200), "status", where)
    if not 100 <= status <= 599:
        raise FixtureError(
            where, f"'status' must be an HTTP status between 100 and 599, got {status}"
        )
    headers = value.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(k, str) for k in headers):
        raise FixtureError(
            where, f"'headers' must be a mapping of names to values, got {headers!r}"
        )
    headers = {k.lower(): str(v) for k, v in headers.items()}
    fault = parse_fault(value.get("fault"), where, (*location, "fault"))
    if "text" not in value and "body_file" not in value:  # those add a content-type
        headers = _shared_headers(headers)
    bodies = len(_BODY_KEYS.intersection(value))
    if bodies == 0 and fault is not None and fault.answers_early:
        # The fault is the whole answer (an HTTP error, a reset, a stall): no body needed.
        return FixtureResponse(status=status, headers=headers, fault=fault)
    if bodies != 1:
        raise FixtureError(
            where,
            "give exactly one of 'body' (a JSON answer), 'events' (an SSE stream), 'text' "
            "(a plain-text answer) or 'body_file' (a binary answer in a file beside this one)",
        )
    flag = value.get("template", False)
    if not isinstance(flag, bool):
        raise FixtureError(where, f"'template' must be true or false, got {flag!r}")
    if "text" in value or "body_file" in value:
        if flag:
            raise FixtureError(where, "'template: true' works on 'body' and 'events' only")
        answer = _raw_response(value, status, headers, where, body_files)
        return replace(answer, fault=fault) if fault is not None else answer
    events = None
    if "events" in value:
        raw = value["events"]
        if not isinstance(raw, list) or not raw:
            raise FixtureError(where, f"'events' must be a non-empty list, got {raw!r}")
        events = tuple(_event(item, f"{where} events[{i}]") for i, item in enumerate(raw))
    template = None
    if flag:
        from mockapi.library import templating  # imports jinja2: only for fixtures that use it

        template = templating.compile_response(
            value.get("body"), events, where=where, location=location
        )
    return FixtureResponse(
        status=status,
        headers=headers,
        body=value.get("body"),
        events=events,
        template=template,
        fault=fault,
    )


_HEADERS: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}


def _shared_headers(headers: dict[str, str]) -> dict[str, str]:
    """One dict for equal response headers (10,000 recordings have a handful of distinct
    ones; never mutated once shared: answers copy them). Bounded: past 1,000 distinct
    ones, the rest are kept as they are."""
    marker = tuple(headers.items())
    found = _HEADERS.get(marker)
    if found is None:
        if len(_HEADERS) >= 1000:
            return headers
        found = _HEADERS[marker] = headers
    return found


def _raw_response(
    value: dict[str, Any],
    status: int,
    headers: dict[str, str],
    where: str,
    body_files: BodyFiles | None,
) -> FixtureResponse:
    """A ``text`` or ``body_file`` response: literal bytes with their content type."""
    if "text" in value:
        text = value["text"]
        if not isinstance(text, str):
            raise FixtureError(where, f"'text' must be a string, got {_kind(text)}")
        headers.setdefault("content-type", media.TEXT_TYPE)
        encoding = media.charset(headers["content-type"])
        try:
            data = text.encode(encoding)
        except (LookupError, UnicodeError) as exc:
            raise FixtureError(
                where, f"'text' cannot be encoded as {encoding!r} (its content-type): {exc}"
            ) from None
        return FixtureResponse(status=status, headers=headers, raw=data)
    name = value["body_file"]
    if not isinstance(name, str) or not name.strip():
        raise FixtureError(where, f"'body_file' must be a file name, got {name!r}")
    parts = PurePosixPath(name.replace("\\", "/")).parts or ("",)
    if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0] or parts == ("",):
        raise FixtureError(
            where,
            f"'body_file' must name a file in the fixture file's folder or below it, got {name!r}",
        )
    if body_files is None:
        raise FixtureError(
            where,
            f"'body_file' {name!r} names a file beside a fixture file, so it can only be "
            "used in a fixture file; give the bytes some other way here",
        )
    try:
        data = body_files(name)
    except OSError as exc:
        missing = exc.filename or name
        raise FixtureError(
            where,
            f"'body_file' {name!r}: cannot read {missing} ({exc.strerror or exc}); put the "
            "file beside the fixture file or correct the name",
        ) from None
    headers.setdefault("content-type", media.type_for(name))
    return FixtureResponse(status=status, headers=headers, raw=data, body_file=name)


def parse_fault(value: Any, where: str, location: tuple[str | int, ...]) -> faults.Fault | None:
    """A ``fault:`` value (a spec string or a mapping, see ``mockapi.faults.spec``), or
    None; a malformed one raises :class:`FaultSpecError` naming ``where`` and ``location``."""
    if value is None:
        return None
    try:
        return faults.parse(value)
    except FaultSpecError as exc:
        problem = f"'fault': {exc.problem}"
        raise FaultSpecError(problem, source=where, location=location) from None


def _event(value: Any, where: str) -> SSEEvent:
    if not isinstance(value, dict) or "data" not in value:
        raise FixtureError(where, f"an event must be a mapping with 'data', got {value!r}")
    unknown = set(value) - _EVENT_KEYS
    if unknown:
        raise FixtureError(
            where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_EVENT_KEYS)}"
        )
    delay = value.get("delay_ms", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise FixtureError(
            where, f"'delay_ms' must be a number of milliseconds >= 0, got {delay!r}"
        )
    name = value.get("event")
    if name is not None and not isinstance(name, str):
        raise FixtureError(where, f"'event' must be a string, got {name!r}")
    return SSEEvent(data=value["data"], event=name, delay=delay / 1000.0)


def _int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FixtureError(where, f"'{key}' must be an integer, got {value!r}")
    return value


def _times(value: Any, where: str) -> int | None:
    if value is None:
        return None
    times = _int(value, "times", where)
    if times < 1:
        raise FixtureError(
            where, f"'times' must be at least 1 (or left out for no limit), got {times}"
        )
    return times


def _meta(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FixtureError(where, f"'meta' must be a mapping, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
