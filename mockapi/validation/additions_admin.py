"""The Administration API operations the spec lacks, declared from the SDK's types
(``openai`` 3.63: ``openai/types/admin/organization/...``) for
:func:`mockapi.validation.additions.extend`.

Each schema follows the SDK model or params TypedDict of the same name field for field:
``Required[...]`` and non-Optional model fields are ``required``; ``Optional`` is
nullable. Nothing else is assumed; where the SDK leaves a value open (``object: str``)
the schema does too.
"""

from __future__ import annotations

from typing import Any

from mockapi.validation import additions_health
from mockapi.validation.additions import (
    BOOL,
    INT,
    STR,
    STRS,
    Operation,
    cursor_list,
    deleted,
    enum,
    nullable,
    obj,
)

WHY = (
    "mockapi: not in the OpenAI spec; declared from the official SDK's types "
    "(openai-python 3.63, openai/types/admin/organization)"
)


_PURPOSE = enum("ekm", "psp_decryption")
_EXTERNAL_KEY_FIELDS = (
    "audience",
    "external_id",
    "key_name",
    "key_ocid",
    "key_version",
    "key_version_ocid",
    "kms_arn",
    "kms_key_location",
    "kms_key_name",
    "kms_key_ring_name",
    "kms_key_version",
    "kms_project_id",
    "region",
    "role_arn",
    "tenant_id",
    "vault_ocid",
    "vault_uri",
    "workload_identity_pool_id",
    "workload_identity_project_number",
    "workload_identity_provider_id",
)
_KEY_PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (required fields besides name and type, optional ones besides purpose)
    "aws": (("external_id", "kms_arn", "role_arn"), ()),
    "gcp": (
        (
            "audience",
            "kms_key_location",
            "kms_key_name",
            "kms_key_ring_name",
            "kms_project_id",
            "workload_identity_pool_id",
            "workload_identity_project_number",
            "workload_identity_provider_id",
        ),
        ("kms_key_version",),
    ),
    "azure": (("key_name", "tenant_id", "vault_uri"), ("key_version",)),
    "oci": (("key_ocid", "region", "vault_ocid"), ("key_version_ocid",)),
}
_STORAGE_PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (fields a create gives, fields the answer adds)
    "aws": (("bucket", "role_arn"), ("account_id", "external_id", "region")),
    "azure": (
        ("account_name", "container", "resource_group", "subscription_id", "tenant_id"),
        ("region",),
    ),
    "gcp": (
        (
            "bucket",
            "workload_identity_pool_id",
            "workload_identity_project_number",
            "workload_identity_provider_id",
        ),
        ("audience", "region"),
    ),
    "oci": (("bucket", "region", "tenancy_ocid"), ()),
}


def _key_request(kind: str) -> dict[str, Any]:
    required, optional = _KEY_PROVIDERS[kind]
    fields = {name: STR for name in (*required, *optional)}
    return obj(("name", "type", *required), name=STR, type=enum(kind), purpose=_PURPOSE, **fields)


def _storage(kind: str, *, answer: bool) -> dict[str, Any]:
    given, added = _STORAGE_PROVIDERS[kind]
    names = (*given, *added) if answer else given
    return obj(("type", *names), type=enum(kind), **{name: STR for name in names})


_TRANSFORMATION = obj(("attribute", "expression"), attribute=STR, expression=STR)
_VERIFICATION = {
    "oneOf": [
        obj(("type", "discovery_url"), type=enum("discovery"), discovery_url=nullable(STR)),
        obj(("type", "jwks"), type=enum("uploaded_jwks"), jwks={"type": "object"}),
    ]
}
_PROVIDER_FIELDS: dict[str, dict[str, Any]] = {
    "attribute_transformations": {"type": "array", "items": _TRANSFORMATION},
    "audience": STR,
    "description": nullable(STR),
    "enabled": BOOL,
    "issuer": STR,
    "name": STR,
    "verification": _VERIFICATION,
}
_PERMISSIONS = {
    "oneOf": [
        obj(("type",), type=enum("service_account_default")),
        obj(("type", "scopes"), type=enum("restricted"), scopes=STRS),
    ]
}
_MATCHERS = {
    "type": "object",
    "additionalProperties": {"type": ["string", "boolean", "integer", "number"]},
}
_RULE_FIELDS: dict[str, dict[str, Any]] = {
    "attribute_matchers": _MATCHERS,
    "description": nullable(STR),
    "enabled": BOOL,
    "name": nullable(STR),
    "permissions": _PERMISSIONS,
}


