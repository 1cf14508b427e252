"""The Administration API's keys and settings on a real server, driven through
``client.admin.organization`` with strict response validation and an admin key: a
service account and its key made in a project (the secret shown once, then working on
``/v1/chat/completions`` under ``--api-key`` and owned by its project, then revoked),
admin keys made, used, listed and deleted, certificates activated, spend alerts from
creation to deletion, the requests the API refuses, and the 404s. Every answer the
server sends is checked against the derived schemas as it arrives."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.endpoints.admin import keys
from mockapi.replay.router import Router
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client
from tests.unit.endpoints.test_admin_keys import CERT_2027

ADMIN_KEY = "sk-admin-keys-test"
API_KEY = "sk-proj-keys-test"
CHAT: Any = [{"role": "user", "content": "Hello"}]  # the bundled greeting fixture
CHANNEL: Any = {"type": "email", "recipients": ["ops@example.com"]}
PREFIXED: Any = {**CHANNEL, "subject_prefix": "[spend]"}
ROUTER = Router()


class SchemaCheck:
    """Checks every 200 answer against the derived schemas of its route as it arrives."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: set[str] = set()

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        endpoint = ROUTER.resolve(response.request.method, response.request.url.path)[0]
        if endpoint is None or response.status_code != 200:
            return
        self.checked.add(endpoint.key)
        found = response_problems(endpoint.key, response.json())
        self.problems += [f"{endpoint.key}: {problem}" for problem in found]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """Ordinary and admin keys restricted, as a shared test server would run."""
    with running_server(api_keys=frozenset({API_KEY}), admin_api_keys=frozenset({ADMIN_KEY})) as s:
        yield s


@pytest.fixture
def checks() -> Iterator[SchemaCheck]:
    check = SchemaCheck()
    yield check
    assert check.problems == [], check.problems


