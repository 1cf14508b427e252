"""Images through the official SDK (strict response validation) against a real server:
generations, edits and variations, synthesized and from fixtures, streamed and not."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from mockapi.config import OnMiss
from mockapi.endpoints.images import png
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

# The SDK marks images.create_variation deprecated (dall-e-2 only); the endpoint still works.
pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

GENERATIONS = "POST /v1/images/generations"
EDITS = "POST /v1/images/edits"
VARIATIONS = "POST /v1/images/variations"
FIXTURE_PNG = png.gradient(16, 16, b"fixture")
SQUARE_RGBA = png.gradient(256, 256, b"cat photo", alpha=True)
PHOTO = png.gradient(300, 200, b"landscape photo")


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json", exclude_unset=True)


def _png_of(b64: str | None) -> png.PNG:
    assert b64 is not None
    return png.read(base64.b64decode(b64))


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1") as sdk:
        yield sdk


def _fixtures(folder: Path) -> None:
    b64 = base64.b64encode(FIXTURE_PNG).decode()
    usage = {
        "input_tokens": 7,
        "input_tokens_details": {"text_tokens": 7, "image_tokens": 0},
        "output_tokens": 272,
        "total_tokens": 279,
    }
    completed = {
        "type": "image_edit.completed",
        "b64_json": b64,
        "created_at": 1750000000,
        "size": "1024x1024",
        "quality": "low",
        "background": "opaque",
        "output_format": "png",
        "usage": usage,
    }
    partial = {**completed, "type": "image_edit.partial_image", "partial_image_index": 0}
    partial.pop("usage")
    doc = {
        "version": 1,
        "fixtures": [
            {
                "name": "fixture-b64",
                "match": {
                    "path": "/v1/images/generations",
                    "partial_body": {"prompt": "a lighthouse"},
                },
                "response": {
                    "body": {
                        "created": 1750000000,
                        "background": "opaque",
                        "output_format": "png",
                        "quality": "low",
                        "size": "1024x1024",
                        "data": [{"b64_json": b64}],
                        "usage": usage,
                    }
                },
            },
            {
                "name": "fixture-url",
                "match": {
                    "path": "/v1/images/generations",
                    "partial_body": {"prompt": "a harbour"},
                },
                "response": {
                    "body": {
                        "created": 1750000001,
                        "data": [
                            {
                                "url": "https://images.example.com/harbour.png",
                                "revised_prompt": "A harbour.",
                            }
                        ],
                    }
                },
            },
            {
                "name": "fixture-edit-stream",
                "match": {"path": "/v1/images/edits", "partial_body": {"prompt": "paint it blue"}},
                "response": {
                    "events": [
                        {"event": "image_edit.partial_image", "data": partial},
                        {"event": "image_edit.completed", "data": completed},
                    ]
                },
            },
        ],
    }
    (folder / "images.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.fixture(scope="module")
def fixture_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openai.OpenAI]:
    folder = tmp_path_factory.mktemp("image-fixtures")
    _fixtures(folder)
    with (
        running_server(fixture_dirs=(folder,)) as started,
        strict_client(started.url + "/v1") as sdk,
    ):
        yield sdk


# -- generations ---------------------------------------------------------------------


def test_gpt_image_generation_is_a_png_of_the_requested_size(client: openai.OpenAI) -> None:
    result = client.images.generate(model="gpt-image-1", prompt="a red fox", size="1536x1024", n=2)
    assert response_problems(GENERATIONS, _dump(result)) == []
    assert result.data is not None and len(result.data) == 2
    first, second = (_png_of(item.b64_json) for item in result.data)
    assert (first.width, first.height) == (1536, 1024)
    assert first.rows() != second.rows()  # n images, not one image n times
    assert result.data[0].url is None and result.data[0].revised_prompt is None
    assert (result.size, result.quality, result.background, result.output_format) == (
        "1536x1024",
        "high",
        "opaque",
        "png",
    )
    assert result.usage is not None
    assert result.usage.output_tokens == 2 * 6208
    assert result.usage.input_tokens == result.usage.input_tokens_details.text_tokens > 0
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens


def test_generation_is_deterministic_per_prompt(client: openai.OpenAI) -> None:
    one = client.images.generate(model="gpt-image-1", prompt="otters", quality="low")
    two = client.images.generate(model="gpt-image-1", prompt="otters", quality="low")
    other = client.images.generate(model="gpt-image-1", prompt="owls", quality="low")
    assert one.data and two.data and other.data
    assert one.data[0].b64_json == two.data[0].b64_json != other.data[0].b64_json
    assert one.usage is not None and one.usage.output_tokens == 272


def test_transparent_background_is_an_rgba_png(client: openai.OpenAI) -> None:
    result = client.images.generate(
        model="gpt-image-1", prompt="a sticker", background="transparent", size="1024x1536"
    )
    assert result.data and result.background == "transparent"
    image = _png_of(result.data[0].b64_json)
    assert image.has_alpha and (image.width, image.height) == (1024, 1536)


def test_dall_e_url_is_served_by_the_mock_without_a_key(
    client: openai.OpenAI, server: ServerThread
) -> None:
    result = client.images.generate(prompt="a lighthouse at dusk", size="512x512")
    assert response_problems(GENERATIONS, _dump(result)) == []
    assert result.data and result.data[0].url and result.data[0].b64_json is None
    assert result.usage is None and result.size is None
    url = result.data[0].url
    assert url.startswith(server.url + "/v1/images/files/img-") and url.endswith(".png")
    fetched = httpx.get(url)  # no Authorization header: a browser's <img>
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.content.startswith(png.SIGNATURE)
    assert png.header(fetched.content) == (512, 512)
    png.read(fetched.content)  # every CRC checks out
    missing = httpx.get(server.url + "/v1/images/files/img-000000000000000000000000.png")
    assert missing.status_code == 404
    assert "did not make it" in missing.json()["error"]["message"]
    assert (
        httpx.post(server.url + "/v1/images/generations", json={"prompt": "x"}).status_code == 401
    )


def test_dall_e_3_revises_the_prompt_and_answers_b64_on_request(client: openai.OpenAI) -> None:
    result = client.images.generate(
        model="dall-e-3", prompt="a castle", size="1792x1024", response_format="b64_json"
    )
    assert response_problems(GENERATIONS, _dump(result)) == []
    assert result.data and "a castle" in (result.data[0].revised_prompt or "")
    image = _png_of(result.data[0].b64_json)
    assert (image.width, image.height) == (1792, 1024)


def test_generation_streams_partial_images(client: openai.OpenAI) -> None:
    stream = client.images.generate(
        model="gpt-image-1", prompt="a fox", stream=True, partial_images=2, quality="medium"
    )
    events = list(stream)
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    for event in events:
        assert response_problems(GENERATIONS, _dump(event), role="stream_event") == []
    assert [getattr(e, "partial_image_index", None) for e in events[:2]] == [0, 1]
    final = events[-1]
    assert final.type == "image_generation.completed"
    image = _png_of(final.b64_json)
    assert (image.width, image.height) == (1024, 1024)
    assert final.usage.output_tokens == 1056 + 2 * 100
    assert events[0].b64_json != final.b64_json
    plain = client.images.generate(model="gpt-image-1", prompt="a fox", quality="medium")
    assert plain.data and plain.data[0].b64_json == final.b64_json  # same picture either way


def test_async_generation_stream_and_edit(server: ServerThread) -> None:
    async def run() -> tuple[list[str], int]:
        async with strict_async_client(server.url + "/v1") as sdk:
            stream = await sdk.images.generate(model="gpt-image-1", prompt="async", stream=True)
            kinds = [event.type async for event in stream]
            edited = await sdk.images.edit(
                image=("cat.png", SQUARE_RGBA, "image/png"), prompt="a hat", model="gpt-image-1"
            )
            assert edited.data
            return kinds, _png_of(edited.data[0].b64_json).width

    kinds, width = asyncio.run(run())
    assert kinds == ["image_generation.completed"]  # partial_images defaults to 0
    assert width == 1024


@pytest.mark.parametrize(
    ("options", "status", "message", "param"),
    [
        (
            {"model": "dall-e-2", "size": "1792x1024"},
            400,
            "'1792x1024' is not one of ['256x256', '512x512', '1024x1024'] - 'size'",
            None,
        ),
        (
            {"model": "dall-e-3", "size": "512x512"},
            400,
            "'512x512' is not one of ['1024x1024', '1024x1792', '1792x1024'] - 'size'",
            None,
        ),
        (
            {"model": "gpt-image-1", "size": "256x256"},
            400,
            "Invalid value: '256x256'. Supported values are: '1024x1024', '1024x1536', "
            "'1536x1024', and 'auto'.",
            "size",
        ),
        ({"model": "dall-e-3", "n": 2}, 400, "You must provide n=1 for this model.", None),
        (
            {"model": "gpt-image-1", "response_format": "url"},
            400,
            "Unknown parameter: 'response_format'.",
            "response_format",
        ),
        (
            {"model": "gpt-image-1", "output_format": "jpeg", "background": "transparent"},
            400,
            "Transparent background is not supported for output_format 'jpeg'",
            "background",
        ),
        ({"model": "dall-e-2", "n": 11}, 400, "Invalid 'n': integer above maximum value.", "n"),
        (
            {"model": "dall-e-5"},
            404,
            "The model `dall-e-5` does not exist or you do not have access to it.",
            None,
        ),
    ],
)
def test_generation_errors_as_the_real_api_words_them(
    client: openai.OpenAI, options: dict[str, Any], status: int, message: str, param: str | None
) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        client.images.generate(prompt="x", **options)
    assert caught.value.status_code == status
    body = caught.value.body
    assert isinstance(body, dict)
    assert message in body["message"] and body["param"] == param


# -- edits and variations ----------------------------------------------------------------


def test_edit_of_several_images_depends_on_their_bytes(client: openai.OpenAI) -> None:
    images = [("a.png", PHOTO, "image/png"), ("b.png", SQUARE_RGBA, "image/png")]
    result = client.images.edit(image=images, prompt="combine them", model="gpt-image-1")
    assert response_problems(EDITS, _dump(result)) == []
    assert result.data and result.usage is not None
    image = _png_of(result.data[0].b64_json)
    assert (image.width, image.height) == (1536, 1024)  # size auto follows the first (wide) image
    assert result.usage.input_tokens_details.image_tokens > 0
    again = client.images.edit(image=images, prompt="combine them", model="gpt-image-1")
    swapped = client.images.edit(image=images[::-1], prompt="combine them", model="gpt-image-1")
    assert again.data and swapped.data
    assert again.data[0].b64_json == result.data[0].b64_json != swapped.data[0].b64_json


def test_dall_e_2_edit_with_a_mask_answers_a_url(client: openai.OpenAI) -> None:
    rgb = png.gradient(256, 256, b"opaque photo")
    mask = png.gradient(256, 256, b"mask", alpha=True)
    result = client.images.edit(
        image=("photo.png", rgb, "image/png"),
        mask=("mask.png", mask, "image/png"),
        prompt="a hat",
        model="dall-e-2",
        size="256x256",
    )
    assert response_problems(EDITS, _dump(result)) == []
    assert result.data and result.data[0].url
    assert png.header(httpx.get(result.data[0].url).content) == (256, 256)
    with pytest.raises(openai.BadRequestError) as caught:  # no mask, no alpha: nothing to edit
        client.images.edit(image=("photo.png", rgb, "image/png"), prompt="a hat", model="dall-e-2")
    assert "format must be in ['RGBA', 'LA', 'L'], got RGB" in caught.value.message


def test_edit_streams_image_edit_events(client: openai.OpenAI) -> None:
    stream = client.images.edit(
        image=("cat.png", SQUARE_RGBA, "image/png"),
        prompt="a hat",
        model="gpt-image-1",
        stream=True,
        partial_images=1,
    )
    events = list(stream)
    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"]
    for event in events:
        assert response_problems(EDITS, _dump(event), role="stream_event") == []


def test_json_edit_takes_data_urls(server: ServerThread) -> None:
    url = "data:image/png;base64," + base64.b64encode(PHOTO).decode()
    answer = httpx.post(
        server.url + "/v1/images/edits",
        headers={"authorization": "Bearer sk-test"},
        json={"model": "gpt-image-1", "prompt": "brighter", "images": [{"image_url": url}]},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert response_problems(EDITS, body) == []
    assert png.header(base64.b64decode(body["data"][0]["b64_json"])) == (1536, 1024)


def test_upload_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:  # raw bytes go up as octet-stream
        client.images.edit(image=SQUARE_RGBA, prompt="x", model="gpt-image-1")
    assert caught.value.code == "unsupported_file_mimetype"
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(
            image=("a.png", b"GIF89a....", "image/png"), prompt="x", model="gpt-image-1"
        )
    assert caught.value.code == "invalid_image_file"
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.create_variation(image=("wide.png", PHOTO, "image/png"))
    assert "must be square" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.create_variation(image=("x.png", b"\xff\xd8\xff\xe0 jpeg", "image/png"))
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == "Uploaded image must be a PNG and less than 4 MB."


def test_variations_are_dall_e_2_images_of_the_input(client: openai.OpenAI) -> None:
    result = client.images.create_variation(
        image=("cat.png", SQUARE_RGBA, "image/png"), n=2, size="512x512", response_format="b64_json"
    )
    assert response_problems(VARIATIONS, _dump(result)) == []
    assert result.data and len(result.data) == 2
    assert {(_png_of(i.b64_json).width, _png_of(i.b64_json).height) for i in result.data} == {
        (512, 512)
    }
    other = client.images.create_variation(
        image=("dog.png", png.gradient(256, 256, b"dog"), "image/png"),
        size="512x512",
        response_format="b64_json",
    )
    assert other.data and other.data[0].b64_json != result.data[0].b64_json
    url = client.images.create_variation(image=("cat.png", SQUARE_RGBA, "image/png"))
    assert url.data and png.header(httpx.get(url.data[0].url or "").content) == (1024, 1024)


# -- from fixtures -----------------------------------------------------------------------


def test_fixture_body_is_served_as_is_and_as_a_stream(fixture_client: openai.OpenAI) -> None:
    result = fixture_client.images.generate(model="gpt-image-1", prompt="a lighthouse")
    assert response_problems(GENERATIONS, _dump(result)) == []
    assert result.created == 1750000000 and result.data
    assert base64.b64decode(result.data[0].b64_json or "") == FIXTURE_PNG
    events = list(
        fixture_client.images.generate(model="gpt-image-1", prompt="a lighthouse", stream=True)
    )
    assert [e.type for e in events] == ["image_generation.completed"]
    assert response_problems(GENERATIONS, _dump(events[0]), role="stream_event") == []
    assert base64.b64decode(events[0].b64_json) == FIXTURE_PNG


def test_fixture_url_is_served_as_written(fixture_client: openai.OpenAI) -> None:
    result = fixture_client.images.generate(prompt="a harbour")
    assert response_problems(GENERATIONS, _dump(result)) == []
    assert result.data and result.data[0].url == "https://images.example.com/harbour.png"


def test_recorded_edit_stream_serves_both_modes(fixture_client: openai.OpenAI) -> None:
    image = ("cat.png", SQUARE_RGBA, "image/png")
    events = list(fixture_client.images.edit(image=image, prompt="paint it blue", stream=True))
    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"]
    plain = fixture_client.images.edit(image=image, prompt="paint it blue")
    assert response_problems(EDITS, _dump(plain)) == []
    assert plain.data and base64.b64decode(plain.data[0].b64_json or "") == FIXTURE_PNG
    assert plain.usage is not None and plain.usage.total_tokens == 279
    assert plain.quality == "low"


def test_unmatched_image_request_is_a_miss_in_error_mode(fixture_client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        fixture_client.images.generate(prompt="nothing recorded")
    assert "fixture" in caught.value.message.lower()


def test_bundled_fixture_answers_before_synthesis(client: openai.OpenAI) -> None:
    prompt = "mockapi: a sunset over the sea"  # fixtures/images/sunset.yaml
    result = client.images.generate(model="gpt-image-1", prompt=prompt)
    assert result.created == 1750000000 and result.data
    assert png.header(base64.b64decode(result.data[0].b64_json or "")) == (64, 64)
    events = list(client.images.generate(model="gpt-image-1", prompt=prompt, stream=True))
    assert [e.type for e in events] == ["image_generation.completed"]
    assert events[0].b64_json == result.data[0].b64_json
