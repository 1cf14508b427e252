"""External keys and external storage: the organization's customer-managed encryption
keys (``/v1/organization/external_keys``) and a project's customer-managed storage
(``/v1/organization/external_storage``).

**External keys.** ``POST`` registers a key in AWS KMS, GCP KMS, Azure Key Vault or OCI
Vault (``type`` and that provider's fields, a ``name``, ``purpose`` ``ekm`` by default
or ``psp_decryption``): an ``organization.external_key`` (``extkey_...``) echoing the
configuration, its ``workspace_id`` the organization's id and ``api_project_ids`` the
projects that use it (a project's ``external_key_id``). AWS's ``external_id`` and GCP's
``audience`` must be the organization's id or one of its projects' (as the SDK
documents; another value is a 400 naming it). ``GET`` lists them oldest first
(``purpose`` filters; ``after``/``limit``; ``has_more``), ``GET``/``DELETE
.../{id}`` retrieve and remove one (the answer is the key as it was; a key a project
still uses cannot go: 400), and ``POST .../{id}/validate`` answers ``{"status":
"valid"}``: the mock reaches no KMS, so every registered key is taken as reachable
(assumed). Audit events: ``external_key.registered``, ``external_key.removed``.

**External storage.** ``POST`` connects a bucket of a project (``project_id``, which
must exist, and ``provider``: AWS S3, Azure Blob, GCS or OCI Object Storage): an
``organization.external_storage`` (``extstore_...``), ``status`` ``pending`` until
``POST .../{id}/validate`` (then ``validated``), ``geography`` the project's (``us``
when it has none). The provider is echoed with what OpenAI adds: AWS's ``account_id``
(read from ``role_arn``) and ``external_id`` (the project's id), GCP's ``audience``
(the project's id) and a ``region`` for each (``us-east-1``, ``eastus``,
``us-central1``, or OCI's own; assumed: the mock has no bucket to ask). ``GET`` lists
them (``project_id`` filters), ``GET .../{id}`` retrieves one, ``DELETE`` disconnects it
(``organization.external_storage.deleted``); deleting it again answers the same, as
the SDK documents ("repeating a deletion also completes any interrupted retention
update"). The spec names no audit event type for storage, so none is recorded.
"""

from __future__ import annotations

import re
from typing import Any

from mockapi.endpoints.admin import org, scoped
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KEYS = org.kind("external_keys")
STORAGE = org.kind("external_storage")
"""State kinds; a disconnected storage configuration stays (``_status``
``disconnected``), so that a repeated delete answers the same."""
KEY_FIELDS = {
    "aws": ("external_id", "kms_arn", "role_arn"),
    "gcp": (
        "audience", "kms_key_location", "kms_key_name", "kms_key_ring_name", "kms_project_id",
        "workload_identity_pool_id", "workload_identity_project_number",
        "workload_identity_provider_id", "kms_key_version",
    ),
    "azure": ("key_name", "tenant_id", "vault_uri", "key_version"),
    "oci": ("key_ocid", "region", "vault_ocid", "key_version_ocid"),
}  # fmt: skip
"""Each provider's configuration fields, as the SDK's create parameters name them."""
_REGIONS = {"aws": "us-east-1", "azure": "eastus", "gcp": "us-central1"}
_ACCOUNT = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):")


def create_key(ctx: Context) -> FixtureResponse:
    """``POST /organization/external_keys``: a key configuration registered."""
    kind = str(ctx.body.get("type") or "")
    for field in ("external_id", "audience"):
        given = ctx.body.get(field)
        if field in KEY_FIELDS.get(kind, ()) and given is not None and not _ours(ctx, given):
            raise APIError(
                400,
                f"Invalid '{field}': {given!r} is neither this organization's id "
                f"({org.ORG_ID}) nor the id of one of its projects.",
                param=field,
                code="invalid_value",
            )
    key_id = org.new_id(ctx, "extkey_")
    config = {f: ctx.body[f] for f in KEY_FIELDS.get(kind, ()) if ctx.body.get(f) is not None}
    record = {
        "id": key_id,
        "object": "organization.external_key",
        "name": str(ctx.body.get("name") or ""),
        "type": kind,
        "purpose": ctx.body.get("purpose") or "ekm",
        "created_at": ctx.clock.seconds(),
        "workspace_id": org.ORG_ID,
        **config,
    }
    ctx.state.put(KEYS, key_id, record)
    data = {"name": record["name"], "type": kind, "purpose": record["purpose"], **config}
    audit(ctx, "external_key.registered", {"id": key_id, "data": data})
    return FixtureResponse(body=_key(ctx, record))


def _ours(ctx: Context, value: Any) -> bool:
    return value == org.ORG_ID or isinstance(ctx.state.get(org.PROJECTS, str(value)), dict)


