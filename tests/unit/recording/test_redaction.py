"""Redaction: secrets never reach a recording, and nothing else is touched."""

from __future__ import annotations

import copy
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from mockapi.recording.redaction import (
    DEFAULT_RULES,
    SECRET_HEADERS,
    RedactionRules,
    filter_response_headers,
    is_secret_name,
    looks_like_secret,
    redact_headers,
    redact_json,
    redact_query,
    redact_response_headers,
    scrub_bytes,
    scrub_text,
)

REAL_TRAFFIC = Path(__file__).resolve().parents[3].parent / "shared" / "real-traffic"
needs_real_traffic = pytest.mark.skipif(
    not REAL_TRAFFIC.is_dir(), reason=f"real-traffic cassettes not found at {REAL_TRAFFIC}"
)

KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
SVC_KEY = "sk-svcacct-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0"
ORG = "org-AbCdEfGhIjKlMnOpQrStUvWx"
PROJ = "proj_a1B2c3D4e5F6g7H8i9J0k1L2"
AZURE = "0123456789abcdef0123456789abcdef"


# --- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SECRET_HEADERS))
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_every_builtin_secret_header_is_replaced_in_any_case(name: str, case: Any) -> None:
    headers = {case(name): f"Bearer {KEY}", "Content-Type": "application/json"}
    assert redact_headers(headers) == {name: "REDACTED", "content-type": "application/json"}


def test_header_list_covers_openai_azure_and_cookies() -> None:
    assert {
        "authorization",
        "api-key",
        "openai-organization",
        "openai-project",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-api-key",
        "ocp-apim-subscription-key",
    } <= SECRET_HEADERS


def test_extra_headers_and_secret_like_names_are_replaced() -> None:
    rules = RedactionRules(extra_headers=frozenset({"X-Tenant"}), placeholder="<hidden>")
    headers = {
        "X-Tenant": "acme",
        "x-goog-api-key": "short",
        "X-Auth-Token": "abc",
        "x-ratelimit-remaining-tokens": "149999974",
        "Idempotency-Key": "stainless-python-retry-0b1c2d3e-aaaa-bbbb",
        "x-request-id": "req_cf835448d20433cce7b43909bd0c7ea8",
    }
    assert redact_headers(headers, rules) == {
        "x-tenant": "<hidden>",
        "x-goog-api-key": "<hidden>",
        "x-auth-token": "<hidden>",
        "x-ratelimit-remaining-tokens": "149999974",
        "idempotency-key": "stainless-python-retry-0b1c2d3e-aaaa-bbbb",
        "x-request-id": "req_cf835448d20433cce7b43909bd0c7ea8",
    }
    assert redact_headers({"X-Tenant": "acme"}) == {"x-tenant": "acme"}


def test_key_like_value_in_an_ordinary_header_is_replaced() -> None:
    headers = {
        "X-Forwarded-Auth": f"Bearer {KEY}",
        "X-Debug": f"upstream key={AZURE}; slot key=primary",
        "X-Hash": AZURE,
    }
    assert redact_headers(headers) == {
        "x-forwarded-auth": "Bearer REDACTED",
        "x-debug": "upstream key=REDACTED; slot key=primary",
        "x-hash": AZURE,  # a bare 32-hex value is a hash until a secret-like name says otherwise
    }


def test_header_names_differing_in_case_are_joined() -> None:
    assert redact_headers({"Accept": "a", "accept": "b"}) == {"accept": "a, b"}
    assert redact_headers({"Cookie": "a=1", "cookie": "b=2"}) == {"cookie": "REDACTED"}


# --- query strings ---------------------------------------------------------------------


def test_query_secret_parameters_are_replaced_and_order_kept() -> None:
    query = [
        ("api-version", "2024-10-21"),
        ("api-key", AZURE),
        ("key", "AIzaSyA1234"),
        ("sig", "abc%2Bdef"),
        ("code", "x"),
        ("access_token", "t"),
        ("limit", "20"),
        ("token", ""),
        ("after", KEY),
    ]
    assert redact_query(query) == [
        ("api-version", "2024-10-21"),
        ("api-key", "REDACTED"),
        ("key", "REDACTED"),
        ("sig", "REDACTED"),
        ("code", "REDACTED"),
        ("access_token", "REDACTED"),
        ("limit", "20"),
        ("token", ""),
        ("after", "REDACTED"),
    ]


