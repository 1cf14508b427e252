"""What a model family can do and how its answers look: the rules synthesis applies.

A small table of model families, derived from the recorded traffic in
``../shared/real-traffic`` and the API reference, used when the server synthesizes an
answer (``--on-miss synthesize``; a fixture that matches always answers as written):

* **Roles.** o1-mini and o1-preview take neither ``system`` nor ``developer``
  messages: the API answers 400 ``unsupported_value`` with ``param:
  "messages[N].role"`` (recorded: pydantic-ai ``test_openai_o1_mini_system_role``).
* **Unknown models.** A model the server does not list gets the API's 404
  ``model_not_found``, but only when the user defined the list with a ``GET
  /v1/models`` fixture of their own: with the built-in list (the bundled
  ``fixtures/models.yaml`` or, without it, the same six models built in), any model
  name is accepted, so that tests which use made-up or brand-new names keep working.
  Defining the list is the opt-in to "the server's model list in force"
  (:func:`check_model`, :func:`mockapi.endpoints.models.list_defined`).
* **Answer shape.** ``system_fingerprint`` is null for gpt-3.5-turbo (recorded:
  gpt-3.5-turbo-0125 chunks, 2025-03); the o-series reasoning models (o1, o3, o4)
  send no ``choices[].logprobs`` key (o3-mini, 2025-06 and 2026-06); the Responses API
  echoes ``prompt_cache_retention: "24h"`` for gpt-5 models (gpt-5.5, 2026-05) and
  null for the others (gpt-4o, 2026-01).

Model names are not rewritten: the API answers an alias with its dated snapshot
(``gpt-4o`` -> ``gpt-4o-2024-08-06``), but which snapshot an alias points to moves over
time (gpt-4o has pointed to three), so a mock that guessed would pin a stale date; the
answer echoes the name the request sent, and a fixture pins a snapshot when a test
needs one.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.errors import APIError, model_not_found

NO_SYSTEM_ROLES = ("o1-mini", "o1-preview")
"""Model families that take no ``system`` or ``developer`` message."""
_NULL_FINGERPRINT = ("gpt-3.5-turbo",)
_NO_CHOICE_LOGPROBS = ("o1", "o3", "o4")
_EXTENDED_CACHE = ("gpt-5",)


def base_name(model: Any) -> str:
    """``model`` lower-cased, without a fine-tune (``ft:``) or provider (``openai/``) prefix."""
    name = str(model or "").strip().lower()
    name = name[3:] if name.startswith("ft:") else name
    return name.rsplit("/", 1)[-1]


def _family(model: Any, families: Sequence[str]) -> bool:
    name = base_name(model)
    return any(name == f or (name.startswith(f) and name[len(f)] in "-.:") for f in families)


def check_roles(request: Mapping[str, Any]) -> None:
    """Raise the API's 400 when a message's role is one ``request``'s model does not take."""
    model = request.get("model")
    if not _family(model, NO_SYSTEM_ROLES):
        return
    messages = request.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else []):
        role = message.get("role") if isinstance(message, dict) else None
        if role in ("system", "developer"):
            raise APIError(
                400,
                f"Unsupported value: 'messages[{index}].role' does not support '{role}' "
                "with this model.",
                param=f"messages[{index}].role",
                code="unsupported_value",
            )


def check_model(model: Any, listed: Sequence[Mapping[str, Any]], *, defined: bool) -> None:
    """Raise the API's 404 ``model_not_found`` for a model the server's list lacks.

    ``defined`` says whether a ``GET /v1/models`` fixture defined the list; without one
    (the built-in list) every name is accepted. A fine-tuned model is known when its
    full id or, for ``ft:BASE:...``, its base model is listed.
    """
    if not defined or not isinstance(model, str) or not model:
        return
    ids = {str(m.get("id")) for m in listed}
    base = model.split(":")[1] if model.startswith("ft:") else None
    if model not in ids and (base is None or base not in ids):
        raise model_not_found(model)


def system_fingerprint(model: Any, default: str) -> str | None:
    """The ``system_fingerprint`` ``model``'s answers carry (null for gpt-3.5-turbo)."""
    return None if _family(model, _NULL_FINGERPRINT) else default


def has_choice_logprobs(model: Any) -> bool:
    """Whether ``model``'s chat choices carry a ``logprobs`` key (o1, o3, o4 do not)."""
    return not _family(model, _NO_CHOICE_LOGPROBS)


def prompt_cache_retention(model: Any) -> str | None:
    """The ``prompt_cache_retention`` a response echoes when the request sets none."""
    return "24h" if _family(model, _EXTENDED_CACHE) else None
