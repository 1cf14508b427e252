"""A video's lifecycle: ``queued`` -> ``in_progress`` (with ``progress``) -> ``completed``.

Videos are jobs on the shared machinery (:mod:`mockapi.endpoints.jobs`): **each
retrieve moves an unfinished video one step**, so the SDK's ``poll`` and
``create_and_poll`` finish within a few retrieves:

1. ``queued`` -> ``in_progress``, ``progress`` :data:`STARTED`;
2. ``in_progress`` -> ``completed``: the MP4 is rendered (:mod:`.scene` drawn, encoded by
   :mod:`mockapi.endpoints.media.codecs`) in a background thread, the retrieves meanwhile
   answering ``in_progress`` with ``progress`` climbing as the frames are encoded; then
   ``progress`` 100, ``completed_at``, and ``expires_at`` a day later (assumed: the API
   says only that the assets expire). Without PyAV (the ``mockapi[media]`` extra) the
   video completes at once and only its download of ``variant=video`` is refused (501).

A planned failure (``x-mockapi-job: fail; code=...``, ``Control.jobs.fail``) ends it
``failed`` from ``in_progress`` instead, with ``error: {code, message}``. The end is
announced by the machinery (``video.completed`` / ``video.failed`` webhooks). Videos
neither expire nor cancel; ``Control.jobs.expire`` runs one to its end.

What a video looks like (its :class:`~.scene.Scene`: size, segments and soundtrack
text) is kept in its job control record (never shown), so its assets can be made again
by any worker, after a restart too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from mockapi.endpoints import jobs
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.media import extra
from mockapi.endpoints.videos import rules
from mockapi.endpoints.videos.scene import Scene, Segment
from mockapi.errors import APIError, StateLimitError
from mockapi.state import lifecycle
from mockapi.state.lifecycle import Control, Lifecycle
from mockapi.state.store import StateStore

KIND = "videos"
"""The state store kind of ``video`` objects, by id."""
PREFIX = "video_"
STARTED = 25
"""The ``progress`` of a video that has just started rendering."""
ASSETS_SECONDS = 24 * 3600
"""How long after completion the assets are said to expire (``expires_at``; assumed)."""
_PRIVATE = "video"
"""The key of a video's own settings (its scene) in its job control record."""


class VideoFamily:
    """Videos as a :class:`~mockapi.endpoints.jobs.Family`."""

    life = Lifecycle(
        kind=KIND,
        path=("queued", "in_progress", "completed"),
        fails_from="in_progress",
        expires_from="in_progress",
        expired=None,
        cancelling=None,
        cancelled=None,
    )
    noun = "Video"

    def step(
        self,
        ctx: Context,
        current: dict[str, Any],
        target: str,
        control: Control,
        lease: jobs.Lease,
    ) -> dict[str, Any] | jobs.Background:
        video_id = str(current["id"])
        if target == "in_progress":
            return _commit(ctx, video_id, {"status": "in_progress", "progress": STARTED})
        if target == "completed":
            if extra.av_available() and ctx.state.get_blob(blob_key(video_id)) is None:

                def work() -> None:
                    _render_then_complete(ctx, video_id, lease)

                return jobs.Background(work)
            return _complete(ctx, video_id)
        code = control.plan.code or lifecycle.DEFAULT_FAILURE_CODE
        message = control.plan.message or lifecycle.DEFAULT_FAILURE_MESSAGE
        return _commit(
            ctx, video_id, {"status": "failed", "error": {"code": code, "message": message}}
        )


FAMILY = VideoFamily()


def require_completed(record: dict[str, Any], verb: str, *, param: str) -> None:
    """The 400 for a video that is not ``completed`` and so cannot be ``verb`` (its
    content downloaded, remixed, edited, extended): it names the status (the API's own
    wording is not on record)."""
    status = str(record.get("status"))
    if status != "completed":
        raise APIError(
            400,
            f"Video {record['id']} cannot be {verb} yet: its status is '{status}', and only a "
            "completed video can. Poll it until it completes, then try again.",
            param=param,
        )


