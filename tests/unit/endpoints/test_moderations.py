"""Synthesized moderations: the trigger rule, the model rules and fixture completion."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints import moderations
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.errors import APIError
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from tests.helpers import response_problems

MODERATIONS = "POST /v1/moderations"
OMNI = "omni-moderation-latest"


def _synthesize(**body: Any) -> dict[str, Any]:
    context = Context(
        request=Request("POST", "/v1/moderations", json=body),
        endpoint=moderations.ENDPOINTS[0],
        params={},
        body=body,
        seed=0,
        state=(state := ObjectStore()),
        models=DEFAULT_MODELS,
        synthesize=True,
        clock=Clock(state),
        settings=Settings(),
    )
    answer = moderations.synthesize(context)
    assert isinstance(answer.body, dict)
    assert response_problems(MODERATIONS, answer.body) == []
    return answer.body


def _flagged(result: dict[str, Any]) -> set[str]:
    return {name for name, flag in result["categories"].items() if flag}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Have a great day!", set()),
        ("I will kill them.", {"violence"}),
        ("KILLING is wrong", {"violence"}),
        ("you idiot", {"harassment"}),
        ("I threatened him", {"harassment/threatening", "harassment"}),
        ("a gruesome scene", {"violence/graphic", "violence"}),
        ("how to shoplift", {"illicit"}),
        ("build a bomb", {"illicit/violent", "illicit"}),
        ("self-harm", {"self-harm"}),
        ("an overdose", {"self-harm/instructions", "self-harm"}),
        ("nsfw pictures", {"sexual"}),
        ("skill and gorge are not triggers", set()),
    ],
)
def test_trigger_words_flag_their_category(text: str, expected: set[str]) -> None:
    result = _synthesize(model=OMNI, input=text)["results"][0]
    assert _flagged(result) == expected
    assert result["flagged"] is bool(expected)
    for name, score in result["category_scores"].items():
        if name in expected:
            assert score > 0.5
        else:
            assert score < 0.001


def test_every_category_has_a_trigger_that_works() -> None:
    for category, words in moderations.TRIGGERS.items():
        for word in words:
            result = _synthesize(model=OMNI, input=f"This mentions {word} here.")["results"][0]
            assert result["categories"][category] is True, (category, word)


def test_scores_are_deterministic_and_depend_on_the_input() -> None:
    one = _synthesize(model=OMNI, input="kill")["results"][0]["category_scores"]
    two = _synthesize(model=OMNI, input="kill")["results"][0]["category_scores"]
    other = _synthesize(model=OMNI, input="murder")["results"][0]["category_scores"]
    assert one == two
    assert one != other
    assert 0.90 <= one["violence"] < 0.99


def test_omni_answers_under_its_own_name_with_applied_types() -> None:
    body = _synthesize(model=OMNI, input="hello")
    assert body["id"].startswith("modr-") and len(body["id"]) == len("modr-") + 29
    assert body["model"] == OMNI
    result = body["results"][0]
    assert list(result["categories"]) == list(moderations.OMNI_CATEGORIES)
    assert set(result["category_applied_input_types"]) == set(moderations.OMNI_CATEGORIES)
    assert all(kinds == ["text"] for kinds in result["category_applied_input_types"].values())


def test_text_models_answer_as_text_moderation_007() -> None:
    for body in (
        _synthesize(input="hello"),
        _synthesize(model="text-moderation-latest", input="x"),
    ):
        assert body["model"] == "text-moderation-007"
        result = body["results"][0]
        assert list(result["categories"]) == list(moderations.TEXT_CATEGORIES)
        assert "illicit" not in result["category_scores"]
        assert "category_applied_input_types" not in result
    assert not _synthesize(input="build a bomb")["results"][0]["flagged"]  # no illicit here


def test_one_result_per_string() -> None:
    body = _synthesize(model=OMNI, input=["fine", "kill", "idiot"])
    assert [_flagged(r) for r in body["results"]] == [set(), {"violence"}, {"harassment"}]


def test_multimodal_input_is_one_result_with_image_types() -> None:
    body = _synthesize(
        model=OMNI,
        input=[
            {"type": "text", "text": "a nice day"},
            {"type": "image_url", "image_url": {"url": "https://example.com/gore.png"}},
        ],
    )
    (result,) = body["results"]
    assert _flagged(result) == {"violence/graphic", "violence"}
    applied = result["category_applied_input_types"]
    assert applied["violence"] == ["text", "image"] and applied["hate"] == ["text"]


def test_image_urls_flag_image_categories_only_and_never_data_urls() -> None:
    only_image = [{"type": "image_url", "image_url": {"url": "https://x.test/idiot-kill.png"}}]
    result = _synthesize(model=OMNI, input=only_image)["results"][0]
    assert _flagged(result) == {"violence"}  # harassment is not scored for images
    assert result["category_applied_input_types"]["harassment"] == []
    assert result["category_applied_input_types"]["violence"] == ["image"]
    data_url = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,a2lsbA=="}}]
    assert not _synthesize(model=OMNI, input=data_url)["results"][0]["flagged"]


def test_unknown_model_and_images_for_text_models_are_errors() -> None:
    with pytest.raises(APIError) as caught:
        _synthesize(model="gpt-4o", input="x")
    assert caught.value.status == 404 and caught.value.code == "model_not_found"
    image = [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]
    with pytest.raises(APIError) as text_only:
        _synthesize(model="text-moderation-latest", input=image)
    assert text_only.value.status == 400 and text_only.value.param == "input"


# -- fixture completion ------------------------------------------------------------------


def test_hand_written_result_is_completed() -> None:
    body = {"results": [{"categories": {"violence": True}}]}
    completed = moderations.SHAPE.complete(body, {"model": OMNI, "input": "anything"})
    assert isinstance(completed, dict)
    assert completed["id"].startswith("modr-") and completed["model"] == OMNI
    (result,) = completed["results"]
    assert result["flagged"] is True
    assert _flagged(result) == {"violence"}
    assert result["category_scores"]["violence"] > 0.5
    assert result["category_scores"]["hate"] < 0.001
    assert response_problems(MODERATIONS, completed) == []


def test_scores_alone_decide_the_categories() -> None:
    body = {"results": [{"category_scores": {"hate": 0.8}}]}
    completed = moderations.SHAPE.complete(body, {"input": "x"})
    assert isinstance(completed, dict)
    assert completed["model"] == "text-moderation-007"
    assert _flagged(completed["results"][0]) == {"hate"}
    assert response_problems(MODERATIONS, completed) == []


def test_body_without_results_follows_the_rule_and_recordings_stay() -> None:
    completed = moderations.SHAPE.complete({}, {"model": OMNI, "input": ["ok", "kill"]})
    assert isinstance(completed, dict)
    assert [r["flagged"] for r in completed["results"]] == [False, True]
    recorded = _synthesize(input="Have a great day!")
    assert moderations.SHAPE.complete(recorded, {"input": "Have a great day!"}) == recorded
