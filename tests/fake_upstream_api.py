"""Answers of the fake upstream beyond chat: audio, images, moderations, legacy
completions and the Responses API, shaped as api.openai.com sends them.

Pure builders (a request in, a body or a list of SSE payloads out) that
:mod:`tests.fake_upstream` serves; they are deterministic in the request, so a test can
say what the recording must hold. Binary speech is not real audio: it is bytes that
are not UTF-8 (so a recorder cannot mistake them for text), long enough to arrive in
several chunks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from mockapi.errors import APIError, FormError, missing_parameter
from mockapi.model import FilePart
from mockapi.wire import multipart

CREATED = 1_760_000_000
SPEECH_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
TEXT_TYPE = "text/plain; charset=utf-8"
SPEECH_CHUNK = 4096
# A 1x1 PNG: what an image edit returns, base64-encoded, in `b64_json`.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


def _digest(value: Any) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def _tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


def _require(req: Any, *names: str) -> dict[str, Any]:
    if not isinstance(req, dict):
        raise APIError(400, "We could not parse the JSON body of your request.")
    for name in names:
        if name not in req:
            raise missing_parameter(name)
    return req


# -- audio -------------------------------------------------------------------------------
def speech(req: Any) -> tuple[bytes, str]:
    """The "audio" for a speech request and its content type."""
    req = _require(req, "model", "input", "voice")
    kind = SPEECH_TYPES.get(req.get("response_format", "mp3"), "audio/mpeg")
    seed = hashlib.sha256(json.dumps(req, sort_keys=True).encode()).digest()
    # 0xff 0xfb is an MPEG frame sync: never valid UTF-8, as real audio is not.
    body = bytearray(b"\xff\xfb\x90\x00")
    while len(body) < 5 * SPEECH_CHUNK + 123:
        seed = hashlib.sha256(seed).digest()
        body.extend(seed)
    return bytes(body), kind


def form(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, FilePart]]:
    """A multipart body's fields and files (by field name)."""
    try:
        fields, files = multipart.parse(body, content_type)
    except FormError as exc:
        raise APIError(400, f"Could not parse multipart form: {exc}") from None
    return dict(fields), {part.name: part for part in files}


def transcript_text(upload: FilePart) -> str:
    """What the fake "hears" in an upload: depends on the file's name and bytes."""
    return f"Transcript of {upload.filename}, {len(upload.data)} bytes, {_digest(upload.data)[:6]}."


def transcription(fields: dict[str, str], files: dict[str, FilePart]) -> tuple[Any, str]:
    """The answer to a transcription form in its ``response_format``: a JSON value, or
    text with a ``text/plain`` content type (``text``, ``srt``, ``vtt``)."""
    if "model" not in fields:
        raise missing_parameter("model")
    if "file" not in files:
        raise missing_parameter("file")
    text = transcript_text(files["file"])
    fmt = fields.get("response_format", "json")
    usage = {"type": "duration", "seconds": 2}
    if fmt == "text":
        return text + "\n", TEXT_TYPE
    if fmt == "srt":
        return f"1\n00:00:00,000 --> 00:00:02,000\n{text}\n\n", TEXT_TYPE
    if fmt == "vtt":
        return f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{text}\n\n", TEXT_TYPE
    if fmt == "verbose_json":
        segment = {
            "id": 0,
            "seek": 0,
            "start": 0.0,
            "end": 2.0,
            "text": " " + text,
            "tokens": [50364, 440, 50464],
            "temperature": 0.0,
            "avg_logprob": -0.25,
            "compression_ratio": 0.9,
            "no_speech_prob": 0.01,
        }
        body = {"task": "transcribe", "language": "english", "duration": 2.0, "text": text}
        return {**body, "segments": [segment], "usage": usage}, "application/json"
    return {"text": text, "usage": usage}, "application/json"


# -- images ------------------------------------------------------------------------------
def image_edit(fields: dict[str, str], files: dict[str, FilePart]) -> dict[str, Any]:
    """An image edit answered as gpt-image-1 does: ``b64_json`` and token usage."""
    if "prompt" not in fields:
        raise missing_parameter("prompt")
    images = [part for name, part in files.items() if name.startswith("image")]
    if not images:
        raise missing_parameter("image")
    prompt_tokens = _tokens(fields["prompt"])
    usage = {
        "input_tokens": prompt_tokens + 194,
        "input_tokens_details": {"image_tokens": 194, "text_tokens": prompt_tokens},
        "output_tokens": 272,
        "total_tokens": prompt_tokens + 466,
    }
    return {
        "created": CREATED,
        "background": "opaque",
        "data": [{"b64_json": base64.b64encode(PNG_1X1).decode()}],
        "output_format": "png",
        "quality": "low",
        "size": "1024x1024",
        "usage": usage,
    }


