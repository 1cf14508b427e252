"""The Responses API stream: a ``response`` object to its typed events and back.

One fixture serves both modes (:class:`ResponsesShape`, the endpoint's
:class:`~mockapi.endpoints.endpoint.Shape`). The events follow the recorded streams of
``../shared/real-traffic`` (gpt-5.5, May 2026), each sent as ``event: NAME`` plus
``data: {"type": NAME, ..., "sequence_number": N}`` with the other keys in
alphabetical order, as the API writes them, and ``sequence_number`` counting from 0:

* ``response.created`` and ``response.in_progress``, carrying the response so far
  (``status: "in_progress"``, no output, ``usage: null``; no ``billing``);
* per output item, ``response.output_item.added`` (the item in progress, empty), then
  for a message, per content part, ``response.content_part.added``,
  ``response.output_text.delta`` (token-like pieces, see
  :func:`mockapi.endpoints.chat.stream.split_text`, or one token each with its logprob when the
  text has logprobs), ``response.output_text.done`` and ``response.content_part.done``;
  for a function call ``response.function_call_arguments.delta`` pieces and ``.done``;
  for a reasoning item with a summary the ``response.reasoning_summary_*`` events;
  for a file search call ``response.file_search_call.in_progress``, ``.searching`` and
  ``.completed`` (the item added with no queries and no results yet); a text's
  annotations come as ``response.output_text.annotation.added`` after its deltas (the
  part is added without them);
  for a code interpreter call the events of
  :func:`~mockapi.endpoints.responses.code_interpreter.stream_events`;
  then ``response.output_item.done`` with the finished item;
* ``response.completed`` (``response.incomplete`` when cut, ``response.failed``)
  with the whole response.

Deltas carry an ``obfuscation`` padding string, as the API sends by default, unless the
request says ``stream_options: {"include_obfuscation": false}``. A recorded stream
answers a plain request with the response of its final event (rebuilt from the
``output_item.done`` events when it has none). No ``[DONE]`` line: the API sends none.
"""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.chat.stream import split_text
from mockapi.endpoints.responses import code_interpreter
from mockapi.endpoints.responses import output as responses_output
from mockapi.model import JSON, SSEEvent

FINAL_EVENTS = {
    "completed": "response.completed",
    "incomplete": "response.incomplete",
    "failed": "response.failed",
}
_PAD_TO = 16
_ALPHANUM = string.ascii_letters + string.digits


def event(kind: str, **fields: Any) -> dict[str, Any]:
    """An event's data: ``type`` first, the other keys in alphabetical order."""
    return {"type": kind, **{key: fields[key] for key in sorted(fields)}}


