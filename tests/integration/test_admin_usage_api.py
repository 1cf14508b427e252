"""Usage, costs, audit logs and project rate limits on a real server, through the SDK's
``client.admin.organization`` with strict validation: a project's rate limit enforced on
its key (the API's 429 and headers) and not on another project's; the audit log listing
the admin actions in order; the usage of 5 chat completions, 2 embeddings requests and
a batch of 3 chat lines grouped by model and by batch, and the costs, adding up to what
the answers' own usage said. Every answer is checked against the derived schemas."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.replay.control import Control
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

ADMIN = "sk-admin-usage-tests"
PLAIN = "sk-test-mockapi"
PRICES = {
    "batch_discount": 0.5,
    "tokens": {
        "gpt-4o-mini": {"input": 1.0, "cached_input": 0.5, "output": 4.0},
        "text-embedding-3-small": {"input": 2.0},
    },
}
"""A test's own price table (USD per 1M tokens), so the expected costs are its arithmetic."""


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(autouse=True)
def fresh(server: ServerThread) -> None:
    control(server).reset()


def control(server: ServerThread) -> Control:
    return cast(Control, server.control)  # type: ignore[attr-defined]


@pytest.fixture
def admin(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1", api_key=PLAIN, admin_api_key=ADMIN) as sdk:
        yield sdk


def checked(server: ServerThread, endpoint: str, path: str, **query: Any) -> dict[str, Any]:
    """The raw JSON answer of an admin ``GET``, checked against ``endpoint``'s schema."""
    headers = {"authorization": f"Bearer {ADMIN}"}
    answer = httpx.get(server.url + path, params=query, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert response_problems(endpoint, body) == []
    return body


def project_key(admin: openai.OpenAI, name: str) -> tuple[str, str]:
    """A new project and the secret of a service account key in it."""
    project = admin.admin.organization.projects.create(name=name)
    account = admin.admin.organization.projects.service_accounts.create(project.id, name="bot")
    assert account.api_key is not None and account.api_key.value.startswith("sk-svcacct-")
    return project.id, account.api_key.value


def ask(server: ServerThread, key: str) -> Any:
    with strict_client(server.url + "/v1", api_key=key) as sdk:
        return sdk.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
        )


def test_a_projects_rate_limit_refuses_its_key_at_the_limit_only(
    server: ServerThread, admin: openai.OpenAI
) -> None:
    limited, key = project_key(admin, "Limited")
    _, other = project_key(admin, "Other")
    limits = admin.admin.organization.projects.rate_limits
    listed = limits.list_rate_limits(limited)
    assert any(item.id == "rl-gpt-4o-mini" for item in listed)
    updated = limits.update_rate_limit(
        "rl-gpt-4o-mini", project_id=limited, max_requests_per_1_minute=2
    )
    assert (updated.model, updated.max_requests_per_1_minute) == ("gpt-4o-mini", 2)
    again = next(i for i in limits.list_rate_limits(limited) if i.model == "gpt-4o-mini")
    assert again.max_requests_per_1_minute == 2

    answers = [ask(server, key) for _ in range(2)]
    assert [a.headers["x-ratelimit-limit-requests"] for a in answers] == ["2", "2"]
    assert [a.headers["x-ratelimit-remaining-requests"] for a in answers] == ["1", "0"]
    with pytest.raises(openai.RateLimitError) as caught:
        ask(server, key)
    refused = caught.value
    assert isinstance(refused.body, dict)
    assert str(refused.body["message"]).startswith(
        f"Rate limit reached for gpt-4o-mini in project {limited} organization org-mockapi on "
        "requests per min (RPM): Limit 2, Used 2, Requested 1. Please try again in"
    )
    assert refused.code == "rate_limit_exceeded"
    assert refused.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert int(refused.response.headers["retry-after"]) >= 1
    for _ in range(3):  # another project's key is not limited by it
        assert "x-ratelimit-limit-requests" not in ask(server, other).headers
    body = checked(
        server,
        "GET /v1/organization/projects/{project_id}/rate_limits",
        f"/v1/organization/projects/{limited}/rate_limits",
    )
    assert body["first_id"] == body["data"][0]["id"]


def test_the_audit_log_lists_the_admin_actions_in_order(
    server: ServerThread, admin: openai.OpenAI
) -> None:
    org = admin.admin.organization
    started = int(time.time())
    project = org.projects.create(name="Audit")
    org.projects.update(project.id, name="Audited")
    account = org.projects.service_accounts.create(project.id, name="bot")
    org.invites.create(email="ada@example.com", role="reader")
    org.projects.rate_limits.update_rate_limit(
        "rl-gpt-4o", project_id=project.id, max_tokens_per_1_minute=1000
    )
    org.projects.archive(project.id)

    events = list(org.audit_logs.list(effective_at={"gte": started}))
    assert [e.type for e in reversed(events)] == [
        "project.created",
        "project.updated",
        "service_account.created",
        "api_key.created",
        "invite.sent",
        "rate_limit.updated",
        "project.archived",
    ]
    created = events[-1]
    assert created.project_created is not None and created.project_created.id == project.id
    assert created.actor is not None and created.actor.type == "api_key"
    assert created.actor.api_key is not None and created.actor.api_key.id.startswith("key_")
    in_project = org.audit_logs.list(
        project_ids=[project.id], event_types=["service_account.created"]
    )
    assert [e.service_account_created.id for e in in_project] == [account.id]  # type: ignore[union-attr]
    body = checked(
        server, "GET /v1/organization/audit_logs", "/v1/organization/audit_logs", limit=3
    )
    assert len(body["data"]) == 3 and body["has_more"] is True


def upload_batch(sdk: openai.OpenAI, texts: list[str]) -> str:
    lines = [
        {
            "custom_id": f"line-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
        }
        for i, text in enumerate(texts)
    ]
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    made = sdk.files.create(file=("lines.jsonl", io.BytesIO(data)), purpose="batch")
    batch = sdk.batches.create(
        input_file_id=made.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    for _ in range(5):
        batch = sdk.batches.retrieve(batch.id)
        if batch.status == "completed":
            break
    assert batch.status == "completed" and batch.output_file_id is not None
    return batch.output_file_id


def test_usage_and_costs_add_up_to_what_was_sent(
    server: ServerThread, admin: openai.OpenAI
) -> None:
    control(server).set_prices(PRICES)
    start = int(time.time()) - 60
    chats = [
        admin.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"Question {i}?" * (i + 1)}]
        )
        for i in range(5)
    ]
    embeddings = [
        admin.embeddings.create(model="text-embedding-3-small", input=text, encoding_format="float")
        for text in ("one", "two words here")
    ]
    output = upload_batch(admin, ["Batch one", "Batch two, longer", "Batch three"])
    batch_usage = [
        json.loads(line)["response"]["body"]
        for line in admin.files.content(output).text.splitlines()
    ]

    usage = admin.admin.organization.usage
    grouped = usage.completions(start_time=start, group_by=["model", "batch"], bucket_width="1h")
    results = [r for bucket in grouped.data for r in bucket.results]
    by_key = {(r.model, r.batch): r for r in results}  # type: ignore[union-attr]
    live_model = chats[0].model
    live = by_key[(live_model, False)]
    assert live.input_tokens == sum(c.usage.prompt_tokens for c in chats)  # type: ignore[union-attr]
    assert live.output_tokens == sum(c.usage.completion_tokens for c in chats)  # type: ignore[union-attr]
    assert live.num_model_requests == 5
    batched = by_key[(batch_usage[0]["model"], True)]
    assert batched.input_tokens == sum(b["usage"]["prompt_tokens"] for b in batch_usage)
    assert batched.output_tokens == sum(b["usage"]["completion_tokens"] for b in batch_usage)
    assert batched.num_model_requests == 3
    assert len(results) == 2

    embedded = usage.embeddings(start_time=start, group_by=["model"])
    [used] = [r for bucket in embedded.data for r in bucket.results]
    assert used.input_tokens == sum(e.usage.prompt_tokens for e in embeddings)  # type: ignore[union-attr]
    assert used.num_model_requests == 2

    def cost(answer_usage: dict[str, Any], model: str, batch: bool) -> float:
        price = PRICES["tokens"]["gpt-4o-mini" if model.startswith("gpt-4o-mini") else model]
        spent = answer_usage["prompt_tokens"] * price["input"]
        spent += answer_usage.get("completion_tokens", 0) * price.get("output", 0)
        return spent / 1e6 * (0.5 if batch else 1)

    expected = sum(cost(c.usage.model_dump(), c.model, False) for c in chats)  # type: ignore[union-attr]
    expected += sum(cost(b["usage"], b["model"], True) for b in batch_usage)
    expected += sum(cost(e.usage.model_dump(), e.model, False) for e in embeddings)
    costs = admin.admin.organization.usage.costs(start_time=start)
    total = sum(r.amount.value for bucket in costs.data for r in bucket.results)  # type: ignore[union-attr]
    assert total == pytest.approx(expected)
    by_line = admin.admin.organization.usage.costs(start_time=start, group_by=["line_item"])
    items = {r.line_item for bucket in by_line.data for r in bucket.results}  # type: ignore[union-attr]
    assert f"{live_model}, batch input" in items and "text-embedding-3-small, input" in items

    day = checked(
        server,
        "GET /v1/organization/usage/completions",
        "/v1/organization/usage/completions",
        start_time=start,
        **{"group_by[]": ["model", "batch"]},
    )
    assert sum(r["input_tokens"] for b in day["data"] for r in b["results"]) == (
        live.input_tokens + batched.input_tokens
    )
    checked(server, "GET /v1/organization/costs", "/v1/organization/costs", start_time=start)


