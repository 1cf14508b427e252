"""Captured answers that are neither JSON nor SSE: text kept readably, binary as files."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from mockapi.config import RecordMode
from mockapi.errors import NotRecordable
from mockapi.library import store
from mockapi.library.fixture import parse_entry
from mockapi.model import SSEEvent
from mockapi.recording import recorder as recording
from mockapi.recording.capture import Captured, to_entry
from mockapi.recording.stream import finished
from mockapi.recording.upstream import Upstream, UpstreamResponse
from mockapi.replay.request import parse_request

META = {"recorded_at": "2025-01-01T00:00:00Z"}
SECRET = "sk-proj-CAPTURESECRET0123456789abcdef"
AUDIO = b"\xff\xfb\x90\x00" + bytes(range(256))


def captured(content_type: str, body: bytes, *, status: int = 200, **extra: Any) -> Captured:
    headers = {
        "content-type": content_type,
        "x-request-id": "req_1",
        "openai-version": "2020-10-01",
    }
    request = extra.pop("request", {"model": "whisper-1", "response_format": "srt"})
    return Captured("POST", "/v1/audio/x", request, status, headers, content_type, body, **extra)


def test_text_answer_is_stored_readably_with_its_content_type_and_redacted() -> None:
    body = f"1\n00:00:00,000 --> 00:00:02,000\nkey {SECRET}\n\n".encode()
    entry, _ = to_entry(captured("text/plain; charset=utf-8", body), meta=META)
    assert entry["response"] == {
        "status": 200,
        "headers": {"openai-version": "2020-10-01", "content-type": "text/plain; charset=utf-8"},
        "text": "1\n00:00:00,000 --> 00:00:02,000\nkey REDACTED\n\n",
    }
    assert "text: |" in store.dump_yaml(entry).decode()


def test_binary_answer_goes_to_files_named_by_key_and_digest() -> None:
    files: dict[str, bytes] = {}
    entry, key = to_entry(captured("audio/mpeg", AUDIO), meta=META, files=files)
    name = f"{key}.{hashlib.sha256(AUDIO).hexdigest()[:12]}.mp3"
    assert files == {name: AUDIO}
    assert entry["response"]["body_file"] == name
    assert entry["response"]["headers"]["content-type"] == "audio/mpeg"
    files.clear()
    entry, _ = to_entry(captured("image/webp", AUDIO), meta=META, files=files, file_stem="test_x")
    assert list(files) == [entry["response"]["body_file"]]
    assert entry["response"]["body_file"].startswith("test_x.")
    assert entry["response"]["body_file"].endswith(".webp")


def test_text_type_that_does_not_decode_is_binary_and_unknown_types_are_bin() -> None:
    files: dict[str, bytes] = {}
    entry, _ = to_entry(captured("text/plain", AUDIO), meta=META, files=files)
    assert entry["response"]["body_file"].endswith(".bin") and files
    entry, _ = to_entry(captured("application/x-thing", b"\x00"), meta=META, files=files)
    assert entry["response"]["body_file"].endswith(".bin")


def test_without_files_a_binary_answer_is_not_recordable() -> None:
    with pytest.raises(NotRecordable, match=r"binary \(audio/mpeg\); only the recording proxy"):
        to_entry(captured("audio/mpeg", AUDIO), meta=META)


def test_json_answers_still_drop_content_type_and_bad_json_is_refused() -> None:
    entry, _ = to_entry(captured("application/json", b'{"text": "hi"}'), meta=META)
    assert entry["response"] == {
        "status": 200,
        "headers": {"openai-version": "2020-10-01"},
        "body": {"text": "hi"},
    }
    with pytest.raises(NotRecordable, match="neither JSON nor an SSE stream"):
        to_entry(captured("application/json", b"<html>"), meta=META)
    with pytest.raises(NotRecordable, match="no content type"):
        to_entry(captured("", b"<html>"), meta=META)


def test_form_request_is_matched_by_its_fields_and_file_description() -> None:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nkey {SECRET}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + AUDIO
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    request = parse_request("POST", "/v1/audio/transcriptions", headers, body)
    entry, _ = to_entry(captured("text/plain", b"hi\n", request=request.json), meta=META, files={})
    digest = hashlib.sha256(AUDIO).hexdigest()[:16]
    assert entry["match"]["body"] == {
        "model": "whisper-1",
        "prompt": "key REDACTED",
        "file": f"<file a.wav (audio/wav, {len(AUDIO)} bytes, sha256:{digest})>",
    }
    assert entry["match"]["ignore"] == ["prompt"]
    assert AUDIO.decode("latin-1") not in store.dump_yaml(entry).decode("utf-8", "replace")


@pytest.mark.parametrize(
    "last",
    [
        {"type": "transcript.text.done", "text": "hi"},
        {"type": "speech.audio.done", "usage": {}},
        {"type": "image_generation.completed", "b64_json": ""},
        {"type": "image_edit.completed", "b64_json": ""},
        {"type": "response.completed", "response": {}},
    ],
)
def test_streams_that_end_without_done_count_as_finished(last: dict[str, Any]) -> None:
    events = [SSEEvent({"type": "x.delta"}), SSEEvent(last)]
    assert finished(events)
    assert not finished(events[:1])


def test_recorder_writes_the_binary_file_before_the_fixture_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    atomic, create = store.write_atomic, store.create_new

    def write_atomic(path: Path, data: bytes) -> None:
        order.append(path.suffix)
        atomic(path, data)

    def create_new(path: Path, data: bytes) -> bool:
        order.append(path.suffix)
        return create(path, data)

    monkeypatch.setattr(store, "write_atomic", write_atomic)
    monkeypatch.setattr(store, "create_new", create_new)
    saved: list[Any] = []
    recorder = recording.Recorder(
        Upstream("http://127.0.0.1:9"),
        tmp_path,
        mode=RecordMode.NEW_EPISODES,
        on_saved=saved.extend,
    )
    request = parse_request(
        "POST",
        "/v1/audio/speech",
        {"content-type": "application/json"},
        b'{"model": "tts-1", "voice": "alloy", "input": "hi"}',
    )
    answer = UpstreamResponse(200, [("content-type", "audio/mpeg")])
    recorder._save(request, answer, AUDIO, None)
    assert order == [".mp3", ".yaml"]
    [fixture] = saved
    assert fixture.responses[0].raw == AUDIO
    assert fixture.responses[0].headers["content-type"] == "audio/mpeg"
    [path] = store.fixture_files(tmp_path)
    [again] = store.load_file(path)
    assert again.responses[0].raw == AUDIO
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [path.name, fixture.responses[0].body_file]
    )
    # The same answer recorded again shares the file; nothing is rewritten.
    order.clear()
    recorder._save(request, answer, AUDIO, None)
    assert ".mp3" not in order  # (the fixture goes to a new name: key.yaml is taken)
    assert len(list(path.parent.glob("*.mp3"))) == 1
    assert len(store.load_library([tmp_path])) == 2


def test_a_recorded_entry_parses_back_to_the_same_bytes(tmp_path: Path) -> None:
    files: dict[str, bytes] = {}
    entry, _ = to_entry(captured("audio/wav", AUDIO), meta=META, files=files)
    for name, data in files.items():
        store.write_body_file(tmp_path / name, data)
    fixture = parse_entry(entry, "x#0", body_files=store.body_reader(tmp_path / "x.yaml"))
    assert fixture.responses[0].raw == AUDIO


def test_a_cassette_keeps_its_binary_answers_beside_it(tmp_path: Path) -> None:
    recorder = recording.Recorder(
        Upstream("http://127.0.0.1:9"), tmp_path / "lib", mode=RecordMode.NEW_EPISODES
    )
    cassette = tmp_path / "tests" / "cassettes" / "test_speak.yaml"
    recorder.use_cassette(cassette, test="tests/test_x.py::test_speak")
    request = parse_request(
        "POST",
        "/v1/audio/speech",
        {"content-type": "application/json"},
        b'{"model": "tts-1", "voice": "alloy", "input": "hi"}',
    )
    for audio in (AUDIO, AUDIO[::-1]):  # the same request twice: a sequence of two answers
        wav = {"content-type": "audio/wav"}
        answer = UpstreamResponse(200, list(wav.items()))
        recorder._save(request, answer, audio, None)
    names = sorted(p.name for p in cassette.parent.iterdir())
    assert len(names) == 3 and all(n.startswith("test_speak.") for n in names)
    [fixture] = store.load_file(cassette)
    assert [r.raw for r in fixture.responses] == [AUDIO, AUDIO[::-1]]
    assert not (tmp_path / "lib").exists()
