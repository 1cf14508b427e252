"""An assistant's (or a thread's) tools and ``tool_resources``, as the API takes and echoes them.

**Tools** are echoed with what the API fills in: a ``function`` tool's ``strict``
(false unless given), a ``file_search`` tool's ``ranking_options`` (``ranker:
"default_2024_08_21"``, ``score_threshold: 0.0``: the API's file search defaults for
Assistants), a ``code_interpreter`` tool as it is.

**Tool resources** are checked against what the server keeps:

* ``code_interpreter.file_ids``: each must be a File the server has (the API's 404 ``No
  file found with id '...'`` naming the param);
* ``file_search.vector_store_ids``: each must be a vector store the server has, not
  expired (:mod:`mockapi.endpoints.vector_stores`: ``No vector store found with id
  '...'``); ``file_search.vector_stores`` (``file_ids``, ``chunking_strategy``,
  ``metadata``) creates a store of those files, as ``vector_stores.create`` would, and
  the echo lists its id among ``vector_store_ids``.

The echo holds only the tools' resources that were given (``{}`` for none), as the API's
examples show. Assumed: a message's ``attachments`` are kept as given (each File checked)
and not added to an automatically created thread vector store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.vector_stores import processing, stores
from mockapi.endpoints.vector_stores import records as vector_stores

DEFAULT_RANKING = {"ranker": "default_2024_08_21", "score_threshold": 0.0}


def tools_of(given: Any) -> list[dict[str, Any]]:
    """``tools`` as the API echoes them (validated against the schema before this runs)."""
    echoed = []
    for tool in given if isinstance(given, list) else []:
        if not isinstance(tool, Mapping):
            continue
        kind = tool.get("type")
        if kind == "function":
            function = dict(tool.get("function") or {})
            function.setdefault("strict", False)
            echoed.append({"type": "function", "function": function})
        elif kind == "file_search":
            options = dict(tool.get("file_search") or {})
            ranking = {**DEFAULT_RANKING, **(options.get("ranking_options") or {})}
            echoed.append(
                {"type": "file_search", "file_search": {**options, "ranking_options": ranking}}
            )
        else:
            echoed.append(dict(tool))
    return echoed


def tool_resources(ctx: Context, given: Any, *, param: str = "tool_resources") -> dict[str, Any]:
    """``given`` (a request's ``tool_resources``) checked and as the API echoes it,
    creating the vector stores ``file_search.vector_stores`` asks for."""
    if not isinstance(given, Mapping):
        return {}
    echoed: dict[str, Any] = {}
    code = given.get("code_interpreter")
    if isinstance(code, Mapping):
        file_ids = [str(file_id) for file_id in code.get("file_ids") or ()]
        for file_id in file_ids:
            processing.check_file(ctx, file_id, param=f"{param}.code_interpreter.file_ids")
        echoed["code_interpreter"] = {"file_ids": file_ids}
    search = given.get("file_search")
    if isinstance(search, Mapping):
        store_ids = [str(store_id) for store_id in search.get("vector_store_ids") or ()]
        for store_id in store_ids:
            vector_stores.usable(ctx, store_id)
        for made in search.get("vector_stores") or ():
            store_ids.append(_new_store(ctx, made))
        echoed["file_search"] = {"vector_store_ids": store_ids}
    return echoed


def vector_store_ids(*resources: Any) -> list[str]:
    """The vector stores of ``resources`` (a thread's, then an assistant's), once each."""
    found: list[str] = []
    for given in resources:
        search = given.get("file_search") if isinstance(given, Mapping) else None
        ids = search.get("vector_store_ids") if isinstance(search, Mapping) else None
        found.extend(str(store_id) for store_id in ids or () if str(store_id) not in found)
    return found


def check_attachments(ctx: Context, given: Any, *, param: str) -> list[dict[str, Any]]:
    """A message's ``attachments``, each File checked (the API's 404 naming ``param``)."""
    kept = []
    for attachment in given if isinstance(given, Sequence) else ():
        if not isinstance(attachment, Mapping):
            continue
        file_id = str(attachment.get("file_id"))
        processing.check_file(ctx, file_id, param=param)
        kept.append({"file_id": file_id, "tools": list(attachment.get("tools") or [])})
    return kept


def _new_store(ctx: Context, asked: Any) -> str:
    """A vector store made as ``vector_stores.create`` makes one from ``asked``."""
    asked = asked if isinstance(asked, Mapping) else {}
    body = {
        key: asked[key] for key in ("file_ids", "chunking_strategy", "metadata") if key in asked
    }
    made = stores.create(replace(ctx, body=body)).body
    return str(made["id"]) if isinstance(made, dict) else ""
