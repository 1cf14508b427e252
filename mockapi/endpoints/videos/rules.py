"""What the Videos API takes: models, sizes, durations and reference images, and its 400s.

The sizes and durations are the API's (its reference and the video generation guide):

========================  =========================================  ==================
model                     size (default ``720x1280``)                seconds (default 4)
========================  =========================================  ==================
``sora-2`` and snapshots  ``720x1280``, ``1280x720``                 4, 8, 12, 16, 20
``sora-2-pro`` and snaps  those and ``1024x1792``, ``1792x1024``     4, 8, 12, 16, 20
========================  =========================================  ==================

The SDK's types list 4, 8 and 12 seconds; the guide adds 16 and 20 for both models
(the derived schemas are patched to take them). An extension adds 4 to 20 seconds. The
guide's 1080p sizes are not in the API's public size contract (the SDK's maintainers
said so), so they are refused like any other size.

A reference image (``input_reference``: an upload, or ``{"image_url"}``/``{"file_id"}``)
must be a JPEG, PNG or WebP of exactly the requested size: the API's words for another
size are ``Inpaint image must match the requested width and height``. The wording of
the other refusals here (a size the model lacks, a reference that is not an image) is
assumed: the API's own is not on record.
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
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored
from mockapi.errors import APIError

DEFAULT_MODEL = "sora-2"
DEFAULT_SIZE = "720x1280"
DEFAULT_SECONDS = "4"
STANDARD_SIZES = ("720x1280", "1280x720")
PRO_SIZES = (*STANDARD_SIZES, "1024x1792", "1792x1024")
SECONDS = ("4", "8", "12", "16", "20")
"""Durations a create or an extension takes (for an extension: the added part)."""
MODELS = ("sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-pro-2025-10-06", "sora-2-2025-12-08")
REFERENCE_TYPES = ("image/jpeg", "image/png", "image/webp")
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[^,]*)?,(.*)$", re.DOTALL)


def model_of(body: Mapping[str, Any]) -> str:
    """The request's model (``sora-2`` by default); another is the API's 404."""
    model = body.get("model")
    if model is None:
        return DEFAULT_MODEL
    if model not in MODELS:
        raise errors.model_not_found(str(model))
    return str(model)


def sizes_of(model: str) -> tuple[str, ...]:
    """The sizes ``model`` renders."""
    return PRO_SIZES if model.startswith("sora-2-pro") else STANDARD_SIZES


def size_of(body: Mapping[str, Any], model: str) -> str:
    """The request's size for ``model`` (``720x1280`` by default), or the 400."""
    size = body.get("size")
    if size is None:
        return DEFAULT_SIZE
    allowed = sizes_of(model)
    if size not in allowed:
        listed = ", ".join(f"'{s}'" for s in allowed)
        hint = "" if allowed == PRO_SIZES else " Use sora-2-pro for 1024x1792 or 1792x1024."
        raise APIError(
            400,
            f"Invalid value: '{size}'. Supported values for model '{model}' are: {listed}." + hint,
            param="size",
            code="invalid_value",
        )
    return str(size)


def seconds_of(body: Mapping[str, Any], *, default: str | None = DEFAULT_SECONDS) -> str:
    """The request's ``seconds`` (a string, as the API takes it), or the 400."""
    seconds = body.get("seconds")
    if seconds is None and default is not None:
        return default
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        seconds = str(seconds)
    if seconds not in SECONDS:
        listed = ", ".join(f"'{s}'" for s in SECONDS)
        raise APIError(
            400,
            f"Invalid value: '{seconds}'. Supported values are: {listed}.",
            param="seconds",
            code="invalid_value",
        )
    return str(seconds)


def dimensions(size: str) -> tuple[int, int]:
    """``"720x1280"`` -> ``(720, 1280)``."""
    width, _, height = size.partition("x")
    return int(width), int(height)


@dataclass(frozen=True)
class Reference:
    """A reference image: its bytes when the mock has them (an upload, a data URL, a
    File), else None (a remote URL it cannot fetch offline), and the digest the video's
    pictures depend on."""

    data: bytes | None
    digest: bytes


def reference(ctx: Context, size: str) -> Reference | None:
    """The create request's ``input_reference``, checked against ``size``; None without
    one."""
    part = next((p for p in ctx.request.files if p.name == "input_reference"), None)
    if part is not None:
        return _checked(part.data, part.content_type, size)
    ref = ctx.body.get("input_reference")
    if ref is None:
        return None
    if not isinstance(ref, Mapping):
        raise APIError(
            400,
            "Invalid 'input_reference': upload an image file, or give an object with "
            "exactly one of 'image_url' or 'file_id'.",
            param="input_reference",
            code="invalid_value",
        )
    url, file_id = ref.get("image_url"), ref.get("file_id")
    if (url is None) == (file_id is None):
        raise APIError(
            400,
            "Invalid 'input_reference': provide exactly one of 'image_url' or 'file_id'.",
            param="input_reference",
            code="invalid_value",
        )
    if isinstance(file_id, str):
        try:
            data = stored.content(ctx, file_id)
        except APIError as exc:
            raise objects.not_found("File", file_id, param="input_reference") from exc
        return _checked(data, "", size)
    match = _DATA_URL.match(str(url))
    if match is None:  # a remote URL: nothing to fetch offline, its text stands for it
        return Reference(None, hashlib.sha256(str(url).encode()).digest())
    kind, params, payload = match.groups()
    try:
        data = base64.b64decode(payload, validate=True) if "base64" in (params or "") else b""
    except (binascii.Error, ValueError):
        data = b""
    return _checked(data, kind or "", size)


def _checked(data: bytes, declared: str, size: str) -> Reference:
    """A reference image's bytes checked: an image of a supported type, of ``size``."""
    from mockapi.endpoints.media import pictures

    probe = pictures.probe(data)
    if probe is None or probe.media_type not in REFERENCE_TYPES:
        shown = declared or (probe.media_type if probe else "not an image")
        raise APIError(
            400,
            f"Invalid 'input_reference': unsupported image ({shown}). Supported formats are "
            f"{', '.join(repr(t) for t in REFERENCE_TYPES)}.",
            param="input_reference",
            code="invalid_image_format",
        )
    if (probe.width, probe.height) != dimensions(size):
        raise APIError(
            400,
            "Inpaint image must match the requested width and height",
            param="input_reference",
            code="invalid_value",
        )
    return Reference(data, hashlib.sha256(data).digest())


def one_of(values: Sequence[str]) -> str:
    """``'a', 'b' or 'c'``."""
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
