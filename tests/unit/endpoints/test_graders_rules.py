"""Graders without a server: calculate_output's arithmetic, templates, validate's
refusals, and run's grades (a multi grader's formula, a Python grader that never runs,
model graders read from what a fake replay flow answers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.fine_tuning import grader_check, graders
from mockapi.endpoints.fine_tuning.grader_formula import FormulaError, parse
from mockapi.endpoints.fine_tuning.grader_run import PYTHON_NOT_RUN, grade
from mockapi.endpoints.fine_tuning.grader_template import (
    GraderVariableError,
    render,
    sample_namespace,
)
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.errors import APIError
from mockapi.model import Request, Response
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore

STRING_CHECK: dict[str, Any] = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.label}}",
    "operation": "eq",
}
SIMILAR: dict[str, Any] = {
    "type": "text_similarity",
    "name": "close",
    "input": "{{sample.output_text}}",
    "reference": "{{item.label}}",
    "evaluation_metric": "rouge_1",
}
SCORE: dict[str, Any] = {
    "type": "score_model",
    "name": "judge",
    "model": "gpt-4o-2024-08-06",
    "input": [
        {"role": "system", "content": "Score 0 to 10."},
        {"role": "user", "content": "Reference: {{item.label}}. Answer: {{sample.output_text}}"},
    ],
    "range": [0, 10],
    "sampling_params": {"seed": 7, "temperature": 0, "max_completions_tokens": 50},
}
PYTHON: dict[str, Any] = {
    "type": "python",
    "name": "code",
    "source": "def grade(sample, item):\n    return 1.0\n",
}


# -- calculate_output -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("0.5 * a + 0.5 * b", 0.75),
        ("(a + b) / 2", 0.75),
        ("-2^2", -4.0),  # power before unary minus
        ("2^3^2", 512.0),  # right to left
        ("2 ^ -1", 0.5),
        ("min(a, b, 0.6) + max(a, b)", 1.5),  # 0.5 + 1
        ("abs(b - a) + floor(1.7) + ceil(0.2)", 2.5),
        ("sqrt(16) * exp(0) + log(1)", 4.0),
        ("1e2 * .5", 50.0),
    ],
)
def test_formulas_evaluate(formula: str, expected: float) -> None:
    assert parse(formula).evaluate({"a": 1.0, "b": 0.5}) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("formula", "found"),
    [
        ("0.5 * a +", "ends too soon"),
        ("(a + b", "expected ')'"),
        ("a + b)", "unexpected ')'"),
        ("a $ b", "unexpected character '$'"),
        ("pow(a, 2)", "unknown function 'pow'"),
        ("abs(a, b)", "abs() takes one argument"),
        ("__import__('os')", "unexpected character"),
    ],
)
def test_formulas_that_do_not_parse(formula: str, found: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(formula)
    assert caught.value.kind == "parse" and found in caught.value.message


def test_formula_names_and_what_has_no_value() -> None:
    assert parse("0.5 * name + max(email, 0) ^ 2").names() == {"name", "email"}
    with pytest.raises(FormulaError) as unknown:
        parse("a + c").evaluate({"a": 1.0})
    assert unknown.value.kind == "variable" and "'c'" in unknown.value.message
    for formula in ("a / 0", "log(0)", "sqrt(-1)", "exp(1000)"):
        with pytest.raises(FormulaError) as caught:
            parse(formula).evaluate({"a": 1.0})
        assert caught.value.kind == "math", formula


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("(" * 500 + "1" + ")" * 500)
    assert caught.value.kind == "parse" and "deeper" in caught.value.message


# -- templates --------------------------------------------------------------------------


def test_templates_fill_nested_values() -> None:
    namespaces = {
        "item": {"ref": {"donors": 2, "tags": ["a", "b"]}, "label": "Paris", "ok": True},
        "sample": sample_namespace('{"city": "Paris"}'),
    }
    text = "{{ item.label }}|{{item.ref.donors}}|{{item.ref.tags[1]}}|{{item.ok}}|{{item.ref}}"
    assert render(text, namespaces) == 'Paris|2|b|true|{"donors": 2, "tags": ["a", "b"]}'
    assert render("{{sample.output_json.city}}", namespaces) == "Paris"
    assert render('{{item["label"]}} {{sample.output_text}}', namespaces).startswith("Paris {")


def test_a_missing_variable_and_an_unparsed_sample() -> None:
    namespaces = {"item": {"label": "x"}, "sample": sample_namespace("not json")}
    with pytest.raises(GraderVariableError) as missing:
        render("{{item.answer}}", namespaces)
    assert missing.value.kind == "invalid_variable"
    with pytest.raises(GraderVariableError) as unparsed:
        render("{{sample.output_json.city}}", namespaces)
    assert unparsed.value.kind == "sample_parse"


# -- validate ---------------------------------------------------------------------------


def multi(**changes: Any) -> dict[str, Any]:
    base = {
        "type": "multi",
        "name": "both",
        "graders": {"exact": STRING_CHECK, "close": SIMILAR},
        "calculate_output": "0.25 * exact + 0.75 * close",
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("grader", "param", "found"),
    [
        ({**STRING_CHECK, "input": "{{output.text}}"}, "grader.input", "namespace 'output'"),
        ({**SCORE, "range": [1, 0]}, "grader.range", "below"),
        ({**SCORE, "range": [0, 1, 2]}, "grader.range", "two numbers"),
        ({**PYTHON, "source": "def grade(sample):\n  return 1"}, "grader.source", "(sample, item)"),
        ({**PYTHON, "source": "def grade(sample, item)\n"}, "grader.source", "line 1"),
        ({**PYTHON, "source": "x = 1"}, "grader.source", "no grade(sample, item)"),
        (multi(calculate_output="exact + far"), "grader.calculate_output", "far is not"),
        (multi(calculate_output="exact +"), "grader.calculate_output", "ends too soon"),
        (multi(graders={}), "grader.graders", "at least one grader"),
        (multi(graders={"m": multi()}), "grader.graders.m.type", "cannot contain another"),
        (
            multi(graders={"l": {"type": "label_model", "labels": ["a"], "passing_labels": ["b"]}}),
            "grader.graders.l.passing_labels",
            "subset",
        ),
        ({"type": "label_model", "name": "l"}, "grader.type", "inside a multi"),
    ],
)
def test_validate_refuses_naming_the_param(grader: dict[str, Any], param: str, found: str) -> None:
    with pytest.raises(APIError) as caught:
        grader_check.check(grader)
    assert caught.value.status == 400 and caught.value.param == param
    assert found in caught.value.message


def test_validate_accepts_each_grader_type() -> None:
    for grader in (STRING_CHECK, SIMILAR, SCORE, PYTHON, multi()):
        assert grader_check.check(grader) is grader


# -- run --------------------------------------------------------------------------------

Answer = Callable[[dict[str, Any]], Response]


def context(answer: Answer | None = None) -> tuple[Context, list[dict[str, Any]]]:
    """A context whose replay flow answers chat requests with ``answer`` (and keeps them)."""
    sent: list[dict[str, Any]] = []

    def dispatch(request: Request) -> Response:
        assert isinstance(request.json, dict) and request.path == "/v1/chat/completions"
        sent.append(request.json)
        assert answer is not None
        return answer(request.json)

    state = ObjectStore()
    headers = {"authorization": "Bearer sk-test"}
    ctx = Context(
        request=Request("POST", "/v1/fine_tuning/alpha/graders/run", headers),
        endpoint=graders.ENDPOINTS[0],
        params={},
        body={},
        seed=0,
        state=state,
        models=DEFAULT_MODELS,
        synthesize=True,
        clock=Clock(state),
        settings=Settings(),
        dispatch=dispatch if answer is not None else None,
    )
    return ctx, sent


def chat(content: str | None, *, refusal: str | None = None, model: str = "m") -> Answer:
    def answer(_request: dict[str, Any]) -> Response:
        message = {"role": "assistant", "content": content, "refusal": refusal}
        usage = {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42}
        body = {"model": model, "choices": [{"message": message}], "usage": usage}
        return Response(body=body)

    return answer


def run(grader: dict[str, Any], sample: str, item: dict[str, Any], **kw: Any) -> dict[str, Any]:
    ctx, _ = context(kw.get("answer"))
    namespaces = {"item": item, "sample": sample_namespace(sample)}
    return graders.answer(grader, grade(ctx, grader, namespaces), 0.0)


def test_a_multi_grader_combines_by_its_formula() -> None:
    # Both pass: 0.25 * 1 + 0.75 * 1.
    assert run(multi(), "Paris", {"label": "Paris"})["reward"] == pytest.approx(1.0)
    # exact: "Paris" != "Paris France" -> 0; close: ROUGE-1 P = 1/1, R = 1/2, F = 2/3.
    answered = run(multi(), "Paris", {"label": "Paris France"})
    assert answered["sub_rewards"] == {"exact": 0.0, "close": pytest.approx(2 / 3)}
    assert answered["reward"] == pytest.approx(0.75 * 2 / 3)
    assert answered["metadata"]["type"] == "multi" and answered["metadata"]["name"] == "both"


def test_a_formula_with_no_value_grades_zero_as_other_error() -> None:
    answered = run(multi(calculate_output="exact / close"), "Lyon", {"label": "Paris"})
    assert answered["reward"] == 0.0 and answered["metadata"]["errors"]["other_error"] is True


def test_a_python_grader_runs_no_code() -> None:
    answered = run(PYTHON, "anything", {})
    errors = answered["metadata"]["errors"]
    assert answered["reward"] == 0.0 and errors["python_grader_server_error"] is True
    assert errors["python_grader_server_error_type"] == PYTHON_NOT_RUN
    assert answered["metadata"]["token_usage"] is None


def test_a_missing_item_variable_grades_zero() -> None:
    answered = run(STRING_CHECK, "Paris", {})
    assert answered["reward"] == 0.0
    assert answered["metadata"]["errors"]["invalid_variable_error"] is True


def test_score_model_asks_through_the_replay_flow_and_clips_to_range() -> None:
    ctx, sent = context(chat('{"steps": [], "result": 14}', model="gpt-4o-2024-08-06"))
    graded = grade(ctx, SCORE, {"item": {"label": "Paris"}, "sample": sample_namespace("Lyon")})
    assert graded.reward == 10.0  # 14 clipped to [0, 10]
    [request] = sent
    assert request["messages"][1] == {"role": "user", "content": "Reference: Paris. Answer: Lyon"}
    assert request["seed"] == 7 and request["max_completion_tokens"] == 50
    result = request["response_format"]["json_schema"]["schema"]["properties"]["result"]
    assert result == {"type": "number", "minimum": 0.0, "maximum": 10.0}
    answered = graders.answer(SCORE, graded, 0.0)
    assert answered["metadata"]["token_usage"] == 42
    assert answered["metadata"]["sampled_model_name"] == "gpt-4o-2024-08-06"
    usage = answered["model_grader_token_usage_per_model"]["gpt-4o-2024-08-06"]
    assert usage == {
        "prompt_tokens": 30,
        "completion_tokens": 12,
        "total_tokens": 42,
        "cached_tokens": 0,
    }


@pytest.mark.parametrize(
    ("answer", "reward", "flag"),
    [
        (chat("7.5"), 7.5, None),  # a bare number is read too
        (chat("I think it is good"), 0.0, "model_grader_parse_error"),
        (chat(None, refusal="I can't help"), 0.0, "model_grader_refusal_error"),
        (
            lambda _r: Response(status=404, body={"error": {"message": "no fixture"}}),
            0.0,
            "model_grader_server_error",
        ),
    ],
)
def test_score_model_failures_are_flags(answer: Answer, reward: float, flag: str | None) -> None:
    ctx, _ = context(answer)
    graded = grade(ctx, SCORE, {"item": {"label": "x"}, "sample": sample_namespace("y")})
    errors = graders.answer(SCORE, graded, 0.0)["metadata"]["errors"]
    assert graded.reward == reward
    assert [k for k, v in errors.items() if v is True] == ([flag] if flag else [])
    if flag == "model_grader_server_error":
        assert "404: no fixture" in errors["model_grader_server_error_details"]


def test_label_model_passes_on_a_passing_label() -> None:
    label = {
        "type": "label_model",
        "name": "tone",
        "model": "gpt-4o-mini",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "{{sample.output_text}}"}]}
        ],
        "labels": ["positive", "negative"],
        "passing_labels": ["positive"],
    }
    grader = multi(graders={"tone": label}, calculate_output="tone")
    for said, reward in (("positive", 1.0), ("negative", 0.0)):
        ctx, sent = context(chat(f'{{"steps": [], "result": "{said}"}}'))
        namespaces = {"item": {}, "sample": sample_namespace("Great!")}
        assert grade(ctx, grader, namespaces).reward == reward
        assert sent[0]["messages"][0]["content"] == [{"type": "text", "text": "Great!"}]
