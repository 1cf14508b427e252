"""Audio as bytes: the mock's speech (a tone sequence), WAV and FLAC writers, and a sniffer.

Pure and stdlib-only. What ``POST /v1/audio/speech`` sends is 24 kHz, 16-bit, mono,
little-endian PCM (what the API documents for ``pcm``), built from the input text:

* every character lasts ``1 / CHARS_PER_SECOND / speed`` seconds (``speed`` 1.0: 15
  characters a second, about the pace of real speech), so the duration is
  ``len(input) / 15 / speed`` seconds (at least one character's worth);
* a letter or digit is a tone whose pitch depends on the character and the voice (two
  partials, faded in and out so characters do not click); anything else is silence.

:func:`wav` and :func:`flac` wrap that PCM in a container, and both can carry a text:
a WAV ``LIST/INFO`` chunk (``ISFT`` "mockapi", ``ICMT`` the text) and a FLAC Vorbis
comment (``MOCKAPI_TEXT=...``). :func:`inspect` reads them back (and the same from
the Ogg Opus and ADTS AAC files :mod:`.encode` makes through PyAV), with the format and
the duration of any upload, so transcribing the mock's own speech gives back the text
spoken. FLAC frames use verbatim subframes: no compression, but valid FLAC that any
decoder plays.
"""

from __future__ import annotations

import functools
import hashlib
import math
import struct
import sys
import zlib
from array import array
from dataclasses import dataclass

SAMPLE_RATE = 24_000
CHARS_PER_SECOND = 15.0
MARKER = "mockapi"
"""The ``ISFT`` (software) value that marks a WAV's ``ICMT`` as the text it speaks."""
FLAC_TEXT_KEY = "MOCKAPI_TEXT"
_AMPLITUDE = 0.3 * 32767
_FLAC_BLOCK = 4096


def samples_per_char(speed: float = 1.0) -> int:
    """How many samples one character of input lasts at ``speed``."""
    return max(1, round(SAMPLE_RATE / CHARS_PER_SECOND / speed))


def speech_duration(text: str, speed: float = 1.0) -> float:
    """Seconds of audio :func:`speech_pcm` makes for ``text`` at ``speed``."""
    return max(len(text), 1) * samples_per_char(speed) / SAMPLE_RATE


def speech_pcm(text: str, *, voice: str = "alloy", speed: float = 1.0) -> bytes:
    """The mock's speech for ``text``: 16-bit little-endian mono PCM at :data:`SAMPLE_RATE`."""
    length = samples_per_char(speed)
    base = 110.0 + (zlib.crc32(voice.encode()) % 12) * 10.0  # the voice's pitch, in Hz
    cache: dict[str, bytes] = {}
    parts = []
    for char in text or " ":
        segment = cache.get(char)
        if segment is None:
            segment = cache[char] = _segment(char, length, base)
        parts.append(segment)
    return b"".join(parts)