_OPTIONAL_TIERS = enum("flex", "fast", "ultrafast")
_SPEND_LIMIT = obj(
    ("currency", "interval", "threshold_amount"),
    currency=enum("USD"),
    interval=enum("month"),
    threshold_amount=INT,
)

COMPONENTS: dict[str, Any] = {
    "ExternalKey": obj(
        ("id", "api_project_ids", "created_at", "name", "object", "type", "workspace_id"),
        id=STR,
        api_project_ids=STRS,
        created_at=INT,
        name=STR,
        object=STR,
        type=STR,
        workspace_id=STR,
        purpose=nullable(_PURPOSE),
        **{name: nullable(STR) for name in _EXTERNAL_KEY_FIELDS},
    ),
    "ExternalKeyList": cursor_list("ExternalKey"),
    "ExternalKeyCreateRequest": {"oneOf": [_key_request(kind) for kind in _KEY_PROVIDERS]},
    "ExternalKeyValidateResponse": obj(("status",), status=STR),
    "ExternalStorageConfiguration": obj(
        ("id", "created_at", "geography", "object", "project_id", "provider", "status"),
        id=STR,
        created_at=INT,
        geography=STR,
        object=enum("organization.external_storage"),
        project_id=STR,
        provider={"oneOf": [_storage(kind, answer=True) for kind in _STORAGE_PROVIDERS]},
        status=enum("pending", "validated", "degraded", "unhealthy"),
    ),
    "ExternalStorageList": cursor_list("ExternalStorageConfiguration"),
    "ExternalStorageCreateRequest": obj(
        ("project_id", "provider"),
        project_id=STR,
        provider={"oneOf": [_storage(kind, answer=False) for kind in _STORAGE_PROVIDERS]},
    ),
    "ExternalStorageDeleted": deleted("organization.external_storage.deleted"),
    "WorkloadIdentityProvider": obj(
        (
            "id",
            "attribute_transformations",
            "audience",
            "created_at",
            "enabled",
            "issuer",
            "name",
            "object",
            "type",
            "updated_at",
            "verification",
        ),
        id=STR,
        created_at=INT,
        updated_at=INT,
        object=enum("organization.workload_identity_provider"),
        type=enum("oidc"),
        **_PROVIDER_FIELDS,
    ),
    "WorkloadIdentityProviderList": cursor_list("WorkloadIdentityProvider"),
    "WorkloadIdentityProviderCreateRequest": obj(
        ("audience", "issuer", "name", "type"), type=enum("oidc"), **_PROVIDER_FIELDS
    ),
    "WorkloadIdentityProviderUpdateRequest": obj(**_PROVIDER_FIELDS),
    "WorkloadIdentityProviderDeleted": deleted("organization.workload_identity_provider.deleted"),
    "FederationRule": obj(
        (
            "id",
            "attribute_matchers",
            "created_at",
            "enabled",
            "object",
            "permissions",
            "project_id",
            "service_account_id",
            "updated_at",
            "workload_identity_provider_id",
        ),
        id=STR,
        created_at=INT,
        updated_at=INT,
        object=enum("organization.workload_identity_federation_rule"),
        project_id=STR,
        service_account_id=STR,
        workload_identity_provider_id=STR,
        **_RULE_FIELDS,
    ),
    "FederationRuleList": cursor_list("FederationRule"),
    "FederationRuleCreateRequest": obj(
        ("attribute_matchers", "project_id", "service_account_id"),
        project_id=STR,
        service_account_id=STR,
        **_RULE_FIELDS,
    ),
    "FederationRuleUpdateRequest": obj(**_RULE_FIELDS),
    "FederationRuleDeleted": deleted("organization.workload_identity_federation_rule.deleted"),
    "ProjectServiceTierSettings": obj(
        ("default", "enabled_tiers", "object"),
        default=enum("standard", "fast", "scale"),
        enabled_tiers={"anyOf": [enum("all"), {"type": "array", "items": _OPTIONAL_TIERS}]},
        object=enum("project.service_tier_settings"),
    ),
    "ProjectServiceTierSettingsUpdateRequest": obj(
        default=enum("standard", "fast", "scale"),
        enabled_tiers={"anyOf": [enum("all"), {"type": "array", "items": _OPTIONAL_TIERS}]},
    ),
    "ProjectApiKeyUpdateRequest": obj(
        expires_in_seconds=INT, scopes=STRS, spend_limit=nullable(_SPEND_LIMIT)
    ),
    **additions_health.COMPONENTS,
}

