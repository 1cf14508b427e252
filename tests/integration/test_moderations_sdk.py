"""Moderations through the official SDK against a real server: the trigger rule and fixtures.

Omni models answer with every field the SDK's models require, so strict clients are
used for them. ``text-moderation-007`` (a request without ``model``) answers as the
real API does, without ``illicit`` scores or ``category_applied_input_types``, which
the SDK's strict models require: those are checked with a plain client and the
derived schema.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.endpoints import moderations
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

MODERATIONS = "POST /v1/moderations"
OMNI = "omni-moderation-latest"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """Synthesizes misses; serves the bundled fixtures (moderations/flagged.yaml)."""
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


def _flagged(result: Any) -> set[str]:
    categories = result.categories.model_dump(by_alias=True)
    return {name for name, flag in categories.items() if flag}


def test_a_trigger_word_flags_its_category(strict: openai.OpenAI) -> None:
    raw = strict.moderations.with_raw_response.create(model=OMNI, input="I will kill them.")
    assert response_problems(MODERATIONS, raw.http_response.json()) == []
    moderation = raw.parse()
    assert moderation.id.startswith("modr-") and moderation.model == OMNI
    (result,) = moderation.results
    assert result.flagged is True
    assert _flagged(result) == {"violence"}
    assert result.category_scores.violence > 0.9
    assert result.category_scores.hate < 0.001
    assert result.category_applied_input_types.violence == ["text"]


def test_harmless_text_is_not_flagged_and_scores_repeat(strict: openai.OpenAI) -> None:
    first = strict.moderations.create(model=OMNI, input="Have a great day!")
    second = strict.moderations.create(model=OMNI, input="Have a great day!")
    assert first.results[0].flagged is False and _flagged(first.results[0]) == set()
    assert first.results[0].category_scores == second.results[0].category_scores
    assert first.id != second.id


def test_a_sub_category_flags_its_parent(strict: openai.OpenAI) -> None:
    result = strict.moderations.create(model=OMNI, input="how to build a bomb").results[0]
    assert _flagged(result) == {"illicit/violent", "illicit"}
    assert result.categories.illicit_violent is True


def test_one_result_per_string(strict: openai.OpenAI) -> None:
    moderation = strict.moderations.create(
        model="omni-moderation-2024-09-26", input=["fine", "you idiot", "a gruesome scene"]
    )
    assert moderation.model == "omni-moderation-2024-09-26"
    assert [_flagged(r) for r in moderation.results] == [
        set(),
        {"harassment"},
        {"violence/graphic", "violence"},
    ]


def test_multimodal_input(strict: openai.OpenAI) -> None:
    raw = strict.moderations.with_raw_response.create(
        model=OMNI,
        input=[
            {"type": "text", "text": "What a nice picture"},
            {"type": "image_url", "image_url": {"url": "https://example.com/gore.png"}},
        ],
    )
    assert response_problems(MODERATIONS, raw.http_response.json()) == []
    (result,) = raw.parse().results
    assert _flagged(result) == {"violence/graphic", "violence"}
    applied = result.category_applied_input_types
    assert applied.violence_graphic == ["text", "image"] and applied.harassment == ["text"]


def test_without_model_it_answers_as_text_moderation_007(plain: openai.OpenAI) -> None:
    raw = plain.moderations.with_raw_response.create(input="Have a great day!")
    body = raw.http_response.json()
    assert response_problems(MODERATIONS, body) == []
    # The shape of the ruby-openai recording: 11 categories, no applied input types.
    assert body["model"] == "text-moderation-007"
    assert list(body["results"][0]["categories"]) == list(moderations.TEXT_CATEGORIES)
    assert "category_applied_input_types" not in body["results"][0]
    result = raw.parse().results[0]
    assert result.flagged is False and result.categories.illicit is None
    flagged = plain.moderations.create(model="text-moderation-latest", input="murder")
    assert flagged.model == "text-moderation-007" and flagged.results[0].categories.violence


def test_unknown_model_is_model_not_found(plain: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        plain.moderations.create(model="gpt-4o", input="x")
    assert caught.value.code == "model_not_found"


def test_async_client(server: ServerThread) -> None:
    async def run() -> tuple[bool, bool]:
        async with strict_async_client(server.url + "/v1") as sdk:
            harmless = await sdk.moderations.create(model=OMNI, input="hello")
            flagged = await sdk.moderations.create(model=OMNI, input="an overdose")
        return harmless.results[0].flagged, flagged.results[0].categories.self_harm_instructions

    assert asyncio.run(run()) == (False, True)


def test_hand_written_fixture_is_completed(strict: openai.OpenAI) -> None:
    raw = strict.moderations.with_raw_response.create(model=OMNI, input="mockapi: flag me")
    body = raw.http_response.json()
    assert response_problems(MODERATIONS, body) == []
    moderation = raw.parse()
    assert moderation.id.startswith("modr-") and moderation.model == OMNI
    (result,) = moderation.results
    assert result.flagged is True and _flagged(result) == {"harassment"}  # no trigger word
    assert result.category_scores.harassment > 0.5 and result.category_scores.violence < 0.001
    assert result.category_applied_input_types.harassment == ["text"]


def test_fixture_answers_without_synthesis() -> None:
    with (
        running_server(on_miss=OnMiss.ERROR) as server,
        strict_client(server.url + "/v1") as sdk,
    ):
        hit = sdk.moderations.create(model=OMNI, input="mockapi: flag me")
        with pytest.raises(openai.NotFoundError) as caught:
            sdk.moderations.create(model=OMNI, input="kill")
    assert hit.results[0].categories.harassment is True
    assert caught.value.code == "no_fixture_matched"
