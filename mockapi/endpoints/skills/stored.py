"""Skills and their versions as the state store keeps them.

A skill is a ``skill`` object (kind :data:`KIND`, id ``skill_`` + 48 hex digits, as the
API issues them) whose ``name`` and ``description`` are its default version's; a
version is a ``skill.version`` object (kind :data:`VERSIONS`, id ``skillver_`` + 48 hex
digits) numbered ``"1"``, ``"2"``, ... per skill, and its bundle's zip (a blob under the
version's id). Both kinds are never evicted.

As the API behaves (observed through its SDK and documented by emulators that checked
it): the first version is the default and the latest; a new version becomes the default
only when uploaded with ``default=true`` (or by ``POST /v1/skills/{id}``); numbers are
never reused, even after the latest is deleted; ``latest_version`` is the highest left;
deleting the default version is refused while others remain (400 ``Cannot delete the
default skill version.``) and deleting the only one deletes the skill.

Assumed: the 404 wordings (modelled on the other families'), the ``skillver_`` id's
length, and that a ``default_version`` naming no version is a 400 on that parameter.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.skills.bundle import Bundle
from mockapi.errors import APIError
from mockapi.wire.canonical import ordered

KIND = "skills"
VERSIONS = "skill_versions"
PREFIX = "skill_"
VERSION_PREFIX = "skillver_"
_ORDER = ("id", "object", "name", "description", "default_version", "latest_version")
_VERSION_ORDER = ("id", "object", "skill_id", "version", "name", "description", "created_at")


def not_found(skill_id: str) -> APIError:
    """The 404 for a skill the server never made (or has deleted)."""
    return APIError(404, f"Skill with id '{skill_id}' not found.", param="skill_id")


def version_not_found(skill_id: str, version: str) -> APIError:
    """The 404 for a version the skill does not have."""
    return APIError(
        404, f"Skill version '{version}' not found for skill '{skill_id}'.", param="version"
    )


def create(ctx: Context, bundle: Bundle) -> dict[str, Any]:
    """A new skill whose first version (default and latest) is ``bundle``."""
    skill_id = objects.new_id(ctx, PREFIX)
    made = _add_version(ctx, skill_id, bundle)  # first: over a blob limit, no skill is left
    record = {
        "id": skill_id,
        "object": "skill",
        "name": bundle.name,
        "description": bundle.description,
        "default_version": made["version"],
        "latest_version": made["version"],
        "created_at": ctx.clock.seconds(),
    }
    record = ordered(record, _ORDER)
    ctx.state.put(KIND, skill_id, record)
    return record


def find(ctx: Context, skill_id: str) -> dict[str, Any]:
    """The skill, or the 404."""
    record = ctx.state.get(KIND, skill_id)
    if not isinstance(record, dict):
        raise not_found(skill_id)
    return record


def add_version(ctx: Context, skill_id: str, bundle: Bundle, *, default: bool) -> dict[str, Any]:
    """A new version of the skill (its latest; its default when ``default``)."""
    find(ctx, skill_id)
    made = _add_version(ctx, skill_id, bundle)

    def advance(kept: dict[str, Any]) -> dict[str, Any]:
        changed = {**kept, "latest_version": made["version"]}
        return _pointed(changed, made) if default else changed

    if not isinstance(ctx.state.update(KIND, skill_id, advance), dict):  # deleted meanwhile
        _drop_version(ctx, made)
        raise not_found(skill_id)
    return made


def _add_version(ctx: Context, skill_id: str, bundle: Bundle) -> dict[str, Any]:
    number = str(objects.next_number(ctx.state, f"{VERSION_PREFIX}{skill_id}"))
    version_id = objects.new_id(ctx, VERSION_PREFIX)
    ctx.state.put_blob(version_id, bundle.zip)
    record = {
        "id": version_id,
        "object": "skill.version",
        "skill_id": skill_id,
        "version": number,
        "name": bundle.name,
        "description": bundle.description,
        "created_at": ctx.clock.seconds(),
    }
    record = ordered(record, _VERSION_ORDER)
    ctx.state.put(VERSIONS, version_id, record)
    return record


def _pointed(skill: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    """``skill`` with ``version`` as its default (whose name and description it shows)."""
    return {
        **skill,
        "default_version": version["version"],
        "name": version["name"],
        "description": version["description"],
    }


def versions_of(ctx: Context, skill_id: str) -> list[dict[str, Any]]:
    """The skill's versions, by number."""
    found = [
        v for v in ctx.state.values(VERSIONS) if isinstance(v, dict) and v["skill_id"] == skill_id
    ]
    return sorted(found, key=lambda v: int(v["version"]))


def find_version(ctx: Context, skill_id: str, version: str) -> dict[str, Any]:
    """The skill's version numbered ``version``, or the 404 (the skill's first)."""
    find(ctx, skill_id)
    for record in versions_of(ctx, skill_id):
        if record["version"] == version:
            return record
    raise version_not_found(skill_id, version)


def content(ctx: Context, version: dict[str, Any]) -> bytes:
    """The zip of ``version``'s bundle."""
    data = ctx.state.get_blob(str(version["id"]))
    if data is None:  # deleted meanwhile
        raise version_not_found(str(version["skill_id"]), str(version["version"]))
    return data


def set_default(ctx: Context, skill_id: str, version: str) -> dict[str, Any]:
    """The skill with ``version`` as its default, or a 400 naming ``default_version``."""
    find(ctx, skill_id)
    target = next((v for v in versions_of(ctx, skill_id) if v["version"] == version), None)
    if target is None:
        raise APIError(
            400,
            f"Invalid 'default_version': skill '{skill_id}' has no version '{version}'.",
            param="default_version",
            code="invalid_value",
        )
    changed = ctx.state.update(KIND, skill_id, lambda kept: _pointed(kept, target))
    if not isinstance(changed, dict):
        raise not_found(skill_id)
    return changed


def remove(ctx: Context, skill_id: str) -> None:
    """Forget the skill and all its versions, or the 404."""
    find(ctx, skill_id)
    for version in versions_of(ctx, skill_id):
        _drop_version(ctx, version)
    ctx.state.delete(KIND, skill_id)


def remove_version(ctx: Context, skill_id: str, version: str) -> dict[str, Any]:
    """Forget one version (the skill too when it was the only one); the version removed.
    The default version is refused while others remain."""
    skill = find(ctx, skill_id)
    target = find_version(ctx, skill_id, version)
    rest = [v for v in versions_of(ctx, skill_id) if v["id"] != target["id"]]
    if not rest:
        remove(ctx, skill_id)
        return target
    if skill["default_version"] == version:
        raise APIError(
            400,
            "Cannot delete the default skill version.",
            param="version",
            code="invalid_value",
        )
    _drop_version(ctx, target)
    latest = rest[-1]["version"]
    ctx.state.update(KIND, skill_id, lambda kept: {**kept, "latest_version": latest})
    return target


def _drop_version(ctx: Context, version: dict[str, Any]) -> None:
    ctx.state.delete_blob(str(version["id"]))
    ctx.state.delete(VERSIONS, str(version["id"]))
