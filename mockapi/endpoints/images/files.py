"""What an uploaded image file is: its format (by its bytes) and its dimensions.

Pure. The images endpoints check uploads as the real API does (dall-e-2 wants a square
PNG under 4 MB; GPT image models take PNG, JPEG or WebP) and count input image tokens
from the dimensions, so only the headers are read, never the pixels.
"""

from __future__ import annotations

import struct

from mockapi.endpoints.images import png

PNG, JPEG, WEBP = "image/png", "image/jpeg", "image/webp"


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes are (``image/png``, ``image/jpeg``, ``image/webp``), or None."""
    if data.startswith(png.SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from the file's header, or None when they cannot be read."""
    kind = sniff(data)
    if kind == PNG:
        return png.header(data)
    if kind == JPEG:
        return _jpeg_dimensions(data)
    if kind == WEBP:
        return _webp_dimensions(data)
    return None


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
"""JPEG start-of-frame markers (baseline, progressive, lossless...), which carry the size."""


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    offset = 2
    while offset + 9 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return (int(width), int(height)) if width and height else None
        offset += 2 + length
    return None


def _webp_dimensions(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width & 0x3FFF), int(height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None
