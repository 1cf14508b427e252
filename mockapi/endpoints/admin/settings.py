"""One-object settings of the organization and its projects: data retention, hosted tool
permissions, model permissions and service tier settings.

Each is read (``GET``) and changed (``POST``) at one path, with a default until a
request changes it:

* ``/organization/data_retention``: ``organization.data_retention``, ``type``
  ``modified_abuse_monitoring`` by default (the API reference's example), changed by
  ``retention_type``;
* ``/organization/projects/{id}/data_retention``: ``project.data_retention``,
  ``organization_default`` by default;
* ``.../hosted_tool_permissions``: ``file_search``, ``web_search``,
  ``image_generation``, ``mcp``, ``code_interpreter``, each ``{"enabled": bool}``, all
  enabled by default; an update changes the tools it names (null leaves one as it is);
* ``.../model_permissions``: ``project.model_permissions`` (``mode`` ``allow_list`` or
  ``deny_list``, ``model_ids``), by default a deny list of nothing (every model
  allowed; assumed); ``DELETE`` puts the default back
  (``project.model_permissions.deleted``);
* ``.../service_tier_settings``: ``project.service_tier_settings``, ``default``
  ``standard`` and ``enabled_tiers`` ``all`` by default (assumed: nothing restricted);
  an update needs ``default`` or ``enabled_tiers`` (the API's 400 otherwise) and keeps
  what it leaves out.

A project the organization does not have is the API's 404; an archived project's
settings are read but not changed (400). The settings are kept, not enforced on the
ordinary routes. The spec names no audit event type for these changes, so none is
recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockapi.endpoints.admin import org, scoped
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KIND = org.kind("settings")
"""The state store kind of settings, by ``<scope>/<setting>`` (scope: ``organization``
or a project id)."""
HOSTED_TOOLS = ("file_search", "web_search", "image_generation", "mcp", "code_interpreter")


def _defaults(setting: str, project: bool) -> dict[str, Any]:
    if setting == "data_retention" and not project:
        return {"object": "organization.data_retention", "type": "modified_abuse_monitoring"}
    if setting == "data_retention":
        return {"object": "project.data_retention", "type": "organization_default"}
    if setting == "hosted_tool_permissions":
        return {tool: {"enabled": True} for tool in HOSTED_TOOLS}
    if setting == "model_permissions":
        return {"object": "project.model_permissions", "mode": "deny_list", "model_ids": []}
    return {
        "object": "project.service_tier_settings",
        "default": "standard",
        "enabled_tiers": "all",
    }


def _data_retention(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {**current, "type": body.get("retention_type", current["type"])}


def _hosted_tools(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    changed = dict(current)
    for tool in HOSTED_TOOLS:
        given = body.get(tool)
        if isinstance(given, dict) and isinstance(given.get("enabled"), bool):
            changed[tool] = {"enabled": given["enabled"]}
    return changed


def _model_permissions(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    ids = [str(m) for m in body.get("model_ids") or []]
    return {**current, "mode": body.get("mode", current["mode"]), "model_ids": ids}


def _service_tiers(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    changes = {k: body[k] for k in ("default", "enabled_tiers") if body.get(k) is not None}
    if not changes:
        raise APIError(
            400,
            "Provide at least one of 'default' or 'enabled_tiers' to update the "
            "project's service tier settings.",
        )
    return {**current, **changes}


Change = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
_CHANGES: dict[str, Change] = {
    "data_retention": _data_retention,
    "hosted_tool_permissions": _hosted_tools,
    "model_permissions": _model_permissions,
    "service_tier_settings": _service_tiers,
}


def _where(ctx: Context, *, project: bool, change: bool) -> str:
    """The scope of the path: ``organization``, or its project's id (which must exist,
    and for a change must not be archived)."""
    if not project:
        return "organization"
    found = scoped.active_project(ctx) if change else scoped.project(ctx)
    return str(found["id"])


def current(ctx: Context, scope: str, setting: str) -> dict[str, Any]:
    """The setting ``setting`` of ``scope`` (``organization`` or a project id) as the API
    shows it: what a request set, or the default."""
    kept = ctx.state.get(KIND, f"{scope}/{setting}")
    if isinstance(kept, dict):
        return kept
    return _defaults(setting, scope != "organization")


def _retrieve(setting: str, *, project: bool) -> Callable[[Context], FixtureResponse]:
    def handler(ctx: Context) -> FixtureResponse:
        scope = _where(ctx, project=project, change=False)
        return FixtureResponse(body=current(ctx, scope, setting))

    handler.__doc__ = f"``GET .../{setting}``: the setting, or its default."
    return handler


def _update(setting: str, *, project: bool) -> Callable[[Context], FixtureResponse]:
    def handler(ctx: Context) -> FixtureResponse:
        scope = _where(ctx, project=project, change=True)
        changed = _CHANGES[setting](current(ctx, scope, setting), ctx.body)
        ctx.state.put(KIND, f"{scope}/{setting}", changed)
        return FixtureResponse(body=changed)

    handler.__doc__ = f"``POST .../{setting}``: the setting changed."
    return handler


def delete_model_permissions(ctx: Context) -> FixtureResponse:
    """``DELETE .../model_permissions``: the project's policy removed (the default back)."""
    scope = _where(ctx, project=True, change=True)
    ctx.state.delete(KIND, f"{scope}/model_permissions")
    return FixtureResponse(body={"object": "project.model_permissions.deleted", "deleted": True})


def _routes(path: str, setting: str, *, project: bool) -> tuple[Endpoint, ...]:
    return (
        Endpoint("GET", path, lookup=_retrieve(setting, project=project)),
        Endpoint("POST", path, body=Body.JSON, lookup=_update(setting, project=project)),
    )


_PROJECT = "/v1/organization/projects/{project_id}/"
ENDPOINTS: tuple[Endpoint, ...] = (
    *_routes("/v1/organization/data_retention", "data_retention", project=False),
    *_routes(_PROJECT + "data_retention", "data_retention", project=True),
    *_routes(_PROJECT + "hosted_tool_permissions", "hosted_tool_permissions", project=True),
    *_routes(_PROJECT + "model_permissions", "model_permissions", project=True),
    Endpoint("DELETE", _PROJECT + "model_permissions", lookup=delete_model_permissions),
    *_routes(_PROJECT + "service_tier_settings", "service_tier_settings", project=True),
)
