"""What ``GET /v1/videos/{id}/content`` downloads: the MP4, a thumbnail, a spritesheet.

Every variant is real and made from the video's :class:`~.scene.Scene`, so the same
video always downloads the same bytes:

* ``video`` (the default): the MP4 (H.264 and AAC, the requested size and length),
  rendered when the video completed and kept as a blob (or rendered now, and kept,
  when it was not: PyAV came later, or it was too big to keep); a 501 naming the
  ``mockapi[media]`` extra without PyAV;
* ``thumbnail``: the first frame as a WebP of the video's size (the API serves a WebP);
* ``spritesheet``: a JPEG of one frame a second, each a quarter of the video's size,
  :data:`SPRITE_COLUMNS` to a row (the API serves a JPEG; its layout is assumed).

Only a ``completed`` video has content: another is a 400 naming its status (the API's
wording is not on record).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.videos import family
from mockapi.endpoints.videos.scene import Scene
from mockapi.library.fixture import FixtureResponse

MEDIA_TYPES = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
"""Each ``variant`` and the content type it is served with."""
SPRITE_COLUMNS = 4
SPRITE_SCALE = 4
"""A spritesheet frame is the video's size divided by this."""
THUMBNAIL_QUALITY = 80


def content(ctx: Context, record: dict[str, Any], variant: str) -> FixtureResponse:
    """The answer to a download of ``variant`` of the video ``record``."""
    family.require_completed(record, "downloaded", param="video_id")
    scene = family.scene_of(ctx.state, record)
    if variant == "thumbnail":
        data = thumbnail(scene)
    elif variant == "spritesheet":
        data = spritesheet(scene)
    else:
        data = mp4(ctx, str(record["id"]), scene)
    return FixtureResponse(raw=data, headers={"content-type": MEDIA_TYPES[variant]})


def mp4(ctx: Context, video_id: str, scene: Scene) -> bytes:
    """The video's MP4: the one kept, or rendered now (and kept)."""
    kept = ctx.state.get_blob(family.blob_key(video_id))
    if kept is not None:
        return kept
    data = family.render(scene)
    assert data is not None  # nothing stops a render that no step holds
    family.keep(ctx, video_id, data)
    return data


def thumbnail(scene: Scene) -> bytes:
    """The first frame, as a WebP of the video's size."""
    from mockapi.endpoints.media import pictures

    pixels = scene.rgb(0)
    return pictures.encode(
        scene.width, scene.height, pixels, alpha=False, fmt="webp", quality=THUMBNAIL_QUALITY
    )


def spritesheet(scene: Scene) -> bytes:
    """One frame a second (the first of each), scaled down, in a grid, as a JPEG."""
    from mockapi.endpoints.media import pictures

    frames = [scene.rgb(second * scene.fps) for second in range(scene.seconds)]
    tile = (scene.width // SPRITE_SCALE, scene.height // SPRITE_SCALE)
    size = (scene.width, scene.height)
    return pictures.sheet(frames, frame_size=size, tile_size=tile, columns=SPRITE_COLUMNS)
