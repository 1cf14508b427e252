"""The OpenAI endpoints mockapi knows: every family's rows, and the router over them.

Each endpoint family declares its rows (:class:`~mockapi.endpoints.endpoint.Endpoint`) in its
synthesis module as ``ENDPOINTS``; :data:`FAMILIES` names those modules and the first path
segment after ``/v1/`` each one serves. The router imports a family the first time a
request's path reaches its segment, so a server (or a pytest session) that answers only
chat completions never imports the Admin or Agents families. ``ENDPOINTS`` (every row,
in :data:`FAMILIES` order) imports them all when asked for. Azure OpenAI's URL shape is
mapped onto the same rows by :mod:`mockapi.wire.azure` before routing.
"""

from __future__ import annotations

import importlib
import re
import threading

from mockapi.endpoints.endpoint import Body, Endpoint

__all__ = ["ENDPOINTS", "FAMILIES", "Body", "Endpoint", "Router"]

FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mockapi.endpoints.chat.routes", ("chat",)),
    ("mockapi.endpoints.models", ("models",)),
    ("mockapi.endpoints.embeddings", ("embeddings",)),
    ("mockapi.endpoints.completions.routes", ("completions",)),
    ("mockapi.endpoints.moderations", ("moderations",)),
    ("mockapi.endpoints.responses.routes", ("responses",)),
    ("mockapi.endpoints.audio.routes", ("audio",)),
    ("mockapi.endpoints.images.routes", ("images",)),
    ("mockapi.endpoints.files.routes", ("files",)),
    ("mockapi.endpoints.batches.routes", ("batches",)),
    ("mockapi.endpoints.files.uploads", ("uploads",)),
    ("mockapi.endpoints.containers.routes", ("containers",)),
    ("mockapi.endpoints.conversations.routes", ("conversations",)),
    ("mockapi.endpoints.vector_stores.routes", ("vector_stores",)),
    ("mockapi.endpoints.vector_stores.search", ("vector_stores",)),
    ("mockapi.endpoints.videos.routes", ("videos",)),
    ("mockapi.endpoints.fine_tuning.routes", ("fine_tuning",)),
    ("mockapi.endpoints.fine_tuning.permissions", ("fine_tuning",)),
    ("mockapi.endpoints.fine_tuning.graders", ("fine_tuning",)),
    ("mockapi.endpoints.evals.evals", ("evals",)),
    ("mockapi.endpoints.evals.runs", ("evals",)),
    ("mockapi.endpoints.admin.routes", ("organization", "projects")),
    ("mockapi.endpoints.assistants.routes", ("assistants", "threads")),
    ("mockapi.endpoints.skills.routes", ("skills",)),
    ("mockapi.endpoints.realtime.routes", ("realtime",)),
    ("mockapi.endpoints.realtime.live", ("live",)),
    ("mockapi.endpoints.chatkit.routes", ("chatkit",)),
    ("mockapi.endpoints.provenance", ("content_provenance_checks",)),
    ("mockapi.endpoints.decisions", ("decisions",)),
    ("mockapi.endpoints.safety", ("safety",)),
    ("mockapi.endpoints.webhook_endpoints.routes", ("webhook_endpoints", "webhook_event_types")),
    ("mockapi.endpoints.agents.routes", ("agents", "vaults")),
)
"""Each family's module (declaring ``ENDPOINTS``) and the ``/v1/<segment>`` its rows all
start with; a new family appends its line here. Order matters: among rows with as many
parameters, the earlier family's row wins, as it did when the rows were one tuple."""

ENDPOINTS: tuple[Endpoint, ...]
"""Every row of every family, in :data:`FAMILIES` order (imports them all on first use)."""

_BY_SEGMENT: dict[str, tuple[int, ...]] = {}
for _index, (_name, _names) in enumerate(FAMILIES):
    for _seg in _names:
        _BY_SEGMENT[_seg] = (*_BY_SEGMENT.get(_seg, ()), _index)

_Compiled = list[tuple[Endpoint, re.Pattern[str]]]
_Literal = tuple[dict[str, Endpoint], list[str]]


def family_endpoints(index: int) -> tuple[Endpoint, ...]:
    """The rows of ``FAMILIES[index]`` (importing its module)."""
    rows: tuple[Endpoint, ...] = importlib.import_module(FAMILIES[index][0]).ENDPOINTS
    return rows


