"""Upload endpoints at the protocol level: multipart bodies, their errors, typed fields."""

from __future__ import annotations

import httpx

from mockapi.replay.journal import Outcome
from mockapi.web.server import ServerThread

TRANSCRIBE = "/v1/audio/transcriptions"


def _error(response: httpx.Response) -> dict[str, object]:
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return dict(error)


def test_json_sent_to_an_upload_endpoint_is_415_naming_multipart(raw: httpx.Client) -> None:
    response = raw.post(TRANSCRIBE, json={"model": "whisper-1"})
    assert response.status_code == 415
    assert "multipart/form-data" in str(_error(response)["message"])


def test_a_form_cut_short_is_400_saying_so(raw: httpx.Client) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
    response = raw.post(
        TRANSCRIBE, content=body, headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid_multipart"
    assert "closing boundary" in str(error["message"])


def test_a_form_missing_its_file_is_the_real_missing_parameter_error(raw: httpx.Client) -> None:
    # A field-only multipart body (no filename): the form has a model but no file.
    response = raw.post(TRANSCRIBE, files={"model": (None, b"whisper-1")})
    assert response.status_code == 400
    error = _error(response)
    assert error["message"] == "Missing required parameter: 'file'."
    assert error["param"] == "file"


def test_form_fields_are_typed_and_validated_by_the_schema(raw: httpx.Client) -> None:
    files = {"file": ("a.wav", b"RIFF....WAVE", "audio/wav")}
    response = raw.post(TRANSCRIBE, data={"model": "whisper-1", "temperature": "warm"}, files=files)
    assert response.status_code == 400
    error = _error(response)
    assert error["param"] == "temperature"
    assert error["message"] == (
        "Invalid type for 'temperature': expected a decimal, but got a string instead."
    )
    typed = raw.post(
        TRANSCRIBE, data={"model": "whisper-1", "temperature": "0.5", "bogus": "1"}, files=files
    )
    # "0.5" arrived as text and passed as the number the schema asks for; the unknown
    # field is what the API refuses.
    assert _error(typed)["message"] == "Unrecognized request argument supplied: bogus"


def test_the_journal_shows_the_typed_form_without_file_bytes(server: ServerThread) -> None:
    replayer = server.replayer  # type: ignore[attr-defined]
    replayer.reset()
    files = {"file": ("a.wav", b"RIFF-secret-bytes", "audio/wav")}
    with httpx.Client(base_url=server.url, headers={"authorization": "Bearer k"}) as http:
        http.post(TRANSCRIBE, data={"model": "whisper-1", "temperature": "0.25"}, files=files)
    (entry,) = replayer.journal.entries()
    assert entry.body["temperature"] == 0.25
    assert entry.body["file"].startswith("<file a.wav (audio/wav, 17 bytes, sha256:")
    assert "secret" not in str(entry.body)
    # The session server answers misses with the near-miss report (no synthesis).
    assert entry.outcome is Outcome.MISS and entry.status == 404
