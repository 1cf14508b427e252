"""The Responses API's ``file_search`` tool in synthesis: search the vector stores, cite.

A request whose ``tools`` hold ``{"type": "file_search", "vector_store_ids": [...]}``
(with ``filters``, ``max_num_results`` and ``ranking_options`` as
``vector_stores.search`` takes them) is answered, when no fixture matched, by
:func:`answer`:

* the tool is checked first, whether or not it is called: each store must exist (the
  API's 404 ``No vector store found with id '...'``, ``param`` naming the tool's
  ``vector_store_ids``: the status and wording of the search endpoint, assumed for
  Responses too), ``max_num_results`` within 1..50 (default 20, what the API echoes),
  the filters and ranking options well formed. The tool is echoed with its defaults
  (``filters: null``, ``max_num_results: 20``, ``ranking_options: {"ranker": "auto",
  "score_threshold": 0.0}``), as the API echoes it;
* the model searches as :mod:`~mockapi.endpoints.responses.hosted` calls a hosted tool:
  when the turn ends with a user message and ``tool_choice`` lets it (``auto``,
  ``required`` or absent, unless the synthesis chose function calls that apply: they
  answer the turn), and always when ``tool_choice`` forces it (``{"type":
  "file_search"}``, or ``allowed_tools`` in ``required`` mode allowing only it); never
  with ``tool_choice: "none"``, another forced tool, or after a function call's output;
* it searches once, every store of the (first) ``file_search`` tool, with the last user
  message as its query (:func:`mockapi.endpoints.vector_stores.search.search`), and the
  output becomes a ``file_search_call`` item (``fs_...``, ``queries``, ``status:
  completed``, ``results`` only when ``include`` asks ``file_search_call.results``, else
  null) and a message quoting the sentence of the top passage that best answers the
  question (``According to {filename}: {sentence}``) with one ``file_citation``
  annotation (``file_id``, ``filename``, ``index``: the end of the quoted sentence).
  Nothing found: a message saying so, without citations. A reasoning model's reasoning
  item is kept before them. With a structured ``text.format`` the message keeps the
  synthesized JSON (an agent parses it) and cites nothing;
* ``usage.input_tokens`` also counts the retrieved chunks (each result's text, with the
  model's tokenizer): the API puts the search results into the model's context and
  bills them as input; the tool call's own fee is not in ``usage``. Assumed: no hidden
  per-tool prompt, and the queries the model writes are not counted as output.
  ``max_output_tokens`` cuts the message (``status: incomplete``).

Streamed, :mod:`~mockapi.endpoints.responses.stream` turns the call into
``response.file_search_call.in_progress``, ``.searching`` and ``.completed`` events and
the citation into ``response.output_text.annotation.added``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.responses import hosted
from mockapi.endpoints.responses import output as responses_output
from mockapi.endpoints.responses.items import new_id
from mockapi.endpoints.responses.synthesis import reasoning_tokens
from mockapi.endpoints.vector_stores import search as vs_search
from mockapi.endpoints.vector_stores.passages import Passage, find_vector_store
from mockapi.errors import APIError
from mockapi.generate import retrieval, text
from mockapi.wire import tokens
from mockapi.wire.canonical import ordered

INCLUDE_RESULTS = "file_search_call.results"
DEFAULT_RESULTS = 20
"""The tool's ``max_num_results`` when not given: what the API echoes (and the 20 chunks
file search has always returned to gpt-4 class models)."""
_CALL_ORDER = ("id", "type", "status", "queries", "results")
_CITATION_ORDER = ("type", "file_id", "filename", "index")


@dataclass(frozen=True)
class Tool:
    """A checked ``file_search`` tool."""

    vector_store_ids: tuple[str, ...]
    search: vs_search.Search
    """Its filters, result count and ranking (the queries are the question's)."""


def tools_of(ctx: Context) -> list[Tool]:
    """The request's ``file_search`` tools, checked (see the module docstring)."""
    found = []
    for number, tool in enumerate(ctx.body.get("tools") or []):
        if isinstance(tool, dict) and tool.get("type") == "file_search":
            found.append(_checked(ctx, tool, f"tools[{number}]"))
    return found


def _checked(ctx: Context, tool: Mapping[str, Any], param: str) -> Tool:
    stores = tool.get("vector_store_ids")
    if not isinstance(stores, list) or not all(isinstance(s, str) for s in stores):
        raise APIError(
            400,
            f"Invalid '{param}.vector_store_ids': expected an array of vector store ids.",
            param=f"{param}.vector_store_ids",
            code="invalid_type",
        )
    for vector_store_id in stores:
        try:
            find_vector_store(ctx, vector_store_id)
        except APIError as missing:
            raise APIError(
                missing.status, missing.message, param=f"{param}.vector_store_ids"
            ) from None
    threshold, rerank = vs_search.ranking_of(
        tool.get("ranking_options"), param=f"{param}.ranking_options"
    )
    asked = vs_search.Search(
        queries=(),
        filters=vs_search.filters_of(tool.get("filters"), param=f"{param}.filters"),
        limit=vs_search.limit_of(
            tool.get("max_num_results"),
            default=DEFAULT_RESULTS,
            param=f"{param}.max_num_results",
        ),
        threshold=threshold,
        rerank=rerank,
    )
    return Tool(tuple(stores), asked)


def echoed(tool: Mapping[str, Any], checked: Tool) -> dict[str, Any]:
    """A ``file_search`` tool as the response lists it: its defaults filled in."""
    ranking = tool.get("ranking_options")
    ranking = dict(ranking) if isinstance(ranking, dict) else {}
    ranking.setdefault("ranker", "auto")
    ranking.setdefault("score_threshold", 0.0)
    return {
        "type": "file_search",
        "filters": tool.get("filters"),
        "max_num_results": checked.search.limit,
        "ranking_options": ranking,
        "vector_store_ids": list(checked.vector_store_ids),
    }


def answer(
    ctx: Context, synthesized: dict[str, Any], history: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``synthesized`` (a response body from :func:`~mockapi.endpoints.responses.
    synthesis.synthesize`) with the file search made, when the request has the tool and
    the model would search (see the module docstring); unchanged without the tool."""
    tools = tools_of(ctx)
    if not tools:
        return synthesized
    body = dict(synthesized)
    checked = iter(tools)
    body["tools"] = [
        echoed(tool, next(checked)) if tool.get("type") == "file_search" else tool
        for tool in responses_output.echoed_tools(ctx.body)
    ]
    question = hosted.question(ctx.body, history, body.get("output") or [], "file_search")
    if question is None:
        return body
    tool = tools[0]
    queries = (" ".join(question.split()),)
    hits = vs_search.search(ctx, tool.vector_store_ids, replace(tool.search, queries=queries))
    call = _call(queries, hits, ctx.body)
    message = _message(ctx.body, body.get("output") or [], question, queries, hits)
    kept = [i for i in body.get("output") or [] if i.get("type") == "reasoning"]
    body["output"] = [*kept, call, message]
    body["status"] = message["status"]
    body["usage"] = _usage(ctx.body, body["output"], history, hits)
    return body


def _call(
    queries: Sequence[str], hits: Sequence[retrieval.Hit[Passage]], request: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``file_search_call`` output item."""
    results = None
    if INCLUDE_RESULTS in (request.get("include") or []):
        results = [
            {
                "attributes": dict(hit.item.attributes),
                "file_id": hit.item.file_id,
                "filename": hit.item.filename,
                "score": hit.score,
                "text": hit.item.text,
            }
            for hit in hits
        ]
    call = {
        "id": new_id("fs"),
        "type": "file_search_call",
        "status": "completed",
        "queries": list(queries),
        "results": results,
    }
    return ordered(call, _CALL_ORDER)


def _message(
    request: Mapping[str, Any],
    output: Sequence[Mapping[str, Any]],
    question: str,
    queries: Sequence[str],
    hits: Sequence[retrieval.Hit[Passage]],
) -> dict[str, Any]:
    """The assistant message after the search: the synthesized one when the answer is
    structured, else a new text quoting the top passage, with its citation."""
    synthesized = next((i for i in output if i.get("type") == "message"), None)
    config = request.get("text")
    fmt = config.get("format") if isinstance(config, dict) else None
    if synthesized is not None and isinstance(fmt, dict) and fmt.get("type") != "text":
        return dict(synthesized)
    citations: list[dict[str, Any]] = []
    if hits:
        top = hits[0].item
        said = f"According to {top.filename}: {retrieval.excerpt(queries, top.text)}"
        citation = {
            "type": "file_citation",
            "file_id": top.file_id,
            "filename": top.filename,
            "index": len(said),
        }
        citations.append(ordered(citation, _CITATION_ORDER))
    else:
        said = f'I searched the files for "{text.quote(question)}" and found nothing about it.'
    status = "completed"
    limit = request.get("max_output_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool):
        model = str(request.get("model") or tokens.DEFAULT_MODEL)
        room = max(0, limit - reasoning_tokens(request))
        pieces = tokens.encode(said, model)
        if len(pieces) > room:
            said, status = tokens.decode(pieces[:room], model), "incomplete"
            citations = [c for c in citations if c["index"] <= len(said)]  # cut off: gone
    message = responses_output.message(said, status=status)
    message["content"][0]["annotations"] = citations
    if synthesized is not None:  # the synthesized message's id and phase stay
        message = {**message, **{k: synthesized[k] for k in ("id", "phase") if k in synthesized}}
    return message


def _usage(
    request: Mapping[str, Any],
    output: Sequence[Mapping[str, Any]],
    history: Sequence[Mapping[str, Any]],
    hits: Sequence[retrieval.Hit[Passage]],
) -> dict[str, Any]:
    """``usage`` with the retrieved chunks counted as input (see the module docstring)."""
    usage = responses_output.usage_for(
        request, output, history, reasoning_tokens=reasoning_tokens(request)
    )
    model = str(request.get("model") or tokens.DEFAULT_MODEL)
    retrieved = sum(tokens.count_text(hit.item.text, model) for hit in hits)
    usage["input_tokens"] += retrieved
    usage["total_tokens"] += retrieved
    return usage
