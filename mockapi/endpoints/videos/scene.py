"""What a mock video shows and sounds like: deterministic frames and a soundtrack.

Pure (no codec). A video is one or more :class:`Segment` s (an extension continues its
source: the source's segments, then its own), each drawn from a seed (the prompt, the
model, the size, the reference image, the server's ``--seed``): a banded diagonal
gradient in three colours of the seed, as the images family draws
(:func:`mockapi.endpoints.images.png.gradient`), sliding :data:`STEP` pixels along the
diagonal every frame, at :data:`FPS` frames a second. Each row of a frame is a slice of
one precomputed line, so a frame costs a few thousand slices, not a pixel loop.

The soundtrack is the prompt spoken as the speech endpoint speaks
(:func:`mockapi.endpoints.audio.codec.speech_pcm`: a tone per character, 15 a second),
cut or padded with silence to the video's length.

:meth:`Scene.planes` gives a frame in ``yuv420p`` for the H.264 encoder
(:mod:`mockapi.endpoints.media.codecs`), :meth:`Scene.rgb` the same frame in RGB for
the thumbnail and spritesheet (:mod:`mockapi.endpoints.media.pictures`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mockapi.endpoints.audio import codec
from mockapi.endpoints.images import png

FPS = 24
"""Frames a second (the film rate)."""
STEP = 3
"""Pixels the picture slides along its diagonal from one frame to the next."""
BAND = 48
"""Pixels of diagonal per band (every other band a shade darker): motion that shows."""
PAD = 256
"""Room past a row's end for the encoder's padded rows (its stride exceeds the width)."""
AUDIO_RATE = codec.SAMPLE_RATE


@dataclass(frozen=True)
class Segment:
    """A stretch of video drawn from one seed: ``seconds`` long."""

    seed: bytes
    seconds: int


@dataclass(frozen=True)
class Scene:
    """A whole video: its frame size, its segments (in order) and its soundtrack text."""

    width: int
    height: int
    segments: tuple[Segment, ...]
    text: str = ""
    fps: int = FPS
    audio_rate: int = AUDIO_RATE

    def __post_init__(self) -> None:
        if self.width < 2 or self.height < 2 or self.width % 2 or self.height % 2:
            raise ValueError(f"a video frame is at least 2x2 with even sides, not {self.size}")
        if not self.segments or any(s.seconds < 1 for s in self.segments):
            raise ValueError(f"a video has segments of a second or more, not {self.segments}")

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def seconds(self) -> int:
        return sum(segment.seconds for segment in self.segments)

    @property
    def frames(self) -> int:
        return self.seconds * self.fps

    def _locate(self, index: int) -> tuple[Segment, int]:
        """The segment frame ``index`` is in, and its number within that segment."""
        if not 0 <= index < self.frames:
            raise IndexError(f"frame {index} of a {self.frames}-frame video")
        for segment in self.segments:
            count = segment.seconds * self.fps
            if index < count:
                return segment, index
            index -= count
        raise AssertionError("unreachable: the index was checked against the frames")

    def _span(self, segment: Segment) -> int:
        return self.width + self.height + segment.seconds * self.fps * STEP + PAD

    def planes(self, index: int, luma_stride: int, chroma_stride: int) -> tuple[bytes, ...]:
        """Frame ``index`` as ``yuv420p`` planes: Y (``height`` rows of ``luma_stride``
        bytes), then U and V (``height / 2`` rows of ``chroma_stride`` bytes, each pixel
        the colour at the top left of its 2x2 block)."""
        segment, local = self._locate(index)
        if luma_stride > self.width + PAD // 2 or 2 * chroma_stride > self.width + PAD // 2:
            raise ValueError(f"rows of {luma_stride} bytes are too wide for {self.size}")
        luma, blue, red = _yuv_lines(segment.seed, self._span(segment))
        offset, last = local * STEP, self.height - 1
        y_plane = b"".join(
            luma[offset + last - y : offset + last - y + luma_stride] for y in range(self.height)
        )
        chroma = []
        for line in (blue, red):
            starts = (offset + last - 2 * y for y in range(self.height // 2))
            chroma.append(b"".join(line[at : at + 2 * chroma_stride : 2] for at in starts))
        return y_plane, chroma[0], chroma[1]

    def rgb(self, index: int) -> bytes:
        """Frame ``index`` as 8-bit RGB pixels, row after row (a picture to encode)."""
        segment, local = self._locate(index)
        line = _rgb_line(segment.seed, self._span(segment))
        offset, last, width = local * STEP, self.height - 1, self.width
        return b"".join(
            line[3 * (offset + last - y) : 3 * (offset + last - y + width)]
            for y in range(self.height)
        )

    def extended(self, segment: Segment, text: str) -> Scene:
        """This scene continued by ``segment``, saying ``text`` after what it said (its
        own frames and sound first, unchanged: an extension's stitched video)."""
        said = int(self.seconds * codec.CHARS_PER_SECOND)
        spoken = self.text[:said].ljust(said) + text
        return Scene(self.width, self.height, (*self.segments, segment), spoken, self.fps)

    def audio(self) -> bytes:
        """The soundtrack: 16-bit mono PCM at :data:`AUDIO_RATE`, exactly as long as
        the video (the prompt's tones, then silence)."""
        wanted = self.seconds * self.audio_rate * 2
        spoken = int(self.seconds * codec.CHARS_PER_SECOND)
        pcm = codec.speech_pcm(self.text[:spoken]) if self.text.strip() else b""
        return pcm[:wanted] + bytes(max(0, wanted - len(pcm)))


@functools.lru_cache(maxsize=16)
def _rgb_line(seed: bytes, span: int) -> bytes:
    """The diagonal's colours, ``span`` RGB pixels: every frame's rows are slices of it."""
    colours = png.palette(seed)
    built = bytearray()
    for i in range(span):
        r, g, b = png.blend(colours, i / max(1, span - 1))
        if (i // BAND) % 2:
            r, g, b = r * 7 // 8, g * 7 // 8, b * 7 // 8
        built += bytes((r, g, b))
    return bytes(built)


@functools.lru_cache(maxsize=16)
def _yuv_lines(seed: bytes, span: int) -> tuple[bytes, bytes, bytes]:
    """:func:`_rgb_line` as BT.601 limited-range Y, U (Cb) and V (Cr) lines."""
    line = _rgb_line(seed, span)
    luma, blue, red = bytearray(span), bytearray(span), bytearray(span)
    for i in range(span):
        r, g, b = line[3 * i], line[3 * i + 1], line[3 * i + 2]
        luma[i] = 16 + (65_738 * r + 129_057 * g + 25_064 * b) // 256_000
        blue[i] = 128 + (-37_945 * r - 74_494 * g + 112_439 * b) // 256_000
        red[i] = 128 + (112_439 * r - 94_154 * g - 18_285 * b) // 256_000
    return bytes(luma), bytes(blue), bytes(red)