@functools.lru_cache(maxsize=1024)
def _segment(char: str, length: int, base: float) -> bytes:
    """One character's samples (cached: a text has few distinct characters)."""
    if not char.isalnum():
        return bytes(2 * length)
    step = ord(char.lower()) % 24
    pitch = base * 2 ** (step / 12)
    formant = pitch * (3 if char.lower() in "aeiou" else 2)
    fade = max(1, length // 10)
    one, two = 2 * math.pi * pitch / SAMPLE_RATE, 2 * math.pi * formant / SAMPLE_RATE
    sin = math.sin
    samples = array(
        "h",
        (
            int(
                _AMPLITUDE
                * min(1.0, i / fade, (length - 1 - i) / fade)
                * (0.7 * sin(one * i) + 0.3 * sin(two * i))
            )
            for i in range(length)
        ),
    )
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def pcm_digest(pcm: bytes) -> str:
    """The key of a PCM payload in the server's registry of what it spoke."""
    return hashlib.sha256(pcm).hexdigest()[:32]


# -- writers ---------------------------------------------------------------------------


def wav(
    pcm: bytes, *, rate: int = SAMPLE_RATE, channels: int = 1, text: str | None = None
) -> bytes:
    """A RIFF/WAVE file of 16-bit ``pcm``; ``text`` goes in a ``LIST/INFO`` chunk."""
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    chunks = [_chunk(b"fmt ", fmt)]
    if text is not None:
        info = _chunk(b"ISFT", _zstring(MARKER)) + _chunk(b"ICMT", _zstring(text))
        chunks.append(_chunk(b"LIST", b"INFO" + info))
    chunks.append(_chunk(b"data", pcm))
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _chunk(name: bytes, data: bytes) -> bytes:
    pad = b"\x00" if len(data) % 2 else b""
    return name + struct.pack("<I", len(data)) + data + pad


def _zstring(text: str) -> bytes:
    return text.encode("utf-8") + b"\x00"


def flac(pcm: bytes, *, rate: int = SAMPLE_RATE, text: str | None = None) -> bytes:
    """A FLAC file of 16-bit little-endian mono ``pcm`` (verbatim subframes); ``text``
    goes in a Vorbis comment as ``MOCKAPI_TEXT``."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "little":
        samples.byteswap()  # FLAC stores samples big-endian
    total = len(samples)
    streaminfo = (
        struct.pack(">HH", _FLAC_BLOCK, _FLAC_BLOCK)
        + b"\x00\x00\x00\x00\x00\x00"  # min/max frame size: unknown
        + ((rate << 44) | (0 << 41) | (15 << 36) | total).to_bytes(8, "big")
        + hashlib.md5(pcm[: total * 2]).digest()
    )
    comments = [f"{FLAC_TEXT_KEY}={text}"] if text is not None else []
    vendor = MARKER.encode()
    comment = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    for entry in comments:
        encoded = entry.encode("utf-8")
        comment += struct.pack("<I", len(encoded)) + encoded
    out = [b"fLaC", _block(0, streaminfo, last=False), _block(4, comment, last=True)]
    data = samples.tobytes()
    for number, start in enumerate(range(0, total, _FLAC_BLOCK)):
        count = min(_FLAC_BLOCK, total - start)
        out.append(_frame(number, data[start * 2 : (start + count) * 2], count, rate))
    return b"".join(out)


def _block(kind: int, data: bytes, *, last: bool) -> bytes:
    return bytes([(0x80 if last else 0) | kind]) + len(data).to_bytes(3, "big") + data


_RATE_CODES = {8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11}


def _frame(number: int, big_endian: bytes, count: int, rate: int) -> bytes:
    # Block size code 0b0111: the size-1 follows as 16 bits; channels 0 (mono); 16 bits.
    header = bytes([0xFF, 0xF8, (0b0111 << 4) | _RATE_CODES.get(rate, 0), 0b0000_1000])
    header += _utf8_number(number) + struct.pack(">H", count - 1)
    header += bytes([crc8(header)])
    frame = header + b"\x02" + big_endian  # subframe header: VERBATIM, no wasted bits
    return frame + struct.pack(">H", crc16(frame))


def _utf8_number(value: int) -> bytes:
    """FLAC's frame number coding (UTF-8's scheme, extended to 36 bits)."""
    if value < 0x80:
        return bytes([value])
    for length in range(2, 8):
        if value < 1 << (5 * length + 1):
            break
    tail = [0x80 | ((value >> (6 * i)) & 0x3F) for i in reversed(range(length - 1))]
    lead = ((0xFF00 >> length) & 0xFF) | (value >> (6 * (length - 1)))
    return bytes([lead, *tail])


def _table(poly: int, width: int) -> list[int]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
        table.append(crc)
    return table


_CRC8 = _table(0x07, 8)
_CRC16 = _table(0x8005, 16)


def crc8(data: bytes) -> int:
    """FLAC's header CRC-8 (polynomial 0x07)."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def crc16(data: bytes) -> int:
    """FLAC's frame CRC-16 (polynomial 0x8005)."""
    crc = 0
    table = _CRC16
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


# -- reading uploads -------------------------------------------------------------------

