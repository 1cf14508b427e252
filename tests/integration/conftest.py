from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.web.server import ServerThread
from tests.helpers import running_server, strict_client

API_KEY = "sk-test-mockapi"


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    with running_server() as started:
        yield started


@pytest.fixture
def base_url(server: ServerThread) -> str:
    return server.url + "/v1"


@pytest.fixture
def client(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def raw(server: ServerThread) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
        yield http


@pytest.fixture
def strict(server: ServerThread) -> Iterator[openai.OpenAI]:
    """The SDK with its strict response validation on, against this module's ``server``."""
    with strict_client(server.url + "/v1", api_key=API_KEY) as sdk:
        yield sdk


@pytest.fixture
def plain(server: ServerThread) -> Iterator[openai.OpenAI]:
    """The SDK as users build it (lenient validation), against this module's ``server``:
    for answers the real API sends that the SDK's strict models refuse."""
    with openai.OpenAI(base_url=server.url + "/v1", api_key=API_KEY, max_retries=0) as sdk:
        yield sdk
