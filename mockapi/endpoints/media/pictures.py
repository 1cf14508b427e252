"""Images through Pillow: the only module that imports ``PIL``.

* :func:`encode`: pixels (8-bit RGB or RGBA rows, as :mod:`mockapi.endpoints.images.png`
  draws them) in any format the API serves: ``png``, ``jpeg`` or ``webp``, at a
  ``quality`` (the GPT image models' ``output_compression``). JPEG has no alpha
  channel: RGBA pixels are flattened onto white.
* :func:`sheet`: frames laid out in a grid, scaled down, as one image (a video's
  spritesheet).
* :func:`probe`: what an uploaded image is (format, size, colour mode) from its header,
  as Pillow reads it (the API's own errors name Pillow's modes: ``got RGB``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
"""The API's format names -> Pillow's."""
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
WEBP_METHOD = 0
"""libwebp's effort (0 fastest .. 6 smallest): 0 encodes a 1536x1024 picture at quality 100
in a fifth of a second, 4 (its default) takes twice as long."""


def encode(
    width: int, height: int, pixels: bytes, *, alpha: bool, fmt: str, quality: int = 100
) -> bytes:
    """``pixels`` (``width * height`` RGB or, with ``alpha``, RGBA samples, row after
    row) as a ``fmt`` file (``png``, ``jpeg`` or ``webp``) at ``quality`` (0-100)."""
    image = Image.frombytes("RGBA" if alpha else "RGB", (width, height), pixels)
    return save(image, fmt, quality)


def save(image: Image.Image, fmt: str, quality: int = 100) -> bytes:
    """``image`` as the bytes of a ``fmt`` file (see :func:`encode`)."""
    if fmt not in PIL_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: use one of {sorted(PIL_FORMATS)}")
    quality = max(0, min(100, quality))
    if fmt == "jpeg" and image.mode != "RGB":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
        image = flat
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", compress_level=6)
    elif fmt == "jpeg":
        image.save(out, "JPEG", quality=quality, optimize=False)
    else:
        image.save(out, "WEBP", quality=quality, method=WEBP_METHOD)
    return out.getvalue()


def sheet(
    frames: Sequence[bytes],
    *,
    frame_size: tuple[int, int],
    tile_size: tuple[int, int],
    columns: int,
    fmt: str = "jpeg",
    quality: int = 80,
) -> bytes:
    """``frames`` (RGB pixels of ``frame_size`` each) scaled to ``tile_size`` and laid
    out left to right, ``columns`` a row, top to bottom, as one ``fmt`` image."""
    if not frames or columns < 1:
        raise ValueError("a sheet needs at least one frame and one column")
    rows = -(-len(frames) // columns)
    width, height = tile_size
    grid = Image.new("RGB", (min(columns, len(frames)) * width, rows * height))
    for number, pixels in enumerate(frames):
        frame = Image.frombytes("RGB", frame_size, pixels)
        tile = frame.resize(tile_size, Image.Resampling.BILINEAR)
        grid.paste(tile, ((number % columns) * width, (number // columns) * height))
    return save(grid, fmt, quality)


@dataclass(frozen=True)
class Probe:
    """What :func:`probe` read of an image: its media type, size and Pillow's mode."""

    media_type: str
    width: int
    height: int
    mode: str


def probe(data: bytes) -> Probe | None:
    """The image's format, size and mode from its header (no pixels decoded), or None
    when Pillow does not recognise ``data`` as an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            media_type = Image.MIME.get(image.format or "", "")
            return Probe(media_type, image.width, image.height, image.mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return None