def blob_key(video_id: str) -> str:
    """The state store blob key of a video's MP4."""
    return f"{KIND}/{video_id}.mp4"


def start(ctx: Context, record: dict[str, Any], scene: Scene) -> dict[str, Any]:
    """Store a new video (``record``, ``queued``) with its plan and its scene."""
    jobs.start(ctx, FAMILY, record)
    own = {
        "width": scene.width,
        "height": scene.height,
        "segments": [[s.seed.hex(), s.seconds] for s in scene.segments],
        "text": scene.text,
    }
    ctx.state.update(lifecycle.KIND, record["id"], lambda raw: {**raw, _PRIVATE: own}, start={})
    return record


def scene_of(state: StateStore, record: dict[str, Any]) -> Scene:
    """The scene of a stored video (drawn from its size and prompt when it has none
    kept: a video written into the store by hand)."""
    raw = state.get(lifecycle.KIND, str(record["id"]))
    own = raw.get(_PRIVATE) if isinstance(raw, dict) else None
    if isinstance(own, dict):
        segments = tuple(Segment(bytes.fromhex(seed), int(n)) for seed, n in own["segments"])
        return Scene(int(own["width"]), int(own["height"]), segments, str(own.get("text", "")))
    width, height = rules.dimensions(str(record.get("size") or rules.DEFAULT_SIZE))
    prompt = str(record.get("prompt") or "")
    seconds = int(str(record.get("seconds") or rules.DEFAULT_SECONDS))
    return Scene(width, height, (Segment(prompt.encode(), seconds),), prompt)


def render(scene: Scene, *, going_on: Callable[[int], bool] | None = None) -> bytes | None:
    """The scene's MP4 (a 501 naming the media extra without PyAV). ``going_on`` is
    asked every second of video encoded (frames done) whether to go on; None when it
    said no."""
    extra.require_av("the video's MP4")
    from mockapi.endpoints.media import codecs

    return codecs.mp4(scene, progress=going_on)


def _render_then_complete(ctx: Context, video_id: str, lease: jobs.Lease) -> None:
    """The background half of ``in_progress`` -> ``completed``: the MP4 rendered (the
    video's ``progress`` climbing), kept, and the video completed."""
    current = ctx.state.get(KIND, video_id)
    if not isinstance(current, dict):
        return
    scene = scene_of(ctx.state, current)

    def going_on(done: int) -> bool:
        control = lease.beat()
        if control is None or control.plan.outcome == "fail":
            return False  # reset away, or failing: the next step ends it failed
        percent = STARTED + (99 - STARTED) * done // scene.frames
        ctx.state.update(KIND, video_id, lambda raw: _progressed(raw, percent))
        return True

    data = render(scene, going_on=going_on)
    if data is None:
        return
    keep(ctx, video_id, data)
    _complete(ctx, video_id)


def keep(ctx: Context, video_id: str, data: bytes) -> None:
    """Keep the video's MP4 as a blob, unless the state store refuses it (over
    ``--max-file-size`` or the total cap): then each download renders it again."""
    with contextlib.suppress(StateLimitError):
        ctx.state.put_blob(blob_key(video_id), data)


def _progressed(raw: Any, percent: int) -> Any:
    if isinstance(raw, dict) and raw.get("status") == "in_progress":
        return {**raw, "progress": max(int(raw.get("progress") or 0), percent)}
    return raw


def _complete(ctx: Context, video_id: str) -> dict[str, Any]:
    now = ctx.clock.seconds()
    fields = {"status": "completed", "progress": 100, "completed_at": now}
    return _commit(ctx, video_id, {**fields, "expires_at": now + ASSETS_SECONDS})


def _commit(ctx: Context, video_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    updated = ctx.state.update(KIND, video_id, lambda raw: {**(raw or {}), **fields})
    return updated if isinstance(updated, dict) else {"id": video_id, **fields}
