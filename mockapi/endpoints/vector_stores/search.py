"""``POST /v1/vector_stores/{id}/search``: the stored chunks of a vector store, ranked.

Results are the real chunks of the store's completed files (:mod:`.passages`), those
whose file passes ``filters`` (:mod:`.filters`), ranked by
:mod:`mockapi.generate.retrieval` (texts that share words and stems score higher;
scores in [0, 1], equal scores in file order then chunk order), at most
``max_num_results`` (1..50, default 10), none under ``ranking_options.score_threshold``.
Each result is one chunk: ``file_id``, ``filename``, ``score``, the file's
``attributes`` and ``content: [{"type": "text", "text": chunk}]``, in a
``vector_store.search_results.page`` that never has more (``has_more: false``,
``next_page: null``: the API returns one page of at most ``max_num_results``).

* ``query``: a string, or a list of them: a chunk scores its best over them;
* ``rewrite_query: true``: each query is rewritten for a keyword search before it is
  run (:func:`mockapi.generate.retrieval.rewrite`: the question's subject words, without
  stopwords and the filler of a request), and ``search_query`` lists the rewritten
  queries; otherwise ``search_query`` lists the queries as given;
* ``ranking_options.ranker``: ``auto`` and ``default-2024-11-15`` re-rank (the
  similarity weighs how much of the query a chunk holds as well as how close it is);
  ``none`` ranks by the plain vector similarity (cosine), as a search without
  re-ranking does.

The same search serves the Responses ``file_search`` tool (:func:`search`), over one
store or several. An unknown (or expired) store is the API's 404.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.vector_stores import filters as attribute_filters
from mockapi.endpoints.vector_stores import index, records
from mockapi.endpoints.vector_stores.passages import Passage
from mockapi.errors import APIError
from mockapi.generate import retrieval
from mockapi.library.fixture import FixtureResponse

DEFAULT_RESULTS = 10
MAX_RESULTS = 50
RANKERS = ("auto", "default-2024-11-15", "none")


@dataclass(frozen=True)
class Search:
    """What to search for and how, as a request asks it."""

    queries: tuple[str, ...]
    """The queries run (rewritten when ``rewrite_query`` asked it)."""
    filters: Mapping[str, Any] | None = None
    limit: int = DEFAULT_RESULTS
    threshold: float = 0.0
    rerank: bool = True


def search(
    ctx: Context, vector_store_ids: Sequence[str], asked: Search
) -> list[retrieval.Hit[Passage]]:
    """The chunks of the stores that answer ``asked``, best first (404 for an unknown
    store). Chunks are ranked together across stores, in the order the stores are given
    when their scores are equal: each store's best (:mod:`.index`), then all of them.

    Searching a store marks it active (``last_active_at``, which moves its
    ``expires_at``)."""
    found: list[retrieval.Hit[Passage]] = []
    for vector_store_id in vector_store_ids:
        found.extend(_search_one(ctx, vector_store_id, asked))
    found.sort(key=lambda hit: -hit.score)  # stable: ties keep the stores' order
    return found[: max(0, asked.limit)]


def _search_one(ctx: Context, vector_store_id: str, asked: Search) -> list[retrieval.Hit[Passage]]:
    records.usable(ctx, vector_store_id)
    records.touch(ctx, vector_store_id)
    kept = index.of(ctx, vector_store_id)
    allowed = None
    if asked.filters is not None:
        rule = asked.filters
        given = index.attributes(ctx, vector_store_id, kept)
        passing = [attribute_filters.matches(rule, attributes) for attributes in given]
        allowed = lambda position: passing[kept.places[position][0]]  # noqa: E731
    texts = index.Texts(ctx, vector_store_id, kept)
    ranked = kept.chunks.top(
        asked.queries,
        limit=asked.limit,
        threshold=asked.threshold,
        rerank=asked.rerank,
        allowed=allowed,
        text_of=texts,
    )
    hits = []
    for position, score in ranked:
        slot, number = kept.places[position]
        file_id = kept.file_ids[slot]
        passage = Passage(
            file_id,
            kept.filenames[slot],
            index.attributes_of(ctx, vector_store_id, file_id),
            texts(position),
            number,
        )
        hits.append(retrieval.Hit(passage, score))
    return hits


def result(hit: retrieval.Hit[Passage]) -> dict[str, Any]:
    """One result of a search page: the chunk, its file and its score."""
    passage = hit.item
    return {
        "file_id": passage.file_id,
        "filename": passage.filename,
        "score": hit.score,
        "attributes": dict(passage.attributes),
        "content": [{"type": "text", "text": passage.text}],
    }


def queries_of(value: Any, *, param: str = "query") -> tuple[str, ...]:
    """The queries of a ``query`` value (a string or a list of strings); the API's 400
    for an empty one."""
    given = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if given is None or not all(isinstance(q, str) for q in given):
        raise APIError(
            400,
            f"Invalid '{param}': expected a string or an array of strings, but got "
            f"{value!r} instead.",
            param=param,
            code="invalid_type",
        )
    if not given or not all(q.strip() for q in given):
        raise APIError(
            400,
            f"Invalid '{param}': a query must not be empty. Send the text to search for.",
            param=param,
            code="empty_string",
        )
    return tuple(given)


def limit_of(value: Any, *, default: int, param: str = "max_num_results") -> int:
    """``max_num_results`` (``default`` when not given); the API's 400 outside 1..50."""
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise APIError(
            400,
            f"Invalid '{param}': expected an integer, but got {value!r} instead.",
            param=param,
            code="invalid_type",
        )
    if not 1 <= value <= MAX_RESULTS:
        side, compare, bound = ("below", ">=", 1) if value < 1 else ("above", "<=", MAX_RESULTS)
        limit = "min" if side == "below" else "max"
        raise APIError(
            400,
            f"Invalid '{param}': integer {side} {limit}imum value. Expected a value "
            f"{compare} {bound}, but got {value} instead.",
            param=param,
            code=f"integer_{side}_{limit}_value",
        )
    return value


