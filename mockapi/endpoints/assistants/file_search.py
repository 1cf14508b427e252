"""A run's ``file_search`` tool: the thread's and the assistant's vector stores searched.

On a run's first turn, when its tools hold ``file_search``, its thread or assistant has
vector stores (``tool_resources.file_search.vector_store_ids``) and ``tool_choice``
lets it (``auto``, ``required`` or a forced ``{"type": "file_search"}``; not ``none``
nor another forced tool), the run searches every store with the thread's last user
message (:func:`mockapi.endpoints.vector_stores.search.search`: the stores' real
chunks, ranked), at most the tool's ``max_num_results`` (20 by default for a model's
file search, as the Assistants guide says), none under its ``score_threshold``. The
search is a completed ``tool_calls`` step with one ``file_search`` call (its ``results``:
``file_id``, ``file_name``, ``score`` and ``content``, shown only on request: see
:mod:`~mockapi.endpoints.assistants.steps`), and the passages go into the turn's prompt
(:mod:`~mockapi.endpoints.assistants.turn`). Assumed: the step's ``usage`` is zero (the
model turn that chose to search is not modelled on its own).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.assistants import messages, records, resources, steps
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.vector_stores import search as vs_search

DEFAULT_RESULTS = 20
_ZERO = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def search(ctx: Context, run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Search as the run's first turn would (see the module docstring): the results
    (also kept as a step), or ``[]`` when the run does not search."""
    tool = next((t for t in run.get("tools") or () if t.get("type") == "file_search"), None)
    choice = run.get("tool_choice")
    forced = choice.get("type") if isinstance(choice, Mapping) else None
    if tool is None or choice == "none" or forced not in (None, "file_search"):
        return []
    if steps.of_run(ctx, str(run["id"])):
        return []  # only the first turn searches
    thread = ctx.state.get(records.THREADS, str(run["thread_id"])) or {}
    assistant = ctx.state.get(records.ASSISTANTS, str(run["assistant_id"])) or {}
    stores = resources.vector_store_ids(
        thread.get("tool_resources"), assistant.get("tool_resources")
    )
    question = _last_user_text(ctx, str(run["thread_id"]))
    if not stores or not question:
        return []
    options = tool.get("file_search") or {}
    ranking = options.get("ranking_options") or dict(resources.DEFAULT_RANKING)
    asked = vs_search.Search(
        queries=(question,),
        limit=int(options.get("max_num_results") or DEFAULT_RESULTS),
        threshold=float(ranking.get("score_threshold") or 0.0),
    )
    hits = vs_search.search(ctx, stores, asked)
    found = [
        {
            "file_id": hit.item.file_id,
            "file_name": hit.item.filename,
            "score": hit.score,
            "content": [{"type": "text", "text": hit.item.text}],
        }
        for hit in hits
    ]
    digest = hashlib.sha256(f"{run['id']}:file_search".encode()).digest()
    call = {
        "id": "call_" + objects.base62(digest, 24),
        "type": "file_search",
        "file_search": {"ranking_options": ranking, "results": found},
    }
    steps.make(ctx, run, {"type": "tool_calls", "tool_calls": [call]}, usage=_ZERO)
    return found


def _last_user_text(ctx: Context, thread_id: str) -> str:
    for message in reversed(messages.of_thread(ctx, thread_id)):
        if message.get("role") == "user":
            return messages.text_of(message)
    return ""


def results_of(ctx: Context, run_id: str) -> list[dict[str, Any]]:
    """The file search results the run found so far (for the turns after the first)."""
    found: list[dict[str, Any]] = []
    for step in steps.of_run(ctx, run_id):
        for call in (step.get("step_details") or {}).get("tool_calls") or ():
            if call.get("type") == "file_search":
                found.extend((call.get("file_search") or {}).get("results") or ())
    return found
