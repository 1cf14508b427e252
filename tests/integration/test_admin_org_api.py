"""The Administration API's core organization on a real server, driven through
``client.admin.organization`` with strict response validation and an admin key: a
project created, listed, renamed and archived; invites sent, listed and accepted; a
user in a project with roles; groups paged; and the API's refusals of the wrong key
on each side. Every answer is checked against the derived schemas too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

ADMIN_KEY = "sk-admin-mockapi-test"
API_KEY = "sk-proj-mockapi-test"
ORG = "/v1/organization"
SCOPE_ADVICE = (
    "Check that you have the correct role in your organization (Reader, Writer, Owner) "
    "and project (Member, Owner), and if you're using a restricted API key, that it has "
    "the necessary scopes."
)


@pytest.fixture
def admin(server: ServerThread) -> Iterator[openai.OpenAI]:
    """The strict SDK with an ordinary and an admin key, the server's state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    with strict_client(server.url + "/v1", api_key=API_KEY, admin_api_key=ADMIN_KEY) as sdk:
        yield sdk


def valid(endpoint: str, answer: object) -> bool:
    body = answer.to_dict() if hasattr(answer, "to_dict") else answer
    problems = response_problems(endpoint, body)
    assert problems == [], problems
    return True


def test_a_project_created_listed_renamed_and_archived(admin: openai.OpenAI) -> None:
    projects = admin.admin.organization.projects
    made = projects.create(name="Payments")
    assert valid(f"POST {ORG}/projects", made)
    assert (made.object, made.name, made.status, made.archived_at) == (
        "organization.project",
        "Payments",
        "active",
        None,
    )
    assert made.id.startswith("proj_") and len(made.id) == 29
    listed = projects.list()
    assert valid(f"GET {ORG}/projects", listed)
    assert [p.name for p in listed] == ["Default project", "Payments"]
    renamed = projects.update(made.id, name="Billing")
    assert valid(f"POST {ORG}/projects/{{project_id}}", renamed)
    assert projects.retrieve(made.id).name == "Billing"
    archived = projects.archive(made.id)
    assert valid(f"POST {ORG}/projects/{{project_id}}/archive", archived)
    assert archived.status == "archived" and archived.archived_at is not None
    assert [p.id for p in projects.list()] != [] and made.id not in [p.id for p in projects.list()]
    every = projects.list(include_archived=True)
    assert [(p.name, p.status) for p in every] == [
        ("Default project", "active"),
        ("Billing", "archived"),
    ]
    with pytest.raises(openai.BadRequestError) as refused:
        projects.update(made.id, name="Again")
    assert refused.value.body == {
        "message": "Project is archived",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError) as missing:
        projects.retrieve("proj_missing")
    assert missing.value.message.endswith(" - No such Project object: proj_missing")


def test_an_invite_sent_listed_and_accepted(admin: openai.OpenAI, server: ServerThread) -> None:
    org = admin.admin.organization
    team = org.projects.create(name="Team")
    sent = org.invites.create(
        email="ada@example.com", role="reader", projects=[{"id": team.id, "role": "owner"}]
    )
    assert valid(f"POST {ORG}/invites", sent)
    assert (sent.status, sent.role, sent.accepted_at) == ("pending", "reader", None)
    other = org.invites.create(email="bob@example.com", role="owner")
    listed = org.invites.list()
    assert valid(f"GET {ORG}/invites", listed)
    assert [(i.email, i.status) for i in listed] == [
        ("ada@example.com", "pending"),
        ("bob@example.com", "pending"),
    ]
    assert [u.email for u in org.users.list()] == ["owner@mockapi.test"]

    accepted = org.invites.retrieve(sent.id)  # the invitee accepts: one step on
    assert valid(f"GET {ORG}/invites/{{invite_id}}", accepted)
    assert accepted.status == "accepted" and accepted.accepted_at is not None
    server.control.jobs.complete(other.id)  # type: ignore[attr-defined]
    users = org.users.list()
    assert valid(f"GET {ORG}/users", users)
    assert [(u.email, u.role) for u in users] == [
        ("owner@mockapi.test", "owner"),
        ("ada@example.com", "reader"),
        ("bob@example.com", "owner"),
    ]
    ada = users.data[1]
    assert [(m.id, m.role) for m in org.projects.users.list(team.id)] == [(ada.id, "owner")]
    with pytest.raises(openai.BadRequestError):
        org.invites.delete(sent.id)
    dropped = org.invites.create(email="cy@example.com", role="reader")
    deleted = org.invites.delete(dropped.id)
    assert valid(f"DELETE {ORG}/invites/{{invite_id}}", deleted)
    assert deleted.deleted and [i.email for i in org.invites.list()][-1] == "bob@example.com"


