"""Speech audio in each format the API serves: the one place that picks the encoder.

``mp3`` (LAME, :mod:`.mp3`), ``wav``, ``flac`` and raw ``pcm`` (:mod:`.codec`) are
written without FFmpeg; ``opus`` (Ogg Opus) and ``aac`` (ADTS) go through PyAV
(:mod:`mockapi.endpoints.media.codecs`), the optional extra ``mockapi[media]``: asked
for without it, they are a 501 naming the extra. Every format but ``pcm`` carries the
text spoken, so transcribing it gives the text back.
"""

from __future__ import annotations

from mockapi.endpoints.audio import codec
from mockapi.endpoints.audio import mp3 as lame
from mockapi.endpoints.media import extra

MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
"""Every ``response_format`` the API takes, with the content type it answers it with."""
NEEDS_AV = frozenset({"opus", "aac"})
"""The formats only PyAV encodes."""


def speech(pcm: bytes, fmt: str, *, text: str) -> bytes:
    """The speech ``pcm`` (16-bit mono at :data:`~.codec.SAMPLE_RATE`) as a ``fmt`` file
    carrying ``text``; a 501 naming the media extra for ``opus``/``aac`` without PyAV."""
    if fmt == "mp3":
        return lame.mp3(pcm, text=text)
    if fmt == "wav":
        return codec.wav(pcm, text=text)
    if fmt == "flac":
        return codec.flac(pcm, text=text)
    if fmt in NEEDS_AV:
        extra.require_av(f"{fmt} audio")
        from mockapi.endpoints.media import codecs

        return codecs.speech(pcm, rate=codec.SAMPLE_RATE, fmt=fmt, text=text)
    if fmt == "pcm":
        return pcm
    raise ValueError(f"unknown speech format {fmt!r}: one of {sorted(MEDIA_TYPES)}")
