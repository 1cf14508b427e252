"""The Videos API on a real server, driven by the official SDK with strict response
validation (httpx for what the SDK cannot send: a JSON edit or extension naming a video):
a video polled to ``completed`` whose MP4 a real parser (PyAV) demuxes to the requested
length, frame size and codecs, the same bytes for the same request, its WebP thumbnail
and JPEG spritesheet; the steps and ``progress`` retrieves show; pages; remix, edit and
extension; the API's refusals; a failed video's ``video.failed`` webhook, signed; the
async client. Every answer is checked against the derived schemas."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import warnings
from collections.abc import Iterator
from typing import Any, cast

import av
import httpx
import openai
import pytest
from PIL import Image
from pytest_httpserver import HTTPServer

from mockapi.config import OnMiss
from mockapi.replay.control import Control
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

# Every videos method is marked deprecated in the SDK (the API's shutdown): still served.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
VIDEO = "GET /v1/videos/{video_id}"
SECRET = "whsec_" + base64.b64encode(b"a video receiver's 32-byte key!!").decode()
PROMPT = "A calico cat plays a grand piano on a dim stage"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(autouse=True)
def fresh(server: ServerThread) -> None:
    control(server).reset()


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1") as sdk:
        yield sdk


def control(server: ServerThread) -> Control:
    return cast(Control, server.control)  # type: ignore[attr-defined]


def checked(endpoint: str, answer: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    if status == 200:
        assert response_problems(endpoint, body) == []
    return body


def raw(server: ServerThread) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"authorization": "Bearer sk-test"})


def test_a_video_completes_and_its_mp4_plays(client: openai.OpenAI, server: ServerThread) -> None:
    video = client.videos.create_and_poll(prompt=PROMPT, seconds="4")
    assert (video.status, video.progress, video.model) == ("completed", 100, "sora-2")
    assert (video.size, video.seconds, video.prompt, video.error) == ("720x1280", "4", PROMPT, None)
    assert video.completed_at is not None and video.expires_at == video.completed_at + 86_400
    with raw(server) as http:
        assert checked(VIDEO, http.get(f"/v1/videos/{video.id}"))["status"] == "completed"
    content = client.videos.with_raw_response.download_content(video.id)
    assert content.headers["content-type"] == "video/mp4"
    mp4 = content.content
    with av.open(io.BytesIO(mp4)) as container:
        assert container.duration is not None
        assert abs(container.duration / av.time_base - 4.0) < 0.05
        picture, sound = container.streams.video[0], container.streams.audio[0]
        assert (picture.codec_context.name, sound.codec_context.name) == ("h264", "aac")
        assert (picture.codec_context.width, picture.codec_context.height) == (720, 1280)
        assert picture.average_rate == 24
        assert sum(1 for _ in container.decode(picture)) == 4 * 24  # every frame decodes
    thumbnail = client.videos.download_content(video.id, variant="thumbnail").read()
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert (image.format, image.size) == ("WEBP", (720, 1280))
    sheet = client.videos.download_content(video.id, variant="spritesheet").read()
    with Image.open(io.BytesIO(sheet)) as image:
        assert (image.format, image.size) == ("JPEG", (4 * 180, 320))  # a frame a second
    # The same request draws the same video, byte for byte.
    again = client.videos.create_and_poll(prompt=PROMPT, seconds="4")
    assert again.id != video.id
    assert client.videos.download_content(again.id).read() == mp4


def test_retrieves_step_it_with_progress_and_a_planned_failure(server: ServerThread) -> None:
    with raw(server) as http:
        made = http.post(
            "/v1/videos",
            json={"prompt": "a storm at sea", "model": "sora-2-pro", "size": "1792x1024"},
            headers={"x-mockapi-job": "fail; code=moderation_blocked; message=Blocked."},
        )
        video = checked("POST /v1/videos", made)
        assert (video["status"], video["progress"], video["seconds"]) == ("queued", 0, "4")
        assert "openai-poll-after-ms" in made.headers
        step = http.get(f"/v1/videos/{video['id']}")
        assert checked(VIDEO, step)["status"] == "in_progress"
        assert 0 < step.json()["progress"] < 100 and "openai-poll-after-ms" in step.headers
        ended = http.get(f"/v1/videos/{video['id']}")
        failed = checked(VIDEO, ended)
        assert failed["status"] == "failed" and "openai-poll-after-ms" not in ended.headers
        assert failed["error"] == {"code": "moderation_blocked", "message": "Blocked."}
        assert checked("DELETE /v1/videos/{video_id}", http.delete(f"/v1/videos/{video['id']}"))[
            "deleted"
        ]


def test_list_pages_newest_first(client: openai.OpenAI, server: ServerThread) -> None:
    made = [client.videos.create(prompt=f"scene {n}").id for n in range(3)]
    page = client.videos.list(limit=2)
    assert [v.id for v in page.data] == made[:0:-1] and page.has_more
    assert [v.id for v in client.videos.list(limit=2)] == made[::-1]  # auto-pagination
    assert [v.id for v in client.videos.list(order="asc")] == made
    with raw(server) as http:
        listed = checked("GET /v1/videos", http.get("/v1/videos", params={"limit": 1}))
        assert listed["has_more"] and listed["first_id"] == listed["last_id"] == made[-1]


def test_remix_edit_and_extend_a_completed_video(
    client: openai.OpenAI, server: ServerThread
) -> None:
    source = client.videos.create(prompt="a red kite", size="1280x720", seconds="4")
    control(server).jobs.complete(source.id)
    remixed = client.videos.remix(source.id, prompt="a blue kite")
    assert (remixed.remixed_from_video_id, remixed.prompt) == (source.id, "a blue kite")
    assert (remixed.size, remixed.seconds, remixed.status) == ("1280x720", "4", "queued")
    clip = client.videos.download_content(source.id).read()
    edited = client.videos.edit(video=("kite.mp4", clip, "video/mp4"), prompt="at dusk")
    assert (edited.size, edited.seconds, edited.remixed_from_video_id) == ("1280x720", "4", None)
    with raw(server) as http:
        json_edit = {"prompt": "in fog", "video": {"id": source.id}}
        assert (
            checked("POST /v1/videos/edits", http.post("/v1/videos/edits", json=json_edit))[
                "seconds"
            ]
            == "4"
        )
        longer = {"prompt": "it lands", "seconds": "4", "video": {"id": source.id}}
        extended = checked(
            "POST /v1/videos/extensions", http.post("/v1/videos/extensions", json=longer)
        )
        assert (extended["seconds"], extended["size"]) == ("8", "1280x720")  # stitched
    uploaded = client.videos.extend(
        video=("kite.mp4", clip, "video/mp4"),
        prompt="and turns",
        seconds="16",  # type: ignore[arg-type]  # the SDK types 4, 8 and 12 only
    )
    assert uploaded.seconds == "20"


def test_the_api_refusals(client: openai.OpenAI, server: ServerThread) -> None:
    with pytest.raises(openai.BadRequestError) as wide:
        client.videos.create(prompt="x", size="1792x1024")
    assert wide.value.param == "size" and "sora-2-pro" in wide.value.message
    with pytest.raises(openai.BadRequestError) as length:
        client.videos.create(prompt="x", seconds="5")  # type: ignore[arg-type]
    assert length.value.param == "seconds"
    with pytest.raises(openai.NotFoundError):
        client.videos.create(prompt="x", model="sora-3")
    reference = io.BytesIO()
    Image.new("RGB", (1280, 720)).save(reference, "PNG")
    with pytest.raises(openai.BadRequestError) as inpaint:
        client.videos.create(prompt="x", input_reference=("ref.png", reference.getvalue()))
    assert inpaint.value.body == {
        "message": "Inpaint image must match the requested width and height",
        "type": "invalid_request_error",
        "param": "input_reference",
        "code": "invalid_value",
    }
    ok = client.videos.create(
        prompt="x", size="1280x720", input_reference=("ref.png", reference.getvalue())
    )
    assert ok.status == "queued"
    with pytest.raises(openai.BadRequestError) as early:
        client.videos.download_content(ok.id)
    assert "status is 'queued'" in early.value.message
    with pytest.raises(openai.BadRequestError):
        client.videos.delete(ok.id)
    with pytest.raises(openai.BadRequestError):
        client.videos.remix(ok.id, prompt="y")
    with pytest.raises(openai.NotFoundError) as unknown:
        client.videos.retrieve("video_nope")
    assert unknown.value.message.endswith("No such Video object: video_nope")
    with pytest.raises(openai.NotFoundError):
        client.videos.get_character("char_nope")


def test_a_failed_video_sends_video_failed_signed(
    client: openai.OpenAI, server: ServerThread
) -> None:
    with HTTPServer(host="127.0.0.1", port=0) as receiver:
        receiver.expect_request("/hook", method="POST").respond_with_data("ok")
        control(server).set_webhooks([(receiver.url_for("/hook"), SECRET)])
        try:
            made = client.videos.create(
                prompt="doomed", extra_headers={"x-mockapi-job": "fail; code=server_error"}
            )
            assert client.videos.poll(made.id).status == "failed"
            deadline = time.monotonic() + 10
            while not receiver.log and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            control(server).set_webhooks([])
        [(request, _)] = receiver.log
    body, headers = request.get_data(), dict(request.headers)
    client.webhooks.verify_signature(body, headers, secret=SECRET)  # raises if not signed
    event = json.loads(body)
    assert (event["type"], event["data"], event["object"]) == (
        "video.failed",
        {"id": made.id},
        "event",
    )


def test_the_async_client(server: ServerThread) -> None:
    async def run() -> list[str]:
        async with strict_async_client(server.url + "/v1") as sdk:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                made = await sdk.videos.create(prompt="an otter", seconds="12")
                step = await sdk.videos.retrieve(made.id)
                listed = [v.id async for v in sdk.videos.list()]
            assert (made.seconds, step.status, listed) == ("12", "in_progress", [made.id])
            return listed

    assert len(asyncio.run(run())) == 1
