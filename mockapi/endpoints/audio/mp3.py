"""MP3, the speech endpoint's default format: encoded by LAME (the ``lameenc`` wheel).

The only module that imports ``lameenc``. The spoken text rides in an ID3v2.3 ``TXXX``
frame described ``mockapi`` (read back by :func:`mockapi.endpoints.audio.codec.inspect`),
so transcribing the mock's own MP3 gives back the text it spoke, as for WAV and FLAC.
"""

from __future__ import annotations

import struct

import lameenc

from mockapi.endpoints.audio.codec import MARKER, SAMPLE_RATE

BITRATE_KBPS = 64
"""Constant bit rate: small files, and a duration readers compute from the first frame."""


def mp3(pcm: bytes, *, rate: int = SAMPLE_RATE, text: str | None = None) -> bytes:
    """16-bit little-endian mono ``pcm`` as a CBR MP3, ``text`` in an ID3v2 tag."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)  # fast; the tones need no psychoacoustic care
    frames = bytes(encoder.encode(pcm)) + bytes(encoder.flush())
    return (_id3(text) if text is not None else b"") + frames


def _id3(text: str) -> bytes:
    # TXXX: encoding byte (3: UTF-8), description, NUL, value.
    payload = b"\x03" + MARKER.encode() + b"\x00" + text.encode("utf-8")
    frame = b"TXXX" + struct.pack(">I", len(payload)) + b"\x00\x00" + payload
    return b"ID3\x03\x00\x00" + _syncsafe(len(frame)) + frame


def _syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))
