"""The video a remix, an edit or an extension starts from, and the seeds pictures grow from.

A source is a completed video of this server (``POST /v1/videos/{id}/remix``, or
``video: {"id": ...}`` in an edit or an extension), or an uploaded video file (the
``video`` part of an edit or an extension), read by FFmpeg
(:func:`mockapi.endpoints.media.codecs.probe`: the ``mockapi[media]`` extra) for its
frame size, which must be one the API renders, and its length. A video that is not
``completed`` cannot be a source: a 400 naming its status (the wording is assumed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mockapi import errors
from mockapi.endpoints import jobs
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.media import extra
from mockapi.endpoints.videos import family, rules
from mockapi.endpoints.videos.scene import Scene, Segment
from mockapi.errors import APIError


@dataclass(frozen=True)
class Source:
    """What a new video takes from the one it starts from."""

    model: str
    size: str
    scene: Scene
    video_id: str | None
    """The source video's id (None for an uploaded file)."""


def seed(ctx: Context, *parts: object) -> bytes:
    """The seed of a video's pictures: ``parts`` (what the video depends on: its prompt,
    model, reference, source) and the server's ``--seed``."""
    described = json.dumps([ctx.seed, *parts], sort_keys=True, default=str)
    return hashlib.sha256(described.encode()).digest()


def stored(ctx: Context, video_id: str, verb: str) -> Source:
    """The completed video ``video_id`` of this server (404 for an id it never issued,
    400 for one not completed: it cannot be ``verb``-ed yet)."""
    record = jobs.find(ctx, family.FAMILY, video_id)
    family.require_completed(record, verb, param="video_id" if verb == "remixed" else "video")
    scene = family.scene_of(ctx.state, record)
    return Source(str(record.get("model")), str(record.get("size")), scene, video_id)


def of_request(ctx: Context, verb: str) -> Source:
    """An edit's or an extension's ``video``: an uploaded file, or ``{"id": ...}``."""
    part = next((p for p in ctx.request.files if p.name == "video"), None)
    if part is not None:
        return _uploaded(ctx, part.data)
    ref: Any = ctx.body.get("video")
    if isinstance(ref, dict) and isinstance(ref.get("id"), str):
        return stored(ctx, ref["id"], verb)
    raise errors.missing_parameter("video")


def _uploaded(ctx: Context, data: bytes) -> Source:
    extra.require_av("reading the uploaded video")
    from mockapi.endpoints.media import codecs

    probe = codecs.probe(data)
    if probe is None:
        raise APIError(
            400,
            "Invalid 'video': the file is not a video FFmpeg can read. Upload an MP4 (H.264) "
            "or another common video file.",
            param="video",
            code="invalid_value",
        )
    size = f"{probe.width}x{probe.height}"
    if size not in rules.PRO_SIZES:
        raise APIError(
            400,
            f"Invalid 'video': its frames are {size}; the video must be "
            f"{rules.one_of(rules.PRO_SIZES)}.",
            param="video",
            code="invalid_value",
        )
    seconds = max(1, round(probe.seconds))
    digest = hashlib.sha256(data).digest()
    model = rules.DEFAULT_MODEL if size in rules.STANDARD_SIZES else "sora-2-pro"
    scene = Scene(probe.width, probe.height, (Segment(digest, seconds),))
    return Source(model, size, scene, None)
