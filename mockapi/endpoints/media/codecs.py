"""Audio and video codecs through PyAV (FFmpeg): the only module that imports ``av``.

Imported only after :func:`mockapi.endpoints.media.extra.require_av` said PyAV is there
(the optional extra ``mockapi[media]``). Three things:

* :func:`speech`: 16-bit mono PCM as ``opus`` (Ogg Opus, libopus) or ``aac`` (ADTS,
  FFmpeg's AAC encoder), the speech endpoint's formats that need a real codec. The text
  spoken rides along as the other formats carry it (an Opus comment ``MOCKAPI_TEXT``;
  an ID3v2 ``TXXX:mockapi`` frame before the ADTS frames, as the MP3 has), so
  transcribing the mock's own speech gives the text back.
* :func:`mp4`: a :class:`Clip` (frames drawn by the caller, a soundtrack) as an MP4 of
  H.264 (libx264, ``yuv420p``, one thread so the bytes are the same on every machine)
  and AAC, its index at the front (``+faststart``) so a browser plays it while it loads.
* :func:`probe`: an uploaded video's frame size and duration, read by FFmpeg's demuxers.

Every container is written ``bitexact`` (no random Ogg serial numbers, no FFmpeg version
strings), so the same input gives the same bytes on every run (on the same PyAV build:
another FFmpeg may encode differently).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av

FRAME_SAMPLES = 4096
"""Samples handed to an audio encoder at a time (PyAV re-frames them for the codec)."""
SPEECH_CONTAINERS = {"opus": ("ogg", "libopus"), "aac": ("adts", "aac")}
"""The container and encoder of each speech format made here."""
TEXT_KEY = {"opus": "MOCKAPI_TEXT", "aac": "mockapi"}
"""Where each format carries the text spoken: the Opus comment's key (as FLAC's), the
ID3 ``TXXX`` description (as the MP3's)."""
_BITEXACT = {"flags": "+bitexact"}
"""Encoders leave their version out of what they write."""
H264_OPTIONS = {"preset": "ultrafast", "crf": "36", "threads": "1", **_BITEXACT}
"""libx264 settings: fast, small for the smooth pictures drawn, and single-threaded so
the output does not depend on the machine's cores."""


def speech(pcm: bytes, *, rate: int, fmt: str, text: str | None = None) -> bytes:
    """16-bit little-endian mono ``pcm`` at ``rate`` Hz encoded as ``fmt`` (``opus`` or
    ``aac``; see :data:`SPEECH_CONTAINERS`), carrying ``text``."""
    container_format, encoder = SPEECH_CONTAINERS[fmt]
    out = io.BytesIO()
    options = {"fflags": "+bitexact"}
    if fmt == "aac" and text is not None:
        options["write_id3v2"] = "1"
    with av.open(out, "w", format=container_format, options=options) as container:
        if text is not None:
            container.metadata[TEXT_KEY[fmt]] = text
        stream = container.add_stream(encoder, rate=rate, layout="mono", options=_BITEXACT)
        _encode_audio(container, stream, pcm, rate)
    return out.getvalue()


def _encode_audio(
    container: av.container.OutputContainer, stream: av.AudioStream, pcm: bytes, rate: int
) -> None:
    """Send ``pcm`` through ``stream``'s encoder into ``container``, then flush it."""
    total = len(pcm) // 2
    for start in range(0, total, FRAME_SAMPLES):
        count = min(FRAME_SAMPLES, total - start)
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.planes[0].update(pcm[2 * start : 2 * (start + count)])
        frame.sample_rate = rate
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


class Clip(Protocol):
    """A video to encode: its frame size, rate and count, each frame's planes, and its
    soundtrack (16-bit mono PCM at :attr:`audio_rate`, as long as the frames)."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def fps(self) -> int: ...
    @property
    def frames(self) -> int: ...
    @property
    def audio_rate(self) -> int: ...

    def planes(self, index: int, luma_stride: int, chroma_stride: int) -> tuple[bytes, ...]:
        """Frame ``index`` as ``yuv420p``: the Y plane (``height`` rows of
        ``luma_stride`` bytes), then U and V (``height / 2`` rows of ``chroma_stride``)."""
        ...

    def audio(self) -> bytes:
        """The soundtrack's PCM."""
        ...


def mp4(clip: Clip, *, progress: Callable[[int], bool] | None = None) -> bytes | None:
    """``clip`` as an MP4 (H.264 + AAC, ``+faststart``). ``progress`` is told the number
    of frames encoded every second of video; when it answers False the encoding stops
    and None is returned (the job that wanted it is gone)."""
    with tempfile.TemporaryDirectory(prefix="mockapi-video-") as folder:
        # +faststart moves the index to the front once the file is written, which needs a
        # file it can read back: an in-memory buffer will not do.
        path = Path(folder) / "video.mp4"
        options = {"movflags": "+faststart", "fflags": "+bitexact"}
        with av.open(str(path), "w", format="mp4", options=options) as out:
            video = out.add_stream("libx264", rate=clip.fps, options=dict(H264_OPTIONS))
            video.width, video.height, video.pix_fmt = clip.width, clip.height, "yuv420p"
            sound = out.add_stream("aac", rate=clip.audio_rate, layout="mono", options=_BITEXACT)
            for index in range(clip.frames):
                frame = av.VideoFrame(clip.width, clip.height, "yuv420p")
                luma, blue, red = frame.planes
                planes = clip.planes(index, luma.line_size, blue.line_size)
                for plane, data in zip((luma, blue, red), planes, strict=True):
                    plane.update(data)
                frame.pts = index
                out.mux(video.encode(frame))
                done = index + 1
                if progress is not None and done % clip.fps == 0 and not progress(done):
                    return None
            out.mux(video.encode(None))
            _encode_audio(out, sound, clip.audio(), clip.audio_rate)
        return path.read_bytes()


@dataclass(frozen=True)
class VideoProbe:
    """What :func:`probe` read of a video: its frame size, duration and codec."""

    width: int
    height: int
    seconds: float
    codec: str


def probe(data: bytes) -> VideoProbe | None:
    """The first video stream's frame size and the file's duration, or None when FFmpeg
    finds no video in ``data`` (not a video file, or a broken one)."""
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if container.duration is not None:
                seconds = container.duration / av.time_base
            elif stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                seconds = 0.0
            return VideoProbe(width, height, seconds, stream.codec_context.name)
    except (av.FFmpegError, ValueError):
        return None
