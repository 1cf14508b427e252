"""Checkpoint permissions (``/v1/fine_tuning/checkpoints/{checkpoint}/permissions``):
which projects of the organization may use a fine-tuned model checkpoint.

* ``POST``: ``project_ids`` (at least one): a ``checkpoint.permission`` (``cp_`` and 24
  letters and digits, ``created_at`` on the mock's clock, ``project_id``) for each,
  answered as a ``list`` page. A project that already has a permission on the
  checkpoint keeps it and gets it back: one permission per project and checkpoint
  (assumed; the API does not document a second grant).
* ``GET``: the checkpoint's permissions, newest first unless ``order=ascending``, 10 a
  page by default (``limit`` 1..100), ``after`` a permission id, ``project_id``
  filtering; ``first_id``/``last_id``/``has_more``. The SDK calls it as ``list``
  (paged) and as the deprecated ``retrieve`` (the page as one object).
* ``DELETE .../permissions/{permission_id}``: ``{"id", "object":
  "checkpoint.permission", "deleted": true}``; a permission id the checkpoint does not
  have is the API's 404 ``No such checkpoint.permission object: cp_...``.

**Which checkpoints.** Any name of the fine-tuned model form may be shared:
``ft:BASE:ORG:SUFFIX:ID`` (a job's model, as the spec's example) or a checkpoint's
``ft:BASE:ORG:SUFFIX:ID:ckpt-step-N``, whether or not this mock trained it (tests share
checkpoints they name). Another name (``gpt-4o``, ``ftckpt_...``) is refused with the
API's 404 for a model it does not know (``model_not_found``): a permission shares a
fine-tuned model, and no other exists to share.

Permissions live in the state store kind :data:`KIND` as ``{"id", "checkpoint",
"project_id", "permission"}`` (never evicted: a grant must not silently lapse).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

KIND = "checkpoint_permissions"
"""The state store kind of checkpoint permissions."""
PREFIX = "cp_"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_CHECKPOINT = re.compile(r"ft:[^:]+:[^:]*:[^:]*:[^:]+(:ckpt-step-\d+)?")
_ORDERS = {"ascending": "asc", "descending": "desc"}


def checkpoint_of(ctx: Context) -> str:
    """The path's checkpoint name, or the API's 404 when it is not a fine-tuned one."""
    name = ctx.params["fine_tuned_model_checkpoint"]
    if _CHECKPOINT.fullmatch(name) is None:
        raise errors.model_not_found(name)
    return name


def create(ctx: Context) -> FixtureResponse:
    """``POST .../permissions``: a permission for each of ``project_ids``."""
    checkpoint = checkpoint_of(ctx)
    projects = [str(p) for p in ctx.body.get("project_ids") or []]
    if not projects:
        raise errors.empty_array("project_ids")
    made = [_grant(ctx, checkpoint, project) for project in dict.fromkeys(projects)]
    return FixtureResponse(body=objects.whole_list(made))


def _grant(ctx: Context, checkpoint: str, project: str) -> dict[str, Any]:
    where = {"checkpoint": checkpoint, "project_id": project}
    held = ctx.state.page(KIND, order="asc", limit=1, where=where).data
    if held:
        return dict(held[0]["permission"])
    permission_id = objects.new_id(ctx, PREFIX)
    permission = {
        "object": "checkpoint.permission",
        "id": permission_id,
        "created_at": ctx.clock.seconds(),
        "project_id": project,
    }
    ctx.state.put(KIND, permission_id, {"id": permission_id, **where, "permission": permission})
    return permission


def list_permissions(ctx: Context) -> FixtureResponse:
    """``GET .../permissions``: a page of the checkpoint's permissions."""
    checkpoint = checkpoint_of(ctx)
    query = dict(ctx.request.query)
    where = {"checkpoint": checkpoint}
    if query.get("project_id"):
        where["project_id"] = query["project_id"]
    # The API's orders are spelt out ("ascending"); objects.list_page pages "asc"/"desc".
    if query.get("order") in _ORDERS:
        query["order"] = _ORDERS[query["order"]]
    paged = dataclasses.replace(ctx.request, query=tuple(query.items()))
    page = objects.list_page(
        dataclasses.replace(ctx, request=paged),
        KIND,
        where=where,
        default_limit=DEFAULT_LIMIT,
        max_limit=MAX_LIMIT,
    )
    page["data"] = [record["permission"] for record in page["data"]]
    return FixtureResponse(body=page)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE .../permissions/{permission_id}``: the permission revoked."""
    checkpoint = checkpoint_of(ctx)
    permission_id = ctx.params["permission_id"]
    record = ctx.state.get(KIND, permission_id)
    if not isinstance(record, dict) or record.get("checkpoint") != checkpoint:
        raise objects.not_found("checkpoint.permission", permission_id, param="permission_id")
    ctx.state.delete(KIND, permission_id)
    body = {"object": "checkpoint.permission", "id": permission_id, "deleted": True}
    return FixtureResponse(body=body)


_PERMISSIONS = "/v1/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _PERMISSIONS, body=Body.JSON, lookup=create),
    Endpoint("GET", _PERMISSIONS, lookup=list_permissions),
    Endpoint("DELETE", _PERMISSIONS + "/{permission_id}", lookup=delete),
)