def __getattr__(name: str) -> tuple[Endpoint, ...]:
    # ENDPOINTS, every row of every family, is built on first use (it imports them all).
    if name == "ENDPOINTS":
        everything = tuple(e for i in range(len(FAMILIES)) for e in family_endpoints(i))
        globals()["ENDPOINTS"] = everything
        return everything
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _segment(path: str) -> str:
    """The ``<segment>`` of ``/v1/<segment>/...`` ("" for any other path)."""
    parts = path.split("/", 3)
    return parts[2] if len(parts) > 2 and parts[0] == "" and parts[1] == "v1" else ""


class Router:
    """Finds the endpoint for a method and path.

    A literal segment beats a parameter: ``POST /v1/responses/compact`` is the compact
    endpoint, not ``POST /v1/responses/{response_id}``-anything. Without ``endpoints``
    the router serves every family of :data:`FAMILIES`, each imported and compiled the
    first time a path under its segment is resolved (every row of a family starts with
    its ``/v1/<segment>``, so no other family's row could match that path).
    """

    def __init__(self, endpoints: tuple[Endpoint, ...] | None = None) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, _Compiled] = {}
        self._literal: dict[str, _Literal] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._lazy = endpoints is None
        if endpoints is not None:
            # Given rows are one group scanned for every path: they need not follow
            # the /v1/<segment> layout the families do.
            self._groups[""] = self._compile(endpoints)

    def _compile(self, endpoints: tuple[Endpoint, ...]) -> _Compiled:
        ranked = sorted(endpoints, key=lambda e: e.template.count("{"))
        compiled = [(endpoint, endpoint.pattern) for endpoint in ranked]
        for endpoint, pattern in compiled:
            self._patterns[endpoint.key] = pattern
        # The paths without parameters (most requests: /v1/chat/completions) are resolved
        # once here, for every method, so a request to one costs a dict lookup.
        for endpoint in ranked:
            path = endpoint.template
            if "{" not in path and path not in self._literal:
                allowed = _scan(compiled, "", path)[1]
                by_method = {
                    m: e for m in allowed if (e := _scan(compiled, m, path)[0]) is not None
                }
                self._literal[path] = (by_method, allowed)
        return compiled

    def _group(self, path: str) -> _Compiled:
        """The compiled rows that could match ``path`` (its family's, imported now if new)."""
        if not self._lazy:
            return self._groups[""]
        segment = _segment(path)
        group = self._groups.get(segment)
        if group is not None:
            return group
        indices = _BY_SEGMENT.get(segment)
        if indices is None:
            return []  # no family serves it (not kept: clients may send any path)
        with self._lock:
            group = self._groups.get(segment)
            if group is None:
                rows = tuple(e for i in indices for e in family_endpoints(i))
                group = self._compile(rows)
                self._groups[segment] = group
        return group

    def resolve(self, method: str, path: str) -> tuple[Endpoint | None, list[str]]:
        """The endpoint for ``method`` and ``path`` (or None), and the methods the path allows."""
        literal = self._literal.get(path)
        if literal is not None:
            return literal[0].get(method), list(literal[1])
        group = self._group(path)
        literal = self._literal.get(path)  # a family loaded just now may have it
        if literal is not None:
            return literal[0].get(method), list(literal[1])
        return _scan(group, method, path)

    def _scan(self, method: str, path: str) -> tuple[Endpoint | None, list[str]]:
        return _scan(self._group(path), method, path)

    def params(self, endpoint: Endpoint, path: str) -> dict[str, str]:
        """The path parameters of ``path`` for ``endpoint``."""
        # The pattern compiled once: Endpoint.pattern builds it anew each time.
        pattern = self._patterns.get(endpoint.key) or endpoint.pattern
        match = pattern.match(path)
        return match.groupdict() if match else {}


def _scan(compiled: _Compiled, method: str, path: str) -> tuple[Endpoint | None, list[str]]:
    allowed: list[str] = []
    found = None
    for endpoint, pattern in compiled:
        if pattern.match(path):
            if endpoint.method not in allowed:
                allowed.append(endpoint.method)
            if endpoint.method == method and found is None:
                found = endpoint
    return found, allowed
