"""The Skills endpoints (``/v1/skills`` and ``/v1/skills/{id}/versions``), answered from
the state store (:mod:`~mockapi.endpoints.skills.stored`) whatever ``on_miss`` says.

* ``POST /v1/skills``: a multipart upload of one zip (``files``) or a directory
  (``files[]`` parts named by path), checked by :mod:`~mockapi.endpoints.skills.bundle`;
* ``GET /v1/skills`` (newest first, 20 a page, at most 100), ``GET``, ``POST``
  (``default_version``) and ``DELETE /v1/skills/{id}``, ``GET .../content`` (the default
  version's zip);
* ``POST /v1/skills/{id}/versions`` (the same upload, and ``default``), ``GET`` list (by
  version number, newest first by default), ``GET`` and ``DELETE .../versions/{version}``
  and ``GET .../versions/{version}/content`` (that version's zip, byte for byte the
  uploaded zip, or the zip of the uploaded directory).
"""

from __future__ import annotations

from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.files import rules
from mockapi.endpoints.skills import bundle, stored
from mockapi.errors import StateLimitError
from mockapi.library.fixture import FixtureResponse

ZIP = "application/zip"


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/skills``: a new skill from the uploaded bundle."""
    found = bundle.read(ctx.request.files)
    try:
        return FixtureResponse(body=stored.create(ctx, found))
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None


def list_skills(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=objects.list_page(ctx, stored.KIND))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find(ctx, ctx.params["skill_id"]))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/skills/{id}``: point the skill's default at another version."""
    version = ctx.body.get("default_version")
    if not isinstance(version, str) or not version:
        raise errors.missing_parameter("default_version")
    return FixtureResponse(body=stored.set_default(ctx, ctx.params["skill_id"], version))


def delete(ctx: Context) -> FixtureResponse:
    skill_id = ctx.params["skill_id"]
    stored.remove(ctx, skill_id)
    answer: dict[str, Any] = {"id": skill_id, "object": "skill.deleted", "deleted": True}
    return FixtureResponse(body=answer)


def content(ctx: Context) -> FixtureResponse:
    """The default version's zip."""
    skill = stored.find(ctx, ctx.params["skill_id"])
    version = stored.find_version(ctx, skill["id"], str(skill["default_version"]))
    return _zip(ctx, version)


def create_version(ctx: Context) -> FixtureResponse:
    """``POST /v1/skills/{id}/versions``: a new version (the default when ``default``)."""
    skill_id = ctx.params["skill_id"]
    stored.find(ctx, skill_id)  # an unknown skill is its 404 before the upload's 400s
    found = bundle.read(ctx.request.files)
    default = ctx.body.get("default") is True
    try:
        return FixtureResponse(body=stored.add_version(ctx, skill_id, found, default=default))
    except StateLimitError as problem:
        raise rules.stored_too_much(problem) from None


def list_versions(ctx: Context) -> FixtureResponse:
    skill_id = ctx.params["skill_id"]
    stored.find(ctx, skill_id)
    return FixtureResponse(body=objects.list_items(ctx, stored.versions_of(ctx, skill_id)))


def retrieve_version(ctx: Context) -> FixtureResponse:
    found = stored.find_version(ctx, ctx.params["skill_id"], ctx.params["version"])
    return FixtureResponse(body=found)


def delete_version(ctx: Context) -> FixtureResponse:
    gone = stored.remove_version(ctx, ctx.params["skill_id"], ctx.params["version"])
    answer: dict[str, Any] = {
        "id": gone["id"],
        "object": "skill.version.deleted",
        "deleted": True,
        "version": gone["version"],
    }
    return FixtureResponse(body=answer)


def version_content(ctx: Context) -> FixtureResponse:
    found = stored.find_version(ctx, ctx.params["skill_id"], ctx.params["version"])
    return _zip(ctx, found)


def _zip(ctx: Context, version: dict[str, Any]) -> FixtureResponse:
    return FixtureResponse(headers={"content-type": ZIP}, raw=stored.content(ctx, version))


_ONE = "/v1/skills/{skill_id}"
_VERSION = _ONE + "/versions/{version}"
_UPLOAD = bundle.MAX_ZIP_BYTES
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/skills", body=Body.EITHER, lookup=create, upload=_UPLOAD),
    Endpoint("GET", "/v1/skills", lookup=list_skills),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint("GET", _ONE + "/content", lookup=content),
    Endpoint("POST", _ONE + "/versions", body=Body.EITHER, lookup=create_version, upload=_UPLOAD),
    Endpoint("GET", _ONE + "/versions", lookup=list_versions),
    Endpoint("GET", _VERSION, lookup=retrieve_version),
    Endpoint("DELETE", _VERSION, lookup=delete_version),
    Endpoint("GET", _VERSION + "/content", lookup=version_content),
)
