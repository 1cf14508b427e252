"""What an OpenAI-hosted environment is configured with, checked: the part environments
(:mod:`~mockapi.endpoints.agents.environments`) and their templates
(:mod:`~mockapi.endpoints.agents.environment_templates`) share.

The request schemas (:mod:`mockapi.validation.additions_agents_environments`) have
checked the shapes before a handler runs; this module checks what a schema cannot: a
file's destination (an absolute path under ``/workspace``, as the SDK's own helpers
check it: no empty, ``.`` or ``..`` component, not a reserved path), base64 that
decodes (a ZIP for skills and plugins), a network policy that holds together, skills
and files that exist.

Assumed where the API is not documented: the wordings of the 400s; a network policy
left out is ``disabled`` (the API says its version decides); at most 50 files (the
reference's ``maxItems``).
"""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.skills import stored as skills
from mockapi.errors import APIError

MAX_FILES = 50
ACCESS_RANK = {"disabled": 0, "restricted": 1, "enabled": 2}
"""Network modes from the narrowest: an environment may narrow its template's, never
broaden it."""
DEFAULT_NETWORK: dict[str, Any] = {"access": "disabled", "allowed_domains": []}


def invalid(param: str, message: str) -> APIError:
    """The API's 400 for a bad value of ``param``."""
    return APIError(400, f"Invalid '{param}': {message}", param=param, code="invalid_value")


