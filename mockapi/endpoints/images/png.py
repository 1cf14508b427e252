"""PNG files as bytes: a small writer for the images mockapi makes, and a reader.

Pure (``zlib`` and ``struct``, no imaging library). :func:`encode` writes 8-bit RGB or
RGBA images whose rows use filter type 0; :func:`gradient` makes the pictures the
images family serves: a diagonal gradient with bands, whose colours come from a seed,
built cheaply (each row is the previous one shifted by one pixel, so a 1024x1024
image is a few slices of one precomputed row, and deflate compresses it to a few
kilobytes; :func:`gradient_rows` hands the same rows to Pillow for JPEG and WebP).
:func:`read` parses any PNG's chunks, checking each CRC, and :func:`header` reads just
the dimensions of an upload.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from mockapi.errors import PNGError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB = 2
RGBA = 6
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel of each PNG colour type (greyscale, RGB, palette, grey+alpha, RGBA)."""


@dataclass(frozen=True)
class PNG:
    """A parsed PNG: its header fields, its chunks (type, data) and its pixel rows.

    ``pixels`` is the inflated image data (each row a filter byte then the samples),
    or None when the file was read with ``inflate=False``.
    """

    width: int
    height: int
    bit_depth: int
    color_type: int
    chunks: tuple[tuple[bytes, bytes], ...]
    pixels: bytes | None = None

    @property
    def channels(self) -> int:
        return _CHANNELS.get(self.color_type, 0)

    @property
    def has_alpha(self) -> bool:
        return self.color_type in (4, 6)

    def rows(self) -> list[bytes]:
        """The rows' samples, unfiltered; only filter type 0 (None) is supported."""
        if self.pixels is None:
            raise PNGError("the PNG was read without its pixels (inflate=False)")
        stride = (self.width * self.channels * self.bit_depth + 7) // 8
        expected = self.height * (stride + 1)
        if len(self.pixels) != expected:
            raise PNGError(
                f"the image data inflates to {len(self.pixels)} bytes; a {self.width}x"
                f"{self.height} image of this type needs {expected}"
            )
        rows = []
        for y in range(self.height):
            start = y * (stride + 1)
            if self.pixels[start] != 0:
                raise PNGError(
                    f"row {y} uses filter type {self.pixels[start]}; this reader only "
                    "unfilters type 0 (None)"
                )
            rows.append(self.pixels[start + 1 : start + 1 + stride])
        return rows


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode(width: int, height: int, rows: list[bytes], *, alpha: bool = False) -> bytes:
    """A PNG of ``rows`` (each ``width`` pixels of 8-bit RGB, or RGBA with ``alpha``)."""
    stride = width * (4 if alpha else 3)
    if width < 1 or height < 1 or len(rows) != height:
        raise ValueError(f"need {height} rows for a {width}x{height} image, got {len(rows)}")
    for y, row in enumerate(rows):
        if len(row) != stride:
            raise ValueError(f"row {y} has {len(row)} bytes; a {width}-pixel row needs {stride}")
    header = struct.pack(">IIBBBBB", width, height, 8, RGBA if alpha else RGB, 0, 0, 0)
    # Filter type 0 on every row: no per-pixel work in Python; deflate finds the
    # repetition between rows by itself.
    data = zlib.compress(b"".join(b"\x00" + row for row in rows), 6)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def palette(seed: bytes, count: int = 3) -> list[tuple[int, int, int]]:
    """``count`` colours derived from ``seed`` (the same seed, the same colours)."""
    digest = hashlib.sha256(seed).digest()
    return [(digest[3 * i], digest[3 * i + 1], digest[3 * i + 2]) for i in range(count)]


