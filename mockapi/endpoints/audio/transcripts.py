"""Transcripts: one transcription body served in every ``response_format`` and as a stream.

:class:`TranscriptShape` is the :class:`~mockapi.endpoints.endpoint.Shape` of
``POST /v1/audio/transcriptions`` and ``/translations``. A body (a fixture's, a
recording's or the synthesizer's) needs only ``text``; what the requested format
shows and the body leaves out is filled in from it:

* ``duration``: the body's, else 2.5 words a second of text;
* ``segments``: one per sentence, timed in proportion to its length (Whisper's fields
  for ``verbose_json``; speakers ``A``, ``B``, ... or ``known_speaker_names[]`` for
  ``diarized_json``); ``words`` likewise, when ``timestamp_granularities[]`` has ``word``;
* ``usage``: by duration for ``whisper-1`` and ``verbose_json``/``diarized_json``, by
  tokens otherwise (audio tokens estimated at 1,000 a minute, text tokens counted with
  the real tokenizer);
* ``logprobs`` when ``include[]`` has ``logprobs``.

``text``, ``srt`` and ``vtt`` are answered as ``text/plain`` (:meth:`TranscriptShape.to_raw`),
and a ``stream: true`` request gets ``transcript.text.delta`` events (and
``transcript.text.segment`` events for ``diarized_json``) then ``transcript.text.done``.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from random import Random
from typing import Any

from mockapi.generate import logprobs as logprob_data
from mockapi.model import JSON, SSEEvent
from mockapi.wire import tokens

WORDS_PER_SECOND = 2.5
AUDIO_TOKENS_PER_SECOND = 1000 / 60
TEXT_TYPE = "text/plain; charset=utf-8"
_LANGUAGES = {
    "en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "ja": "japanese", "zh": "chinese", "ko": "korean",
    "ru": "russian", "pl": "polish", "sv": "swedish", "tr": "turkish", "ar": "arabic",
    "hi": "hindi", "uk": "ukrainian", "cs": "czech", "da": "danish", "fi": "finnish",
}  # fmt: skip
_JSON_KEYS = ("text", "languages", "logprobs", "usage")
_VERBOSE_KEYS = ("task", "language", "duration", "text", "segments", "words", "usage")
_DIARIZED_KEYS = ("task", "duration", "text", "segments", "usage")
RAW_FORMATS = ("text", "srt", "vtt")


def language_name(code: Any) -> str:
    """The language name the API reports (``"en"`` -> ``"english"``); English by default."""
    if not isinstance(code, str) or not code:
        return "english"
    return _LANGUAGES.get(code.lower().split("-")[0], code.lower())


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at ``.``, ``!`` and ``?`` followed by a space)."""
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def estimated_duration(text: str) -> float:
    """How long ``text`` takes to say, at :data:`WORDS_PER_SECOND`."""
    return round(max(len(text.split()), 1) / WORDS_PER_SECOND, 2)


def _spans(parts: Sequence[str], start: float, end: float) -> list[tuple[float, float]]:
    """Consecutive time spans over ``start..end`` in proportion to each part's length."""
    total = sum(max(len(p), 1) for p in parts) or 1
    spans, at = [], start
    for part in parts:
        stop = at + (end - start) * max(len(part), 1) / total
        spans.append((round(at, 2), round(stop, 2)))
        at = stop
    return spans


