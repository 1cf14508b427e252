"""What the keys and settings families share: the project a route names, an object found
by id within its scope, and the expiry of a key.

* :func:`project`: the path's ``project_id`` as a project of the organization, or the
  API's 404; :func:`active_project` also refuses an archived one with a 400 (the API
  documents one for a service account listed or created in an archived project; the
  mock refuses every change inside one). Both are :mod:`.projects`' own checks.
* :func:`owned`: an object of a kind by id, only when it belongs to the given project
  (a service account of another project is as unknown as one never created).
* :func:`expires_at`: ``expires_in_seconds`` turned into the ``expires_at`` it sets.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import org, projects
from mockapi.endpoints.endpoint import Context

PROJECT = "_project_id"
"""The private field naming the project an object belongs to (dropped by :func:`org.public`)."""


def project(ctx: Context) -> dict[str, Any]:
    """The project the path names (``project_id``), or the API's 404."""
    return projects.find_project(ctx, ctx.params["project_id"])


def active_project(ctx: Context) -> dict[str, Any]:
    """:func:`project`, or the 400 when it is archived (nothing changes in an archived
    project, and it has no service accounts)."""
    return projects.active_project(ctx, ctx.params["project_id"])


def owned(
    ctx: Context, kind: str, object_id: str, noun: str, *, project_id: str | None = None
) -> dict[str, Any]:
    """The object ``object_id`` of ``kind`` (of the project ``project_id`` when given),
    or the API's 404 naming ``noun``."""
    found = ctx.state.get(kind, object_id)
    if not isinstance(found, dict) or (project_id is not None and found.get(PROJECT) != project_id):
        raise org.not_found(noun, object_id)
    return found


def expires_at(ctx: Context, seconds: Any) -> int | None:
    """When a key given ``expires_in_seconds=seconds`` now expires (None: never)."""
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        return ctx.clock.seconds() + seconds
    return None
