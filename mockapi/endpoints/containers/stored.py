"""Containers and their files as the state store keeps them: the part the Containers
endpoints and the Responses API's ``code_interpreter`` tool share.

A container is a ``container`` object (kind :data:`KIND`, id ``cntr_`` + 48 hex digits)
that is ``running`` until it has been idle for ``expires_after.minutes`` (20 by default)
on the mock's clock, then ``expired``: ``last_active_at`` moves with each use (any
request on its files, each code interpreter call made in it); reading the container
itself (retrieve, list) is not a use. An expired container is still listed and
retrieved, as the API does, but its files are gone and using it is the API's 400
``Container is expired.``. A container file is a ``container.file`` object (kind
:data:`FILES`, id ``cfile_`` + 32 hex digits) at ``/mnt/data/<name>`` and its bytes (a
blob under the same id).

Assumed where the API is not documented: the 404 wordings (``Container with id '...'
not found.`` is the API's, quoted through a proxy; the file's is modelled on it), that
``expires_after.minutes`` may be any positive number, that a second file of the same
name gets the same path (as writing it in the sandbox would), and the deleted objects'
``object`` names (``container.deleted``, ``container.file.deleted``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored as files
from mockapi.endpoints.images.rules import invalid_value
from mockapi.errors import APIError
from mockapi.wire.canonical import ordered

KIND = "containers"
FILES = "container_files"
PREFIX = "cntr_"
FILE_PREFIX = "cfile_"
DEFAULT_MINUTES = 20
"""How long a container may stay idle before it expires, unless told otherwise."""
DEFAULT_MEMORY = "1g"
DATA_DIR = "/mnt/data"
"""Where a container's files are, as the code interpreter sees them."""
_ORDER = (
    "id", "object", "created_at", "status", "expires_after", "last_active_at",
    "network_policy", "memory_limit", "name",
)  # fmt: skip
_FILE_ORDER = ("id", "object", "created_at", "bytes", "container_id", "path", "source")


def not_found(container_id: str) -> APIError:
    """The API's 404 for a container it never issued (or has deleted)."""
    return APIError(404, f"Container with id '{container_id}' not found.")


def file_not_found(file_id: str) -> APIError:
    """The 404 for a container file the container does not hold."""
    return APIError(404, f"Container file with id '{file_id}' not found.")


def expired_error() -> APIError:
    """The API's 400 for using a container that has expired."""
    return APIError(400, "Container is expired.")


def minutes_of(expires_after: Any) -> int:
    """The idle minutes before expiry from a request's ``expires_after`` (validated
    against the spec first when validation is on), :data:`DEFAULT_MINUTES` when absent."""
    if expires_after is None:
        return DEFAULT_MINUTES
    if not isinstance(expires_after, Mapping):
        raise APIError(
            400,
            "Invalid 'expires_after': expected an object with 'anchor' and 'minutes'.",
            param="expires_after",
            code="invalid_type",
        )
    anchor = expires_after.get("anchor")
    if anchor != "last_active_at":
        raise invalid_value("expires_after.anchor", anchor, ("last_active_at",))
    minutes = expires_after.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise APIError(
            400,
            f"Invalid 'expires_after.minutes': expected a positive integer, but got "
            f"{minutes!r} instead.",
            param="expires_after.minutes",
            code="invalid_value",
        )
    return minutes


def create(
    ctx: Context,
    *,
    name: str,
    minutes: int = DEFAULT_MINUTES,
    memory_limit: str | None = None,
    network_policy: Mapping[str, Any] | None = None,
    file_ids: Iterable[str] = (),
    file_param: str = "file_ids",
) -> dict[str, Any]:
    """A new ``running`` container holding a copy of each of ``file_ids`` (Files the
    server stored; an unknown one is the Files API's 404 naming ``file_param``, and then
    nothing is created)."""
    sources = _sources(ctx, file_ids, file_param)
    now = ctx.clock.seconds()
    record: dict[str, Any] = {
        "id": objects.new_id(ctx, PREFIX),
        "object": "container",
        "created_at": now,
        "status": "running",
        "expires_after": {"anchor": "last_active_at", "minutes": minutes},
        "last_active_at": now,
        "memory_limit": memory_limit or DEFAULT_MEMORY,
        "name": name,
    }
    if network_policy is not None:
        record["network_policy"] = _policy(network_policy)
    record = ordered(record, _ORDER)
    ctx.state.put(KIND, record["id"], record)
    for found in sources:
        _copy(ctx, record["id"], found)
    return record


def _sources(ctx: Context, file_ids: Iterable[str], param: str) -> list[dict[str, Any]]:
    """The File of each of ``file_ids``, or the Files API's 404 naming ``param``."""
    found = []
    for file_id in file_ids:
        try:
            found.append(files.find(ctx, file_id))
        except APIError:
            raise objects.not_found("File", file_id, param=param) from None
    return found


def _policy(given: Mapping[str, Any]) -> dict[str, Any]:
    """The network policy as a container shows it (its type and allowed domains: the
    domain secrets a request may carry are never shown)."""
    if given.get("type") == "allowlist":
        return {"type": "allowlist", "allowed_domains": list(given.get("allowed_domains") or [])}
    return {"type": "disabled"}


