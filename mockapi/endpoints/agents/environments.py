"""OpenAI-hosted execution environments and their live files
(``client.beta.agents.environments`` and ``.files``), from the state store:

* ``POST /v1/agents/environments`` (``environment``: ``type: openai_hosted``, its
  configuration, optionally ``environment_template_id``; ``vault_ids``): an environment,
  ``ready`` at once (the mock provisions nothing); ``GET`` lists them (newest first, 20 a
  page, ``after``, ``type``), ``GET .../{environment_id}`` retrieves one;
* ``POST .../{environment_id}/files`` (a Files API ``file_id`` or inline base64
  ``data``, and a ``path`` under ``/workspace``): writes the file, replacing one at
  that path; ``GET .../files`` lists the live files by path components (``desc`` by
  default; ``path`` a directory to list under; ``limit``; ``page``, the opaque token of
  the previous page's ``next``).

The SDK's ``files.upload`` is ``files.create`` (purpose ``user_data``) then a write
with its ``file_id``; ``files.prepare`` and ``prepare_directory`` only upload to the
Files API and give the ``file_id`` entries an environment's ``files`` takes: no route
of their own.

An environment (kind :data:`KIND`, ``env_`` id) answers its configuration's safe
metadata: the files it started with (each with a session-scoped ``envfile_`` id), its
skills (a reference resolved to a concrete version) and plugins. A template's fields
are inherited where the request leaves them out; its network policy may be narrowed,
never broadened. Every live file (kind :data:`FILES`, the environment's id and path) has
its bytes as a blob (:func:`file_key`), the bytes of a Files API file copied when it is
written.

Assumed where the API is not documented: the ``env_`` and ``envfile_`` prefixes, the
404's wording, that every environment is ``ready`` at once, that writing a file where a
directory of other files is (or under a file) is a 400, that a ``page`` token is only
good for the ``path``, ``order`` and ``limit`` it was given with, 20 files a page by
default, that ``vault_ids`` are not looked up (at most 10).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import environment_templates as templates
from mockapi.endpoints.agents import hosted
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import stored as files
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.wire.canonical import ordered

KIND = "agents.environments"
FILES = "agents.environment_files"
"""The live files of every environment, by ``<environment_id>:<path>``."""
PREFIX = "env_"
FILE_PREFIX = "envfile_"
MAX_VAULTS = 10
_ORDER = ("id", "object", "type", "status", "files", "plugins", "skills")
_FILE_ORDER = ("id", "type", "file_id", "path", "size_bytes")


def not_found(environment_id: str) -> APIError:
    return objects.not_found("Environment", environment_id, param="environment_id")


def file_key(environment_id: str, path: str) -> str:
    """The state store key (and blob key) of an environment's live file at ``path``."""
    return f"{environment_id}:{path}"


def find(ctx: Context, environment_id: str) -> dict[str, Any]:
    """The environment, or the 404."""
    record = ctx.state.get(KIND, environment_id)
    if not isinstance(record, dict):
        raise not_found(environment_id)
    return record


def file_content(ctx: Context, environment_id: str, path: str) -> bytes | None:
    """The bytes of the environment's live file at ``path``, or None."""
    return ctx.state.get_blob(FILES + ":" + file_key(environment_id, path))


def write_file(ctx: Context, environment_id: str, path: str, data: bytes) -> dict[str, Any]:
    """Keep ``data`` as the environment's file at ``path`` (replacing one there); its
    ``agent.environment.file``."""
    key = file_key(environment_id, path)
    ctx.state.put_blob(FILES + ":" + key, data)  # first: over a limit, nothing names it
    record = {
        "environment_id": environment_id,
        "object": "agent.environment.file",
        "path": path,
        "size_bytes": len(data),
    }
    ctx.state.put(FILES, key, record)
    return record


def live_files(ctx: Context, environment_id: str) -> list[dict[str, Any]]:
    return [
        f
        for f in ctx.state.values(FILES)
        if isinstance(f, dict) and f.get("environment_id") == environment_id
    ]


def _sources(
    ctx: Context, given: list[dict[str, Any]], param: str
) -> list[tuple[dict[str, Any], bytes]]:
    """Each of the checked ``files`` params with its bytes (a Files API file's read
    now, else the 404 naming it)."""
    found = []
    for index, entry in enumerate(given):
        if entry.get("type") == "file_id":
            data = files.content(ctx, str(entry["file_id"]))
        else:
            data = hosted.decode(entry.get("data"), f"{param}[{index}].data")
        found.append((entry, data))
    return found


def _template_sources(
    ctx: Context, template: Mapping[str, Any]
) -> list[tuple[dict[str, Any], bytes]]:
    """A template's files with their bytes (its Files API references resolved now)."""
    found = []
    for entry in template.get("files") or ():
        path = str(entry["path"])
        if entry.get("type") == "file_id":
            data = files.content(ctx, str(entry["file_id"]))
            found.append(({"type": "file_id", "file_id": entry["file_id"], "path": path}, data))
            continue
        kept = ctx.state.get_blob(templates.file_key(str(template["id"]), path))
        found.append(({"type": "inline", "path": path}, kept or b""))
    return found


