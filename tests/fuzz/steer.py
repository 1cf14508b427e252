"""Steering generated requests towards answers worth checking, and sending forms as the SDK does.

A schema-valid request is often refused for what a schema cannot say: a model name
no one serves (`model` is "any string, or one of these"), an upload that is not audio or
not an image. Refusals are checked too (the error shape), but a 2xx body is where the
answers that break the spec hide, so half the examples are steered: each open-enum
parameter (``anyOf: [string, {enum}]``: model, voice...) takes one of the values its
schema names, and each upload is a real WAV or PNG.

Forms are sent the way the official SDK sends them (files with a name and a media type,
arrays as repeated ``name[]`` fields, objects as ``name[key]``, booleans as ``true``),
not in Schemathesis' own convention (JSON text in a part), which the API does not read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from hypothesis import strategies as st

from mockapi.endpoints.audio import codec
from mockapi.endpoints.images import png
from tests.fuzz.walk import resolve, top_properties

# Uploads by field name: what a client sends there.
_IMAGE_FIELDS = ("image", "mask")


@cache
def wav() -> bytes:
    """A short real WAV file (the speech synthesizer's own output)."""
    return codec.wav(codec.speech_pcm("testing one two", voice="alloy", speed=1.0), text="")


@cache
def image() -> bytes:
    """A 256x256 RGBA PNG."""
    return png.gradient(256, 256, b"fuzz", alpha=True)


def steered(document: Mapping[str, Any], body: Any) -> st.SearchStrategy[Any]:
    """``body`` with each open-enum parameter it has set to a value its schema names."""
    if not isinstance(body, dict):
        return st.just(body)
    choices = {
        name: values
        for name, sub in top_properties(document).items()
        if name in body and (values := _named_values(document, sub, depth=0))
    }
    if not choices:
        return st.just(body)
    picks = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in choices.items()})
    return picks.map(lambda chosen: {**body, **chosen})


def with_real_uploads(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with every upload replaced by a real file of the kind its field takes."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        content = image() if name in _IMAGE_FIELDS else wav()
        if _is_binary(value):
            out[name] = content
        elif isinstance(value, list) and value and all(_is_binary(v) for v in value):
            out[name] = [content for _ in value]
        else:
            out[name] = value
    return out


def form_parts(
    body: Mapping[str, Any],
) -> tuple[list[tuple[str, str]], list[tuple[str, tuple[str, bytes, str]]]]:
    """The text fields and the files of a multipart body, as the official SDK lays them out."""
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name, value in body.items():
        _lay_out(name, value, fields, files)
    return fields, files


def _lay_out(
    name: str,
    value: Any,
    fields: list[tuple[str, str]],
    files: list[tuple[str, tuple[str, bytes, str]]],
) -> None:
    if _is_binary(value):
        data = _bytes(value)
        kind = "image/png" if data.startswith(b"\x89PNG") else "audio/wav"
        files.append((name, (f"{name}.{kind.split('/')[1]}", data, kind)))
    elif isinstance(value, list):
        for item in value:
            _lay_out(f"{name}[]", item, fields, files)
    elif isinstance(value, dict):
        for key, item in value.items():
            _lay_out(f"{name}[{key}]", item, fields, files)
    elif isinstance(value, bool) or value is None:
        fields.append((name, json.dumps(value)))
    else:
        fields.append((name, str(value)))


def _is_binary(value: Any) -> bool:
    return isinstance(value, bytes) or type(value).__name__ == "Binary"


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else bytes(value.data)


def _named_values(document: Mapping[str, Any], node: Any, *, depth: int) -> list[str]:
    """The strings an open enum (``anyOf: [string, {enum}]``) names, nested or not."""
    node = resolve(document, node)
    if not isinstance(node, Mapping) or depth > 4:
        return []
    values = [v for v in node.get("enum", []) if isinstance(v, str)] if depth else []
    for branch in node.get("anyOf", []):
        values += _named_values(document, branch, depth=depth + 1)
    return values
