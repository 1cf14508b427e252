"""Project rate limits and audit logs without a server: limits listed per model and
updated within the organization's, enforced per project on its keys only (the 429's
message and headers, snapshots, batch lines, buckets refilled when a limit changes),
and the audit log's filters and order."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.admin import audit, ledger, rate_limits
from mockapi.errors import APIError
from mockapi.model import Request
from tests.unit.endpoints.admin_usage_state import NOW, PLAIN, Org

LIMITS = "/v1/organization/projects/{project_id}/rate_limits"
UPDATE = f"POST {LIMITS}/{{rate_limit_id}}"
AUDIT = "GET /v1/organization/audit_logs"


def project(o: Org, name: str) -> str:
    return str(o.call("POST /v1/organization/projects", {"name": name})["id"])


def set_limit(o: Org, project_id: str, model: str, **values: int) -> Any:
    params = {"project_id": project_id, "rate_limit_id": f"rl-{model}"}
    return o.call(UPDATE, values, params=params)


def chat(key: str, model: str = "gpt-4o-mini", **headers: str) -> Request:
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 10}
    return Request(
        "POST", "/v1/chat/completions", {"authorization": f"Bearer {key}", **headers}, json=body
    )


def test_limits_are_listed_per_model_with_the_projects_own_over_them() -> None:
    o = Org()
    p = project(o, "Ops")
    listed = o.call(f"GET {LIMITS}", params={"project_id": p})
    by_model = {item["model"]: item for item in listed["data"]}
    assert listed["object"] == "list" and listed["has_more"] is False
    assert set(by_model) >= set(rate_limits.DEFAULTS)
    mini = by_model["gpt-4o-mini"]
    assert mini["id"] == "rl-gpt-4o-mini" and mini["object"] == "project.rate_limit"
    assert (
        mini["max_requests_per_1_minute"]
        == rate_limits.DEFAULTS["gpt-4o-mini"]["max_requests_per_1_minute"]
    )
    assert "max_images_per_1_minute" in by_model["dall-e-3"]

    updated = set_limit(o, p, "gpt-4o-mini", max_requests_per_1_minute=3)
    assert updated["max_requests_per_1_minute"] == 3
    assert updated["max_tokens_per_1_minute"] == mini["max_tokens_per_1_minute"]
    again = o.call(f"GET {LIMITS}", params={"project_id": p}, query=(("limit", "2"),))
    assert len(again["data"]) == 2 and again["has_more"] is True
    other = project(o, "Other")
    others = o.call(f"GET {LIMITS}", params={"project_id": other})["data"]
    assert next(i for i in others if i["model"] == "gpt-4o-mini") == mini


def test_an_update_is_refused_as_the_api_refuses_it() -> None:
    o = Org()
    p = project(o, "Ops")
    unknown = o.refused(
        UPDATE,
        {"max_requests_per_1_minute": 1},
        params={"project_id": p, "rate_limit_id": "rl-nope"},
    )
    assert unknown.status == 404 and "rl-nope" in unknown.message
    gone = o.refused(UPDATE, {}, params={"project_id": "proj_nope", "rate_limit_id": "rl-gpt-4o"})
    assert gone.status == 404 and "proj_nope" in gone.message
    above = o.refused(
        UPDATE,
        {"max_requests_per_1_minute": 10**9},
        params={"project_id": p, "rate_limit_id": "rl-gpt-4o"},
    )
    assert (above.status, above.param) == (400, "max_requests_per_1_minute")
    zero = o.refused(
        UPDATE,
        {"max_tokens_per_1_minute": 0},
        params={"project_id": p, "rate_limit_id": "rl-gpt-4o"},
    )
    assert zero.param == "max_tokens_per_1_minute"


def test_a_projects_limit_applies_to_its_keys_only() -> None:
    o = Org()
    mine, theirs = project(o, "Mine"), project(o, "Theirs")
    o.project_key("sk-proj-mine", mine, "key_mine", user_id="user-a")
    o.project_key("sk-proj-theirs", theirs, "key_theirs", user_id="user-a")
    limiter = rate_limits.ProjectLimiter()
    assert limiter.take(o.state, chat("sk-proj-mine")) is None  # nothing set: untouched

    set_limit(o, mine, "gpt-4o-mini", max_requests_per_1_minute=2)
    first = limiter.take(o.state, chat("sk-proj-mine"))
    assert first is not None and first["x-ratelimit-limit-requests"] == "2"
    assert first["x-ratelimit-remaining-requests"] == "1"
    limiter.take(o.state, chat("sk-proj-mine"))
    with pytest.raises(APIError) as caught:
        limiter.take(o.state, chat("sk-proj-mine", model="gpt-4o-mini-2024-07-18"))
    refused = caught.value
    assert refused.status == 429 and refused.code == "rate_limit_exceeded"
    assert refused.message.startswith(
        f"Rate limit reached for gpt-4o-mini in project {mine} organization "
        "org-mockapi on requests per min (RPM): Limit 2, Used 2, Requested 1."
    )
    assert (
        refused.headers["x-ratelimit-remaining-requests"] == "0"
        and "retry-after" in refused.headers
    )

    assert limiter.take(o.state, chat("sk-proj-theirs")) is None
    assert limiter.take(o.state, chat("sk-proj-mine", model="gpt-4o")) is None
    batch_line = chat("sk-proj-mine", **{ledger.BATCH_HEADER: "batch_1"})
    assert limiter.take(o.state, batch_line) is None
    set_limit(o, mine, "gpt-4o-mini", max_requests_per_1_minute=5)  # new limit, full buckets
    assert limiter.take(o.state, chat("sk-proj-mine"))["x-ratelimit-remaining-requests"] == "4"  # type: ignore[index]
    limiter.reset()


def test_a_key_the_api_did_not_issue_counts_for_the_default_project() -> None:
    o = Org()
    limiter = rate_limits.ProjectLimiter()
    set_limit(o, o.default_project(), "gpt-4o", max_tokens_per_1_minute=15)
    with pytest.raises(APIError, match="on tokens per min"):
        limiter.take(o.state, chat(PLAIN, model="gpt-4o"))  # prompt + 10 reserved > 15


def test_the_audit_log_lists_actions_newest_first_and_filters_them() -> None:
    o = Org()
    ops = project(o, "Ops")
    o.now += 10
    set_limit(o, ops, "gpt-4o", max_requests_per_1_minute=7)
    o.now += 10
    o.call(
        "POST /v1/organization/projects/{project_id}", {"name": "Ops 2"}, params={"project_id": ops}
    )
    events = o.call(AUDIT)["data"]
    assert [e["type"] for e in events] == [
        "project.updated",
        "rate_limit.updated",
        "project.created",
    ]
    created, limit = events[2], events[1]
    assert (
        created["project.created"]["id"] == ops
        and created["project.created"]["data"]["name"] == "Ops"
    )
    assert limit["rate_limit.updated"] == {
        "id": "rl-gpt-4o",
        "changes_requested": {"max_requests_per_1_minute": 7},
    }
    assert limit["project"]["id"] == ops and limit["actor"]["type"] == "api_key"
    assert limit["effective_at"] == NOW + 10

    def types(*query: tuple[str, str]) -> list[str]:
        return [e["type"] for e in o.call(AUDIT, query=query)["data"]]

    assert types(("event_types[]", "project.created")) == ["project.created"]
    assert types(("effective_at[gte]", str(NOW + 10)), ("effective_at[lt]", str(NOW + 20))) == [
        "rate_limit.updated"
    ]
    assert types(("resource_ids[]", "rl-gpt-4o")) == ["rate_limit.updated"]
    assert types(("project_ids[]", "proj_other")) == []
    key_id = limit["actor"]["api_key"]["id"]
    assert len(types(("actor_ids[]", key_id))) == 3
    assert len(types(("actor_emails[]", limit["actor"]["api_key"]["user"]["email"]))) == 3
    assert types(("tenant_only", "true")) == []
    page = o.call(AUDIT, query=(("limit", "1"),))
    after = o.call(AUDIT, query=(("after", page["last_id"]), ("limit", "1")))
    assert [e["type"] for e in after["data"]] == ["rate_limit.updated"] and after["has_more"]
    bad = o.refused(AUDIT, query=(("effective_at[since]", "1"),))
    assert bad.status == 400 and "since" in bad.message


def test_a_session_actor_is_a_person_in_the_dashboard() -> None:
    o = Org()
    ctx = o.context(o.router.resolve("GET", "/v1/organization/audit_logs")[0])  # type: ignore[arg-type]
    event = audit.audit(
        ctx, "invite.accepted", {"id": "invite-1"}, actor=audit.session_actor("user-b", "b@x.test")
    )
    assert event["actor"] == {
        "type": "session",
        "session": {"user": {"id": "user-b", "email": "b@x.test"}, "ip_address": "127.0.0.1"},
    }
    assert audit.actor_ids(event) == {"user-b"} and audit.actor_emails(event) == {"b@x.test"}
