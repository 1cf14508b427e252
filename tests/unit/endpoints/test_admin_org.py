"""The core organization without a server (mockapi.endpoints.admin: projects, users,
invites, roles, role assignments, groups, a project's users and groups): what one
change does to the rest, on the mock's clock, and the API's refusals."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from mockapi.endpoints.admin import invites
from mockapi.state import lifecycle
from tests.unit.endpoints.admin_usage_state import ROUTES, Org

ORG = "/v1/organization"
PROJECT = ORG + "/projects/{project_id}"
PROJECT_USER_ROLES = "/v1/projects/{project_id}/users/{user_id}/roles"


@pytest.fixture
def org() -> Org:
    return Org()


def project(org: Org, name: str) -> str:
    return str(org.call(f"POST {ORG}/projects", {"name": name})["id"])


def invite(org: Org, email: str, plan: str | None = None, **body: Any) -> dict[str, Any]:
    """An invite sent (with ``x-mockapi-job: plan`` when given)."""
    endpoint = ROUTES[f"POST {ORG}/invites"]
    ctx = org.context(endpoint, {"email": email, "role": "reader", **body})
    if plan is not None:
        headers = {**ctx.request.headers, lifecycle.HEADER: plan}
        ctx = dataclasses.replace(ctx, request=dataclasses.replace(ctx.request, headers=headers))
    assert endpoint.lookup is not None
    return dict(endpoint.lookup(ctx).body)


def accepted_user(org: Org, email: str, **body: Any) -> str:
    """The user an accepted invite made (accepted by the invite's first retrieve)."""
    sent = invite(org, email, **body)
    got = org.call(f"GET {ORG}/invites/{{invite_id}}", params={"invite_id": sent["id"]})
    assert got["status"] == "accepted"
    users = org.call(f"GET {ORG}/users")["data"]
    return next(str(u["id"]) for u in users if u["email"] == email)


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["data"]]


def test_an_archived_project_is_listed_only_with_include_archived(org: Org) -> None:
    kept, gone = project(org, "Kept"), project(org, "Gone")
    org.now += 60
    archived = org.call(f"POST {PROJECT}/archive", params={"project_id": gone})
    assert archived["status"] == "archived" and archived["archived_at"] == int(org.now)
    org.now += 60  # archiving again keeps the first time
    again = org.call(f"POST {PROJECT}/archive", params={"project_id": gone})
    assert again["archived_at"] == archived["archived_at"]
    assert names(org.call(f"GET {ORG}/projects")) == ["Default project", "Kept"]
    every = org.call(f"GET {ORG}/projects", query=(("include_archived", "true"),))
    assert names(every) == ["Default project", "Kept", "Gone"]
    renamed = org.call(f"POST {PROJECT}", {"name": "Still"}, params={"project_id": kept})
    assert renamed["name"] == "Still"
    refused = org.refused(f"POST {PROJECT}", {"name": "X"}, params={"project_id": gone})
    assert (refused.status, refused.message) == (400, "Project is archived")
    body = {"user_id": "user-x", "role": "member"}
    joined = org.refused(f"POST {PROJECT}/users", body, params={"project_id": gone})
    assert joined.message == "Project is archived"


def test_the_default_project_is_neither_renamed_nor_archived(org: Org) -> None:
    default = org.default_project()
    for key, body in ((f"POST {PROJECT}", {"name": "x"}), (f"POST {PROJECT}/archive", None)):
        refused = org.refused(key, body, params={"project_id": default})
        assert refused.status == 400 and default in refused.message
    missing = org.refused(f"GET {PROJECT}", params={"project_id": "proj_nope"})
    assert (missing.status, missing.message) == (404, "No such Project object: proj_nope")


def test_an_accepted_invite_makes_a_user_in_its_projects(org: Org) -> None:
    alpha = project(org, "Alpha")
    sent = invite(org, "ada@example.com", projects=[{"id": alpha, "role": "owner"}])
    assert sent["status"] == "pending" and sent["accepted_at"] is None
    listed = org.call(f"GET {ORG}/invites")["data"]
    assert [(i["id"], i["status"]) for i in listed] == [(sent["id"], "pending")]
    assert [u["email"] for u in org.call(f"GET {ORG}/users")["data"]] == ["owner@mockapi.test"]
    org.now += 5
    got = org.call(f"GET {ORG}/invites/{{invite_id}}", params={"invite_id": sent["id"]})
    assert (got["status"], got["accepted_at"]) == ("accepted", int(org.now))
    users = org.call(f"GET {ORG}/users", query=(("emails[]", "ada@example.com"),))["data"]
    assert [(u["email"], u["role"]) for u in users] == [("ada@example.com", "reader")]
    members = org.call(f"GET {PROJECT}/users", params={"project_id": alpha})["data"]
    assert [(m["id"], m["role"]) for m in members] == [(users[0]["id"], "owner")]
    default = org.call(f"GET {PROJECT}/users", params={"project_id": org.default_project()})
    assert [m["email"] for m in default["data"]] == ["owner@mockapi.test"]
    refused = org.refused(f"DELETE {ORG}/invites/{{invite_id}}", params={"invite_id": sent["id"]})
    assert refused.status == 400 and "already been accepted" in refused.message
    again = org.refused(f"POST {ORG}/invites", {"email": "ADA@example.com", "role": "reader"})
    assert again.status == 400 and again.param == "email"


