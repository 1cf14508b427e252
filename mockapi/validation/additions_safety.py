"""The safety alerts and cases the spec lacks, for :func:`mockapi.validation.additions.extend`.

``client.safety.alerts.retrieve`` and ``client.safety.cases.retrieve`` (openai 3.63)
read ``/safety/alerts/{id}`` and ``/safety/cases/{id}``; written from the SDK's types
(``types/safety/safety_alert.py``, ``safety_case.py``).
"""

from __future__ import annotations

from typing import Any

from mockapi.validation.additions import BOOL, INT, STR, Operation, enum, nullable, obj

WHY = (
    "mockapi: not in the OpenAI spec; written from the official SDK's types "
    "(openai-python 3.63, client.safety: types/safety/safety_alert.py, safety_case.py)"
)
COMPONENTS: dict[str, Any] = {
    "SafetyAlert": obj(
        ("id", "object", "created_at", "error_type", "model", "request_id", "request_paused"),
        id=STR,
        object=enum("safety.alert"),
        created_at=INT,
        error_type=enum(
            "potentially_unintended_data_transfer",
            "potentially_unintended_data_access",
            "potentially_unintended_destructive_activity",
            "other",
        ),
        model=STR,
        reason=nullable(STR),
        request_id=STR,
        request_paused=BOOL,
        response_id=STR,
        detailed_explanation=nullable(STR),
    ),
    "SafetyCase": obj(
        ("id", "object", "created_at", "entity_identifier", "notice"),
        id=STR,
        object=enum("safety.case"),
        created_at=INT,
        entity_identifier=STR,
        notice=obj(("type",), type=enum("warning", "deactivation")),
        reason=nullable(STR),
    ),
}
OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/safety/alerts/{id}", WHY, response="SafetyAlert"),
    Operation("GET", "/safety/cases/{id}", WHY, response="SafetyCase"),
)
TARGETS = (
    ("GET", "/safety/alerts/{id}", "safety.alerts.retrieve"),
    ("GET", "/safety/cases/{id}", "safety.cases.retrieve"),
)
"""The derive rows (method, path, stem) of these operations."""
