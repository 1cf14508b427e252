"""Content provenance checks (``POST /v1/content_provenance_checks``): whether an uploaded
image or audio file carries the provenance signals OpenAI's tool looks for.

The API reports, for an image, a ``c2pa`` result (a C2PA manifest and its validation
state) and a ``synthid`` result (a watermark in the pixels); for audio, a ``synthid``
result only. The mock reads what can be read without the signers' keys or the
watermark detector:

* **C2PA**: a manifest store is present when the file holds a JUMBF box labelled
  ``c2pa`` (a PNG ``caBX`` chunk, a JPEG APP11 segment, or the box itself in any
  container). Found: ``detected``, validation state ``valid`` (the structure is there;
  whether its signer is trusted needs the certificate chain the mock does not check),
  and ``issuer`` when the manifest names an OpenAI claim generator. Not found:
  ``not_detected`` / ``not_present``.
* **SynthID**: no detector runs in the mock, so always ``not_detected`` (what the API
  answers for a file without the watermark, e.g. a stripped or re-encoded one).

A file that is neither an image (PNG, JPEG, WebP, GIF) nor audio (WAV, MP3, FLAC, Ogg,
M4A) is a 400 naming ``file`` (assumed wording). The check keeps nothing.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import rules
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", 0),
    (b"\xff\xd8\xff", 0),
    (b"GIF87a", 0),
    (b"GIF89a", 0),
)
_AUDIO = ((b"ID3", 0), (b"\xff\xfb", 0), (b"\xff\xf3", 0), (b"fLaC", 0), (b"OggS", 0))
_OPENAI_GENERATORS = (b"OpenAI", b"ChatGPT", b"DALL")


def media_kind(data: bytes) -> str | None:
    """``"image"``, ``"audio"`` or None, by the file's leading bytes."""
    if any(data.startswith(magic) for magic, _ in _IMAGES):
        return "image"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio"
    if any(data.startswith(magic) for magic, _ in _AUDIO):
        return "audio"
    if data[4:8] == b"ftyp" and data[8:11] in (b"M4A", b"mp4", b"iso"):
        return "audio"
    return None


def c2pa(data: bytes) -> dict[str, Any]:
    """The ``c2pa`` result for ``data``."""
    present = b"jumb" in data and b"c2pa" in data
    openai = present and any(name in data for name in _OPENAI_GENERATORS)
    return {
        "type": "c2pa",
        "outcome": "detected" if present else "not_detected",
        "validation_state": "valid" if present else "not_present",
        "issuer": "OpenAI" if openai else None,
        "model": None,
        "generated_at": None,
    }


def check(ctx: Context) -> FixtureResponse:
    """``POST /v1/content_provenance_checks``."""
    part = next((p for p in ctx.request.files if p.name == "file"), None)
    if part is None:
        raise APIError(
            400,
            "Missing required parameter: 'file'. Upload the image or audio file as the "
            "'file' part of a multipart/form-data body.",
            param="file",
            code="missing_required_parameter",
        )
    kind = media_kind(part.data)
    if kind is None:
        raise APIError(
            400,
            f"Unsupported file '{part.filename}': upload an image (PNG, JPEG, WebP, GIF) "
            "or an audio file (WAV, MP3, FLAC, Ogg, M4A) to check its provenance.",
            param="file",
            code="invalid_value",
        )
    synthid = {"type": "synthid", "outcome": "not_detected", "model": None, "generated_at": None}
    results = [c2pa(part.data), synthid] if kind == "image" else [synthid]
    body = {"object": "content_provenance_check", "created_at": ctx.clock.seconds()}
    return FixtureResponse(body={**body, "results": results})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/v1/content_provenance_checks",
        body=Body.FORM,
        lookup=check,
        upload=rules.API_MAX_FILE_BYTES,
    ),
)
