"""mockapi.validation.patches.MediaPatch: a 2xx body the spec leaves out of an operation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockapi.errors import SchemaError
from mockapi.validation import derive
from mockapi.validation.derive import Target
from mockapi.validation.patches import MEDIA_PATCHES, MediaPatch
from tests.unit.validation.test_derive import small_spec

TARGETS = (Target("POST", "/things", "things"), Target("GET", "/things/{id}", "things.get"))
STREAMS = MediaPatch("GET", "/things/{id}", "stream_event", "Event", why="it streams: see X")


def spec_with_a_get() -> dict[str, Any]:
    """The small spec plus ``GET /things/{id}``, whose 200 the spec says is JSON only."""
    spec = small_spec()
    answer = copy.deepcopy(spec["paths"]["/things"]["post"]["responses"])
    del answer["200"]["content"]["text/event-stream"]
    spec["paths"]["/things/{id}"] = {"get": {"responses": answer}}
    return spec


def test_a_media_patch_adds_the_role_with_its_evidence() -> None:
    files = derive.derive(spec_with_a_get(), targets=TARGETS, patches=(), media_patches=(STREAMS,))
    assert files["index.json"]["endpoints"]["GET /v1/things/{id}"] == {
        "response": "things.get.response.json",
        "stream_event": "things.get.stream_event.json",
    }
    document = files["things.get.stream_event.json"]
    assert document["$ref"] == "#/$defs/Event" and "Event" in document["$defs"]
    assert document["$comment"].endswith(" it streams: see X")
    # The operation's other files carry only the derivation note.
    assert "it streams" not in files["things.get.response.json"]["$comment"]


def test_a_media_patch_the_spec_made_stale_is_an_error() -> None:
    stale = MediaPatch("POST", "/things", "stream_event", "Event", why="w")
    with pytest.raises(SchemaError, match=r"the spec now declares its stream_event schema"):
        derive.derive(spec_with_a_get(), targets=TARGETS, patches=(), media_patches=(stale,))


def test_a_media_patch_of_another_role_is_an_error() -> None:
    patch = MediaPatch("GET", "/things/{id}", "events", "Event", why="w")
    with pytest.raises(SchemaError, match="role 'events' is not one of request, form"):
        derive.derive(spec_with_a_get(), targets=TARGETS, patches=(), media_patches=(patch,))


def test_a_media_patch_outside_the_targets_is_not_applied() -> None:
    # derive's callers may pass their own targets (these tests do); the real patches
    # are held to the real TARGETS by the test below.
    elsewhere = MediaPatch("GET", "/nowhere", "stream_event", "Event", why="w")
    files = derive.derive(
        spec_with_a_get(), targets=TARGETS, patches=(), media_patches=(elsewhere,)
    )
    assert "things.get.stream_event.json" not in files


def test_each_media_patch_names_a_row_and_gives_evidence() -> None:
    rows = {(t.method, t.path) for t in derive.TARGETS}
    for patch in MEDIA_PATCHES:
        assert (patch.method, patch.path) in rows, patch
        assert patch.why.startswith("mockapi: ") and len(patch.why) > 80, patch
