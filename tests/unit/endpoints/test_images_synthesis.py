"""The images handlers as pure functions: answers, the served files and their bound."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.images import png
from mockapi.endpoints.images import routes as images
from mockapi.errors import APIError
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore


def _context(body: dict[str, Any], state: ObjectStore | None = None, **params: str) -> Context:
    endpoint = images.ENDPOINTS[0]
    request = Request("POST", endpoint.template, {"content-type": "application/json"}, json=body)
    return Context(
        request=request,
        endpoint=endpoint,
        params=params,
        body=body,
        seed=0,
        state=(kept := state or ObjectStore()),
        models=[],
        synthesize=True,
        clock=Clock(kept),
        settings=Settings(),
        base_url="http://mock.test:8000",
    )


def test_url_answers_are_kept_and_served_from_the_state() -> None:
    state = ObjectStore()
    answer = images.generate(_context({"prompt": "a boat", "size": "256x256"}, state))
    assert isinstance(answer.body, dict)
    url = answer.body["data"][0]["url"]
    assert url.startswith("http://mock.test:8000/v1/images/files/img-")
    image_id = url.rsplit("/", 1)[1]
    served = images.serve_file(_context({}, state, image_id=image_id))
    assert served.raw is not None and png.header(served.raw) == (256, 256)
    assert served.headers["content-type"] == "image/png"
    with pytest.raises(APIError) as caught:
        images.serve_file(_context({}, ObjectStore(), image_id=image_id))
    assert caught.value.status == 404


def test_the_server_keeps_only_the_latest_images(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "KEEP", 3)
    state = ObjectStore()
    urls = []
    for i in range(5):
        answer = images.generate(_context({"prompt": f"boat {i}", "size": "256x256"}, state))
        assert isinstance(answer.body, dict)
        urls.append(answer.body["data"][0]["url"].rsplit("/", 1)[1].removesuffix(".png"))
    kept = [state.get(images.FILES, image_id) is not None for image_id in urls]
    assert kept == [False, False, True, True, True]


def test_the_same_image_twice_is_one_file() -> None:
    state = ObjectStore()
    one = images.generate(_context({"prompt": "same", "size": "256x256"}, state))
    two = images.generate(_context({"prompt": "same", "size": "256x256"}, state))
    assert isinstance(one.body, dict) and isinstance(two.body, dict)
    assert one.body["data"] == two.body["data"]
    assert len(state.values(images.FILES)) == 1


def test_gpt_image_stream_events_and_the_server_seed() -> None:
    body = {"model": "gpt-image-1", "prompt": "x", "stream": True, "partial_images": 3, "n": 2}
    answer = images.generate(_context(body))
    assert answer.events is not None
    kinds = [e.event for e in answer.events]
    assert kinds == (["image_generation.partial_image"] * 3 + ["image_generation.completed"]) * 2
    plain = images.generate(_context({"model": "gpt-image-1", "prompt": "x"}))
    reseeded = _context({"model": "gpt-image-1", "prompt": "x"})
    reseeded = Context(**{**reseeded.__dict__, "seed": 7})
    other = images.generate(reseeded)
    assert isinstance(plain.body, dict) and isinstance(other.body, dict)
    assert plain.body["data"] != other.body["data"]  # --seed changes the pictures
    decoded = base64.b64decode(plain.body["data"][0]["b64_json"])
    assert png.header(decoded) == (1024, 1024)
