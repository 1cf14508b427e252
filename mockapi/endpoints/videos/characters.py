"""Video characters: ``POST /v1/videos/characters`` and ``GET /v1/videos/characters/{id}``.

A character is made from an uploaded video (the ``video`` part, checked to be a video by
its first bytes: MP4/QuickTime ``ftyp`` or WebM/Matroska) and a ``name`` (1 to 80
characters); the API answers ``{id, name, created_at}`` and keeps it (kind
:data:`KIND`, never evicted) for the ``GET``. An unknown id is the 404. The wording of
the refusals is assumed: the API's own is not on record.
"""

from __future__ import annotations

from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KIND = "videos.characters"
PREFIX = "char_"
_EBML = b"\x1a\x45\xdf\xa3"


def is_video(data: bytes) -> bool:
    """Whether ``data`` starts as a video file does (MP4/MOV ``ftyp``, WebM/MKV EBML)."""
    return data[4:8] == b"ftyp" or data.startswith(_EBML)


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/videos/characters``: a character from the uploaded ``video``."""
    part = next((p for p in ctx.request.files if p.name == "video"), None)
    if part is None:
        raise errors.missing_parameter("video")
    if not is_video(part.data):
        raise APIError(
            400,
            f"Invalid 'video': {part.filename or 'the upload'} is not a video file. Upload "
            "an MP4, MOV or WebM video of the character.",
            param="video",
            code="invalid_value",
        )
    record: dict[str, Any] = {
        "id": objects.new_id(ctx, PREFIX),
        "name": str(ctx.body.get("name", "")),
        "created_at": ctx.clock.seconds(),
    }
    ctx.state.put(KIND, record["id"], record)
    return FixtureResponse(body=record)


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/videos/characters/{character_id}``."""
    character_id = ctx.params["character_id"]
    found = ctx.state.get(KIND, character_id)
    if not isinstance(found, dict):
        raise objects.not_found("Character", character_id, param="character_id")
    return FixtureResponse(body=found)


def endpoints(*, upload: int) -> tuple[Endpoint, ...]:
    """The two routes; a character's video may be ``upload`` bytes."""
    return (
        Endpoint("POST", "/v1/videos/characters", body=Body.FORM, lookup=create, upload=upload),
        Endpoint("GET", "/v1/videos/characters/{character_id}", lookup=retrieve),
    )
