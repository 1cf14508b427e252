"""What the fuzzer holds every answer to, independently of the code it checks.

``request_problems`` says whether a generated request breaks the derived request schema
(with ``jsonschema`` directly, not mockapi's compiled validator, so the oracle shares no
code with what it judges). ``answer_problems`` judges one answer: never a 5xx; a 2xx
JSON body valid against the derived response schema (``tests.helpers.response_problems``)
and every SSE event against the stream_event schema; a non-JSON 2xx only of a media type
the operation sends; every 4xx in the API's error shape; and a request that breaks the
schema refused with a 4xx. Each problem is a :class:`Problem` whose ``kind`` groups it
for the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from mockapi.wire.sse import decode_events
from tests.fuzz import walk
from tests.helpers import response_problems

#: The kinds of problem, in the order the report lists them.
KINDS = (
    "server error (5xx)",
    "2xx body breaks the response schema",
    "stream event breaks the stream_event schema",
    "2xx of a media type the operation does not send",
    "error not in the API's shape",
    "schema-breaking request accepted",
)

# Non-JSON answers. The spec documents `application/octet-stream` for speech; the API
# labels the audio by its format (audio/mpeg for mp3, audio/aac...: openai/openai-openapi
# issue 141, and BerriAI/litellm issue 4332 comparing the API's flac answer), so the
# oracle asks for the format's own type.
SPEECH_MEDIA = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
# Transcripts asked for as text, srt or vtt come back as text (the spec: a string).
TRANSCRIPT_TEXT = ("text", "srt", "vtt")
# Answers that are not JSON by the spec's (or, for SDK-only routes, the SDK's) word: a
# call's SDP answer, a recording's audio.
DECLARED_MEDIA = {
    "POST /v1/realtime/calls": {"application/sdp"},
    "GET /v1/live/sessions/{session_id}/content": {"audio/wav"},
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one answer."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Answer:
    """What the server sent back, as the oracle needs it."""

    status: int
    content_type: str
    content: bytes


def request_problems(
    key: str, schema: Mapping[str, Any] | None, body: Any, *, form: bool
) -> list[str]:
    """How ``body`` breaks ``schema`` (empty: it fits; no schema: anything fits).

    JSON bodies: every schema error, plus top-level keys the schema does not declare
    (the API refuses those: "Unrecognized request argument supplied"). Forms travel as
    strings, so only what survives the trip is judged: a missing required field, an
    undeclared one where the schema closes the form.
    """
    if schema is None:
        return []
    if form:
        return _form_problems(schema, body)
    if not isinstance(body, dict):
        return [f"the body is a {type(body).__name__}, not an object"]
    found = [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:200]}"
        for e in _validator(key, schema).iter_errors(body)
    ]
    known = _declared(schema)
    if known is not None:
        found += [f"{key}: not a parameter of the schema" for key in body if key not in known]
    return found


def answer_problems(
    key: str, answer: Answer, *, broken: list[str], body: Any, has_response_schema: bool
) -> list[Problem]:
    """Everything wrong with ``answer`` to a request for endpoint ``key``.

    ``broken``: what :func:`request_problems` found in the request (empty: it fits).
    """
    status, media = answer.status, answer.content_type.split(";")[0].strip().lower()
    if status >= 500:
        return [Problem(KINDS[0], f"{status}: {answer.content[:300]!r}")]
    if 400 <= status < 500:
        return _error_shape(answer)
    found: list[Problem] = []
    if broken:
        found.append(Problem(KINDS[5], f"{status} to a request that breaks it: {broken[:3]}"))
    if not answer.content and not has_response_schema:
        return found  # an operation the spec answers with no content (a call's accept)
    if media == "application/json":
        try:
            value = json.loads(answer.content)
        except ValueError as exc:
            return [*found, Problem(KINDS[1], f"not JSON ({exc}): {answer.content[:200]!r}")]
        if has_response_schema:
            for problem in response_problems(key, value)[:5]:
                found.append(Problem(KINDS[1], problem))
    elif media == "text/event-stream":
        found += _stream_problems(key, answer.content)
    elif media not in _expected_media(key, body):
        found.append(Problem(KINDS[3], f"{media!r}; expected {sorted(_expected_media(key, body))}"))
    return found


def _stream_problems(key: str, content: bytes) -> list[Problem]:
    found: list[Problem] = []
    try:
        response_problems(key, {}, role="stream_event")
    except AssertionError as exc:  # no stream_event schema: the spec says it never streams
        return [Problem(KINDS[2], f"{key} answered a stream: {exc}")]
    for event in decode_events(content):
        if event.is_done:
            continue
        if not isinstance(event.data, dict):
            found.append(Problem(KINDS[2], f"event data is not a JSON object: {event.data!r}"))
            continue
        for problem in response_problems(key, event.data, role="stream_event")[:3]:
            found.append(Problem(KINDS[2], f"{event.data.get('type', '')}: {problem}"))
    return found[:5]


def _expected_media(key: str, body: Any) -> set[str]:
    fields = body if isinstance(body, dict) else {}
    if key == "POST /v1/audio/speech":
        return {SPEECH_MEDIA.get(str(fields.get("response_format") or "mp3"), "audio/*")}
    if key in ("POST /v1/audio/transcriptions", "POST /v1/audio/translations"):
        return {"text/plain"} if fields.get("response_format") in TRANSCRIPT_TEXT else set()
    if key == "GET /v1/images/files/{image_id}":
        return {"image/png", "image/jpeg", "image/webp"}
    return DECLARED_MEDIA.get(key, set())


def _error_shape(answer: Answer) -> list[Problem]:
    try:
        error = json.loads(answer.content)["error"]
        shaped = (
            isinstance(error["message"], str)
            and isinstance(error["type"], str)
            and isinstance(error["param"], (str, type(None)))
            and isinstance(error["code"], (str, type(None)))
        )
    except (ValueError, KeyError, TypeError):
        shaped = False
    if shaped:
        return []
    return [Problem(KINDS[4], f"{answer.status} {answer.content_type}: {answer.content[:200]!r}")]


def _form_problems(schema: Mapping[str, Any], body: Any) -> list[str]:
    if not isinstance(body, dict):
        return [f"the form is a {type(body).__name__}, not fields"]
    found = [f"{name}: missing" for name in walk.required(schema) if name not in body]
    if all(node.get("additionalProperties") is False for node in walk.top_level(schema)):
        declared = walk.top_properties(schema)
        found += [f"{name}: not a field of the form" for name in body if name not in declared]
    return found


def _declared(schema: Mapping[str, Any]) -> set[str] | None:
    """The top-level parameters ``schema`` declares; None when it lets any key in."""
    names: set[str] = set()
    stack: list[Any] = [schema]
    seen: set[int] = set()
    while stack:
        node = walk.resolve(schema, stack.pop())
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen.add(id(node))
        names.update(node.get("properties", {}))
        extra = node.get("additionalProperties")
        if "patternProperties" in node or (extra is not None and extra is not False):
            return None
        for keyword in ("allOf", "anyOf", "oneOf"):
            stack.extend(node.get(keyword, []))
    return names or None


_VALIDATORS: dict[str, Draft202012Validator] = {}


def _validator(key: str, schema: Mapping[str, Any]) -> Draft202012Validator:
    if key not in _VALIDATORS:
        _VALIDATORS[key] = Draft202012Validator(schema)
    return _VALIDATORS[key]
