"""Audio: speech, transcriptions, translations, voices and voice consents.

* ``POST /v1/audio/speech`` answers real audio (:mod:`~mockapi.endpoints.audio.codec`:
  a tone per character, ``len(input) / 15 / speed`` seconds, 24 kHz 16-bit mono) in
  every format the API serves (:mod:`~mockapi.endpoints.audio.encode`): ``mp3`` (the
  default; LAME through the ``lameenc`` wheel), ``wav``, ``pcm``, ``flac``, and
  ``opus`` (Ogg Opus) and ``aac`` (ADTS) through PyAV, the ``mockapi[media]`` extra.
  ``stream_format: "sse"`` sends the same bytes base64-encoded in ``speech.audio.delta``
  events, then ``speech.audio.done`` with usage.
* ``POST /v1/audio/transcriptions`` and ``/translations`` check that the upload is
  audio (WAV, FLAC, MP3, Ogg, WebM, MP4/M4A by their magic bytes) and transcribe it
  deterministically: the text the mock itself spoke into it (a WAV or FLAC from
  ``/v1/audio/speech`` carries its text; a WAV of the raw ``pcm`` it sent is found by
  the samples' digest), else prose derived from the file's content and name, about
  2.5 words per second of its duration. :mod:`~mockapi.endpoints.audio.transcripts` lays it
  out in the requested ``response_format`` and streams it.
* Voice consents and voices: :mod:`~mockapi.endpoints.audio.voices`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from random import Random
from typing import Any

from mockapi.endpoints.audio import codec as audio_codec
from mockapi.endpoints.audio import encode as audio_encode
from mockapi.endpoints.audio import voices as audio_voices
from mockapi.endpoints.audio.files import audio_upload
from mockapi.endpoints.audio.transcripts import TranscriptShape
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.generate import text
from mockapi.library.fixture import FixtureResponse
from mockapi.model import FilePart, SSEEvent
from mockapi.wire import tokens

SPOKEN = "audio.spoken"
"""ObjectStore collection: the text of each PCM payload the server spoke, by digest."""

VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
    "verse", "marin", "cedar",
)  # fmt: skip
SSE_CHUNK_BYTES = 24_000
"""Bytes of audio per ``speech.audio.delta`` event (half a second of PCM)."""
_NO_SSE_MODELS = ("tts-1", "tts-1-hd")
_MIN_SECONDS = 0.1


def _quoted(values: tuple[str, ...] | list[str]) -> str:
    shown = [f"'{v}'" for v in values]
    return ", ".join(shown[:-1]) + f", and {shown[-1]}" if len(shown) > 1 else "".join(shown)


# -- speech ----------------------------------------------------------------------------


def speech(ctx: Context) -> FixtureResponse:
    """``POST /v1/audio/speech``: the input spoken as a tone sequence (module docstring)."""
    body = ctx.body
    spoken = str(body.get("input", ""))
    voice = _voice(body.get("voice"))
    model = str(body.get("model", ""))
    fmt = body.get("response_format") or "mp3"
    speed = body.get("speed", 1.0)
    speed = float(speed) if isinstance(speed, (int, float)) and not isinstance(speed, bool) else 1.0
    sse = body.get("stream_format") == "sse"
    if sse and model in _NO_SSE_MODELS:
        raise APIError(
            400,
            f"Unsupported value: 'stream_format' does not support 'sse' with model "
            f"'{model}'. Use 'audio', or a model such as gpt-4o-mini-tts.",
            param="stream_format",
            code="unsupported_value",
        )
    pcm = audio_codec.speech_pcm(spoken, voice=voice, speed=speed)
    audio = audio_encode.speech(pcm, str(fmt), text=spoken)
    ctx.state.put(SPOKEN, audio_codec.pcm_digest(pcm), spoken)
    if sse:
        return FixtureResponse(events=speech_events(audio, spoken, len(pcm) / 2 / 24_000))
    return FixtureResponse(raw=audio, headers={"content-type": audio_encode.MEDIA_TYPES[fmt]})


def speech_events(audio: bytes, spoken: str, seconds: float) -> tuple[SSEEvent, ...]:
    """``speech.audio.delta`` events carrying ``audio`` in order, then ``speech.audio.done``.

    Usage: the input's tokens in, and about 32 audio tokens per second of speech out.
    """
    deltas = [
        SSEEvent(
            data={
                "type": "speech.audio.delta",
                "audio": base64.b64encode(audio[at : at + SSE_CHUNK_BYTES]).decode("ascii"),
            }
        )
        for at in range(0, len(audio), SSE_CHUNK_BYTES)
    ]
    used_in = tokens.count_text(spoken)
    used_out = max(1, round(seconds * 32))
    usage = {"input_tokens": used_in, "output_tokens": used_out, "total_tokens": used_in + used_out}
    return (*deltas, SSEEvent(data={"type": "speech.audio.done", "usage": usage}))


def _voice(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])  # a custom voice (voice_...)
    if isinstance(value, str) and (value in VOICES or value.startswith("voice_")):
        return value
    raise APIError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_quoted(VOICES)}; or a custom "
        'voice as {"id": "voice_..."}.',
        param="voice",
        code="invalid_value",
    )


# -- transcriptions and translations ---------------------------------------------------

_JSON_ONLY = ("json", "text")
_FORMATS_BY_MODEL = {
    "gpt-4o-transcribe-diarize": ("json", "text", "diarized_json"),
    "gpt-4o-transcribe": _JSON_ONLY,
    "gpt-4o-mini-transcribe": _JSON_ONLY,
    "gpt-transcribe": _JSON_ONLY,
    "whisper": ("json", "text", "srt", "verbose_json", "vtt"),
}


def transcribe(ctx: Context) -> FixtureResponse:
    """``POST /v1/audio/transcriptions`` on a miss (the shape lays out the format)."""
    return _transcript(ctx, translate=False)


def translate(ctx: Context) -> FixtureResponse:
    """``POST /v1/audio/translations`` on a miss: the transcript, in English."""
    return _transcript(ctx, translate=True)


def _transcript(ctx: Context, *, translate: bool) -> FixtureResponse:
    upload = audio_upload(ctx, "file")
    info = audio_codec.inspect(upload.data)
    assert info is not None  # audio_upload checked it
    if info.duration < _MIN_SECONDS:
        raise APIError(
            400,
            f"Audio file is too short. Minimum audio length is {_MIN_SECONDS} seconds "
            f"(the upload {upload.filename!r} lasts {info.duration:.3f} s).",
            param="file",
            code="audio_too_short",
        )
    model = str(ctx.body.get("model", ""))
    fmt = str(ctx.body.get("response_format") or "json")
    _check_model(model, fmt, stream=ctx.body.get("stream") is True)
    said = info.text
    if said is None and info.pcm_key is not None:
        said = ctx.state.get(SPOKEN, info.pcm_key)
    if not isinstance(said, str):
        said = invented_transcript(upload, info.duration, seed=ctx.seed)
    return FixtureResponse(body={"text": said, "duration": round(info.duration, 3)})


def _check_model(model: str, fmt: str, *, stream: bool) -> None:
    family = "whisper" if model.startswith("whisper") else model
    if stream and family == "whisper":
        raise APIError(
            400,
            f"Streaming is not supported for model '{model}'. Leave 'stream' unset, or use "
            "gpt-4o-transcribe or gpt-4o-mini-transcribe to stream transcripts.",
            param="stream",
            code="unsupported_value",
        )
    allowed = next(
        (formats for name, formats in _FORMATS_BY_MODEL.items() if family.startswith(name)),
        None,
    )
    if allowed is not None and fmt not in allowed:
        raise APIError(
            400,
            f"response_format '{fmt}' is not compatible with model '{model}'. "
            f"Use {' or '.join(repr(f) for f in allowed)} instead.",
            param="response_format",
            code="unsupported_value",
        )


_GENERIC_NAMES = frozenset({"audio", "speech", "file", "recording", "sample", "upload", "test"})


def invented_transcript(upload: FilePart, duration: float, *, seed: int = 0) -> str:
    """Deterministic prose for an upload mockapi did not speak: sentences about the
    file's name, about :data:`~mockapi.endpoints.audio.transcripts.WORDS_PER_SECOND` words
    a second, the same for the same bytes."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", upload.filename or "")
    topic = " ".join(re.split(r"[\W_]+", stem)).strip()
    if not topic or topic.lower() in _GENERIC_NAMES:
        topic = "this recording"
    digest = hashlib.sha256(upload.data + str(seed).encode()).digest()
    rng = Random(int.from_bytes(digest[:8], "big"))
    wanted = min(2000, max(3, round(duration * 2.5)))
    said: list[str] = []
    while sum(len(s.split()) for s in said) < wanted:
        said.append(text.sentence(topic, rng))
    return " ".join(said)


TRANSCRIPTS = TranscriptShape("transcribe")
TRANSLATIONS = TranscriptShape("translate")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/audio/speech", body=Body.JSON, synthesize=speech),
    Endpoint(
        "POST",
        "/v1/audio/transcriptions",
        body=Body.FORM,
        synthesize=transcribe,
        shape=TRANSCRIPTS,
    ),
    Endpoint(
        "POST", "/v1/audio/translations", body=Body.FORM, synthesize=translate, shape=TRANSLATIONS
    ),
    *audio_voices.ENDPOINTS,
)