def test_an_invite_without_projects_joins_the_default_one_and_an_empty_list_none(
    org: Org,
) -> None:
    legacy = invite(org, "bob@example.com")
    assert legacy["projects"] == [{"id": org.default_project(), "role": "member"}]
    assert invite(org, "cy@example.com", projects=[])["projects"] == []
    user = accepted_user(org, "dee@example.com", projects=[])
    memberships = [
        org.call(f"GET {PROJECT}/users", params={"project_id": p["id"]})["data"]
        for p in org.call(f"GET {ORG}/projects")["data"]
    ]
    assert all(m["id"] != user for listed in memberships for m in listed)


def test_an_invite_kept_pending_expires_on_the_mocks_clock(org: Org) -> None:
    stuck = invite(org, "eve@example.com", plan="stuck")
    assert stuck["expires_at"] == int(org.now) + invites.EXPIRES_AFTER
    params = {"invite_id": stuck["id"]}
    assert org.call(f"GET {ORG}/invites/{{invite_id}}", params=params)["status"] == "pending"
    org.now += invites.EXPIRES_AFTER
    assert [i["status"] for i in org.call(f"GET {ORG}/invites")["data"]] == ["expired"]
    gone = org.call(f"DELETE {ORG}/invites/{{invite_id}}", params=params)
    assert gone == {"object": "organization.invite.deleted", "id": stuck["id"], "deleted": True}
    assert org.call(f"GET {ORG}/invites")["data"] == []
    planned = invite(org, "fay@example.com", plan="expire")
    got = org.call(f"GET {ORG}/invites/{{invite_id}}", params={"invite_id": planned["id"]})
    assert got["status"] == "expired"


def test_removing_a_project_user_removes_its_roles_there_only(org: Org) -> None:
    alpha = project(org, "Alpha")
    ada = accepted_user(org, "ada@example.com", projects=[{"id": alpha, "role": "member"}])
    deployer = org.call(
        "POST /v1/projects/{project_id}/roles",
        {"role_name": "deployer", "permissions": ["api.model.request"]},
        params={"project_id": alpha},
    )
    both = {"project_id": alpha, "user_id": ada}
    made = org.call(f"POST {PROJECT_USER_ROLES}", {"role_id": deployer["id"]}, params=both)
    assert made["object"] == "user.role" and made["user"]["id"] == ada
    reader = org.call(f"GET {ORG}/roles")["data"][1]
    org.call(
        f"POST {ORG}/users/{{user_id}}/roles", {"role_id": reader["id"]}, params={"user_id": ada}
    )
    listed = org.call(f"GET {PROJECT_USER_ROLES}", params=both)["data"]
    assert [(r["id"], r["assignment_sources"]) for r in listed] == [
        (deployer["id"], [{"principal_id": ada, "principal_type": "user"}])
    ]
    org.call(f"DELETE {PROJECT}/users/{{user_id}}", params=both)
    assert org.refused(f"GET {PROJECT}/users/{{user_id}}", params=both).status == 404
    assert org.refused(f"GET {PROJECT_USER_ROLES}", params=both).status == 404
    # joined again, the user holds no role from before
    org.call(
        f"POST {PROJECT}/users", {"user_id": ada, "role": "member"}, params={"project_id": alpha}
    )
    assert org.call(f"GET {PROJECT_USER_ROLES}", params=both)["data"] == []
    kept = org.call(f"GET {ORG}/users/{{user_id}}/roles", params={"user_id": ada})["data"]
    assert [r["id"] for r in kept] == [reader["id"]]