def snapshot(response: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The response as ``response.created`` shows it: in progress, nothing out yet."""
    out = copy.deepcopy(dict(response))
    out.pop("billing", None)
    tier = request.get("service_tier")
    out.update(
        status="in_progress",
        completed_at=None,
        incomplete_details=None,
        output=[],
        usage=None,
        service_tier=tier if isinstance(tier, str) else "auto",
    )
    return out


def to_events(response: Mapping[str, Any], request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
    """The events the API streams for a completed ``response`` (see the module doc)."""
    options = request.get("stream_options")
    obfuscate = not (isinstance(options, dict) and options.get("include_obfuscation") is False)
    first = snapshot(response, request)
    datas: list[dict[str, Any]] = [
        event("response.created", response=first),
        event("response.in_progress", response=copy.deepcopy(first)),
    ]
    for index, item in enumerate(response.get("output") or []):
        if isinstance(item, dict):
            datas.extend(_item_events(item, index, obfuscate))
    final = {k: v for k, v in response.items() if k != "billing"}
    kind = FINAL_EVENTS.get(str(response.get("status")), "response.completed")
    datas.append(event(kind, response=final))
    events = []
    for number, data in enumerate(datas):
        kind = str(data.pop("type"))
        events.append(SSEEvent(data=event(kind, sequence_number=number, **data), event=kind))
    return tuple(events)


def _item_events(item: dict[str, Any], index: int, obfuscate: bool) -> list[dict[str, Any]]:
    kind = item.get("type")
    item_id = item.get("id", "")
    out = [event("response.output_item.added", item=_started(item), output_index=index)]
    if kind == "message":
        for position, part in enumerate(item.get("content") or []):
            if isinstance(part, dict):
                out.extend(_part_events(part, item_id, index, position, obfuscate))
    elif kind == "function_call":
        arguments = str(item.get("arguments", ""))
        for piece in split_text(arguments):
            delta = {"delta": piece, "item_id": item_id, "output_index": index}
            if obfuscate:
                delta["obfuscation"] = _padding(piece)
            out.append(event("response.function_call_arguments.delta", **delta))
        out.append(
            event(
                "response.function_call_arguments.done",
                arguments=arguments,
                item_id=item_id,
                output_index=index,
            )
        )
    elif kind == "reasoning":
        for position, summary in enumerate(item.get("summary") or []):
            if isinstance(summary, dict):
                out.extend(_summary_events(summary, item_id, index, position, obfuscate))
    elif kind == "file_search_call":
        for phase in ("in_progress", "searching", "completed"):
            name = f"response.file_search_call.{phase}"
            out.append(event(name, item_id=item_id, output_index=index))
    elif kind == "code_interpreter_call":
        pad = _padding if obfuscate else None
        out.extend(event(n, **f) for n, f in code_interpreter.stream_events(item, index, pad))
    out.append(event("response.output_item.done", item=copy.deepcopy(item), output_index=index))
    return out


def _started(item: Mapping[str, Any]) -> dict[str, Any]:
    """An output item as ``output_item.added`` shows it: in progress and empty."""
    started = copy.deepcopy(dict(item))
    if "status" in started:
        started["status"] = "in_progress"
    kind = started.get("type")
    if kind == "message":
        started["content"] = []
    elif kind == "function_call":
        started["arguments"] = ""
    elif kind == "reasoning":
        started["summary"] = []
    elif kind == "file_search_call":
        started.update(queries=[], results=None)
    elif kind == "code_interpreter_call":
        started.update(code_interpreter.started(item))
    return started


def _part_events(
    part: dict[str, Any], item_id: str, index: int, position: int, obfuscate: bool
) -> list[dict[str, Any]]:
    where = {"content_index": position, "item_id": item_id, "output_index": index}
    if part.get("type") != "output_text":
        return [
            event("response.content_part.added", part=copy.deepcopy(part), **where),
            event("response.content_part.done", part=copy.deepcopy(part), **where),
        ]
    text = str(part.get("text", ""))
    empty = {**part, "annotations": [], "text": "", "logprobs": []}
    out = [event("response.content_part.added", part=empty, **where)]
    entries = [e for e in part.get("logprobs") or [] if isinstance(e, dict)]
    streamed = [_stream_logprob(e) for e in entries]
    if entries and "".join(str(e.get("token", "")) for e in entries) == text:
        pieces = [(str(e.get("token", "")), [s]) for e, s in zip(entries, streamed, strict=True)]
    else:
        pieces = [(piece, []) for piece in split_text(text)]
    for piece, logprobs in pieces:
        delta: dict[str, Any] = {"delta": piece, "logprobs": logprobs, **where}
        if obfuscate:
            delta["obfuscation"] = _padding(piece)
        out.append(event("response.output_text.delta", **delta))
    for number, annotation in enumerate(part.get("annotations") or []):
        added = {"annotation": annotation, "annotation_index": number}
        out.append(event("response.output_text.annotation.added", **added, **where))
    out.append(event("response.output_text.done", logprobs=streamed, text=text, **where))
    out.append(event("response.content_part.done", part=copy.deepcopy(part), **where))
    return out


def _stream_logprob(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A logprob as stream events carry it: token, logprob, alternatives (no bytes)."""
    top = [
        {"token": t.get("token"), "logprob": t.get("logprob")}
        for t in entry.get("top_logprobs") or []
        if isinstance(t, dict)
    ]
    return {"token": entry.get("token"), "logprob": entry.get("logprob"), "top_logprobs": top}


def _summary_events(
    summary: dict[str, Any], item_id: str, index: int, position: int, obfuscate: bool
) -> list[dict[str, Any]]:
    where = {"item_id": item_id, "output_index": index, "summary_index": position}
    text = str(summary.get("text", ""))
    out = [
        event(
            "response.reasoning_summary_part.added",
            part={"type": "summary_text", "text": ""},
            **where,
        )
    ]
    for piece in split_text(text):
        delta: dict[str, Any] = {"delta": piece, **where}
        if obfuscate:
            delta["obfuscation"] = _padding(piece)
        out.append(event("response.reasoning_summary_text.delta", **delta))
    out.append(event("response.reasoning_summary_text.done", text=text, **where))
    part = {"type": "summary_text", "text": text}
    out.append(event("response.reasoning_summary_part.done", part=part, **where))
    return out


def _padding(piece: str) -> str:
    """Random characters that pad a delta's payload to a steady size (as the API's)."""
    length = max(2, _PAD_TO - len(piece))
    return "".join(secrets.choice(_ALPHANUM) for _ in range(length))


def from_events(events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
    """The response a recorded stream stands for: its final event's, else rebuilt."""
    datas = [e.data for e in events if isinstance(e.data, dict)]
    for data in reversed(datas):
        if data.get("type") in FINAL_EVENTS.values() and isinstance(data.get("response"), dict):
            response = copy.deepcopy(data["response"])
            if not response.get("output"):
                response["output"] = _done_items(datas)
            return response
    base: dict[str, Any] = {}
    for data in datas:
        if data.get("type") == "response.created" and isinstance(data.get("response"), dict):
            base = copy.deepcopy(data["response"])
    # Left out so that completion fills them in (a body with an object is a recording).
    for key in ("object", "status", "completed_at", "usage", "service_tier"):
        base.pop(key, None)
    base["output"] = _done_items(datas)
    return base


def _done_items(datas: Sequence[Mapping[str, Any]]) -> list[Any]:
    done: dict[int, Any] = {}
    for data in datas:
        if data.get("type") == "response.output_item.done":
            index = data.get("output_index")
            done[index if isinstance(index, int) else len(done)] = copy.deepcopy(data.get("item"))
    return [done[i] for i in sorted(done)]


class ResponsesShape:
    """``POST /v1/responses``: complete bodies, and convert them to events and back."""

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        return responses_output.complete(body, request)

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        if not isinstance(body, dict):
            raise ValueError(f"a Responses API body is a JSON object, got {body!r}")
        return to_events(body, request)

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        return from_events(events, request)


SHAPE = ResponsesShape()
