"""Legacy Completions: a ``text_completion`` body to its stream of chunks and back.

The API streams ``text_completion`` objects of the same shape as the plain answer (the
SDK reads both with one model), each with one choice and a piece of its text, in the
key order real streams have (``id``, ``object``, ``created``, ``choices``, ``model``):

* the text comes in token-like pieces (:func:`mockapi.endpoints.chat.stream.split_text`), or, when
  the choice has ``logprobs`` whose tokens spell its text, one token per chunk with
  that token's slice of the logprobs, as real streams carry them;
* each choice ends with a chunk of empty text carrying its ``finish_reason`` (and the
  choice's whole ``logprobs`` when they could not be spread over the pieces);
* with ``stream_options.include_usage`` a last chunk with ``"choices": []`` carries the
  usage. (Chat chunks then also carry ``"usage": null``; no recorded completions stream
  shows whether these do, and the spec's schema, which the chunks share with the plain
  answer, does not allow it, so they do not.) ``[DONE]`` follows, as the API sends.

``finish_reason`` is ``null`` on every chunk but a choice's last, as in real streams
(the SDK's ``Completion`` model, generated from the spec, types it as never null, so
its strict response validation rejects real streams as well as these).

Round trip: ``chunks_to_completion(completion_to_chunks(c, include_usage=True)) == c``
for a completed body (see :mod:`mockapi.endpoints.completions.routes`). Choices are emitted
one after the other, not interleaved as ``n > 1`` streams may be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockapi.endpoints.chat.stream import split_text

Chunk = dict[str, Any]
LOGPROB_KEYS = ("tokens", "token_logprobs", "top_logprobs", "text_offset")


def completion_to_chunks(completion: dict[str, Any], *, include_usage: bool) -> list[Chunk]:
    """The chunks the API would stream for ``completion`` (without ``[DONE]``).

    Raises ``ValueError`` for a body without a ``choices`` list of objects.
    """
    choices = completion.get("choices")
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise ValueError(f"a text_completion needs a 'choices' list of objects, got {choices!r}")
    usage = completion.get("usage")
    chunks: list[Chunk] = []
    for position, choice in enumerate(choices):
        for entry in _entries(choice, position):
            chunks.append(_chunk(completion, [entry]))
    if include_usage and isinstance(usage, dict):
        chunks.append({**_chunk(completion, []), "usage": usage})
    return chunks


def _chunk(completion: dict[str, Any], choices: list[Any]) -> Chunk:
    chunk: Chunk = {
        "id": completion.get("id"),
        "object": "text_completion",
        "created": completion.get("created"),
        "choices": choices,
        "model": completion.get("model"),
    }
    if "system_fingerprint" in completion:
        chunk["system_fingerprint"] = completion["system_fingerprint"]
    return chunk


def _entries(choice: dict[str, Any], position: int) -> list[dict[str, Any]]:
    """The ``choices[0]`` entries of one choice's chunks, text pieces then the finish."""
    text = choice.get("text")
    text = text if isinstance(text, str) else ""
    index = choice.get("index", position)
    logprobs = choice.get("logprobs")
    entries: list[dict[str, Any]] = []
    spread = _per_token(text, logprobs)
    if spread is not None:
        for token, piece in spread:
            entries.append(_entry(token, index, piece, None))
        rest = None
    else:
        entries.extend(_entry(piece, index, None, None) for piece in split_text(text))
        rest = logprobs
    entries.append(_entry("", index, rest, choice.get("finish_reason")))
    return entries


def _entry(text: str, index: Any, logprobs: Any, finish: Any) -> dict[str, Any]:
    return {"text": text, "index": index, "logprobs": logprobs, "finish_reason": finish}


def _per_token(text: str, logprobs: Any) -> list[tuple[str, dict[str, Any]]] | None:
    """``(token, its logprobs slice)`` pairs when the logprobs' tokens spell ``text``."""
    if not isinstance(logprobs, dict):
        return None
    lists: list[list[Any]] = [
        values for key in LOGPROB_KEYS if isinstance(values := logprobs.get(key), list)
    ]
    if len(lists) != len(LOGPROB_KEYS):
        return None
    toks = lists[0]
    if (
        not toks
        or not all(isinstance(t, str) for t in toks)
        or "".join(toks) != text
        or any(len(values) != len(toks) for values in lists)
    ):
        return None
    return [
        (token, {key: [values[i]] for key, values in zip(LOGPROB_KEYS, lists, strict=True)})
        for i, token in enumerate(toks)
    ]


def chunks_to_completion(chunks: Sequence[Any]) -> dict[str, Any]:
    """The ``text_completion`` body a recorded chunk stream adds up to.

    Text is concatenated per choice ``index``, and so are the four ``logprobs`` lists
    (``logprobs`` stays ``null`` when no chunk of the choice had any); the last
    non-null ``finish_reason`` wins, and is left out when none came (the stream was
    cut; completing the body says ``stop``). ``usage`` comes from the usage chunk and
    is left out when the stream had none. Items that are not dicts (a stray
    ``[DONE]``) are skipped. Raises ``ValueError`` when no chunk is a dict.
    """
    dicts = [c for c in chunks if isinstance(c, dict)]
    if not dicts:
        raise ValueError(f"no text_completion chunks to reassemble in {chunks!r:.200}")
    header: dict[str, Any] = {}
    usage: Any = None
    states: dict[int, _ChoiceState] = {}
    for chunk in dicts:
        for key in ("id", "created", "model", "system_fingerprint"):
            if chunk.get(key) is not None and key not in header:
                header[key] = chunk[key]
        if isinstance(chunk.get("usage"), dict):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                index = choice.get("index")
                index = index if isinstance(index, int) else 0
                states.setdefault(index, _ChoiceState()).add(choice)
    completion: dict[str, Any] = {
        "id": header.get("id"),
        "object": "text_completion",
        "created": header.get("created"),
        "model": header.get("model"),
    }
    if "system_fingerprint" in header:
        completion["system_fingerprint"] = header["system_fingerprint"]
    completion["choices"] = [states[i].choice(i) for i in sorted(states)]
    if usage is not None:
        completion["usage"] = usage
    return completion


class _ChoiceState:
    """What the chunks of one choice have said so far."""

    def __init__(self) -> None:
        self.text = ""
        self.logprobs: dict[str, list[Any]] | None = None
        self.finish_reason: Any = None

    def add(self, choice: dict[str, Any]) -> None:
        if isinstance(choice.get("text"), str):
            self.text += choice["text"]
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict):
            if self.logprobs is None:
                self.logprobs = {key: [] for key in LOGPROB_KEYS}
            for key in LOGPROB_KEYS:
                values = logprobs.get(key)
                if isinstance(values, list):
                    self.logprobs[key].extend(values)
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]

    def choice(self, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "index": index, "logprobs": self.logprobs}
        if self.finish_reason is not None:
            out["finish_reason"] = self.finish_reason
        return out
