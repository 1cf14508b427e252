"""Decisions and safety on a real server with the strict SDK: a predicate, a choice and a
score answered deterministically with probabilities that add up, a question with nothing
to choose from refused, usage counted; a safety alert and case
put in place and read back (the alert's safety.alert.created webhook journaled), the
404s; every answer checked against the derived schemas."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.replay.journal import Outcome
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

QUESTIONS: Any = [
    {"type": "predicate", "name": "polite", "instructions": "Is the message polite?"},
    {
        "type": "choice",
        "name": "topic",
        "instructions": "What is it about?",
        "choices": [{"value": "billing"}, {"value": "shipping"}, {"value": True}],
    },
    {
        "type": "score",
        "name": "urgency",
        "instructions": "How urgent is it?",
        "levels": [{"label": "low"}, {"label": "medium"}, {"label": "high"}],
    },
]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    hook = (("http://127.0.0.1:9/hook", "whsec_" + "a" * 44),)
    with running_server(on_miss=OnMiss.SYNTHESIZE, webhooks=hook, webhook_retry_delays=()) as s:
        yield s


def test_questions_answered_deterministically(strict: openai.OpenAI) -> None:
    ask = {"model": "gpt-6-luna", "input": "Where is my parcel?!", "questions": QUESTIONS}
    decision = strict.decisions.create(**ask)
    assert decision == strict.decisions.create(**ask), "the same question, the same answer"
    assert response_problems("POST /v1/decisions", decision.model_dump()) == []
    predicate, choice, score = decision.answers
    assert predicate.type == "predicate" and 0 <= predicate.probability <= 1
    assert choice.type == "choice" and choice.name == "topic"
    assert sum(p.probability for p in choice.probabilities) == pytest.approx(1)
    assert [p.value for p in choice.probabilities] == ["billing", "shipping", True]
    best = max(choice.probabilities, key=lambda p: p.probability)
    assert (choice.choice, choice.confidence) == (best.value, best.probability)
    assert score.type == "score" and 1 <= score.score <= 3
    assert score.score == pytest.approx(sum(p.value * p.probability for p in score.probabilities))
    assert decision.usage.output_tokens == 3
    assert decision.usage.total_tokens == decision.usage.input_tokens + 3
    other = strict.decisions.create(**{**ask, "input": "Thank you kindly."})
    assert other.answers != decision.answers
    empty = strict.decisions.create(
        model="gpt-6-luna",
        input="x",
        questions=[{"type": "choice", "instructions": "Pick", "choices": []}],
    )
    assert [a.type for a in empty.answers] == ["refusal"]


def test_safety_alerts_and_cases(server: ServerThread, strict: openai.OpenAI) -> None:
    control = server.control  # type: ignore[attr-defined]
    alert = control.add_safety_alert(
        "resp_123", error_type="potentially_unintended_data_access", request_paused=True
    )
    read = strict.safety.alerts.retrieve(alert["id"])
    assert (read.response_id, read.error_type, read.request_paused) == (
        "resp_123",
        "potentially_unintended_data_access",
        True,
    )
    assert response_problems("GET /v1/safety/alerts/{id}", read.model_dump()) == []
    sent = []
    for _ in range(100):  # the delivery is made in the background (to a closed port)
        sent = [e for e in control.entries() if e.outcome is Outcome.WEBHOOK]
        if sent:
            break
        time.sleep(0.02)
    assert [(e.body["type"], e.body["data"]["id"]) for e in sent] == [
        ("safety.alert.created", alert["id"])
    ]
    case = control.add_safety_case("user_42", notice="deactivation")
    kept = strict.safety.cases.retrieve(case["id"])
    assert (kept.entity_identifier, kept.notice.type) == ("user_42", "deactivation")
    assert response_problems("GET /v1/safety/cases/{id}", kept.model_dump()) == []
    with pytest.raises(openai.NotFoundError):
        strict.safety.alerts.retrieve("salert_unknown")
    with pytest.raises(openai.NotFoundError):
        strict.safety.cases.retrieve("scase_unknown")
