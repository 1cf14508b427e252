"""Vector store search on a real server through the official SDK (strict validation):
three documents uploaded and attached with attributes, a phrase of the second ranks it
first with its passage, attribute and compound filters, score_threshold, rewrite_query,
the API's 404 and 400s; every answer checked against the derived schema."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client
from tests.integration.vector_store_documents import Document, make_store

SEARCH = "POST /v1/vector_stores/{vector_store_id}/search"
DOCUMENTS: tuple[Document, ...] = (
    (
        "returns.md",
        b"# Returns\n\nItems may be returned within 30 days of purchase with a receipt. "
        b"Refunds go to the original payment method.",
        {"topic": "returns", "year": 2023, "public": True},
    ),
    (
        "warranty.txt",
        b"The warranty covers manufacturing defects for two years. Batteries are covered "
        b"for six months only. To file a claim, contact support with your order number.",
        {"topic": "warranty", "year": 2024, "public": False},
    ),
    (
        "shipping.html",
        b"<html><body><h1>Shipping</h1><p>Express delivery takes two business days and "
        b"costs 15 dollars. Batteries ship by ground only.</p></body></html>",
        {"topic": "shipping", "year": 2025, "public": True},
    ),
)
PHRASE = "Batteries are covered for six months only"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:  # search answers from state
        yield started


@pytest.fixture(scope="module")
def store(server: ServerThread) -> tuple[str, list[str]]:
    """The vector store of the three documents (file ids in upload order), made once."""
    return make_store(server.url + "/v1", DOCUMENTS)


def search(raw: httpx.Client, store_id: str, **body: object) -> dict[str, Any]:
    """A raw search answer, checked against the derived schema."""
    answer = raw.post(f"/v1/vector_stores/{store_id}/search", json=body)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert response_problems(SEARCH, page) == []
    return dict(page)


def test_a_phrase_of_the_second_document_ranks_it_first(
    strict: openai.OpenAI, store: tuple[str, list[str]]
) -> None:
    store_id, (returns, warranty, shipping) = store
    page = strict.vector_stores.search(store_id, query=PHRASE)
    first = page.data[0]
    assert (first.file_id, first.filename) == (warranty, "warranty.txt")
    assert PHRASE in first.content[0].text and first.content[0].type == "text"
    assert first.attributes == {"topic": "warranty", "year": 2024, "public": False}
    assert [r.score for r in page.data] == sorted((r.score for r in page.data), reverse=True)
    assert first.score > 0.5 > page.data[1].score > 0
    assert {r.file_id for r in page.data} == {returns, warranty, shipping}


def test_filters_exclude_files(
    strict: openai.OpenAI, raw: httpx.Client, store: tuple[str, list[str]]
) -> None:
    store_id, (returns, warranty, shipping) = store
    public = strict.vector_stores.search(
        store_id, query=PHRASE, filters={"type": "eq", "key": "public", "value": True}
    )
    assert [r.file_id for r in public.data] == [shipping, returns]  # batteries, then not
    compound = {
        "type": "or",
        "filters": [
            {"type": "eq", "key": "topic", "value": "warranty"},
            {
                "type": "and",
                "filters": [
                    {"type": "gte", "key": "year", "value": 2024},
                    {"type": "nin", "key": "topic", "value": ["warranty"]},
                ],
            },
        ],
    }
    page = search(raw, store_id, query=PHRASE, filters=compound)
    assert [r["file_id"] for r in page["data"]] == [warranty, shipping]


def test_score_threshold_max_results_and_rewrite(
    strict: openai.OpenAI, raw: httpx.Client, store: tuple[str, list[str]]
) -> None:
    store_id, (_, warranty, _) = store
    best = strict.vector_stores.search(store_id, query=PHRASE).data[0].score
    strict_page = strict.vector_stores.search(
        store_id, query=PHRASE, ranking_options={"score_threshold": best}
    )
    assert [r.file_id for r in strict_page.data] == [warranty]
    assert len(strict.vector_stores.search(store_id, query=PHRASE, max_num_results=2).data) == 2
    page = search(
        raw, store_id, query=["Can you tell me about express delivery?"], rewrite_query=True
    )
    assert page["search_query"] == ["express delivery"]
    assert page["has_more"] is False and page["next_page"] is None


def test_the_async_client_searches_too(server: ServerThread, store: tuple[str, list[str]]) -> None:
    store_id, (_, warranty, _) = store

    async def run() -> str:
        async with strict_async_client(server.url + "/v1") as sdk:
            page = await sdk.vector_stores.search(store_id, query="how long battery coverage")
            return page.data[0].file_id

    assert asyncio.run(run()) == warranty


def test_the_api_errors(strict: openai.OpenAI, store: tuple[str, list[str]]) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        strict.vector_stores.search("vs_unknown", query=PHRASE)
    assert "vs_unknown" in missing.value.message
    with pytest.raises(openai.BadRequestError) as too_many:
        strict.vector_stores.search(store[0], query=PHRASE, max_num_results=51)
    assert too_many.value.code == "integer_above_max_value"
    with pytest.raises(openai.BadRequestError) as bad_filter:
        strict.vector_stores.search(
            store[0],
            query=PHRASE,
            filters={"type": "in", "key": "topic", "value": "warranty"},
        )
    assert bad_filter.value.param == "filters.value"
