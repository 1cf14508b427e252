"""Which models fine-tune, with which methods, and the names of the models they yield.

**Fine-tunable bases** (the fine-tuning guide's "which models can be fine-tuned", as of
2025): the snapshots below and their aliases (``gpt-4o-mini`` for
``gpt-4o-mini-2024-07-18``), per method:

* ``supervised``: gpt-4.1, gpt-4.1-mini, gpt-4.1-nano (2025-04-14), gpt-4o (2024-08-06),
  gpt-4o-mini (2024-07-18), gpt-3.5-turbo (0125, 1106, 0613), gpt-4-0613, and the
  legacy completion models babbage-002 and davinci-002;
* ``dpo``: gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-4o, gpt-4o-mini;
* ``reinforcement``: o4-mini (2025-04-16).

A fine-tuned model (``ft:BASE:...``) fine-tunes again like its base, unless this server
deleted it. Any other model (gpt-4.5-preview, o1, text-embedding-3-small, a made-up
name) is the API's 400 ``model_not_available``: "Model X is not available for
fine-tuning or does not exist." A fine-tunable model asked for a method it does not
support is the same 400 naming the method (wording assumed).

**Names.** A job's model is ``ft:BASE:ORG:SUFFIX:ID`` (:func:`model_name`): ``BASE`` the
base model as the request named it (the API writes its dated snapshot; mockapi does
not rewrite aliases, see :mod:`mockapi.endpoints.capabilities`), or the base of a
fine-tuned model being tuned again; ``ORG`` the request's ``OpenAI-Organization``
header or :data:`DEFAULT_ORGANIZATION`; ``SUFFIX`` the request's ``suffix`` (empty
when none: ``ft:gpt-4o-mini:org-mockapi::AbCd1234``); ``ID`` eight letters and digits
fixed by the job's id. A checkpoint before the last gets an ``ID`` of its own and
``:ckpt-step-N`` after it, as the API names them; the last checkpoint is the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from mockapi.endpoints import objects
from mockapi.errors import APIError

DEFAULT_ORGANIZATION = "org-mockapi"
"""The organization of a job whose request names none."""
METHODS = ("supervised", "dpo", "reinforcement")

_GPT41 = ("gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14")
_GPT4O = ("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18")
_LEGACY = ("gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106", "gpt-3.5-turbo-0613", "gpt-4-0613")
COMPLETION_MODELS = ("babbage-002", "davinci-002")
"""Bases trained on ``prompt``/``completion`` pairs instead of chat messages."""
SNAPSHOTS: Mapping[str, tuple[str, ...]] = {
    "supervised": (*_GPT41, *_GPT4O, *_LEGACY, *COMPLETION_MODELS),
    "dpo": (*_GPT41, *_GPT4O),
    "reinforcement": ("o4-mini-2025-04-16",),
}
"""The fine-tunable snapshots of each method."""
ALIASES: Mapping[str, str] = {
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "o4-mini": "o4-mini-2025-04-16",
}
"""Aliases the API takes for a fine-tunable snapshot."""


def base_of(model: str) -> str:
    """The base model of ``model``: itself, or ``BASE`` of ``ft:BASE:...``."""
    if model.startswith("ft:"):
        parts = model.split(":")
        return parts[1] if len(parts) > 1 else ""
    return model


def snapshot(model: str) -> str:
    """The fine-tunable snapshot ``model`` (a base, an alias or a fine-tune) stands for."""
    base = base_of(model)
    return ALIASES.get(base, base)


def check(model: str, method: str) -> None:
    """The API's 400 when ``model`` cannot be fine-tuned with ``method``."""
    name = snapshot(model)
    supported = [m for m in METHODS if name in SNAPSHOTS[m]]
    if not supported:
        raise APIError(
            400,
            f"Model {model} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )
    if method not in supported:
        raise APIError(
            400,
            f"Model {model} is not available for {method} fine-tuning; it supports "
            f"{', '.join(supported)}. Pick a model the method supports (the fine-tuning "
            "guide lists them).",
            param="model",
            code="model_not_available",
        )


def completion_format(model: str) -> bool:
    """Whether ``model`` trains on ``prompt``/``completion`` pairs (babbage, davinci)."""
    return snapshot(model) in COMPLETION_MODELS


def organization(headers: Mapping[str, str]) -> str:
    """The organization a request acts for: its ``OpenAI-Organization`` header, or
    :data:`DEFAULT_ORGANIZATION`."""
    given = headers.get("openai-organization", "").strip()
    return given or DEFAULT_ORGANIZATION


def model_name(base: str, org: str, suffix: str | None, job_id: str, *, step: int = 0) -> str:
    """``ft:BASE:ORG:SUFFIX:ID`` of the job ``job_id`` (its ``ID`` fixed by the job's id);
    with ``step``, the name of the checkpoint taken there (``...:ID:ckpt-step-N``, an
    ``ID`` of its own, as the API gives each checkpoint)."""
    salt = f"{job_id}:checkpoint:{step}" if step else f"{job_id}:model"
    short = objects.base62(hashlib.sha256(salt.encode()).digest(), 8)
    name = f"ft:{base_of(base)}:{org}:{suffix or ''}:{short}"
    return f"{name}:ckpt-step-{step}" if step else name
