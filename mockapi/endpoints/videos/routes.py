"""The Videos API (Sora), served as the API served it before it shut down.

**The real Videos API was shut down on 2026-09-24** (with ``sora-2``, ``sora-2-pro`` and
their snapshots; OpenAI names no replacement), and the Batch API no longer takes
``/v1/videos`` lines (:data:`mockapi.endpoints.batches.routes.RETIRED_ENDPOINTS`). The
SDK still has ``client.videos``, and code written for it still needs tests that run, so
mockapi serves these routes as the API did: every route is a lookup (state store),
whatever ``on_miss`` says.

* ``POST /v1/videos``: ``prompt``, ``model`` (``sora-2``), ``seconds`` (``"4"``),
  ``size`` (``720x1280``), ``input_reference`` (an image upload, or ``image_url`` /
  ``file_id``) checked by :mod:`.rules`; the video ``queued``.
* ``GET /v1/videos`` (newest first unless ``order=asc``; ``after``, ``limit`` up to 100),
  ``GET /v1/videos/{id}`` (one step of its lifecycle, :mod:`.family`), ``DELETE`` (a
  completed or failed video, with its assets; the wording of the refusal is assumed).
* ``POST /v1/videos/{id}/remix`` (a completed video again with a new prompt:
  ``remixed_from_video_id``), ``POST /v1/videos/edits`` and ``/extensions`` (from a
  video of this server or an uploaded file, :mod:`.sources`; an extension's ``seconds``
  is the stitched total, its first part the source's own frames and sound).
* ``GET /v1/videos/{id}/content?variant=video|thumbnail|spritesheet``: :mod:`.assets`.
* ``POST /v1/videos/characters`` and ``GET /v1/videos/characters/{id}``:
  :mod:`.characters`.

The pictures of a video depend on its prompt, model, reference image and source (and
``--seed``), not on its id: the same request downloads the same MP4.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import jobs, objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import rules as file_rules
from mockapi.endpoints.videos import assets, characters, family, rules, sources
from mockapi.endpoints.videos.scene import Scene, Segment
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state import lifecycle

MAX_LIST_LIMIT = 100


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/videos``: a new video, ``queued``."""
    body = ctx.body
    prompt = str(body.get("prompt", ""))
    model = rules.model_of(body)
    size = rules.size_of(body, model)
    seconds = rules.seconds_of(body)
    reference = rules.reference(ctx, size)
    digest = reference.digest.hex() if reference is not None else None
    width, height = rules.dimensions(size)
    segment = Segment(sources.seed(ctx, "create", model, prompt, digest), int(seconds))
    scene = Scene(width, height, (segment,), prompt)
    record = _record(ctx, model=model, prompt=prompt, size=size, seconds=seconds)
    return jobs.answer(ctx, family.FAMILY, family.start(ctx, record, scene))


def list_videos(ctx: Context) -> FixtureResponse:
    """``GET /v1/videos``: newest first, paged."""
    return FixtureResponse(body=objects.list_page(ctx, family.KIND, max_limit=MAX_LIST_LIMIT))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/videos/{video_id}``: the video, one step further if it has one."""
    video = jobs.poll(ctx, family.FAMILY, ctx.params["video_id"])
    return jobs.answer(ctx, family.FAMILY, video)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/videos/{video_id}``: a completed or failed video, and its assets."""
    video_id = ctx.params["video_id"]
    current = jobs.find(ctx, family.FAMILY, video_id)
    status = str(current.get("status"))
    if not family.FAMILY.life.finished(status):
        raise APIError(
            400,
            f"Video {video_id} cannot be deleted while it is '{status}': only a completed "
            "or failed video can be. Poll it until it finishes, then delete it.",
            param="video_id",
        )
    ctx.state.delete(family.KIND, video_id)
    ctx.state.delete_blob(family.blob_key(video_id))
    ctx.state.delete(lifecycle.KIND, video_id)
    return FixtureResponse(body={"object": "video.deleted", "deleted": True, "id": video_id})


