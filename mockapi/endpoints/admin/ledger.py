"""The usage ledger: what every billable answer the mock sent used, written as it is sent.

The usage and costs routes (:mod:`.usage`, :mod:`.costs`) read their figures from here,
not from the journal: the journal keeps the last 1,000 requests of one worker, while
the ledger lives in the state store, so it is shared by every ``--workers`` process,
survives the journal's window (and a restart, with ``--state``), and is cleared with
the rest of the state between tests. It is bounded: the kind :data:`KIND` is not one of
the never-evicted ``admin.`` kinds, so the memory backend keeps its newest 10,000 rows
and 4 MiB (:mod:`mockapi.state.objects`), and a row is a minute's total for one set of
dimensions, not one request: a test's traffic is a handful of rows.

**What is recorded.** :func:`record` (called by the replay engine for every 200 answer
to a billable route) reads the answer's own ``usage`` (tokens as the answer said them;
a stream's, through the endpoint's shape, which counts them when the stream carried
none), or what the API bills by for routes without one: images made, characters
spoken, seconds transcribed (the upload's duration), moderation input tokens (counted
by the real tokenizer). Responses' hosted tool calls are counted too (web search and
file search calls), and each code interpreter container the first time an answer shows
it (a session). Vector stores are a level, not a flow: :mod:`.usage` reads their bytes
from the stores themselves, and the ledger only keeps which project made each one
(:data:`OWNERS`).

**Who.** The request's key names the project, key and user through
:func:`~.keys.key_owner`; a key the Administration API did not issue (``sk-test``)
counts for the default project and its owner, under a ``key_`` id derived from the
secret (never the secret itself), as an organization's legacy user keys do.

**Batches.** A batch's lines come through the replay flow with the
:data:`BATCH_HEADER` the batch runner sets, and count as ``batch: true`` (a client
sending that header itself only mislabels its own usage).

Assumed where the API is not documented: a background response's tokens are not
counted (it finishes on a later retrieve, which is not billed again); Azure-shaped
requests are not counted (Azure reports usage elsewhere, not through this API).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockapi.endpoints import objects
from mockapi.endpoints.admin import keys
from mockapi.endpoints.audio import codec
from mockapi.endpoints.endpoint import Shape
from mockapi.model import Request, Response
from mockapi.state.store import StateStore
from mockapi.wire import credentials, tokens

KIND = "usage.ledger"
"""State kind of the ledger's rows (bounded: not an ``admin.`` kind)."""
OWNERS = "usage.owners"
"""State kind: which project's key made each vector store and container."""
BATCH_HEADER = "x-mockapi-batch"
"""Set by the batch runner on each line's request (the batch's id): a batch line."""
DEFAULT_SERVICE_TIER = "default"

Counts = dict[str, int]


@dataclass(frozen=True)
class Usage:
    """One thing an answer used: its category (a usage route's name), the dimensions
    it is grouped by beyond who made it, and the counts to add."""

    category: str
    counts: Counts
    dims: Mapping[str, Any]


@dataclass(frozen=True)
class Who:
    """The key a request was made with: its project and user (None for a key the
    Administration API did not issue: the default project and its owner)."""

    api_key_id: str
    project_id: str | None
    user_id: str | None
    issued: bool

    def dims(self) -> dict[str, Any]:
        return {
            "api_key_id": self.api_key_id,
            "project_id": self.project_id,
            "user_id": self.user_id,
            "issued": self.issued,
        }


@functools.lru_cache(maxsize=64)
def untracked_key_id(secret: str) -> str:
    """The ``key_`` id of a key the Administration API did not issue: drawn from its
    digest, so one key always has one id and the secret is never kept (on disk: the few
    a test suite uses are remembered in memory, as every request carries them anyway)."""
    return "key_" + objects.base62(hashlib.sha256(secret.encode()).digest(), 16)


def who(state: StateStore, headers: Mapping[str, str]) -> Who:
    """The key of a request with these headers (see :class:`Who`)."""
    secret = credentials.bearer_token(headers)
    owner = keys.key_owner(state, secret)
    if owner is None:
        return Who(untracked_key_id(secret), None, None, False)
    return Who(
        owner.get("api_key_id") or untracked_key_id(secret),
        owner.get("project_id"),
        owner.get("user_id"),
        True,
    )


