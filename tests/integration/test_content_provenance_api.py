"""Content provenance checks on a real server through the official SDK, strict response
validation on: an image without signals, an image carrying a C2PA manifest from an
OpenAI generator, an audio file (SynthID only), and a file that is neither refused;
each answer checked against the derived schemas."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

ENDPOINT = "POST /v1/content_provenance_checks"


def png(*extra: tuple[bytes, bytes]) -> bytes:
    """A 1x1 PNG with ``extra`` chunks before its image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    middle = b"".join(chunk(kind, data) for kind, data in extra)
    return b"\x89PNG\r\n\x1a\n" + header + middle + pixels + chunk(b"IEND", b"")


# A JUMBF superbox labelled c2pa, as a PNG caBX chunk carries a manifest store.
MANIFEST = (
    b"\x00\x00\x00\x40jumb\x00\x00\x00\x18jumdc2pa" + b"\x00" * 12 + b"claim_generator=OpenAI"
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


def test_an_image_without_signals(strict: openai.OpenAI) -> None:
    checked = strict.content_provenance_checks.create(file=("plain.png", png(), "image/png"))
    assert response_problems(ENDPOINT, checked.model_dump(exclude_unset=True)) == []
    assert [(r.type, r.outcome) for r in checked.results] == [
        ("c2pa", "not_detected"),
        ("synthid", "not_detected"),
    ]
    assert checked.results[0].validation_state == "not_present"  # type: ignore[union-attr]


def test_an_image_with_a_c2pa_manifest(strict: openai.OpenAI) -> None:
    signed = png((b"caBX", MANIFEST))
    checked = strict.content_provenance_checks.create(file=("gen.png", signed, "image/png"))
    assert response_problems(ENDPOINT, checked.model_dump(exclude_unset=True)) == []
    c2pa = checked.results[0]
    assert (c2pa.type, c2pa.outcome, c2pa.issuer) == ("c2pa", "detected", "OpenAI")  # type: ignore[union-attr]


def test_audio_has_synthid_only_and_text_is_refused(strict: openai.OpenAI) -> None:
    wav = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + b"\x00" * 24
    checked = strict.content_provenance_checks.create(file=("a.wav", wav, "audio/wav"))
    assert [r.type for r in checked.results] == ["synthid"]
    with pytest.raises(openai.BadRequestError) as refused:
        strict.content_provenance_checks.create(file=("notes.txt", b"hello", "text/plain"))
    assert refused.value.body["param"] == "file"  # type: ignore[index]