SUPPORTED_UPLOADS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
"""The formats the API transcribes, as its 'Invalid file format' error lists them."""


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`inspect` learnt of an audio file.

    ``duration`` is exact for WAV, FLAC, Ogg (from their headers) and ADTS AAC (its
    frames counted), derived from the first frame's bitrate for MP3, and an estimate at
    64 kbit/s for WebM and MP4/M4A. ``text`` is the text a mock-made file speaks (its
    WAV ``ICMT``, FLAC or Ogg comment, or MP3/AAC ID3 ``TXXX:mockapi`` frame);
    ``pcm_key`` is :func:`pcm_digest` of a WAV's samples.
    """

    format: str
    duration: float
    text: str | None = None
    pcm_key: str | None = None


def inspect(data: bytes) -> AudioInfo | None:
    """The format, duration and embedded text of an audio file; None if it is not audio."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _wav_info(data)
    if data[:4] == b"fLaC":
        return _flac_info(data)
    if data[:4] == b"OggS":
        return _ogg_info(data)
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return AudioInfo("webm", _estimate(data))
    if data[4:8] == b"ftyp":
        return AudioInfo("m4a", _estimate(data))
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        start = _first_frame(data)
        if _is_adts(data, start):  # AAC (the speech endpoint's aac), not MPEG audio
            return AudioInfo("aac", _adts_duration(data, start), text=_id3_text(data))
        return AudioInfo("mp3", _mp3_duration(data), text=_id3_text(data))
    return None


def _estimate(data: bytes, bitrate: int = 64_000) -> float:
    return round(len(data) * 8 / bitrate, 3)


def _wav_info(data: bytes) -> AudioInfo:
    rate, channels, width = SAMPLE_RATE, 1, 2
    info: dict[bytes, str] = {}
    pcm = b""
    at = 12
    while at + 8 <= len(data):
        name, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        body = data[at + 8 : at + 8 + size]
        if name == b"fmt " and len(body) >= 16:
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            width = max(1, bits // 8)
        elif name == b"LIST" and body[:4] == b"INFO":
            info = _info_chunks(body[4:])
        elif name == b"data":
            pcm = body
        at += 8 + size + (size % 2)
    frames = len(pcm) // max(1, channels * width)
    duration = frames / rate if rate else 0.0
    text = info.get(b"ICMT") if info.get(b"ISFT") == MARKER else None
    return AudioInfo("wav", duration, text=text, pcm_key=pcm_digest(pcm))


def _info_chunks(data: bytes) -> dict[bytes, str]:
    found = {}
    at = 0
    while at + 8 <= len(data):
        name, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        found[name] = data[at + 8 : at + 8 + size].rstrip(b"\x00").decode("utf-8", "replace")
        at += 8 + size + (size % 2)
    return found


def _flac_info(data: bytes) -> AudioInfo:
    duration, text = 0.0, None
    at = 4
    while at + 4 <= len(data):
        head = data[at]
        size = int.from_bytes(data[at + 1 : at + 4], "big")
        body = data[at + 4 : at + 4 + size]
        if head & 0x7F == 0 and len(body) >= 18:
            packed = int.from_bytes(body[10:18], "big")
            rate, total = packed >> 44, packed & ((1 << 36) - 1)
            duration = total / rate if rate else 0.0
        elif head & 0x7F == 4:
            text = _vorbis_text(body)
        at += 4 + size
        if head & 0x80:
            break
    return AudioInfo("flac", duration, text=text)


def _vorbis_text(body: bytes) -> str | None:
    try:
        at = 4 + struct.unpack("<I", body[:4])[0]
        count = struct.unpack("<I", body[at : at + 4])[0]
        at += 4
        for _ in range(count):
            size = struct.unpack("<I", body[at : at + 4])[0]
            entry = body[at + 4 : at + 4 + size].decode("utf-8", "replace")
            at += 4 + size
            key, _, value = entry.partition("=")
            if key.upper() == FLAC_TEXT_KEY:
                return value
    except struct.error:
        return None
    return None


def _ogg_info(data: bytes) -> AudioInfo:
    # The first packet says the codec (Opus: 48 kHz granules; Vorbis: its rate), the
    # second holds its comments (the mock's own speech: MOCKAPI_TEXT, as in FLAC); the
    # last page's granule position is the stream's length in samples.
    rate, skip, text = 48_000, 0, None
    packets = _ogg_packets(data, 2)
    packet = packets[0] if packets else b""
    tags = packets[1] if len(packets) > 1 else b""
    if packet[:8] == b"OpusHead" and len(packet) >= 12:
        skip = struct.unpack("<H", packet[10:12])[0]
        text = _vorbis_text(tags[8:]) if tags[:8] == b"OpusTags" else None
    elif packet[:7] == b"\x01vorbis" and len(packet) >= 16:
        rate = struct.unpack("<I", packet[12:16])[0] or 48_000
        text = _vorbis_text(tags[7:]) if tags[:7] == b"\x03vorbis" else None
    last = data.rfind(b"OggS")
    granule = struct.unpack("<q", data[last + 6 : last + 14])[0] if last + 14 <= len(data) else 0
    duration = max(0, granule - skip) / rate
    return AudioInfo("ogg", duration if duration > 0 else _estimate(data), text=text)


def _ogg_packets(data: bytes, wanted: int) -> list[bytes]:
    """The first ``wanted`` packets of an Ogg stream, joined across pages (a segment
    of 255 bytes continues its packet; a shorter one ends it)."""
    packets: list[bytes] = []
    current = b""
    at = 0
    while len(packets) < wanted and at + 27 <= len(data) and data[at : at + 4] == b"OggS":
        count = data[at + 26]
        body = at + 27 + count
        for size in data[at + 27 : body]:
            current += data[body : body + size]
            body += size
            if size < 255:
                packets.append(current)
                current = b""
        at = body
    return packets


_MP3_KBPS = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2
}


