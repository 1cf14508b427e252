"""Vector store search without a server: the route over stored chunks (ranking, filters,
threshold, ranker, rewrite, limits, the API's errors) and the attribute filters."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.vector_stores import filters
from mockapi.endpoints.vector_stores import search as vs_search
from mockapi.errors import APIError
from tests.unit.endpoints.file_search_state import Stores

ENDPOINT = vs_search.ENDPOINTS[0]


def searched(stores: Stores, body: dict[str, Any], store: str = "vs_policies") -> dict[str, Any]:
    ctx = stores.context(ENDPOINT, body, params={"vector_store_id": store})
    return dict(vs_search.search_route(ctx).body)


def files_of(page: dict[str, Any]) -> list[str]:
    return [result["file_id"] for result in page["data"]]


@pytest.fixture
def stores() -> Stores:
    made = Stores()
    made.policies()
    return made


def test_the_chunk_holding_the_phrase_ranks_first_with_its_text(stores: Stores) -> None:
    page = searched(stores, {"query": "Batteries are covered for six months only"})
    assert page["object"] == "vector_store.search_results.page"
    assert page["search_query"] == ["Batteries are covered for six months only"]
    assert (page["has_more"], page["next_page"]) == (False, None)
    first = page["data"][0]
    assert first["file_id"] == "file-warranty"
    assert first["filename"] == "warranty.txt"
    assert first["attributes"] == {"topic": "warranty", "year": 2024}
    assert "six months only" in first["content"][0]["text"]
    assert first["content"][0]["type"] == "text"
    scores = [result["score"] for result in page["data"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] < scores[0] <= 1


def test_filters_compound_and_nested(stores: Stores) -> None:
    query = {"query": "Batteries are covered for six months only"}
    not_warranty = {"type": "ne", "key": "topic", "value": "warranty"}
    page = searched(stores, {**query, "filters": not_warranty})
    assert "file-warranty" not in files_of(page) and files_of(page)
    recent = {"type": "gte", "key": "year", "value": 2024}
    both = {"type": "and", "filters": [recent, not_warranty]}
    assert files_of(searched(stores, {**query, "filters": both})) == ["file-shipping"]
    either = {
        "type": "or",
        "filters": [{"type": "eq", "key": "topic", "value": "returns"}, both],
    }
    assert set(files_of(searched(stores, {**query, "filters": either}))) == {
        "file-returns",
        "file-shipping",
    }
    listed = {"type": "in", "key": "topic", "value": ["returns", "warranty"]}
    assert set(files_of(searched(stores, {**query, "filters": listed}))) == {
        "file-returns",
        "file-warranty",
    }


def test_max_num_results_threshold_ranker_and_several_queries(stores: Stores) -> None:
    query = "How long are batteries covered?"
    assert len(searched(stores, {"query": query, "max_num_results": 1})["data"]) == 1
    everything = searched(stores, {"query": query})
    best = everything["data"][0]["score"]
    strict = searched(stores, {"query": query, "ranking_options": {"score_threshold": best}})
    assert files_of(strict) == ["file-warranty"]
    plain = searched(stores, {"query": query, "ranking_options": {"ranker": "none"}})
    assert plain["data"][0]["file_id"] == "file-warranty"
    assert plain["data"][0]["score"] < best  # no re-ranking: the plain cosine
    two = searched(stores, {"query": ["return policy", "express delivery"]})
    assert set(files_of(two)[:2]) == {"file-returns", "file-shipping"}
    assert two["search_query"] == ["return policy", "express delivery"]


def test_rewrite_query_searches_the_subject_and_says_so(stores: Stores) -> None:
    page = searched(
        stores,
        {"query": "Could you please tell me about the return policy?", "rewrite_query": True},
    )
    assert page["search_query"] == ["return policy"]
    assert files_of(page)[0] == "file-returns"


def test_ties_come_in_file_order_then_chunk_order() -> None:
    stores = Stores()
    chunk = "The same paragraph about invoices."
    stores.add(
        "vs_twins",
        [
            ("file-b", "b.txt", [chunk, "other text about invoices and more"], {}),
            ("file-a", "a.txt", [chunk], {}),
        ],
    )
    page = searched(stores, {"query": "invoices paragraph"}, store="vs_twins")
    assert files_of(page)[:2] == ["file-b", "file-a"]
    assert page["data"][0]["score"] == page["data"][1]["score"]


def test_only_completed_files_are_searched_and_an_unknown_store_is_404() -> None:
    stores = Stores()
    stores.add("vs_busy", [("file-x", "x.txt", ["invoices"], {})], status="in_progress")
    assert searched(stores, {"query": "invoices"}, store="vs_busy")["data"] == []
    with pytest.raises(APIError) as caught:
        searched(stores, {"query": "invoices"}, store="vs_missing")
    assert caught.value.status == 404 and "vs_missing" in caught.value.message


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"query": ""}, "query"),
        ({"query": []}, "query"),
        ({"query": 3}, "query"),
        ({"query": "x", "max_num_results": 51}, "max_num_results"),
        ({"query": "x", "max_num_results": 0}, "max_num_results"),
        ({"query": "x", "ranking_options": {"ranker": "best"}}, "ranking_options.ranker"),
        ({"query": "x", "ranking_options": {"score_threshold": 2}},
         "ranking_options.score_threshold"),
        ({"query": "x", "filters": {"type": "like", "key": "a", "value": 1}}, "filters.type"),
        ({"query": "x", "filters": {"type": "in", "key": "a", "value": "b"}}, "filters.value"),
        ({"query": "x", "filters": {"type": "eq", "key": "a", "value": [1]}}, "filters.value"),
        ({"query": "x", "filters": {"type": "and", "filters": [{"type": "eq"}]}},
         "filters.filters[0].key"),
    ],
)  # fmt: skip
def test_the_api_errors_name_the_parameter(
    stores: Stores, body: dict[str, Any], param: str
) -> None:
    with pytest.raises(APIError) as caught:
        searched(stores, body)
    assert (caught.value.status, caught.value.param) == (400, param)


ATTRIBUTES = {"author": "Ada", "year": 2024, "draft": False, "score": 2.0, "date": "2024-05-01"}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"type": "eq", "key": "author", "value": "Ada"}, True),
        ({"type": "eq", "key": "author", "value": "ada"}, False),  # case matters
        ({"type": "eq", "key": "score", "value": 2}, True),  # 2 equals 2.0
        ({"type": "eq", "key": "draft", "value": 0}, False),  # false is not 0
        ({"type": "eq", "key": "draft", "value": False}, True),
        ({"type": "ne", "key": "author", "value": "Bob"}, True),
        ({"type": "gt", "key": "year", "value": 2023}, True),
        ({"type": "lt", "key": "year", "value": 2024}, False),
        ({"type": "lte", "key": "year", "value": 2024}, True),
        ({"type": "gt", "key": "date", "value": "2024-01-31"}, True),  # ISO dates order
        ({"type": "gt", "key": "author", "value": 3}, False),  # kinds differ
        ({"type": "gt", "key": "draft", "value": -1}, False),  # booleans do not order
        ({"type": "in", "key": "year", "value": [2023, 2024]}, True),
        ({"type": "nin", "key": "author", "value": ["Ada", "Bob"]}, False),
        ({"type": "eq", "key": "missing", "value": "x"}, False),
        ({"type": "ne", "key": "missing", "value": "x"}, True),
        ({"type": "nin", "key": "missing", "value": ["x"]}, True),
        ({"type": "and", "filters": []}, True),
        ({"type": "or", "filters": []}, False),
    ],
)
def test_comparisons(rule: dict[str, Any], expected: bool) -> None:
    filters.check(rule)
    assert filters.matches(rule, ATTRIBUTES) is expected


def test_nesting_is_bounded() -> None:
    rule: dict[str, Any] = {"type": "eq", "key": "a", "value": 1}
    for _ in range(filters.MAX_DEPTH + 1):
        rule = {"type": "and", "filters": [rule]}
    with pytest.raises(APIError) as caught:
        filters.check(rule)
    assert "nested deeper" in caught.value.message
