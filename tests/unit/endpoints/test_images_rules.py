"""The images models' rules, the upload checks and the stream shape, as pure functions."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from mockapi.endpoints.images import files as image_files
from mockapi.endpoints.images import inputs, png, rules
from mockapi.endpoints.images.rules import Family
from mockapi.endpoints.images.stream import ImagesShape, completed_event, partial_event
from mockapi.errors import APIError
from mockapi.model import FilePart, SSEEvent


def _error(call: Any, *args: Any, **kwargs: Any) -> APIError:
    with pytest.raises(APIError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_model_families_and_unknown_models() -> None:
    assert rules.family("dall-e-2") is Family.DALL_E_2
    assert rules.family("dall-e-3") is Family.DALL_E_3
    for model in ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest"):
        assert rules.family(model) is Family.GPT_IMAGE
    error = _error(rules.family, "dall-e-9")
    assert (error.status, error.code) == (404, "model_not_found")


def test_sizes_per_model_with_the_real_wording() -> None:
    assert rules.check_size(Family.DALL_E_2, None) == "1024x1024"
    assert rules.check_size(Family.DALL_E_3, "1792x1024") == "1792x1024"
    assert rules.check_size(Family.GPT_IMAGE, None) == "auto"
    error = _error(rules.check_size, Family.DALL_E_2, "1792x1024")
    assert error.message == "'1792x1024' is not one of ['256x256', '512x512', '1024x1024'] - 'size'"
    error = _error(rules.check_size, Family.DALL_E_3, "512x512")
    assert "is not one of ['1024x1024', '1024x1792', '1792x1024']" in error.message
    error = _error(rules.check_size, Family.GPT_IMAGE, "512x512")
    assert error.message == (
        "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', "
        "'1536x1024', and 'auto'."
    )
    assert (error.param, error.code) == ("size", "invalid_value")


def test_common_checks() -> None:
    assert _error(rules.check_common, Family.DALL_E_3, {"prompt": "x", "n": 2}).message == (
        "You must provide n=1 for this model."
    )
    rules.check_common(Family.DALL_E_2, {"prompt": "x", "n": 10})
    long = _error(rules.check_common, Family.DALL_E_2, {"prompt": "x" * 1001})
    assert long.code == "string_above_max_length" and "maximum length 1000" in long.message
    rules.check_common(Family.DALL_E_3, {"prompt": "x" * 4000})
    unknown = _error(
        rules.check_common, Family.GPT_IMAGE, {"prompt": "x", "response_format": "url"}
    )
    assert (unknown.param, unknown.code) == ("response_format", "unknown_parameter")
    rules.check_common(Family.GPT_IMAGE, {"prompt": "x", "response_format": None})
    quality = _error(rules.check_common, Family.GPT_IMAGE, {"prompt": "x", "quality": "hd"})
    assert quality.param == "quality"
    for fmt in ("png", "jpeg", "webp"):  # every format the API serves is made
        rules.check_common(Family.GPT_IMAGE, {"prompt": "x", "output_format": fmt})
    see_through = {"prompt": "x", "output_format": "jpeg", "background": "transparent"}
    jpeg = _error(rules.check_common, Family.GPT_IMAGE, see_through)
    assert (jpeg.param, jpeg.code) == ("background", "invalid_value")
    assert "'jpeg'" in jpeg.message and "'webp'" in jpeg.message
    rules.check_common(Family.GPT_IMAGE, {**see_through, "output_format": "webp"})
    stream = _error(rules.check_common, Family.DALL_E_3, {"prompt": "x", "stream": True})
    assert stream.param == "stream"
    assert _error(rules.check_common, Family.DALL_E_2, {}).code == "missing_required_parameter"


def test_auto_size_follows_the_input_orientation() -> None:
    assert rules.resolved_size("auto") == "1024x1024"
    assert rules.resolved_size("auto", (1600, 900)) == "1536x1024"
    assert rules.resolved_size("auto", (900, 1600)) == "1024x1536"
    assert rules.resolved_size("auto", (1000, 1000)) == "1024x1024"
    assert rules.resolved_size("512x512", (1600, 900)) == "512x512"


def test_token_counts() -> None:
    assert rules.output_tokens("1024x1024", "low") == 272
    assert rules.output_tokens("1536x1024", "high") == 6208
    assert rules.resolved_quality("auto") == "high"
    assert rules.input_image_tokens((512, 512)) == 255
    assert rules.input_image_tokens((2048, 4096)) == 85 + 170 * 6  # 768x1536: 2x3 tiles


def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def _webp(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    body = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def test_sniff_and_dimensions_of_each_format() -> None:
    assert image_files.sniff(png.gradient(4, 3, b"s")) == image_files.PNG
    assert image_files.dimensions(png.gradient(4, 3, b"s")) == (4, 3)
    assert image_files.sniff(_jpeg(640, 480)) == image_files.JPEG
    assert image_files.dimensions(_jpeg(640, 480)) == (640, 480)
    assert image_files.sniff(_webp(300, 200)) == image_files.WEBP
    assert image_files.dimensions(_webp(300, 200)) == (300, 200)
    assert image_files.sniff(b"hello") is None and image_files.dimensions(b"hello") is None


def test_dall_e_uploads_must_be_square_pngs() -> None:
    square = png.gradient(64, 64, b"s")
    assert inputs.check_upload(square, "image/png", "image", Family.DALL_E_2, 1).mode == "RGB"
    not_png = _error(inputs.check_upload, _jpeg(64, 64), "image/png", "image", Family.DALL_E_2, 1)
    assert not_png.message == "Uploaded image must be a PNG and less than 4 MB."
    wide = _error(
        inputs.check_upload, png.gradient(64, 32, b"s"), "image/png", "image", Family.DALL_E_2, 1
    )
    assert "square" in wide.message and "64x32" in wide.message
    typed = _error(inputs.check_upload, square, "image/jpeg", "image", Family.DALL_E_2, 1)
    assert typed.code == "unsupported_file_mimetype" and "'image/png'" in typed.message


def test_gpt_image_uploads_take_png_jpeg_webp() -> None:
    image = inputs.check_upload(_jpeg(800, 600), "image/jpeg", "image", Family.GPT_IMAGE, 1)
    assert image.dimensions == (800, 600) and image.mode is None
    bad = _error(inputs.check_upload, b"not an image", "image/png", "image[1]", Family.GPT_IMAGE, 2)
    assert bad.message == "Invalid image file or mode for image 2, please check your image file."
    assert (bad.code, bad.param) == ("invalid_image_file", "image[1]")
    typed = _error(inputs.check_upload, b"x", "text/plain", "image", Family.GPT_IMAGE, 1)
    assert typed.message == (
        "Invalid file 'image': unsupported mimetype ('text/plain'). Supported file formats "
        "are 'image/jpeg', 'image/png', and 'image/webp'."
    )


def test_form_images_labels_and_dall_e_alpha_rule() -> None:
    rgb, rgba = png.gradient(32, 32, b"a"), png.gradient(32, 32, b"b", alpha=True)
    parts = [
        FilePart("image[]", "a.png", "image/png", rgb),
        FilePart("image[]", "b.png", "image/png", b"??"),
    ]
    assert _error(inputs.form_images, parts, Family.GPT_IMAGE).param == "image[1]"
    assert _error(inputs.form_images, parts, Family.DALL_E_2).param == "image"
    assert _error(inputs.form_images, [], Family.GPT_IMAGE).code == "missing_required_parameter"
    first = inputs.form_images([FilePart("image", "a.png", "image/png", rgb)], Family.DALL_E_2)[0]
    alpha = _error(inputs.check_alpha_or_mask, first, None)
    assert alpha.message == "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB."
    mask = inputs.form_mask([FilePart("mask", "m.png", "image/png", rgba)], Family.DALL_E_2)
    inputs.check_alpha_or_mask(first, mask)  # a mask says where to edit: no alpha needed
    small = inputs.form_mask(
        [FilePart("mask", "m.png", "image/png", png.gradient(16, 16, b"m"))], Family.DALL_E_2
    )
    assert _error(inputs.check_alpha_or_mask, first, small).param == "mask"


def test_json_images_decode_data_urls_and_hash_other_references() -> None:
    data = png.gradient(40, 20, b"s")
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    images, mask = inputs.json_images({"images": [{"image_url": url}, {"file_id": "file-abc"}]})
    assert images[0].dimensions == (40, 20) and images[1].dimensions is None
    assert images[0].digest != images[1].digest and mask is None
    bad = "data:image/png;base64," + base64.b64encode(b"nope").decode()
    assert _error(inputs.json_images, {"images": [{"image_url": bad}]}).code == "invalid_image_file"
    assert _error(inputs.json_images, {"images": []}).code == "missing_required_parameter"


def _settings() -> dict[str, str]:
    return {"size": "1024x1024", "quality": "low", "background": "opaque", "output_format": "png"}


def test_shape_turns_a_stream_into_its_body_and_back() -> None:
    shape = ImagesShape("image_generation")
    usage = {
        "input_tokens": 5,
        "input_tokens_details": {"text_tokens": 5, "image_tokens": 0},
        "output_tokens": 272,
        "total_tokens": 277,
    }
    events = (
        partial_event("image_generation", "UA==", _settings(), 0, 1700000000),
        completed_event("image_generation", "QQ==", _settings(), usage, 1700000000),
        completed_event("image_generation", "Qg==", _settings(), usage, 1700000000),
    )
    body = shape.from_events(events, {})
    assert isinstance(body, dict)
    assert body["data"] == [{"b64_json": "QQ=="}, {"b64_json": "Qg=="}]
    assert body["usage"]["input_tokens"] == 5 and body["usage"]["output_tokens"] == 544
    assert body["usage"]["total_tokens"] == 549
    assert (body["created"], body["size"], body["quality"]) == (1700000000, "1024x1024", "low")
    again = shape.to_events(body, {})
    assert [e.event for e in again] == ["image_generation.completed"] * 2
    assert isinstance(again[0].data, dict) and again[0].data["b64_json"] == "QQ=="


def test_shape_completes_hand_written_bodies_and_names_what_it_cannot_stream() -> None:
    shape = ImagesShape("image_edit")
    completed = shape.complete({"data": [{"url": "https://example.com/a.png"}]}, {})
    assert isinstance(completed, dict) and isinstance(completed["created"], int)
    assert shape.complete({"created": 5, "data": []}, {}) == {"created": 5, "data": []}
    assert _error(shape.to_events, {"data": [{"url": "https://x/a.png"}]}, {}).status == 500
    assert _error(shape.from_events, (SSEEvent(data={"type": "other"}),), {}).status == 500