def test_query_leaves_openai_pagination_and_ids_alone() -> None:
    query = [("after", "file-abc123"), ("order", "desc"), ("include[]", "output"), ("k", "v")]
    assert redact_query(query) == query


# --- JSON bodies -----------------------------------------------------------------------


def test_secret_named_keys_are_replaced_at_any_depth() -> None:
    body = {
        "model": "gpt-4o",
        "config": {"apiKey": "x", "API-KEY": 1234, "nested": [{"client_secret": "s"}]},
        "tools": [{"type": "mcp", "authorization": "oauth-token", "headers": {"Password": "p"}}],
        "openai_api_key": KEY,
        "secret": True,
        "refresh_token": None,
    }
    redacted, paths = redact_json(body)
    assert redacted == {
        "model": "gpt-4o",
        "config": {
            "apiKey": "REDACTED",
            "API-KEY": "REDACTED",
            "nested": [{"client_secret": "REDACTED"}],
        },
        "tools": [
            {"type": "mcp", "authorization": "REDACTED", "headers": {"Password": "REDACTED"}}
        ],
        "openai_api_key": "REDACTED",
        "secret": True,
        "refresh_token": None,
    }
    assert paths == [
        "config.apiKey",
        "config.API-KEY",
        "config.nested.0.client_secret",
        "tools.0.authorization",
        "tools.0.headers.Password",
        "openai_api_key",
    ]


def test_container_under_a_secret_key_loses_its_credential_like_strings() -> None:
    body = {"client_secret": {"value": "ek_68af296e8e408191a1120ab6383263c2", "expires_at": 17}}
    assert redact_json(body) == (
        {"client_secret": {"value": "REDACTED", "expires_at": 17}},
        ["client_secret.value"],
    )


def test_counting_names_and_logprob_tokens_are_not_secrets() -> None:
    body = {
        "max_tokens": 10,
        "max_completion_tokens": 100,
        "logit_bias": {"50256": -100, "1734": 5},
        "prompt_cache_key": "user-1234-conversation-5678",
        "usage": {
            "prompt_tokens": 24,
            "completion_tokens": 8,
            "total_tokens": 32,
            "completion_tokens_details": {"reasoning_tokens": 64},
        },
        "logprobs": [{"token": "Paris", "bytes": [80, 97], "top_logprobs": [{"token": " is"}]}],
        "tokens": [15339, 1917],
        "filters": {"key": "author_id", "type": "eq", "value": "a1"},
        "error": {"code": "model_not_found", "param": None},
    }
    assert redact_json(body) == (body, [])
    for name in ("max_tokens", "total_tokens", "tokens", "token", "key", "logit_bias", "code"):
        assert not is_secret_name(name), name


def test_weak_names_are_redacted_only_when_credential_like() -> None:
    body = {"token": "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "key": "Kx1", "sig": "sv=2024&x"}
    assert redact_json(body) == ({**body, "token": "REDACTED"}, ["token"])


def test_key_in_user_message_is_replaced_but_the_message_kept() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": f"my key is {KEY}, and the org is {ORG} - why 401?"},
        ]
    }
    redacted, paths = redact_json(body)
    assert (
        redacted["messages"][1]["content"]
        == "my key is REDACTED, and the org is REDACTED - why 401?"
    )
    assert redacted["messages"][0] == body["messages"][0]
    assert paths == ["messages.1.content"]


def test_key_inside_tool_call_arguments_and_content_parts() -> None:
    arguments = json.dumps({"service": "billing", "api_key": AZURE, "token": SVC_KEY})
    body = {
        "messages": [
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_abc",
                        "type": "function",
                        "function": {"name": "f", "arguments": arguments},
                    }
                ],
            },
            {"role": "user", "content": [{"type": "text", "text": f"Authorization: Bearer {KEY}"}]},
        ]
    }
    redacted, paths = redact_json(body)
    args = json.loads(redacted["messages"][0]["tool_calls"][0]["function"]["arguments"])
    assert args == {"service": "billing", "api_key": "REDACTED", "token": "REDACTED"}
    assert redacted["messages"][1]["content"][0]["text"] == "Authorization: Bearer REDACTED"
    assert paths == ["messages.0.tool_calls.0.function.arguments", "messages.1.content.0.text"]


