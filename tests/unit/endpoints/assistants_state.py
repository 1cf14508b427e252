"""The Assistants routes on a memory state store, with the model's answers scripted: the
requests a client would send, routed as the server routes them, without a server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockapi.config import Settings
from mockapi.endpoints.assistants import routes
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.models import DEFAULT_MODELS
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Request, Response
from mockapi.replay.router import Router
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore

ROUTER = Router(routes.ENDPOINTS)
BETA = {"openai-beta": "assistants=v2", "authorization": "Bearer sk-user"}
WEATHER: Any = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}
USAGE = {"prompt_tokens": 40, "completion_tokens": 10, "total_tokens": 50}


def text(content: str, *, finish: str = "stop", usage: dict[str, int] = USAGE) -> Response:
    """A chat answer saying ``content``."""
    message = {"role": "assistant", "content": content}
    choice = {"index": 0, "message": message, "finish_reason": finish}
    return Response(200, {}, body={"choices": [choice], "usage": usage})


def calls(*names: str) -> Response:
    """A chat answer calling the functions ``names``."""
    made = [
        {"id": f"call_{n}", "type": "function", "function": {"name": n, "arguments": "{}"}}
        for n in names
    ]
    message = {"role": "assistant", "content": None, "tool_calls": made}
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
    return Response(200, {}, body={"choices": [choice], "usage": USAGE})


class Api:
    """The family's routes over one memory store; ``answers`` are the model's replies,
    in order (the last one repeats), and ``asked`` the chat requests it was sent."""

    def __init__(
        self,
        answers: Sequence[Response] = (),
        *,
        settings: Settings | None = None,
        state: ObjectStore | None = None,
    ) -> None:
        self.state = state if state is not None else ObjectStore()
        self.now = 1_700_000_000.0
        self.clock = Clock(self.state, wall=lambda: self.now)
        self.answers = list(answers) or [text("Hello.")]
        self.asked: list[dict[str, Any]] = []
        self.settings = settings or Settings()

    def dispatch(self, request: Request) -> Response:
        assert request.path == "/v1/chat/completions"
        assert request.headers["authorization"] == "Bearer sk-user"
        self.asked.append(dict(request.json) if isinstance(request.json, dict) else {})
        return self.answers[min(len(self.asked), len(self.answers)) - 1]

    def context(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        query: tuple[tuple[str, str], ...] = (),
    ) -> Context:
        endpoint, _ = ROUTER.resolve(method, path)
        assert endpoint is not None, f"no route {method} {path}"
        request = Request(method, path, headers if headers is not None else BETA, query, json=body)
        return Context(
            request=request,
            endpoint=endpoint,
            params=ROUTER.params(endpoint, path),
            body=body or {},
            seed=0,
            state=self.state,
            models=DEFAULT_MODELS,
            synthesize=True,
            clock=self.clock,
            settings=self.settings,
            dispatch=self.dispatch,
        )

    def answer(
        self, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any
    ) -> FixtureResponse:
        """The route's whole answer (``APIError`` for a refusal)."""
        ctx = self.context(method, path, body, **kw)
        assert ctx.endpoint.lookup is not None
        return ctx.endpoint.lookup(ctx)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The route's JSON body."""
        return self.answer(method, path, body, **kw).body

    def assistant(self, **fields: Any) -> str:
        made = self.call("POST", "/v1/assistants", {"model": "gpt-4o", **fields})
        return str(made["id"])

    def thread(self, *texts: str) -> str:
        messages = [{"role": "user", "content": t} for t in texts]
        return str(self.call("POST", "/v1/threads", {"messages": messages})["id"])

    def run(self, thread_id: str, assistant_id: str, **fields: Any) -> dict[str, Any]:
        body = {"assistant_id": assistant_id, **fields}
        return dict(self.call("POST", f"/v1/threads/{thread_id}/runs", body))

    def retrieve(self, run: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/threads/{run['thread_id']}/runs/{run['id']}"))

    def steps(self, run: dict[str, Any]) -> list[dict[str, Any]]:
        path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/steps"
        return list(self.call("GET", path, query=(("order", "asc"),))["data"])