def ranking_of(value: Any, *, param: str = "ranking_options") -> tuple[float, bool]:
    """``ranking_options`` as (score threshold, whether to re-rank)."""
    options = value if isinstance(value, dict) else {}
    ranker = options.get("ranker") or "auto"
    if ranker not in RANKERS:
        supported = ", ".join(f"'{name}'" for name in RANKERS)
        raise APIError(
            400,
            f"Invalid value: '{ranker}'. Supported values are: {supported}.",
            param=f"{param}.ranker",
            code="invalid_value",
        )
    threshold = options.get("score_threshold")
    if threshold is None:
        threshold = 0.0
    if (
        not isinstance(threshold, (int, float))
        or isinstance(threshold, bool)
        or not 0 <= threshold <= 1
    ):
        raise APIError(
            400,
            f"Invalid '{param}.score_threshold': expected a number between 0 and 1, "
            f"but got {threshold!r} instead.",
            param=f"{param}.score_threshold",
            code="invalid_value",
        )
    return float(threshold), ranker != "none"


def filters_of(value: Any, *, param: str = "filters") -> Mapping[str, Any] | None:
    """``filters`` checked (None when not given)."""
    if value is None:
        return None
    attribute_filters.check(value, param)
    return dict(value)


# -- POST /v1/vector_stores/{vector_store_id}/search -------------------------------------------


def search_route(ctx: Context) -> FixtureResponse:
    """``POST /v1/vector_stores/{id}/search``: a ``vector_store.search_results.page``."""
    body = ctx.body
    queries = queries_of(body.get("query"))
    if body.get("rewrite_query") is True:
        queries = tuple(retrieval.rewrite(q) for q in queries)
    threshold, rerank = ranking_of(body.get("ranking_options"))
    asked = Search(
        queries=queries,
        filters=filters_of(body.get("filters")),
        limit=limit_of(body.get("max_num_results"), default=DEFAULT_RESULTS),
        threshold=threshold,
        rerank=rerank,
    )
    hits = search(ctx, [ctx.params["vector_store_id"]], asked)
    page = {
        "object": "vector_store.search_results.page",
        "search_query": list(queries),
        "data": [result(hit) for hit in hits],
        "has_more": False,
        "next_page": None,
    }
    return FixtureResponse(body=page)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST", "/v1/vector_stores/{vector_store_id}/search", body=Body.JSON, lookup=search_route
    ),
)