# -- what an answer used ------------------------------------------------------------------


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _model(body: Mapping[str, Any], request: Mapping[str, Any], default: str = "") -> str:
    for source in (body, request):
        model = source.get("model")
        if isinstance(model, str) and model:
            return model
    return default


def _tier(body: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    for source in (body, request):
        tier = source.get("service_tier")
        if isinstance(tier, str) and tier and tier != "auto":
            return tier
    return DEFAULT_SERVICE_TIER


def _completion_counts(usage: Mapping[str, Any]) -> Counts:
    """Chat, legacy completions and Responses usage as the completions route counts it."""
    prompt = _dict(usage.get("prompt_tokens_details") or usage.get("input_tokens_details"))
    output = _dict(usage.get("completion_tokens_details") or usage.get("output_tokens_details"))
    return {
        "input_tokens": _int(usage.get("prompt_tokens", usage.get("input_tokens"))),
        "output_tokens": _int(usage.get("completion_tokens", usage.get("output_tokens"))),
        "input_cached_tokens": _int(prompt.get("cached_tokens")),
        "input_audio_tokens": _int(prompt.get("audio_tokens")),
        "output_audio_tokens": _int(output.get("audio_tokens")),
        "num_model_requests": 1,
    }


def _completions(request: Request, body: dict[str, Any]) -> list[Usage]:
    sent = _dict(request.json)
    usage = _dict(body.get("usage"))
    if not usage:
        return []
    dims = {"model": _model(body, sent), "service_tier": _tier(body, sent)}
    return [Usage("completions", _completion_counts(usage), dims)]


def _responses(request: Request, body: dict[str, Any]) -> list[Usage]:
    found = _completions(request, body)
    sent = _dict(request.json)
    model = _model(body, sent)
    output = [item for item in body.get("output") or [] if isinstance(item, dict)]
    searches = [item for item in output if item.get("type") == "web_search_call"]
    if searches:
        dims = {"model": model, "context_level": _context_level(sent)}
        counts = {"num_requests": len(searches), "num_model_requests": 1}
        found.append(Usage("web_search_calls", counts, dims))
    for item in output:
        if item.get("type") == "file_search_call":
            store = {"vector_store_id": _searched_store(sent)}
            found.append(Usage("file_search_calls", {"num_requests": 1}, store))
    return found


def _context_level(sent: Mapping[str, Any]) -> str:
    """The web search tool's ``search_context_size`` (the API's default: medium)."""
    for tool in sent.get("tools") or []:
        if isinstance(tool, dict) and str(tool.get("type", "")).startswith("web_search"):
            size = tool.get("search_context_size")
            return size if isinstance(size, str) else "medium"
    return "medium"


def _searched_store(sent: Mapping[str, Any]) -> str | None:
    """The first vector store the file_search tool searches: a call counts for it
    (assumed; a call over several stores is one call, not one per store)."""
    for tool in sent.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "file_search":
            stores = tool.get("vector_store_ids")
            if isinstance(stores, list) and stores and isinstance(stores[0], str):
                return stores[0]
    return None


def _embeddings(request: Request, body: dict[str, Any]) -> list[Usage]:
    usage = _dict(body.get("usage"))
    counts = {"input_tokens": _int(usage.get("prompt_tokens")), "num_model_requests": 1}
    return [Usage("embeddings", counts, {"model": _model(body, _dict(request.json))})]


def _moderations(request: Request, body: dict[str, Any]) -> list[Usage]:
    """The API's moderation answers carry no usage: the input's tokens, counted."""
    sent = _dict(request.json)
    texts: list[str] = []
    _texts_of(sent.get("input"), texts)
    counts = {"input_tokens": sum(tokens.count_text(t) for t in texts), "num_model_requests": 1}
    return [Usage("moderations", counts, {"model": _model(body, sent)})]


def _texts_of(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                if item.get("type") == "text" and isinstance(item.get("text"), str):
                    found.append(item["text"])
            else:
                _texts_of(item, found)


_IMAGE_SOURCES = {
    "/v1/images/generations": "image.generation",
    "/v1/images/edits": "image.edit",
    "/v1/images/variations": "image.variation",
}


def _images(request: Request, body: dict[str, Any]) -> list[Usage]:
    sent = _dict(request.json)
    made = [item for item in body.get("data") or [] if isinstance(item, dict)]
    size = sent.get("size") if isinstance(sent.get("size"), str) else "1024x1024"
    dims = {
        "model": _model({}, sent, "dall-e-2"),
        "size": "1024x1024" if size == "auto" else size,
        "source": _IMAGE_SOURCES[request.path],
    }
    return [Usage("images", {"images": len(made), "num_model_requests": 1}, dims)]


def _speech(request: Request, body: dict[str, Any]) -> list[Usage]:
    sent = _dict(request.json)
    text = sent.get("input")
    counts = {"characters": len(text) if isinstance(text, str) else 0, "num_model_requests": 1}
    return [Usage("audio_speeches", counts, {"model": _model({}, sent)})]


def _transcription(request: Request, body: dict[str, Any]) -> list[Usage]:
    """Seconds as the answer's usage or duration says, else the upload's length."""
    sent = _dict(request.json)
    usage = _dict(body.get("usage"))
    seconds: float = 0.0
    if usage.get("type") == "duration":
        seconds = _int(usage.get("seconds"))
    elif isinstance(body.get("duration"), (int, float)):
        seconds = float(body["duration"])
    else:
        for upload in request.files:
            info = codec.inspect(upload.data)
            seconds = info.duration if info is not None else 0.0
    counts = {"seconds": math.ceil(seconds), "num_model_requests": 1}
    return [Usage("audio_transcriptions", counts, {"model": _model({}, sent)})]


Extractor = Callable[[Request, dict[str, Any]], list[Usage]]
BILLABLE: dict[str, Extractor] = {
    "/v1/chat/completions": _completions,
    "/v1/completions": _completions,
    "/v1/responses": _responses,
    "/v1/embeddings": _embeddings,
    "/v1/moderations": _moderations,
    **dict.fromkeys(_IMAGE_SOURCES, _images),
    "/v1/audio/speech": _speech,
    "/v1/audio/transcriptions": _transcription,
    "/v1/audio/translations": _transcription,
}
"""The routes whose answers use something, and what each used."""
_OWNED = {"/v1/vector_stores": "vector_store", "/v1/containers": "container"}


def billable(request: Request) -> bool:
    """Whether an answer to ``request`` is recorded (cheap: one look-up)."""
    return request.method == "POST" and (request.path in BILLABLE or request.path in _OWNED)


def record(
    state: StateStore, now: float, request: Request, response: Response, shape: Shape | None
) -> None:
    """Add what ``response`` (a 200 answer to a :func:`billable` request) used to the
    ledger, at ``now`` on the mock's clock."""
    if response.status != 200 or not billable(request):
        return
    body = _body(request, response, shape)
    caller = who(state, request.headers)
    if request.path in _OWNED:
        _own(state, now, caller, body.get("id"), _OWNED[request.path])
        return
    if request.path == "/v1/responses":
        for item in body.get("output") or []:
            if isinstance(item, dict) and item.get("type") == "code_interpreter_call":
                _own(state, now, caller, item.get("container_id"), "container")
    add(state, now, _rows(request, body, caller))


Row = tuple[str, str, Mapping[str, Any], Counts]
"""One ledger addition: its category, the digest of its dimensions, the dimensions and
the counts (see :func:`add`)."""


def rows_of(
    state: StateStore, request: Request, response: Response, shape: Shape | None
) -> tuple[Row, ...] | None:
    """What :func:`record` would add for this answer, computed once so that the same
    answer to the same request (a memoized replay) adds it again with :func:`add`
    alone; None when recording it does more than add rows (it names an object's owner)."""
    if response.status != 200 or not billable(request):
        return ()
    if request.path in _OWNED:
        return None
    body = _body(request, response, shape)
    if request.path == "/v1/responses" and any(
        isinstance(item, dict) and item.get("type") == "code_interpreter_call"
        for item in body.get("output") or []
    ):
        return None
    return _rows(request, body, who(state, request.headers))


def _rows(request: Request, body: dict[str, Any], caller: Who) -> tuple[Row, ...]:
    batch = BATCH_HEADER in request.headers
    found: list[Row] = []
    for one in BILLABLE[request.path](request, body):
        dims = {**caller.dims(), "batch": batch, **one.dims}
        found.append((one.category, _digest(dims), dims, one.counts))
    return tuple(found)


def add(state: StateStore, now: float, rows: Iterable[Row]) -> None:
    """Add ``rows`` to the ledger at ``now`` (each to its minute's row), or to the
    :func:`deferred` rows of the batch running in this thread."""
    waiting = _deferred.get()
    if waiting is not None:
        waiting.add(now, rows)
        return
    for category, digest, dims, counts in rows:
        _add(state, now, category, dims, counts, digest)


class Pending:
    """Rows added by memoized replays (:mod:`mockapi.replay.memo`), summed in memory per
    minute's row and written with one store update per row by :meth:`flush`: a replay
    answered from memory should not pay for a store write. The replayer flushes before
    anything else it serves (the usage routes included), before the state is read
    through the admin API, and shortly after the first row waits (the web layer's
    timer), so another worker sharing the store sees the rows within that delay."""

    def __init__(self) -> None:
        self._rows: dict[tuple[int, str, str], tuple[Mapping[str, Any], Counts]] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._rows)

    def add(self, now: float, rows: Iterable[Row]) -> bool:
        """Count ``rows`` at ``now``; True when they are the first waiting."""
        minute = int(now // 60) * 60
        with self._lock:
            first = not self._rows
            for category, digest, dims, counts in rows:
                key = (minute, category, digest)
                found = self._rows.get(key)
                if found is None:
                    self._rows[key] = (dims, dict(counts))
                    continue
                summed = found[1]
                for name, value in counts.items():
                    summed[name] = summed.get(name, 0) + value
        return first

    def flush(self, state: StateStore) -> None:
        """Write what waits to the ledger."""
        with self._lock:
            rows, self._rows = self._rows, {}
        for (minute, category, digest), (dims, counts) in rows.items():
            _add(state, minute, category, dims, counts, digest)

    def drop(self) -> None:
        """Forget what waits (the state it was for was cleared)."""
        with self._lock:
            self._rows.clear()


_deferred: contextvars.ContextVar[Pending | None] = contextvars.ContextVar(
    "mockapi_ledger_deferred", default=None
)


@contextlib.contextmanager
def deferred(state: StateStore) -> Iterator[Pending]:
    """Within: the rows :func:`add` adds in this thread (or task) are summed in memory
    and written to ``state`` on leaving, and whenever the caller flushes the
    :class:`Pending` it is given. A batch's lines (one billable answer each, all to the
    same few rows) are written once every few hundred lines instead of once each."""
    waiting = Pending()
    token = _deferred.set(waiting)
    try:
        yield waiting
    finally:
        _deferred.reset(token)
        waiting.flush(state)


def _digest(dims: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(dims, option=orjson.OPT_SORT_KEYS)).hexdigest()[:20]


def _body(request: Request, response: Response, shape: Shape | None) -> dict[str, Any]:
    """The answer's JSON body; a stream's, as its endpoint's shape adds it up."""
    if response.events is not None and shape is not None:
        sent = _dict(request.json)
        return _dict(shape.from_events(response.events, sent))
    return _dict(response.body)


def _own(state: StateStore, now: float, caller: Who, object_id: Any, noun: str) -> None:
    """Keep which project made ``object_id``; a container seen the first time is a
    code interpreter session."""
    if not isinstance(object_id, str) or state.get(OWNERS, object_id) is not None:
        return
    state.put(OWNERS, object_id, {"id": object_id, "noun": noun, **caller.dims()})
    if noun == "container":
        _add(state, now, "code_interpreter_sessions", caller.dims(), {"num_sessions": 1})


def _add(
    state: StateStore,
    now: float,
    category: str,
    dims: Mapping[str, Any],
    counts: Counts,
    digest: str | None = None,
) -> None:
    minute = int(now // 60) * 60
    row_id = f"{minute}|{category}|{digest or _digest(dims)}"
    start = {"id": row_id, "minute": minute, "category": category, "dims": dict(dims), "counts": {}}

    def added(row: Any) -> Any:
        kept = _dict(row.get("counts")) if isinstance(row, dict) else {}
        for name, value in counts.items():
            kept[name] = _int(kept.get(name)) + value
        return {**row, "counts": kept}

    state.update(KIND, row_id, added, start=start)


def rows(state: StateStore, categories: Iterable[str]) -> list[dict[str, Any]]:
    """The ledger's rows of ``categories``, oldest first."""
    wanted = set(categories)
    return [
        row for row in state.values(KIND) if isinstance(row, dict) and row.get("category") in wanted
    ]


def owner(state: StateStore, object_id: str) -> dict[str, Any] | None:
    """Who made the vector store or container ``object_id`` (:meth:`Who.dims`), or None."""
    found = state.get(OWNERS, object_id)
    return found if isinstance(found, dict) else None