def test_json_paths_with_wildcards_and_indexes() -> None:
    rules = RedactionRules(
        json_paths=("metadata.user_email", "messages.*.name", "extra[0]", "deep.*.*"),
        placeholder="X",
    )
    body = {
        "metadata": {"user_email": "a@b.c", "trace": "t"},
        "messages": [{"role": "user", "name": "alice"}, {"role": "user"}, {"name": "bob"}],
        "extra": [{"whole": ["object"]}, "kept"],
        "deep": {"a": {"b": 1}, "c": [2, 3], "d": 4},
        "name": "top-level name kept",
    }
    redacted, paths = redact_json(body, rules)
    assert redacted == {
        "metadata": {"user_email": "X", "trace": "t"},
        "messages": [{"role": "user", "name": "X"}, {"role": "user"}, {"name": "X"}],
        "extra": ["X", "kept"],
        "deep": {"a": {"b": "X"}, "c": ["X", "X"], "d": 4},
        "name": "top-level name kept",
    }
    assert paths == [
        "metadata.user_email",
        "messages.0.name",
        "messages.2.name",
        "extra.0",
        "deep.a.b",
        "deep.c.0",
        "deep.c.1",
    ]


def test_already_redacted_values_are_not_reported() -> None:
    body = {"api_key": "REDACTED", "messages": [{"content": "REDACTED"}]}
    assert redact_json(body) == (body, [])


def test_scalars_and_non_dict_roots() -> None:
    assert redact_json(KEY) == ("REDACTED", [""])
    assert redact_json([1, KEY]) == ([1, "REDACTED"], ["1"])
    assert redact_json(None) == (None, [])


# --- patterns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        KEY,
        SVC_KEY,
        "sk-admin-" + "a1" * 12,
        "sk-" + "A" * 48,
        ORG,
        PROJ,
        "Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
        "AKIAIOSFODNN7EXAMPLE",
        f"api-key: {AZURE}",
        f'"client_secret": "{AZURE}"',
        "password=hunter22",
        "https://example.com/v1?key=AIzaSyA1234567890abcdefgh",
    ],
)
def test_looks_like_secret(text: str) -> None:
    assert looks_like_secret(text)
    assert "REDACTED" in scrub_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "chatcmpl-BJ7ajFcjYOGkTBQxq94mQWFDzRVXu",
        "call_4mrrbUCzJZ4a1CzXsHiL2gyM",
        "fp_f5bdcc3276",
        "resp_68c2a5b08e648193b9a9d0b8d1b4ff5e0bd51c8d43b5b0d3",
        "req_cf835448d20433cce7b43909bd0c7ea8",
        AZURE,
        "a3f5b2c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4",  # a sha1
        "org-short",
        "sk-too-short",
        "risk-assessment-for-the-quarterly-report",
        "Bearer <OPENAI_ACCESS_TOKEN>",
        "the bearer of the news",
        "REDACTED",
        "max_tokens: 1000000000000000",
        "the secret: abracadabra",
    ],
)
def test_not_a_secret(text: str) -> None:
    assert not looks_like_secret(text)
    assert scrub_text(text) == text


def test_scrub_text_replaces_only_the_secret_and_is_idempotent() -> None:
    text = f'data: {{"content":"use {KEY} or Bearer abcdef0123456789XYZ"}}\n\n'
    once = scrub_text(text)
    assert once == 'data: {"content":"use REDACTED or Bearer REDACTED"}\n\n'
    assert scrub_text(once) == once
    assert scrub_text(text, RedactionRules(placeholder="***")).count("***") == 2


def test_scrub_bytes_keeps_non_utf8_bytes() -> None:
    data = b"\xff\xfe key " + KEY.encode() + b" \xc3\xa9"
    assert scrub_bytes(data) == b"\xff\xfe key REDACTED \xc3\xa9"
    plain = b"\xff no secret"
    assert scrub_bytes(plain) is plain


# --- rules -----------------------------------------------------------------------------


