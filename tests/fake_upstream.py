"""A fake OpenAI upstream on a real port, for the recording-proxy tests.

``FakeUpstream`` (a Starlette app under :class:`mockapi.web.server.ServerThread`) answers like
api.openai.com -- bodies, SSE chunk sequences and headers as in ``../shared/real-traffic``,
including secret-looking headers a recorder must not persist (:data:`SECRETS`) -- and
records every request it receives (``upstream.requests``)::

    with FakeUpstream(event_delay=0.01) as upstream:
        client = openai.OpenAI(base_url=upstream.url + "/v1", api_key="sk-test")
        upstream.fail_next(429, headers={"retry-after": "2"})

Chat completions answer ``"Echo: <last user or tool message>"``, or, when the request has
function ``tools`` and the last message is not a tool result, a call of the first (or the
``tool_choice``) tool with arguments built from its parameters (``{"location":"Paris"}``).
Speech, transcriptions (multipart, in every ``response_format``), image edits (multipart),
moderations, legacy completions and Responses answer as :mod:`tests.fake_upstream_api`
builds them; speech audio is sent in several chunks, ``event_delay`` apart.
Each behaviour queued by a method is consumed by the next request(s): ``delay_next``
(before the headers), then ``fail_next`` (before the auth check); ``break_stream_after``
by the next *streamed* chat completion, whose connection is closed after N events.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import random
import re
import string
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from mockapi.errors import APIError, invalid_url, missing_api_key, missing_parameter
from mockapi.web.server import ServerThread
from tests import fake_upstream_api as api

FAKE_ORGANIZATION = "org-FAKEORGSECRET000000000000"
FAKE_PROJECT = "proj_FAKEPROJECTSECRET00000000"
FAKE_COOKIE = "FAKECOOKIESECRET"
FAKE_CFUVID = "FAKECFUVIDSECRET"
SECRETS = (FAKE_ORGANIZATION, FAKE_PROJECT, FAKE_COOKIE, FAKE_CFUVID)
"""Values sent in response headers that must never reach a fixture file."""

SYSTEM_FINGERPRINT = "fp_d0469e1700"
MODELS = {  # id -> (snapshot answered by chat completions, created)
    "gpt-4o-mini": ("gpt-4o-mini-2024-07-18", 1721172741),
    "gpt-4o": ("gpt-4o-2024-08-06", 1715367049),
    "gpt-4.1-mini": ("gpt-4.1-mini-2025-04-14", 1744318173),
    "o3-mini": ("o3-mini-2025-01-31", 1737146383),
    "text-embedding-3-small": ("text-embedding-3-small", 1705948997),
}
JSON_TYPE = "application/json"
ERROR_TYPE = "application/json; charset=utf-8"
SSE_TYPE = "text/event-stream; charset=utf-8"
RATE_LIMITED = (
    f"Rate limit reached for gpt-4o-mini in organization {FAKE_ORGANIZATION} on requests per "
    "min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
    "https://platform.openai.com/account/rate-limits to learn more."
)
SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    429: (RATE_LIMITED, "requests", "rate_limit_exceeded"),
    500: (SERVER_ERROR, "server_error", None),
}
Body = Mapping[str, Any] | str | bytes | None
COMPLETION_DETAILS = (
    "reasoning_tokens",
    "audio_tokens",
    "accepted_prediction_tokens",
    "rejected_prediction_tokens",
)
T = TypeVar("T")


class StreamCut(Exception):
    """Raised inside a streamed body by :meth:`FakeUpstream.break_stream_after`."""


@dataclass
class RecordedRequest:
    """One request as the fake upstream received it (headers lower-case)."""

    method: str
    path: str
    query: str  # raw query string, e.g. "api-version=2024-06-01&api-key=SECRET"
    query_params: dict[str, str]
    headers: dict[str, str]  # repeated headers joined with ", "
    body: bytes
    json: Any  # parsed body, or None if not JSON
    received_at: float  # time.monotonic()
    status: int | None = None  # status answered
    events_sent: int = 0  # SSE events handed to the server (streams only)
    first_event_sent_at: float | None = None  # time.monotonic()
    last_event_sent_at: float | None = None
    stream_completed: bool = False  # True once `data: [DONE]` was sent


@dataclass(frozen=True)
class _Failure:
    status: int
    body: Body
    headers: Mapping[str, str]


class _HideStreamCuts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamCut))


class FakeUpstream:
    """A fake OpenAI API on a real port; a context manager. See the module docstring."""

    def __init__(self, *, event_delay: float = 0.05, require_auth: bool = True) -> None:
        self.event_delay = event_delay
        self.require_auth = require_auth
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._delays: deque[float] = deque()
        self._failures: deque[_Failure] = deque()
        self._cuts: deque[int] = deque()
        self._server: ServerThread | None = None
        self._log_filter = _HideStreamCuts()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeUpstream:
        self._server = ServerThread(self.app).start()
        logging.getLogger("uvicorn.error").addFilter(self._log_filter)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        logging.getLogger("uvicorn.error").removeFilter(self._log_filter)

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        assert self._server is not None, "FakeUpstream is not started"
        return self._server.url

    # -- what tests read and control -------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            assert self._requests, "the fake upstream has received no request"
            return self._requests[-1]

    def reset(self) -> None:
        """Forget the requests received and every queued behaviour."""
        with self._lock:
            self._requests.clear()
            self._delays.clear()
            self._failures.clear()
            self._cuts.clear()

    def fail_next(
        self,
        status: int = 429,
        body: Body = None,
        headers: Mapping[str, str] | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests (any path) with ``status``.

        ``body``: a dict is sent as JSON, str/bytes as is (``text/plain`` unless
        ``headers`` set a content-type); None gives OpenAI's error body for the status.
        ``headers`` are added to (and override) the usual response headers.
        """
        with self._lock:
            self._failures.extend([_Failure(status, body, dict(headers or {}))] * times)

    def break_stream_after(self, n_events: int, *, times: int = 1) -> None:
        """Cut the next ``times`` streamed chat completions after ``n_events`` SSE events."""
        with self._lock:
            self._cuts.extend([n_events] * times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before sending the response headers of the next request(s)."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def _pop(self, queue: deque[T]) -> T | None:
        with self._lock:
            return queue.popleft() if queue else None

    # -- the app ---------------------------------------------------------------------
    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        url, now = request.url, time.monotonic()
        args = (dict(request.query_params), headers, body, parsed, now)
        record = RecordedRequest(request.method, url.path, url.query, *args)
        with self._lock:
            self._requests.append(record)
        delay = self._pop(self._delays)
        if delay:
            await asyncio.sleep(delay)
        failure = self._pop(self._failures)
        if failure is not None:
            response = self._failure(failure, record)
        elif self.require_auth and not _authorized(record):
            response = self._error(missing_api_key(), record)
        else:
            try:
                response = self._route(record)
            except APIError as error:
                response = self._error(error, record)
        record.status = response.status_code
        return response

    def _route(self, rec: RecordedRequest) -> Response:
        method, path = rec.method, rec.path
        if method == "GET" and path == "/v1/models":
            data = [_model(name) for name in MODELS]
            return self._json({"object": "list", "data": data}, rec)
        if method == "GET" and path.startswith("/v1/models/"):
            name = path.removeprefix("/v1/models/")
            if name not in MODELS:
                message = f"The model '{name}' does not exist"
                raise APIError(404, message, param="model", code="model_not_found")
            return self._json(_model(name), rec)
        if method == "POST" and path in ("/v1/chat/completions", "/v1/embeddings"):
            req = rec.json
            if not isinstance(req, dict):
                raise APIError(400, "We could not parse the JSON body of your request.")
            if path == "/v1/embeddings":
                return self._json(_embeddings(_require(req, "model", "input")), rec)
            return self._chat(_require(req, "model", "messages"), rec)
        if method == "POST":
            answered = self._media(path, rec)
            if answered is not None:
                return answered
        raise invalid_url(method, path)

    def _media(self, path: str, rec: RecordedRequest) -> Response | None:
        """The endpoints of :mod:`tests.fake_upstream_api`; None for other paths."""
        if path == "/v1/audio/speech":
            audio, kind = api.speech(rec.json)
            pieces = [
                audio[i : i + api.SPEECH_CHUNK] for i in range(0, len(audio), api.SPEECH_CHUNK)
            ]
            chunks = self._chunks(rec, pieces)
            return _with_cookies(StreamingResponse(chunks, headers=self._headers(kind, rec)))
        if path in ("/v1/audio/transcriptions", "/v1/images/edits"):
            fields, files = api.form(rec.body, rec.headers.get("content-type", ""))
            if path == "/v1/images/edits":
                return self._json(api.image_edit(fields, files), rec)
            answer, kind = api.transcription(fields, files)
            if isinstance(answer, str):
                return self._respond(200, answer.encode(), self._headers(kind, rec))
            return self._json(answer, rec)
        if path == "/v1/moderations":
            return self._json(api.moderation(rec.json), rec)
        if path in ("/v1/completions", "/v1/responses"):
            streamed = isinstance(rec.json, dict) and rec.json.get("stream") is True
            if not streamed:
                build = api.completion if path == "/v1/completions" else api.response
                return self._json(build(rec.json), rec)
            payloads: list[str] | list[tuple[str, str]]
            if path == "/v1/completions":
                payloads = api.completion_stream(rec.json)
            else:
                payloads = api.response_stream(rec.json)
            events = self._events(rec, payloads, None)
            return _with_cookies(StreamingResponse(events, headers=self._headers(SSE_TYPE, rec)))
        return None

    async def _chunks(self, rec: RecordedRequest, pieces: list[bytes]) -> AsyncIterator[bytes]:
        """A binary body in ``pieces``, ``event_delay`` apart (counted as events sent)."""
        for i, piece in enumerate(pieces):
            if i:
                await asyncio.sleep(self.event_delay)
            rec.last_event_sent_at = time.monotonic()
            rec.first_event_sent_at = rec.first_event_sent_at or rec.last_event_sent_at
            rec.events_sent += 1
            rec.stream_completed = i == len(pieces) - 1
            yield piece

    def _chat(self, req: dict[str, Any], rec: RecordedRequest) -> Response:
        text, call = _plan(req)
        pieces = _fragments(call["arguments"]) if call else _words(text)
        base = {
            "id": "chatcmpl-" + "".join(random.choices(string.ascii_letters + string.digits, k=29)),
            "object": "chat.completion.chunk" if req.get("stream") else "chat.completion",
            "created": int(time.time()),
            "model": MODELS.get(req["model"], (req["model"],))[0],
        }
        usage = _usage(req, len(pieces))
        finish = "tool_calls" if call else "stop"
        if not req.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": text}
            message.update(refusal=None, annotations=[])
            if call:
                fn = {"name": call["name"], "arguments": call["arguments"]}
                message["tool_calls"] = [{"id": call["id"], "type": "function", "function": fn}]
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            fp = {"service_tier": "default", "system_fingerprint": SYSTEM_FINGERPRINT}
            return self._json({**base, "choices": [choice], "usage": usage, **fp}, rec)
        base.update(service_tier="default", system_fingerprint=SYSTEM_FINGERPRINT)
        with_usage = bool((req.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            return {**base, "choices": [choice], **({"usage": None} if with_usage else {})}

        if call:
            fn = {"name": call["name"], "arguments": ""}
            head = {"index": 0, "id": call["id"], "type": "function", "function": fn}
            first = {"role": "assistant", "content": None, "tool_calls": [head], "refusal": None}
            deltas: list[dict[str, Any]] = [
                {"tool_calls": [{"index": 0, "function": {"arguments": p}}]} for p in pieces
            ]
        else:
            first = {"role": "assistant", "content": "", "refusal": None}
            deltas = [{"content": p} for p in pieces]
        events = [chunk(first), *(chunk(d) for d in deltas), chunk({}, finish)]
        if with_usage:
            events.append({**base, "choices": [], "usage": usage})
        payloads = [json.dumps(e, separators=(",", ":")) for e in events] + ["[DONE]"]
        events_out = self._events(rec, payloads, self._pop(self._cuts))
        return _with_cookies(StreamingResponse(events_out, headers=self._headers(SSE_TYPE, rec)))

    async def _events(
        self, rec: RecordedRequest, payloads: list[str] | list[tuple[str, str]], cut: int | None
    ) -> AsyncIterator[bytes]:
        """SSE ``data:`` lines, or ``event:`` + ``data:`` for (event, data) pairs."""
        for i, item in enumerate(payloads):
            if i:
                await asyncio.sleep(self.event_delay)
            if cut is not None and i >= cut:
                raise StreamCut(f"fake upstream: stream cut after {cut} events")
            rec.last_event_sent_at = time.monotonic()
            rec.first_event_sent_at = rec.first_event_sent_at or rec.last_event_sent_at
            rec.events_sent += 1
            rec.stream_completed = i == len(payloads) - 1
            if isinstance(item, tuple):
                yield f"event: {item[0]}\ndata: {item[1]}\n\n".encode()
            else:
                yield f"data: {item}\n\n".encode()

    # -- responses -------------------------------------------------------------------
    def _headers(self, content_type: str, rec: RecordedRequest) -> dict[str, str]:
        elapsed_ms = int((time.monotonic() - rec.received_at) * 1000) + 1
        return {
            "content-type": content_type,
            "access-control-expose-headers": "X-Request-ID",
            "openai-organization": FAKE_ORGANIZATION,
            "openai-processing-ms": str(elapsed_ms),
            "openai-project": FAKE_PROJECT,
            "openai-version": "2020-10-01",
            "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
            "x-ratelimit-limit-requests": "30000",
            "x-ratelimit-limit-tokens": "150000000",
            "x-ratelimit-remaining-requests": "29999",
            "x-ratelimit-remaining-tokens": "149999993",
            "x-ratelimit-reset-requests": "2ms",
            "x-ratelimit-reset-tokens": "0s",
            "x-request-id": "req_" + uuid.uuid4().hex,
        }

    def _respond(self, status: int, content: bytes, headers: dict[str, str]) -> Response:
        return _with_cookies(Response(content, status_code=status, headers=headers))

    def _json(
        self,
        body: Any,
        rec: RecordedRequest,
        status: int = 200,
        extra: Mapping[str, str] | None = None,
    ) -> Response:
        # The real API pretty-prints its JSON bodies (2 spaces, trailing newline).
        content = (json.dumps(body, indent=2) + "\n").encode()
        content_type = JSON_TYPE if status < 400 else ERROR_TYPE
        return self._respond(status, content, {**self._headers(content_type, rec), **(extra or {})})

    def _error(self, error: APIError, rec: RecordedRequest) -> Response:
        return self._json(error.body(), rec, error.status, error.headers)

    def _failure(self, failure: _Failure, rec: RecordedRequest) -> Response:
        status, body = failure.status, failure.body
        if body is None:
            kind = "server_error" if status >= 500 else "invalid_request_error"
            default = (f"Fake upstream failure ({status})", kind, None)
            message, kind, code = DEFAULT_ERRORS.get(status, default)
            body = APIError(status, message, type=kind, code=code).body()
        if isinstance(body, Mapping):
            return self._json(body, rec, status, failure.headers)
        content = body.encode() if isinstance(body, str) else body
        headers = {**self._headers("text/plain; charset=utf-8", rec), **failure.headers}
        return self._respond(status, content, headers)


# -- pure helpers ------------------------------------------------------------------------
def _with_cookies(response: Response) -> Response:
    for cookie in (f"__cf_bm={FAKE_COOKIE}", f"_cfuvid={FAKE_CFUVID}"):
        response.headers.append("set-cookie", f"{cookie}; path=/; HttpOnly; Secure; SameSite=None")
    return response


def _authorized(rec: RecordedRequest) -> bool:
    scheme, _, key = rec.headers.get("authorization", "").partition(" ")
    bearer = scheme.lower() == "bearer" and bool(key.strip())
    return bearer or bool(rec.headers.get("api-key") or rec.query_params.get("api-key"))


def _require(req: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        if name not in req:
            raise missing_parameter(name)
    return req


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": MODELS[name][1], "owned_by": "system"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _plan(req: dict[str, Any]) -> tuple[str | None, dict[str, str] | None]:
    """The answer: ``(text, None)`` or ``(None, tool call {id, name, arguments})``."""
    messages = [m for m in req["messages"] if isinstance(m, dict)]
    tools = [t["function"] for t in req.get("tools") or [] if t.get("type") == "function"]
    choice = req.get("tool_choice")
    if tools and choice != "none" and (not messages or messages[-1].get("role") != "tool"):
        wanted = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
        fn = next((t for t in tools if t.get("name") == wanted), tools[0])
        arguments = json.dumps(_arguments(fn.get("parameters") or {}), separators=(",", ":"))
        call_id = "call_" + hashlib.sha256(arguments.encode()).hexdigest()[:24]
        return None, {"id": call_id, "name": fn["name"], "arguments": arguments}
    said = [m for m in messages if m.get("role") in ("user", "tool")]
    return "Echo: " + (_text(said[-1].get("content")) if said else ""), None


def _arguments(parameters: dict[str, Any]) -> dict[str, Any]:
    samples: dict[str, Any] = {"integer": 42, "number": 1.5, "boolean": True}
    samples.update(object={}, array=[], string="Paris")
    properties = parameters.get("properties") or {}
    out: dict[str, Any] = {}
    for name in parameters.get("required") or list(properties)[:1]:
        spec = properties.get(name) or {}
        kind = spec.get("type", "string")
        kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
        out[name] = spec["enum"][0] if spec.get("enum") else samples.get(kind, "Paris")
    return out


def _words(text: str | None) -> list[str]:
    return re.findall(r"\s*\S+|\s+", text or "")


def _fragments(arguments: str) -> list[str]:
    """JSON arguments split the way the real API streams them: ``{"``, ``location``..."""
    return re.findall(r'\{"|":"|","|":|,"|"\}|[^{}":,]+|.', arguments, re.S)


def _tokens(value: Any) -> int:
    return len(re.findall(r"\w+|[^\w\s]", value if isinstance(value, str) else json.dumps(value)))


def _usage(req: dict[str, Any], completion_tokens: int) -> dict[str, Any]:
    prompt = sum(7 + _tokens(_text(m.get("content"))) for m in req["messages"])
    prompt += sum(_tokens(t) for t in req.get("tools") or [])
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": dict.fromkeys(COMPLETION_DETAILS, 0),
    }


def _embeddings(req: dict[str, Any]) -> dict[str, Any]:
    inputs = req["input"]
    if isinstance(inputs, str) or (
        isinstance(inputs, list) and inputs and isinstance(inputs[0], int)
    ):
        inputs = [inputs]
    dims = int(req.get("dimensions") or 1536)
    data = []
    for index, item in enumerate(inputs):
        rng = random.Random(hashlib.sha256(json.dumps(item).encode()).digest())
        vector = [rng.gauss(0.0, 1.0) for _ in range(dims)]
        norm = sum(x * x for x in vector) ** 0.5
        vector = [round(x / norm, 8) for x in vector]
        embedding: Any = vector
        if req.get("encoding_format") == "base64":
            embedding = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(_tokens(item) for item in inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": req["model"], "usage": usage}
