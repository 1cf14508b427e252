"""The mock's speech, its WAV and FLAC writers, and the upload sniffer (pure)."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from mockapi.endpoints.audio import codec

PHRASE = "Hello there, world 42!"


def test_speech_lasts_in_proportion_to_the_text_and_the_speed() -> None:
    pcm = codec.speech_pcm(PHRASE)
    assert len(pcm) == len(PHRASE) * 1600 * 2  # 15 characters a second at 24 kHz, 16-bit
    assert codec.speech_duration(PHRASE) == pytest.approx(len(PHRASE) / 15)
    fast = codec.speech_pcm(PHRASE, speed=2.0)
    assert len(fast) * 2 == len(pcm)
    assert len(pcm) / 2 / 24_000 == pytest.approx(codec.speech_duration(PHRASE))


def test_speech_is_deterministic_per_text_and_voice_and_silent_between_words() -> None:
    assert codec.speech_pcm(PHRASE) == codec.speech_pcm(PHRASE)
    assert codec.speech_pcm(PHRASE, voice="echo") != codec.speech_pcm(PHRASE)
    samples = struct.unpack(f"<{len(PHRASE) * 1600}h", codec.speech_pcm(PHRASE))
    space = PHRASE.index(" ")
    assert not any(samples[space * 1600 : (space + 1) * 1600])
    letter = samples[:1600]
    assert max(letter) > 5000 and min(letter) < -5000  # a real tone, not silence


def test_wav_is_read_by_the_stdlib_and_carries_its_text() -> None:
    pcm = codec.speech_pcm(PHRASE)
    data = codec.wav(pcm, text=PHRASE)
    with wave.open(io.BytesIO(data)) as read:
        assert (read.getframerate(), read.getnchannels(), read.getsampwidth()) == (24_000, 1, 2)
        assert read.getnframes() == len(pcm) // 2
        assert read.readframes(read.getnframes()) == pcm
    info = codec.inspect(data)
    assert info is not None
    assert (info.format, info.text) == ("wav", PHRASE)
    assert info.duration == pytest.approx(len(pcm) / 2 / 24_000)
    assert info.pcm_key == codec.pcm_digest(pcm)


def test_a_wav_not_made_by_mockapi_has_no_text() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(bytes(16_000 * 4))  # one second of stereo silence
    info = codec.inspect(buffer.getvalue())
    assert info is not None
    assert info.text is None
    assert info.duration == pytest.approx(1.0)


def _decode_flac(data: bytes) -> tuple[dict[str, int | bytes], bytes, str | None]:
    """A small FLAC reader for verbatim mono 16-bit frames, checking every CRC."""
    assert data[:4] == b"fLaC"
    at, info, text = 4, {}, None
    while True:
        head, size = data[at], int.from_bytes(data[at + 1 : at + 4], "big")
        body = data[at + 4 : at + 4 + size]
        if head & 0x7F == 0:
            packed = int.from_bytes(body[10:18], "big")
            info = {
                "rate": packed >> 44,
                "channels": ((packed >> 41) & 0b111) + 1,
                "bits": ((packed >> 36) & 0b11111) + 1,
                "total": packed & ((1 << 36) - 1),
                "md5": body[18:34],
            }
        at += 4 + size
        if head & 0x80:
            break
    text = codec.inspect(data).text  # type: ignore[union-attr]
    pcm = b""
    while at < len(data):
        assert data[at : at + 2] == b"\xff\xf8"
        number_length = 1 if data[at + 4] < 0x80 else bin(data[at + 4]).index("0", 2) - 2
        header_end = at + 4 + number_length + 2
        count = struct.unpack(">H", data[header_end - 2 : header_end])[0] + 1
        assert codec.crc8(data[at:header_end]) == data[header_end]
        assert data[header_end + 1] == 0x02  # a verbatim subframe
        end = header_end + 2 + count * 2
        samples = data[header_end + 2 : end]
        assert codec.crc16(data[at:end]) == struct.unpack(">H", data[end : end + 2])[0]
        pcm += b"".join(samples[i : i + 2][::-1] for i in range(0, len(samples), 2))
        at = end + 2
    return info, pcm, text


def test_flac_frames_decode_back_to_the_pcm_with_valid_checksums(tmp_path: Path) -> None:
    pcm = codec.speech_pcm(PHRASE * 3)  # more than one 4096-sample block
    data = codec.flac(pcm, text=PHRASE)
    info, decoded, text = _decode_flac(data)
    assert info["rate"] == 24_000 and info["channels"] == 1 and info["bits"] == 16
    assert info["total"] == len(pcm) // 2
    assert info["md5"] == hashlib.md5(pcm).digest()
    assert decoded == pcm
    assert text == PHRASE
    sniffed = codec.inspect(data)
    assert sniffed is not None and sniffed.format == "flac"
    assert sniffed.duration == pytest.approx(len(pcm) / 2 / 24_000)
    flac_tool = shutil.which("flac")
    if flac_tool:  # the reference decoder, where the machine has it
        path = tmp_path / "speech.flac"
        path.write_bytes(data)
        subprocess.run([flac_tool, "--test", "--silent", str(path)], check=True)


@pytest.mark.parametrize("value", [0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFD, 0x10000, 0x10FFFF])
def test_flac_frame_numbers_are_coded_like_utf8(value: int) -> None:
    assert codec._utf8_number(value) == chr(value).encode("utf-8")


def _ogg_page(granule: int, packet: bytes) -> bytes:
    header = b"OggS\x00\x02" + struct.pack("<q", granule) + bytes(12)
    return header + bytes([1, len(packet)]) + packet


def test_inspect_recognises_compressed_uploads_and_their_length() -> None:
    # An MPEG-1 Layer III frame header at 128 kbit/s after an empty ID3 tag.
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + bytes(31_996)
    found = codec.inspect(mp3)
    assert found is not None and found.format == "mp3"
    assert found.duration == pytest.approx(2.0)
    opus = _ogg_page(0, b"OpusHead\x01\x01" + struct.pack("<H", 312) + bytes(8))
    opus += _ogg_page(48_000 * 3 + 312, b"audio")
    found = codec.inspect(opus)
    assert found is not None and (found.format, found.duration) == ("ogg", 3.0)
    webm = codec.inspect(b"\x1a\x45\xdf\xa3" + bytes(8000 - 4))
    m4a = codec.inspect(b"\x00\x00\x00\x20ftypM4A " + bytes(100))
    assert webm is not None and webm.format == "webm" and webm.duration == pytest.approx(1.0)
    assert m4a is not None and m4a.format == "m4a"


@pytest.mark.parametrize("data", [b"hello there", b"%PDF-1.7", b"\x89PNG\r\n\x1a\n", b""])
def test_inspect_refuses_what_is_not_audio(data: bytes) -> None:
    assert codec.inspect(data) is None


def test_mp3_carries_its_text_and_reads_back_with_its_duration() -> None:
    from mockapi.endpoints.audio import mp3 as audio_mp3

    pcm = codec.speech_pcm("Hello there", speed=1.0)
    data = audio_mp3.mp3(pcm, text="Hello there")
    found = codec.inspect(data)
    assert found is not None and found.format == "mp3"
    assert found.text == "Hello there"
    assert abs(found.duration - codec.speech_duration("Hello there")) < 0.1
    untagged = codec.inspect(audio_mp3.mp3(pcm))
    assert untagged is not None and untagged.text is None
