"""Workload identity providers (``/v1/organization/workload_identity_providers``) and their
federation rules: keyless authentication of a project's service accounts from an OIDC
issuer's tokens.

* Providers: ``POST`` (``name``, ``type`` ``oidc``, ``issuer``, ``audience``; optional
  ``description``, ``enabled`` (true), ``attribute_transformations`` ([]),
  ``verification`` (discovery from the issuer by default)) makes an
  ``organization.workload_identity_provider`` (``wip_...``) with ``created_at`` and
  ``updated_at``; ``GET`` lists them oldest first (``after``/``limit``/``order``;
  ``has_more``); ``GET``/``POST``/``DELETE .../{id}`` retrieve, update (the fields
  given, the rest kept; ``updated_at`` moves) and delete one, which must have no
  federation rule left (the SDK: "Delete a provider after deleting all its federation
  rules"; a 400 otherwise).
* Federation rules (``.../{provider_id}/federation_rules``): ``attribute_matchers``
  (claim -> value), ``project_id`` and ``service_account_id`` (a service account of
  that project: the 404s otherwise), optional ``name``, ``description``, ``enabled``
  (true) and ``permissions`` (``service_account_default``, or ``restricted`` with
  ``scopes``): ``organization.workload_identity_federation_rule`` (``wifr_...``); listed
  (``service_account_id`` filters), retrieved, updated, deleted. A rule goes with its
  service account.

No token is exchanged: the mock keeps the configuration (token exchange happens outside
the REST API). Audit events: ``workload_identity_provider.created``/``.updated``/
``.deleted`` and ``workload_identity_provider_mapping.created``/``.updated``/``.deleted``
for rules.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.admin import org, project_keys, scoped
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state.store import StateStore

PROVIDERS = org.kind("workload_identity_providers")
RULES = org.kind("federation_rules")
_PROVIDER_FIELDS = (
    "name", "type", "issuer", "audience", "description", "enabled",
    "attribute_transformations", "verification",
)  # fmt: skip
_RULE_FIELDS = ("attribute_matchers", "name", "description", "enabled", "permissions")


def create_provider(ctx: Context) -> FixtureResponse:
    """``POST /organization/workload_identity_providers``."""
    now = ctx.clock.seconds()
    provider_id = org.new_id(ctx, "wip_")
    record: dict[str, Any] = {
        "id": provider_id,
        "object": "organization.workload_identity_provider",
        "type": "oidc",
        "description": None,
        "enabled": True,
        "attribute_transformations": [],
        "verification": {"type": "discovery", "discovery_url": None},
        "created_at": now,
        "updated_at": now,
    }
    given = {k: ctx.body[k] for k in _PROVIDER_FIELDS if ctx.body.get(k) is not None}
    record.update(given)
    ctx.state.put(PROVIDERS, provider_id, record)
    audit(ctx, "workload_identity_provider.created", {"id": provider_id, "data": given})
    return FixtureResponse(body=record)


def list_providers(ctx: Context) -> FixtureResponse:
    """``GET /organization/workload_identity_providers``: a page, oldest first."""
    return FixtureResponse(body=org.page(ctx, PROVIDERS))


def retrieve_provider(ctx: Context) -> FixtureResponse:
    """``GET .../workload_identity_providers/{workload_identity_provider_id}``."""
    return FixtureResponse(body=_provider(ctx))


def update_provider(ctx: Context) -> FixtureResponse:
    """``POST .../{workload_identity_provider_id}``: the given fields changed."""
    record = _provider(ctx)
    changes = {k: ctx.body[k] for k in _PROVIDER_FIELDS if k in ctx.body and k != "type"}
    record.update(changes)
    record["updated_at"] = ctx.clock.seconds()
    ctx.state.put(PROVIDERS, str(record["id"]), record)
    details = {"id": record["id"], "changes_requested": changes}
    audit(ctx, "workload_identity_provider.updated", details)
    return FixtureResponse(body=record)


def delete_provider(ctx: Context) -> FixtureResponse:
    """``DELETE .../{workload_identity_provider_id}``: a provider with no rules left."""
    record = _provider(ctx)
    rules = [r for r in ctx.state.values(RULES) if _of(r, str(record["id"]))]
    if rules:
        raise APIError(
            400,
            f"Workload identity provider {record['id']} still has {len(rules)} federation "
            "rule(s). Delete its federation rules first.",
        )
    ctx.state.delete(PROVIDERS, str(record["id"]))
    audit(ctx, "workload_identity_provider.deleted", {"id": record["id"], "name": record["name"]})
    body = {
        "id": record["id"],
        "object": "organization.workload_identity_provider.deleted",
        "deleted": True,
    }
    return FixtureResponse(body=body)


def _provider(ctx: Context) -> dict[str, Any]:
    provider_id = ctx.params["workload_identity_provider_id"]
    return scoped.owned(ctx, PROVIDERS, provider_id, "Workload identity provider")


def _of(rule: Any, provider_id: str) -> bool:
    return isinstance(rule, dict) and rule.get("workload_identity_provider_id") == provider_id


def create_rule(ctx: Context) -> FixtureResponse:
    """``POST .../{workload_identity_provider_id}/federation_rules``."""
    provider_id = str(_provider(ctx)["id"])
    project_id = str(ctx.body.get("project_id") or "")
    if not isinstance(ctx.state.get(org.PROJECTS, project_id), dict):
        raise org.not_found("Project", project_id, param="project_id")
    account_id = str(ctx.body.get("service_account_id") or "")
    account = ctx.state.get(project_keys.SERVICE_ACCOUNTS, account_id)
    if not isinstance(account, dict) or account.get(scoped.PROJECT) != project_id:
        raise org.not_found("Service account", account_id, param="service_account_id")
    now = ctx.clock.seconds()
    rule_id = org.new_id(ctx, "wifr_")
    record: dict[str, Any] = {
        "id": rule_id,
        "object": "organization.workload_identity_federation_rule",
        "workload_identity_provider_id": provider_id,
        "project_id": project_id,
        "service_account_id": account_id,
        "attribute_matchers": {},
        "permissions": {"type": "service_account_default"},
        "name": None,
        "description": None,
        "enabled": True,
        "created_at": now,
        "updated_at": now,
    }
    given = {k: ctx.body[k] for k in _RULE_FIELDS if ctx.body.get(k) is not None}
    record.update(given)
    ctx.state.put(RULES, rule_id, record)
    details = {"id": rule_id, "identity_provider_id": provider_id, "data": given}
    audit(ctx, "workload_identity_provider_mapping.created", details, project_id=project_id)
    return FixtureResponse(body=record)


def list_rules(ctx: Context) -> FixtureResponse:
    """``GET .../federation_rules``: a page of the provider's rules."""
    where = {"workload_identity_provider_id": str(_provider(ctx)["id"])}
    account_id = dict(ctx.request.query).get("service_account_id")
    if account_id:
        where["service_account_id"] = account_id
    return FixtureResponse(body=org.page(ctx, RULES, where=where))


