"""The items of a run's data source, read and checked.

A run's ``data_source.source`` is one of:

* ``file_content``: the items inline, each ``{"item": {...}, "sample": {...}?}``;
* ``file_id``: a File (purpose ``evals``) of JSON lines of that same shape (the evals
  guide's ``{"item": {...}}`` lines);
* ``stored_completions``: the chat completions kept with ``store: true``, filtered by
  ``model``, ``metadata``, ``created_after``/``created_before`` and ``limit``; each is
  the item ``{"input": [its request messages], "model", "metadata"}`` with its answer as
  the sample (assumed: the API documents no item shape for it);
* ``responses``: the kept Responses, filtered by ``model``, ``metadata``,
  ``instructions_search`` and ``created_after``/``created_before``; each is the item
  ``{"input": [its input items], "instructions", "model", "metadata"}`` with its output
  text as the sample (assumed likewise).

Each item must fit the eval's ``item_schema`` (a custom config). A problem (a File
deleted since, a line that is not such an object, an item that does not fit) is a
:class:`SourceProblem`: the run ends ``failed`` with its code and a message naming the
line or item. The codes are the mock's: the API does not document them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockapi.endpoints.chat import routes as chat_routes
from mockapi.endpoints.chat.stored import selected
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.endpoints.fine_tuning.grader_template import sample_namespace
from mockapi.endpoints.responses import routes as responses_routes
from mockapi.errors import APIError, MockapiError
from mockapi.validation import instances

INVALID_FILE = "invalid_file"
INVALID_ITEM = "invalid_item"
FILE_GONE = "file_not_found"


@dataclass(frozen=True)
class Entry:
    """One item of the data source and the sample it came with (None: none)."""

    item: dict[str, Any]
    sample: dict[str, Any] | None = None


class SourceProblem(MockapiError):
    """The data source cannot be read: the run fails with ``code`` and ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read(ctx: Context, source: Mapping[str, Any], schema: Mapping[str, Any] | None) -> list[Entry]:
    """The entries of ``source``, each item checked against ``schema`` (None: any)."""
    kind = source.get("type")
    if kind == "file_content":
        entries = [_entry(line, f"item {n}") for n, line in enumerate(source.get("content") or [])]
    elif kind == "file_id":
        entries = _file_entries(ctx, str(source.get("id")))
    elif kind == "stored_completions":
        entries = _stored_completions(ctx, source)
    else:
        entries = _stored_responses(ctx, source)
    if schema is not None:
        check = instances.checker(schema)
        for number, entry in enumerate(entries):
            problem = check(entry.item)
            if problem is not None:
                raise SourceProblem(
                    INVALID_ITEM,
                    f"Item {number} of the data source does not match the eval's item "
                    f"schema: {problem}. Fix the item or the eval's item_schema.",
                )
    return entries


def _entry(line: Any, where: str) -> Entry:
    if not isinstance(line, Mapping) or not isinstance(line.get("item"), Mapping):
        raise SourceProblem(
            INVALID_FILE,
            f"The data source's {where} is not an object with an 'item' object: give "
            'each as {"item": {...}} (and optionally "sample": {...}).',
        )
    sample = line.get("sample")
    return Entry(dict(line["item"]), dict(sample) if isinstance(sample, Mapping) else None)


def _file_entries(ctx: Context, file_id: str) -> list[Entry]:
    try:
        data = stored.content(ctx, file_id)
    except APIError:
        raise SourceProblem(
            FILE_GONE,
            f"The file {file_id} was deleted before the run read it; upload it again "
            "and create a new run.",
        ) from None
    entries = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = orjson.loads(raw)
        except orjson.JSONDecodeError as problem:
            raise SourceProblem(
                INVALID_FILE, f"Line {number} of {file_id} is not valid JSON: {problem}."
            ) from None
        entries.append(_entry(line, f"line {number} of {file_id}"))
    return entries


def _stored_completions(ctx: Context, source: Mapping[str, Any]) -> list[Entry]:
    entries = []
    metadata = source.get("metadata") or {}
    model = source.get("model")
    for held in ctx.state.values(chat_routes.STORED):
        found = selected([held], metadata=metadata, model=model if model else None)
        if not found or not _within(source, found[0].get("created")):
            continue
        completion = found[0]
        choices = completion.get("choices") or [{}]
        message = choices[0].get("message") or {}
        sample = sample_namespace(str(message.get("content") or ""))
        sample.update(model=completion.get("model"), choices=choices)
        messages = [
            {"role": m.get("role"), "content": m.get("content")} for m in held.get("messages", [])
        ]
        item = {
            "input": messages,
            "model": completion.get("model"),
            "metadata": completion.get("metadata"),
        }
        entries.append(Entry(item, sample))
    limit = source.get("limit")
    return entries[:limit] if isinstance(limit, int) else entries


def _stored_responses(ctx: Context, source: Mapping[str, Any]) -> list[Entry]:
    entries = []
    metadata = source.get("metadata") or {}
    for held in ctx.state.values(responses_routes.STORED):
        response = held.get("response") if isinstance(held, dict) else None
        if not isinstance(response, dict) or not _within(source, response.get("created_at")):
            continue
        kept = response.get("metadata") or {}
        if any(kept.get(key) != value for key, value in metadata.items()):
            continue
        if source.get("model") and source["model"] != response.get("model"):
            continue
        instructions = response.get("instructions")
        search = source.get("instructions_search")
        if search and search not in (instructions if isinstance(instructions, str) else ""):
            continue
        sample = sample_namespace(output_text(response))
        sample["model"] = response.get("model")
        item = {
            "input": held.get("input") or [],
            "instructions": instructions,
            "model": response.get("model"),
            "metadata": kept,
        }
        entries.append(Entry(item, sample))
    return entries


def output_text(response: Mapping[str, Any]) -> str:
    """The text of a Responses answer's output messages, joined."""
    texts = [
        str(part.get("text", ""))
        for output in response.get("output") or []
        if isinstance(output, Mapping) and output.get("type") == "message"
        for part in output.get("content") or []
        if isinstance(part, Mapping) and part.get("type") == "output_text"
    ]
    return "".join(texts)


def _within(source: Mapping[str, Any], created: Any) -> bool:
    if not isinstance(created, (int, float)):
        return True
    after, before = source.get("created_after"), source.get("created_before")
    if isinstance(after, int) and created < after:
        return False
    return not (isinstance(before, int) and created > before)
