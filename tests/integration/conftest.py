from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.server import ServerThread
from tests.helpers import running_server

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
