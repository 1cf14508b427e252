"""A batch's input file, checked as the API checks it before the batch runs.

The API takes the file at create and checks its lines while the batch is
``validating``; a bad file ends the batch ``failed`` with ``errors.data[]``, one
:func:`error` per problem, each naming its code, a message, the 1-based ``line`` and the
``param`` when there is one. What is checked, in order, for each line (blank lines are
skipped, and keep their numbers):

* it is JSON (``invalid_json_line``: "This line is not parseable as valid JSON.") and an
  object (``invalid_request``);
* it has ``custom_id``, ``method``, ``url`` and ``body`` (``missing_required_parameter``),
  of the right types: strings, and an object for ``body`` (``invalid_request``);
* ``method`` is ``POST`` (``invalid_request``); ``url`` is the batch's endpoint
  (``invalid_url``);
* its ``custom_id`` is new in the file (``duplicate_custom_id``, the API's wording: "The
  custom_id for this request is a duplicate of another request. ...");
* it does not ask for a stream (``invalid_request`` on ``body.stream``: a batch answers
  each request whole);
* its ``body.model`` is the model of the lines before it (``mismatched_model``: one
  model per file).

Then the file as a whole: at least one request (``empty_file``), at most
:data:`MAX_REQUESTS` (``too_many_tasks``), and for ``/v1/embeddings`` at most
:data:`MAX_EMBEDDING_INPUTS` inputs over all lines (``too_many_tasks``). The size limit
(200 MB) is the Files API's, checked at upload. At most :data:`MAX_ERRORS` errors are
reported. The request bodies themselves are not checked here: each line goes through
the replay flow when the batch runs, and one the API would refuse (``temperature: 5``)
gets the 400 it would get directly, in the error file.

Codes and wording are the API's where public reports show them (``invalid_json_line``,
``duplicate_custom_id``); the others follow its style. Pure: bytes in, values out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from mockapi.wire import jsonbody

MAX_REQUESTS = 50_000
"""The most requests one batch holds."""
MAX_EMBEDDING_INPUTS = 50_000
"""The most embedding inputs over all the requests of an ``/v1/embeddings`` batch."""
MAX_ERRORS = 100
"""The most ``errors.data`` entries one failed batch reports."""
FIELDS = (("custom_id", str, "a string"), ("method", str, "a string"), ("url", str, "a string"))


@dataclass(frozen=True)
class Line:
    """One request of the file: its 1-based line number and its fields."""

    number: int
    custom_id: str
    url: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Checked:
    """What checking a file found: the errors (``errors.data`` entries; empty when the
    file is good), how many requests it holds and the model they use (if they name one)."""

    errors: list[dict[str, Any]]
    requests: int
    model: str | None


def error(
    code: str, message: str, *, line: int | None = None, param: str | None = None
) -> dict[str, Any]:
    """One ``errors.data`` entry (the API's ``BatchError``)."""
    return {"code": code, "message": message, "param": param, "line": line}


def check(data: bytes, endpoint: str) -> Checked:
    """Check ``data`` (the input file's bytes) as the input of a batch of ``endpoint``."""
    found: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    model: tuple[str, int] | None = None
    requests = inputs = 0
    for number, raw in _raw_lines(data):
        requests += 1
        problems = _line_problems(number, raw, endpoint)
        parsed = raw if not problems and isinstance(raw, dict) else None
        if parsed is not None:
            custom_id, body = parsed["custom_id"], parsed["body"]
            if custom_id in seen:
                problems.append(
                    error(
                        "duplicate_custom_id",
                        "The custom_id for this request is a duplicate of another request. "
                        "The custom_id parameter must be unique for each request in a batch. "
                        f"('{custom_id}' is also the custom_id on line {seen[custom_id]}.)",
                        line=number,
                        param="custom_id",
                    )
                )
            seen.setdefault(custom_id, number)
            named = body.get("model")
            if isinstance(named, str):
                if model is None:
                    model = (named, number)
                elif named != model[0]:
                    problems.append(
                        error(
                            "mismatched_model",
                            f"The model '{named}' does not match the model of the requests "
                            f"before it ('{model[0]}', line {model[1]}): every request in a "
                            "batch must use the same model.",
                            line=number,
                            param="body.model",
                        )
                    )
            inputs += _input_count(body) if endpoint == "/v1/embeddings" else 0
        found.extend(problems)
        if len(found) >= MAX_ERRORS:
            break
    else:
        found.extend(_file_problems(requests, inputs, endpoint))
    return Checked(found[:MAX_ERRORS], requests, model[0] if model else None)


def lines(data: bytes) -> Iterator[Line]:
    """The requests of a checked file, in order (lines that are not requests skipped).

    The file passed :func:`check`, so each line is strict JSON already: orjson decodes it
    to the same value, at a tenth of the strict decoder's cost."""
    for number, raw in _raw_lines(data, orjson.loads):
        if not isinstance(raw, dict):
            continue
        custom_id, url, body = raw.get("custom_id"), raw.get("url"), raw.get("body")
        if isinstance(custom_id, str) and isinstance(url, str) and isinstance(body, dict):
            yield Line(number, custom_id, url, body)


def custom_ids(data: bytes) -> Iterator[tuple[int, str]]:
    """Each line's number and ``custom_id``, for whatever lines have one (a batch that
    expires before its file was checked still lists its requests as expired)."""
    for number, raw in _raw_lines(data):
        custom_id = raw.get("custom_id") if isinstance(raw, dict) else None
        if isinstance(custom_id, str):
            yield number, custom_id


class _Unparsable:
    """A line that is not JSON (kept apart from a line holding JSON ``null``)."""


_UNPARSABLE = _Unparsable()


def _raw_lines(
    data: bytes, loads: Callable[[bytes], Any] = jsonbody.loads
) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's 1-based number and its decoded JSON (or :data:`_UNPARSABLE`)."""
    number = 0
    start = 0
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        number += 1
        raw = data[start:end]
        start = end + 1
        if not raw.strip():
            continue
        try:
            yield number, loads(raw)
        except ValueError:
            yield number, _UNPARSABLE


def _line_problems(number: int, raw: Any, endpoint: str) -> list[dict[str, Any]]:
    """What is wrong with one line on its own."""
    if raw is _UNPARSABLE:
        return [
            error("invalid_json_line", "This line is not parseable as valid JSON.", line=number)
        ]
    if not isinstance(raw, dict):
        return [error("invalid_request", "Each line must be a JSON object.", line=number)]
    problems = []
    for name, kind, described in (*FIELDS, ("body", dict, "an object")):
        if name not in raw:
            problems.append(
                error(
                    "missing_required_parameter",
                    f"Missing required parameter: '{name}'.",
                    line=number,
                    param=name,
                )
            )
        elif not isinstance(raw[name], kind):
            problems.append(
                error(
                    "invalid_request",
                    f"Invalid type for '{name}': expected {described}, "
                    f"got {jsonbody.jsonable(raw[name])!r}.",
                    line=number,
                    param=name,
                )
            )
    if problems:
        return problems
    if raw["method"] != "POST":
        problems.append(
            error(
                "invalid_request",
                f"Invalid method '{raw['method']}': only POST is supported.",
                line=number,
                param="method",
            )
        )
    if raw["url"] != endpoint:
        problems.append(
            error(
                "invalid_url",
                f"The URL provided for this request ('{raw['url']}') does not match the "
                f"batch endpoint ('{endpoint}').",
                line=number,
                param="url",
            )
        )
    if raw["body"].get("stream") is True:
        problems.append(
            error(
                "invalid_request",
                "Streaming is not supported in a batch: remove 'stream' from the body.",
                line=number,
                param="body.stream",
            )
        )
    return problems


def _input_count(body: dict[str, Any]) -> int:
    """How many inputs an embeddings request embeds (a list is one per item)."""
    given = body.get("input")
    if isinstance(given, list) and given and not all(isinstance(x, int) for x in given):
        return len(given)
    return 1


def _file_problems(requests: int, inputs: int, endpoint: str) -> list[dict[str, Any]]:
    if requests == 0:
        return [error("empty_file", "The input file is empty: it holds no requests.")]
    if requests > MAX_REQUESTS:
        return [
            error(
                "too_many_tasks",
                f"The input file holds {requests:,} requests; a batch holds at most "
                f"{MAX_REQUESTS:,}. Split it into several batches.",
            )
        ]
    if endpoint == "/v1/embeddings" and inputs > MAX_EMBEDDING_INPUTS:
        return [
            error(
                "too_many_tasks",
                f"The requests embed {inputs:,} inputs; an /v1/embeddings batch embeds at "
                f"most {MAX_EMBEDDING_INPUTS:,}. Split it into several batches.",
            )
        ]
    return []
