"""Realtime sessions built from a request over the API's defaults, the SDP answer to an
offer, and the client secrets' life on the mock's clock."""

from __future__ import annotations

from mockapi.endpoints.realtime import calls, secrets, sessions
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore


def test_merge_lays_the_request_over_the_defaults() -> None:
    base = {"a": {"b": 1, "c": 2}, "vad": {"type": "server_vad", "threshold": 0.5}}
    given = {"a": {"c": 3}, "vad": {"type": "semantic_vad"}, "d": [1]}
    merged = sessions.merge(base, given)
    assert merged == {"a": {"b": 1, "c": 3}, "vad": {"type": "semantic_vad"}, "d": [1]}
    assert base["a"] == {"b": 1, "c": 2}, "the defaults are not changed"


def test_a_realtime_session_keeps_its_own_id_and_expiry() -> None:
    made = sessions.realtime(
        {"type": "realtime", "id": "sess_theirs", "instructions": "Hi"},
        session_id="sess_ours",
        expires_at=5,
    )
    assert (made["id"], made["expires_at"], made["instructions"]) == ("sess_ours", 5, "Hi")
    assert made["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert made["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "alloy",
        "speed": 1.0,
    }


def test_the_sdp_answer_mirrors_the_offer() -> None:
    offer = "v=0\r\nm=audio 9 X 111\r\na=mid:a\r\nm=video 9 X 96\r\na=mid:v\r\n"
    answer = calls.answer(offer, seed="rtc_1")
    media = [line for line in answer.split("\r\n") if line.startswith(("m=", "a=mid:"))]
    audio, video = "m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=video 9 UDP/TLS/RTP/SAVPF 111"
    assert media == [audio, "a=mid:a", video, "a=mid:v"]
    assert "a=group:BUNDLE a v" in answer and answer.endswith("\r\n")
    assert calls.answer(offer, seed="rtc_1") == answer


def test_a_secret_is_live_then_expired_on_the_mock_clock() -> None:
    state = ObjectStore()
    clock = Clock(state)
    value = "ek_" + "a" * 32
    expires = clock.seconds() + 10
    key = secrets.digest(value)
    state.put(secrets.KIND, key, {"id": key, "expires_at": expires, "session_id": "sess_1"})
    assert value not in str(state.values(secrets.KIND)), "kept by its digest only"
    assert secrets.live(state, value) and not secrets.expired(state, value)
    clock.advance(10)
    assert secrets.expired(state, value) and not secrets.live(state, value)
    assert not secrets.live(state, "ek_" + "b" * 32) and not secrets.expired(state, "sk-x")
    problem = secrets.expired_key_error(value)
    assert (problem.status, problem.code) == (401, "invalid_api_key")
    assert value not in problem.message, "the key is shown masked"
