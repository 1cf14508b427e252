"""Real traffic: every recorded successful answer, and every event of every recorded
stream, validates against the derived response schemas (``schemas/``).

Where the real API disagrees with the spec, the failure names the field (the deepest
failing path, in the branch of a ``oneOf`` that the event's ``type`` selects), and the
fix is a :class:`~mockapi.validation.patches.Patch` with its evidence, then ``mockapi schemas
derive``. The patches this needed are in :data:`mockapi.validation.patches.PATCHES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockapi.validation.files import load_schemas
from tests.helpers import response_problems
from tests.real_traffic import ABSENT, SKIP_REASON, recorded

pytestmark = pytest.mark.skipif(ABSENT, reason=SKIP_REASON)


def fields_at_fault(endpoint: str, body: Any, role: str) -> list[str]:
    """``path: message`` for each innermost failure of ``body`` (empty when valid)."""
    schema = load_schemas().schema(endpoint, role)
    assert schema is not None, f"schemas/ has no {role} schema for {endpoint}"
    found: list[str] = []
    for error in Draft202012Validator(schema).iter_errors(body):
        found.extend(_leaves(error))
    return sorted(set(found))


def _leaves(error: ValidationError) -> Iterator[str]:
    if not error.context:
        path = "/".join(str(p) for p in error.absolute_path) or "(body)"
        yield f"{path}: {error.message[:160]}"
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)

    def wrong_type(errors: list[ValidationError]) -> bool:  # a branch for another event type
        return any(
            list(e.relative_path) == ["type"] and e.validator in ("enum", "const") for e in errors
        )

    kept = [errs for errs in branches.values() if not wrong_type(errs)] or list(branches.values())
    for errors in kept:
        for sub in errors:
            yield from _leaves(sub)


def test_every_recorded_answer_and_event_validates() -> None:
    checked = 0
    problems: dict[str, list[str]] = {}
    for record in recorded():
        if record.status != 200:
            continue
        if record.streamed:
            bodies = [(data, "stream_event") for data in record.event_data]
        else:
            bodies = [(record.json, "response")]
        for number, (body, role) in enumerate(bodies):
            checked += 1
            if response_problems(record.endpoint, body, role=role):
                where = f"{record.name} event {number}" if role == "stream_event" else record.name
                problems[where] = fields_at_fault(record.endpoint, body, role)
    assert problems == {}
    assert checked == 276  # 31 answers and 245 stream events


def test_a_field_at_fault_is_named() -> None:
    body = {"object": "list", "data": [{"id": "m", "object": "model", "created": "soon"}]}
    assert fields_at_fault("GET /v1/models", body, "response") == [
        "data/0/created: 'soon' is not of type 'integer'",
        "data/0: 'owned_by' is a required property",
    ]
