"""The alpha graders API on a real server through the SDK with strict response
validation: run scores a string check and text similarity metrics as their definitions
say, a multi grader by its formula, a score model grader through the mock's own replay
flow (synthesized within its range, or pinned by a fixture and clipped), a Python
grader that runs no code; validate answers the grader or the 400 naming the problem.
Every answer is checked against the derived schemas too."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client

RUN = "POST /v1/fine_tuning/alpha/graders/run"
VALIDATE = "POST /v1/fine_tuning/alpha/graders/validate"
LABEL = {"type": "string_check", "name": "label", "operation": "eq"}
STRING_CHECK: Any = {
    **LABEL,
    "input": "{{sample.output_text}}",
    "reference": "{{item.label}}",
}
SIMILARITY: Any = {
    "type": "text_similarity",
    "name": "similarity",
    "input": "{{sample.output_text}}",
    "reference": "{{item.reference_answer}}",
    "evaluation_metric": "bleu",
}
JUDGE: Any = {
    "type": "score_model",
    "name": "judge",
    "model": "gpt-4o-2024-08-06",
    "input": [
        {"role": "system", "content": "Score how close the answer is, 0 to 10."},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Reference: {{item.reference_answer}}"},
                {"type": "input_text", "text": "Answer: {{sample.output_text}}"},
            ],
        },
    ],
    "range": [0, 10],
    "sampling_params": {"seed": 42, "temperature": 1},
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


def checked(answer: Any) -> Any:
    """``answer`` (a run answer), after checking it against the derived schema."""
    assert response_problems(RUN, answer.to_dict()) == []
    return answer


def test_string_check_scores_as_defined(strict: openai.OpenAI) -> None:
    graders = strict.fine_tuning.alpha.graders
    sample, item = "Paris", {"label": "Paris"}
    assert checked(graders.run(grader=STRING_CHECK, model_sample=sample, item=item)).reward == 1
    lower = {"label": "paris"}
    assert graders.run(grader=STRING_CHECK, model_sample=sample, item=lower).reward == 0
    contains: Any = {**STRING_CHECK, "operation": "ilike"}
    said = "The capital is PARIS."
    answered = checked(graders.run(grader=contains, model_sample=said, item=lower))
    assert answered.reward == 1
    assert answered.metadata.name == "label" and answered.metadata.type == "string_check"
    assert answered.metadata.token_usage is None and answered.metadata.sampled_model_name is None
    assert not any(v is True for v in answered.metadata.errors.to_dict().values())
    assert answered.sub_rewards == {} and answered.api_model_grader_token_usage_per_model == {}


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        # Clipped precisions 5/6, 3/5, 2/4, 1/3, equal lengths: (1/12) ** (1/4).
        ("bleu", (1 / 12) ** 0.25),
        # 1..4-grams: 18 on each side, 11 shared.
        ("gleu", 11 / 18),
        # 5 of 6 unigrams shared each way; bigrams 3 of 5; LCS 5 of 6.
        ("rouge_1", 5 / 6),
        ("rouge_2", 3 / 5),
        ("rouge_l", 5 / 6),
        # 2 * LCS / (22 + 20) characters: LCS "the cat sat on " (15) + " mat" (4) = 19.
        ("fuzzy_match", 2 * 19 / 42),
    ],
)
def test_text_similarity_scores_as_defined(
    strict: openai.OpenAI, metric: str, expected: float
) -> None:
    grader: Any = {**SIMILARITY, "evaluation_metric": metric}
    answered = strict.fine_tuning.alpha.graders.run(
        grader=grader,
        model_sample="the cat sat on the mat",
        item={"reference_answer": "the cat sat on a mat"},
    )
    assert checked(answered).reward == pytest.approx(expected)


def test_a_multi_grader_combines_by_its_formula(strict: openai.OpenAI) -> None:
    grader: Any = {
        "type": "multi",
        "name": "both",
        "graders": {"exact": STRING_CHECK, "close": {**SIMILARITY, "evaluation_metric": "rouge_1"}},
        "calculate_output": "0.25 * exact + 0.75 * close",
    }
    answered = strict.fine_tuning.alpha.graders.run(
        grader=grader,
        model_sample="Paris",
        item={"label": "Lyon", "reference_answer": "Paris France"},
    )
    # exact 0; close: ROUGE-1 P 1/1, R 1/2, F 2/3; 0.75 * 2/3 = 0.5.
    assert checked(answered).reward == pytest.approx(0.5)
    assert answered.sub_rewards == {"exact": 0.0, "close": pytest.approx(2 / 3)}
    assert answered.metadata.type == "multi"


def test_a_score_model_grader_asks_the_mock_and_stays_in_range(
    server: ServerThread, strict: openai.OpenAI
) -> None:
    run = strict.fine_tuning.alpha.graders.run
    item = {"reference_answer": "fuzzy wuzzy was a bear"}
    first = checked(run(grader=JUDGE, model_sample="fuzzy wuzzy had no hair", item=item))
    again = run(grader=JUDGE, model_sample="fuzzy wuzzy had no hair", item=item)
    assert 0 <= first.reward <= 10 and again.reward == first.reward  # deterministic
    assert first.metadata.sampled_model_name == "gpt-4o-2024-08-06"
    usage = first.api_model_grader_token_usage_per_model["gpt-4o-2024-08-06"]
    assert isinstance(usage, dict) and usage["total_tokens"] == first.metadata.token_usage > 0
    # The grader's question went through the replay flow: journaled, templates filled.
    journal = server.replayer.journal  # type: ignore[attr-defined]
    asked = [e.body for e in journal.entries() if e.path == "/v1/chat/completions"]
    said = {"type": "text", "text": "Answer: fuzzy wuzzy had no hair"}
    assert asked[-1]["messages"][1]["content"][1] == said


def test_a_fixture_pins_the_verdict_and_it_is_clipped(
    server: ServerThread, strict: openai.OpenAI
) -> None:
    control = server.control  # type: ignore[attr-defined]
    pinned = {
        "match": {"path": "/v1/chat/completions", "partial_body": {"model": "gpt-4o-2024-08-06"}},
        "response": {
            "body": {"choices": [{"message": {"content": '{"steps": [], "result": 12}'}}]}
        },
    }
    control.add_fixtures([control.runtime_fixture(pinned, key="grader-verdict")])
    try:
        answered = strict.fine_tuning.alpha.graders.run(
            grader=JUDGE, model_sample="x", item={"reference_answer": "y"}
        )
    finally:
        control.remove_runtime("grader-verdict")
    assert checked(answered).reward == 10  # 12 clipped to the range [0, 10]


def test_a_python_grader_is_not_run(strict: openai.OpenAI) -> None:
    grader: Any = {
        "type": "python",
        "name": "code",
        "source": "def grade(sample, item):\n    return 1.0\n",
    }
    answered = checked(strict.fine_tuning.alpha.graders.run(grader=grader, model_sample="x"))
    assert answered.reward == 0
    assert answered.metadata.errors.python_grader_server_error is True
    assert answered.metadata.errors.python_grader_server_error_type == "mockapi_runs_no_code"


def test_validate_answers_the_grader(strict: openai.OpenAI, plain: openai.OpenAI) -> None:
    validated = strict.fine_tuning.alpha.graders.validate(grader=STRING_CHECK)
    assert validated.grader is not None and validated.grader.to_dict() == STRING_CHECK
    assert response_problems(VALIDATE, validated.to_dict()) == []
    # A multi grader's graders are an object by name: the SDK's strict model wants one.
    grader: Any = {
        "type": "multi",
        "name": "m",
        "graders": {"a": STRING_CHECK},
        "calculate_output": "a",
    }
    raw = plain.fine_tuning.alpha.graders.with_raw_response.validate(grader=grader)
    assert raw.http_response.json() == {"grader": grader}


@pytest.mark.parametrize(
    ("grader", "param", "found"),
    [
        ({**STRING_CHECK, "operation": "contains"}, "grader.operation", "'contains'"),
        ({**STRING_CHECK, "reference": "{{answer.label}}"}, "grader.reference", "'answer'"),
        ({**JUDGE, "range": [10, 0]}, "grader.range", "below"),
        (
            {"type": "python", "name": "p", "source": "def grade(x):\n    return 1"},
            "grader.source",
            "(sample, item)",
        ),
        (
            {
                "type": "multi",
                "name": "m",
                "graders": {"a": STRING_CHECK},
                "calculate_output": "a + b",
            },
            "grader.calculate_output",
            "b is not a grader's name",
        ),
    ],
)
def test_validate_refuses_what_is_wrong(
    strict: openai.OpenAI, grader: Any, param: str, found: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        strict.fine_tuning.alpha.graders.validate(grader=grader)
    assert caught.value.param == param and found in caught.value.message
    with pytest.raises(openai.BadRequestError):  # run checks the grader first too
        strict.fine_tuning.alpha.graders.run(grader=grader, model_sample="x")


def test_async_run(server: ServerThread) -> None:
    meteor: Any = {**SIMILARITY, "evaluation_metric": "meteor"}

    async def go() -> float:
        async with strict_async_client(server.url + "/v1") as client:
            answered = await client.fine_tuning.alpha.graders.run(
                grader=meteor,
                model_sample="cat the",
                item={"reference_answer": "the cat"},
            )
            return answered.reward

    # Two words aligned in two chunks: Fmean 1, penalty 0.5 * (2/2) ** 3.
    assert math.isclose(asyncio.run(go()), 0.5)
