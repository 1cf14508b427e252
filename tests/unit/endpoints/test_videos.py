"""Videos without a server (mockapi.endpoints.videos): the API's models, sizes, durations
and reference images; a video's steps through the routes on a memory state store
(queued, in_progress with progress, completed with its MP4 rendered in the background, or
failed as planned), each end announced once through the job machinery's Context.notify;
downloads of each variant; remix, delete and characters' refusals; without PyAV a video
still completes and only its MP4 is a 501; the kinds kept and Control.jobs' registry."""

from __future__ import annotations

import base64
import dataclasses
import io
import sys
from typing import Any

import pytest
from PIL import Image

from mockapi.endpoints import jobs
from mockapi.endpoints.files import stored
from mockapi.endpoints.media import extra
from mockapi.endpoints.videos import assets, characters, family, routes, rules
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import FilePart, Request
from mockapi.replay.jobs import FAMILIES
from mockapi.state import lifecycle
from mockapi.state.objects import KEPT_KINDS
from mockapi.wire import webhooks
from tests.unit.endpoints.file_search_state import Stores

ROUTES = {endpoint.key: endpoint for endpoint in routes.ENDPOINTS}


def _error(call: Any, *args: Any) -> APIError:
    with pytest.raises(APIError) as caught:
        call(*args)
    return caught.value