def test_a_user_and_a_project_user_with_roles(admin: openai.OpenAI, server: ServerThread) -> None:
    org = admin.admin.organization
    project = org.projects.create(name="Research")
    invite = org.invites.create(email="ada@example.com", role="reader", projects=[])
    server.control.jobs.complete(invite.id)  # type: ignore[attr-defined]
    ada = org.users.list(emails=["ada@example.com"]).data[0]

    promoted = org.users.update(ada.id, role="owner")
    assert valid(f"POST {ORG}/users/{{user_id}}", promoted) and promoted.role == "owner"
    reader = next(r for r in org.roles.list() if r.name == "reader")
    given = org.users.roles.create(ada.id, role_id=reader.id)
    assert valid(f"POST {ORG}/users/{{user_id}}/roles", given)
    assert (given.object, given.user.id, given.role.id) == ("user.role", ada.id, reader.id)

    member = org.projects.users.create(project.id, user_id=ada.id, role="member")
    assert valid(f"POST {ORG}/projects/{{project_id}}/users", member)
    assert (member.id, member.role, member.email) == (ada.id, "member", "ada@example.com")
    role = org.projects.roles.create(
        project.id, role_name="deployer", permissions=["api.model.request"]
    )
    assert valid("POST /v1/projects/{project_id}/roles", role)
    assigned = org.projects.users.roles.create(ada.id, project_id=project.id, role_id=role.id)
    assert valid("POST /v1/projects/{project_id}/users/{user_id}/roles", assigned)
    held = org.projects.users.roles.list(ada.id, project_id=project.id)
    assert valid("GET /v1/projects/{project_id}/users/{user_id}/roles", held)
    assert [r.name for r in held] == ["deployer"]
    one = org.projects.users.roles.retrieve(role.id, project_id=project.id, user_id=ada.id)
    assert valid("GET /v1/projects/{project_id}/users/{user_id}/roles/{role_id}", one)
    assert one.assignment_sources is not None and one.assignment_sources[0].principal_id == ada.id

    updated = org.projects.users.update(ada.id, project_id=project.id, role="owner")
    assert updated.role == "owner"
    removed = org.projects.users.delete(ada.id, project_id=project.id)
    assert valid(f"DELETE {ORG}/projects/{{project_id}}/users/{{user_id}}", removed)
    assert removed.deleted
    with pytest.raises(openai.NotFoundError):
        org.projects.users.roles.list(ada.id, project_id=project.id)
    org.projects.users.create(project.id, user_id=ada.id, role="member")
    assert list(org.projects.users.roles.list(ada.id, project_id=project.id)) == []
    assert [r.id for r in org.users.roles.list(ada.id)] == [reader.id]


def test_groups_paged_with_their_users_and_project(admin: openai.OpenAI) -> None:
    org = admin.admin.organization
    made = [org.groups.create(name=f"team-{i}") for i in range(3)]
    assert valid(f"POST {ORG}/groups", made[0])
    first = org.groups.list(limit=2)
    assert valid(f"GET {ORG}/groups", first)
    assert first.has_more and first.next == made[1].id
    assert [g.name for g in org.groups.list(limit=2)] == ["team-0", "team-1", "team-2"]
    owner = org.users.list().data[0]
    joined = org.groups.users.create(made[0].id, user_id=owner.id)
    assert valid(f"POST {ORG}/groups/{{group_id}}/users", joined)
    assert [u.email for u in org.groups.users.list(made[0].id)] == ["owner@mockapi.test"]
    project = org.projects.create(name="Shared")
    added = org.projects.groups.create(project.id, group_id=made[0].id, role="member")
    assert valid(f"POST {ORG}/projects/{{project_id}}/groups", added)
    assert (added.group_name, added.project_id) == ("team-0", project.id)
    roles = org.projects.groups.roles.list(made[0].id, project_id=project.id)
    assert valid("GET /v1/projects/{project_id}/groups/{group_id}/roles", roles)
    assert [r.name for r in roles] == ["member"]
    deleted = org.groups.delete(made[0].id)
    assert valid(f"DELETE {ORG}/groups/{{group_id}}", deleted)
    assert list(org.projects.groups.list(project.id)) == []


def test_an_ordinary_key_is_refused_on_an_admin_route(server: ServerThread) -> None:
    wrong = strict_client(server.url + "/v1", api_key=API_KEY, admin_api_key=API_KEY)
    with wrong, pytest.raises(openai.PermissionDeniedError) as refused:
        wrong.admin.organization.projects.list()
    message = (
        "You have insufficient permissions for this operation. "
        f"Missing scopes: api.management.read. {SCOPE_ADVICE}"
    )
    assert refused.value.status_code == 403
    assert refused.value.body == message
    raw = httpx.post(
        server.url + ORG + "/projects",
        json={"name": "x"},
        headers={"authorization": f"Bearer {API_KEY}"},
    )
    assert raw.status_code == 403
    assert raw.json() == {"error": message.replace(".read.", ".write.")}


def test_an_admin_key_is_refused_on_chat_completions(server: ServerThread) -> None:
    with strict_client(server.url + "/v1", api_key=ADMIN_KEY) as sdk:
        with pytest.raises(openai.AuthenticationError) as refused:
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
            )
    assert refused.value.status_code == 401
    assert refused.value.body == {
        "message": "You have insufficient permissions for this operation. Missing scopes: "
        f"model.request. {SCOPE_ADVICE}",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_admin_api_key_restricts_the_accepted_admin_keys() -> None:
    with running_server(admin_api_keys=frozenset({ADMIN_KEY})) as server:
        with strict_client(server.url + "/v1", admin_api_key=ADMIN_KEY) as good:
            assert [p.name for p in good.admin.organization.projects.list()] == ["Default project"]
        with strict_client(server.url + "/v1", admin_api_key="sk-admin-other") as other:
            with pytest.raises(openai.AuthenticationError) as refused:
                other.admin.organization.projects.list()
    assert refused.value.code == "invalid_api_key"
    assert "--admin-api-key" in refused.value.message


def test_the_async_client(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def run() -> list[str | None]:
        async with strict_async_client(server.url + "/v1", admin_api_key=ADMIN_KEY) as sdk:
            org = sdk.admin.organization
            made = await org.projects.create(name="Async")
            await org.projects.archive(made.id)
            return [p.name async for p in org.projects.list(include_archived=True)]

    assert asyncio.run(run()) == ["Default project", "Async"]
