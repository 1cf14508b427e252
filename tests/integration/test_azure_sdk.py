"""Azure OpenAI clients (the SDK's AzureOpenAI / AsyncAzureOpenAI) against the mock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

API_VERSION = "2024-10-21"
GREETING = [{"role": "user", "content": "Hello there!"}]  # fixtures/chat/greeting.yaml
COUNTING = [{"role": "user", "content": "Please count to five"}]  # fixtures/chat/streamed.yaml
CHAT = "POST /v1/chat/completions"


@pytest.fixture(scope="module")
def strict_server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


@pytest.fixture(scope="module")
def synth_server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


def _azure(server: ServerThread, **options: Any) -> openai.AzureOpenAI:
    kwargs: dict[str, Any] = {"api_key": "az-test-key", "max_retries": 0}
    kwargs.update(options)
    return openai.AzureOpenAI(
        azure_endpoint=server.url,
        api_version=API_VERSION,
        _strict_response_validation=True,
        **kwargs,
    )


def _paths(server: ServerThread, count: int) -> list[str]:
    return [e.path for e in server.replayer.journal.entries()][-count:]  # type: ignore[attr-defined]


def test_chat_completion_from_a_fixture(strict_server: ServerThread) -> None:
    with _azure(strict_server) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=GREETING
        )
    assert raw.http_request.url.path == "/openai/deployments/gpt-4o-mini/chat/completions"
    assert raw.http_request.headers["api-key"] == "az-test-key"
    assert response_problems(CHAT, raw.http_response.json()) == []
    answer = raw.parse()
    assert answer.choices[0].message.content == "Hello! How can I help you today?"
    # The journal (and so the inspector) shows the OpenAI path the request stood for.
    [entry] = strict_server.replayer.journal.entries()[-1:]  # type: ignore[attr-defined]
    assert entry.path == "/v1/chat/completions" and entry.fixture == "greeting"


def test_streamed_chat_completion_from_a_fixture(strict_server: ServerThread) -> None:
    with _azure(strict_server) as client:
        with client.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=COUNTING, stream=True
        ) as response:
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
        chunks = list(
            client.chat.completions.create(model="gpt-4o-mini", messages=COUNTING, stream=True)
        )
    events = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert lines[-1] == "data: [DONE]" and len(events) == len(chunks)
    for event in events:
        assert response_problems(CHAT, event, role="stream_event") == []
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "One, two, three, four, five."


def test_embeddings_synthesized(synth_server: ServerThread) -> None:
    with _azure(synth_server) as client:
        raw = client.embeddings.with_raw_response.create(
            # The SDK asks for base64 unless told, and its strict mode then refuses the
            # base64 strings before decoding them (as against the real API): ask for floats.
            model="text-embedding-3-small",
            input=["otters", "owls"],
            encoding_format="float",
        )
    assert raw.http_request.url.path == "/openai/deployments/text-embedding-3-small/embeddings"
    assert response_problems("POST /v1/embeddings", raw.http_response.json()) == []
    answer = raw.parse()
    assert [d.index for d in answer.data] == [0, 1]
    assert len(answer.data[0].embedding) == 1536


def test_synthesized_chat_names_the_deployment_as_model(synth_server: ServerThread) -> None:
    answer = httpx.post(
        f"{synth_server.url}/openai/deployments/my-gpt-deployment/chat/completions",
        params={"api-version": API_VERSION},
        json={"messages": [{"role": "user", "content": "Tell me about otters"}]},
        headers={"api-key": "az-test-key"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["model"] == "my-gpt-deployment"
    assert response_problems(CHAT, answer.json()) == []


def test_the_api_key_is_required(strict_server: ServerThread) -> None:
    answer = httpx.post(
        f"{strict_server.url}/openai/deployments/gpt-4o-mini/chat/completions",
        params={"api-version": API_VERSION},
        json={"model": "gpt-4o-mini", "messages": GREETING},
    )
    assert answer.status_code == 401
    assert answer.json()["message"].startswith("Access denied due to missing subscription key")
    with _azure(strict_server, api_key=None, azure_ad_token="entra-token") as client:
        made = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=GREETING
        )
    assert made.http_request.headers["authorization"] == "Bearer entra-token"
    assert made.parse().choices[0].message.content == "Hello! How can I help you today?"


def test_a_wrong_key_is_refused_when_the_server_checks_keys() -> None:
    with running_server(api_keys=("az-good",)) as server:
        with _azure(server, api_key="az-bad") as client, pytest.raises(openai.AuthenticationError):
            client.chat.completions.create(model="gpt-4o-mini", messages=GREETING)
        with _azure(server, api_key="az-good") as client:
            assert client.chat.completions.create(model="gpt-4o-mini", messages=GREETING).id


def test_a_missing_api_version_is_azures_404(strict_server: ServerThread) -> None:
    answer = httpx.post(
        f"{strict_server.url}/openai/deployments/gpt-4o-mini/chat/completions",
        json={"model": "gpt-4o-mini", "messages": GREETING},
        headers={"api-key": "az-test-key"},
    )
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "404" and error["message"].startswith("Resource not found")
    assert "api-version" in error["message"]


def test_non_deployment_routes_and_stored_completions(strict_server: ServerThread) -> None:
    strict_server.replayer.reset()  # type: ignore[attr-defined]
    with _azure(strict_server) as client:
        assert "gpt-4o-mini" in [m.id for m in client.models.list()]
        made = client.chat.completions.create(
            model="gpt-4o-mini", messages=GREETING, store=True, metadata={"via": "azure"}
        )
        assert [c.id for c in client.chat.completions.list()] == [made.id]
        assert client.chat.completions.retrieve(made.id).metadata == {"via": "azure"}
        assert client.chat.completions.delete(made.id).deleted is True
    assert _paths(strict_server, 5) == [
        "/v1/models",
        "/v1/chat/completions",
        "/v1/chat/completions",
        f"/v1/chat/completions/{made.id}",
        f"/v1/chat/completions/{made.id}",
    ]


def test_the_v1_url_shape_needs_no_api_version(strict_server: ServerThread) -> None:
    with openai.OpenAI(
        base_url=f"{strict_server.url}/openai/v1/",
        api_key="az-test-key",
        max_retries=0,
        _strict_response_validation=True,
    ) as client:
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=GREETING)
    assert answer.choices[0].message.content == "Hello! How can I help you today?"
    assert _paths(strict_server, 1) == ["/v1/chat/completions"]


def test_async_azure_client_plain_and_streamed(strict_server: ServerThread) -> None:
    async def scenario() -> tuple[str | None, str]:
        async with openai.AsyncAzureOpenAI(
            azure_endpoint=strict_server.url,
            api_version=API_VERSION,
            api_key="az-test-key",
            max_retries=0,
            _strict_response_validation=True,
        ) as client:
            plain = await client.chat.completions.create(model="gpt-4o-mini", messages=GREETING)
            stream = await client.chat.completions.create(
                model="gpt-4o-mini", messages=COUNTING, stream=True
            )
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            return plain.choices[0].message.content, text

    plain, streamed = asyncio.run(scenario())
    assert plain == "Hello! How can I help you today?"
    assert streamed == "One, two, three, four, five."