def test_deleting_a_user_group_or_role_takes_what_went_with_it(org: Org) -> None:
    alpha = project(org, "Alpha")
    ada = accepted_user(org, "ada@example.com", projects=[{"id": alpha, "role": "member"}])
    group = org.call(f"POST {ORG}/groups", {"name": "ops"})
    org.call(
        f"POST {ORG}/groups/{{group_id}}/users", {"user_id": ada}, params={"group_id": group["id"]}
    )
    custom = org.call(f"POST {ORG}/roles", {"role_name": "auditor", "permissions": ["a.read"]})
    for key, params in (
        (f"POST {ORG}/users/{{user_id}}/roles", {"user_id": ada}),
        (f"POST {ORG}/groups/{{group_id}}/roles", {"group_id": group["id"]}),
    ):
        org.call(key, {"role_id": custom["id"]}, params=params)
    org.call(
        f"POST {PROJECT}/groups",
        {"group_id": group["id"], "role": "member"},
        params={"project_id": alpha},
    )

    org.call(f"DELETE {ORG}/roles/{{role_id}}", params={"role_id": custom["id"]})
    group_roles = org.call(f"GET {ORG}/groups/{{group_id}}/roles", params={"group_id": group["id"]})
    assert group_roles["data"] == []

    org.call(f"DELETE {ORG}/users/{{user_id}}", params={"user_id": ada})
    assert org.call(f"GET {PROJECT}/users", params={"project_id": alpha})["data"] == []
    members = org.call(f"GET {ORG}/groups/{{group_id}}/users", params={"group_id": group["id"]})
    assert members == {"object": "list", "data": [], "has_more": False, "next": None}

    org.call(f"DELETE {ORG}/groups/{{group_id}}", params={"group_id": group["id"]})
    assert org.call(f"GET {PROJECT}/groups", params={"project_id": alpha})["data"] == []
    missing = org.refused(f"GET {ORG}/groups/{{group_id}}", params={"group_id": group["id"]})
    assert missing.status == 404


def test_roles_predefined_first_custom_ones_unique_and_scoped(org: Org) -> None:
    alpha, beta = project(org, "Alpha"), project(org, "Beta")
    listed = org.call(f"GET {ORG}/roles")["data"]
    assert [(r["name"], r["predefined_role"]) for r in listed] == [
        ("owner", True),
        ("reader", True),
    ]
    owner = listed[0]
    refused = org.refused(
        f"POST {ORG}/roles/{{role_id}}", {"role_name": "x"}, params={"role_id": owner["id"]}
    )
    assert refused.status == 400 and "predefined" in refused.message
    mine = org.call(
        "POST /v1/projects/{project_id}/roles",
        {"role_name": "deployer", "permissions": ["p.one", "p.two"]},
        params={"project_id": alpha},
    )
    assert mine["resource_type"] == "api.project"
    dup = org.refused(
        "POST /v1/projects/{project_id}/roles",
        {"role_name": "deployer", "permissions": []},
        params={"project_id": alpha},
    )
    assert dup.status == 400 and dup.param == "role_name"
    elsewhere = {"project_id": beta, "role_id": mine["id"]}
    assert (
        org.refused("GET /v1/projects/{project_id}/roles/{role_id}", params=elsewhere).status == 404
    )
    changed = org.call(
        "POST /v1/projects/{project_id}/roles/{role_id}",
        {"permissions": ["p.two", "p.three"]},
        params={"project_id": alpha, "role_id": mine["id"]},
    )
    assert changed["permissions"] == ["p.two", "p.three"]
    audits = org.state.values("admin.audit_logs")
    update = next(e for e in audits if e["type"] == "role.updated")
    assert update["role.updated"]["changes_requested"] == {
        "permissions_added": ["p.three"],
        "permissions_removed": ["p.one"],
    }


def test_groups_page_with_a_next_cursor(org: Org) -> None:
    made = [org.call(f"POST {ORG}/groups", {"name": f"g{i}"})["id"] for i in range(3)]
    first = org.call(f"GET {ORG}/groups", query=(("limit", "2"),))
    assert [g["id"] for g in first["data"]] == made[:2]
    assert (first["has_more"], first["next"]) == (True, made[1])
    rest = org.call(f"GET {ORG}/groups", query=(("limit", "2"), ("after", first["next"])))
    assert [g["id"] for g in rest["data"]] == made[2:]
    assert (rest["has_more"], rest["next"]) == (False, None)
    newest = org.call(f"GET {ORG}/groups", query=(("order", "desc"), ("limit", "1")))
    assert [g["id"] for g in newest["data"]] == made[2:]


def test_the_last_owner_stays(org: Org) -> None:
    owner = org.call(f"GET {ORG}/users")["data"][0]
    params = {"user_id": owner["id"]}
    assert org.refused(f"DELETE {ORG}/users/{{user_id}}", params=params).status == 400
    assert (
        org.refused(f"POST {ORG}/users/{{user_id}}", {"role": "reader"}, params=params).status
        == 400
    )
    ada = accepted_user(org, "ada@example.com")
    org.call(f"POST {ORG}/users/{{user_id}}", {"role": "owner"}, params={"user_id": ada})
    demoted = org.call(f"POST {ORG}/users/{{user_id}}", {"role": "reader"}, params=params)
    assert demoted["role"] == "reader"
    bad = org.refused(f"POST {ORG}/users/{{user_id}}", {"role": "admin"}, params=params)
    assert (bad.status, bad.code, bad.param) == (400, "invalid_value", "role")
