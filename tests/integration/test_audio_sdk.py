"""The official SDK's ``client.audio`` against a real server, strict response validation on.

Speech is checked as real audio (the stdlib ``wave`` module, a FLAC header, PCM sizes),
transcriptions in every format, synthesized and from the bundled fixture
``fixtures/audio/transcription.yaml``, streamed (sync and async), translations, voice
consents and voices, and the API's errors.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.endpoints.audio import codec as audio_codec
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

SAID = "The quick brown fox jumps over the lazy dog. It was not amused!"
TRANSCRIBE = "POST /v1/audio/transcriptions"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(scope="module")
def strict_server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1") as sdk:
        yield sdk


@pytest.fixture(scope="module")
def spoken(server: ServerThread) -> bytes:
    """The mock's own speech of :data:`SAID`, as WAV."""
    with strict_client(server.url + "/v1") as sdk:
        made = sdk.audio.speech.create(
            model="gpt-4o-mini-tts", voice="alloy", input=SAID, response_format="wav"
        )
    return made.content


def _raw(server: ServerThread) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"authorization": "Bearer sk-test"}, timeout=10
    )


# -- speech ----------------------------------------------------------------------------


def test_speech_wav_is_real_audio_whose_length_follows_the_text(spoken: bytes) -> None:
    with wave.open(io.BytesIO(spoken)) as read:
        assert (read.getframerate(), read.getnchannels(), read.getsampwidth()) == (24_000, 1, 2)
        assert read.getnframes() / 24_000 == pytest.approx(len(SAID) / 15)


def test_speech_pcm_and_flac_with_speed(client: openai.OpenAI) -> None:
    pcm = client.audio.speech.create(
        model="tts-1", voice="nova", input=SAID, response_format="pcm", speed=2.0
    )
    assert pcm.response.headers["content-type"] == "audio/pcm"
    seconds = len(SAID) / 15 / 2.0
    assert len(pcm.content) == pytest.approx(seconds * 24_000 * 2, abs=len(SAID) * 2)
    flac = client.audio.speech.create(
        model="tts-1-hd", voice="nova", input=SAID, response_format="flac", speed=2.0
    )
    assert flac.response.headers["content-type"] == "audio/flac"
    assert flac.content[:4] == b"fLaC"
    info = audio_codec.inspect(flac.content)
    assert info is not None and info.duration == pytest.approx(len(pcm.content) / 2 / 24_000)


def test_speech_with_streaming_response_writes_a_file(
    client: openai.OpenAI, spoken: bytes, tmp_path: Path
) -> None:
    target = tmp_path / "speech.wav"
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input=SAID, response_format="wav"
    ) as response:
        assert response.headers["content-type"] == "audio/wav"
        response.stream_to_file(target)
    assert target.read_bytes() == spoken  # deterministic: the same input, the same audio


def test_speech_async(server: ServerThread) -> None:
    async def speak() -> bytes:
        async with strict_async_client(server.url + "/v1") as sdk:
            made = await sdk.audio.speech.create(
                model="gpt-4o-mini-tts", voice="coral", input="Hi", response_format="wav"
            )
            return made.content

    with wave.open(io.BytesIO(asyncio.run(speak()))) as read:
        assert read.getnframes() == 2 * 1600


def test_speech_sse_carries_the_audio_then_usage(server: ServerThread, spoken: bytes) -> None:
    body = {
        "model": "gpt-4o-mini-tts",
        "voice": "alloy",
        "input": SAID,
        "response_format": "wav",
        "stream_format": "sse",
    }
    with _raw(server) as http:
        answer = http.post("/v1/audio/speech", json=body)
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = [
        json.loads(line[len("data: ") :])
        for line in answer.text.splitlines()
        if line.startswith("data: ")
    ]
    for event in events:
        assert response_problems("POST /v1/audio/speech", event, role="stream_event") == []
    assert [e["type"] for e in events[-2:]] == ["speech.audio.delta", "speech.audio.done"]
    audio = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert audio == spoken
    usage = events[-1]["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0


def test_speech_defaults_to_mp3_that_transcribes_back(client: openai.OpenAI) -> None:
    spoken = "The quick brown fox jumps over the lazy dog."
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input=spoken).content
    # An MP3: the ID3 tag, then MPEG audio frames (sync word 0xFFE).
    assert audio[:3] == b"ID3"
    tag_end = 10 + (audio[6] << 21 | audio[7] << 14 | audio[8] << 7 | audio[9])
    assert audio[tag_end] == 0xFF and audio[tag_end + 1] & 0xE0 == 0xE0
    # 64 kbit/s CBR for the speech's length (15 characters a second), within one frame.
    seconds = len(spoken) / 15
    assert abs((len(audio) - tag_end) * 8 / 64_000 - seconds) < 0.2
    back = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.mp3", audio, "audio/mpeg")
    )
    assert back.text == spoken


