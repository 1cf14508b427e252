"""The images an edit or a variation starts from, checked as the real API checks them.

Uploads come from a ``multipart/form-data`` body (``image``, or ``image[]`` for several,
and ``mask``); a JSON edit names them by ``image_url`` (a ``data:`` URL is decoded;
another URL or a ``file_id`` cannot be fetched offline, so its text stands for it).
Each becomes an :class:`InputImage`: a digest (what the output depends on), the
dimensions when they can be read (for ``size: auto`` and input token counts) and a
PNG's colour mode, read by Pillow (:mod:`mockapi.endpoints.media.pictures`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi import errors
from mockapi.endpoints.images import files as image_files
from mockapi.endpoints.images.rules import Family
from mockapi.errors import APIError
from mockapi.model import FilePart

DALL_E_MAX_BYTES = 4 * 1024 * 1024
GPT_IMAGE_MAX_BYTES = 50 * 1024 * 1024
_IMAGE_FIELD = re.compile(r"^image(\[\d*\])?$")
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[^,]*)?,(.*)$", re.DOTALL)


@dataclass(frozen=True)
class InputImage:
    digest: bytes
    dimensions: tuple[int, int] | None
    mode: str | None = None
    """A PNG's colour mode as Pillow names it (``RGB``, ``RGBA``, ``L``, ``P``, ``I;16``,
    ...: the API's own error quotes these names), None for other files."""

    @classmethod
    def of(cls, data: bytes) -> InputImage:
        """The upload's digest, and its dimensions and mode: the dimensions from its
        header (no decoding), else as Pillow reads them; the mode as Pillow reads it."""
        from mockapi.endpoints.media import pictures

        probe = pictures.probe(data)
        dimensions = image_files.dimensions(data)
        if dimensions is None and probe is not None:
            dimensions = (probe.width, probe.height)
        is_png = image_files.sniff(data) == image_files.PNG
        mode = probe.mode if is_png and probe is not None else None
        return cls(hashlib.sha256(data).digest(), dimensions, mode)


def _supported(kind: Family) -> tuple[str, ...]:
    if kind is Family.GPT_IMAGE:
        return (image_files.JPEG, image_files.PNG, image_files.WEBP)
    return (image_files.PNG,)


def _mimetype_error(label: str, content_type: str, kind: Family) -> APIError:
    quoted = [f"'{t}'" for t in _supported(kind)]
    listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    return APIError(
        400,
        f"Invalid file '{label}': unsupported mimetype ('{content_type}'). Supported file "
        f"formats are {listed}.",
        param=label,
        code="unsupported_file_mimetype",
    )


def check_upload(
    data: bytes, content_type: str, label: str, kind: Family, number: int
) -> InputImage:
    """One uploaded image (``number`` counts from 1), or the error the real API gives."""
    declared = content_type.split(";", 1)[0].strip().lower()
    if declared not in _supported(kind):
        raise _mimetype_error(label, declared or "application/octet-stream", kind)
    actual = image_files.sniff(data)
    if kind is not Family.GPT_IMAGE:
        if actual != image_files.PNG or len(data) >= DALL_E_MAX_BYTES:
            raise APIError(400, "Uploaded image must be a PNG and less than 4 MB.", param=label)
        dimensions = image_files.dimensions(data)
        if dimensions is None or dimensions[0] != dimensions[1]:
            shown = "x".join(map(str, dimensions)) if dimensions else "unreadable"
            raise APIError(
                400,
                f"Uploaded image must be square; '{label}' is {shown}. Crop or pad it to "
                "the same width and height.",
                param=label,
            )
        return InputImage.of(data)
    if actual is None or len(data) >= GPT_IMAGE_MAX_BYTES:
        raise APIError(
            400,
            f"Invalid image file or mode for image {number}, please check your image file.",
            param=label,
            code="invalid_image_file",
        )
    return InputImage.of(data)


def form_images(files: Sequence[FilePart], kind: Family) -> list[InputImage]:
    """The ``image`` / ``image[]`` uploads of an edit, in order."""
    parts = [part for part in files if _IMAGE_FIELD.match(part.name)]
    if not parts:
        raise errors.missing_parameter("image")
    if kind is not Family.GPT_IMAGE and len(parts) > 1:
        raise APIError(
            400,
            f"{kind.value} edits one image at a time, but {len(parts)} were sent. Send one "
            "image, or use a GPT image model (gpt-image-1) for several.",
            param="image",
        )
    labelled = len(parts) > 1 or parts[0].name.endswith("]")
    return [
        check_upload(
            part.data, part.content_type, f"image[{i}]" if labelled else "image", kind, i + 1
        )
        for i, part in enumerate(parts)
    ]


def form_mask(files: Sequence[FilePart], kind: Family) -> InputImage | None:
    """The edit's ``mask`` upload: a PNG (for every model), or None when there is none."""
    part = next((p for p in files if p.name == "mask"), None)
    if part is None:
        return None
    declared = part.content_type.split(";", 1)[0].strip().lower()
    if declared != image_files.PNG:
        raise _mimetype_error("mask", declared, Family.DALL_E_2)
    if image_files.sniff(part.data) != image_files.PNG:
        raise APIError(400, "The mask must be a valid PNG file.", param="mask")
    return InputImage.of(part.data)


def check_alpha_or_mask(first: InputImage, mask: InputImage | None) -> None:
    """dall-e-2 edits the transparent areas: without a mask the image needs an alpha channel."""
    if mask is not None:
        if mask.dimensions is not None and mask.dimensions != first.dimensions:
            raise APIError(
                400,
                f"Invalid mask: its size {_shown(mask.dimensions)} differs from the image's "
                f"{_shown(first.dimensions)}. The mask must have the same dimensions.",
                param="mask",
            )
        return
    if first.mode not in ("RGBA", "LA", "L"):
        raise APIError(
            400,
            f"Invalid input image - format must be in ['RGBA', 'LA', 'L'], got {first.mode}.",
            param="image",
        )


def _shown(dimensions: tuple[int, int] | None) -> str:
    return "x".join(map(str, dimensions)) if dimensions else "unknown"


def json_image(ref: Any, label: str, number: int) -> InputImage:
    """An image named in a JSON edit (``{"image_url": ...}`` or ``{"file_id": ...}``)."""
    if not isinstance(ref, Mapping):
        raise APIError(400, f"Invalid '{label}': expected an object.", param=label)
    url = ref.get("image_url")
    if isinstance(url, str):
        match = _DATA_URL.match(url)
        if match:
            kind, params, payload = match.groups()
            try:
                encoded = "base64" in (params or "")
                data = base64.b64decode(payload, validate=True) if encoded else payload.encode()
            except (binascii.Error, ValueError):
                raise APIError(
                    400,
                    f"Invalid '{label}.image_url': the data URL is not valid base64.",
                    param=label,
                ) from None
            return check_upload(data, kind or "", label, Family.GPT_IMAGE, number)
        return InputImage(hashlib.sha256(url.encode()).digest(), None)
    file_id = ref.get("file_id")
    return InputImage(hashlib.sha256(str(file_id).encode()).digest(), None)


def json_images(body: Mapping[str, Any]) -> tuple[list[InputImage], InputImage | None]:
    """The ``images`` and ``mask`` of a JSON edit."""
    refs = body.get("images")
    if not isinstance(refs, list) or not refs:
        raise errors.missing_parameter("images")
    images = [json_image(ref, f"images[{i}]", i + 1) for i, ref in enumerate(refs)]
    mask = body.get("mask")
    return images, json_image(mask, "mask", 1) if mask is not None else None