def create(ctx: Context) -> FixtureResponse:
    config = dict(ctx.body.get("environment") or {})
    vaults = ctx.body.get("vault_ids") or ()
    if len(vaults) > MAX_VAULTS:
        raise hosted.invalid("vault_ids", f"at most {MAX_VAULTS} vaults, got {len(vaults)}.")
    template: dict[str, Any] = {}
    if config.get("environment_template_id") is not None:
        template = templates.find(ctx, str(config["environment_template_id"]))
    param = "environment"
    if config.get("files") is not None:
        checked = hosted.checked_files(config["files"], f"{param}.files")
        sources = _sources(ctx, checked, f"{param}.files")
    else:
        sources = _template_sources(ctx, template) if template else []
    if config.get("network") is not None:
        policy = hosted.network(config["network"], f"{param}.network")
        if template:
            hosted.narrower(policy, template["network"], f"{param}.network")
    if config.get("skills") is not None:
        skills = hosted.skills_of(ctx, config["skills"], f"{param}.skills")
    else:
        skills = list(template.get("skills") or ())
    if config.get("plugins") is not None:
        plugins = hosted.plugins(config["plugins"], f"{param}.plugins")
    else:
        plugins = list(template.get("plugins") or ())
    installed = [hosted.installed(ctx, skill) for skill in skills]
    environment_id = objects.new_id(ctx, PREFIX)
    shown = []
    for entry, data in sources:
        write_file(ctx, environment_id, str(entry["path"]), data)
        item = {
            "id": objects.new_id(ctx, FILE_PREFIX),
            "type": entry["type"],
            "path": entry["path"],
            "size_bytes": len(data),
        }
        if entry["type"] == "file_id":
            item["file_id"] = entry["file_id"]
        shown.append(ordered(item, _FILE_ORDER))
    record = {
        "id": environment_id,
        "object": "agent.environment",
        "type": "openai_hosted",
        "status": "ready",
        "files": shown,
        "plugins": plugins,
        "skills": installed,
    }
    ctx.state.put(KIND, environment_id, ordered(record, _ORDER))
    return FixtureResponse(body=record)


def list_environments(ctx: Context) -> FixtureResponse:
    kind = dict(ctx.request.query).get("type")
    where = {"type": kind} if kind else None
    return FixtureResponse(body=objects.list_page(ctx, KIND, where=where))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=find(ctx, ctx.params["environment_id"]))


def create_file(ctx: Context) -> FixtureResponse:
    environment_id = ctx.params["environment_id"]
    find(ctx, environment_id)
    path = hosted.destination(ctx.body.get("path"), "path")
    if ctx.body.get("type") == "file_id":
        data = files.content(ctx, str(ctx.body.get("file_id")))
    else:
        data = hosted.decode(ctx.body.get("data"), "data")
    parents = {str(p) for p in PurePosixPath(path).parents}
    for other in live_files(ctx, environment_id):
        taken = str(other["path"])
        if taken in parents or taken.startswith(path + "/"):
            raise hosted.invalid(
                "path",
                f"{path!r} conflicts with the environment's file {taken!r} (a file cannot "
                "sit inside another file, nor replace a directory).",
            )
    return FixtureResponse(body=write_file(ctx, environment_id, path, data))


def list_files(ctx: Context) -> FixtureResponse:
    environment_id = ctx.params["environment_id"]
    find(ctx, environment_id)
    query = dict(ctx.request.query)
    under = hosted.directory(query.get("path") or "/workspace", "path")
    order = query.get("order") or "desc"
    limit = int(query.get("limit") or 20)
    view = {"path": under, "order": order, "limit": limit}
    found = [f for f in live_files(ctx, environment_id) if str(f["path"]).startswith(under + "/")]
    found.sort(key=lambda f: str(f["path"]).split("/"), reverse=order == "desc")
    if query.get("page"):
        after = _after(str(query["page"]), view)
        found = [
            f
            for f in found
            if (str(f["path"]).split("/") < after) == (order == "desc")
            and str(f["path"]).split("/") != after
        ]
    page, more = found[:limit], len(found) > limit
    token = _token(view, str(page[-1]["path"])) if more else None
    return FixtureResponse(body={"object": "page", "data": page, "has_more": more, "next": token})


def _token(view: Mapping[str, Any], last: str) -> str:
    raw = json.dumps({**view, "after": last}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _after(token: str, view: Mapping[str, Any]) -> list[str]:
    """The path components the page token continues after, or the 400 when it is not
    one of this listing's tokens (another ``path``, ``order`` or ``limit``)."""
    try:
        kept = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        kept = None
    if not isinstance(kept, dict) or {k: kept.get(k) for k in view} != dict(view):
        raise hosted.invalid(
            "page",
            "the page token is not one this listing gave; pass the 'next' of the previous "
            "page with the same path, order and limit.",
        )
    return str(kept.get("after")).split("/")


_ENVIRONMENTS = "/v1/agents/environments"
_ONE = _ENVIRONMENTS + "/{environment_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _ENVIRONMENTS, body=Body.JSON, lookup=create),
    Endpoint("GET", _ENVIRONMENTS, lookup=list_environments),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE + "/files", body=Body.JSON, lookup=create_file),
    Endpoint("GET", _ONE + "/files", lookup=list_files),
    *templates.ENDPOINTS,
)
