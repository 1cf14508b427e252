"""Vaults, their credentials and automations on a real server with the strict SDK
(``client.beta.agents.vaults``, ``.automations``): CRUD with the credentials' secrets
never in any answer nor in the journal, rotation within a method, automations paused,
resumed and invoked (a manual invocation, and a one-time automation's scheduled one
once the mock's clock passes it), the 404s; every answer checked against the derived
schemas."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, cast

import openai
import pytest

from mockapi.build import Built, build
from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, settings, strict_async_client, strict_client

SECRETS = ("tok-static-1", "oauth-access-9", "refresh-r-7", "client-sec-3", "sv-env-5", "tok-new-2")
VAULT = "/v1/vaults/{vault_id}"
CREDENTIAL = VAULT + "/credentials/{credential_id}"
AUTOMATION = "/v1/agents/automations/{automation_id}"
HOSTED = {"type": "none"}
NEW_SESSION: Any = {
    "type": "new_session",
    "agent": {"model": "gpt-5.2", "instructions": "Summarise the inbox."},
    "environment": HOSTED,
    "input": [{"role": "user", "content": [{"type": "input_text", "text": "Go"}]}],
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ServerThread, Built]]:
    built = build(settings(on_miss=OnMiss.SYNTHESIZE))
    try:
        with ServerThread(built.app) as server:
            yield server, built
    finally:
        built.close()


@pytest.fixture
def sdk(served: tuple[ServerThread, Built]) -> Iterator[openai.OpenAI]:
    served[1].control.reset()
    with strict_client(served[0].url + "/v1") as client:
        yield client


def checked(endpoint: str, answer: Any) -> dict[str, Any]:
    """``answer`` as JSON, after checking it against ``endpoint``'s schema and that it
    holds none of the secrets sent."""
    body = answer.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert response_problems(endpoint, body) == []
    text = json.dumps(body)
    assert not [s for s in SECRETS if s in text], text
    return dict(body)


def test_vault_and_credential_crud_never_answer_or_journal_a_secret(
    sdk: openai.OpenAI, served: tuple[ServerThread, Built]
) -> None:
    vaults = sdk.beta.agents.vaults
    vault = vaults.create(name="  team  ", metadata={"team": "ops"})
    assert (vault.name, vault.metadata, vault.object) == ("team", {"team": "ops"}, "vault")
    checked("POST /v1/vaults", vault)
    other = vaults.create()
    assert other.name is None and other.metadata == {}
    bearer = vaults.credentials.create(
        vault.id,
        name="github",
        auth={"type": "static_bearer", "token": SECRETS[0], "mcp_server_url": "https://mcp.x"},
    )
    assert bearer.auth.type == "static_bearer" and bearer.vault_id == vault.id
    checked("POST " + VAULT + "/credentials", bearer)
    oauth = vaults.credentials.create(
        vault.id,
        name="drive",
        metadata={"k": "v"},
        auth={
            "type": "mcp_oauth",
            "access_token": SECRETS[1],
            "mcp_server_url": "https://mcp.drive",
            "expires_at": "2030-01-01T00:00:00Z",
            "refresh": {
                "client_id": "cid",
                "refresh_token": SECRETS[2],
                "token_endpoint": "https://auth.drive/token",
                "token_endpoint_auth": {"type": "client_secret_post", "client_secret": SECRETS[3]},
            },
        },
    )
    shown = checked("POST " + VAULT + "/credentials", oauth)
    assert shown["auth"]["refresh"]["token_endpoint_auth"] == {"type": "client_secret_post"}
    env = vaults.credentials.create(
        vault.id,
        name="service",
        auth={
            "type": "environment_variable",
            "secret_name": "SERVICE_API_KEY",
            "secret_value": SECRETS[4],
            "networking": {"type": "limited", "allowed_hosts": ["API.Example.com"]},
        },
    )
    assert checked("POST " + VAULT + "/credentials", env)["auth"]["networking"] == {
        "type": "limited",
        "allowed_hosts": ["api.example.com"],
    }
    page = vaults.credentials.list(vault.id, order="asc")
    assert [c.id for c in page.data] == [bearer.id, oauth.id, env.id]
    checked("GET " + VAULT + "/credentials", page)
    assert [c.id for c in vaults.credentials.list(vault.id, metadata={"k": "v"})] == [oauth.id]
    assert list(vaults.credentials.list(vault.id, status="archived")) == []
    served[1].control.clock_advance(30)
    rotated = vaults.credentials.update(
        bearer.id, vault_id=vault.id, auth={"type": "static_bearer", "token": SECRETS[5]}
    )
    assert rotated.updated_at == bearer.updated_at + 30
    checked("POST " + CREDENTIAL, rotated)
    with pytest.raises(openai.BadRequestError, match=r"rotates with auth\.type 'static_bearer'"):
        vaults.credentials.update(
            bearer.id, vault_id=vault.id, auth={"type": "environment_variable", "secret_value": "x"}
        )
    renewed = vaults.credentials.update(
        oauth.id, vault_id=vault.id, auth={"type": "mcp_oauth", "access_token": "fresh-a-1"}
    )
    assert renewed.auth.type == "mcp_oauth" and renewed.auth.expires_at is None
    got = vaults.credentials.retrieve(env.id, vault_id=vault.id)
    checked("GET " + CREDENTIAL, got)
    renamed = vaults.update(vault.id, name=None, metadata={})
    assert renamed.name is None and renamed.metadata == {}
    checked("POST " + VAULT, vaults.retrieve(vault.id))
    listed = vaults.list(order="asc")
    assert [v.id for v in listed] == [vault.id, other.id]
    checked("GET /v1/vaults", listed)
    gone = vaults.credentials.delete(env.id, vault_id=vault.id)
    assert (gone.id, gone.deleted, gone.object) == (env.id, True, "vault.credential.deleted")
    with pytest.raises(openai.NotFoundError):
        vaults.credentials.retrieve(env.id, vault_id=vault.id)
    assert checked("DELETE " + VAULT, vaults.delete(vault.id))["deleted"] is True
    with pytest.raises(openai.NotFoundError):
        vaults.credentials.list(vault.id)
    with pytest.raises(openai.NotFoundError):
        vaults.retrieve(vault.id)
    journal = json.dumps([e.body for e in served[1].control.entries()])
    assert "static_bearer" in journal and "REDACTED" in journal
    assert not [s for s in (*SECRETS, "fresh-a-1") if s in journal]


def test_an_automation_paused_resumed_and_invoked(
    sdk: openai.OpenAI, served: tuple[ServerThread, Built]
) -> None:
    automations = sdk.beta.agents.automations
    vault = sdk.beta.agents.vaults.create(name="v")
    made = automations.create(
        type="periodic",
        name="digest",
        expression="0 9 * * 1-5",
        timezone="Europe/Paris",
        target=cast(Any, {**NEW_SESSION, "vault_ids": [vault.id]}),
        metadata={"team": "ops"},
    )
    body = checked("POST /v1/agents/automations", made)
    assert body["status"] == "active" and body["created_by"] == {"type": "developer"}
    assert body["target"]["agent"]["model"] == "gpt-5.2"
    assert body["target"]["vault_ids"] == [vault.id]
    paused = automations.pause(made.id)
    assert paused.status == "paused"
    checked(f"POST {AUTOMATION}/pause", paused)
    assert automations.resume(made.id).status == "active"
    renamed = automations.update(made.id, name="daily digest", expression="0 8 * * *")
    assert (renamed.name, getattr(renamed, "expression", None)) == ("daily digest", "0 8 * * *")
    with pytest.raises(openai.BadRequestError, match="run_at"):
        automations.update(made.id, run_at=2_000_000_000)
    invocation = automations.invocations.create(made.id)
    shown = checked(f"POST {AUTOMATION}/invocations", invocation)
    assert shown["source"] == {"type": "manual"} and shown["automation_id"] == made.id
    assert invocation.status == "completed" and invocation.session_id
    session = sdk.beta.agents.sessions.retrieve(invocation.session_id)
    assert session.vault_ids == [vault.id], "the new session has the target's vaults"
    assert automations.invocations.retrieve(invocation.id, automation_id=made.id) == invocation
    page = automations.invocations.list(made.id)
    assert [i.id for i in page] == [invocation.id]
    checked(f"GET {AUTOMATION}/invocations", page)
    deleted = automations.delete(made.id)
    assert (deleted.id, deleted.deleted) == (made.id, True)
    with pytest.raises(openai.NotFoundError):
        automations.retrieve(made.id)
    with pytest.raises(openai.NotFoundError):
        automations.create(
            type="once",
            name="x",
            run_at=2_000_000_000,
            target=cast(Any, {**NEW_SESSION, "vault_ids": ["vault_nope"]}),
        )


def test_a_once_automation_runs_when_the_clock_passes_it(
    sdk: openai.OpenAI, served: tuple[ServerThread, Built]
) -> None:
    now = int(served[1].control.clock_now()[0])
    session = sdk.beta.agents.sessions.create(
        agent={"model": "gpt-5.2"}, environment={"type": "self_hosted", "workspace_directory": "/w"}
    )
    target: Any = {"type": "existing_session", "session_id": session.id, "instructions": "Hi"}
    made = sdk.beta.agents.automations.create(
        type="once", name="ping", run_at=now + 3600, target=target
    )
    assert made.type == "once" and made.status == "active" and made.run_at == now + 3600
    assert list(sdk.beta.agents.automations.invocations.list(made.id)) == []
    served[1].control.clock_advance(3601)
    done = sdk.beta.agents.automations.retrieve(made.id)
    assert done.status == "completed"
    checked(f"GET {AUTOMATION}", done)
    [scheduled] = sdk.beta.agents.automations.invocations.list(made.id)
    shown = checked(f"GET {AUTOMATION}/invocations/{{invocation_id}}", scheduled)
    assert shown["scheduled_at"] == now + 3600 and shown["status"] == "completed"
    assert shown["session_id"] == session.id and shown["source"]["type"] == "automation"
    turns = sdk.beta.agents.sessions.turns.list(session.id)
    assert len(turns.data) == 1, "the instructions were delivered as a turn"
    with pytest.raises(openai.BadRequestError, match="completed"):
        sdk.beta.agents.automations.pause(made.id)
    listed = sdk.beta.agents.automations.list(session_id=session.id)
    assert [a.id for a in listed] == [made.id]
    assert list(sdk.beta.agents.automations.list(session_id="sess_other")) == []
    with pytest.raises(openai.NotFoundError):
        sdk.beta.agents.automations.create(
            type="once",
            name="x",
            run_at=now + 7200,
            target=cast(Any, {**target, "session_id": "sess_x"}),
        )


def test_async_client_reads_a_vault(served: tuple[ServerThread, Built]) -> None:
    served[1].control.reset()

    async def run() -> str | None:
        async with strict_async_client(served[0].url + "/v1") as client:
            vault = await client.beta.agents.vaults.create(name="async")
            with pytest.raises(openai.NotFoundError):
                await client.beta.agents.automations.retrieve("auto_missing")
            return (await client.beta.agents.vaults.retrieve(vault.id)).name

    assert asyncio.run(run()) == "async"
