"""What goes with an organization member when it goes: its memberships and role
assignments (a deleted user leaves its projects and groups; a project's user removed
from it loses the roles it held there; a deleted role is unassigned everywhere).

Pure state operations on the core organization's kinds (:mod:`.org`), shared by the
families that delete (users, groups, roles, a project's users and groups).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockapi.endpoints.admin import org
from mockapi.state.store import StateStore


def remove_assignments(state: StateStore, **where: str) -> int:
    """Delete every role assignment whose private fields equal ``where``
    (``principal_id=``, ``scope=``: ``organization`` or a project id, ``role_id=``);
    how many went."""
    wanted = {f"_{key}": value for key, value in where.items()}
    return _remove(state, org.ROLE_ASSIGNMENTS, wanted)


def remove_project_users(state: StateStore, user_id: str) -> int:
    """Take the user out of every project it belongs to; how many projects."""
    return _remove(state, org.PROJECT_USERS, {"id": user_id}, key=_member_key)


def remove_group_users(state: StateStore, **where: str) -> int:
    """Delete group memberships whose ``id`` (the user) or ``_group_id`` match."""
    return _remove(state, org.GROUP_USERS, where, key=_group_member_key)


def remove_project_groups(state: StateStore, group_id: str) -> int:
    """Take the group out of every project it was added to; how many projects."""
    return _remove(state, org.PROJECT_GROUPS, {"group_id": group_id}, key=_project_group_key)


def _member_key(record: Mapping[str, Any]) -> str:
    return org.member_id(str(record["_project_id"]), str(record["id"]))


def _group_member_key(record: Mapping[str, Any]) -> str:
    return org.member_id(str(record["_group_id"]), str(record["id"]))


def _project_group_key(record: Mapping[str, Any]) -> str:
    return org.member_id(str(record["project_id"]), str(record["group_id"]))


def _remove(
    state: StateStore,
    kind: str,
    where: Mapping[str, str],
    *,
    key: Callable[[Mapping[str, Any]], str] | None = None,
) -> int:
    gone = 0
    for record in state.values(kind):
        if isinstance(record, dict) and all(record.get(k) == v for k, v in where.items()):
            state.delete(kind, key(record) if key is not None else str(record["id"]))
            gone += 1
    return gone
