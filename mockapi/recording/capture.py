"""Captured exchanges into fixture entries: the one path from traffic to a fixture file.

Both the recording proxy and ``mockapi import`` go through :func:`to_entry`, so a
recording and an imported cassette are redacted, keyed and laid out the same way.
Pure: no I/O.

A response becomes ``events`` (SSE), ``body`` (JSON), ``text`` (any other textual
type, e.g. a ``text/plain`` transcript in ``srt`` format: stored readably, replayed
byte for byte) or ``body_file`` (binary: speech audio, images), whose bytes the caller
writes beside the fixture. Text and binary answers keep their ``content-type``, which
the header filter otherwise drops. Every text part is redacted; binary bodies are not
scanned (they are answers, never requests carrying credentials).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.errors import APIError, NotRecordable
from mockapi.model import JSON, SSEEvent
from mockapi.plugins import NO_HOOKS, Hooks
from mockapi.recording import redaction
from mockapi.wire import media
from mockapi.wire.canonical import digest

_KEY_IGNORED = ("stream", "stream_options")


@dataclass(frozen=True)
class Captured:
    """One exchange as seen on the wire (before any redaction)."""

    method: str
    path: str
    request_json: JSON
    status: int
    headers: Mapping[str, str]
    content_type: str = ""
    body: bytes = b""
    events: list[SSEEvent] | None = None


def request_key(method: str, path: str, body: JSON) -> str:
    """A short, stable hash of a (redacted) request; streaming flags do not count."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in _KEY_IGNORED}
    # Not by meaning: the names of the files already recorded must not change.
    return digest(method, path, body, by_meaning=False)[:12]


def slug(path: str) -> str:
    """``/v1/chat/completions`` -> ``chat_completions`` (for file and fixture names)."""
    parts = [p for p in path.strip("/").split("/") if p and p != "v1"]
    cleaned = "_".join("".join(c if c.isalnum() else "-" for c in p) for p in parts)
    return cleaned or "root"


def to_entry(
    captured: Captured,
    *,
    meta: dict[str, Any],
    rules: redaction.RedactionRules = redaction.DEFAULT_RULES,
    hooks: Hooks = NO_HOOKS,
    files: dict[str, bytes] | None = None,
    file_stem: str | None = None,
) -> tuple[dict[str, Any], str]:
    """The redacted fixture entry for ``captured`` and its request key.

    A binary response body is added to ``files`` under the name its ``body_file``
    gives (``<file_stem>.<digest>.<ext>``; the stem defaults to the request key), for
    the caller to write beside the fixture file first. Raises :class:`NotRecordable`
    for a binary body when ``files`` is None, for a body its JSON content type does not
    hold, or when a plugin's transform fails (fail closed: nothing unscrubbed is
    written).
    """
    match, key = _match(captured, rules, hooks)
    response = _response(captured, rules, files, file_stem or key)
    entry = {
        "name": f"{slug(captured.path)}-{key}",
        "meta": meta,
        "match": match,
        "response": response,
    }
    try:
        return hooks.transform_record(entry), key
    except APIError as exc:
        raise NotRecordable(exc.message) from None


def recording_key(
    method: str,
    path: str,
    request_json: JSON,
    *,
    rules: redaction.RedactionRules = redaction.DEFAULT_RULES,
    hooks: Hooks = NO_HOOKS,
) -> str:
    """The key :func:`to_entry` will give the recording of this request, known before
    any answer (the recorder claims it before going upstream). Raises
    :class:`NotRecordable` when a plugin's request transform fails."""
    return _match(Captured(method, path, request_json, 0, {}), rules, hooks)[1]


def merge_entry(fixtures: list[Any], entry: dict[str, Any]) -> int:
    """Add ``entry`` to a file's fixture list; the same request again extends a sequence.

    This keeps a cassette's order: the n-th identical request replays the n-th answer.
    Returns the index of the entry that holds it.
    """
    for index, existing in enumerate(fixtures):
        if isinstance(existing, dict) and existing.get("match") == entry["match"]:
            answers = existing.pop("sequence", None) or [existing.pop("response")]
            existing["sequence"] = [*answers, entry["response"]]
            existing["meta"] = entry["meta"]
            return index
    fixtures.append(entry)
    return len(fixtures) - 1


def _match(
    captured: Captured, rules: redaction.RedactionRules, hooks: Hooks
) -> tuple[dict[str, Any], str]:
    match: dict[str, Any] = {"method": captured.method, "path": captured.path}
    body: JSON = None
    if isinstance(captured.request_json, dict):
        try:
            scrubbed = hooks.transform_request(captured.request_json)
        except APIError as exc:
            raise NotRecordable(exc.message) from None
        body, changed = redaction.redact_json(scrubbed, rules)
        body = {k: v for k, v in body.items() if k not in _KEY_IGNORED}
        match["body"] = body
        if changed:
            match["ignore"] = sorted(set(changed))
    return match, request_key(captured.method, captured.path, body)


def _response(
    captured: Captured,
    rules: redaction.RedactionRules,
    files: dict[str, bytes] | None,
    stem: str,
) -> dict[str, Any]:
    headers = redaction.filter_response_headers(dict(captured.headers), status=captured.status)
    entry: dict[str, Any] = {"status": captured.status}
    if headers:
        entry["headers"] = headers
    if captured.events is not None:
        entry["events"] = [_event(e, rules) for e in captured.events]
        return entry
    kind = captured.content_type
    if not kind or media.is_json(kind):
        try:
            decoded = json.loads(captured.body) if captured.body else None
        except ValueError:
            raise NotRecordable(
                f"the response is neither JSON nor an SSE stream ({kind or 'no content type'})"
            ) from None
        entry["body"] = redaction.redact_json(decoded, rules)[0]
        return entry
    # Replaying a text or binary answer needs its content type: keep it.
    entry["headers"] = {**headers, "content-type": redaction.scrub_text(kind, rules)}
    text = _decode(captured.body, kind) if media.is_text(kind) else None
    if text is not None:
        entry["text"] = redaction.scrub_text(text, rules)
        return entry
    if files is None:
        raise NotRecordable(
            f"the response is binary ({kind}); only the recording proxy stores binary "
            "bodies (as files beside the fixture)"
        )
    body_digest = hashlib.sha256(captured.body).hexdigest()[:12]
    name = f"{stem}.{body_digest}.{media.extension_for(kind)}"
    files[name] = captured.body
    entry["body_file"] = name
    return entry


def _decode(body: bytes, content_type: str) -> str | None:
    """The text of ``body`` in its charset, or None when it is not text after all."""
    try:
        return body.decode(media.charset(content_type))
    except (LookupError, UnicodeDecodeError):
        return None


def _event(event: SSEEvent, rules: redaction.RedactionRules) -> dict[str, Any]:
    data = event.data
    if isinstance(data, str):
        data = redaction.scrub_text(data, rules)
    else:
        data = redaction.redact_json(data, rules)[0]
    entry: dict[str, Any] = {"data": data}
    if event.event is not None:
        entry["event"] = event.event
    if event.delay > 0:
        entry["delay_ms"] = round(event.delay * 1000, 1)
    return entry