class Videos:
    """A memory state store, contexts for the video routes, and the events announced."""

    def __init__(self) -> None:
        self.stores = Stores()
        self.events: list[dict[str, Any]] = []

    def ctx(
        self,
        key: str,
        body: dict[str, Any] | None = None,
        *,
        files: tuple[FilePart, ...] = (),
        query: tuple[tuple[str, str], ...] = (),
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> Any:
        endpoint = ROUTES[key]
        made = self.stores.context(endpoint, body or {}, params=params)
        request = Request(
            endpoint.method, endpoint.template, headers or {}, query, json=body or {}, files=files
        )
        return dataclasses.replace(made, request=request, notify=self.events.append)

    def create(self, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        answer = routes.create(
            self.ctx("POST /v1/videos", {"prompt": "a fox", **body}, headers=headers)
        )
        assert isinstance(answer.body, dict)
        return answer.body

    def retrieve(self, video_id: str) -> FixtureResponse:
        return routes.retrieve(self.ctx("GET /v1/videos/{video_id}", video_id=video_id))

    def finish(self, video_id: str) -> dict[str, Any]:
        """The video run to its end (a background render waited for)."""
        return jobs.drive(
            self.ctx("GET /v1/videos/{video_id}"), family.FAMILY, video_id, "complete"
        )

    def download(self, video_id: str, variant: str = "video") -> FixtureResponse:
        ctx = self.ctx(
            "GET /v1/videos/{video_id}/content", query=(("variant", variant),), video_id=video_id
        )
        return routes.content(ctx)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# -- what the API takes -------------------------------------------------------------------


def test_models_sizes_and_seconds() -> None:
    assert rules.model_of({}) == "sora-2"
    assert _error(rules.model_of, {"model": "sora-3"}).code == "model_not_found"
    assert rules.size_of({}, "sora-2") == "720x1280"
    assert rules.size_of({"size": "1792x1024"}, "sora-2-pro-2025-10-06") == "1792x1024"
    wide = _error(rules.size_of, {"size": "1792x1024"}, "sora-2")
    assert (wide.status, wide.param, wide.code) == (400, "size", "invalid_value")
    assert "'720x1280', '1280x720'" in wide.message and "sora-2-pro" in wide.message
    assert rules.seconds_of({}) == "4" and rules.seconds_of({"seconds": "20"}) == "20"
    assert rules.seconds_of({"seconds": 8}) == "8"  # a number given as one
    bad = _error(rules.seconds_of, {"seconds": "5"})
    assert bad.param == "seconds" and "'4', '8', '12', '16', '20'" in bad.message
    with pytest.raises(APIError) as required:  # an extension's seconds has no default
        rules.seconds_of({}, default=None)
    assert required.value.param == "seconds"


def test_reference_images_must_be_images_of_the_size() -> None:
    env = Videos()
    right = FilePart("input_reference", "ref.png", "image/png", _png(720, 1280))
    ctx = env.ctx("POST /v1/videos", {"prompt": "x"}, files=(right,))
    found = rules.reference(ctx, "720x1280")
    assert found is not None and found.data == right.data
    wrong = _error(rules.reference, ctx, "1280x720")
    assert wrong.message == "Inpaint image must match the requested width and height"
    assert wrong.param == "input_reference"
    text = FilePart("input_reference", "notes.txt", "text/plain", b"hello")
    ctx = env.ctx("POST /v1/videos", {"prompt": "x"}, files=(text,))
    assert _error(rules.reference, ctx, "720x1280").code == "invalid_image_format"
    data_url = "data:image/png;base64," + base64.b64encode(_png(1280, 720)).decode()
    ctx = env.ctx("POST /v1/videos", {"prompt": "x", "input_reference": {"image_url": data_url}})
    assert rules.reference(ctx, "1280x720") is not None
    remote = {"input_reference": {"image_url": "https://example.com/cat.png"}}
    ctx = env.ctx("POST /v1/videos", {"prompt": "x", **remote})
    far = rules.reference(ctx, "1280x720")
    assert far is not None and far.data is None and len(far.digest) == 32
    both = {"input_reference": {"image_url": data_url, "file_id": "file-x"}}
    ctx = env.ctx("POST /v1/videos", {"prompt": "x", **both})
    assert "exactly one" in _error(rules.reference, ctx, "1280x720").message
    ctx = env.ctx("POST /v1/videos", {"prompt": "x", "input_reference": {"file_id": "file-no"}})
    assert _error(rules.reference, ctx, "1280x720").status == 404
    made = stored.create(ctx, _png(1280, 720), filename="ref.png", purpose="vision")
    ctx = env.ctx("POST /v1/videos", {"prompt": "x", "input_reference": {"file_id": made["id"]}})
    assert rules.reference(ctx, "1280x720") is not None


# -- a video's lifecycle ------------------------------------------------------------------


def test_a_video_steps_to_completed_with_its_mp4_and_is_announced_once() -> None:
    env = Videos()
    video = env.create(seconds="4", size="1280x720")
    assert video["id"].startswith("video_") and len(video["id"]) == len("video_") + 48
    assert (video["status"], video["progress"], video["seconds"], video["size"]) == (
        "queued",
        0,
        "4",
        "1280x720",
    )
    first = env.retrieve(video["id"])
    assert first.body["status"] == "in_progress" and first.body["progress"] == family.STARTED
    assert "openai-poll-after-ms" in first.headers
    second = env.retrieve(video["id"])  # the render starts in the background
    assert second.body["status"] in ("in_progress", "completed")
    done = env.finish(video["id"])
    assert (done["status"], done["progress"]) == ("completed", 100)
    assert done["expires_at"] == done["completed_at"] + family.ASSETS_SECONDS
    assert "openai-poll-after-ms" not in env.retrieve(video["id"]).headers
    kept = env.stores.state.get_blob(family.blob_key(video["id"]))
    assert kept is not None and env.download(video["id"]).raw == kept
    assert [event["type"] for event in env.events] == ["video.completed"]
    assert env.events[0]["data"] == {"id": video["id"]}
    assert env.events[0]["created_at"] == done["completed_at"]
    env.retrieve(video["id"])
    assert len(env.events) == 1  # once


def test_a_planned_failure_ends_it_failed_and_announces_video_failed() -> None:
    env = Videos()
    plan = {lifecycle.HEADER: "fail; code=moderation_blocked; message=Not allowed"}
    video = env.create(headers=plan)
    assert [env.retrieve(video["id"]).body["status"] for _ in range(3)] == [
        "in_progress",
        "failed",
        "failed",
    ]
    failed = env.retrieve(video["id"]).body
    assert failed["error"] == {"code": "moderation_blocked", "message": "Not allowed"}
    assert [event["type"] for event in env.events] == ["video.failed"]
    assert webhooks.event_type(failed) == "video.failed"
    assert "status is 'failed'" in _error(env.download, video["id"]).message


def test_without_pyav_a_video_completes_and_only_its_mp4_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    env = Videos()
    video = env.create(prompt="no codec here")
    assert [env.retrieve(video["id"]).body["status"] for _ in range(2)] == [
        "in_progress",
        "completed",
    ]
    refused = _error(env.download, video["id"])
    assert (refused.status, refused.code) == (501, extra.CODE)
    assert "mockapi[media]" in refused.message and "the video's MP4" in refused.message
    thumbnail = env.download(video["id"], "thumbnail")
    assert thumbnail.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(thumbnail.raw or b"")) as image:
        assert (image.format, image.size) == ("WEBP", (720, 1280))
    sheet = env.download(video["id"], "spritesheet")
    with Image.open(io.BytesIO(sheet.raw or b"")) as image:
        # 4 seconds: one frame a second, a quarter of 720x1280 each, 4 to a row.
        assert (image.format, image.size) == ("JPEG", (4 * 180, 320))


def test_remix_delete_and_downloads_refuse_unfinished_videos(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extra, "av_available", lambda: False)  # no render needed here
    env = Videos()
    video = env.create()
    remix_ctx = env.ctx("POST /v1/videos/{video_id}/remix", {"prompt": "y"}, video_id=video["id"])
    early = _error(routes.remix, remix_ctx)
    assert early.status == 400 and "status is 'queued'" in early.message
    delete_ctx = env.ctx("DELETE /v1/videos/{video_id}", video_id=video["id"])
    assert "cannot be deleted while it is 'queued'" in _error(routes.delete, delete_ctx).message
    assert "cannot be downloaded yet" in _error(env.download, video["id"]).message
    env.finish(video["id"])
    remixed = routes.remix(remix_ctx).body
    assert isinstance(remixed, dict) and remixed["remixed_from_video_id"] == video["id"]
    assert (remixed["prompt"], remixed["seconds"], remixed["status"]) == ("y", "4", "queued")
    assert routes.delete(delete_ctx).body == {
        "object": "video.deleted",
        "deleted": True,
        "id": video["id"],
    }
    assert _error(env.retrieve, video["id"]).status == 404
    assert env.stores.state.get(lifecycle.KIND, video["id"]) is None


def test_the_same_request_draws_the_same_video() -> None:
    env = Videos()
    one, two, other = env.create(), env.create(), env.create(prompt="an owl")
    scenes = [family.scene_of(env.stores.state, v) for v in (one, two, other)]
    assert scenes[0] == scenes[1] != scenes[2]
    assert assets.thumbnail(scenes[0]) == assets.thumbnail(scenes[1])


def test_characters_take_videos_only() -> None:
    env = Videos()
    clip = FilePart("video", "cat.mp4", "video/mp4", b"\x00\x00\x00\x18ftypmp42rest")
    ctx = env.ctx("POST /v1/videos/characters", {"name": "Cat"}, files=(clip,))
    made = characters.create(ctx).body
    assert isinstance(made, dict) and made["id"].startswith("char_") and made["name"] == "Cat"
    get = env.ctx("GET /v1/videos/characters/{character_id}", character_id=made["id"])
    assert characters.retrieve(get).body == made
    text = FilePart("video", "cat.txt", "text/plain", b"meow")
    ctx = env.ctx("POST /v1/videos/characters", {"name": "Cat"}, files=(text,))
    assert _error(characters.create, ctx).param == "video"
    unknown = env.ctx("GET /v1/videos/characters/{character_id}", character_id="char_x")
    assert _error(characters.retrieve, unknown).message == "No such Character object: char_x"


def test_videos_are_kept_and_registered() -> None:
    assert {"videos", "videos.characters"} <= KEPT_KINDS
    assert FAMILIES[family.KIND] is family.FAMILY
    assert webhooks.event_type({"object": "video", "status": "completed"}) == "video.completed"
    assert webhooks.event_type({"object": "video", "status": "in_progress"}) is None
