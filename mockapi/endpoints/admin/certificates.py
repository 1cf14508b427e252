"""Certificates (``/v1/organization/certificates`` and a project's ``.../certificates``):
the organization's uploaded client certificates (mutual TLS), activated for the
organization and for projects.

* ``POST /organization/certificates``: ``certificate`` (PEM) and optional ``name``: a
  ``certificate`` (``cert_...``) whose ``certificate_details`` are the certificate's own
  validity (:mod:`.pem`), not active anywhere yet. Text that is not a PEM X.509
  certificate is the API's 400 naming ``certificate``; an organization holds at most 50
  (a 51st is a 400).
* ``GET .../certificates``: the organization's certificates as
  ``organization.certificate`` with ``active`` (at the organization level), newest first
  unless ``order=asc``, ``after``/``limit`` paged.
* ``GET .../{certificate_id}`` (``include[]=content`` adds the PEM), ``POST`` (only the
  ``name`` changes), ``DELETE``: only a certificate inactive for the organization and
  every project may go (the API's rule; the 400 otherwise names where it is active).
* ``POST .../certificates/activate`` and ``/deactivate``: ``certificate_ids`` (1 to 10),
  all or none (an unknown id is the 404 and nothing changes), idempotent; answered as
  ``organization.certificate.activation`` / ``.deactivation`` with the certificates.
* A project's ``GET .../certificates`` lists the organization's certificates with
  ``active`` at the project's level (``organization.project.certificate``); its
  ``activate``/``deactivate`` act on the project only.

Audit events: ``certificate.created``, ``.updated``, ``.deleted``,
``certificates.activated``, ``certificates.deactivated``. Wording of the 400s assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockapi.endpoints.admin import org, pem, scoped
from mockapi.endpoints.admin.audit import audit
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

KIND = org.kind("certificates")
"""The state store kind of certificates: the API's fields plus ``_content`` (the PEM),
``_active`` (at the organization level) and ``_projects`` (where it is active)."""
NOUN = "Certificate"
MAX_CERTIFICATES = 50
_ORG = "organization.certificate"
_PROJECT = "organization.project.certificate"


def create(ctx: Context) -> FixtureResponse:
    """``POST /organization/certificates``: a certificate uploaded, inactive."""
    content = str(ctx.body.get("certificate") or "")
    try:
        valid_at, expires_at = pem.validity(content)
    except pem.CertificateError as exc:
        raise APIError(
            400,
            f"Invalid certificate: {exc}. Upload one X.509 certificate in PEM format.",
            param="certificate",
            code="invalid_value",
        ) from None
    if len(ctx.state.values(KIND)) >= MAX_CERTIFICATES:
        raise APIError(
            400,
            f"An organization can upload up to {MAX_CERTIFICATES} certificates. "
            "Delete one you no longer use to upload another.",
        )
    certificate_id = org.new_id(ctx, "cert_")
    name = ctx.body.get("name")
    record: dict[str, Any] = {
        "id": certificate_id,
        "name": str(name) if name is not None else None,
        "created_at": ctx.clock.seconds(),
        "certificate_details": {"valid_at": valid_at, "expires_at": expires_at},
        "_content": content,
        "_active": False,
        "_projects": [],
    }
    ctx.state.put(KIND, certificate_id, record)
    audit(ctx, "certificate.created", {"id": certificate_id, "name": record["name"] or ""})
    return FixtureResponse(body=_single(record))


def _single(record: dict[str, Any], *, content: bool = False) -> dict[str, Any]:
    """A certificate as create, retrieve and update show it: no ``active``."""
    details = dict(record["certificate_details"])
    if content:
        details["content"] = record["_content"]
    shown = {**org.public(record), "object": "certificate", "certificate_details": details}
    return shown


def _scoped(record: dict[str, Any], project_id: str | None) -> dict[str, Any]:
    """A certificate as a list or activation shows it, ``active`` in its scope."""
    if project_id is None:
        return {**org.public(record), "object": _ORG, "active": bool(record["_active"])}
    active = project_id in record["_projects"]
    return {**org.public(record), "object": _PROJECT, "active": active}


def list_certificates(ctx: Context) -> FixtureResponse:
    """``GET /organization/certificates``: a page, newest first."""
    return FixtureResponse(body=_page(ctx, None))


def list_project_certificates(ctx: Context) -> FixtureResponse:
    """``GET .../projects/{project_id}/certificates``: a page, active in the project."""
    return FixtureResponse(body=_page(ctx, str(scoped.project(ctx)["id"])))


def _page(ctx: Context, project_id: str | None) -> dict[str, Any]:
    return org.page(
        ctx, KIND, show=lambda record: _scoped(record, project_id), default_order="desc"
    )


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /organization/certificates/{certificate_id}``."""
    include = {v for k, v in ctx.request.query if k in ("include", "include[]")}
    return FixtureResponse(body=_single(_certificate(ctx), content="content" in include))


