"""The Files endpoints (``/v1/files``), answered from the state store.

Every route is a lookup: whatever ``on_miss`` says, an upload is stored and a file is
read back from what was stored (a fixture that matches still answers first, and in
proxy mode the request goes upstream). A file id the server never issued, deleted, or
let expire (on the mock's clock) is the API's 404 ``No such File object: file-...``
in every mode: unlike a stored completion, a file has bytes no synthesis could invent.
"""

from __future__ import annotations

from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import rules, stored
from mockapi.errors import StateLimitError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import FilePart

CONTENT_TYPE = "application/octet-stream"
"""What the API sends a file's bytes as, whatever the file holds."""
MAX_LIST_LIMIT = 10_000
"""The API's largest (and default) page of files."""


def upload_part(ctx: Context, name: str) -> FilePart:
    """The form's file part ``name`` (``file``, an upload part's ``data``), or the API's
    400 for a missing parameter (a text field of that name is not a file)."""
    for part in ctx.request.files:
        if part.name == name:
            return part
    raise errors.missing_parameter(name)


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/files``: the ``file`` part stored under a new ``file-`` id."""
    purpose = rules.check_purpose(ctx.body.get("purpose"))
    part = upload_part(ctx, "file")
    rules.check_filename(purpose, part.filename)
    rules.check_size(purpose, len(part.data))
    lifetime = rules.expiry_seconds(purpose, ctx.body.get("expires_after"))
    try:
        made = stored.create(
            ctx, part.data, filename=part.filename, purpose=purpose, expires_after=lifetime
        )
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None
    return FixtureResponse(body=made)


def list_files(ctx: Context) -> FixtureResponse:
    """``GET /v1/files``: newest first, 10,000 a page unless ``limit`` says otherwise,
    only those of ``purpose`` when it is given."""
    stored.purge_expired(ctx)
    purpose = dict(ctx.request.query).get("purpose")
    page = objects.list_page(
        ctx,
        stored.KIND,
        where={"purpose": purpose} if purpose else None,
        default_limit=MAX_LIST_LIMIT,
        max_limit=MAX_LIST_LIMIT,
    )
    return FixtureResponse(body=page)


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find(ctx, ctx.params["file_id"]))


def content(ctx: Context) -> FixtureResponse:
    """The file's bytes exactly as uploaded (the blob itself, not a copy)."""
    data = stored.content(ctx, ctx.params["file_id"])
    return FixtureResponse(headers={"content-type": CONTENT_TYPE}, raw=data)


def delete(ctx: Context) -> FixtureResponse:
    file_id = ctx.params["file_id"]
    stored.find(ctx, file_id)
    stored.remove(ctx, file_id)
    answer: dict[str, Any] = {"id": file_id, "object": "file", "deleted": True}
    return FixtureResponse(body=answer)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/files", body=Body.FORM, lookup=create, upload=rules.API_MAX_FILE_BYTES),
    Endpoint("GET", "/v1/files", lookup=list_files),
    Endpoint("GET", "/v1/files/{file_id}", lookup=retrieve),
    Endpoint("DELETE", "/v1/files/{file_id}", lookup=delete),
    Endpoint("GET", "/v1/files/{file_id}/content", lookup=content),
)
