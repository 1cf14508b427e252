"""Recording and replaying the rest of the API: uploads (multipart) and binary or text
answers, through a real mockapi server between the official SDK and a fake upstream.

The module records one session of SDK calls (speech, transcriptions in every format,
an image edit, embeddings, moderations, completions and Responses, streamed and not),
stops the recorder and the upstream, and replays the same session in record mode
``none``: the SDK must get the same bytes and the same objects.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import RecordMode
from mockapi.library import store
from mockapi.web.server import ServerThread
from tests import fake_upstream_api as api
from tests.fake_upstream import SECRETS, FakeUpstream
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

PLANTED_KEY = "sk-proj-PLANTEDMEDIAKEY0123456789abcdefXYZ"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4
PNG = api.PNG_1X1
BOUNDARY = "mockapi-test-boundary-7d3f"
RAW_FORM = (
    (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="response_format"\r\n\r\nsrt\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="raw.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    + WAV[::-1]
    + f"\r\n--{BOUNDARY}--\r\n".encode()
)


def session(base_url: str) -> dict[str, Any]:
    """The same calls, recorded or replayed; returns what the SDK and a raw client got."""
    client = strict_client(base_url + "/v1", api_key=PLANTED_KEY)
    # The SDK's stream chunk model wants a finish_reason, which the real API sends as
    # null until the last chunk: that one call goes without strict validation.
    lenient = openai.OpenAI(base_url=base_url + "/v1", api_key=PLANTED_KEY, max_retries=0)
    out: dict[str, Any] = {}
    with client, lenient:
        speech = client.audio.speech.create(
            model="gpt-4o-mini-tts", voice="alloy", input="Hello there", response_format="mp3"
        )
        out["speech"] = (speech.content, speech.response.headers["content-type"])
        upload = ("speech.wav", WAV, "audio/wav")
        for fmt in ("json", "text", "srt", "vtt", "verbose_json"):
            answer = client.audio.transcriptions.create(
                model="whisper-1",
                file=upload,
                response_format=fmt,  # type: ignore[arg-type]
                prompt=f"my key is {PLANTED_KEY}",
            )
            out[f"transcription_{fmt}"] = answer if isinstance(answer, str) else answer.to_dict()
        raw_text = client.audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=upload, response_format="text", language="en"
        )
        out["transcription_raw"] = (
            raw_text.http_response.content,
            raw_text.headers["content-type"],
        )
        edit = client.images.edit(
            image=("cat.png", PNG, "image/png"), prompt="add a hat", model="gpt-image-1"
        )
        out["image_edit"] = edit.to_dict()
        out["embeddings"] = client.embeddings.create(
            model="text-embedding-3-small", input="otters", dimensions=4, encoding_format="float"
        ).to_dict()
        out["moderation"] = client.moderations.create(input="we attack at dawn").to_dict()
        out["completion"] = client.completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=7
        ).to_dict()
        chunks = lenient.completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Stream this", stream=True
        )
        out["completion_stream"] = [c.to_dict() for c in chunks]
        out["response"] = client.responses.create(model="gpt-4o-mini", input="Hi there").to_dict()
        with client.responses.stream(model="gpt-4o-mini", input="Stream it") as stream:
            out["response_stream"] = [event.type for event in stream]
            out["response_final"] = stream.get_final_response().to_dict()
        raw = httpx.post(
            base_url + "/v1/audio/transcriptions",
            content=RAW_FORM,
            headers={
                "authorization": f"Bearer {PLANTED_KEY}",
                "content-type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )
        out["raw_form"] = (raw.status_code, raw.content, raw.headers["content-type"])
    out["async_speech"] = asyncio.run(_async_speech(base_url))
    return out


async def _async_speech(base_url: str) -> bytes:
    async with strict_async_client(base_url + "/v1", api_key=PLANTED_KEY) as client:
        speech = await client.audio.speech.create(
            model="gpt-4o-mini-tts", voice="nova", input="Async", response_format="wav"
        )
        return speech.content


@dataclass
class Run:
    directory: Path
    recorded: dict[str, Any]
    replayed: dict[str, Any]
    sent: list[Any]  # what the upstream received


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    directory = tmp_path_factory.mktemp("recorded")
    with FakeUpstream(event_delay=0.002) as upstream:
        with running_server(
            fixture_dirs=(directory,),
            record_mode=RecordMode.NEW_EPISODES,
            upstream_url=upstream.url,
        ) as server:
            recorded = session(server.url)
            time.sleep(0.2)  # the last recording is written as its stream closes
        sent = upstream.requests
    # Upstream and recorder gone: replay only.
    with running_server(fixture_dirs=(directory,), record_mode=RecordMode.NONE) as server:
        replayed = session(server.url)
    yield Run(directory, recorded, replayed, sent)


def test_replay_gives_the_sdk_what_the_upstream_gave(run: Run) -> None:
    assert run.replayed.keys() == run.recorded.keys()
    for name, value in run.recorded.items():
        if name == "response":
            # The Responses shape completes bodies (fields the SDK wants): what was
            # recorded is all served as it was, whatever it adds.
            served = run.replayed[name]
            assert {k: served.get(k) for k in value} == value
            continue
        assert run.replayed[name] == value, name
    audio, kind = api.speech(
        {
            "model": "gpt-4o-mini-tts",
            "voice": "alloy",
            "input": "Hello there",
            "response_format": "mp3",
        }
    )
    assert run.replayed["speech"] == (audio, kind) == (audio, "audio/mpeg")
    assert run.replayed["async_speech"][:4] == b"\xff\xfb\x90\x00"


def test_text_answers_replay_byte_for_byte_with_their_content_type(run: Run) -> None:
    heard = api.transcript_text(api.FilePart("file", "speech.wav", "audio/wav", WAV))
    assert run.replayed["transcription_text"] == heard + "\n"
    assert run.replayed["transcription_srt"].startswith("1\n00:00:00,000 --> 00:00:02,000\n")
    assert run.replayed["transcription_vtt"].startswith("WEBVTT\n\n")
    assert run.replayed["transcription_raw"] == (
        (heard + "\n").encode(),
        "text/plain; charset=utf-8",
    )
    assert run.replayed["transcription_json"]["text"] == heard
    assert run.replayed["transcription_verbose_json"]["segments"][0]["text"] == " " + heard


def test_served_json_bodies_fit_the_response_schemas(run: Run) -> None:
    replayed = run.replayed
    assert response_problems("POST /v1/audio/transcriptions", replayed["transcription_json"]) == []
    assert response_problems("POST /v1/images/edits", replayed["image_edit"]) == []
    assert response_problems("POST /v1/embeddings", replayed["embeddings"]) == []
    assert response_problems("POST /v1/moderations", replayed["moderation"]) == []
    assert response_problems("POST /v1/completions", replayed["completion"]) == []
    assert replayed["moderation"]["results"][0]["flagged"] is True
    text = "".join(c["choices"][0]["text"] for c in replayed["completion_stream"])
    assert text == " This is a test of: Stream this"
    assert replayed["response_stream"][-1] == "response.completed"
    assert replayed["response_final"]["output"][0]["content"][0]["text"] == "Echo: Stream it"


def test_uploads_are_proxied_byte_for_byte(run: Run) -> None:
    [raw] = [r for r in run.sent if r.body == RAW_FORM]
    assert raw.headers["content-type"] == f"multipart/form-data; boundary={BOUNDARY}"
    assert run.recorded["raw_form"][0] == run.replayed["raw_form"][0] == 200
    sdk_forms = [r for r in run.sent if r.path == "/v1/audio/transcriptions" and r is not raw]
    assert all(WAV in r.body for r in sdk_forms) and len(sdk_forms) == 6
    [edit] = [r for r in run.sent if r.path == "/v1/images/edits"]
    assert PNG in edit.body


def test_files_on_disk_are_readable_binary_beside_and_secret_free(run: Run) -> None:
    everything = [p for p in run.directory.rglob("*") if p.is_file()]
    assert not [p for p in everything if p.name.endswith(".tmp") or p.name.startswith(".")]
    blob = b"\n".join(p.read_bytes() for p in everything)
    for secret in ("PLANTEDMEDIAKEY", *SECRETS):
        assert secret.encode() not in blob, f"{secret} reached {run.directory}"
    # Speech: the audio in a file beside its fixture, named by the fixture's key and
    # the audio's digest; the fixture names it and keeps its content type.
    folder = run.directory / "audio_speech"
    fixtures = {p: store.read_yaml(p)["fixtures"][0]["response"] for p in folder.glob("*.yaml")}
    [(path, mp3)] = [(p, r) for p, r in fixtures.items() if r["body_file"].endswith(".mp3")]
    audio = run.recorded["speech"][0]
    assert mp3["body_file"] == f"{path.stem}.{hashlib.sha256(audio).hexdigest()[:12]}.mp3"
    assert mp3["headers"]["content-type"] == "audio/mpeg"
    assert (folder / mp3["body_file"]).read_bytes() == audio
    assert sorted(p.suffix for p in folder.iterdir()) == [".mp3", ".wav", ".yaml", ".yaml"]
    assert b"\xff\xfb" not in b"".join(p.read_bytes() for p in fixtures)
    # Transcripts: stored as readable text blocks; the form's file as its description.
    texts = [store.read_yaml(p) for p in (run.directory / "audio_transcriptions").glob("*.yaml")]
    answers = [d["fixtures"][0] for d in texts]
    srt = next(
        e
        for e in answers
        if e["match"]["body"]["response_format"] == "srt" and "prompt" in e["match"]["body"]
    )
    assert srt["response"]["text"] == run.recorded["transcription_srt"]
    assert srt["response"]["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert srt["match"]["body"]["file"].startswith("<file speech.wav (audio/wav, ")
    assert srt["match"]["body"]["prompt"] == "my key is REDACTED"
    assert srt["match"]["ignore"] == ["prompt"]
    raw_text = "\n".join(
        p.read_text() for p in (run.directory / "audio_transcriptions").glob("*.yaml")
    )
    assert "text: |" in raw_text and "00:00:00,000 --> 00:00:02,000" in raw_text
    assert "RIFF" not in raw_text


def test_validate_accepts_the_recordings(run: Run) -> None:
    from mockapi.lint import lint_paths

    report = lint_paths([run.directory], None)
    assert report.ok, [str(p) for p in report.problems]
    assert report.fixtures == len(run.sent)


def test_a_different_upload_does_not_match_a_recording(run: Run) -> None:
    with running_server(fixture_dirs=(run.directory,)) as server:
        client = strict_client(server.url + "/v1")
        with client, pytest.raises(openai.NotFoundError) as caught:
            client.audio.transcriptions.create(
                model="whisper-1", file=("speech.wav", WAV + b"!", "audio/wav")
            )
    assert "sha256:" in str(caught.value)


def test_speech_is_relayed_chunk_by_chunk_while_recording(tmp_path: Path) -> None:
    with FakeUpstream(event_delay=0.12) as upstream:
        with running_server(
            fixture_dirs=(tmp_path,), record_mode=RecordMode.NEW_EPISODES, upstream_url=upstream.url
        ) as server:
            first_at = _first_chunk_at(server)
            time.sleep(0.1)
        sent = upstream.last_request
    assert sent.events_sent == 6 and sent.last_event_sent_at is not None
    assert first_at < sent.last_event_sent_at, "the first chunk arrived before the last was sent"
    [fixture_file] = store.fixture_files(tmp_path)
    [audio] = list(fixture_file.parent.glob("*.mp3"))
    assert audio.read_bytes() == api.speech(_SPEECH)[0]


_SPEECH = {"model": "tts-1", "voice": "alloy", "input": "slowly", "response_format": "mp3"}


def _first_chunk_at(server: ServerThread) -> float:
    headers = {"authorization": "Bearer sk-x"}
    url = server.url + "/v1/audio/speech"
    with httpx.stream("POST", url, json=_SPEECH, headers=headers, timeout=30) as response:
        assert response.headers["content-type"] == "audio/mpeg"
        chunks = response.iter_raw()
        next(chunks)
        first_at = time.monotonic()
        received = b"".join(chunks)
    assert len(received) > 0
    return first_at


def test_recording_json_bodies_still_look_as_before(run: Run) -> None:
    [path] = list((run.directory / "moderations").glob("*.yaml"))
    entry = store.read_yaml(path)["fixtures"][0]
    assert "content-type" not in entry["response"].get("headers", {})
    assert entry["response"]["body"]["results"][0]["categories"]["violence"] is True
    assert json.loads(json.dumps(entry["match"]["body"])) == {"input": "we attack at dawn"}
