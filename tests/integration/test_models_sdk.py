from __future__ import annotations

import openai
import pytest

from mockapi.config import OnMiss
from tests.helpers import running_server


def test_models_list_and_retrieve(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids and "text-embedding-3-small" in ids
    model = client.models.retrieve("gpt-4o-mini")
    assert model.id == "gpt-4o-mini"
    assert model.object == "model"
    assert model.owned_by == "system"


def test_retrieve_unknown_model_is_model_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-9-imaginary")
    assert caught.value.code == "model_not_found"
    assert "The model `gpt-9-imaginary` does not exist" in caught.value.message


def test_synthesize_answers_unmatched_requests_deterministically() -> None:
    with (
        running_server(on_miss=OnMiss.SYNTHESIZE) as server,
        openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client,
    ):
        ask = [{"role": "user", "content": "Tell me about otters"}]
        one = client.chat.completions.create(model="gpt-4o", messages=ask)  # type: ignore[arg-type]
        two = client.chat.completions.create(model="gpt-4o", messages=ask)  # type: ignore[arg-type]
        other = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Tell me about owls"}]
        )
    assert one.choices[0].message.content == two.choices[0].message.content
    assert "otters" in (one.choices[0].message.content or "")
    assert other.choices[0].message.content != one.choices[0].message.content
    assert one.id != two.id
