"""Streamed images: the ``image_generation.*`` and ``image_edit.*`` event sequences.

A GPT image model asked for ``stream: true`` sends, for each image, its
``partial_images`` coarse versions (``<prefix>.partial_image`` events with a
``partial_image_index``) and then the finished image (``<prefix>.completed``, with the
usage), each as a named SSE event. :class:`ImagesShape` lets one fixture answer both
modes: a recorded stream becomes the JSON body its completed events stand for, and a
JSON body with ``b64_json`` images becomes their completed events.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.errors import APIError
from mockapi.model import JSON, SSEEvent

_SETTINGS = ("size", "quality", "background", "output_format")
_DEFAULTS = {"size": "1024x1024", "quality": "high", "background": "opaque", "output_format": "png"}


def partial_event(
    prefix: str, b64: str, settings: Mapping[str, str], index: int, created: int
) -> SSEEvent:
    """One ``<prefix>.partial_image`` event (``prefix``: image_generation or image_edit)."""
    kind = f"{prefix}.partial_image"
    data = {
        "type": kind,
        "b64_json": b64,
        "created_at": created,
        **{name: settings[name] for name in _SETTINGS},
        "partial_image_index": index,
    }
    return SSEEvent(data=data, event=kind)


def completed_event(
    prefix: str, b64: str, settings: Mapping[str, str], usage: Mapping[str, Any], created: int
) -> SSEEvent:
    """One ``<prefix>.completed`` event carrying the finished image and its usage."""
    kind = f"{prefix}.completed"
    data = {
        "type": kind,
        "b64_json": b64,
        "created_at": created,
        **{name: settings[name] for name in _SETTINGS},
        "usage": dict(usage),
    }
    return SSEEvent(data=data, event=kind)


def _zero_usage() -> dict[str, Any]:
    return {
        "input_tokens": 0,
        "input_tokens_details": {"text_tokens": 0, "image_tokens": 0},
        "output_tokens": 0,
        "total_tokens": 0,
    }


class ImagesShape:
    """How one images fixture serves stream and non-stream requests (see the module doc)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """The body as written, with ``created`` filled in when it is missing."""
        if isinstance(body, dict) and "created" not in body:
            return {"created": int(time.time()), **body}
        return body

    def to_events(self, body: JSON, request: Mapping[str, Any]) -> tuple[SSEEvent, ...]:
        """A completed event for each ``b64_json`` image of ``body``."""
        items = body.get("data") if isinstance(body, dict) else None
        images = [
            i for i in items or [] if isinstance(i, dict) and isinstance(i.get("b64_json"), str)
        ]
        if not isinstance(body, dict) or not images:
            raise APIError(
                500,
                "The fixture's body has no data[].b64_json images to stream; give the images "
                "as b64_json, or record the stream itself (events).",
                type="server_error",
            )
        settings = {name: str(body.get(name) or _DEFAULTS[name]) for name in _SETTINGS}
        given = body.get("usage")
        usage = given if isinstance(given, dict) else _zero_usage()
        created = int(body.get("created") or time.time())
        return tuple(
            completed_event(self.prefix, image["b64_json"], settings, usage, created)
            for image in images
        )

    def from_events(self, events: Sequence[SSEEvent], request: Mapping[str, Any]) -> JSON:
        """The JSON body a recorded stream stands for: its completed images, their
        usage, and the settings of the last one."""
        done = [
            e.data
            for e in events
            if isinstance(e.data, dict) and e.data.get("type") == f"{self.prefix}.completed"
        ]
        if not done:
            raise APIError(
                500,
                f"The fixture's stream has no {self.prefix}.completed event to answer a "
                "non-stream request with; record the whole stream.",
                type="server_error",
            )
        last = done[-1]
        body: dict[str, Any] = {"created": last.get("created_at") or int(time.time())}
        for name in ("background", "output_format", "quality", "size"):
            if last.get(name) in (None, "auto") and name != "output_format":
                continue
            body[name] = last.get(name)
        body["data"] = [{"b64_json": d.get("b64_json", "")} for d in done]
        body["usage"] = _summed([d.get("usage") for d in done])
        return body


def _summed(usages: list[Any]) -> dict[str, Any]:
    """Usage of the whole request: every image shares the input (each completed event
    repeats it), and the images' output tokens add up."""
    total = _zero_usage()
    for usage in usages:
        if not isinstance(usage, dict):
            continue
        total["input_tokens"] = max(total["input_tokens"], int(usage.get("input_tokens") or 0))
        total["output_tokens"] += int(usage.get("output_tokens") or 0)
        details = usage.get("input_tokens_details")
        if isinstance(details, dict):
            for key in ("text_tokens", "image_tokens"):
                shared = total["input_tokens_details"]
                shared[key] = max(shared[key], int(details.get(key) or 0))
    total["total_tokens"] = total["input_tokens"] + total["output_tokens"]
    return total
