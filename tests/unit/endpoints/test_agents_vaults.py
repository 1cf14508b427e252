"""Vaults, credentials and automations on a memory state store: the routes as the server
routes them, without a server (the strict SDK drives them in
tests/integration/test_agents_vaults_api.py); and the redaction of a credential's
secrets, in the journal (``Endpoint.write_only``) and in recordings (by name)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.agents import automations, vaults
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.errors import APIError
from mockapi.model import Request
from mockapi.recording import redaction
from mockapi.replay.router import Router
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from tests.helpers import response_problems

ROUTER = Router((*vaults.ENDPOINTS, *automations.ENDPOINTS))
NOW = 1_700_000_000
OAUTH: dict[str, Any] = {
    "type": "mcp_oauth",
    "access_token": "acc-1",
    "mcp_server_url": "https://mcp.example",
    "expires_at": "2030-01-01T00:00:00Z",
    "refresh": {
        "client_id": "cid",
        "refresh_token": "ref-1",
        "token_endpoint": "https://auth.example/token",
        "token_endpoint_auth": {"type": "client_secret_basic", "client_secret": "cs-1"},
        "scope": "read",
    },
}
ENV_VAR: dict[str, Any] = {
    "type": "environment_variable",
    "secret_name": "API_KEY",
    "secret_value": "sv-1",
    "networking": {"type": "unrestricted"},
}
NEW_SESSION: dict[str, Any] = {
    "type": "new_session",
    "agent": {"model": "gpt-5.2"},
    "environment": {
        "type": "openai_hosted",
        "env": {"TOKEN": "hidden"},
        "setup_commands": [{"command": "make"}],
        "container_size": "small",
    },
    "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
}


class Api:
    """The routes over one memory store."""

    def __init__(self) -> None:
        self.state = ObjectStore()
        self.clock = Clock(self.state, wall=lambda: float(NOW))

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, query: Any = ()
    ) -> Any:
        endpoint, _ = ROUTER.resolve(method, path)
        assert endpoint is not None and endpoint.lookup is not None, f"no route {method} {path}"
        ctx = Context(
            request=Request(method, path, {}, tuple(query), json=body),
            endpoint=endpoint,
            params=ROUTER.params(endpoint, path),
            body=body or {},
            seed=0,
            state=self.state,
            models=DEFAULT_MODELS,
            synthesize=True,
            clock=self.clock,
            settings=Settings(),
        )
        answer = endpoint.lookup(ctx).body
        problems = response_problems(endpoint.key, answer)
        assert problems == [], problems
        return answer

    def vault(self) -> str:
        return str(self.call("POST", "/v1/vaults", {"name": "v"})["id"])

    def credential(self, vault_id: str, auth: dict[str, Any]) -> dict[str, Any]:
        body = {"name": "c", "auth": auth}
        return dict(self.call("POST", f"/v1/vaults/{vault_id}/credentials", body))


@pytest.fixture
def api() -> Api:
    return Api()


def test_credentials_show_their_configuration_and_keep_their_secrets_apart(api: Api) -> None:
    vault_id = api.vault()
    oauth = api.credential(vault_id, OAUTH)
    assert oauth["auth"]["refresh"] == {
        "client_id": "cid",
        "token_endpoint": "https://auth.example/token",
        "token_endpoint_auth": {"type": "client_secret_basic"},
        "resource": None,
        "scope": "read",
    }
    env = api.credential(vault_id, ENV_VAR)
    assert env["auth"] == {k: v for k, v in ENV_VAR.items() if k != "secret_value"}
    kept = json.dumps(api.state.values(vaults.CREDENTIALS))
    assert not [s for s in ("acc-1", "ref-1", "cs-1", "sv-1") if s in kept]
    secrets = api.state.get(vaults.SECRETS, oauth["id"])
    assert secrets == {"access_token": "acc-1", "refresh_token": "ref-1", "client_secret": "cs-1"}


def test_a_rotation_keeps_the_method_and_follows_the_expiry_rules(api: Api) -> None:
    vault_id = api.vault()
    made = api.credential(vault_id, OAUTH)
    path = f"/v1/vaults/{vault_id}/credentials/{made['id']}"
    scoped = api.call("POST", path, {"auth": {"type": "mcp_oauth", "refresh": {"scope": None}}})
    assert scoped["auth"]["expires_at"] == OAUTH["expires_at"], "kept without a new token"
    assert scoped["auth"]["refresh"]["scope"] is None
    fresh = api.call("POST", path, {"auth": {"type": "mcp_oauth", "access_token": "acc-2"}})
    assert fresh["auth"]["expires_at"] is None, "a new token clears the old expiry"
    assert (api.state.get(vaults.SECRETS, made["id"]) or {})["access_token"] == "acc-2"
    wrong = {
        "type": "mcp_oauth",
        "refresh": {"token_endpoint_auth": {"type": "client_secret_post"}},
    }
    with pytest.raises(APIError, match="client_secret_basic"):
        api.call("POST", path, {"auth": wrong})
    with pytest.raises(APIError, match=r"rotates with auth\.type 'mcp_oauth'"):
        api.call("POST", path, {"auth": {"type": "static_bearer", "token": "t"}})


@pytest.mark.parametrize(
    ("auth", "param"),
    [
        ({"type": "static_bearer", "token": "t", "mcp_server_url": "http://x"}, "mcp_server_url"),
        ({**ENV_VAR, "secret_name": "CODEX_HOME"}, "secret_name"),
        ({**ENV_VAR, "secret_name": "9LIVES"}, "secret_name"),
        ({**ENV_VAR, "secret_value": "a\nb"}, "secret_value"),
        ({**ENV_VAR, "networking": {"type": "limited", "allowed_hosts": ["a.x", "A.x"]}}, "hosts"),
        ({**ENV_VAR, "networking": {"type": "limited", "allowed_hosts": ["a.x:443"]}}, "hosts"),
        ({"type": "basic"}, "auth.type"),
    ],
)
def test_a_credential_the_api_refuses(api: Api, auth: dict[str, Any], param: str) -> None:
    vault_id = api.vault()
    with pytest.raises(APIError) as refused:
        api.credential(vault_id, auth)
    assert refused.value.status == 400 and param in (refused.value.param or "")


def test_lists_filter_and_a_vault_takes_its_credentials_with_it(api: Api) -> None:
    vault_id, other = api.vault(), api.vault()
    first = api.credential(vault_id, ENV_VAR)
    api.call("POST", f"/v1/vaults/{other}", {"metadata": {"team": "ops"}})
    found = api.call("GET", "/v1/vaults", query=(("metadata[team]", "ops"),))
    assert [v["id"] for v in found["data"]] == [other]
    archived = api.call("GET", "/v1/vaults", query=(("status[]", "archived"),))
    assert archived["data"] == []
    with pytest.raises(APIError, match="Supported values"):
        api.call("GET", "/v1/vaults", query=(("status", "gone"),))
    with pytest.raises(APIError) as missing:
        api.call("GET", f"/v1/vaults/{other}/credentials/{first['id']}")
    assert missing.value.status == 404, "a credential is found in its own vault only"
    api.call("DELETE", f"/v1/vaults/{vault_id}")
    assert api.state.get(vaults.CREDENTIALS, first["id"]) is None
    assert api.state.get(vaults.SECRETS, first["id"]) is None


def test_the_journal_and_recordings_mask_every_secret_of_a_credential() -> None:
    body = {"name": "c", "auth": {**OAUTH, "token": "short"}}
    masked, _ = redaction.redact_json(body, redaction.RedactionRules(json_paths=vaults.WRITE_ONLY))
    text = json.dumps(masked)
    assert not [s for s in ("acc-1", "ref-1", "cs-1", "short") if s in text]
    assert masked["auth"]["mcp_server_url"] == OAUTH["mcp_server_url"]
    recorded, _ = redaction.redact_json({"auth": {**ENV_VAR, "token": "x"}})
    assert (
        recorded["auth"]["secret_value"] == "REDACTED" and recorded["auth"]["token"] == "REDACTED"
    )
    assert recorded["auth"]["secret_name"] == "API_KEY"
    assert {path.rsplit(".", 1)[1] for path in vaults.WRITE_ONLY} == set(vaults.SECRET_FIELDS)
    write_only = {e.key: e.write_only for e in vaults.ENDPOINTS if e.write_only}
    assert set(write_only) == {
        "POST /v1/vaults/{vault_id}/credentials",
        "POST /v1/vaults/{vault_id}/credentials/{credential_id}",
    }


def test_an_automation_shows_its_target_without_confidential_parts(api: Api) -> None:
    made = api.call(
        "POST",
        "/v1/agents/automations",
        {"type": "periodic", "name": " n ", "expression": "0  9 * * *", "timezone": "UTC",
         "target": NEW_SESSION},
    )  # fmt: skip
    assert made["name"] == "n" and made["expression"] == "0 9 * * *"
    environment = made["target"]["environment"]
    assert "env" not in environment and "setup_commands" not in environment
    assert environment["container_size"] == "small"
    assert made["target"]["agent"]["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert made["target"]["input"][0]["type"] == "message"
    kept = api.state.get(automations.TARGETS, made["id"]) or {}
    assert kept["environment"]["env"] == {"TOKEN": "hidden"}, "kept to start each session"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"type": "periodic", "expression": "every day", "timezone": "UTC"}, "expression"),
        ({"type": "periodic", "expression": "0 9 * * *", "timezone": "Mars/Base"}, "timezone"),
        ({"type": "once", "run_at": NOW - 1}, "run_at"),
        ({"type": "hourly"}, "type"),
        (
            {"type": "once", "run_at": NOW + 60, "target": {**NEW_SESSION, "agent_id": "a"}},
            "target",
        ),
    ],
)
def test_an_automation_the_api_refuses(api: Api, body: dict[str, Any], param: str) -> None:
    with pytest.raises(APIError) as refused:
        api.call("POST", "/v1/agents/automations", {"name": "n", "target": NEW_SESSION, **body})
    assert refused.value.status == 400 and refused.value.param == param


def test_updates_keep_an_automations_kind_and_target_type(api: Api) -> None:
    body = {"type": "once", "name": "n", "run_at": NOW + 60, "target": NEW_SESSION}
    made = api.call("POST", "/v1/agents/automations", body)
    path = f"/v1/agents/automations/{made['id']}"
    with pytest.raises(APIError, match="not accepted for a once automation"):
        api.call("POST", path, {"timezone": "UTC"})
    other = {"type": "existing_session", "session_id": "s", "instructions": "i"}
    with pytest.raises(APIError, match="keeps its target's type"):
        api.call("POST", path, {"target": other})
    moved = api.call("POST", path, {"run_at": NOW + 120, "metadata": {"k": "v"}})
    assert (moved["run_at"], moved["metadata"]) == (NOW + 120, {"k": "v"})
    assert api.call("POST", path + "/pause")["status"] == "paused"
    assert api.call("POST", path + "/resume")["status"] == "active"
    api.call("DELETE", path)
    with pytest.raises(APIError) as gone:
        api.call("GET", path + "/invocations")
    assert gone.value.status == 404 and api.state.get(automations.TARGETS, made["id"]) is None