def _id3_text(data: bytes) -> str | None:
    """The ``TXXX:mockapi`` frame of an ID3v2.3/2.4 tag (what :mod:`audio_mp3` writes)."""
    if data[:3] != b"ID3" or len(data) < 10:
        return None
    end = 10 + (data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9])
    at = 10
    while at + 10 <= min(end, len(data)):
        name, size = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        if data[3] == 4:  # ID3v2.4 frame sizes are syncsafe too
            raw = data[at + 4 : at + 8]
            size = raw[0] << 21 | raw[1] << 14 | raw[2] << 7 | raw[3]
        body = data[at + 10 : at + 10 + size]
        if name == b"TXXX" and body[:1] == b"\x03":
            description, _, value = body[1:].partition(b"\x00")
            if description == MARKER.encode():
                return value.rstrip(b"\x00").decode("utf-8", "replace")
        if not name.strip(b"\x00") or size == 0:
            break
        at += 10 + size
    return None


def _first_frame(data: bytes) -> int:
    """Where the first frame sync (11 bits set) is, after any ID3v2 tag."""
    at = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]  # syncsafe
        at = 10 + size
    while at + 4 <= len(data) and not (data[at] == 0xFF and data[at + 1] & 0xE0 == 0xE0):
        at += 1
    return at


_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


def _is_adts(data: bytes, at: int) -> bool:
    """An ADTS (AAC) header at ``at``: 12 sync bits, then layer 0 (MPEG audio's is not)."""
    return at + 7 <= len(data) and data[at] == 0xFF and data[at + 1] & 0xF6 == 0xF0


def _adts_duration(data: bytes, at: int) -> float:
    """Seconds of an ADTS stream: its frames walked, 1024 samples per raw data block."""
    samples, rate = 0, 0
    while _is_adts(data, at):
        rate = _ADTS_RATES[min((data[at + 2] >> 2) & 0x0F, len(_ADTS_RATES) - 1)]
        length = (data[at + 3] & 0x03) << 11 | data[at + 4] << 3 | data[at + 5] >> 5
        samples += 1024 * ((data[at + 6] & 0x03) + 1)
        if length < 7:
            break
        at += length
    return round(samples / rate, 3) if rate else _estimate(data)


def _mp3_duration(data: bytes) -> float:
    at = _first_frame(data)
    if at + 4 > len(data):
        return _estimate(data, 128_000)
    version = (data[at + 1] >> 3) & 0b11
    index = data[at + 2] >> 4
    table = _MP3_KBPS[3] if version == 3 else _MP3_KBPS[2]
    kbps = table[index] if index < len(table) else 0
    return round((len(data) - at) * 8 / (kbps * 1000), 3) if kbps else _estimate(data, 128_000)
