"""The session objects the Realtime API answers with: what a client secret (or a beta
session, or a call's accept) configures, the request's configuration over the API's
defaults.

Pure: a request's session configuration, an id and an expiry in; the effective session
out. The defaults are those the API reference shows in its examples (``pcm`` audio at
24 kHz, ``server_vad`` turn detection with threshold 0.5, 300 ms prefix padding and
200 ms of silence, voice ``alloy`` at speed 1, ``auto`` tool choice and truncation,
``inf`` output tokens). Where a request names another kind of a typed setting (a
``semantic_vad`` turn detection), the default of the other kind is not mixed into it.

Four shapes: the GA ``realtime`` and ``transcription`` sessions (``POST
/v1/realtime/client_secrets``), the beta sessions with their ``client_secret`` (``POST
/v1/realtime/sessions`` and ``/transcription_sessions``, the legacy flat fields), and the
``translation`` session.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

PCM: dict[str, Any] = {"type": "audio/pcm", "rate": 24000}
SERVER_VAD: dict[str, Any] = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "create_response": True,
    "interrupt_response": True,
}
DEFAULT_MODEL = "gpt-realtime"
DEFAULT_TRANSCRIBE_MODEL = "gpt-4o-transcribe"
DEFAULT_TRANSLATE_MODEL = "gpt-realtime-translate"
"""Assumed: the model a translation session names when the request gives none (the
request schema requires ``model``, so it is only a fallback)."""


def merge(base: Any, given: Any) -> Any:
    """``given`` laid over ``base``: objects key by key, anything else replaced; an
    object whose ``type`` differs from the default's replaces it whole."""
    if not isinstance(base, Mapping) or not isinstance(given, Mapping):
        return copy.deepcopy(given)
    if "type" in given and "type" in base and given["type"] != base["type"]:
        return copy.deepcopy(dict(given))
    out = copy.deepcopy(dict(base))
    for key, value in given.items():
        out[key] = merge(out.get(key), value) if key in out else copy.deepcopy(value)
    return out


def realtime(config: Mapping[str, Any], *, session_id: str, expires_at: int) -> dict[str, Any]:
    """A GA ``realtime`` session (``realtime.session``) for ``config``."""
    defaults: dict[str, Any] = {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": DEFAULT_MODEL,
        "output_modalities": ["audio"],
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "expires_at": expires_at,
        "audio": {
            "input": {"format": PCM, "turn_detection": SERVER_VAD},
            "output": {"format": PCM, "voice": "alloy", "speed": 1.0},
        },
    }
    given = {k: v for k, v in config.items() if k not in ("id", "object", "expires_at")}
    return dict(merge(defaults, given))


def transcription(config: Mapping[str, Any], *, session_id: str, expires_at: int) -> dict[str, Any]:
    """A GA ``transcription`` session (``realtime.transcription_session``) for ``config``."""
    defaults: dict[str, Any] = {
        "type": "transcription",
        "object": "realtime.transcription_session",
        "id": session_id,
        "expires_at": expires_at,
        "audio": {
            "input": {
                "format": PCM,
                "transcription": {"model": DEFAULT_TRANSCRIBE_MODEL},
                "turn_detection": _plain_vad(),
            }
        },
    }
    given = {k: v for k, v in config.items() if k not in ("id", "object", "expires_at")}
    return dict(merge(defaults, given))


def translation(config: Mapping[str, Any], *, session_id: str, expires_at: int) -> dict[str, Any]:
    """A ``translation`` session for ``config`` (its model, input transcription and
    noise reduction, output language)."""
    defaults: dict[str, Any] = {
        "id": session_id,
        "type": "translation",
        "expires_at": expires_at,
        "model": DEFAULT_TRANSLATE_MODEL,
        "audio": {"input": {"transcription": None, "noise_reduction": None}, "output": {}},
    }
    given = {k: v for k, v in config.items() if k in ("model", "audio")}
    return dict(merge(defaults, given))


def beta_realtime(
    config: Mapping[str, Any], *, session_id: str, secret: Mapping[str, Any]
) -> dict[str, Any]:
    """A beta session (``POST /v1/realtime/sessions``): the flat fields of the beta API
    and its ``client_secret``."""
    defaults: dict[str, Any] = {
        "id": session_id,
        "object": "realtime.session",
        "model": DEFAULT_MODEL,
        "modalities": ["audio", "text"],
        "instructions": "",
        "voice": "alloy",
        "input_audio_format": "pcm16",
        "output_audio_format": "pcm16",
        "input_audio_transcription": None,
        "turn_detection": _plain_vad(),
        "tools": [],
        "tool_choice": "auto",
        "temperature": 0.8,
        "max_response_output_tokens": "inf",
        "speed": 1.0,
    }
    given = {k: v for k, v in config.items() if k not in ("id", "object", "client_secret")}
    session = dict(merge(defaults, given))
    return {**session, "client_secret": dict(secret)}


def beta_transcription(
    config: Mapping[str, Any], *, session_id: str, secret: Mapping[str, Any]
) -> dict[str, Any]:
    """A beta transcription session (``POST /v1/realtime/transcription_sessions``)."""
    defaults: dict[str, Any] = {
        "id": session_id,
        "object": "realtime.transcription_session",
        "modalities": ["audio", "text"],
        "input_audio_format": "pcm16",
        "input_audio_transcription": {"model": DEFAULT_TRANSCRIBE_MODEL},
        "turn_detection": _plain_vad(),
    }
    given = {k: v for k, v in config.items() if k not in ("id", "object", "client_secret")}
    session = dict(merge(defaults, given))
    return {**session, "client_secret": dict(secret)}


def _plain_vad() -> dict[str, Any]:
    """Server VAD as a transcription session (and a beta one) shows it: its four fields."""
    keys = ("type", "threshold", "prefix_padding_ms", "silence_duration_ms")
    return {k: SERVER_VAD[k] for k in keys}