def test_every_usage_route_answers_buckets(server: ServerThread, admin: openai.OpenAI) -> None:
    start = int(time.time()) - 3 * 86400
    usage = admin.admin.organization.usage
    for name in (
        "audio_speeches",
        "audio_transcriptions",
        "code_interpreter_sessions",
        "decisions",
        "file_search_calls",
        "images",
        "moderations",
        "vector_stores",
        "web_search_calls",
    ):
        page = getattr(usage, name)(start_time=start, limit=2)
        assert page.object == "page" and len(page.data) == 2 and page.has_more, name
        following = getattr(usage, name)(start_time=start, limit=2, page=page.next_page)
        assert following.data[0].start_time == page.data[-1].end_time, name
        if name != "decisions":  # not in the spec: checked by the SDK's models only
            path = f"/v1/organization/usage/{name}"
            checked(server, f"GET {path}", path, start_time=start)


def test_an_ordinary_key_is_refused_and_async_reads_usage(server: ServerThread) -> None:
    with strict_client(server.url + "/v1", api_key=PLAIN, admin_api_key=PLAIN) as sdk:
        with pytest.raises(openai.PermissionDeniedError):
            sdk.admin.organization.usage.completions(start_time=int(time.time()))

    async def read() -> int:
        async with strict_async_client(server.url + "/v1", admin_api_key=ADMIN) as sdk:
            page = await sdk.admin.organization.usage.completions(start_time=int(time.time()))
            return len(page.data)

    import asyncio

    assert asyncio.run(read()) == 1
