"""The PNG writer and reader: round trips, CRCs, and what the reader rejects."""

from __future__ import annotations

import struct
import zlib

import pytest

from mockapi.endpoints.images import png


def _rows(width: int, height: int, size: int) -> list[bytes]:
    return [
        bytes((x * 7 + y * 3 + c) % 256 for x in range(width) for c in range(size))
        for y in range(height)
    ]


@pytest.mark.parametrize(("alpha", "size"), [(False, 3), (True, 4)])
def test_encode_round_trips_through_the_reader(alpha: bool, size: int) -> None:
    rows = _rows(37, 11, size)
    data = png.encode(37, 11, rows, alpha=alpha)
    image = png.read(data)
    assert (image.width, image.height, image.bit_depth) == (37, 11, 8)
    assert image.color_type == (png.RGBA if alpha else png.RGB)
    assert image.has_alpha is alpha
    assert [kind for kind, _ in image.chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert image.rows() == rows


def test_every_chunk_carries_the_crc_of_its_type_and_data() -> None:
    data = png.gradient(64, 32, b"seed")
    offset = len(png.SIGNATURE)
    seen = []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        seen.append(kind)
        offset += 12 + length
    assert seen == [b"IHDR", b"IDAT", b"IEND"]


def test_gradient_rows_use_filter_type_zero_and_inflate_to_the_full_image() -> None:
    data = png.gradient(1024, 1024, b"a red fox")
    image = png.read(data)
    assert image.pixels is not None
    assert len(image.pixels) == 1024 * (1 + 1024 * 3)
    assert all(image.pixels[y * (1 + 1024 * 3)] == 0 for y in range(1024))
    assert len(data) < 200_000  # the pattern compresses: a b64_json answer stays small


def test_gradient_is_deterministic_per_seed_and_differs_between_seeds() -> None:
    one = png.gradient(128, 128, b"otters")
    assert one == png.gradient(128, 128, b"otters")
    other = png.gradient(128, 128, b"owls")
    assert png.read(one).rows() != png.read(other).rows()


def test_gradient_sizes_alpha_and_fade() -> None:
    wide = png.read(png.gradient(1792, 1024, b"s"))
    assert (wide.width, wide.height) == (1792, 1024)
    clear = png.read(png.gradient(16, 16, b"s", alpha=True))
    alphas = {row[i] for row in clear.rows() for i in range(3, len(row), 4)}
    assert 255 in alphas and min(alphas) < 32  # opaque corner to transparent corner
    sharp, washed = png.read(png.gradient(8, 8, b"s")), png.read(png.gradient(8, 8, b"s", fade=0.9))
    spread = lambda image: max(image.rows()[0]) - min(image.rows()[0])  # noqa: E731
    assert spread(washed) < spread(sharp)


def test_encode_rejects_rows_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="row 1 has 5 bytes"):
        png.encode(2, 2, [b"\x00" * 6, b"\x00" * 5])
    with pytest.raises(ValueError, match="need 3 rows"):
        png.encode(2, 3, [b"\x00" * 6])


def test_reader_rejects_bad_signature_crc_and_truncation() -> None:
    data = png.gradient(8, 8, b"s")
    with pytest.raises(png.PNGError, match="signature"):
        png.read(b"GIF89a" + data[6:])
    broken = bytearray(data)
    broken[20] ^= 0xFF  # inside the IHDR data
    with pytest.raises(png.PNGError, match="bad CRC"):
        png.read(bytes(broken))
    with pytest.raises(png.PNGError, match=r"cut short|IEND"):
        png.read(data[:-6])


def test_rows_refuses_other_filter_types() -> None:
    raw = b"\x01" + b"\x00" * 3
    chunk = lambda kind, body: (  # noqa: E731
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    )
    data = (
        png.SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(png.PNGError, match="filter type 1"):
        png.read(data).rows()


def test_header_reads_dimensions_without_inflating() -> None:
    assert png.header(png.gradient(300, 200, b"s")) == (300, 200)
    assert png.header(b"not a png at all, no") is None