def test_speech_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as voice:
        client.audio.speech.create(
            model="tts-1",
            voice="nobody",
            input="Hi",
            response_format="wav",
        )
    assert voice.value.param == "voice" and voice.value.code == "invalid_value"
    assert "Invalid value: 'nobody'" in voice.value.message
    with pytest.raises(openai.BadRequestError) as sse:
        client.audio.speech.create(
            model="tts-1", voice="alloy", input="Hi", response_format="wav", stream_format="sse"
        )
    assert sse.value.param == "stream_format"
    for bad in ({"speed": 5.0}, {"input": "x" * 4097}):
        with pytest.raises(openai.BadRequestError):
            client.audio.speech.create(
                **{"model": "tts-1", "voice": "alloy", "input": "Hi", **bad},  # type: ignore[arg-type]
                response_format="wav",
            )


# -- transcriptions and translations ---------------------------------------------------


def test_transcribing_the_mocks_speech_gives_back_the_text(
    client: openai.OpenAI, spoken: bytes
) -> None:
    upload = ("speech.wav", spoken, "audio/wav")
    answer = client.audio.transcriptions.with_raw_response.create(model="whisper-1", file=upload)
    body = answer.http_response.json()
    assert body == {"text": SAID, "usage": {"type": "duration", "seconds": 5}}
    assert response_problems(TRANSCRIBE, body) == []
    assert answer.parse().text == SAID


def test_every_plain_text_format_is_a_str(client: openai.OpenAI, spoken: bytes) -> None:
    upload = ("speech.wav", spoken, "audio/wav")
    text = client.audio.transcriptions.create(
        model="whisper-1", file=upload, response_format="text"
    )
    assert text == SAID + "\n"
    srt = client.audio.transcriptions.create(model="whisper-1", file=upload, response_format="srt")
    assert srt.startswith("1\n00:00:00,000 --> 00:00:")
    assert "\n\n2\n" in srt and "It was not amused!" in srt
    vtt = client.audio.transcriptions.create(model="whisper-1", file=upload, response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper-1", file=upload, response_format="srt"
    )
    assert raw.headers["content-type"] == "text/plain; charset=utf-8"


def test_verbose_json_times_words_by_the_wav_header(client: openai.OpenAI, spoken: bytes) -> None:
    answer = client.audio.transcriptions.with_raw_response.create(
        model="whisper-1",
        file=("speech.wav", spoken, "audio/wav"),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        language="en",
    )
    body = answer.http_response.json()
    assert response_problems(TRANSCRIBE, body) == []
    verbose = answer.parse()
    assert verbose.duration == pytest.approx(len(SAID) / 15, abs=0.001)
    assert verbose.language == "english" and verbose.text == SAID
    assert verbose.segments is not None and len(verbose.segments) == 2
    assert verbose.segments[-1].end == pytest.approx(verbose.duration, abs=0.01)
    assert verbose.words is not None and verbose.words[0].word == "The"
    assert verbose.usage is not None and verbose.usage.seconds == 5


def test_diarized_json(client: openai.OpenAI, spoken: bytes) -> None:
    answer = client.audio.transcriptions.with_raw_response.create(
        model="gpt-4o-transcribe-diarize",
        file=("speech.wav", spoken, "audio/wav"),
        response_format="diarized_json",
        chunking_strategy="auto",
    )
    assert response_problems(TRANSCRIBE, answer.http_response.json()) == []
    diarized = answer.parse()
    assert [s.speaker for s in diarized.segments] == ["A", "B"]
    assert diarized.segments[1].text == "It was not amused!"


def test_a_raw_pcm_wrapped_in_a_wav_is_still_recognised(
    client: openai.OpenAI, server: ServerThread
) -> None:
    pcm = client.audio.speech.create(
        model="tts-1", voice="echo", input="Wrapped by hand.", response_format="pcm"
    ).content
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(24_000)
        out.writeframes(pcm)
    upload = ("mine.wav", buffer.getvalue(), "audio/wav")
    assert client.audio.transcriptions.create(model="whisper-1", file=upload).text == (
        "Wrapped by hand."
    )