@pytest.fixture
def admin(server: ServerThread, checks: SchemaCheck) -> Iterator[openai.OpenAI]:
    """The strict SDK with the admin key, every answer schema-checked, the state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    http = httpx.Client(event_hooks={"response": [checks]})
    with strict_client(server.url + "/v1", admin_api_key=ADMIN_KEY, http_client=http) as sdk:
        yield sdk


def test_a_service_account_key_is_shown_once_works_and_belongs_to_its_project(
    admin: openai.OpenAI, server: ServerThread, checks: SchemaCheck
) -> None:
    organization = admin.admin.organization
    project = organization.projects.create(name="Checkout")
    made = organization.projects.service_accounts.create(project.id, name="deployer")
    assert made.api_key is not None and made.role == "member"
    secret = made.api_key.value
    assert secret.startswith("sk-svcacct-") and made.id.startswith("svc_acct_")
    listed = organization.projects.api_keys.list(project.id)
    assert [(k.id, k.redacted_value) for k in listed] == [(made.api_key.id, keys.redacted(secret))]
    shown = organization.projects.api_keys.retrieve(made.api_key.id, project_id=project.id)
    assert secret not in shown.to_json() and shown.owner.service_account is not None
    assert shown.owner.service_account.name == "deployer"
    users = organization.projects.users.list(project.id)
    assert made.id in [u.id for u in users]

    with strict_client(server.url + "/v1", api_key=secret) as app:
        answer = app.chat.completions.create(model="gpt-4o-mini", messages=CHAT)
    assert answer.choices[0].message.content
    owner = keys.key_owner(server.replayer.state, secret)  # type: ignore[attr-defined]
    assert owner == {
        "project_id": project.id,
        "api_key_id": made.api_key.id,
        "service_account_id": made.id,
    }
    with strict_client(server.url + "/v1", api_key="sk-proj-never-issued") as stranger:
        with pytest.raises(openai.AuthenticationError):
            stranger.models.list()

    organization.projects.api_keys.delete(made.api_key.id, project_id=project.id)
    with strict_client(server.url + "/v1", api_key=secret) as app:
        with pytest.raises(openai.AuthenticationError) as revoked:
            app.chat.completions.create(model="gpt-4o-mini", messages=CHAT)
    assert "deleted through the Administration API" in revoked.value.message
    assert organization.projects.service_accounts.list(project.id).data[0].id == made.id
    assert "POST /v1/organization/projects/{project_id}/service_accounts" in checks.checked


def test_admin_keys_made_used_listed_and_deleted(
    admin: openai.OpenAI, server: ServerThread
) -> None:
    admin_keys = admin.admin.organization.admin_api_keys
    made = admin_keys.create(name="rotation", expires_in_seconds=86_400)
    assert made.value.startswith("sk-admin-") and made.redacted_value == keys.redacted(made.value)
    assert made.expires_at == made.created_at + 86_400
    with strict_client(server.url + "/v1", admin_api_key=made.value) as rotated:
        listed = rotated.admin.organization.admin_api_keys.list()
        assert [k.id for k in listed] == [made.id]
        assert "value" not in listed.data[0].to_dict()
        assert admin_keys.retrieve(made.id).name == "rotation"
        deleted = admin_keys.delete(made.id)
        assert (deleted.id, deleted.deleted) == (made.id, True)
        with pytest.raises(openai.AuthenticationError):
            rotated.admin.organization.admin_api_keys.list()
    with pytest.raises(openai.NotFoundError):
        admin_keys.retrieve(made.id)


def test_a_certificate_activated_for_the_organization_and_a_project(admin: openai.OpenAI) -> None:
    organization = admin.admin.organization
    project = organization.projects.create(name="mTLS")
    made = organization.certificates.create(certificate=CERT_2027, name="edge")
    assert made.object == "certificate" and made.certificate_details.expires_at is not None
    activated = organization.certificates.activate(certificate_ids=[made.id])
    assert [(c.id, c.active) for c in activated] == [(made.id, True)]
    assert [c.active for c in organization.certificates.list()] == [True]
    in_project = organization.projects.certificates.activate(project.id, certificate_ids=[made.id])
    assert [c.object for c in in_project] == ["organization.project.certificate"]
    with pytest.raises(openai.BadRequestError):
        organization.certificates.delete(made.id)
    organization.certificates.deactivate(certificate_ids=[made.id])
    organization.projects.certificates.deactivate(project.id, certificate_ids=[made.id])
    assert organization.certificates.delete(made.id).id == made.id
    with pytest.raises(openai.BadRequestError) as refused:
        organization.certificates.create(certificate="-----BEGIN CERTIFICATE-----\nxx")
    assert refused.value.param == "certificate"


def test_a_spend_alert_from_creation_to_deletion(admin: openai.OpenAI) -> None:
    alerts = admin.admin.organization.spend_alerts
    made = alerts.create(
        threshold_amount=50_000, currency="USD", interval="month", notification_channel=CHANNEL
    )
    assert made.object == "organization.spend_alert" and made.threshold_amount == 50_000
    assert [a.id for a in alerts.list()] == [made.id]
    changed = alerts.update(
        made.id,
        threshold_amount=75_000,
        currency="USD",
        interval="month",
        notification_channel=PREFIXED,
    )
    assert alerts.retrieve(made.id).notification_channel.subject_prefix == "[spend]"
    assert changed.threshold_amount == 75_000
    assert alerts.delete(made.id).deleted is True
    assert alerts.list().data == []
    with pytest.raises(openai.BadRequestError) as refused:
        alerts.create(
            threshold_amount=1,
            currency="EUR",  # type: ignore[arg-type]
            interval="month",
            notification_channel=CHANNEL,
        )
    assert refused.value.param == "currency"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda o, p: o.projects.service_accounts.retrieve("svc_acct_x", project_id=p),
            "svc_acct_x",
        ),
        (lambda o, p: o.projects.api_keys.retrieve("key_x", project_id=p), "key_x"),
        (lambda o, p: o.projects.service_accounts.list("proj_nope"), "proj_nope"),
        (lambda o, p: o.certificates.retrieve("cert_x"), "cert_x"),
        (lambda o, p: o.spend_alerts.retrieve("alert_x"), "alert_x"),
        (lambda o, p: o.projects.spend_alerts.delete("alert_x", project_id=p), "alert_x"),
        (lambda o, p: o.admin_api_keys.delete("key_x"), "key_x"),
        (lambda o, p: o.workload_identity_providers.retrieve("wip_x"), "wip_x"),
        (lambda o, p: o.external_keys.validate("extkey_x"), "extkey_x"),
        (lambda o, p: o.health.alerts.retrieve("alert_x"), "alert_x"),
    ],
)
def test_an_unknown_id_is_the_apis_404(admin: openai.OpenAI, call: object, message: str) -> None:
    organization = admin.admin.organization
    project = organization.projects.create(name="Lookups")
    with pytest.raises(openai.NotFoundError) as missing:
        call(organization, project.id)  # type: ignore[operator]
    detail = missing.value.body["message"]  # type: ignore[index]
    assert detail.startswith("No such ") and detail.endswith(f" object: {message}")


def test_an_sdk_only_route_checks_its_request_like_the_others(admin: openai.OpenAI) -> None:
    rules = admin.admin.organization.health.alert_rules
    incomplete: Any = {"type": "error_rate", "threshold": 0.1}  # no window_seconds
    with pytest.raises(openai.BadRequestError) as refused:
        rules.create(name="errors", condition=incomplete)
    assert refused.value.param == "condition.window_seconds"
    made = rules.create(
        name="errors", condition={"type": "error_rate", "threshold": 0.1, "window_seconds": 300}
    )
    with pytest.raises(openai.ConflictError):
        rules.update(made.id, expected_version=7, enabled=False)


def test_service_accounts_through_the_async_client(server: ServerThread) -> None:
    async def run() -> list[str]:
        async with strict_async_client(server.url + "/v1", admin_api_key=ADMIN_KEY) as sdk:
            projects = sdk.admin.organization.projects
            project = await projects.create(name="Async")
            made = await projects.service_accounts.create(project.id, name="worker")
            key = await projects.service_accounts.api_keys.create(
                made.id, project_id=project.id, name="second"
            )
            listed = projects.api_keys.list(project.id)
            return [k.name async for k in listed] + [key.value[:11]]

    server.replayer.reset()  # type: ignore[attr-defined]
    assert asyncio.run(run()) == ["Secret Key", "second", "sk-svcacct-"]