# -- moderations, completions ------------------------------------------------------------
def moderation(req: Any) -> dict[str, Any]:
    """Flags an input that contains the word "attack" (violence)."""
    req = _require(req, "input")
    inputs = req["input"] if isinstance(req["input"], list) else [req["input"]]
    results = []
    for item in inputs:
        text = item if isinstance(item, str) else json.dumps(item)
        flagged = "attack" in text.lower()
        categories = {name: flagged and name == "violence" for name in _CATEGORIES}
        scores = {name: (0.91 if categories[name] else 0.0001) for name in _CATEGORIES}
        applied = {name: ["text"] for name in _CATEGORIES}
        results.append(
            {
                "flagged": flagged,
                "categories": categories,
                "category_scores": scores,
                "category_applied_input_types": applied,
            }
        )
    model = req.get("model", "omni-moderation-latest")
    return {"id": "modr-" + _digest(req)[:29], "model": model, "results": results}


def _completion_text(req: dict[str, Any]) -> str:
    prompt = req["prompt"]
    prompt = prompt if isinstance(prompt, str) else json.dumps(prompt)
    return " This is a test of: " + prompt


def completion(req: Any) -> dict[str, Any]:
    """A legacy completion: the text echoes the prompt."""
    req = _require(req, "model", "prompt")
    text = _completion_text(req)
    prompt_tokens = _tokens(json.dumps(req["prompt"]))
    done = _tokens(text)
    return {
        "id": "cmpl-" + _digest(req)[:29],
        "object": "text_completion",
        "created": CREATED,
        "model": req["model"],
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": done,
            "total_tokens": prompt_tokens + done,
        },
    }


def completion_stream(req: Any) -> list[str]:
    """The SSE payloads of a streamed legacy completion, ``[DONE]`` last."""
    whole = completion(req)
    base = {k: whole[k] for k in ("id", "object", "created", "model")}
    pieces = re.findall(r"\s*\S+", whole["choices"][0]["text"])
    chunks = [
        {**base, "choices": [{"text": p, "index": 0, "logprobs": None, "finish_reason": None}]}
        for p in pieces
    ]
    chunks.append(
        {**base, "choices": [{"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}]}
    )
    return [json.dumps(c, separators=(",", ":")) for c in chunks] + ["[DONE]"]


# -- responses ---------------------------------------------------------------------------
def _input_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    texts = []
    for item in value if isinstance(value, list) else []:
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(p.get("text", "") for p in content if isinstance(p, dict))
    return " ".join(texts)


def response(req: Any, *, status: str = "completed") -> dict[str, Any]:
    """A Responses API object answering ``"Echo: <input>"``, as the real API lays it out."""
    req = _require(req, "model", "input")
    digest = _digest({k: v for k, v in req.items() if k != "stream"})
    text = "Echo: " + _input_text(req["input"])
    done = status == "completed"
    content = [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]
    message = {
        "id": "msg_" + digest[:48],
        "type": "message",
        "status": "completed",
        "content": content,
        "role": "assistant",
    }
    input_tokens = _tokens(_input_text(req["input"])) + 7
    output_tokens = _tokens(text)
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }
    return {
        "id": "resp_" + digest[:48],
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "completed_at": CREATED + 1 if done else None,
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": None,
        "instructions": req.get("instructions"),
        "max_output_tokens": None,
        "max_tool_calls": None,
        "metadata": {},
        "model": req["model"] + "-2024-07-18",
        "moderation": None,
        "output": [message] if done else [],
        "parallel_tool_calls": True,
        "presence_penalty": 0.0,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "prompt_cache_retention": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage if done else None,
        "user": None,
    }


def response_stream(req: Any) -> list[tuple[str, str]]:
    """The typed ``(event, data)`` pairs of a streamed response, ending ``response.completed``
    (the Responses API sends no ``[DONE]``)."""
    final = response(req)
    started = response(req, status="in_progress")
    message = final["output"][0]
    part = {**message["content"][0], "text": ""}
    ids = {"item_id": message["id"], "output_index": 0, "content_index": 0}
    text = message["content"][0]["text"]
    added = {**message, "status": "in_progress", "content": []}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
        {"type": "response.output_item.added", "output_index": 0, "item": added},
        {"type": "response.content_part.added", **ids, "part": part},
    ]
    for piece in re.findall(r"\s*\S+", text):
        events.append({"type": "response.output_text.delta", **ids, "delta": piece, "logprobs": []})
    events += [
        {"type": "response.output_text.done", **ids, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **ids, "part": message["content"][0]},
        {"type": "response.output_item.done", "output_index": 0, "item": message},
        {"type": "response.completed", "response": final},
    ]
    return [
        (e["type"], json.dumps({**e, "sequence_number": n}, separators=(",", ":")))
        for n, e in enumerate(events)
    ]
