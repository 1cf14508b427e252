"""Every format the API serves, on a real server through the strict SDK: ``opus`` and
``aac`` speech (decoded by PyAV, transcribed back to the text spoken), and GPT image
output as ``jpeg`` and ``webp`` (decoded by Pillow: size, alpha, quality), plain,
streamed and edited; every JSON answer checked against the derived schemas."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any, Literal

import av
import openai
import pytest
from PIL import Image

from mockapi.config import OnMiss
from mockapi.endpoints.images import png
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_client

SAID = "Opus and AAC are served now."
GENERATIONS = "POST /v1/images/generations"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1") as sdk:
        yield sdk


def _image(b64: str | None) -> Image.Image:
    assert b64 is not None
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "content_type", "codec", "name"),
    [("opus", "audio/opus", "opus", "speech.ogg"), ("aac", "audio/aac", "aac", "speech.aac")],
)
def test_opus_and_aac_speech_play_and_transcribe_back(
    client: openai.OpenAI, fmt: Literal["opus", "aac"], content_type: str, codec: str, name: str
) -> None:
    speech = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="coral", input=SAID, response_format=fmt
    )
    assert speech.response.headers["content-type"] == content_type
    with av.open(io.BytesIO(speech.content)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        seconds = samples / stream.codec_context.sample_rate
        assert stream.codec_context.name == codec
    assert abs(seconds - len(SAID) / 15) < 0.1
    back = client.audio.transcriptions.create(
        model="gpt-4o-transcribe", file=(name, speech.content, content_type)
    )
    assert back.text == SAID


def test_jpeg_and_webp_generations(client: openai.OpenAI) -> None:
    jpeg = client.images.generate(
        model="gpt-image-1", prompt="a red fox", output_format="jpeg", quality="low"
    )
    assert response_problems(GENERATIONS, jpeg.model_dump(mode="json", exclude_unset=True)) == []
    assert jpeg.output_format == "jpeg" and jpeg.data
    image = _image(jpeg.data[0].b64_json)
    assert (image.format, image.size, image.mode) == ("JPEG", (1024, 1024), "RGB")
    webp = client.images.generate(
        model="gpt-image-1",
        prompt="a red fox",
        output_format="webp",
        background="transparent",
        size="1024x1536",
        quality="low",
    )
    assert webp.output_format == "webp" and webp.background == "transparent" and webp.data
    image = _image(webp.data[0].b64_json)
    assert (image.format, image.size, image.mode) == ("WEBP", (1024, 1536), "RGBA")
    # The same picture as the PNG: its first pixel is the PNG's first pixel, nearly.
    as_png = client.images.generate(
        model="gpt-image-1",
        prompt="a red fox",
        background="transparent",
        size="1024x1536",
        quality="low",
    )
    assert as_png.data
    original = _image(as_png.data[0].b64_json).getpixel((0, 1535))
    assert isinstance(original, tuple)
    pixel = image.getpixel((0, 1535))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) < 16 for a, b in zip(pixel, original, strict=True))


def test_output_compression_trades_size_for_quality(client: openai.OpenAI) -> None:
    sizes = []
    for compression in (100, 20):
        result = client.images.generate(
            model="gpt-image-1",
            prompt="a lighthouse",
            output_format="jpeg",
            output_compression=compression,
            quality="low",
        )
        assert result.data and result.data[0].b64_json
        sizes.append(len(base64.b64decode(result.data[0].b64_json)))
    assert sizes[1] < sizes[0] / 2


def test_streamed_partials_and_edits_take_the_format(client: openai.OpenAI) -> None:
    events: list[Any] = list(
        client.images.generate(
            model="gpt-image-1",
            prompt="an owl",
            output_format="webp",
            stream=True,
            partial_images=1,
            quality="low",
        )
    )
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    for event in events:
        assert event.output_format == "webp" and _image(event.b64_json).format == "WEBP"
        assert response_problems(GENERATIONS, event.model_dump(), role="stream_event") == []
    photo = png.gradient(300, 200, b"photo")
    edited = client.images.edit(
        model="gpt-image-1",
        image=("photo.png", photo, "image/png"),
        prompt="add a hat",
        output_format="jpeg",
        quality="low",
    )
    assert edited.output_format == "jpeg" and edited.data
    assert _image(edited.data[0].b64_json).size == (1536, 1024)  # auto: landscape input
