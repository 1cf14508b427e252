"""DELETE /v1/models/{model} through the official SDK: fine-tuned ids (with colons)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

FINE_TUNED = "ft:gpt-4o-mini-2024-07-18:acme::abc123"
OTHER_TUNED = "ft:gpt-4o-mini-2024-07-18:acme:support:def456"
MODELS = f"""\
version: 1
fixtures:
  - name: models-with-fine-tunes
    match: {{method: GET, path: /v1/models}}
    response:
      body:
        object: list
        data:
          - {{id: gpt-4o-mini, object: model, created: 1721172741, owned_by: system}}
          - {{id: "{FINE_TUNED}", object: model, created: 1730000000, owned_by: acme}}
          - {{id: "{OTHER_TUNED}", object: model, created: 1730000100, owned_by: acme}}
"""
DELETE = "DELETE /v1/models/{model}"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    (folder / "models.yaml").write_text(MODELS)
    return folder


@pytest.fixture(scope="module")
def strict_server(library: Path) -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR, fixture_dirs=(library,)) as started:
        yield started


@pytest.fixture(scope="module")
def synth_server(library: Path) -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=(library,)) as started:
        yield started


@pytest.fixture
def client(strict_server: ServerThread) -> Iterator[openai.OpenAI]:
    strict_server.replayer.reset()  # type: ignore[attr-defined]
    with strict_client(strict_server.url + "/v1") as sdk:
        yield sdk


def test_a_listed_fine_tuned_model_is_deleted_then_gone(client: openai.OpenAI) -> None:
    assert client.models.retrieve(FINE_TUNED).owned_by == "acme"
    raw = client.models.with_raw_response.delete(FINE_TUNED)
    assert response_problems(DELETE, raw.http_response.json()) == []
    assert raw.http_response.json() == {"id": FINE_TUNED, "object": "model", "deleted": True}
    deleted = raw.parse()
    assert deleted.id == FINE_TUNED and deleted.deleted is True and deleted.object == "model"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve(FINE_TUNED)
    assert caught.value.code == "model_not_found"
    assert f"The model `{FINE_TUNED}` does not exist" in caught.value.message
    # Deleting it again is the same 404; the other fine-tune is untouched.
    with pytest.raises(openai.NotFoundError):
        client.models.delete(FINE_TUNED)
    assert client.models.retrieve(OTHER_TUNED).id == OTHER_TUNED


def test_a_reset_brings_the_deleted_model_back(
    client: openai.OpenAI, strict_server: ServerThread
) -> None:
    client.models.delete(OTHER_TUNED)
    strict_server.replayer.reset()  # type: ignore[attr-defined]
    assert client.models.retrieve(OTHER_TUNED).id == OTHER_TUNED


def test_an_unknown_model_is_404_with_on_miss_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.delete("ft:gpt-4o-mini:acme::never")
    assert caught.value.code == "model_not_found"
    assert "ft:gpt-4o-mini:acme::never" in caught.value.message


def test_an_unknown_model_is_deleted_when_synthesizing(synth_server: ServerThread) -> None:
    synth_server.replayer.reset()  # type: ignore[attr-defined]
    unknown = "ft:gpt-4o-mini:acme::fixed999"
    with strict_client(synth_server.url + "/v1") as sdk:
        raw = sdk.models.with_raw_response.delete(unknown)
        assert response_problems(DELETE, raw.http_response.json()) == []
        assert raw.parse().id == unknown and raw.parse().deleted is True
        with pytest.raises(openai.NotFoundError):
            sdk.models.retrieve(unknown)


def test_async_delete(strict_server: ServerThread) -> None:
    strict_server.replayer.reset()  # type: ignore[attr-defined]

    async def scenario() -> None:
        async with strict_async_client(strict_server.url + "/v1") as sdk:
            deleted = await sdk.models.delete(FINE_TUNED)
            assert deleted.id == FINE_TUNED and deleted.deleted is True
            with pytest.raises(openai.NotFoundError):
                await sdk.models.retrieve(FINE_TUNED)

    asyncio.run(scenario())
