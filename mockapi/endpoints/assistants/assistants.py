"""``/v1/assistants``: create, list, retrieve, update and delete assistants.

An assistant is kept as the API shows it (kind
:data:`~mockapi.endpoints.assistants.records.ASSISTANTS`): ``model`` (one the server
lists: :func:`mockapi.endpoints.models.check_usable`), ``name``, ``description``,
``instructions``, ``tools`` and ``tool_resources`` as
:mod:`~mockapi.endpoints.assistants.resources` echoes them, ``metadata``,
``temperature`` and ``top_p`` (1.0 unless given), ``response_format`` (``"auto"``
unless given). An update sets the fields it gives (``tool_resources`` whole); a list
pages newest first. All of it answers from the state store whatever ``on_miss`` says.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import models, objects
from mockapi.endpoints.assistants import records, resources
from mockapi.endpoints.endpoint import Context
from mockapi.library.fixture import FixtureResponse

_PLAIN = ("name", "description", "instructions")


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/assistants``."""
    body = ctx.body
    models.check_usable(ctx, body.get("model"))
    assistant: dict[str, Any] = {
        "id": objects.new_id(ctx, records.PREFIXES["assistant"]),
        "object": "assistant",
        "created_at": ctx.clock.seconds(),
        "name": body.get("name"),
        "description": body.get("description"),
        "model": str(body.get("model")),
        "instructions": body.get("instructions"),
        "tools": resources.tools_of(body.get("tools")),
        "tool_resources": resources.tool_resources(ctx, body.get("tool_resources")),
        "metadata": records.metadata_of(body),
        "top_p": _number(body.get("top_p")),
        "temperature": _number(body.get("temperature")),
        "response_format": body.get("response_format") or "auto",
    }
    return FixtureResponse(body=records.store(ctx, records.ASSISTANTS, assistant))


def list_assistants(ctx: Context) -> FixtureResponse:
    """``GET /v1/assistants``: newest first (``order``), paged (``after``, ``before``)."""
    return FixtureResponse(body=objects.list_page(ctx, records.ASSISTANTS))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/assistants/{assistant_id}``."""
    return FixtureResponse(body=records.find(ctx, "assistant", ctx.params["assistant_id"]))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/assistants/{assistant_id}``: the fields given replace the kept ones."""
    assistant_id = ctx.params["assistant_id"]
    current = records.find(ctx, "assistant", assistant_id)
    body = ctx.body
    fields: dict[str, Any] = {name: body[name] for name in _PLAIN if name in body}
    if body.get("model") is not None:
        models.check_usable(ctx, body["model"])
        fields["model"] = str(body["model"])
    if "tools" in body:
        fields["tools"] = resources.tools_of(body["tools"])
    if "tool_resources" in body:
        fields["tool_resources"] = resources.tool_resources(ctx, body["tool_resources"])
    if "metadata" in body:
        fields["metadata"] = records.metadata_of(body, current.get("metadata"))
    for name in ("top_p", "temperature"):
        if name in body:
            fields[name] = _number(body[name])
    if "response_format" in body:
        fields["response_format"] = body["response_format"] or "auto"
    return FixtureResponse(body=records.change(ctx, records.ASSISTANTS, assistant_id, fields))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/assistants/{assistant_id}``: ``assistant.deleted`` (its runs stay)."""
    assistant_id = ctx.params["assistant_id"]
    records.find(ctx, "assistant", assistant_id)
    ctx.state.delete(records.ASSISTANTS, assistant_id)
    return FixtureResponse(body=records.deleted(assistant_id, "assistant"))


def _number(value: Any) -> float:
    """A sampling parameter as the API echoes it: the number given, 1.0 when null."""
    return float(value) if isinstance(value, (int, float)) else 1.0