def find(ctx: Context, container_id: str) -> dict[str, Any]:
    """The container (``expired`` once its idle time has passed), or the API's 404."""
    record = ctx.state.get(KIND, container_id)
    if not isinstance(record, dict):
        raise not_found(container_id)
    return refresh(ctx, record)


def running(ctx: Context, container_id: str) -> dict[str, Any]:
    """The container when it may be used: the API's 404 if unknown, its 400 if expired."""
    record = find(ctx, container_id)
    if record.get("status") != "running":
        raise expired_error()
    return record


def use(ctx: Context, container_id: str) -> dict[str, Any]:
    """:func:`running`, and its ``last_active_at`` moved to now (its idle time restarts)."""
    running(ctx, container_id)
    now = ctx.clock.seconds()
    changed = ctx.state.update(KIND, container_id, lambda kept: {**kept, "last_active_at": now})
    if not isinstance(changed, dict):  # deleted meanwhile
        raise not_found(container_id)
    return changed


def due(ctx: Context, record: Mapping[str, Any]) -> bool:
    """Whether a running container has been idle for its ``expires_after.minutes``."""
    limit = (record.get("expires_after") or {}).get("minutes", DEFAULT_MINUTES)
    last = record.get("last_active_at") or record.get("created_at") or 0
    return bool(last + int(limit) * 60 <= ctx.clock.seconds())


def refresh(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """The container as it is now: a running one whose idle time has passed becomes
    ``expired`` (kept so) and its files are dropped, as the API discards its data."""
    if record.get("status") != "running" or not due(ctx, record):
        return record

    def expire(kept: dict[str, Any]) -> dict[str, Any]:
        return {**kept, "status": "expired"} if kept.get("status") == "running" else kept

    changed = ctx.state.update(KIND, str(record["id"]), expire)
    for found in files_of(ctx, str(record["id"])):
        _drop_file(ctx, str(found["id"]))
    return changed if isinstance(changed, dict) else {**record, "status": "expired"}


def refresh_all(ctx: Context) -> None:
    """Expire every container whose idle time has passed (before a list shows them)."""
    for record in ctx.state.values(KIND):
        if isinstance(record, dict):
            refresh(ctx, record)


def remove(ctx: Context, container_id: str) -> bool:
    """Forget the container and its files; whether it was there."""
    for found in files_of(ctx, container_id):
        _drop_file(ctx, str(found["id"]))
    return ctx.state.delete(KIND, container_id)


# -- container files ---------------------------------------------------------------------


def files_of(ctx: Context, container_id: str) -> list[dict[str, Any]]:
    """The container's files, oldest first."""
    return [
        f
        for f in ctx.state.values(FILES)
        if isinstance(f, dict) and f.get("container_id") == container_id
    ]


def add_file(
    ctx: Context, container_id: str, data: bytes, *, filename: str, source: str = "user"
) -> dict[str, Any]:
    """Store ``data`` as a new file of the container at ``/mnt/data/<filename>``.
    :class:`~mockapi.errors.StateLimitError` when the bytes are over the mock's limits;
    nothing is stored then."""
    file_id = objects.new_id(ctx, FILE_PREFIX)
    ctx.state.put_blob(file_id, data)  # first: over a limit, no object names missing bytes
    return _keep(ctx, container_id, file_id, len(data), filename, source)


def copy_file(ctx: Context, container_id: str, file_id: str) -> dict[str, Any]:
    """A copy of the File ``file_id`` (its bytes and name) into the container, or the
    Files API's 404 naming ``file_id``."""
    return _copy(ctx, container_id, _sources(ctx, [file_id], "file_id")[0])


def _copy(ctx: Context, container_id: str, found: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the File ``found`` (its bytes, under its name) into the container."""
    file_id = str(found["id"])
    data = files.content(ctx, file_id)
    return add_file(ctx, container_id, data, filename=str(found.get("filename") or file_id))


def _keep(
    ctx: Context, container_id: str, file_id: str, size: int, filename: str, source: str
) -> dict[str, Any]:
    name = posixpath.basename(filename.replace("\\", "/")) or file_id
    record = {
        "id": file_id,
        "object": "container.file",
        "created_at": ctx.clock.seconds(),
        "bytes": size,
        "container_id": container_id,
        "path": f"{DATA_DIR}/{name}",
        "source": source,
    }
    record = ordered(record, _FILE_ORDER)
    ctx.state.put(FILES, file_id, record)
    return record


def find_file(ctx: Context, container_id: str, file_id: str) -> dict[str, Any]:
    """The container's file ``file_id``, or the 404 (also for another container's)."""
    record = ctx.state.get(FILES, file_id)
    if not isinstance(record, dict) or record.get("container_id") != container_id:
        raise file_not_found(file_id)
    return record


def file_content(ctx: Context, container_id: str, file_id: str) -> bytes:
    """The file's bytes exactly as stored, or the 404."""
    find_file(ctx, container_id, file_id)
    data = ctx.state.get_blob(file_id)
    if data is None:
        raise file_not_found(file_id)
    return data


def remove_file(ctx: Context, container_id: str, file_id: str) -> None:
    """Forget the container's file and its bytes, or the 404."""
    find_file(ctx, container_id, file_id)
    _drop_file(ctx, file_id)


def _drop_file(ctx: Context, file_id: str) -> None:
    ctx.state.delete_blob(file_id)
    ctx.state.delete(FILES, file_id)
