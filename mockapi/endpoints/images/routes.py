"""Images: generations, edits and variations, and the image files the mock serves.

Synthesized images are real images of the requested size
(:mod:`~mockapi.endpoints.images.png`: a banded diagonal gradient whose colours come
from the request: model, prompt, size, the input images' bytes for edits and
variations, the image's index and the server seed), so the same request gets the same
pictures: PNG, or for GPT image models the ``output_format`` asked for (JPEG and WebP
encoded by Pillow, at ``output_compression``). Each model family checks requests its
own way (:mod:`~mockapi.endpoints.images.rules`); uploads are checked as the real
API checks them (:mod:`~mockapi.endpoints.images.inputs`).

``response_format: url`` (the DALL-E models' default) answers URLs on the mock itself,
``{base}/v1/images/files/img-<hash>.png``, which anyone can fetch without an API key
(a browser's ``<img>``); the server keeps the last :data:`KEEP` images it made, until
reset. GPT image models answer ``b64_json`` and stream partial images on request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.images import inputs, png, rules
from mockapi.endpoints.images.inputs import InputImage
from mockapi.endpoints.images.rules import Family
from mockapi.endpoints.images.stream import ImagesShape, completed_event, partial_event
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import SSEEvent
from mockapi.wire import tokens

FILES = "images.files"
"""The ObjectStore collection of served PNGs (bytes) by image id."""
ORDER = "images.order"
KEEP = 256
"""How many served images the server keeps for their URLs (the oldest go first)."""


@dataclass(frozen=True)
class Job:
    """What to make: the request's resolved settings and what the pictures depend on."""

    kind: Family
    model: str
    prompt: str
    size: str
    inputs: tuple[InputImage, ...] = ()
    mask: InputImage | None = None


def generate(ctx: Context) -> FixtureResponse:
    """``POST /v1/images/generations``."""
    model = str(ctx.body.get("model") or "dall-e-2")
    kind = rules.family(model)
    rules.check_common(kind, ctx.body)
    size = rules.check_size(kind, ctx.body.get("size"))
    job = Job(kind, model, str(ctx.body["prompt"]), rules.resolved_size(size))
    return _answer(ctx, job, "image_generation")


def edit(ctx: Context) -> FixtureResponse:
    """``POST /v1/images/edits``: a multipart upload, or JSON naming images by URL."""
    model = str(ctx.body.get("model") or "gpt-image-1.5")  # the spec's default
    kind = rules.family(model)
    rules.check_common(kind, ctx.body)
    if ctx.request.is_form:
        images = inputs.form_images(ctx.request.files, kind)
        mask = inputs.form_mask(ctx.request.files, kind)
    elif kind is Family.GPT_IMAGE:
        images, mask = inputs.json_images(ctx.body)
    else:
        raise APIError(
            400,
            f"{model} edits take a multipart/form-data upload of the image; JSON edits "
            "(images by image_url or file_id) need a GPT image model such as gpt-image-1.",
            param="model",
        )
    if kind is Family.DALL_E_2:
        inputs.check_alpha_or_mask(images[0], mask)
    size = rules.check_size(kind, ctx.body.get("size"))
    resolved = rules.resolved_size(size, images[0].dimensions)
    job = Job(kind, model, str(ctx.body["prompt"]), resolved, tuple(images), mask)
    return _answer(ctx, job, "image_edit")


def variation(ctx: Context) -> FixtureResponse:
    """``POST /v1/images/variations`` (dall-e-2 only)."""
    model = str(ctx.body.get("model") or "dall-e-2")
    if model != "dall-e-2":
        raise rules.invalid_value("model", model, ("dall-e-2",))
    part = next((p for p in ctx.request.files if p.name == "image"), None)
    if part is None:
        raise APIError(400, "Missing required parameter: 'image'.", param="image")
    image = inputs.check_upload(part.data, part.content_type, "image", Family.DALL_E_2, 1)
    size = rules.check_size(Family.DALL_E_2, ctx.body.get("size"))
    return _answer(ctx, Job(Family.DALL_E_2, model, "", size, (image,)), "image_variation")


def serve_file(ctx: Context) -> FixtureResponse:
    """``GET /v1/images/files/{image_id}``: a PNG this server made (public: no API key)."""
    image_id = ctx.params["image_id"].removesuffix(".png")
    data = ctx.state.get(FILES, image_id)
    if not isinstance(data, bytes):
        raise APIError(
            404,
            f"No image with id '{image_id}': this server did not make it, or it was reset "
            f"or has made {KEEP} newer images since. Generate it again.",
            code="not_found",
        )
    return FixtureResponse(
        raw=data, headers={"content-type": "image/png", "cache-control": "max-age=3600"}
    )


def _seed(ctx: Context, job: Job, index: int) -> bytes:
    described = {
        "model": job.model,
        "prompt": job.prompt,
        "size": job.size,
        "quality": ctx.body.get("quality"),
        "style": ctx.body.get("style"),
        "background": ctx.body.get("background"),
        "inputs": [i.digest.hex() for i in job.inputs],
        "mask": job.mask.digest.hex() if job.mask else None,
        "index": index,
        "seed": ctx.seed,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).digest()


def _dimensions(size: str) -> tuple[int, int]:
    width, _, height = size.partition("x")
    return int(width), int(height)


