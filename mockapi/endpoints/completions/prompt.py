"""Legacy Completions: the ``prompt`` in its four forms, and the legacy ``logprobs`` object.

``prompt`` is a string, an array of strings (one choice group per prompt), an array of
token ids, or an array of token arrays; :func:`prompts_of` turns each form into
:class:`Prompt` rows (the text ``echo`` shows, and the token ids ``usage`` counts). A
missing or ``null`` prompt is ``<|endoftext|>``, the document separator, one token.

:func:`legacy_logprobs` builds the pre-chat ``logprobs`` shape from the per-token
entries of :mod:`~mockapi.generate.logprobs`: parallel lists ``tokens``,
``token_logprobs``, ``top_logprobs`` (one ``{token: logprob}`` dict per position) and
``text_offset``. As the real API does, offsets count from the start of the prompt even
without ``echo`` (the first generated token of a 19-character prompt is at 19), and
with ``echo`` the prompt's first token has ``null`` for its logprob and its top
logprobs (nothing precedes it to predict it from).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

from mockapi.errors import APIError
from mockapi.generate import logprobs
from mockapi.wire import tokens

ENDOFTEXT = "<|endoftext|>"
_ENDOFTEXT_IDS = {tokens.CL100K: 100257, tokens.O200K: 199999}


@dataclass(frozen=True)
class Prompt:
    """One prompt of a request: what ``echo`` prefixes, and its token ids."""

    text: str
    ids: tuple[int, ...]


def prompts_of(request: Mapping[str, Any]) -> list[Prompt]:
    """The prompts of a ``/v1/completions`` request body, in order.

    Raises the API's 400 for an empty prompt array and for token ids the model's
    tokenizer does not have.
    """
    model = model_of(request)
    prompt = request.get("prompt")
    if prompt is None:
        return [_endoftext(model)]
    if isinstance(prompt, str):
        return [_text(prompt, model)]
    if not isinstance(prompt, list) or not prompt:
        raise APIError(
            400,
            "Invalid 'prompt': an empty array has nothing to complete. Give a string, an "
            "array of strings, an array of token ids or an array of token arrays.",
            param="prompt",
            code="invalid_value",
        )
    if all(_is_token(t) for t in prompt):
        return [_tokens(prompt, model, "prompt")]
    found: list[Prompt] = []
    for position, item in enumerate(prompt):
        if isinstance(item, str):
            found.append(_text(item, model))
        elif isinstance(item, list):
            found.append(_tokens(item, model, f"prompt[{position}]"))
    return found


def model_of(request: Mapping[str, Any]) -> str:
    """The request's model, or gpt-3.5-turbo-instruct (the completion model) when absent."""
    model = request.get("model")
    return model if isinstance(model, str) and model else "gpt-3.5-turbo-instruct"


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(text: str, model: str) -> Prompt:
    return Prompt(text, tuple(tokens.encode(text, model)))


def _endoftext(model: str) -> Prompt:
    return Prompt(ENDOFTEXT, (_ENDOFTEXT_IDS[tokens.encoding_name_for_model(model)],))


def _tokens(ids: Sequence[Any], model: str, where: str) -> Prompt:
    clean = tuple(int(t) for t in ids if _is_token(t))
    try:
        return Prompt(tokens.decode(clean, model), clean)
    except KeyError as exc:  # an id the vocabulary does not have
        bad = next((t for t in clean if not tokens.decodes(t, model)), None)
        raise APIError(
            400,
            f"Invalid token id {bad} in '{where}': {exc.args[0] if exc.args else exc}. "
            f"Send token ids of the {tokens.encoding_name_for_model(model)} encoding "
            f"that {model} uses.",
            param="prompt",
            code="invalid_value",
        ) from None


def legacy_logprobs(
    prompt: Prompt | None,
    completion: str,
    *,
    model: str,
    top: int,
    seed: str,
    offset: int = 0,
) -> dict[str, Any]:
    """The legacy ``logprobs`` object for ``completion`` (and ``prompt``'s tokens, when
    echoed), with ``top`` alternatives per position (at least the chosen token).

    ``offset`` is where ``completion`` starts in the text (the prompt's length when it
    is not echoed). The completion's values do not depend on whether the prompt is
    echoed: each part has its own random stream, seeded from ``seed``.
    """
    shown = max(1, top)
    out: dict[str, list[Any]] = {
        "tokens": [],
        "token_logprobs": [],
        "top_logprobs": [],
        "text_offset": [],
    }
    if prompt is not None:
        entries = logprobs.for_tokens(
            prompt.ids, model=model, top=shown, rng=Random(seed + ":prompt")
        )
        offset = _append(out, entries, model, prompt.ids, offset)
        if out["token_logprobs"]:
            out["token_logprobs"][0] = None
            out["top_logprobs"][0] = None
    ids = tokens.encode(completion, model)
    entries = logprobs.for_tokens(ids, model=model, top=shown, rng=Random(seed + ":completion"))
    _append(out, entries, model, ids, offset)
    return out


def _append(
    out: dict[str, list[Any]],
    entries: list[dict[str, Any]],
    model: str,
    ids: Sequence[int],
    offset: int,
) -> int:
    """Add ``entries`` to ``out`` from character ``offset`` on; returns the offset after."""
    seen = b""
    start = offset
    for entry, piece in zip(entries, tokens.token_bytes(ids, model), strict=True):
        out["tokens"].append(entry["token"])
        out["token_logprobs"].append(entry["logprob"])
        out["top_logprobs"].append({alt["token"]: alt["logprob"] for alt in entry["top_logprobs"]})
        out["text_offset"].append(offset)
        # A token holding part of a character moves the offset only once it completes.
        seen += piece
        offset = start + len(seen.decode("utf-8", errors="ignore"))
    return offset
