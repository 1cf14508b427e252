"""Every Administration API route, as one tuple that :mod:`mockapi.replay.router`
registers.

Each admin family (a module of this package with an ``ENDPOINTS`` tuple) is added to
:data:`FAMILIES` below, one line each: the core organization's, the keys and settings
families', the audit log, usage, costs and rate limit families'. Every handler is
wrapped so that the seeded organization (the owner and the default project,
:func:`~.org.ensure_seeded`) exists before it runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from mockapi.endpoints.admin import (
    admin_keys,
    assignments,
    audit,
    certificates,
    costs,
    external,
    groups,
    health,
    invites,
    org,
    project_keys,
    project_members,
    projects,
    rate_limits,
    roles,
    service_accounts,
    settings,
    spend,
    usage,
    users,
    workload_identity,
)
from mockapi.endpoints.endpoint import Context, Endpoint, Handler
from mockapi.library.fixture import FixtureResponse

FAMILIES: tuple[tuple[Endpoint, ...], ...] = ()
"""Each admin family's ``ENDPOINTS`` (append yours: ``module.ENDPOINTS,``)."""
# The core organization: projects, users, invites, roles and their assignments, groups,
# a project's users and groups.
FAMILIES += (
    projects.ENDPOINTS,
    users.ENDPOINTS,
    invites.ENDPOINTS,
    roles.ENDPOINTS,
    assignments.ENDPOINTS,
    groups.ENDPOINTS,
    project_members.ENDPOINTS,
)
# Keys and settings: admin keys, a project's keys, service accounts, certificates, the
# one-object settings, spend alerts and limits, external keys and storage, workload
# identity providers, health alert rules.
FAMILIES += (
    admin_keys.ENDPOINTS,
    project_keys.ENDPOINTS,
    service_accounts.ENDPOINTS,
    certificates.ENDPOINTS,
    settings.ENDPOINTS,
    spend.ENDPOINTS,
    external.ENDPOINTS,
    workload_identity.ENDPOINTS,
    health.ENDPOINTS,
)
# What the mock observed: audit logs, usage, costs; project rate limits (enforced).
FAMILIES += (audit.ENDPOINTS, usage.ENDPOINTS, costs.ENDPOINTS, rate_limits.ENDPOINTS)


def _seeded(handler: Handler) -> Handler:
    def run(ctx: Context) -> FixtureResponse:
        org.ensure_seeded(ctx)
        return handler(ctx)

    run.__doc__ = handler.__doc__
    return run


def seeded(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """``endpoints`` with each ``lookup`` run after :func:`~.org.ensure_seeded`."""
    return tuple(
        dataclasses.replace(e, lookup=_seeded(e.lookup)) if e.lookup is not None else e
        for e in endpoints
    )


ENDPOINTS: tuple[Endpoint, ...] = seeded(e for family in FAMILIES for e in family)
