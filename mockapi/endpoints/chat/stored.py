"""Stored chat completions as the API keeps them: the pure part of ``store: true``.

A ``store: true`` request is kept as the ``chat.completion`` it was answered with plus
the request parameters the API echoes back on retrieval (``metadata``, ``seed``,
``temperature``, ``tools``, ...; see the reference's "Get chat completion" example),
and its request messages, listed by ``GET /v1/chat/completions/{id}/messages`` with ids
``{completion_id}-{index}``. This module builds those objects, filters the list and
checks ``metadata`` values; :mod:`mockapi.endpoints.chat.routes` keeps them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.errors import APIError

MAX_METADATA_KEYS = 16
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 512
_METADATA_QUERY = re.compile(r"^metadata\[(?P<key>[^\]]*)\]$")
_PART_TYPES = ("text", "image_url")
"""The content parts a stored message keeps (the spec's ``content_parts`` union)."""


def stored_completion(
    completion: Mapping[str, Any], request: Mapping[str, Any], *, request_id: str | None
) -> dict[str, Any]:
    """The stored form of ``completion``, answered to ``request`` (its decoded body).

    Besides the completion's own fields it carries what retrieval shows of the request,
    with the defaults the API reports for parameters the request left out.
    """
    completion_id = str(completion.get("id", ""))
    out: dict[str, Any] = {
        "object": "chat.completion",
        "id": completion_id,
        "model": completion.get("model"),
        "created": completion.get("created"),
        "request_id": request_id,
        "tool_choice": request.get("tool_choice"),
        "usage": completion.get("usage"),
        "seed": request.get("seed", _default_seed(completion_id)),
        "top_p": request.get("top_p", 1.0),
        "temperature": request.get("temperature", 1.0),
        "presence_penalty": request.get("presence_penalty", 0.0),
        "frequency_penalty": request.get("frequency_penalty", 0.0),
        "system_fingerprint": completion.get("system_fingerprint"),
        "input_user": request.get("user"),
        "service_tier": completion.get("service_tier", "default"),
        "tools": request.get("tools"),
        "metadata": dict(request.get("metadata") or {}),
        "choices": completion.get("choices", []),
        "response_format": request.get("response_format"),
    }
    # Anything else the completion had (a recording's extra fields) is kept as well.
    for key, value in completion.items():
        out.setdefault(key, value)
    return out


def _default_seed(completion_id: str) -> int:
    """The seed the API reports when the request set none: any 63-bit integer; one
    derived from the id keeps the stored object the same on every retrieval."""
    return int(hashlib.sha256(completion_id.encode()).hexdigest()[:15], 16)


def store_messages(completion_id: str, messages: Iterable[Any]) -> list[dict[str, Any]]:
    """The request ``messages`` as ``messages.list`` items: ``id`` ``{completion_id}-{i}``,
    ``role``, ``content`` (the text), ``name`` and ``content_parts`` (the text and image
    parts when the content was an array, else null), plus a message's tool fields."""
    out: list[dict[str, Any]] = []
    for index, message in enumerate(m for m in messages if isinstance(m, dict)):
        content = message.get("content")
        parts: list[Any] | None = None
        text: str | None = content if isinstance(content, str) else None
        if isinstance(content, list):
            parts = [p for p in content if isinstance(p, dict) and p.get("type") in _PART_TYPES]
            texts = [str(p.get("text", "")) for p in parts if p.get("type") == "text"]
            text = "\n".join(texts) if texts else None
        item: dict[str, Any] = {
            "id": f"{completion_id}-{index}",
            "role": message.get("role"),
            "content": text,
            "name": message.get("name"),
            "content_parts": parts,
        }
        for key in ("tool_calls", "tool_call_id", "refusal", "audio", "function_call"):
            if key in message:
                item[key] = message[key]
        out.append(item)
    return out


def metadata_filter(query: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The ``metadata[key]=value`` pairs of a list request's query."""
    found: dict[str, str] = {}
    for name, value in query:
        match = _METADATA_QUERY.match(name)
        if match:
            found[match.group("key")] = value
    return found


def selected(
    records: Iterable[Mapping[str, Any]],
    *,
    metadata: Mapping[str, str],
    model: str | None,
) -> list[dict[str, Any]]:
    """The stored completions (of ``records``, as :func:`record` makes them) whose
    metadata has every pair of ``metadata`` and, when ``model`` is given, whose model
    is it (the name the request gave, or the dated one the answer named)."""
    out: list[dict[str, Any]] = []
    for held in records:
        completion = dict(held["completion"])
        kept = completion.get("metadata") or {}
        if any(kept.get(key) != value for key, value in metadata.items()):
            continue
        if model and model not in (completion.get("model"), held.get("model")):
            continue
        out.append(completion)
    return out


def record(
    completion: Mapping[str, Any], request: Mapping[str, Any], *, request_id: str | None
) -> dict[str, Any]:
    """What the server keeps for one stored completion: the stored object, its request
    messages (as :func:`store_messages` lists them) and the model the request named."""
    stored = stored_completion(completion, request, request_id=request_id)
    return {
        "completion": stored,
        "messages": store_messages(stored["id"], request.get("messages") or []),
        "model": request.get("model"),
    }


def check_metadata(metadata: Any) -> dict[str, str]:
    """``metadata`` as a dict, or the 400 the API answers for it (at most 16 keys, keys
    of at most 64 characters, string values of at most 512; ``null`` clears it)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise APIError(
            400,
            f"Invalid type for 'metadata': expected an object, but got {type(metadata).__name__} "
            "instead.",
            param="metadata",
            code="invalid_type",
        )
    if len(metadata) > MAX_METADATA_KEYS:
        raise APIError(
            400,
            f"Invalid 'metadata': too many properties. Expected an object with at most "
            f"{MAX_METADATA_KEYS} properties, but got an object with {len(metadata)} "
            "properties instead.",
            param="metadata",
            code="object_above_max_properties",
        )
    for key, value in metadata.items():
        if len(key) > MAX_KEY_LENGTH:
            raise APIError(
                400,
                f"Invalid 'metadata': key too long. Expected a key with maximum length "
                f"{MAX_KEY_LENGTH}, but got a key with length {len(key)} instead "
                f"({key[:20]!r}...).",
                param="metadata",
                code="string_above_max_length",
            )
        if not isinstance(value, str):
            raise APIError(
                400,
                f"Invalid type for 'metadata.{key}': expected a string, but got "
                f"{type(value).__name__} instead.",
                param=f"metadata.{key}",
                code="invalid_type",
            )
        if len(value) > MAX_VALUE_LENGTH:
            raise APIError(
                400,
                f"Invalid 'metadata.{key}': string too long. Expected a string with maximum "
                f"length {MAX_VALUE_LENGTH}, but got a string with length {len(value)} instead.",
                param=f"metadata.{key}",
                code="string_above_max_length",
            )
    return dict(metadata)


def not_found(completion_id: str) -> APIError:
    """The 404 for a completion the server does not hold (never stored, or deleted)."""
    return APIError(
        404,
        f"No chat completion found with id '{completion_id}'. (mockapi: only completions "
        "created with store: true since the server's last reset are kept.)",
        param="completion_id",
    )


def deleted(completion_id: str) -> dict[str, Any]:
    """The body of ``DELETE /v1/chat/completions/{completion_id}``."""
    return {"object": "chat.completion.deleted", "id": completion_id, "deleted": True}
