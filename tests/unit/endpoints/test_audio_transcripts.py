"""One transcript body in every response_format, streamed and back (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.audio import transcripts
from mockapi.endpoints.audio.transcripts import TranscriptShape
from mockapi.model import SSEEvent
from tests.helpers import response_problems

TEXT = "Good morning. Expect sunshine this afternoon!"
SHAPE = TranscriptShape("transcribe")
ENDPOINT = "POST /v1/audio/transcriptions"


def _segments() -> list[dict[str, Any]]:
    return transcripts.segments(TEXT, 4.0)


def test_segments_split_sentences_and_cover_the_duration() -> None:
    found = _segments()
    assert [s["text"] for s in found] == [" Good morning.", " Expect sunshine this afternoon!"]
    assert found[0]["start"] == 0.0 and found[-1]["end"] == 4.0
    assert found[0]["end"] == found[1]["start"]
    assert [s["id"] for s in found] == [0, 1]


def test_srt_and_vtt_are_written_as_the_api_writes_them() -> None:
    timed = [
        {"start": 0.0, "end": 1.5, "text": " Good morning."},
        {"start": 1.5, "end": 3661.25, "text": " Later."},
    ]
    assert transcripts.srt(timed) == (
        "1\n00:00:00,000 --> 00:00:01,500\nGood morning.\n\n"
        "2\n00:00:01,500 --> 01:01:01,250\nLater.\n\n"
    )
    assert transcripts.vtt(timed) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nGood morning.\n\n"
        "00:00:01.500 --> 01:01:01.250\nLater.\n\n"
    )


def test_json_for_whisper_is_text_and_usage_by_duration() -> None:
    body = SHAPE.complete({"text": TEXT, "duration": 3.2}, {"model": "whisper-1"})
    assert body == {"text": TEXT, "usage": {"type": "duration", "seconds": 4}}
    assert response_problems(ENDPOINT, body) == []


def test_json_for_gpt_4o_counts_tokens_and_can_carry_logprobs() -> None:
    request = {"model": "gpt-4o-transcribe", "include": ["logprobs"], "prompt": "weather"}
    body = SHAPE.complete({"text": TEXT, "duration": 6.0}, request)
    usage = body["usage"]
    assert usage["type"] == "tokens"
    assert usage["input_token_details"] == {"text_tokens": 1, "audio_tokens": 100}
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert "".join(p["token"] for p in body["logprobs"]) == TEXT
    assert all(p["logprob"] <= 0 for p in body["logprobs"])
    assert response_problems(ENDPOINT, body) == []


def test_verbose_json_has_segments_words_and_language() -> None:
    request = {
        "model": "whisper-1",
        "response_format": "verbose_json",
        "timestamp_granularities": ["word", "segment"],
        "language": "fr",
    }
    body = SHAPE.complete({"text": TEXT, "duration": 4.0}, request)
    assert body["language"] == "french" and body["duration"] == 4.0 and body["task"] == "transcribe"
    assert [w["word"] for w in body["words"]][:2] == ["Good", "morning"]
    assert body["words"][-1]["end"] == 4.0
    assert len(body["segments"]) == 2
    assert response_problems(ENDPOINT, body) == []
    words_only = SHAPE.complete(
        {"text": TEXT}, {**request, "timestamp_granularities": ["word"], "language": None}
    )
    assert "segments" not in words_only and words_only["language"] == "english"
    assert words_only["duration"] == transcripts.estimated_duration(TEXT)


def test_diarized_json_takes_turns_between_known_speakers() -> None:
    request = {
        "model": "gpt-4o-transcribe-diarize",
        "response_format": "diarized_json",
        "known_speaker_names": ["agent", "customer"],
    }
    body = SHAPE.complete({"text": TEXT, "duration": 4.0}, request)
    assert [s["speaker"] for s in body["segments"]] == ["agent", "customer"]
    assert [s["id"] for s in body["segments"]] == ["seg_001", "seg_002"]
    assert response_problems(ENDPOINT, body) == []


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", TEXT + "\n"),
        ("srt", "1\n00:00:00,000 --> 00:00:01,180\nGood morning.\n\n2\n"),
        ("vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.180\nGood morning.\n\n00:00:01.180 --> "),
    ],
)
def test_plain_text_formats_are_raw_text(fmt: str, expected: str) -> None:
    request = {"model": "whisper-1", "response_format": fmt}
    completed = SHAPE.complete({"text": TEXT, "duration": 4.0}, request)
    raw = SHAPE.to_raw(completed, request)
    assert raw is not None
    data, media_type = raw
    assert media_type == "text/plain; charset=utf-8"
    assert data.decode().startswith(expected)
    assert SHAPE.to_raw(completed, {"response_format": "json"}) is None


def test_stream_events_reassemble_to_the_body() -> None:
    request = {"model": "gpt-4o-mini-transcribe", "stream": True}
    body = SHAPE.complete({"text": TEXT}, request)
    events = SHAPE.to_events(body, request)
    kinds = [e.data["type"] for e in events]
    assert kinds[-1] == "transcript.text.done" and set(kinds[:-1]) == {"transcript.text.delta"}
    assert "".join(e.data["delta"] for e in events[:-1]) == TEXT
    assert events[-1].data["usage"] == body["usage"]
    for event in events:
        assert response_problems(ENDPOINT, event.data, role="stream_event") == []
    assert SHAPE.from_events(events, request) == {"text": TEXT, "usage": body["usage"]}


def test_a_diarized_stream_sends_segment_events() -> None:
    request = {"model": "gpt-4o-transcribe-diarize", "response_format": "diarized_json"}
    events = SHAPE.to_events(SHAPE.complete({"text": TEXT}, request), request)
    segments = [e.data for e in events if e.data["type"] == "transcript.text.segment"]
    assert [s["speaker"] for s in segments] == ["A", "B"]
    deltas = [e.data for e in events if e.data["type"] == "transcript.text.delta"]
    assert {d["segment_id"] for d in deltas} == {"seg_001", "seg_002"}
    for event in events:
        assert response_problems(ENDPOINT, event.data, role="stream_event") == []
    back = SHAPE.from_events(events, request)
    assert [s["id"] for s in back["segments"]] == ["seg_001", "seg_002"]


def test_translations_answer_english_without_usage() -> None:
    shape = TranscriptShape("translate")
    request = {"model": "whisper-1", "response_format": "verbose_json", "language": "de"}
    body = shape.complete({"text": TEXT, "duration": 4.0}, request)
    assert body["task"] == "translate" and body["language"] == "english"
    assert "usage" not in body
    assert response_problems("POST /v1/audio/translations", body) == []
    assert shape.complete({"text": TEXT}, {"model": "whisper-1"}) == {"text": TEXT}


def test_a_recorded_stream_without_done_keeps_its_deltas() -> None:
    events = [SSEEvent(data={"type": "transcript.text.delta", "delta": w}) for w in ("Hi", " you")]
    assert SHAPE.from_events(events, {}) == {"text": "Hi you"}