def _key(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """The key as the API shows it, with the projects that use it now."""
    using = [
        str(p["id"])
        for p in ctx.state.values(org.PROJECTS)
        if isinstance(p, dict) and p.get("external_key_id") == record["id"]
    ]
    return {**org.public(record), "api_project_ids": using}


def list_keys(ctx: Context) -> FixtureResponse:
    """``GET /organization/external_keys``: a page, ``purpose`` filtering."""
    purpose = dict(ctx.request.query).get("purpose")
    where = {"purpose": purpose} if purpose else None
    return FixtureResponse(body=org.page(ctx, KEYS, where=where, show=lambda r: _key(ctx, r)))


def retrieve_key(ctx: Context) -> FixtureResponse:
    """``GET /organization/external_keys/{external_key_id}``."""
    return FixtureResponse(body=_key(ctx, _found_key(ctx)))


def delete_key(ctx: Context) -> FixtureResponse:
    """``DELETE /organization/external_keys/{external_key_id}``: the key as it was."""
    shown = _key(ctx, _found_key(ctx))
    if shown["api_project_ids"]:
        raise APIError(
            400,
            f"External key {shown['id']} is in use by {', '.join(shown['api_project_ids'])}. "
            "Move those projects to another key first.",
        )
    ctx.state.delete(KEYS, str(shown["id"]))
    audit(ctx, "external_key.removed", {"id": shown["id"]})
    return FixtureResponse(body=shown)


def validate_key(ctx: Context) -> FixtureResponse:
    """``POST .../{external_key_id}/validate``: reachable (the mock reaches no KMS)."""
    _found_key(ctx)
    return FixtureResponse(body={"status": "valid"})


def _found_key(ctx: Context) -> dict[str, Any]:
    return scoped.owned(ctx, KEYS, ctx.params["external_key_id"], "External key")


def create_storage(ctx: Context) -> FixtureResponse:
    """``POST /organization/external_storage``: a project's bucket connected, pending."""
    project_id = str(ctx.body.get("project_id") or "")
    project = ctx.state.get(org.PROJECTS, project_id)
    if not isinstance(project, dict):
        raise org.not_found("Project", project_id, param="project_id")
    given = ctx.body.get("provider")
    provider = _provider(dict(given) if isinstance(given, dict) else {}, project_id)
    storage_id = org.new_id(ctx, "extstore_")
    geography = project.get("residency") or project.get("geography") or "us"
    record = {
        "id": storage_id,
        "object": "organization.external_storage",
        "created_at": ctx.clock.seconds(),
        "geography": str(geography),
        "project_id": project_id,
        "provider": provider,
        "status": "pending",
        "_status": "connected",
    }
    ctx.state.put(STORAGE, storage_id, record)
    return FixtureResponse(body=org.public(record))


def _provider(given: dict[str, Any], project_id: str) -> dict[str, Any]:
    """The provider as the API shows it: what was given and what OpenAI adds."""
    kind = str(given.get("type") or "")
    shown = {**given}
    if kind in _REGIONS:
        shown.setdefault("region", _REGIONS[kind])
    if kind == "aws":
        account = _ACCOUNT.match(str(given.get("role_arn") or ""))
        shown["account_id"] = account.group(1) if account else ""
        shown["external_id"] = project_id
    if kind == "gcp":
        shown["audience"] = project_id
    return shown


def list_storage(ctx: Context) -> FixtureResponse:
    """``GET /organization/external_storage``: a page, ``project_id`` filtering."""
    where = {"_status": "connected"}
    project_id = dict(ctx.request.query).get("project_id")
    if project_id:
        where["project_id"] = project_id
    return FixtureResponse(body=org.page(ctx, STORAGE, where=where))


def retrieve_storage(ctx: Context) -> FixtureResponse:
    """``GET /organization/external_storage/{external_storage_id}``."""
    return FixtureResponse(body=org.public(_found_storage(ctx)))


def validate_storage(ctx: Context) -> FixtureResponse:
    """``POST .../{external_storage_id}/validate``: the configuration validated."""
    record = _found_storage(ctx)
    record["status"] = "validated"
    ctx.state.put(STORAGE, str(record["id"]), record)
    return FixtureResponse(body=org.public(record))


def delete_storage(ctx: Context) -> FixtureResponse:
    """``DELETE /organization/external_storage/{external_storage_id}``: disconnected
    (again: the same answer)."""
    record = _found_storage(ctx, deleted=True)
    record["_status"] = "disconnected"
    ctx.state.put(STORAGE, str(record["id"]), record)
    body = {"id": record["id"], "object": "organization.external_storage.deleted", "deleted": True}
    return FixtureResponse(body=body)


def _found_storage(ctx: Context, *, deleted: bool = False) -> dict[str, Any]:
    storage_id = ctx.params["external_storage_id"]
    record = scoped.owned(ctx, STORAGE, storage_id, "External storage configuration")
    if record.get("_status") == "disconnected" and not deleted:
        raise org.not_found("External storage configuration", storage_id)
    return record


_KEYS = "/v1/organization/external_keys"
_KEY = _KEYS + "/{external_key_id}"
_STORAGE = "/v1/organization/external_storage"
_ONE_STORAGE = _STORAGE + "/{external_storage_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _KEYS, body=Body.JSON, lookup=create_key),
    Endpoint("GET", _KEYS, lookup=list_keys),
    Endpoint("GET", _KEY, lookup=retrieve_key),
    Endpoint("DELETE", _KEY, lookup=delete_key),
    Endpoint("POST", _KEY + "/validate", lookup=validate_key),
    Endpoint("POST", _STORAGE, body=Body.JSON, lookup=create_storage),
    Endpoint("GET", _STORAGE, lookup=list_storage),
    Endpoint("GET", _ONE_STORAGE, lookup=retrieve_storage),
    Endpoint("DELETE", _ONE_STORAGE, lookup=delete_storage),
    Endpoint("POST", _ONE_STORAGE + "/validate", lookup=validate_storage),
)