def retrieve_rule(ctx: Context) -> FixtureResponse:
    """``GET .../federation_rules/{workload_identity_federation_rule_id}``."""
    return FixtureResponse(body=_rule(ctx))


def update_rule(ctx: Context) -> FixtureResponse:
    """``POST .../federation_rules/{workload_identity_federation_rule_id}``."""
    record = _rule(ctx)
    changes = {k: ctx.body[k] for k in _RULE_FIELDS if k in ctx.body}
    record.update(changes)
    record["updated_at"] = ctx.clock.seconds()
    ctx.state.put(RULES, str(record["id"]), record)
    details = {
        "id": record["id"],
        "identity_provider_id": record["workload_identity_provider_id"],
        "changes_requested": changes,
    }
    audit(
        ctx,
        "workload_identity_provider_mapping.updated",
        details,
        project_id=str(record["project_id"]),
    )
    return FixtureResponse(body=record)


def delete_rule(ctx: Context) -> FixtureResponse:
    """``DELETE .../federation_rules/{workload_identity_federation_rule_id}``."""
    record = _rule(ctx)
    ctx.state.delete(RULES, str(record["id"]))
    details = {
        "id": record["id"],
        "identity_provider_id": record["workload_identity_provider_id"],
        "project_id": record["project_id"],
        "service_account_id": record["service_account_id"],
    }
    audit(
        ctx,
        "workload_identity_provider_mapping.deleted",
        details,
        project_id=str(record["project_id"]),
    )
    body = {
        "id": record["id"],
        "object": "organization.workload_identity_federation_rule.deleted",
        "deleted": True,
    }
    return FixtureResponse(body=body)


def _rule(ctx: Context) -> dict[str, Any]:
    provider_id = str(_provider(ctx)["id"])
    rule_id = ctx.params["workload_identity_federation_rule_id"]
    record = ctx.state.get(RULES, rule_id)
    if not isinstance(record, dict) or not _of(record, provider_id):
        raise org.not_found("Federation rule", rule_id)
    return record


def forget_account_rules(state: StateStore, service_account_id: str) -> None:
    """Delete the federation rules of a deleted service account."""
    for rule in state.values(RULES):
        if isinstance(rule, dict) and rule.get("service_account_id") == service_account_id:
            state.delete(RULES, str(rule["id"]))


_PROVIDERS = "/v1/organization/workload_identity_providers"
_PROVIDER = _PROVIDERS + "/{workload_identity_provider_id}"
_RULES = _PROVIDER + "/federation_rules"
_RULE = _RULES + "/{workload_identity_federation_rule_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _PROVIDERS, body=Body.JSON, lookup=create_provider),
    Endpoint("GET", _PROVIDERS, lookup=list_providers),
    Endpoint("GET", _PROVIDER, lookup=retrieve_provider),
    Endpoint("POST", _PROVIDER, body=Body.JSON, lookup=update_provider),
    Endpoint("DELETE", _PROVIDER, lookup=delete_provider),
    Endpoint("POST", _RULES, body=Body.JSON, lookup=create_rule),
    Endpoint("GET", _RULES, lookup=list_rules),
    Endpoint("GET", _RULE, lookup=retrieve_rule),
    Endpoint("POST", _RULE, body=Body.JSON, lookup=update_rule),
    Endpoint("DELETE", _RULE, lookup=delete_rule),
)