def destination(path: Any, param: str) -> str:
    """``path`` when it is an absolute POSIX file path under ``/workspace`` that is not
    reserved, else the 400 naming ``param``."""
    text = path if isinstance(path, str) else ""
    parts = text.split("/")[1:]
    if (
        not text.startswith("/workspace/")
        or "\x00" in text
        or "\\" in text
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise invalid(
            param,
            f"{path!r} is not an absolute file path under /workspace (e.g. "
            "'/workspace/data/input.csv'; no empty, '.' or '..' components).",
        )
    reserved = parts[1] in (".codex", ".managed-agents") or parts[1].startswith(".managed-agents-")
    if reserved or text == "/workspace/outputs":
        raise invalid(param, f"{path!r} is a reserved environment path; choose another one.")
    return text


def directory(path: Any, param: str) -> str:
    """``path`` as a workspace directory (``/workspace`` itself, or a path under it
    checked as :func:`destination` checks one), without a trailing slash."""
    text = path.rstrip("/") if isinstance(path, str) else ""
    if text == "/workspace":
        return text
    return destination(text, param)


def decode(data: Any, param: str) -> bytes:
    """The bytes of standard base64 ``data``, or the 400 naming ``param``."""
    try:
        return base64.b64decode(str(data), validate=True)
    except (binascii.Error, ValueError):
        raise invalid(param, "the data is not valid standard base64.") from None


def zip_archive(source: Mapping[str, Any], param: str) -> bytes:
    """The ZIP archive an inline skill or plugin's ``source`` carries, or the 400."""
    data = decode(source.get("data"), f"{param}.data")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise invalid(f"{param}.data", "the archive is not a ZIP file.")
    return data


def checked_files(given: Sequence[Mapping[str, Any]] | None, param: str) -> list[dict[str, Any]]:
    """The ``files`` params with their destinations checked (none twice, none inside
    another), inline data decoded once to check it."""
    files = [dict(f) for f in given or ()]
    if len(files) > MAX_FILES:
        raise invalid(param, f"at most {MAX_FILES} files, got {len(files)}.")
    paths: set[str] = set()
    for index, entry in enumerate(files):
        where = f"{param}[{index}]"
        path = destination(entry.get("path"), f"{where}.path")
        if path in paths or any(str(p) in paths for p in PurePosixPath(path).parents):
            raise invalid(f"{where}.path", f"{path!r} repeats or sits inside another file.")
        paths.add(path)
        if entry.get("type") == "inline":
            decode(entry.get("data"), f"{where}.data")
    for path in paths:  # a later file may be the parent of an earlier one
        if any(str(parent) in paths for parent in PurePosixPath(path).parents):
            raise invalid(param, f"{path!r} sits inside another file's path.")
    return files


def network(given: Mapping[str, Any] | None, param: str) -> dict[str, Any]:
    """The network policy as answered (``access``, ``allowed_domains``) of the params,
    :data:`DEFAULT_NETWORK` when there are none."""
    if given is None:
        return dict(DEFAULT_NETWORK)
    access = str(given.get("access"))
    allowed = list(given.get("allowed_domains") or ())
    blocked = list(given.get("blocked_domains") or ())
    if (allowed or blocked) and access != "restricted":
        raise invalid(
            f"{param}.access",
            f"domain lists need access 'restricted', got {access!r}.",
        )
    if allowed and blocked:
        raise invalid(
            f"{param}.blocked_domains",
            "blocked_domains cannot be combined with a nonempty allowed_domains.",
        )
    for name, domains in (("allowed_domains", allowed), ("blocked_domains", blocked)):
        wild = [d for d in domains if "*" in str(d)]
        if wild:
            raise invalid(f"{param}.{name}", f"wildcard domains are not supported: {wild[0]!r}.")
    return {"access": access, "allowed_domains": allowed}


def narrower(policy: Mapping[str, Any], template: Mapping[str, Any], param: str) -> None:
    """The 400 when ``policy`` broadens its template's network ``template``."""
    wider = ACCESS_RANK[str(policy["access"])] > ACCESS_RANK[str(template["access"])]
    kept = set(template.get("allowed_domains") or ())
    if policy["access"] == "restricted" and kept and not set(policy["allowed_domains"]) <= kept:
        wider = True
    if wider:
        raise invalid(
            param,
            f"network access {policy['access']!r} broadens the template's "
            f"{template['access']!r} policy; an environment may only narrow it.",
        )


def packages(given: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """The package lists as answered: each list, empty when not given."""
    given = given or {}
    return {name: list(given.get(name) or ()) for name in ("npm", "python", "system")}


def plugins(given: Sequence[Mapping[str, Any]] | None, param: str) -> list[dict[str, Any]]:
    """The plugins as answered (name, description), their archives checked."""
    found = []
    for index, plugin in enumerate(given or ()):
        zip_archive(plugin.get("source") or {}, f"{param}[{index}].source")
        found.append(_inline(plugin))
    return found


def skills_of(
    ctx: Context, given: Sequence[Mapping[str, Any]] | None, param: str
) -> list[dict[str, Any]]:
    """The skills as a template keeps them: a reference keeps its version selector
    (None: the skill's default) once the skill and version are found (else the 404); an
    inline skill its name and description, its archive checked."""
    found: list[dict[str, Any]] = []
    for index, skill in enumerate(given or ()):
        if skill.get("type") == "skill_reference":
            reference = {
                "skill_id": str(skill.get("skill_id")),
                "type": "skill_reference",
                "version": skill.get("version"),
            }
            installed(ctx, reference)
            found.append(reference)
        else:
            zip_archive(skill.get("source") or {}, f"{param}[{index}].source")
            found.append(_inline(skill))
    return found


def installed(ctx: Context, skill: Mapping[str, Any]) -> dict[str, Any]:
    """A skill as an environment installs it: a reference resolved to a concrete
    version (``latest``: the newest; none: the default) with that version's name and
    description (else the 404); an inline skill as it is."""
    if skill.get("type") != "skill_reference":
        return dict(skill)
    skill_id = str(skill.get("skill_id"))
    record = skills.find(ctx, skill_id)
    selector = skill.get("version")
    if selector is None:
        selector = record["default_version"]
    elif selector == "latest":
        selector = record["latest_version"]
    version = skills.find_version(ctx, skill_id, str(selector))
    return {
        "description": version["description"],
        "name": version["name"],
        "skill_id": skill_id,
        "type": "skill_reference",
        "version": version["version"],
    }


def _inline(capability: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "description": str(capability.get("description")),
        "name": str(capability.get("name")),
        "type": "inline",
    }