def remix(ctx: Context) -> FixtureResponse:
    """``POST /v1/videos/{video_id}/remix``: the completed video made again from a new
    prompt (its model, size and length kept)."""
    source = sources.stored(ctx, ctx.params["video_id"], "remixed")
    prompt = str(ctx.body.get("prompt", ""))
    return _derived(ctx, source, prompt, "remix", remixed_from=source.video_id)


def edit(ctx: Context) -> FixtureResponse:
    """``POST /v1/videos/edits``: a video (of this server, or uploaded) changed as the
    prompt says: a new video of its size and length."""
    source = sources.of_request(ctx, "edited")
    return _derived(ctx, source, str(ctx.body.get("prompt", "")), "edit")


def extend(ctx: Context) -> FixtureResponse:
    """``POST /v1/videos/extensions``: a video continued by ``seconds`` more; the new
    video's ``seconds`` is the stitched total."""
    added = int(rules.seconds_of(ctx.body, default=None))
    source = sources.of_request(ctx, "extended")
    prompt = str(ctx.body.get("prompt", ""))
    part = Segment(sources.seed(ctx, "extend", prompt, _seeds(source.scene)), added)
    scene = source.scene.extended(part, prompt)
    record = _record(
        ctx, model=source.model, prompt=prompt, size=source.size, seconds=str(scene.seconds)
    )
    return jobs.answer(ctx, family.FAMILY, family.start(ctx, record, scene))


def content(ctx: Context) -> FixtureResponse:
    """``GET /v1/videos/{video_id}/content``: the ``variant`` asked for (MP4 by default)."""
    record = jobs.find(ctx, family.FAMILY, ctx.params["video_id"])
    variant = dict(ctx.request.query).get("variant") or "video"
    return assets.content(ctx, record, variant)


def _derived(
    ctx: Context, source: sources.Source, prompt: str, verb: str, remixed_from: str | None = None
) -> FixtureResponse:
    """A new video of ``source``'s size and length, drawn from it and ``prompt``."""
    before = source.scene
    segment = Segment(sources.seed(ctx, verb, prompt, _seeds(before)), before.seconds)
    scene = Scene(before.width, before.height, (segment,), prompt)
    record = _record(
        ctx,
        model=source.model,
        prompt=prompt,
        size=source.size,
        seconds=str(before.seconds),
        remixed_from=remixed_from,
    )
    return jobs.answer(ctx, family.FAMILY, family.start(ctx, record, scene))


def _seeds(scene: Scene) -> list[str]:
    return [segment.seed.hex() for segment in scene.segments]


def _record(
    ctx: Context,
    *,
    model: str,
    prompt: str,
    size: str,
    seconds: str,
    remixed_from: str | None = None,
) -> dict[str, Any]:
    """A new ``video`` object, ``queued``, in the API's key order."""
    return {
        "id": objects.new_id(ctx, family.PREFIX),
        "object": "video",
        "created_at": ctx.clock.seconds(),
        "status": family.FAMILY.life.start,
        "model": model,
        "progress": 0,
        "seconds": seconds,
        "size": size,
        "prompt": prompt,
        "remixed_from_video_id": remixed_from,
        "completed_at": None,
        "expires_at": None,
        "error": None,
    }


_ONE = "/v1/videos/{video_id}"
_UPLOAD = file_rules.API_MAX_FILE_BYTES
"""Uploaded videos (edits, extensions, characters) may be as large as a File."""

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/videos", body=Body.EITHER, lookup=create),
    Endpoint("GET", "/v1/videos", lookup=list_videos),
    Endpoint("POST", "/v1/videos/edits", body=Body.EITHER, lookup=edit, upload=_UPLOAD),
    Endpoint("POST", "/v1/videos/extensions", body=Body.EITHER, lookup=extend, upload=_UPLOAD),
    *characters.endpoints(upload=_UPLOAD),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint("POST", _ONE + "/remix", body=Body.EITHER, lookup=remix),
    Endpoint("GET", _ONE + "/content", lookup=content),
)
