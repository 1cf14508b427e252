"""multipart/form-data parsing and typing by the form schema."""

from __future__ import annotations

import json

import pytest

from mockapi.errors import FormError
from mockapi.model import FilePart
from mockapi.validation import forms
from mockapi.wire import multipart
from tests.helpers import REPO

FORM_SCHEMA = json.loads((REPO / "schemas" / "audio.transcriptions.form.json").read_text())
CONTENT_TYPE = "multipart/form-data; boundary=xYz"


def form(*parts: tuple[str, bytes, str | None], boundary: str = "xYz") -> bytes:
    """A form body: (name, data, filename or None) parts, CRLF line ends as the SDKs send."""
    out = b""
    for name, data, filename in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: audio/wav\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_fields_and_files_come_apart_in_body_order() -> None:
    body = form(("model", b"whisper-1", None), ("file", b"RIFF\r\n--not", "a.wav"))
    fields, files = multipart.parse(body, CONTENT_TYPE)
    assert fields == [("model", "whisper-1")]
    # Data that itself holds CRLF and dashes survives: only the boundary delimits.
    assert files == (FilePart("file", "a.wav", "audio/wav", b"RIFF\r\n--not"),)


def test_quoted_boundary_and_bare_lf_are_accepted() -> None:
    body = form(("model", b"whisper-1", None), boundary="a b").replace(b"\r\n", b"\n")
    fields, _ = multipart.parse(body, 'multipart/form-data; boundary="a b"')
    assert fields == [("model", "whisper-1")]


def test_arrays_and_objects_and_files_become_json() -> None:
    body = form(
        ("timestamp_granularities[]", b"word", None),
        ("timestamp_granularities[]", b"segment", None),
        ("chunking_strategy[type]", b"server_vad", None),
        ("file", b"abc", "a.wav"),
    )
    data = multipart.fields_to_json(*multipart.parse(body, CONTENT_TYPE))
    assert data["timestamp_granularities"] == ["word", "segment"]
    assert data["chunking_strategy"] == {"type": "server_vad"}
    described = data["file"]
    assert described.startswith("<file a.wav (audio/wav, 3 bytes, sha256:")
    other = FilePart("file", "a.wav", "audio/wav", b"abd").describe()
    assert other != described  # same name and size, other bytes: never alike


def test_values_are_typed_by_the_schema() -> None:
    data = {"model": "whisper-1", "temperature": "0.5", "prompt": "42", "stream": "true"}
    typed = forms.coerce(data, FORM_SCHEMA)
    assert typed == {"model": "whisper-1", "temperature": 0.5, "prompt": "42", "stream": True}
    # What does not convert stays a string, for validation to word the error.
    assert forms.coerce({"temperature": "warm"}, FORM_SCHEMA) == {"temperature": "warm"}


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"--xYz\r\nX-A: b\r\n\r\nhi\r\n--xYz--", CONTENT_TYPE, "Content-Disposition"),
        (b"--xYz\r\nno blank line\r\n--xYz--", CONTENT_TYPE, "no blank line"),
        (form(("model", b"whisper-1", None))[:-9], CONTENT_TYPE, "closing boundary"),
        (b"plain text", CONTENT_TYPE, "no parts"),
        (form(("model", b"x", None)), "multipart/form-data", "no boundary"),
        (form(("model", b"\xff\xfe", None)), CONTENT_TYPE, "not UTF-8"),
    ],
)
def test_broken_forms_say_what_is_wrong(body: bytes, content_type: str, problem: str) -> None:
    with pytest.raises(FormError, match=problem):
        multipart.parse(body, content_type)
