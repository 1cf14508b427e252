"""The admin keys and settings families without a server: service accounts and their
keys (owners, revocation, project users), admin keys, a project key's update,
certificates, spend alerts and limits, settings, external keys and storage, workload
identity providers and health alert rules, with the API's refusals."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.admin import keys
from tests.unit.endpoints.admin_usage_state import Org
from tests.unit.endpoints.test_admin_keys import CERT_2027, CERT_2054

ORG = "/v1/organization"
PROJECT = ORG + "/projects/{project_id}"
ACCOUNTS = PROJECT + "/service_accounts"
ACCOUNT = ACCOUNTS + "/{service_account_id}"
KEY = PROJECT + "/api_keys/{api_key_id}"
CERTS = ORG + "/certificates"
CHANNEL = {"type": "email", "recipients": ["ops@example.com"]}
ALERT = {"threshold_amount": 1000, "currency": "USD", "interval": "month"}


@pytest.fixture
def org() -> Org:
    return Org()


def project(org: Org, name: str = "Web") -> str:
    return str(org.call(f"POST {ORG}/projects", {"name": name})["id"])


def account(org: Org, project_id: str, **body: Any) -> dict[str, Any]:
    made = org.call(f"POST {ACCOUNTS}", {"name": "bot", **body}, params={"project_id": project_id})
    return dict(made)


def test_a_service_accounts_first_key_is_its_owners_and_shown_once(org: Org) -> None:
    project_id = project(org)
    made = account(org, project_id)
    key, secret = made["api_key"], made["api_key"]["value"]
    owner = {"project_id": project_id, "api_key_id": key["id"], "service_account_id": made["id"]}
    assert keys.key_owner(org.state, secret, now=org.now) == owner
    params = {"project_id": project_id, "api_key_id": key["id"]}
    shown = org.call(f"GET {KEY}", params=params)
    assert "value" not in shown and shown["redacted_value"] == keys.redacted(secret)
    assert shown["owner"]["service_account"]["name"] == "bot"
    assert secret not in repr(org.state.values("admin.project_api_keys"))
    users = org.call(f"GET {PROJECT}/users", params={"project_id": project_id})["data"]
    assert {"id": made["id"], "email": None, "role": "member"}.items() <= users[-1].items()


def test_deleting_a_service_account_revokes_its_keys_and_leaves_the_users(org: Org) -> None:
    project_id = project(org)
    made = account(org, project_id)
    params = {"project_id": project_id, "service_account_id": made["id"]}
    second = org.call(f"POST {ACCOUNT}/api_keys", {"name": "ci"}, params=params)
    assert second["name"] == "ci" and second["value"].startswith("sk-svcacct-")
    listed = org.call(f"GET {PROJECT}/api_keys", params={"project_id": project_id})
    assert [k["id"] for k in listed["data"]] == [made["api_key"]["id"], second["id"]]
    gone = org.call(f"DELETE {ACCOUNT}", params=params)
    assert gone == {
        "object": "organization.project.service_account.deleted",
        "id": made["id"],
        "deleted": True,
    }
    for secret in (made["api_key"]["value"], second["value"]):
        assert keys.key_owner(org.state, secret, now=org.now) is None
        assert keys.refused(org.state, secret)
    users = org.call(f"GET {PROJECT}/users", params={"project_id": project_id})["data"]
    assert made["id"] not in [u["id"] for u in users]
    assert org.refused(f"GET {ACCOUNT}", params=params).status == 404


def test_a_service_account_only_has_no_key_and_no_expiry(org: Org) -> None:
    project_id = project(org)
    bare = account(org, project_id, create_service_account_only=True)
    assert bare["api_key"] is None
    body = {"name": "x", "create_service_account_only": True, "expires_in_seconds": 60}
    refused = org.refused(f"POST {ACCOUNTS}", body, params={"project_id": project_id})
    assert (refused.status, refused.param) == (400, "expires_in_seconds")


def test_an_archived_project_has_no_working_keys_nor_service_accounts(org: Org) -> None:
    project_id = project(org)
    secret = account(org, project_id)["api_key"]["value"]
    org.call(f"POST {PROJECT}/archive", params={"project_id": project_id})
    assert keys.refused(org.state, secret), "an archived project's keys stop working"
    for key, body in ((f"GET {ACCOUNTS}", None), (f"POST {ACCOUNTS}", {"name": "x"})):
        refused = org.refused(key, body, params={"project_id": project_id})
        assert (refused.status, refused.message) == (400, "Project is archived")
    assert org.refused(f"GET {ACCOUNTS}", params={"project_id": "proj_nope"}).status == 404


def test_a_project_keys_update_changes_what_it_names(org: Org) -> None:
    project_id = project(org)
    made = account(org, project_id, expires_in_seconds=60)
    params = {"project_id": project_id, "api_key_id": made["api_key"]["id"]}
    assert made["api_key"]["expires_at"] == int(org.now) + 60
    assert org.refused(f"POST {KEY}", {}, params=params).status == 400
    limit = {"threshold_amount": 500, "currency": "USD", "interval": "month"}
    updated = org.call(
        f"POST {KEY}", {"spend_limit": limit, "expires_in_seconds": 3600}, params=params
    )
    assert updated["spend_limit"] == {**limit, "enforcement": {"status": "enforcing"}}
    assert updated["expires_at"] == int(org.now) + 3600
    secret = made["api_key"]["value"]
    assert keys.key_owner(org.state, secret, now=org.now + 600) is not None, "expiry extended"
    cleared = org.call(f"POST {KEY}", {"spend_limit": None}, params=params)
    assert "spend_limit" not in cleared
    org.now += 7200
    expired = org.refused(f"POST {KEY}", {"scopes": []}, params=params)
    assert expired.status == 400 and "expired" in expired.message


def test_an_admin_keys_secret_is_shown_once_and_works_until_deleted(org: Org) -> None:
    made = org.call(f"POST {ORG}/admin_api_keys", {"name": "ci", "expires_in_seconds": 3600})
    secret = made["value"]
    assert secret.startswith("sk-admin-") and made["expires_at"] == int(org.now) + 3600
    assert keys.admin_key_id(org.state, secret, now=org.now) == made["id"]
    listed = org.call(f"GET {ORG}/admin_api_keys")["data"]
    assert [k["id"] for k in listed] == [made["id"]] and "value" not in listed[0]
    params = {"key_id": made["id"]}
    assert org.call(f"DELETE {ORG}/admin_api_keys/{{key_id}}", params=params)["deleted"] is True
    assert keys.admin_key_id(org.state, secret, now=org.now) is None
    assert keys.refused(org.state, secret)
    assert org.refused(f"GET {ORG}/admin_api_keys/{{key_id}}", params=params).status == 404


def certificate(org: Org, pem: str = CERT_2027, name: str = "c") -> str:
    return str(org.call(CERTS_POST, {"certificate": pem, "name": name})["id"])


CERTS_POST = f"POST {CERTS}"


def test_certificates_activate_all_or_none_and_go_only_when_inactive(org: Org) -> None:
    project_id = project(org)
    first, second = certificate(org), certificate(org, CERT_2054)
    refused = org.refused(f"POST {CERTS}/activate", {"certificate_ids": [first, "cert_nope"]})
    assert refused.status == 404
    assert [c["active"] for c in org.call(f"GET {CERTS}")["data"]] == [False, False]
    scope = {"project_id": project_id}
    activated = org.call(
        f"POST {PROJECT}/certificates/activate", {"certificate_ids": [second]}, params=scope
    )
    assert activated["object"] == "organization.project.certificate.activation"
    in_project = org.call(f"GET {PROJECT}/certificates", params=scope)["data"]
    assert [(c["id"], c["active"]) for c in in_project] == [(second, True), (first, False)]
    assert [c["active"] for c in org.call(f"GET {CERTS}")["data"]] == [False, False]
    blocked = org.refused(f"DELETE {CERTS}/{{certificate_id}}", params={"certificate_id": second})
    assert blocked.status == 400 and project_id in blocked.message
    shown = org.call(
        f"GET {CERTS}/{{certificate_id}}",
        params={"certificate_id": second},
        query=(("include[]", "content"),),
    )
    assert shown["object"] == "certificate" and "active" not in shown
    assert shown["certificate_details"]["content"] == CERT_2054
    gone = org.call(f"DELETE {CERTS}/{{certificate_id}}", params={"certificate_id": first})
    assert gone == {"object": "certificate.deleted", "id": first}


def test_a_certificate_must_be_pem_and_an_organization_holds_fifty(org: Org) -> None:
    refused = org.refused(CERTS_POST, {"certificate": "not a certificate"})
    assert (refused.status, refused.param) == (400, "certificate")
    for _ in range(50):
        certificate(org)
    assert org.refused(CERTS_POST, {"certificate": CERT_2027}).status == 400


def test_spend_alerts_belong_to_their_scope(org: Org) -> None:
    project_id = project(org)
    scope = {"project_id": project_id}
    made = org.call(
        f"POST {PROJECT}/spend_alerts", {**ALERT, "notification_channel": CHANNEL}, params=scope
    )
    assert made["object"] == "project.spend_alert"
    assert made["notification_channel"] == {**CHANNEL, "subject_prefix": None}
    assert org.call(f"GET {ORG}/spend_alerts")["data"] == []
    other = org.refused(f"GET {ORG}/spend_alerts/{{alert_id}}", params={"alert_id": made["id"]})
    assert other.status == 404
    for n in (2000, 3000):
        org.call(
            f"POST {ORG}/spend_alerts",
            {**ALERT, "threshold_amount": n, "notification_channel": CHANNEL},
        )
    newest = org.call(f"GET {ORG}/spend_alerts", query=(("order", "desc"), ("limit", "1")))
    assert [a["threshold_amount"] for a in newest["data"]] == [3000] and newest["has_more"]


def test_a_spend_limit_is_set_replaced_and_deleted(org: Org) -> None:
    assert org.refused(f"GET {ORG}/spend_limit").status == 404
    body = {**ALERT, "notification_channel": {"type": "email", "recipients": ["a@b.c"]}}
    made = org.call(f"POST {ORG}/spend_limit", body)
    assert made["enforcement"] == {"status": "enforcing"}
    kept = org.call(f"POST {ORG}/spend_limit", {**ALERT, "threshold_amount": 5})
    assert kept["threshold_amount"] == 5 and kept["notification_channel"]["recipients"] == ["a@b.c"]
    reset = org.call(f"POST {ORG}/spend_limit", {**ALERT, "notification_channel": None})
    assert reset["notification_channel"] is None
    assert org.call(f"DELETE {ORG}/spend_limit")["object"] == "organization.spend_limit.deleted"
    assert org.refused(f"DELETE {ORG}/spend_limit").status == 404


def test_settings_have_defaults_until_changed(org: Org) -> None:
    project_id = project(org)
    scope = {"project_id": project_id}
    assert org.call(f"GET {ORG}/data_retention")["type"] == "modified_abuse_monitoring"
    assert org.call(f"GET {PROJECT}/data_retention", params=scope)["type"] == "organization_default"
    tools = org.call(
        f"POST {PROJECT}/hosted_tool_permissions",
        {"mcp": {"enabled": False}, "web_search": None},
        params=scope,
    )
    assert tools["mcp"] == {"enabled": False} and tools["web_search"] == {"enabled": True}
    allow = {"mode": "allow_list", "model_ids": ["gpt-4o"]}
    assert org.call(f"POST {PROJECT}/model_permissions", allow, params=scope)["model_ids"] == [
        "gpt-4o"
    ]
    org.call(f"DELETE {PROJECT}/model_permissions", params=scope)
    assert org.call(f"GET {PROJECT}/model_permissions", params=scope)["mode"] == "deny_list"
    assert org.refused(f"POST {PROJECT}/service_tier_settings", {}, params=scope).status == 400
    tiers = org.call(f"POST {PROJECT}/service_tier_settings", {"enabled_tiers": []}, params=scope)
    assert (tiers["default"], tiers["enabled_tiers"]) == ("standard", [])


def test_an_external_key_names_the_organization_and_stays_while_used(org: Org) -> None:
    aws = {
        "type": "aws",
        "name": "kms",
        "kms_arn": "arn:aws:kms:x",
        "role_arn": "arn:aws:iam::1:role/r",
    }
    refused = org.refused(f"POST {ORG}/external_keys", {**aws, "external_id": "org-someone"})
    assert (refused.status, refused.param) == (400, "external_id")
    made = org.call(f"POST {ORG}/external_keys", {**aws, "external_id": "org-mockapi"})
    assert (made["purpose"], made["workspace_id"], made["api_project_ids"]) == (
        "ekm",
        "org-mockapi",
        [],
    )
    project_id = project(org)
    org.call(f"POST {PROJECT}", {"external_key_id": made["id"]}, params={"project_id": project_id})
    params = {"external_key_id": made["id"]}
    assert org.call(f"GET {ORG}/external_keys/{{external_key_id}}", params=params)[
        "api_project_ids"
    ] == [project_id]
    assert (
        org.refused(f"DELETE {ORG}/external_keys/{{external_key_id}}", params=params).status == 400
    )


def test_external_storage_is_validated_and_deleted_twice_alike(org: Org) -> None:
    project_id = project(org)
    provider = {"type": "aws", "bucket": "b", "role_arn": "arn:aws:iam::123456789012:role/r"}
    made = org.call(
        f"POST {ORG}/external_storage", {"project_id": project_id, "provider": provider}
    )
    assert made["status"] == "pending"
    assert made["provider"]["account_id"] == "123456789012"
    params = {"external_storage_id": made["id"]}
    one = f"{ORG}/external_storage/{{external_storage_id}}"
    assert org.call(f"POST {one}/validate", params=params)["status"] == "validated"
    first = org.call(f"DELETE {one}", params=params)
    assert org.call(f"DELETE {one}", params=params) == first
    assert org.refused(f"GET {one}", params=params).status == 404
    assert org.call(f"GET {ORG}/external_storage")["data"] == []


def test_a_provider_goes_after_its_rules_and_a_rule_with_its_account(org: Org) -> None:
    project_id = project(org)
    wip = org.call(
        f"POST {ORG}/workload_identity_providers",
        {"name": "gh", "type": "oidc", "issuer": "https://i", "audience": "a"},
    )
    rules = f"{ORG}/workload_identity_providers/{{workload_identity_provider_id}}/federation_rules"
    at = {"workload_identity_provider_id": wip["id"]}
    stranger = {
        "attribute_matchers": {"sub": "x"},
        "project_id": project_id,
        "service_account_id": "svc_acct_nope",
    }
    assert org.refused(f"POST {rules}", stranger, params=at).param == "service_account_id"
    bot = account(org, project_id)
    org.call(f"POST {rules}", {**stranger, "service_account_id": bot["id"]}, params=at)
    refused = org.refused(
        f"DELETE {ORG}/workload_identity_providers/{{workload_identity_provider_id}}", params=at
    )
    assert refused.status == 400
    org.call(
        f"DELETE {ACCOUNT}", params={"project_id": project_id, "service_account_id": bot["id"]}
    )
    assert org.call(f"GET {rules}", params=at)["data"] == []
    org.call(
        f"DELETE {ORG}/workload_identity_providers/{{workload_identity_provider_id}}", params=at
    )


def test_health_alert_rules_are_versioned_and_paged_by_token(org: Org) -> None:
    rules, rule = f"{ORG}/health/alert_rules", f"{ORG}/health/alert_rules/{{alert_rule_id}}"
    made = [
        org.call(
            f"POST {rules}",
            {"name": f"r{n}", "condition": {"type": "rate_limit_utilization", "metric": "rpm"}},
        )
        for n in range(3)
    ]
    assert made[0]["condition"] == {
        "type": "rate_limit_utilization",
        "metric": "rpm",
        "consecutive_minutes": 1,
        "threshold": 0.8,
    }
    first = org.call(f"GET {rules}", query=(("limit", "2"),))
    assert [r["name"] for r in first["data"]] == ["r0", "r1"] and first["has_more"]
    rest = org.call(f"GET {rules}", query=(("limit", "2"), ("page", first["next"])))
    assert [r["name"] for r in rest["data"]] == ["r2"] and rest["next"] is None
    params = {"alert_rule_id": made[0]["id"]}
    stale = org.refused(f"POST {rule}", {"expected_version": 2, "enabled": False}, params=params)
    assert (stale.status, stale.param) == (409, "expected_version")
    updated = org.call(f"POST {rule}", {"expected_version": 1, "enabled": False}, params=params)
    assert (updated["version"], updated["enabled"]) == (2, False)
    assert [r["name"] for r in org.call(f"GET {rules}", query=(("enabled", "false"),))["data"]] == [
        "r0"
    ]
    assert (
        org.refused(f"DELETE {rule}", params=params, query=(("expected_version", "1"),)).status
        == 409
    )
    unversioned = org.refused(f"DELETE {rule}", params=params)
    assert (unversioned.status, unversioned.param) == (400, "expected_version")
    org.call(f"DELETE {rule}", params=params, query=(("expected_version", "2"),))
    missing = org.refused(f"GET {ORG}/health/alerts/{{alert_id}}", params={"alert_id": "alert_x"})
    assert missing.status == 404
