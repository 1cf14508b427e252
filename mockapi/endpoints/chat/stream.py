"""Chat Completions: a ``chat.completion`` body to its ``chat.completion.chunk`` stream and back.

One recording serves both ``stream: true`` and ``stream: false`` requests, so each form
must be derivable from the other. The chunk shapes follow real OpenAI streams (see
``../shared/real-traffic``):

* every chunk repeats ``id``, ``created``, ``model``, ``service_tier`` and
  ``system_fingerprint``, and carries one choice;
* a choice opens with a role chunk, ``{"role": "assistant", "content": "", "refusal":
  null}``, or for a message that is one tool call ``content: null`` with the call's
  head (``index``, ``id``, ``type``, ``name``, ``arguments: ""``) in it; for parallel
  tool calls the role chunk is only ``{"role": "assistant", "content": null}`` and
  each call's head comes in a chunk of its own (gpt-4o, 2025-08, pydantic-ai
  ``test_complex_agent_run``);
* text and tool-call arguments follow in small token-like pieces (:func:`split_text`),
  then a chunk with an empty delta and the ``finish_reason``;
* with ``stream_options.include_usage`` every chunk has ``"usage": null`` and a last
  chunk with ``"choices": []`` carries the usage. The ``[DONE]`` marker is the SSE
  layer's business, not this module's;
* with ``obfuscation`` (the API's default since mid-2025, off with
  ``stream_options.include_obfuscation: false``: :func:`wants_obfuscation`) every
  chunk ends with an ``obfuscation`` padding string; mockapi's is derived from the
  chunk, so the same answer streams the same bytes.

Round trip: ``chunks_to_completion(completion_to_chunks(c, include_usage=True)) == c``
holds for real ``chat.completion`` bodies. What does not survive: message fields other
than ``role``, ``content``, ``refusal``, ``tool_calls``, ``function_call`` and
``annotations`` (``audio`` for instance); a message without ``annotations`` comes back
with ``annotations: []`` (the API always sends it); ``logprobs`` keys other than
``content`` and ``refusal``; the interleaving of choices when ``n > 1`` (chunks are
emitted choice by choice); the ``obfuscation`` padding.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from mockapi.wire.usage import is_usage_chunk

Chunk = dict[str, Any]

_HEADER_KEYS = ("id", "object", "created", "model", "service_tier", "system_fingerprint")
_LOGPROB_KEYS = ("content", "refusal")
_MAX_PIECE = 16
_PIECE = re.compile(
    r"'(?i:s|t|re|ve|m|ll|d)"  # contractions, as the tokenizers split them
    r"|[^\r\n\w]?[^\W\d_]+"  # a word, with the space or sign before it
    r"|\d{1,3}"  # digits, at most three to a token
    r"| ?(?:[^\s\w]|_)+[\r\n]*"  # punctuation runs
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"  # line breaks and other whitespace
)


def split_text(text: str) -> list[str]:
    """``text`` cut into token-like pieces: ``"Hello world!"`` -> ``["Hello", " world", "!"]``.

    Deterministic, and ``"".join(split_text(text)) == text`` always. The cut follows
    the pre-tokenizer of OpenAI's tokenizers (words keep their leading space, digits go
    by three, punctuation runs stay together); pieces longer than 16 characters are cut
    further so that long unbroken runs still stream in several steps.
    """
    pieces: list[str] = []
    for piece in _PIECE.findall(text):
        pieces.extend(piece[i : i + _MAX_PIECE] for i in range(0, len(piece), _MAX_PIECE))
    return pieces


def wants_obfuscation(request: Mapping[str, Any]) -> bool:
    """Whether a stream request gets ``obfuscation`` padding (unless it opts out)."""
    options = request.get("stream_options")
    return not (isinstance(options, dict) and options.get("include_obfuscation") is False)


def padding(chunk: Chunk) -> str:
    """A chunk's ``obfuscation`` string: 2 to 15 characters derived from its content."""
    digest = hashlib.sha256(json.dumps(chunk, sort_keys=True).encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    length = 2 + int(digest[:2], 16) % 14
    return "".join(alphabet[int(digest[2 + 2 * i : 4 + 2 * i], 16) % 62] for i in range(length))


def completion_to_chunks(
    completion: dict[str, Any], *, include_usage: bool, obfuscation: bool = False
) -> list[Chunk]:
    """The ``chat.completion.chunk`` objects the API would stream for ``completion``.

    Choices are emitted one after the other (all of choice 0's chunks, then choice
    1's). Token ``logprobs`` are spread over the content pieces when their tokens spell
    the content, else they ride on the finish chunk. With ``obfuscation`` every chunk
    ends with its padding string. Raises ``ValueError`` for a body without a
    ``choices`` list or, with ``include_usage``, without a ``usage`` object.
    """
    choices = completion.get("choices")
    if not isinstance(choices, list):
        raise ValueError(f"a chat.completion needs a 'choices' list, got {choices!r}")
    usage = completion.get("usage")
    if include_usage and not isinstance(usage, dict):
        raise ValueError(f"include_usage needs the completion's 'usage' object, got {usage!r}")
    header: Chunk = {}
    for key in _HEADER_KEYS:
        if key == "object":
            header[key] = "chat.completion.chunk"
        elif key in completion:
            header[key] = completion[key]
    chunks: list[Chunk] = []
    for position, choice in enumerate(choices):
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            raise ValueError(f"choice {position} needs a 'message' object, got {choice!r}")
        for entry in _choice_entries(choice, position):
            chunk = {**header, "choices": [entry]}
            if include_usage:
                chunk["usage"] = None
            chunks.append(chunk)
    if include_usage:
        chunks.append({**header, "choices": [], "usage": usage})
    if obfuscation:
        for chunk in chunks:
            chunk["obfuscation"] = padding(chunk)
    return chunks


def _choice_entries(choice: dict[str, Any], position: int) -> list[dict[str, Any]]:
    """The ``choices[0]`` entries of one choice's chunks, role chunk to finish chunk."""
    message: dict[str, Any] = choice["message"]
    index = choice.get("index", position)
    content, refusal = message.get("content"), message.get("refusal")
    calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    logprobs = choice.get("logprobs")
    deltas: list[tuple[dict[str, Any], Any]] = []

    role: dict[str, Any] = {"role": message.get("role", "assistant")}
    role["content"] = "" if isinstance(content, str) else None
    calls_in_role_chunk = content is None and len(calls) == 1
    if calls_in_role_chunk:
        role["tool_calls"] = [_call_head(0, calls[0])]
    if not (content is None and len(calls) > 1):  # parallel calls: no refusal key
        role["refusal"] = None
    deltas.append((role, None))

    used: set[str] = set()
    for key, text in (("content", content), ("refusal", refusal)):
        if isinstance(text, str):
            deltas.extend(_text_deltas(key, text, logprobs, used))
    for i, call in enumerate(calls):
        if i > 0 or not calls_in_role_chunk:
            deltas.append(({"tool_calls": [_call_head(i, call)]}, None))
        for piece in _arguments(call.get("function")):
            deltas.append(({"tool_calls": [{"index": i, "function": piece}]}, None))
    function_call = message.get("function_call")  # the deprecated `functions` API
    if isinstance(function_call, dict):
        head = {"name": function_call.get("name"), "arguments": ""}
        deltas.append(({"function_call": head}, None))
        deltas.extend(({"function_call": piece}, None) for piece in _arguments(function_call))
    if message.get("annotations"):
        deltas.append(({"annotations": message["annotations"]}, None))

    # Logprobs that could not be spread over the pieces travel whole on the finish chunk.
    rest = None
    if isinstance(logprobs, dict):
        rest = {k: None if k in used else logprobs.get(k) for k in _LOGPROB_KEYS}
        if used and all(v is None for v in rest.values()):
            rest = None
    deltas.append(({}, rest))

    entries = []
    for n, (delta, piece_logprobs) in enumerate(deltas):
        entry: dict[str, Any] = {"index": index, "delta": delta}
        if "logprobs" in choice:
            entry["logprobs"] = piece_logprobs
        entry["finish_reason"] = choice.get("finish_reason") if n == len(deltas) - 1 else None
        entries.append(entry)
    return entries


def _text_deltas(
    key: str, text: str, logprobs: Any, used: set[str]
) -> list[tuple[dict[str, Any], Any]]:
    """Deltas for ``content`` or ``refusal`` text, one per token when logprobs spell it."""
    tokens = logprobs.get(key) if isinstance(logprobs, dict) else None
    if (
        isinstance(tokens, list)
        and tokens
        and all(isinstance(t, dict) and isinstance(t.get("token"), str) for t in tokens)
        and "".join(t["token"] for t in tokens) == text
    ):
        used.add(key)
        return [
            ({key: t["token"]}, {k: [t] if k == key else None for k in _LOGPROB_KEYS})
            for t in tokens
        ]
    return [({key: piece}, None) for piece in split_text(text)]


def _arguments(function: Any) -> list[dict[str, str]]:
    """``{"arguments": fragment}`` deltas for a function's JSON arguments."""
    arguments = function.get("arguments") if isinstance(function, dict) else None
    pieces = split_text(arguments) if isinstance(arguments, str) else []
    return [{"arguments": piece} for piece in pieces]


def _call_head(index: int, call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function")
    head = {"name": function.get("name") if isinstance(function, dict) else None, "arguments": ""}
    kind = call.get("type", "function")
    return {"index": index, "id": call.get("id"), "type": kind, "function": head}


def chunks_to_completion(chunks: list[Chunk]) -> dict[str, Any]:
    """The ``chat.completion`` body that a recorded chunk stream adds up to.

    Text, refusals and tool-call arguments are concatenated per choice ``index`` and
    tool call ``index``; the last non-null ``finish_reason`` wins; ``usage`` comes from
    the usage chunk and is left out when the stream had none (the caller computes it).
    ``content`` stays ``None`` when no content was streamed (a pure tool call). Items
    that are not dicts (a stray ``[DONE]``) are skipped. Raises ``ValueError`` when no
    chunk is a dict.
    """
    dicts = [c for c in chunks if isinstance(c, dict)]
    if not dicts:
        raise ValueError(f"no chat.completion.chunk objects to reassemble in {chunks!r:.200}")
    header: dict[str, Any] = {}
    usage: Any = None
    states: dict[int, _ChoiceState] = {}
    for chunk in dicts:
        for key in _HEADER_KEYS:
            if key in chunk and key not in header:
                header[key] = chunk[key]
        if chunk.get("usage") is not None:
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                index = choice.get("index", 0)
                states.setdefault(index, _ChoiceState()).add(choice)
    completion = {key: header.get(key) for key in ("id", "object", "created", "model")}
    completion["object"] = "chat.completion"
    completion["choices"] = [states[i].choice(i) for i in sorted(states)]
    if usage is not None:
        completion["usage"] = usage
    for key in ("service_tier", "system_fingerprint"):
        if key in header:
            completion[key] = header[key]
    return completion


class _ChoiceState:
    """What the chunks of one choice have said so far."""

    def __init__(self) -> None:
        self.role = "assistant"
        self.text: dict[str, str | None] = {"content": None, "refusal": None}
        self.calls: dict[int, dict[str, Any]] = {}
        self.function_call: dict[str, str] | None = None
        self.annotations: list[Any] = []
        self.has_logprobs = False
        self.logprobs: dict[str, list[Any] | None] | None = None
        self.finish_reason: Any = None

    def add(self, choice: dict[str, Any]) -> None:
        delta = choice.get("delta")
        delta = delta if isinstance(delta, dict) else {}
        if isinstance(delta.get("role"), str):
            self.role = delta["role"]
        for key in _LOGPROB_KEYS:
            if isinstance(delta.get(key), str):
                self.text[key] = (self.text[key] or "") + delta[key]
        for position, call in enumerate(delta.get("tool_calls") or []):
            if isinstance(call, dict):
                self._add_call(call.get("index", position), call)
        if isinstance(delta.get("function_call"), dict):
            if self.function_call is None:
                self.function_call = {"name": "", "arguments": ""}
            _concat(self.function_call, delta["function_call"])
        if isinstance(delta.get("annotations"), list):
            self.annotations.extend(delta["annotations"])
        if "logprobs" in choice:
            self.has_logprobs = True
            self._add_logprobs(choice["logprobs"])
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]

    def _add_call(self, index: int, delta: dict[str, Any]) -> None:
        call = self.calls.setdefault(
            index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
        )
        if delta.get("id") is not None:
            call["id"] = delta["id"]
        if delta.get("type") is not None:
            call["type"] = delta["type"]
        if isinstance(delta.get("function"), dict):
            _concat(call["function"], delta["function"])

    def _add_logprobs(self, logprobs: Any) -> None:
        if not isinstance(logprobs, dict):
            return
        if self.logprobs is None:
            self.logprobs = {"content": None, "refusal": None}
        for key in _LOGPROB_KEYS:
            tokens, seen = logprobs.get(key), self.logprobs[key]
            if isinstance(tokens, list) and seen is None:
                self.logprobs[key] = list(tokens)
            elif isinstance(tokens, list) and seen is not None:
                seen.extend(tokens)

    def choice(self, index: int) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self.text["content"]}
        if self.calls:
            message["tool_calls"] = [self.calls[i] for i in sorted(self.calls)]
        if self.function_call is not None:
            message["function_call"] = self.function_call
        message["refusal"] = self.text["refusal"]
        message["annotations"] = self.annotations
        choice: dict[str, Any] = {"index": index, "message": message}
        if self.has_logprobs:
            choice["logprobs"] = self.logprobs
        choice["finish_reason"] = self.finish_reason
        return choice


