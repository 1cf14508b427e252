"""Projects (``/v1/organization/projects``): create, list, retrieve, modify, archive.

* ``POST``: ``name`` (and ``residency``, ``external_key_id``, or the deprecated
  ``geography``, kept as given): an ``organization.project`` (``proj_`` and 24 letters
  and digits), ``status: "active"``, ``archived_at: null``; audit ``project.created``.
* ``GET``: oldest first (the seeded ``Default project`` first), ``after``/``limit``
  (20 by default, 1..100), ``first_id``/``last_id``/``has_more``; archived projects
  only with ``include_archived=true``, as the API says ("Archived projects are not
  included by default").
* ``GET .../{project_id}``: the project, archived or not; an unknown id the API's 404.
* ``POST .../{project_id}``: ``name``, ``external_key_id``; audit ``project.updated``
  with ``changes_requested: {"title": name}``.
* ``POST .../{project_id}/archive``: ``status: "archived"`` and ``archived_at`` on the
  mock's clock (archiving again keeps the first ``archived_at``); the project's API keys
  are revoked ("archived projects cannot be used"); audit ``project.archived``.

Refusals (wording assumed; the spec documents a 400 "when updating the default
project" without its text): the default project cannot be modified or archived; an
archived project cannot be modified (the API documents that an archived project has
no service accounts; the mock refuses every change inside one through
:func:`active_project`, which the project's other families use too).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import keys, org
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

PREFIX = "proj_"
NOUN = "Project"


def find_project(ctx: Context, project_id: str) -> dict[str, Any]:
    """The stored project (archived or not), or the API's 404."""
    found = ctx.state.get(org.PROJECTS, project_id)
    if not isinstance(found, dict):
        raise org.not_found(NOUN, project_id)
    return found


def active_project(ctx: Context, project_id: str) -> dict[str, Any]:
    """The project, when it is not archived: the 404 for an unknown id, the API's 400
    ``Project is archived`` (its body for a service account in an archived project;
    assumed for every change inside one)."""
    project = find_project(ctx, project_id)
    if project.get("archived_at") is not None:
        raise APIError(400, "Project is archived")
    return project


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/projects``."""
    project: dict[str, Any] = {
        "id": org.new_id(ctx, PREFIX),
        "object": "organization.project",
        "name": str(ctx.body["name"]),
        "created_at": ctx.clock.seconds(),
        "archived_at": None,
        "status": "active",
    }
    for optional in ("residency", "external_key_id"):
        if ctx.body.get(optional) is not None:
            project[optional] = ctx.body[optional]
    ctx.state.put(org.PROJECTS, project["id"], project)
    details = {"id": project["id"], "data": {"name": project["name"], "title": project["name"]}}
    audit(ctx, "project.created", details, project_id=project["id"])
    return FixtureResponse(body=project)


def list_projects(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/projects``: active projects, or all with
    ``include_archived=true``."""
    include = dict(ctx.request.query).get("include_archived", "false").lower() == "true"
    where = None if include else {"status": "active"}
    return FixtureResponse(body=org.page(ctx, org.PROJECTS, where=where))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/projects/{project_id}``."""
    return FixtureResponse(body=find_project(ctx, ctx.params["project_id"]))


def modify(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/projects/{project_id}``: a new name or external key."""
    project_id = ctx.params["project_id"]
    _refuse_default(ctx, project_id, "modified")
    project = active_project(ctx, project_id)
    changes: dict[str, Any] = {}
    if ctx.body.get("name") is not None:
        project["name"] = changes["title"] = str(ctx.body["name"])
    if "external_key_id" in ctx.body:
        project["external_key_id"] = ctx.body["external_key_id"]
    ctx.state.put(org.PROJECTS, project_id, project)
    audit(
        ctx,
        "project.updated",
        {"id": project_id, "changes_requested": changes},
        project_id=project_id,
    )
    return FixtureResponse(body=project)


def archive(ctx: Context) -> FixtureResponse:
    """``POST /v1/organization/projects/{project_id}/archive``."""
    project_id = ctx.params["project_id"]
    _refuse_default(ctx, project_id, "archived")
    project = find_project(ctx, project_id)
    if project.get("archived_at") is None:
        project["archived_at"] = ctx.clock.seconds()
        project["status"] = "archived"
        ctx.state.put(org.PROJECTS, project_id, project)
        keys.revoke_project(ctx.state, project_id)  # its keys stop working at once
        audit(ctx, "project.archived", {"id": project_id}, project_id=project_id)
    return FixtureResponse(body=project)


def _refuse_default(ctx: Context, project_id: str, done: str) -> None:
    if project_id == org.default_project_id(ctx):
        raise APIError(
            400,
            f"The default project ({project_id}) cannot be {done}. Create a project "
            "and change that one instead.",
            param="project_id",
        )


_PROJECTS = "/v1/organization/projects"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _PROJECTS, body=Body.JSON, lookup=create),
    Endpoint("GET", _PROJECTS, lookup=list_projects),
    Endpoint("GET", _PROJECTS + "/{project_id}", lookup=retrieve),
    Endpoint("POST", _PROJECTS + "/{project_id}", body=Body.JSON, lookup=modify),
    Endpoint("POST", _PROJECTS + "/{project_id}/archive", lookup=archive),
)
