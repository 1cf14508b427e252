"""Safety alerts and cases (``GET /v1/safety/alerts/{id}``, ``GET /v1/safety/cases/{id}``),
read from the state store (kinds :data:`ALERTS` and :data:`CASES`, never evicted).

The real API raises them itself: an alert when its safety systems flag a response (and
a ``safety.alert.created`` webhook), a case when it warns or deactivates an entity. The
mock has no safety system, so a test puts them in place (:func:`add_alert` and
:func:`add_case`, ``Control.add_safety_alert`` / ``add_safety_case``) and the code under
test reads them back as it would after the webhook.

Assumed: the ``salert_`` and ``scase_`` prefixes, the 404 wording, and the ``reason``
texts derived from the error type and the notice.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state.clock import Clock
from mockapi.state.store import StateStore

ALERTS = "safety.alerts"
CASES = "safety.cases"
ERROR_TYPES = {
    "potentially_unintended_data_transfer": (
        "The request may have transferred data unintentionally."
    ),
    "potentially_unintended_data_access": ("The request may have accessed data unintentionally."),
    "potentially_unintended_destructive_activity": (
        "The request may have performed a destructive action unintentionally."
    ),
    "other": "The request was flagged by a safety system.",
}
NOTICES = {
    "warning": "This entity received a warning for activity that may violate usage policies.",
    "deactivation": "This entity was deactivated for activity that violates usage policies.",
}


def add_alert(
    state: StateStore,
    *,
    response_id: str,
    error_type: str = "other",
    model: str = "gpt-4o",
    request_id: str = "req_mockapi",
    request_paused: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    """A new ``safety.alert`` about ``response_id``; ValueError for an unknown type."""
    if error_type not in ERROR_TYPES:
        raise ValueError(f"error_type is one of {sorted(ERROR_TYPES)}, not {error_type!r}")
    alert_id = objects.id_for(state, seed, "salert_")
    alert = {
        "id": alert_id,
        "object": "safety.alert",
        "created_at": Clock(state).seconds(),
        "error_type": error_type,
        "model": model,
        "reason": ERROR_TYPES[error_type],
        "request_id": request_id,
        "request_paused": request_paused,
        "response_id": response_id,
    }
    state.put(ALERTS, alert_id, alert)
    return alert


def add_case(
    state: StateStore, *, entity_identifier: str, notice: str = "warning", seed: int = 0
) -> dict[str, Any]:
    """A new ``safety.case`` about ``entity_identifier`` (a user or a project)."""
    if notice not in NOTICES:
        raise ValueError(f"notice is one of {sorted(NOTICES)}, not {notice!r}")
    case_id = objects.id_for(state, seed, "scase_")
    case = {
        "id": case_id,
        "object": "safety.case",
        "created_at": Clock(state).seconds(),
        "entity_identifier": entity_identifier,
        "notice": {"type": notice},
        "reason": NOTICES[notice],
    }
    state.put(CASES, case_id, case)
    return case


def _retrieve(kind: str, noun: str) -> Any:
    def retrieve(ctx: Context) -> FixtureResponse:
        found = ctx.state.get(kind, ctx.params["id"])
        if not isinstance(found, dict):
            raise APIError(404, f"No such {noun}: {ctx.params['id']}", param="id")
        return FixtureResponse(body=found)

    return retrieve


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/v1/safety/alerts/{id}", lookup=_retrieve(ALERTS, "safety alert")),
    Endpoint("GET", "/v1/safety/cases/{id}", lookup=_retrieve(CASES, "safety case")),
)