def _concat(target: dict[str, str], delta: dict[str, Any]) -> None:
    """Append a delta's ``name`` and ``arguments`` fragments to ``target``."""
    for key in ("name", "arguments"):
        if isinstance(delta.get(key), str):
            target[key] += delta[key]


def adapt_usage_chunks(
    chunks: list[Chunk], *, include_usage: bool, usage: dict[str, Any] | None
) -> list[Chunk]:
    """A recorded chunk list made to fit a request's ``stream_options.include_usage``.

    Without ``include_usage``: the usage chunk (``"choices": []`` and a usage object,
    :func:`~mockapi.wire.usage.is_usage_chunk`) is dropped and the ``usage`` key removed
    from the others, as the API does. With it: a recording that already has a usage
    chunk is kept (its recorded usage wins over ``usage``); otherwise every chunk gets
    ``"usage": null`` and a usage chunk carrying ``usage`` is appended (a chunk with no
    choices and ``usage: null`` is no usage chunk: it stays, and the real one follows).
    Returns new chunk dicts (nested values are shared, never changed); items that are not
    dicts pass through. Raises ``ValueError`` when a usage chunk must be added and
    ``usage`` is ``None``.
    """
    if not include_usage:
        return [_with_usage(c, drop=True) for c in chunks if not is_usage_chunk(c)]
    has_usage_chunk = any(is_usage_chunk(c) for c in chunks)
    adapted = [_with_usage(c, drop=False) for c in chunks]
    if has_usage_chunk:
        return adapted
    if usage is None:
        raise ValueError(
            "include_usage was requested and the recording has no usage chunk: "
            "pass the usage to append, got None"
        )
    last = next((c for c in reversed(chunks) if isinstance(c, dict)), {})
    header = {k: last[k] for k in _HEADER_KEYS if k in last}
    adapted.append({**header, "choices": [], "usage": usage})
    return adapted


def _with_usage(chunk: Any, *, drop: bool) -> Any:
    """A copy of ``chunk`` without ``usage`` (``drop``), or with ``usage: null`` added."""
    if not isinstance(chunk, dict):
        return chunk
    if drop:
        return {k: v for k, v in chunk.items() if k != "usage"}
    if "usage" in chunk:
        return dict(chunk)
    copy: Chunk = {}
    for key, value in chunk.items():
        copy[key] = value
        if key == "choices":
            copy["usage"] = None
    copy.setdefault("usage", None)
    return copy