def segments(text: str, duration: float, *, temperature: float = 0.0) -> list[dict[str, Any]]:
    """Whisper-style ``segments`` for ``text`` spread over ``duration`` seconds."""
    parts = sentences(text)
    out = []
    timed = zip(parts, _spans(parts, 0.0, duration), strict=True)
    for index, (part, (start, end)) in enumerate(timed):
        crc = zlib.crc32(part.encode())
        encoded = part.encode()
        out.append(
            {
                "id": index,
                "seek": int(start // 30) * 3000,
                "start": start,
                "end": end,
                "text": " " + part,
                "tokens": tokens.encode(" " + part),
                "temperature": float(temperature),
                "avg_logprob": -round(0.1 + (crc % 300) / 1000, 4),
                "compression_ratio": round(len(encoded) / max(1, len(zlib.compress(encoded))), 4),
                "no_speech_prob": round((crc % 97) / 10_000, 4),
            }
        )
    return out


def words(timed: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``words`` with timestamps, each within its segment in proportion to its length."""
    out = []
    for segment in timed:
        found = [w.strip(".,!?;:\"'()") for w in str(segment.get("text", "")).split()]
        found = [w for w in found if w]
        start, end = float(segment.get("start", 0.0)), float(segment.get("end", 0.0))
        for word, (a, b) in zip(found, _spans(found, start, end), strict=True):
            out.append({"word": word, "start": a, "end": b})
    return out


def diarized(
    timed: Sequence[Mapping[str, Any]], speakers: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """``diarized_json`` segments: the speakers take turns, one sentence each."""
    names = list(speakers) or ["A", "B"]
    return [
        {
            "type": "transcript.text.segment",
            "id": f"seg_{index + 1:03d}",
            "start": float(segment.get("start", 0.0)),
            "end": float(segment.get("end", 0.0)),
            "text": str(segment.get("text", "")).strip(),
            "speaker": names[index % len(names)],
        }
        for index, segment in enumerate(timed)
    ]


def _stamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def srt(timed: Sequence[Mapping[str, Any]]) -> str:
    """SubRip subtitles of the segments, numbered from 1."""
    blocks = [
        f"{i}\n{_stamp(s['start'], ',')} --> {_stamp(s['end'], ',')}\n{str(s['text']).strip()}\n"
        for i, s in enumerate(timed, start=1)
    ]
    return "\n".join(blocks) + ("\n" if blocks else "")


def vtt(timed: Sequence[Mapping[str, Any]]) -> str:
    """WebVTT subtitles of the segments."""
    blocks = [
        f"{_stamp(s['start'], '.')} --> {_stamp(s['end'], '.')}\n{str(s['text']).strip()}\n"
        for s in timed
    ]
    return "WEBVTT\n\n" + "\n".join(blocks) + ("\n" if blocks else "")


def is_whisper(model: Any) -> bool:
    return isinstance(model, str) and model.startswith("whisper")


def token_usage(text: str, duration: float, prompt: str = "") -> dict[str, Any]:
    """Usage by tokens, as the gpt-4o transcribe models report it."""
    audio = math.ceil(duration * AUDIO_TOKENS_PER_SECOND)
    text_in = tokens.count_text(prompt)
    output = tokens.count_text(text)
    return {
        "type": "tokens",
        "input_tokens": audio + text_in,
        "input_token_details": {"text_tokens": text_in, "audio_tokens": audio},
        "output_tokens": output,
        "total_tokens": audio + text_in + output,
    }


def duration_usage(duration: float) -> dict[str, Any]:
    """Usage by duration (whole seconds, rounded up), as ``whisper-1`` reports it."""
    return {"type": "duration", "seconds": math.ceil(duration)}


def _logprobs(text: str) -> list[dict[str, Any]]:
    rng = Random(zlib.crc32(text.encode()))
    entries = logprob_data.for_text(text, model=None, top=0, rng=rng)
    return [{k: e[k] for k in ("token", "logprob", "bytes")} for e in entries]


def _wants_logprobs(request: Mapping[str, Any]) -> bool:
    include = request.get("include")
    return isinstance(include, list) and "logprobs" in include


class TranscriptShape:
    """The Shape of transcriptions (``task="transcribe"``) and translations (``"translate"``)."""

    def __init__(self, task: str) -> None:
        self.task = task

    def _format(self, request: Mapping[str, Any]) -> str:
        fmt = request.get("response_format")
        return fmt if isinstance(fmt, str) and fmt else "json"

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """``body`` as the requested ``response_format`` shows it (for ``text``, ``srt``
        and ``vtt``: the full transcript, which :meth:`to_raw` then writes out)."""
        if not isinstance(body, dict):
            return body
        fmt = self._format(request)
        full = self._filled(body, request, fmt)
        keys = {"verbose_json": _VERBOSE_KEYS, "diarized_json": _DIARIZED_KEYS}.get(fmt)
        if fmt in RAW_FORMATS:
            return full
        if keys is None:  # json (or a format the SDK does not know: answered as json)
            keys = _JSON_KEYS
        if self.task == "translate":
            keys = tuple(k for k in keys if k not in ("usage", "words", "logprobs"))
        return {k: full[k] for k in keys if k in full}

    def _filled(self, body: dict[str, Any], request: Mapping[str, Any], fmt: str) -> dict[str, Any]:
        full = dict(body)
        text = str(full.get("text", ""))
        full["text"] = text
        duration = full.get("duration")
        if not isinstance(duration, (int, float)) or isinstance(duration, bool):
            duration = estimated_duration(text)
        full["duration"] = duration
        full.setdefault("task", self.task)
        language = "english" if self.task == "translate" else request.get("language")
        full.setdefault("language", language_name(language))
        timed = full.get("segments")
        if not isinstance(timed, list) or not all(isinstance(s, dict) for s in timed):
            timed = segments(text, duration, temperature=_number(request.get("temperature")))
        if fmt == "diarized_json" and not all("speaker" in s for s in timed):
            names = request.get("known_speaker_names")
            timed = diarized(timed, names if isinstance(names, list) else ())
        elif fmt != "diarized_json" and any("speaker" in s for s in timed):
            timed = _undiarized(timed, temperature=_number(request.get("temperature")))
        full["segments"] = timed
        granularities = request.get("timestamp_granularities")
        if fmt == "verbose_json":
            wanted = granularities if isinstance(granularities, list) else ["segment"]
            if "word" in wanted:
                full.setdefault("words", words(timed))
            else:
                full.pop("words", None)
            if "segment" not in wanted:
                full.pop("segments", None)
        if not _usage_fits(full.get("usage"), fmt):
            by_duration = fmt in ("verbose_json", "diarized_json") or is_whisper(
                request.get("model")
            )
            prompt = request.get("prompt")
            full["usage"] = (
                duration_usage(duration)
                if by_duration
                else token_usage(text, duration, prompt if isinstance(prompt, str) else "")
            )
        if fmt == "json" and _wants_logprobs(request):
            full.setdefault("logprobs", _logprobs(text))
        return full

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        """The ``transcript.text.*`` events of a completed body."""
        full = body if isinstance(body, dict) else {"text": str(body)}
        text = str(full.get("text", ""))
        with_logprobs = _wants_logprobs(request)
        events: list[SSEEvent] = []
        timed = full.get("segments") if self._format(request) == "diarized_json" else None
        if isinstance(timed, list) and timed:
            for segment in timed:
                said = str(segment.get("text", ""))
                events += _deltas(said, with_logprobs, segment_id=str(segment.get("id", "")))
                events.append(SSEEvent(data=dict(segment)))
        else:
            events += _deltas(text, with_logprobs)
        duration = full.get("duration")
        seconds = duration if isinstance(duration, (int, float)) else estimated_duration(text)
        usage = full.get("usage")
        prompt = request.get("prompt")
        if not (isinstance(usage, dict) and usage.get("type") == "tokens"):
            usage = token_usage(text, seconds, prompt if isinstance(prompt, str) else "")
        done: dict[str, Any] = {"type": "transcript.text.done", "text": text, "usage": usage}
        if with_logprobs:
            done["logprobs"] = full.get("logprobs") or _logprobs(text)
        return (*events, SSEEvent(data=done))

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        """The body a recorded ``transcript.text.*`` stream stands for."""
        data = [e.data for e in events if isinstance(e.data, dict)]
        done = next((d for d in data if d.get("type") == "transcript.text.done"), None)
        deltas = "".join(
            str(d.get("delta", "")) for d in data if d.get("type") == "transcript.text.delta"
        )
        body: dict[str, Any] = {"text": str(done.get("text", deltas)) if done else deltas}
        for key in ("usage", "logprobs", "languages"):
            if done and key in done:
                body[key] = done[key]
        found = [d for d in data if d.get("type") == "transcript.text.segment"]
        if found:
            body["segments"] = found
        return body

    def to_raw(self, body: JSON, request: Mapping[str, Any]) -> tuple[bytes, str] | None:
        """``text``, ``srt`` and ``vtt`` answers as the plain text the API sends; None
        for the JSON formats."""
        fmt = self._format(request)
        if fmt not in RAW_FORMATS or not isinstance(body, dict):
            return None
        timed = [s for s in body.get("segments") or [] if isinstance(s, dict)]
        if fmt == "srt":
            out = srt(timed)
        elif fmt == "vtt":
            out = vtt(timed)
        else:
            out = str(body.get("text", "")) + "\n"
        return out.encode("utf-8"), TEXT_TYPE


def _deltas(text: str, with_logprobs: bool, *, segment_id: str | None = None) -> list[SSEEvent]:
    pieces = re.findall(r"\s*\S+", text) or [text]
    out = []
    for piece in pieces:
        event: dict[str, Any] = {"type": "transcript.text.delta", "delta": piece}
        if with_logprobs:
            event["logprobs"] = _logprobs(piece)
        if segment_id:
            event["segment_id"] = segment_id
        out.append(SSEEvent(data=event))
    return out


def _undiarized(timed: Sequence[Mapping[str, Any]], *, temperature: float) -> list[dict[str, Any]]:
    """Whisper-style segments with the times and texts of diarized ones."""
    out = []
    for index, segment in enumerate(timed):
        said = str(segment.get("text", "")).strip()
        start, end = float(segment.get("start", 0.0)), float(segment.get("end", 0.0))
        made = segments(said, max(end - start, 0.0), temperature=temperature)[:1]
        for item in made:
            item.update(id=index, seek=int(start // 30) * 3000, start=start, end=end)
            item["text"] = " " + said
            out.append(item)
    return out


def _usage_fits(usage: Any, fmt: str) -> bool:
    if not isinstance(usage, dict):
        return False
    if fmt == "verbose_json":
        return usage.get("type") == "duration"
    return usage.get("type") in ("duration", "tokens")


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
