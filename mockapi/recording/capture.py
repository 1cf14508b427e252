"""Captured exchanges into fixture entries: the one path from traffic to a fixture file.

Both the recording proxy and ``mockapi import`` go through :func:`to_entry`, so a
recording and an imported cassette are redacted, keyed and laid out the same way.
Pure: no I/O.

A response becomes ``events`` (SSE), ``body`` (JSON), ``text`` (any other textual
type, e.g. a ``text/plain`` transcript in ``srt`` format: stored readably, replayed
byte for byte) or ``body_file`` (binary: speech audio, images, a file's content as
``GET /v1/files/{id}/content`` sends it), whose bytes the caller writes beside the
fixture. Text and binary answers keep their ``content-type``, which the header filter
otherwise drops. JSON lines sent as JSON (a file's content: the spec types it so) are
kept as text, any other body its JSON content type does not hold is refused. Every
text part is redacted, and so is a binary body that is UTF-8 text after all (a
downloaded batch input file: its lines are requests); audio and images are not.

An uploaded file (a multipart part) is matched by its description (name, type, size and
digest, :meth:`~mockapi.model.FilePart.describe`), never stored. When its content holds
a secret, the description is of the redacted content and the field joins the entry's
``ignore`` list, as a redacted JSON value does: a digest of the real bytes would let a
weak secret be guessed, and the request replayed with the real (or another) secret
still matches (as loosely as a redacted JSON value: so does another upload whose other
fields are the same).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockapi.errors import APIError, NotRecordable
from mockapi.model import JSON, FilePart, SSEEvent
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
    files: tuple[FilePart, ...] = ()
    """The uploaded files of a multipart request (``request_json`` describes them)."""


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
    files: tuple[FilePart, ...] = (),
) -> str:
    """The key :func:`to_entry` will give the recording of this request, known before
    any answer (the recorder claims it before going upstream). Raises
    :class:`NotRecordable` when a plugin's request transform fails."""
    captured = Captured(method, path, request_json, 0, {}, files=files)
    return _match(captured, rules, hooks)[1]


def merge_entry(fixtures: list[Any], entry: dict[str, Any], *, collapse: bool = False) -> int:
    """Add ``entry`` to a file's fixture list; the same request again extends a sequence.

    This keeps a cassette's order: the n-th identical request replays the n-th answer.
    With ``collapse``, an answer equal to the sequence's last is not added again (a
    job polled while nothing changed: replay then needs fewer polls, each answer still
    in its order). Returns the index of the entry that holds it.
    """
    index = find_entry(fixtures, entry["match"])
    if index is None:
        fixtures.append(entry)
        return len(fixtures) - 1
    existing = fixtures[index]
    answers = existing.pop("sequence", None) or [existing.pop("response")]
    if not (collapse and answers[-1] == entry["response"]):
        answers.append(entry["response"])
    existing["sequence"] = answers
    existing["meta"] = entry["meta"]
    return index


def find_entry(fixtures: list[Any], match: Any) -> int | None:
    """The index of the entry in ``fixtures`` (a file's list) answering ``match``
    exactly, or None."""
    for index, existing in enumerate(fixtures):
        if (
            isinstance(existing, dict)
            and existing.get("match") == match
            and ("response" in existing or "sequence" in existing)
        ):
            return index
    return None


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
        scrubbed, in_files = _redact_files(scrubbed, captured.files, rules)
        body, changed = redaction.redact_json(scrubbed, rules)
        body = {k: v for k, v in body.items() if k not in _KEY_IGNORED}
        match["body"] = body
        if changed or in_files:
            match["ignore"] = sorted({*changed, *in_files})
    return match, request_key(captured.method, captured.path, body)


def _redact_files(
    body: JSON, files: tuple[FilePart, ...], rules: redaction.RedactionRules
) -> tuple[JSON, list[str]]:
    """``body`` with each uploaded file holding a secret described by its redacted
    content, and the paths of those fields (see the module docstring)."""
    swaps: dict[str, str] = {}
    for part in files:
        clean = redaction.redact_content(part.data, rules)
        if clean is not part.data and clean != part.data:
            swaps[part.describe()] = dataclasses.replace(part, data=clean).describe()
    if not swaps:
        return body, []
    changed: list[str] = []

    def walk(value: JSON, path: tuple[str, ...]) -> JSON:
        if isinstance(value, dict):
            return {k: walk(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, str(i))) for i, v in enumerate(value)]
        if isinstance(value, str) and value in swaps:
            changed.append(".".join(path))
            return swaps[value]
        return value

    return walk(body, ()), changed


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
    text: str | None = None
    if not kind or media.is_json(kind):
        try:
            decoded = json.loads(captured.body) if captured.body else None
        except ValueError:
            # JSON lines (a file's content: the spec types it as JSON) are kept as text.
            text = _decode(captured.body, kind) if kind else None
            if text is None or not redaction.is_jsonl(text):
                raise NotRecordable(
                    f"the response is neither JSON nor an SSE stream ({kind or 'no content type'})"
                ) from None
        else:
            entry["body"] = redaction.redact_json(decoded, rules)[0]
            return entry
    # Replaying a text or binary answer needs its content type: keep it.
    entry["headers"] = {**headers, "content-type": redaction.scrub_text(kind, rules)}
    if text is None and media.is_text(kind):
        text = _decode(captured.body, kind)
    if text is not None:
        entry["text"] = redaction.redact_text(text, rules)
        return entry
    if files is None:
        raise NotRecordable(
            f"the response is binary ({kind}); only the recording proxy stores binary "
            "bodies (as files beside the fixture)"
        )
    data = redaction.redact_content(captured.body, rules)
    body_digest = hashlib.sha256(data).hexdigest()[:12]
    name = f"{stem}.{body_digest}.{media.extension_for(kind)}"
    files[name] = data
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