_ORG = "/organization"
_KEYS = _ORG + "/external_keys"
_STORAGE = _ORG + "/external_storage"
_STORAGE_ONE = _STORAGE + "/{external_storage_id}"
_WIP = _ORG + "/workload_identity_providers"
_RULES = _WIP + "/{workload_identity_provider_id}/federation_rules"
_PAGING: tuple[tuple[str, dict[str, Any]], ...] = (
    ("after", STR),
    ("limit", INT),
    ("order", enum("asc", "desc")),
)


def _crud(
    base: str, one: str, item: str, *, update: str | None = None, query: tuple[Any, ...] = ()
) -> tuple[Operation, ...]:
    """create, list, retrieve, delete (and update when the SDK has it) of ``item``."""
    operations = [
        Operation("POST", base, WHY, request=f"{item}CreateRequest", response=item),
        Operation("GET", base, WHY, response=f"{item}List", query=_PAGING + query),
        Operation("GET", base + one, WHY, response=item),
        Operation("DELETE", base + one, WHY, response=f"{item}Deleted"),
    ]
    if update is not None:
        operations.append(Operation("POST", base + one, WHY, request=update, response=item))
    return tuple(operations)


_PROJECT = _ORG + "/projects/{project_id}"
OPERATIONS: tuple[Operation, ...] = (
    *_crud(_KEYS, "/{external_key_id}", "ExternalKey", query=(("purpose", _PURPOSE),))[:3],
    Operation("DELETE", _KEYS + "/{external_key_id}", WHY, response="ExternalKey"),
    Operation(
        "POST", _KEYS + "/{external_key_id}/validate", WHY, response="ExternalKeyValidateResponse"
    ),
    Operation(
        "POST",
        _STORAGE,
        WHY,
        request="ExternalStorageCreateRequest",
        response="ExternalStorageConfiguration",
    ),
    Operation(
        "GET",
        _STORAGE,
        WHY,
        response="ExternalStorageList",
        query=(
            *_PAGING,
            ("project_id", nullable(STR)),
        ),
    ),
    Operation("GET", _STORAGE_ONE, WHY, response="ExternalStorageConfiguration"),
    Operation("DELETE", _STORAGE_ONE, WHY, response="ExternalStorageDeleted"),
    Operation("POST", _STORAGE_ONE + "/validate", WHY, response="ExternalStorageConfiguration"),
    *_crud(
        _WIP,
        "/{workload_identity_provider_id}",
        "WorkloadIdentityProvider",
        update="WorkloadIdentityProviderUpdateRequest",
    ),
    *_crud(
        _RULES,
        "/{workload_identity_federation_rule_id}",
        "FederationRule",
        update="FederationRuleUpdateRequest",
        query=(("service_account_id", STR),),
    ),
    *additions_health.OPERATIONS,
    Operation(
        "GET", _PROJECT + "/service_tier_settings", WHY, response="ProjectServiceTierSettings"
    ),
    Operation(
        "POST",
        _PROJECT + "/service_tier_settings",
        WHY,
        request="ProjectServiceTierSettingsUpdateRequest",
        response="ProjectServiceTierSettings",
    ),
    Operation(
        "POST",
        _PROJECT + "/api_keys/{api_key_id}",
        WHY,
        request="ProjectApiKeyUpdateRequest",
        response="ProjectApiKey",
    ),
)
"""Every admin addition: 35 operations of ``client.admin.organization`` (the health
ones from :mod:`.additions_health`)."""
