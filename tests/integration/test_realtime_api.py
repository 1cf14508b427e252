"""The Realtime and Live APIs' HTTP routes on a real server through the official SDK, strict
response validation on: a client secret's ephemeral key accepted as an API key (on a
server restricted by --api-key) until the mock's clock passes its expiry, then the
API's 401; realtime, transcription and translation sessions configured by the request;
the beta sessions; a WebRTC call's SDP answer and Location; calls accepted, referred,
rejected and hung up with the API's empty 200s, and a call that has ended refused; a Live
session created, forked, controlled and its recording read; every JSON answer checked
against the derived schemas."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

MAIN_KEY = "sk-test-mockapi"
HELLO: Any = [{"role": "user", "content": "Hello"}]
OFFER = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    # Only MAIN_KEY is accepted: an ephemeral key works because the mock issued it.
    with running_server(on_miss=OnMiss.SYNTHESIZE, api_keys=frozenset({MAIN_KEY})) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def test_an_ephemeral_key_works_until_it_expires(
    server: ServerThread, client: openai.OpenAI
) -> None:
    before = server.control.clock_now()[0]  # type: ignore[attr-defined]
    made = client.realtime.client_secrets.create(
        expires_after={"anchor": "created_at", "seconds": 60},
        session={"type": "realtime", "model": "gpt-realtime", "instructions": "Be brief."},
    )
    after = server.control.clock_now()[0]  # type: ignore[attr-defined]
    assert int(before) + 60 <= made.expires_at <= after + 60, "60 s after it was made"
    assert made.value.startswith("ek_")
    body = made.model_dump(exclude_unset=True)
    assert response_problems("POST /v1/realtime/client_secrets", body) == []
    with strict_client(server.url + "/v1", api_key=made.value) as ephemeral:
        answer = ephemeral.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
        assert answer.choices[0].message.content
        server.control.clock_advance(61)  # type: ignore[attr-defined]
        with pytest.raises(openai.AuthenticationError) as refused:
            ephemeral.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    error = refused.value.body
    assert isinstance(error, dict) and error["code"] == "invalid_api_key"
    assert "Incorrect API key provided: ek_" in error["message"]
    # a key the mock never issued is judged like any other: refused by --api-key
    with strict_client(server.url + "/v1", api_key="ek_" + "0" * 32) as unknown:
        with pytest.raises(openai.AuthenticationError):
            unknown.models.list()


def test_the_session_is_the_request_over_the_defaults(client: openai.OpenAI) -> None:
    made = client.realtime.client_secrets.create(
        session={
            "type": "realtime",
            "model": "gpt-realtime-mini",
            "output_modalities": ["text"],
            "audio": {
                "input": {"turn_detection": {"type": "semantic_vad", "eagerness": "low"}},
                "output": {"voice": "marin"},
            },
        }
    )
    session = made.session
    assert session.type == "realtime" and session.id.startswith("sess_")
    assert (session.model, session.output_modalities) == ("gpt-realtime-mini", ["text"])
    assert session.audio is not None and session.audio.output is not None
    assert (session.audio.output.voice, session.audio.output.speed) == ("marin", 1.0)
    assert session.audio.input is not None
    detection = session.audio.input.turn_detection
    assert detection is not None and detection.model_dump(exclude_unset=True) == {
        "type": "semantic_vad",
        "eagerness": "low",
    }, "no server_vad default mixed into another kind"
    assert made.expires_at - made.session.expires_at > 500  # type: ignore[operator]


def test_transcription_and_translation_sessions(client: openai.OpenAI, raw: httpx.Client) -> None:
    made = client.realtime.client_secrets.create(
        session={
            "type": "transcription",
            "audio": {"input": {"transcription": {"model": "whisper-1"}}},
        }
    )
    assert made.session.type == "transcription"
    assert made.session.audio is not None and made.session.audio.input is not None
    transcription = made.session.audio.input.transcription
    assert transcription is not None and transcription.model == "whisper-1"
    body = {"session": {"model": "gpt-realtime-translate", "audio": {"output": {"language": "fr"}}}}
    answer = raw.post("/v1/realtime/translations/client_secrets", json=body).json()
    assert response_problems("POST /v1/realtime/translations/client_secrets", answer) == []
    translated = client.realtime.translations.client_secrets.create(
        session={"model": "gpt-realtime-translate", "audio": {"output": {"language": "fr"}}},
        expires_after={"anchor": "created_at", "seconds": 30},
    )
    assert translated.session.audio.output is not None
    assert translated.session.audio.output.language == "fr"
    assert translated.value.startswith("ek_") and translated.session.type == "translation"
    with pytest.raises(openai.BadRequestError):
        client.realtime.client_secrets.create(expires_after={"anchor": "created_at", "seconds": 5})


def test_beta_sessions_carry_their_client_secret(client: openai.OpenAI, raw: httpx.Client) -> None:
    session = client.beta.realtime.sessions.create(
        model="gpt-4o-realtime-preview",
        voice="verse",
        client_secret={"expires_after": {"anchor": "created_at", "seconds": 120}},
    )
    assert session.voice == "verse" and session.client_secret.value.startswith("ek_")
    answer = raw.post("/v1/realtime/sessions", json={"modalities": ["text"]}).json()
    assert response_problems("POST /v1/realtime/sessions", answer) == []
    assert answer["client_secret"]["expires_at"] - session.client_secret.expires_at < 0
    transcribing = client.beta.realtime.transcription_sessions.create(
        input_audio_transcription={"model": "gpt-4o-mini-transcribe"}
    )
    assert transcribing.input_audio_transcription is not None
    assert transcribing.input_audio_transcription.model == "gpt-4o-mini-transcribe"
    answer = raw.post("/v1/realtime/transcription_sessions", json={}).json()
    assert response_problems("POST /v1/realtime/transcription_sessions", answer) == []


def test_a_webrtc_call_answers_the_offer(client: openai.OpenAI, raw: httpx.Client) -> None:
    made = client.realtime.calls.with_raw_response.create(
        sdp=OFFER, session={"type": "realtime", "model": "gpt-realtime"}
    )
    assert made.status_code == 201 and made.headers["content-type"] == "application/sdp"
    call_id = made.headers["location"].rsplit("/", 1)[-1]
    assert made.headers["location"] == f"/v1/realtime/calls/{call_id}"
    answer = made.content.decode()
    assert answer.startswith("v=0\r\n") and "a=group:BUNDLE 0 1" in answer
    assert [line.split()[0] for line in answer.splitlines() if line.startswith("m=")] == [
        "m=audio",
        "m=application",
    ]
    bare = raw.post(
        "/v1/realtime/calls", content=OFFER, headers={"content-type": "application/sdp"}
    )
    assert bare.status_code == 201 and bare.headers["location"] != made.headers["location"]
    wrong = raw.post("/v1/realtime/calls", content=OFFER, headers={"content-type": "text/plain"})
    assert wrong.status_code == 415
    hung_up = client.realtime.calls.with_raw_response.hangup(call_id)
    assert (hung_up.status_code, hung_up.content) == (200, b"")
    with pytest.raises(openai.NotFoundError) as gone:
        client.realtime.calls.hangup(call_id)
    assert gone.value.code == "call_id_not_found"


def test_sip_calls_accept_refer_reject(
    server: ServerThread, client: openai.OpenAI, raw: httpx.Client
) -> None:
    accepted = client.realtime.calls.with_raw_response.accept(
        "rtc_sip_1", type="realtime", model="gpt-realtime", instructions="You are Alex."
    )
    assert (accepted.status_code, accepted.content) == (200, b"")
    client.realtime.calls.refer("rtc_sip_1", target_uri="tel:+14155550123")
    with pytest.raises(openai.NotFoundError):
        client.realtime.calls.accept("rtc_sip_1", type="realtime")
    client.realtime.calls.reject("rtc_sip_2")
    client.realtime.calls.reject("rtc_sip_3", status_code=486)
    kept = {c["id"]: c for c in server.control.objects("realtime.calls")}  # type: ignore[attr-defined]
    assert kept["rtc_sip_1"]["status"] == "referred"
    assert kept["rtc_sip_1"]["session"]["instructions"] == "You are Alex."
    assert (kept["rtc_sip_2"]["status_code"], kept["rtc_sip_3"]["status_code"]) == (603, 486)
    with pytest.raises(openai.BadRequestError):
        client.realtime.calls.reject("rtc_sip_4", status_code=200)
    refused = raw.post("/v1/realtime/calls/rtc_sip_5/accept", json={"model": "gpt-realtime"})
    assert refused.status_code == 400 and "type" in refused.json()["error"]["message"]


def test_async_client_secret(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def scenario() -> str:
        async with strict_async_client(server.url + "/v1", api_key=MAIN_KEY) as client:
            made = await client.realtime.client_secrets.create()
            return made.value

    assert asyncio.run(scenario()).startswith("ek_")


LIVE: Any = {"type": "live", "model": "gpt-live-1"}


def test_a_live_session_created_forked_controlled_and_recorded(
    client: openai.OpenAI, raw: httpx.Client
) -> None:
    made = client.live.create(session=LIVE, transport={"type": "webrtc", "sdp": OFFER})
    assert made.session.id.startswith("live_") and made.transport.type == "webrtc"
    assert "a=group:BUNDLE 0 1" in made.transport.sdp
    assert response_problems("POST /v1/live/sessions", made.model_dump()) == []
    forked = client.live.sessions.fork(made.session.id, transport={"type": "webrtc", "sdp": OFFER})
    assert forked.session.id not in (made.session.id, "")
    recording = client.live.sessions.download_recording(made.session.id).content
    with wave.open(io.BytesIO(recording)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getnframes()) == (24000, 1, 24000)
    accepted = client.live.sessions.with_raw_response.accept("live_sip_1", session=LIVE)
    assert (accepted.status_code, accepted.content) == (200, b"")
    client.live.sessions.refer("live_sip_1", target_uri="sip:agent@example.com")
    with pytest.raises(openai.NotFoundError):
        client.live.sessions.hangup("live_sip_1")
    client.live.sessions.reject("live_sip_2", status_code=486)
    client.live.sessions.hangup(made.session.id)
    with pytest.raises(openai.NotFoundError):
        client.live.sessions.fork("live_unknown", transport={"type": "webrtc", "sdp": OFFER})
    missing = raw.post("/v1/live/sessions", json={"session": LIVE})
    assert missing.status_code == 400
