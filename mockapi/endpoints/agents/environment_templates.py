"""Reusable environment templates (``client.beta.agents.environments.templates``), from
the state store:

* ``POST /v1/agents/environments/templates``: a template from the configuration
  (:mod:`~mockapi.endpoints.agents.hosted` checks it); ``GET`` lists them (newest
  first, 20 a page, ``after``), ``GET``, ``POST`` (update) and ``DELETE
  .../templates/{environment_template_id}``.

A template (kind :data:`KIND`, ``envtpl_`` id) is answered without its confidential
inputs: its ``env`` values and ``setup_commands`` are kept apart (kind :data:`INPUTS`)
and never returned, an inline file shows its path and size only (its bytes are a blob,
:func:`file_key`), a Files API file stays a reference resolved when an environment is
made from the template (:mod:`~mockapi.endpoints.agents.environments`), a skill
reference keeps its version selector.

An update replaces each field it gives; ``name: null`` clears the name, ``network:
null`` resets the policy to the default, ``desktop: null`` disables the desktop, a
list given as null empties it; ``updated_at`` moves on every update.

Assumed where the API is not documented: the ``envtpl_`` prefix, the 404's wording, a
desktop answered ``{"enabled": false}`` when none was asked for, that a Files API
file named by a template must exist when the template is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import hosted
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import stored as files
from mockapi.library.fixture import FixtureResponse
from mockapi.wire.canonical import ordered

KIND = "agents.environment_templates"
INPUTS = "agents.environment_templates.inputs"
"""The confidential inputs of each template (``env``, ``setup_commands``), by its id."""
PREFIX = "envtpl_"
_ORDER = (
    "id", "object", "name", "capability_directories", "desktop", "files", "network",
    "packages", "plugins", "skills", "created_at", "updated_at",
)  # fmt: skip
_FIELDS = (
    "capability_directories", "desktop", "env", "files", "name", "network", "packages",
    "plugins", "setup_commands", "skills",
)  # fmt: skip


def not_found(template_id: str) -> Exception:
    return objects.not_found("EnvironmentTemplate", template_id, param="environment_template_id")


def file_key(template_id: str, path: str) -> str:
    """The blob key of a template's inline file at ``path``."""
    return f"{KIND}:{template_id}:{path}"


def find(ctx: Context, template_id: str) -> dict[str, Any]:
    """The template, or the 404."""
    record = ctx.state.get(KIND, template_id)
    if not isinstance(record, dict):
        raise not_found(template_id)
    return record


def inputs_of(ctx: Context, template_id: str) -> dict[str, Any]:
    """The template's confidential inputs (``env``, ``setup_commands``)."""
    kept = ctx.state.get(INPUTS, template_id)
    return kept if isinstance(kept, dict) else {"env": {}, "setup_commands": []}


def _configured(
    ctx: Context, template_id: str, given: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes]]:
    """The answer's fields, the confidential inputs and the inline files' bytes (by
    path) of each field ``given`` names, checked."""
    shown: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    blobs: dict[str, bytes] = {}
    for name in _FIELDS:
        if name not in given:
            continue
        value = given[name]
        if name == "name":
            shown["name"] = value
        elif name == "capability_directories":
            shown[name] = list(value or ())
        elif name == "desktop":
            shown[name] = {"enabled": bool(value and value.get("enabled"))}
        elif name == "network":
            shown[name] = hosted.network(value, "network")
        elif name == "packages":
            shown[name] = hosted.packages(value)
        elif name == "plugins":
            shown[name] = hosted.plugins(value, "plugins")
        elif name == "skills":
            shown[name] = hosted.skills_of(ctx, value, "skills")
        elif name == "files":
            shown[name] = []
            for index, entry in enumerate(hosted.checked_files(value, "files")):
                path = str(entry["path"])
                if entry["type"] == "file_id":
                    files.find(ctx, str(entry["file_id"]))
                    shown[name].append(
                        {"file_id": entry["file_id"], "path": path, "type": "file_id"}
                    )
                    continue
                blobs[path] = hosted.decode(entry["data"], f"files[{index}].data")
                size = len(blobs[path])
                shown[name].append({"path": path, "size_bytes": size, "type": "inline"})
        elif name == "env":
            secret[name] = dict(value or {})
        else:
            secret[name] = [dict(c) for c in value or ()]
    return shown, secret, blobs


def _keep_blobs(ctx: Context, template_id: str, blobs: Mapping[str, bytes]) -> None:
    for path, data in blobs.items():
        ctx.state.put_blob(file_key(template_id, path), data)


def _drop_blobs(ctx: Context, template_id: str, record: Mapping[str, Any], kept: set[str]) -> None:
    for entry in record.get("files") or ():
        if entry.get("type") == "inline" and entry["path"] not in kept:
            ctx.state.delete_blob(file_key(template_id, str(entry["path"])))


def create(ctx: Context) -> FixtureResponse:
    template_id = objects.new_id(ctx, PREFIX)
    defaults: dict[str, Any] = {name: None for name in _FIELDS}
    shown, secret, blobs = _configured(ctx, template_id, {**defaults, **ctx.body})
    _keep_blobs(ctx, template_id, blobs)  # first: over a limit, no template names them
    now = ctx.clock.seconds()
    record = ordered(
        {"id": template_id, "object": "agent.environment.template", **shown,
         "created_at": now, "updated_at": now},
        _ORDER,
    )  # fmt: skip
    ctx.state.put(INPUTS, template_id, {"id": template_id, **secret})
    ctx.state.put(KIND, template_id, record)
    return FixtureResponse(body=record)


def list_templates(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=objects.list_page(ctx, KIND))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=find(ctx, ctx.params["environment_template_id"]))


def update(ctx: Context) -> FixtureResponse:
    template_id = ctx.params["environment_template_id"]
    current = find(ctx, template_id)
    shown, secret, blobs = _configured(ctx, template_id, ctx.body)
    _keep_blobs(ctx, template_id, blobs)
    now = ctx.clock.seconds()
    kept = ctx.state.update(KIND, template_id, lambda k: {**k, **shown, "updated_at": now})
    if not isinstance(kept, dict):  # deleted meanwhile
        _drop_blobs(ctx, template_id, {"files": shown.get("files", [])}, set())
        raise not_found(template_id)
    if "files" in shown:
        _drop_blobs(ctx, template_id, current, set(blobs))
    if secret:
        ctx.state.update(INPUTS, template_id, lambda k: {**(k or {}), **secret}, start={})
    return FixtureResponse(body=kept)


def delete(ctx: Context) -> FixtureResponse:
    template_id = ctx.params["environment_template_id"]
    record = find(ctx, template_id)
    _drop_blobs(ctx, template_id, record, set())
    ctx.state.delete(INPUTS, template_id)
    ctx.state.delete(KIND, template_id)
    answer = {"id": template_id, "object": "agent.environment.template.deleted", "deleted": True}
    return FixtureResponse(body=answer)


_TEMPLATES = "/v1/agents/environments/templates"
_ONE = _TEMPLATES + "/{environment_template_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _TEMPLATES, body=Body.JSON, lookup=create),
    Endpoint("GET", _TEMPLATES, lookup=list_templates),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
)
