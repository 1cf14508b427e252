"""Media through the libraries (mockapi.endpoints.media): opus and aac speech made by PyAV
and read back by PyAV's demuxers and mockapi's own sniffer (duration, text), JPEG and
WebP images made by Pillow and decoded by it, spritesheets, upload modes as Pillow names
them, and the 501 naming the media extra when PyAV is missing."""

from __future__ import annotations

import io
import sys

import av
import pytest
from PIL import Image

from mockapi.endpoints.audio import codec, encode
from mockapi.endpoints.images import inputs, png
from mockapi.endpoints.media import extra, pictures
from mockapi.errors import APIError

SAID = "Twelve quiet words about audio."  # 31 characters: 31 / 15 seconds


def _decoded(data: bytes) -> tuple[str, int, int, float]:
    """The codec, sample rate, channels and seconds of the first audio stream."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        rate = stream.codec_context.sample_rate
        return stream.codec_context.name, rate, stream.codec_context.channels, samples / rate


@pytest.mark.parametrize(
    ("fmt", "codec_name", "rate", "sniffed"),
    [("opus", "opus", 48_000, "ogg"), ("aac", "aac", 24_000, "aac")],
)
def test_opus_and_aac_speech_decode_to_the_speech_length(
    fmt: str, codec_name: str, rate: int, sniffed: str
) -> None:
    pcm = codec.speech_pcm(SAID)
    audio = encode.speech(pcm, fmt, text=SAID)
    name, decoded_rate, channels, seconds = _decoded(audio)
    assert (name, decoded_rate, channels) == (codec_name, rate, 1)
    # Opus and AAC add encoder delay (a frame or two); the length is the speech's.
    assert abs(seconds - len(SAID) / 15) < 0.1
    info = codec.inspect(audio)
    assert info is not None and (info.format, info.text) == (sniffed, SAID)
    assert abs(info.duration - len(SAID) / 15) < 0.1
    assert encode.speech(pcm, fmt, text=SAID) == audio  # the same speech, the same bytes


def test_every_speech_format_has_its_content_type() -> None:
    assert encode.MEDIA_TYPES["opus"] == "audio/opus" and encode.MEDIA_TYPES["aac"] == "audio/aac"
    pcm = codec.speech_pcm("Hi")
    assert encode.speech(pcm, "pcm", text="Hi") == pcm
    assert encode.speech(pcm, "opus", text="Hi")[:4] == b"OggS"
    adts = encode.speech(pcm, "aac", text="Hi")
    assert adts[:3] == b"ID3" and codec.inspect(adts) is not None


def test_without_pyav_opus_is_a_501_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    assert not extra.av_available()
    pcm = codec.speech_pcm("Hi")
    with pytest.raises(APIError) as caught:
        encode.speech(pcm, "opus", text="Hi")
    error = caught.value
    assert (error.status, error.code, error.type) == (501, extra.CODE, "server_error")
    assert "pip install 'mockapi[media]'" in error.message and "opus audio" in error.message
    assert encode.speech(pcm, "mp3", text="Hi")[:3] == b"ID3"  # LAME needs no extra


def test_ogg_comments_span_pages_and_adts_frames_are_counted() -> None:
    long_text = "word " * 20_000  # a comment packet over 64 KB: several Ogg pages
    opus = encode.speech(codec.speech_pcm("Hi"), "opus", text=long_text)
    info = codec.inspect(opus)
    assert info is not None and info.text == long_text
    plain = encode.speech(codec.speech_pcm("x" * 45), "aac", text="unused")
    without_tag = plain[plain.index(b"\xff\xf1") :]  # the ADTS frames alone
    info = codec.inspect(without_tag)
    assert info is not None and info.format == "aac" and info.text is None
    assert abs(info.duration - 3.0) < 0.1


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "png"])
def test_pictures_encode_each_format_pillow_reads(fmt: str) -> None:
    rows = png.gradient_rows(96, 64, b"seed")
    data = pictures.encode(96, 64, b"".join(rows), alpha=False, fmt=fmt, quality=90)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size, image.mode) == (
            pictures.PIL_FORMATS[fmt],
            (96, 64),
            "RGB",
        )
        # The gradient survives: the first pixel's colour is the palette's first, nearly.
        first = image.convert("RGB").getpixel((0, 63))
    assert isinstance(first, tuple)
    expected = png.palette(b"seed")[0]
    assert all(abs(a - b) < 24 for a, b in zip(first, expected, strict=True))


def test_quality_alpha_and_jpeg_flattening() -> None:
    pixels = b"".join(png.gradient_rows(128, 128, b"q", alpha=True))
    webp = pictures.encode(128, 128, pixels, alpha=True, fmt="webp", quality=100)
    small = pictures.encode(128, 128, pixels, alpha=True, fmt="webp", quality=10)
    assert len(small) < len(webp)
    with Image.open(io.BytesIO(webp)) as image:
        assert image.mode == "RGBA"
    jpeg = pictures.encode(128, 128, pixels, alpha=True, fmt="jpeg", quality=90)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.mode == "RGB"
        # The transparent corner (top right) is flattened onto white.
        corner = image.getpixel((127, 0))
        assert isinstance(corner, tuple) and min(corner) > 230
    with pytest.raises(ValueError, match="gif"):
        pictures.encode(2, 2, bytes(12), alpha=False, fmt="gif")


def test_sheet_lays_frames_out_in_a_grid() -> None:
    frames = [bytes([value]) * (40 * 20 * 3) for value in (0, 80, 160, 240, 255)]
    data = pictures.sheet(frames, frame_size=(40, 20), tile_size=(10, 5), columns=2)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("JPEG", (20, 15))  # 2 columns, 3 rows
        grey = image.convert("L")
        assert grey.getpixel((15, 5)) == pytest.approx(240, abs=12)  # the fourth frame
        assert grey.getpixel((5, 10)) == pytest.approx(255, abs=12)  # the fifth


def test_upload_modes_are_pillows_names() -> None:
    def png_of(mode: str) -> bytes:
        out = io.BytesIO()
        Image.new(mode, (8, 8)).save(out, "PNG")
        return out.getvalue()

    assert inputs.InputImage.of(png_of("1")).mode == "1"  # 1-bit: not "L"
    assert inputs.InputImage.of(png_of("P")).mode == "P"
    assert inputs.InputImage.of(png_of("LA")).mode == "LA"
    jpeg = io.BytesIO()
    Image.new("RGB", (30, 20)).save(jpeg, "JPEG")
    image = inputs.InputImage.of(jpeg.getvalue())
    assert image.dimensions == (30, 20) and image.mode is None
    assert pictures.probe(b"not an image") is None
    probe = pictures.probe(png_of("RGBA"))
    assert probe == pictures.Probe("image/png", 8, 8, "RGBA")