def _picture(ctx: Context, job: Job, index: int, *, fade: float = 0.0) -> bytes:
    """Image ``index`` of the job, in the format asked for (PNG written here; JPEG and
    WebP by Pillow, at the ``output_compression`` quality)."""
    transparent = job.kind is Family.GPT_IMAGE and ctx.body.get("background") == "transparent"
    width, height = _dimensions(job.size)
    seed = _seed(ctx, job, index)
    fmt = _format(ctx, job)
    if fmt == "png":
        return png.gradient(width, height, seed, alpha=transparent, fade=fade)
    from mockapi.endpoints.media import pictures

    rows = png.gradient_rows(width, height, seed, alpha=transparent, fade=fade)
    quality = ctx.body.get("output_compression")
    if not isinstance(quality, int) or isinstance(quality, bool):
        quality = 100  # the API's default
    return pictures.encode(
        width, height, b"".join(rows), alpha=transparent, fmt=fmt, quality=quality
    )


def _format(ctx: Context, job: Job) -> str:
    """The image format to answer: a GPT image model's ``output_format``, else PNG."""
    fmt = ctx.body.get("output_format")
    return fmt if job.kind is Family.GPT_IMAGE and fmt in ("jpeg", "webp") else "png"


def _count(ctx: Context) -> int:
    n = ctx.body.get("n")
    return n if isinstance(n, int) and n > 0 else 1


def _answer(ctx: Context, job: Job, prefix: str) -> FixtureResponse:
    created = int(time.time())
    if job.kind is Family.GPT_IMAGE and ctx.body.get("stream") is True:
        return FixtureResponse(events=_stream(ctx, job, prefix, created))
    pictures = [_picture(ctx, job, i) for i in range(_count(ctx))]
    body: dict[str, Any] = {"created": created}
    if job.kind is Family.GPT_IMAGE:
        settings = _settings(ctx, job)
        body.update({k: settings[k] for k in ("background", "output_format", "quality", "size")})
        body["data"] = [{"b64_json": _b64(p)} for p in pictures]
        output = len(pictures) * rules.output_tokens(job.size, settings["quality"])
        body["usage"] = _usage(job, output, details=True)
        return FixtureResponse(body=body)
    url = ctx.body.get("response_format") != "b64_json"
    body["data"] = [{"url": _keep(ctx, p)} if url else {"b64_json": _b64(p)} for p in pictures]
    if job.kind is Family.DALL_E_3:
        for item in body["data"]:
            item["revised_prompt"] = _revised(ctx, job.prompt)
    return FixtureResponse(body=body)


def _settings(ctx: Context, job: Job) -> dict[str, str]:
    background = "transparent" if ctx.body.get("background") == "transparent" else "opaque"
    return {
        "size": job.size,
        "quality": rules.resolved_quality(ctx.body.get("quality")),
        "background": background,
        "output_format": _format(ctx, job),
    }


def _usage(job: Job, output: int, *, details: bool) -> dict[str, Any]:
    text = tokens.count_text(job.prompt) if job.prompt else 0
    image = sum(rules.input_image_tokens(i.dimensions) for i in job.inputs)
    usage: dict[str, Any] = {
        "input_tokens": text + image,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image},
        "output_tokens": output,
        "total_tokens": text + image + output,
    }
    if details:
        usage["output_tokens_details"] = {"image_tokens": output, "text_tokens": 0}
    return usage


def _stream(ctx: Context, job: Job, prefix: str, created: int) -> tuple[SSEEvent, ...]:
    partials = ctx.body.get("partial_images")
    count = partials if isinstance(partials, int) and 0 < partials <= 3 else 0
    settings = _settings(ctx, job)
    per_image = rules.output_tokens(job.size, settings["quality"])
    events: list[SSEEvent] = []
    for index in range(_count(ctx)):
        for step in range(count):
            # Early frames are washed out, each less than the one before.
            coarse = _picture(ctx, job, index, fade=(count - step) / (count + 1))
            events.append(partial_event(prefix, _b64(coarse), settings, step, created))
        usage = _usage(job, per_image + count * rules.PARTIAL_IMAGE_TOKENS, details=False)
        final = _b64(_picture(ctx, job, index))
        events.append(completed_event(prefix, final, settings, usage, created))
    return tuple(events)


def _revised(ctx: Context, prompt: str) -> str:
    style = "natural" if ctx.body.get("style") == "natural" else "vivid"
    detail = "finely detailed" if ctx.body.get("quality") == "hd" else "detailed"
    return f"A {detail}, {style} image of {prompt.strip().rstrip('.')}, with balanced composition."


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _keep(ctx: Context, data: bytes) -> str:
    """Keep ``data`` for its URL (the last :data:`KEEP` images) and return the URL."""
    image_id = "img-" + hashlib.sha256(data).hexdigest()[:24]
    ctx.state.put(FILES, image_id, data)
    order: Sequence[str] | None = ctx.state.update(ORDER, "ids", lambda ids: [*ids, image_id])
    if order is None:
        ctx.state.put(ORDER, "ids", [image_id])
    elif len(order) > KEEP:
        # The same image made twice is one entry: drop only ids that are not still wanted.
        stale = set(order[:-KEEP]) - set(order[-KEEP:])
        for old in stale:
            ctx.state.delete(FILES, old)
        ctx.state.update(ORDER, "ids", lambda ids: ids[-KEEP:])
    return f"{ctx.base_url}/v1/images/files/{image_id}.png"


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/v1/images/generations",
        body=Body.JSON,
        synthesize=generate,
        shape=ImagesShape("image_generation"),
    ),
    Endpoint(
        "POST",
        "/v1/images/edits",
        body=Body.EITHER,
        synthesize=edit,
        shape=ImagesShape("image_edit"),
    ),
    Endpoint("POST", "/v1/images/variations", body=Body.FORM, synthesize=variation),
    Endpoint("GET", "/v1/images/files/{image_id}", lookup=serve_file, public=True),
)