def test_rules_normalise_and_validate() -> None:
    rules = RedactionRules(extra_headers=frozenset({"X-Tenant "}), json_paths=("a.b",))
    assert rules.extra_headers == frozenset({"x-tenant"})
    with pytest.raises(ValueError, match=r"'messages\.\.name'"):
        RedactionRules(json_paths=("messages..name",))
    with pytest.raises(ValueError, match="''"):
        RedactionRules(placeholder="")
    with pytest.raises(ValueError, match="sk-"):
        RedactionRules(placeholder=KEY)
    assert DEFAULT_RULES.placeholder == "REDACTED"


# --- response headers ------------------------------------------------------------------

RATE_LIMITED = {
    "Content-Type": "application/json",
    "Retry-After": "20",
    "retry-after-ms": "19500",
    "x-ratelimit-limit-requests": "10000",
    "X-RateLimit-Remaining-Tokens": "0",
    "x-ratelimit-reset-tokens": "6m0s",
    "x-request-id": "req_1",
    "openai-organization": ORG,
    "openai-version": "2020-10-01",
    "x-should-retry": "true",
}


def test_rate_limit_headers_kept_only_for_429() -> None:
    kept = {
        "retry-after": "20",
        "retry-after-ms": "19500",
        "openai-version": "2020-10-01",
        "x-should-retry": "true",
    }
    assert filter_response_headers(RATE_LIMITED, status=429) == {
        **kept,
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": "6m0s",
    }
    assert filter_response_headers(RATE_LIMITED, status=200) == kept
    assert filter_response_headers(RATE_LIMITED, status=500) == kept


def test_redact_response_headers_filters_then_scrubs() -> None:
    headers = {"Openai-Version": "2020-10-01", "Retry-After": f"1 {KEY}", "Set-Cookie": "a=b"}
    assert redact_response_headers(headers, status=429) == {
        "openai-version": "2020-10-01",
        "retry-after": "1 REDACTED",
    }


# --- real traffic ----------------------------------------------------------------------


@dataclass
class Recorded:
    name: str
    uri: str
    status: int
    request_headers: dict[str, str]
    response_headers: dict[str, str]
    bodies: list[tuple[str, Any]]  # (what, JSON value or text)


def _headers(raw: dict[str, Any] | None) -> dict[str, str]:
    return {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in (raw or {}).items()}


def _bodies(side: str, message: dict[str, Any]) -> list[tuple[str, Any]]:
    if "parsed_body" in message:
        return [(f"{side} json", message["parsed_body"])]
    body = message.get("body")
    text = body.get("string") if isinstance(body, dict) else body
    if isinstance(text, bytes):
        text = (gzip.decompress(text) if text[:2] == b"\x1f\x8b" else text).decode()
    if not text:
        return []
    out: list[tuple[str, Any]] = [(f"{side} text", text)]
    try:
        out.append((f"{side} json", json.loads(text)))
    except ValueError:
        for line in text.splitlines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                out.append((f"{side} sse json", json.loads(line[5:])))
    return out


