"""The Containers endpoints (``/v1/containers`` and ``/v1/containers/{id}/files``),
answered from the state store (:mod:`~mockapi.endpoints.containers.stored`).

Every route is a lookup: whatever ``on_miss`` says, a container is created and read
back from what was stored (a fixture that matches still answers first, and in proxy
mode the request goes upstream). No code runs in a mock container: it holds files.

* ``POST /v1/containers``: ``name``, ``file_ids`` (Files copied in, each becoming a
  container file), ``expires_after`` (``last_active_at`` + ``minutes``, 20 by
  default), ``memory_limit`` (``1g`` by default), ``network_policy``;
* ``GET /v1/containers`` (newest first, 20 a page, at most 100; ``name`` filters),
  ``GET`` and ``DELETE /v1/containers/{id}``;
* ``POST /v1/containers/{id}/files``: a multipart upload of ``file``, or JSON
  ``file_id`` naming a File whose bytes are copied; ``GET`` list (paged as above),
  retrieve, ``DELETE``, and ``GET .../content`` (the exact bytes).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.containers import stored
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import rules
from mockapi.errors import APIError, StateLimitError
from mockapi.library.fixture import FixtureResponse

MAX_LIST_LIMIT = 100
CONTENT_TYPE = "application/octet-stream"


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/containers``: a new ``running`` container."""
    name = ctx.body.get("name")
    if not isinstance(name, str):
        raise errors.missing_parameter("name")
    file_ids = ctx.body.get("file_ids") or []
    policy = ctx.body.get("network_policy")
    try:
        made = stored.create(
            ctx,
            name=name,
            minutes=stored.minutes_of(ctx.body.get("expires_after")),
            memory_limit=ctx.body.get("memory_limit"),
            network_policy=policy if isinstance(policy, dict) else None,
            file_ids=[str(f) for f in file_ids],
        )
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None
    return FixtureResponse(body=made)


def list_containers(ctx: Context) -> FixtureResponse:
    """``GET /v1/containers``: newest first, expired ones included (as ``expired``)."""
    stored.refresh_all(ctx)
    name = dict(ctx.request.query).get("name")
    page = objects.list_page(
        ctx, stored.KIND, where={"name": name} if name else None, max_limit=MAX_LIST_LIMIT
    )
    return FixtureResponse(body=page)


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find(ctx, ctx.params["container_id"]))


def delete(ctx: Context) -> FixtureResponse:
    container_id = ctx.params["container_id"]
    if not stored.remove(ctx, container_id):
        raise stored.not_found(container_id)
    answer: dict[str, Any] = {"id": container_id, "object": "container.deleted", "deleted": True}
    return FixtureResponse(body=answer)


# -- its files ---------------------------------------------------------------------------


def create_file(ctx: Context) -> FixtureResponse:
    """``POST /v1/containers/{id}/files``: the uploaded ``file`` part, or a copy of the
    File ``file_id``."""
    container_id = ctx.params["container_id"]
    stored.use(ctx, container_id)
    part = next((p for p in ctx.request.files if p.name == "file"), None)
    file_id = ctx.body.get("file_id")
    try:
        if part is not None:
            made = stored.add_file(ctx, container_id, part.data, filename=part.filename)
        elif isinstance(file_id, str) and file_id:
            made = stored.copy_file(ctx, container_id, file_id)
        else:
            raise APIError(
                400,
                "Missing required parameter: either 'file' (a multipart upload) or "
                "'file_id' (a File to copy) must be provided.",
                param="file",
                code="missing_required_parameter",
            )
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None
    return FixtureResponse(body=made)


def list_files(ctx: Context) -> FixtureResponse:
    """``GET /v1/containers/{id}/files``: newest first, 20 a page."""
    container_id = ctx.params["container_id"]
    stored.use(ctx, container_id)
    page = objects.list_page(
        ctx, stored.FILES, where={"container_id": container_id}, max_limit=MAX_LIST_LIMIT
    )
    return FixtureResponse(body=page)


def retrieve_file(ctx: Context) -> FixtureResponse:
    container_id = ctx.params["container_id"]
    stored.use(ctx, container_id)
    return FixtureResponse(body=stored.find_file(ctx, container_id, ctx.params["file_id"]))


def file_content(ctx: Context) -> FixtureResponse:
    """The file's bytes exactly as stored, as an attachment named after the file."""
    container_id, file_id = ctx.params["container_id"], ctx.params["file_id"]
    stored.use(ctx, container_id)
    found = stored.find_file(ctx, container_id, file_id)
    data = stored.file_content(ctx, container_id, file_id)
    name = str(found["path"]).rsplit("/", 1)[-1]
    headers = {"content-type": CONTENT_TYPE, "content-disposition": attachment(name)}
    return FixtureResponse(headers=headers, raw=data)


def attachment(name: str) -> str:
    """The ``content-disposition`` the API sends a container file with: an ASCII
    ``filename`` (``file.<ext>``) and the real name UTF-8 encoded."""
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return f"attachment; filename=\"file.{extension}\"; filename*=UTF-8''{quote(name)}"


def delete_file(ctx: Context) -> FixtureResponse:
    container_id, file_id = ctx.params["container_id"], ctx.params["file_id"]
    stored.use(ctx, container_id)
    stored.remove_file(ctx, container_id, file_id)
    answer: dict[str, Any] = {"id": file_id, "object": "container.file.deleted", "deleted": True}
    return FixtureResponse(body=answer)


_ONE = "/v1/containers/{container_id}"
_FILE = _ONE + "/files/{file_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/containers", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/containers", lookup=list_containers),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint(
        "POST",
        _ONE + "/files",
        body=Body.EITHER,
        lookup=create_file,
        upload=rules.API_MAX_FILE_BYTES,
    ),
    Endpoint("GET", _ONE + "/files", lookup=list_files),
    Endpoint("GET", _FILE, lookup=retrieve_file),
    Endpoint("DELETE", _FILE, lookup=delete_file),
    Endpoint("GET", _FILE + "/content", lookup=file_content),
)