def test_other_audio_gets_deterministic_prose(client: openai.OpenAI) -> None:
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00" + bytes(160_000)  # 10 s
    upload = ("team meeting.mp3", mp3, "audio/mpeg")
    one = client.audio.transcriptions.create(model="gpt-4o-transcribe", file=upload)
    two = client.audio.transcriptions.create(model="gpt-4o-transcribe", file=upload)
    assert one.text == two.text and "team meeting" in one.text
    assert 20 <= len(one.text.split()) <= 40  # about 2.5 words a second
    assert one.usage is not None and one.usage.type == "tokens"


def test_streamed_transcription(client: openai.OpenAI, spoken: bytes) -> None:
    stream = client.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("speech.wav", spoken, "audio/wav"), stream=True
    )
    events = list(stream)
    for event in events:
        problems = response_problems(TRANSCRIBE, event.to_dict(), role="stream_event")
        assert problems == []
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    done = events[-1]
    assert done.type == "transcript.text.done"
    assert "".join(deltas) == done.text == SAID
    assert done.usage is not None and done.usage.output_tokens > 0


def test_streamed_transcription_async(server: ServerThread, spoken: bytes) -> None:
    async def transcribe() -> list[str]:
        async with strict_async_client(server.url + "/v1") as sdk:
            stream = await sdk.audio.transcriptions.create(
                model="gpt-4o-transcribe",
                file=("speech.wav", spoken, "audio/wav"),
                stream=True,
                include=["logprobs"],
            )
            return [event.type async for event in stream]

    kinds = asyncio.run(transcribe())
    assert kinds[-1] == "transcript.text.done" and kinds.count("transcript.text.delta") == 13


def test_transcription_errors(client: openai.OpenAI, spoken: bytes) -> None:
    upload = ("speech.wav", spoken, "audio/wav")
    with pytest.raises(openai.BadRequestError) as bad_file:
        client.audio.transcriptions.create(
            model="whisper-1", file=("notes.txt", b"just some text", "text/plain")
        )
    assert bad_file.value.body == {
        "message": "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', "
        "'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.BadRequestError) as streamed:
        client.audio.transcriptions.create(model="whisper-1", file=upload, stream=True)
    assert streamed.value.param == "stream"
    with pytest.raises(openai.BadRequestError) as fmt:
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=upload, response_format="srt"
        )
    assert "response_format 'srt' is not compatible with model 'gpt-4o-transcribe'" in (
        fmt.value.message
    )
    short = audio_codec.wav(bytes(2 * 1200))  # 0.05 s
    with pytest.raises(openai.BadRequestError) as too_short:
        client.audio.transcriptions.create(model="whisper-1", file=("s.wav", short, "audio/wav"))
    assert too_short.value.code == "audio_too_short"


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")  # the SDK's, for whisper-1
def test_translations(client: openai.OpenAI, spoken: bytes) -> None:
    upload = ("speech.wav", spoken, "audio/wav")
    assert client.audio.translations.create(model="whisper-1", file=upload).text == SAID
    raw = client.audio.translations.with_raw_response.create(
        model="whisper-1", file=upload, response_format="verbose_json"
    )
    body = raw.http_response.json()
    assert response_problems("POST /v1/audio/translations", body) == []
    assert body["language"] == "english" and body["task"] == "translate"
    srt = client.audio.translations.create(model="whisper-1", file=upload, response_format="srt")
    assert isinstance(srt, str) and srt.startswith("1\n")
    with pytest.raises(openai.BadRequestError):
        client.audio.translations.create(model="whisper-1", file=("a.txt", b"text", "text/plain"))


# -- from the bundled fixture ----------------------------------------------------------

FIXTURE_TEXT = "Good morning. Expect sunshine with a light breeze this afternoon."