def recorded_exchanges() -> list[Recorded]:
    found = []
    for path in sorted(REAL_TRAFFIC.glob("*/*.y*ml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for i, item in enumerate(doc.get("interactions") or doc.get("http_interactions") or []):
            request, response = item["request"], item["response"]
            found.append(
                Recorded(
                    name=f"{path.parent.name}/{path.name}#{i}",
                    uri=request["uri"],
                    status=int(response["status"]["code"]),
                    request_headers=_headers(request.get("headers")),
                    response_headers=_headers(response.get("headers")),
                    bodies=_bodies("request", request) + _bodies("response", response),
                )
            )
    return found


EXCHANGES = recorded_exchanges() if REAL_TRAFFIC.is_dir() else []


@needs_real_traffic
def test_real_traffic_is_all_loaded() -> None:
    assert len(EXCHANGES) == 51
    assert sum(what.endswith("sse json") for ex in EXCHANGES for what, _ in ex.bodies) > 100


@needs_real_traffic
@pytest.mark.parametrize("exchange", EXCHANGES, ids=lambda ex: ex.name)
def test_no_false_positive_in_real_bodies(exchange: Recorded) -> None:
    assert exchange.bodies
    for what, value in exchange.bodies:
        if what.endswith("text"):
            assert scrub_text(value) == value, what
        else:
            original = copy.deepcopy(value)
            assert redact_json(value) == (original, []), what
            compact = json.dumps(value, ensure_ascii=False)
            assert scrub_text(compact) == compact, what


@needs_real_traffic
@pytest.mark.parametrize("exchange", EXCHANGES, ids=lambda ex: ex.name)
def test_no_false_positive_in_real_urls_and_headers(exchange: Recorded) -> None:
    assert scrub_text(exchange.uri) == exchange.uri
    query = parse_qsl(urlsplit(exchange.uri).query, keep_blank_values=True)
    assert redact_query(query) == query
    for headers in (exchange.request_headers, exchange.response_headers):
        redacted = redact_headers(headers)
        for name, value in headers.items():
            secret = name.lower() in SECRET_HEADERS
            assert redacted[name.lower()] == ("REDACTED" if secret else value), name


@needs_real_traffic
def test_real_secret_pasted_into_a_real_request_is_the_only_change() -> None:
    exchange = next(ex for ex in EXCHANGES if ex.name.endswith("test_openai_instructions.yaml#0"))
    body = copy.deepcopy(dict(exchange.bodies)["request json"])
    body["messages"][1]["content"] += f" (my key: {KEY})"
    redacted, paths = redact_json(body)
    assert paths == ["messages.1.content"]
    assert redacted["messages"][1]["content"] == "What is the capital of France? (my key: REDACTED)"
    assert {k: v for k, v in redacted.items() if k != "messages"} == {
        k: v for k, v in body.items() if k != "messages"
    }


@needs_real_traffic
def test_volatile_header_rule_on_real_responses() -> None:
    by_name = {ex.name: ex for ex in EXCHANGES}
    chat = by_name["pydantic__pydantic-ai/test_openai_instructions.yaml#0"]
    assert "openai-processing-ms" in chat.response_headers
    assert filter_response_headers(chat.response_headers, status=200) == {
        "openai-version": "2020-10-01"
    }
    embed = by_name[
        "alexrudall__ruby-openai/"
        "text-embedding-ada-002_embeddings_the_food_was_delicious_and_the_waiter_.yml#0"
    ]
    assert {"X-Ratelimit-Limit-Requests", "Openai-Model", "Date"} <= set(embed.response_headers)
    assert filter_response_headers(embed.response_headers, status=200) == {
        "openai-model": "text-embedding-ada-002",
        "openai-version": "2020-10-01",
    }
    kept_if_429 = filter_response_headers(embed.response_headers, status=429)
    assert (
        kept_if_429["x-ratelimit-limit-requests"]
        == embed.response_headers["X-Ratelimit-Limit-Requests"]
    )
    assert all(n.startswith(("x-ratelimit-", "openai-")) for n in kept_if_429)


@needs_real_traffic
def test_no_real_response_keeps_a_volatile_header() -> None:
    volatile = {"date", "x-request-id", "cf-ray", "set-cookie", "openai-organization", "server"}
    for exchange in EXCHANGES:
        kept = filter_response_headers(exchange.response_headers, status=exchange.status)
        assert not volatile & set(kept), exchange.name
        assert "content-type" not in kept


# --- no mutation -----------------------------------------------------------------------


def test_inputs_are_never_mutated() -> None:
    headers = {"Authorization": f"Bearer {KEY}", "X-Note": KEY}
    query = [("api-key", AZURE), ("q", KEY)]
    body = {"api_key": KEY, "messages": [{"content": KEY, "name": "n"}], "meta": {"x": [KEY]}}
    rules = RedactionRules(json_paths=("messages.*.name",))
    snapshot = copy.deepcopy((headers, query, body))
    redacted_body, _ = redact_json(body, rules)
    redact_headers(headers, rules)
    redact_query(query, rules)
    redact_response_headers(headers, rules, status=429)
    filter_response_headers(headers, status=429)
    assert (headers, query, body) == snapshot
    assert redacted_body["meta"]["x"] is not body["meta"]["x"]
    assert redacted_body["messages"][0] is not body["messages"][0]
