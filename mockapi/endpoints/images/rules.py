"""The images models' rules: which sizes, counts and options each takes, and the errors.

The real API has three kinds of image model, and each checks a request its own way
(wording from the real API where it is known):

=================  ====================================  ====================  =====
model              sizes (default)                       response_format       n
=================  ====================================  ====================  =====
dall-e-2           256x256, 512x512, 1024x1024 (1024)     url (default), b64     1-10
dall-e-3           1024x1024, 1792x1024, 1024x1792 (1024) url (default), b64     1
gpt-image-*        1024x1024, 1536x1024, 1024x1536, auto  none: always b64_json  1-10
=================  ====================================  ====================  =====

GPT image models (``gpt-image-1``, ``-1-mini``, ``-1.5``, ``-2``, ``chatgpt-image-latest``)
answer ``b64_json`` only, reject ``response_format`` ("Unknown parameter"), stream,
and take ``background``, ``output_format`` (``png``, ``jpeg`` or ``webp``, with
``output_compression``: Pillow encodes the last two) and ``quality`` low/medium/high/auto.
A transparent background needs a format with an alpha channel: with ``jpeg`` it is a
400 (the wording is assumed: the API's own is not on record).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi import errors
from mockapi.errors import APIError


class Family(str, enum.Enum):
    DALL_E_2 = "dall-e-2"
    DALL_E_3 = "dall-e-3"
    GPT_IMAGE = "gpt-image"


@dataclass(frozen=True)
class Rules:
    sizes: tuple[str, ...]
    default_size: str
    max_prompt: int
    qualities: tuple[str, ...]
    max_n: int = 10


RULES: Mapping[Family, Rules] = {
    Family.DALL_E_2: Rules(("256x256", "512x512", "1024x1024"), "1024x1024", 1000, ("standard",)),
    Family.DALL_E_3: Rules(
        ("1024x1024", "1024x1792", "1792x1024"), "1024x1024", 4000, ("standard", "hd"), max_n=1
    ),
    Family.GPT_IMAGE: Rules(
        ("1024x1024", "1024x1536", "1536x1024", "auto"),
        "auto",
        32000,
        ("low", "medium", "high", "auto"),
    ),
}

OUTPUT_TOKENS: Mapping[str, Mapping[str, int]] = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
}
"""Image output tokens per image for GPT image models, by quality and size (the
published gpt-image-1 table)."""
PARTIAL_IMAGE_TOKENS = 100
"""Extra output tokens per streamed partial image, as the pricing notes say."""


def family(model: str) -> Family:
    """The kind of image model ``model`` is; an unknown model is the real 404."""
    if model == "dall-e-2":
        return Family.DALL_E_2
    if model == "dall-e-3":
        return Family.DALL_E_3
    if model.startswith(("gpt-image-", "chatgpt-image-")):
        return Family.GPT_IMAGE
    raise errors.model_not_found(model)


def _listing(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def invalid_value(name: str, value: Any, allowed: Sequence[str]) -> APIError:
    """The GPT image models' wording for a value outside the allowed ones."""
    return APIError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_listing(allowed)}.",
        param=name,
        code="invalid_value",
    )


def check_size(kind: Family, size: Any) -> str:
    """The size to make (``auto`` kept as is), or the model's error for ``size``."""
    rules = RULES[kind]
    if size is None:
        return rules.default_size
    if size in rules.sizes:
        return str(size)
    if kind is Family.GPT_IMAGE:
        raise invalid_value("size", size, ("1024x1024", "1024x1536", "1536x1024", "auto"))
    # The DALL-E models answer in the older validator's words, with no param or code.
    listed = ", ".join(f"'{s}'" for s in rules.sizes)
    raise APIError(400, f"'{size}' is not one of [{listed}] - 'size'")


def check_common(kind: Family, body: Mapping[str, Any], *, prompt_required: bool = True) -> None:
    """The checks every images request gets: prompt length, n, quality, formats, stream.

    A JSON ``null`` counts as not given, as the SDK sends it for an explicit None.
    """
    rules = RULES[kind]
    prompt = body.get("prompt")
    if isinstance(prompt, str) and len(prompt) > rules.max_prompt:
        raise APIError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{rules.max_prompt}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    if prompt_required and (not isinstance(prompt, str) or not prompt):
        raise errors.missing_parameter("prompt")
    n = body.get("n")
    if isinstance(n, int) and n > rules.max_n:
        raise APIError(400, "You must provide n=1 for this model.")
    quality = body.get("quality")
    if kind is Family.GPT_IMAGE:
        if quality is not None and quality not in rules.qualities:
            raise invalid_value("quality", quality, rules.qualities)
        if body.get("response_format") is not None:
            raise APIError(
                400,
                "Unknown parameter: 'response_format'.",
                param="response_format",
                code="unknown_parameter",
            )
        if body.get("background") == "transparent" and body.get("output_format") == "jpeg":
            raise APIError(
                400,
                "Transparent background is not supported for output_format 'jpeg': JPEG "
                "has no alpha channel. Use output_format 'png' or 'webp', or an opaque "
                "background.",
                param="background",
                code="invalid_value",
            )
    elif body.get("stream") is True:
        raise APIError(
            400,
            f"Streaming is only supported for GPT image models (gpt-image-1 and later), "
            f"not {kind.value}. Leave 'stream' out or use a GPT image model.",
            param="stream",
            code="unsupported_value",
        )


def resolved_size(size: str, aspect: tuple[int, int] | None = None) -> str:
    """``auto`` made concrete: the input image's orientation when there is one."""
    if size != "auto":
        return size
    if aspect is not None:
        width, height = aspect
        if width * 4 >= height * 5:
            return "1536x1024"
        if height * 4 >= width * 5:
            return "1024x1536"
    return "1024x1024"


def resolved_quality(quality: Any) -> str:
    """The quality a GPT image model reports (``auto`` answers as ``high``)."""
    return str(quality) if quality in ("low", "medium", "high") else "high"


def output_tokens(size: str, quality: str) -> int:
    """Image output tokens for one GPT image of ``size`` at ``quality``."""
    return OUTPUT_TOKENS.get(quality, OUTPUT_TOKENS["high"]).get(size, 4160)


def input_image_tokens(dimensions: tuple[int, int] | None) -> int:
    """Input tokens for one input image, counted the way vision inputs are: scaled to
    fit 2048x2048, then the short side to 768; 85 plus 170 per 512-pixel tile."""
    width, height = dimensions or (1024, 1024)
    scale = min(1.0, 2048 / max(width, height))
    scale *= min(1.0, 768 / (min(width, height) * scale))
    tiles = -(-int(width * scale) // 512) * -(-int(height * scale) // 512)
    return 85 + 170 * tiles
