"""An organization without a server, for the usage, costs, audit log and rate limit unit
tests: a memory state store, a clock the test sets, the answers a client was sent
(through :func:`mockapi.endpoints.admin.ledger.record`, as the replay engine records
them) and the admin routes' handlers called with a context."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.admin import keys, ledger, org
from mockapi.endpoints.admin import routes as admin_routes
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.model import FilePart, Request, Response, SSEEvent
from mockapi.replay.router import Router
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from tests.unit.endpoints.contexts import handler_context

ROUTES = {endpoint.key: endpoint for endpoint in admin_routes.ENDPOINTS}
NOW = 1_700_000_000
"""2023-11-14 22:13:20 UTC: its day starts at :data:`DAY`."""
DAY = 1_699_920_000
ADMIN = "sk-admin-unit"
PLAIN = "sk-test-plain"
"""A key the Administration API did not issue: counts for the default project."""


class Org:
    """A memory store, a clock at :data:`NOW` that tests move, and contexts over them."""

    def __init__(self) -> None:
        self.state = ObjectStore()
        self.now = float(NOW)
        self.clock = Clock(self.state, wall=lambda: self.now)
        self.router = Router()

    def context(
        self,
        endpoint: Endpoint,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        query: tuple[tuple[str, str], ...] = (),
    ) -> Context:
        headers = {"authorization": f"Bearer {ADMIN}"}
        request = Request(endpoint.method, endpoint.template, headers, query=query, json=body)
        return handler_context(
            request, endpoint, self.state, self.clock, params=params, synthesize=False
        )

    def call(self, key: str, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """The body the admin route ``key`` answers (the organization seeded first)."""
        endpoint = ROUTES[key]
        assert endpoint.lookup is not None
        answer = endpoint.lookup(self.context(endpoint, body, **kwargs))
        return answer.body

    def refused(self, key: str, body: dict[str, Any] | None = None, **kwargs: Any) -> APIError:
        with pytest.raises(APIError) as caught:
            self.call(key, body, **kwargs)
        return caught.value

    def usage(self, route: str, **query: Any) -> Any:
        """``GET /v1/organization/usage/<route>`` (or ``costs``) with ``query`` (lists
        sent as the SDK sends them: ``group_by[]=a&group_by[]=b``)."""
        pairs: list[tuple[str, str]] = []
        for name, value in query.items():
            if isinstance(value, list):
                pairs.extend((f"{name}[]", str(v)) for v in value)
            else:
                pairs.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
        key = (
            "GET /v1/organization/costs"
            if route == "costs"
            else f"GET /v1/organization/usage/{route}"
        )
        return self.call(key, query=tuple(pairs))

    def project_key(self, secret: str, project_id: str, key_id: str, **owner: str) -> str:
        """Let ``secret`` be a key of ``project_id`` (as the keys family records it)."""
        keys.record_owner(
            self.state, secret, {"project_id": project_id, "api_key_id": key_id, **owner}
        )
        return secret

    def sent(
        self,
        path: str,
        request: dict[str, Any],
        answer: Any = None,
        *,
        key: str = PLAIN,
        events: list[Any] | None = None,
        batch: str | None = None,
        status: int = 200,
        upload: bytes | None = None,
    ) -> None:
        """Record that ``answer`` (or the stream ``events``) was sent to ``request``."""
        headers = {"authorization": f"Bearer {key}"}
        if batch is not None:
            headers[ledger.BATCH_HEADER] = batch
        files = (FilePart("file", "a.wav", "audio/wav", upload),) if upload else ()
        made = Request("POST", path, headers, json=request, files=files)
        stream = tuple(SSEEvent(data=e) for e in events) if events is not None else None
        response = Response(status, body=answer if stream is None else None, events=stream)
        endpoint = self.router.resolve("POST", path)[0]
        shape = endpoint.shape if endpoint is not None else None
        ledger.record(self.state, self.clock.now(), made, response, shape)

    def default_project(self) -> str:
        return org.default_project_id(self.context(ROUTES["GET /v1/organization/costs"]))


def chat_answer(model: str, prompt: int, completion: int, **details: Any) -> dict[str, Any]:
    """A chat completion whose usage says ``prompt`` and ``completion`` tokens."""
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    usage.update(details)
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
        "usage": usage,
        "service_tier": "default",
    }


CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
