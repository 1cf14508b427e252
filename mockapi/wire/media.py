"""Media types of answers that are neither JSON nor SSE: plain text and binary bodies.

The recorder stores a text answer (a ``text/plain`` transcription in ``text``, ``srt``
or ``vtt`` format) readably in the fixture, and a binary one (speech audio, an image)
as a file beside it; these helpers decide which, and name the file. Pure.
"""

from __future__ import annotations

from pathlib import PurePosixPath

TEXT_TYPE = "text/plain; charset=utf-8"
BINARY_TYPE = "application/octet-stream"

EXTENSIONS = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "opus": "audio/opus",
    "ogg": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "pcm": "audio/pcm",
    "webm": "audio/webm",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "zip": "application/zip",
    "bin": BINARY_TYPE,
}
"""File extension -> the content type a ``body_file`` is served with when its fixture
gives none; reversed, the extension a recorded binary body of that type gets."""

_BY_TYPE = {kind: ext for ext, kind in EXTENSIONS.items()}
_BY_TYPE.update({"audio/x-wav": "wav", "audio/wave": "wav", "audio/mp3": "mp3"})
_BY_TYPE.update({"audio/L16": "pcm", "audio/l16": "pcm", "image/jpg": "jpg"})
_TEXT_APPLICATIONS = frozenset({"application/xml", "application/x-subrip", "application/x-ndjson"})


def essence(content_type: str) -> str:
    """``"Text/Plain; charset=utf-8"`` -> ``"text/plain"``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    """A JSON media type (``application/json``, ``*/*+json``, ``text/json``)."""
    kind = essence(content_type)
    return kind in ("application/json", "text/json") or kind.endswith("+json")


def is_text(content_type: str) -> bool:
    """A textual media type that is not JSON or SSE: stored as ``text`` in a fixture."""
    kind = essence(content_type)
    if is_json(kind) or kind == "text/event-stream":
        return False
    return kind.startswith("text/") or kind in _TEXT_APPLICATIONS or kind.endswith("+xml")


def charset(content_type: str) -> str:
    """The ``charset`` parameter of ``content_type`` (default ``utf-8``)."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def extension_for(content_type: str) -> str:
    """The file extension for a binary body of ``content_type`` (``bin`` if unknown)."""
    return _BY_TYPE.get(essence(content_type), "bin")


def type_for(name: str) -> str:
    """The content type a file named ``name`` is served with by default."""
    return EXTENSIONS.get(PurePosixPath(name).suffix.lstrip(".").lower(), BINARY_TYPE)
