"""Every route of the Agents platform (beta), one tuple for the router: each module of the
package declares its own ``ENDPOINTS``; this module only collects them."""

from __future__ import annotations

from mockapi.endpoints.agents import (
    agents,
    artifacts,
    automations,
    environments,
    history,
    sessions,
    vaults,
)
from mockapi.endpoints.endpoint import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = (
    *agents.ENDPOINTS,
    *sessions.ENDPOINTS,
    *history.ENDPOINTS,
    *artifacts.ENDPOINTS,
    *environments.ENDPOINTS,
    *vaults.ENDPOINTS,
    *automations.ENDPOINTS,
)
