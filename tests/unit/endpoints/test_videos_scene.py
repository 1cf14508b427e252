"""What a mock video shows and sounds like (mockapi.endpoints.videos.scene) and its MP4
(mockapi.endpoints.media.codecs): planes of the encoder's strides, RGB frames that match
them, an extension that starts with its source's very frames and sound, a soundtrack of
the video's exact length, and an MP4 that PyAV demuxes and decodes to those frames."""

from __future__ import annotations

import io

import av
import pytest

from mockapi.endpoints.audio import codec
from mockapi.endpoints.media import codecs
from mockapi.endpoints.videos.scene import FPS, STEP, Scene, Segment

SEED = bytes(range(32))


def small(seconds: int = 1, text: str = "a fox") -> Scene:
    return Scene(64, 36, (Segment(SEED, seconds),), text)


def test_planes_fit_the_strides_and_move_each_frame() -> None:
    scene = small(2)
    assert (scene.frames, scene.seconds, scene.size) == (2 * FPS, 2, "64x36")
    luma, blue, red = scene.planes(0, 96, 48)
    assert (len(luma), len(blue), len(red)) == (36 * 96, 18 * 48, 18 * 48)
    assert scene.planes(0, 96, 48) == (luma, blue, red)  # the same frame, the same bytes
    later = scene.planes(1, 96, 48)[0]
    # The picture slides STEP pixels along its diagonal: row y of frame 1 is row y of
    # frame 0 shifted left by STEP.
    assert later[: 64 - STEP] == luma[STEP:64]
    assert all(16 <= value <= 235 for value in luma)
    assert all(16 <= value <= 240 for value in blue + red)
    with pytest.raises(IndexError):
        scene.planes(scene.frames, 96, 48)
    with pytest.raises(ValueError, match="too wide"):
        scene.planes(0, 64 + 1000, 48)


def test_rgb_frames_are_the_same_picture() -> None:
    scene = small()
    pixels = scene.rgb(5)
    assert len(pixels) == 64 * 36 * 3
    luma = scene.planes(5, 64, 32)[0]
    # BT.601: the luma of the bottom-left pixel follows from its RGB.
    r, g, b = pixels[3 * 64 * 35 : 3 * 64 * 35 + 3]
    assert abs(luma[64 * 35] - (16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256)) < 1.5


def test_an_extension_starts_with_its_source() -> None:
    source = small(1, "the source speaks")
    longer = source.extended(Segment(bytes(32), 2), "then the extension")
    assert (longer.seconds, longer.frames) == (3, 3 * FPS)
    for index in (0, FPS - 1):
        assert longer.planes(index, 64, 32) == source.planes(index, 64, 32)
    assert longer.planes(FPS, 64, 32) != source.planes(0, 64, 32)  # a new seed, new colours
    assert longer.audio()[: len(source.audio())] == source.audio()
    with pytest.raises(ValueError):
        Scene(63, 36, (Segment(SEED, 1),))
    with pytest.raises(ValueError):
        Scene(64, 36, ())


def test_the_soundtrack_is_the_prompt_spoken_then_silence() -> None:
    scene = small(2, "Hi")
    audio = scene.audio()
    assert len(audio) == 2 * codec.SAMPLE_RATE * 2  # exactly the video's length
    spoken = codec.speech_pcm("Hi")
    assert audio.startswith(spoken) and audio[len(spoken) :] == bytes(len(audio) - len(spoken))
    long_prompt = Scene(64, 36, (Segment(SEED, 1),), "x" * 1000).audio()
    assert len(long_prompt) == codec.SAMPLE_RATE * 2  # cut to the video's length
    assert small(1, "   ").audio() == bytes(codec.SAMPLE_RATE * 2)


def test_the_mp4_demuxes_to_the_scene() -> None:
    scene = small(2, "hello")
    data = codecs.mp4(scene)
    assert data is not None and data[4:8] == b"ftyp"
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: the index first
    assert codecs.mp4(scene) == data  # deterministic
    with av.open(io.BytesIO(data)) as container:
        assert container.duration is not None and abs(container.duration / av.time_base - 2) < 0.05
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        frames = list(container.decode(video))
    assert len(frames) == 2 * FPS
    assert (frames[0].width, frames[0].height) == (64, 36)
    # The first frame decodes to the scene's picture (lossy, but close).
    plane = frames[0].planes[0]
    stride, decoded = plane.line_size, bytes(plane)
    expected = scene.planes(0, stride, 32)[0]
    pairs = [
        (decoded[y * stride + x], expected[y * stride + x]) for y in range(36) for x in range(64)
    ]
    assert sum(abs(a - b) <= 12 for a, b in pairs) > 0.9 * len(pairs)
    probe = codecs.probe(data)
    assert probe is not None and (probe.width, probe.height, probe.codec) == (64, 36, "h264")
    assert abs(probe.seconds - 2) < 0.05
    assert codecs.probe(b"not a video") is None


def test_rendering_stops_when_told() -> None:
    seen: list[int] = []

    def stop_after_first_second(done: int) -> bool:
        seen.append(done)
        return done < FPS

    assert codecs.mp4(small(3), progress=stop_after_first_second) is None
    assert seen == [FPS]