@pytest.mark.parametrize("server_name", ["server", "strict_server"])
def test_the_fixture_serves_every_format(
    server_name: str, request: pytest.FixtureRequest, spoken: bytes
) -> None:
    served: ServerThread = request.getfixturevalue(server_name)
    upload = ("any.wav", spoken, "audio/wav")
    ask = {"model": "whisper-1", "file": upload, "prompt": "weather report"}
    with strict_client(served.url + "/v1") as sdk:
        plain = sdk.audio.transcriptions.with_raw_response.create(**ask)  # type: ignore[arg-type]
        assert plain.http_response.json() == {
            "text": FIXTURE_TEXT,
            "usage": {"type": "duration", "seconds": 5},
        }
        text = sdk.audio.transcriptions.create(**ask, response_format="text")  # type: ignore[arg-type]
        assert text == FIXTURE_TEXT + "\n"
        srt = sdk.audio.transcriptions.create(**ask, response_format="srt")  # type: ignore[arg-type]
        assert srt.startswith("1\n00:00:00,000 --> 00:00:01,100\nGood morning.\n\n2\n")
        vtt = sdk.audio.transcriptions.create(**ask, response_format="vtt")  # type: ignore[arg-type]
        assert "00:00:01.100 --> 00:00:04.200\nExpect sunshine" in vtt
        verbose = sdk.audio.transcriptions.with_raw_response.create(
            **ask,  # type: ignore[arg-type]
            response_format="verbose_json",
            timestamp_granularities=["word"],
        )
        body = verbose.http_response.json()
        assert response_problems(TRANSCRIBE, body) == []
        assert body["duration"] == 4.2 and body["words"][-1] == {
            "word": "afternoon",
            "start": pytest.approx(3.55, abs=0.01),
            "end": 4.2,
        }
        stream = sdk.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=upload, prompt="weather report", stream=True
        )
        events = list(stream)
    assert events[-1].type == "transcript.text.done" and events[-1].text == FIXTURE_TEXT


# -- voice consents and voices ---------------------------------------------------------


def test_voice_consents_crud_and_pages(client: openai.OpenAI, spoken: bytes) -> None:
    recording = ("consent.wav", spoken, "audio/wav")
    made = [
        client.audio.voice_consents.create(
            name=f"Person {i}", language="en-US", recording=recording
        )
        for i in range(3)
    ]
    assert all(c.id.startswith("cons_") and c.object == "audio.voice_consent" for c in made)
    ids = [c.id for c in made]
    listed = [c.id for c in client.audio.voice_consents.list()]
    assert listed[-3:] == ids
    page = client.audio.voice_consents.list(limit=2, after=ids[0])
    assert [c.id for c in page.data] == ids[1:] and page.has_more is False
    renamed = client.audio.voice_consents.update(ids[0], name="Renamed")
    assert renamed.name == "Renamed" and renamed.created_at == made[0].created_at
    assert client.audio.voice_consents.retrieve(ids[0]).name == "Renamed"
    deleted = client.audio.voice_consents.delete(ids[0])
    assert (deleted.id, deleted.deleted, deleted.object) == (ids[0], True, "audio.voice_consent")
    with pytest.raises(openai.NotFoundError):
        client.audio.voice_consents.retrieve(ids[0])
    assert ids[0] not in [c.id for c in client.audio.voice_consents.list()]
    with pytest.raises(openai.BadRequestError):
        client.audio.voice_consents.create(
            name="x", language="en", recording=("c.txt", b"not audio", "text/plain")
        )


def test_voice_consents_of_unknown_ids(client: openai.OpenAI, strict_server: ServerThread) -> None:
    fixed = client.audio.voice_consents.retrieve("cons_1234")
    assert fixed.id == "cons_1234"
    assert client.audio.voice_consents.retrieve("cons_1234") == fixed
    with strict_client(strict_server.url + "/v1") as strict:
        with pytest.raises(openai.NotFoundError) as missing:
            strict.audio.voice_consents.retrieve("cons_1234")
        assert "cons_1234" in missing.value.message
        for call in (
            lambda: strict.audio.voice_consents.update("cons_1234", name="x"),
            lambda: strict.audio.voice_consents.delete("cons_1234"),
            lambda: strict.audio.voices.delete("voice_1234"),
        ):
            with pytest.raises(openai.NotFoundError):
                call()
        assert strict.audio.voice_consents.list().data == []


def test_voices_create_and_delete(client: openai.OpenAI, spoken: bytes) -> None:
    consent = client.audio.voice_consents.create(
        name="Me", language="en-US", recording=("c.wav", spoken, "audio/wav")
    )
    raw = client.audio.voices.with_raw_response.create(
        name="My voice", consent=consent.id, audio_sample=("sample.wav", spoken, "audio/wav")
    )
    assert response_problems("POST /v1/audio/voices", raw.http_response.json()) == []
    voice = raw.parse()
    assert voice.id.startswith("voice_") and voice.name == "My voice"
    assert voice.type == "audio_sample"
    speech = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice={"id": voice.id}, input="Mine", response_format="wav"
    )
    assert speech.content[:4] == b"RIFF"
    gone = client.audio.voices.delete(voice.id)
    assert (gone.id, gone.deleted, gone.object) == (voice.id, True, "audio.voice.deleted")
    with pytest.raises(openai.NotFoundError):
        client.audio.voices.delete(voice.id)