def update(ctx: Context) -> FixtureResponse:
    """``POST /organization/certificates/{certificate_id}``: a new name."""
    record = _certificate(ctx)
    if "name" in ctx.body:
        name = ctx.body["name"]
        record["name"] = str(name) if name is not None else None
        ctx.state.put(KIND, str(record["id"]), record)
    audit(ctx, "certificate.updated", {"id": record["id"], "name": record["name"] or ""})
    return FixtureResponse(body=_single(record))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /organization/certificates/{certificate_id}``: an inactive certificate."""
    record = _certificate(ctx)
    where = (["the organization"] if record["_active"] else []) + list(record["_projects"])
    if where:
        raise APIError(
            400,
            f"Certificate {record['id']} is active for {', '.join(where)}. Deactivate it "
            "for the organization and every project before deleting it.",
        )
    ctx.state.delete(KIND, str(record["id"]))
    details = {"id": record["id"], "name": record["name"] or "", "certificate": record["_content"]}
    audit(ctx, "certificate.deleted", details)
    return FixtureResponse(body={"object": "certificate.deleted", "id": record["id"]})


def _certificate(ctx: Context) -> dict[str, Any]:
    return scoped.owned(ctx, KIND, ctx.params["certificate_id"], NOUN)


def _toggle(*, active: bool, project: bool) -> Callable[[Context], FixtureResponse]:
    """The handler that activates or deactivates certificates for the organization or
    for the path's project."""

    def handler(ctx: Context) -> FixtureResponse:
        project_id = str(scoped.active_project(ctx)["id"]) if project else None
        ids = [str(i) for i in ctx.body.get("certificate_ids") or []]
        records = [scoped.owned(ctx, KIND, i, NOUN) for i in dict.fromkeys(ids)]
        for record in records:
            _set_active(record, project_id, active)
            ctx.state.put(KIND, str(record["id"]), record)
        changed = [{"id": r["id"], "name": r["name"] or ""} for r in records]
        event = "certificates.activated" if active else "certificates.deactivated"
        audit(ctx, event, {"certificates": changed}, project_id=project_id)
        scope = _PROJECT if project else _ORG
        body = {
            "object": f"{scope}.{'activation' if active else 'deactivation'}",
            "data": [_scoped(r, project_id) for r in records],
        }
        return FixtureResponse(body=body)

    handler.__doc__ = (
        f"``POST .../certificates/{'activate' if active else 'deactivate'}`` "
        f"({'a project' if project else 'the organization'})."
    )
    return handler


def _set_active(record: dict[str, Any], project_id: str | None, active: bool) -> None:
    if project_id is None:
        record["_active"] = active
        return
    projects = [p for p in record["_projects"] if p != project_id]
    record["_projects"] = [*projects, project_id] if active else projects


_ORG_CERTS = "/v1/organization/certificates"
_PROJECT_CERTS = "/v1/organization/projects/{project_id}/certificates"


def _toggles(path: str, *, project: bool) -> tuple[Endpoint, ...]:
    return tuple(
        Endpoint(
            "POST", f"{path}/{verb}", body=Body.JSON, lookup=_toggle(active=on, project=project)
        )
        for verb, on in (("activate", True), ("deactivate", False))
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _ORG_CERTS, body=Body.JSON, lookup=create),
    Endpoint("GET", _ORG_CERTS, lookup=list_certificates),
    *_toggles(_ORG_CERTS, project=False),
    Endpoint("GET", _ORG_CERTS + "/{certificate_id}", lookup=retrieve),
    Endpoint("POST", _ORG_CERTS + "/{certificate_id}", body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ORG_CERTS + "/{certificate_id}", lookup=delete),
    Endpoint("GET", _PROJECT_CERTS, lookup=list_project_certificates),
    *_toggles(_PROJECT_CERTS, project=True),
)