def gradient(
    width: int,
    height: int,
    seed: bytes,
    *,
    alpha: bool = False,
    fade: float = 0.0,
) -> bytes:
    """A PNG of a diagonal gradient with bands, its colours from ``seed``.

    ``alpha`` adds an alpha channel that fades from opaque (bottom left) to
    transparent (top right): a "transparent background". ``fade`` (0 to 1) washes the colours
    toward grey, for the coarse early frames of a streamed image.
    """
    rows = gradient_rows(width, height, seed, alpha=alpha, fade=fade)
    return encode(width, height, rows, alpha=alpha)


def gradient_rows(
    width: int,
    height: int,
    seed: bytes,
    *,
    alpha: bool = False,
    fade: float = 0.0,
) -> list[bytes]:
    """The pixel rows (8-bit RGB, or RGBA with ``alpha``) of :func:`gradient`'s picture,
    for an encoder of another format (JPEG, WebP)."""
    colours = palette(seed)
    if fade:
        colours = [_toward_grey(c, fade) for c in colours]
    span = width + height - 1
    band = 8 + seed[0] % 56 if seed else 32
    built = bytearray()
    for i in range(span):
        t = i / max(1, span - 1)
        r, g, b = blend(colours, t)
        if (i // band) % 2:
            r, g, b = r * 7 // 8, g * 7 // 8, b * 7 // 8
        built += bytes((r, g, b, 255 - round(255 * t))) if alpha else bytes((r, g, b))
    size = 4 if alpha else 3
    line = bytes(built)
    # Row y is the line from pixel (height - 1 - y): moving down shifts the
    # picture one pixel right, which makes the diagonal.
    return [line[(height - 1 - y) * size : (height - 1 - y + width) * size] for y in range(height)]


def blend(colours: list[tuple[int, int, int]], t: float) -> tuple[int, int, int]:
    """The colour at ``t`` (0 to 1) along the evenly spaced ``colours``."""
    scaled = t * (len(colours) - 1)
    index = min(int(scaled), len(colours) - 2)
    local = scaled - index
    a, b = colours[index], colours[index + 1]
    return (
        round(a[0] + (b[0] - a[0]) * local),
        round(a[1] + (b[1] - a[1]) * local),
        round(a[2] + (b[2] - a[2]) * local),
    )


def _toward_grey(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    r, g, b = colour
    return (
        round(r + (128 - r) * amount),
        round(g + (128 - g) * amount),
        round(b + (128 - b) * amount),
    )


def read(data: bytes, *, inflate: bool = True) -> PNG:
    """Parse ``data`` as a PNG, checking its signature, each chunk's CRC and the IHDR.

    With ``inflate`` the IDAT chunks are decompressed into :attr:`PNG.pixels`.
    """
    if not data.startswith(SIGNATURE):
        raise PNGError("the data does not start with the PNG signature")
    chunks: list[tuple[bytes, bytes]] = []
    offset = len(SIGNATURE)
    while offset < len(data):
        if offset + 12 > len(data):
            raise PNGError(f"a chunk header is cut short at byte {offset}")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        end = offset + 8 + length
        if end + 4 > len(data):
            raise PNGError(f"the {kind!r} chunk at byte {offset} is cut short")
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise PNGError(f"the {kind!r} chunk at byte {offset} has a bad CRC")
        chunks.append((kind, body))
        offset = end + 4
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise PNGError("the first chunk is not a 13-byte IHDR")
    if chunks[-1][0] != b"IEND":
        raise PNGError("the PNG has no IEND chunk (was it cut short?)")
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    if width < 1 or height < 1 or colour not in _CHANNELS:
        raise PNGError(f"the IHDR is invalid: {width}x{height}, colour type {colour}")
    pixels = None
    if inflate:
        try:
            pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
        except zlib.error as exc:
            raise PNGError(f"the image data does not inflate: {exc}") from None
    return PNG(width, height, depth, colour, tuple(chunks), pixels)


def header(data: bytes) -> tuple[int, int] | None:
    """The width and height of a PNG from its IHDR alone, or None if ``data`` is not one."""
    if len(data) < 24 or not data.startswith(SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
