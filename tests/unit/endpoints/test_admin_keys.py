"""The pure parts of the admin keys and settings families: the secrets the Administration
API issues and who owns them (the contract usage and rate limits rely on), a
certificate's validity read from its DER, and the spec additions that give the SDK-only
operations their schemas."""

from __future__ import annotations

import base64
import calendar
import re
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.admin import keys, pem
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import SchemaError
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from mockapi.state.store import StateStore
from mockapi.validation import additions

# Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
#   -subj /CN=cert1.mockapi.test -days 365 (UTCTime validity) and -days 10000 (its end
#   in 2054: a GeneralizedTime, as RFC 5280 writes years from 2050).
CERT_2027 = """-----BEGIN CERTIFICATE-----
MIIBfTCCASKgAwIBAgIBATAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJjZXJ0MS5t
b2NrYXBpLnRlc3QwHhcNMjYxMjA3MDI1MzI4WhcNMjcxMjA3MDI1MzI4WjAdMRsw
GQYDVQQDDBJjZXJ0MS5tb2NrYXBpLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAATI4QTPgg01KTglcKIUQDMNWg4LPeVjg0ONcnB1MS4fOO1wokVnaRvbvv+m
XY/GiR89JPY047O6WzGgMBwlzwyio1MwUTAdBgNVHQ4EFgQUR/W3j7TcYoScDWYL
v+Za1ecXtNAwHwYDVR0jBBgwFoAUR/W3j7TcYoScDWYLv+Za1ecXtNAwDwYDVR0T
AQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAs3EvnzXU0ph7V9ADvTFGD6ZH
/xc5G1/SXP5d7XuP5kgCIQC5cq9BeYQStEBhdiRxiDFnxRaQobsapmFG967Y4Kvo
Kg==
-----END CERTIFICATE-----
"""
CERT_2054 = """-----BEGIN CERTIFICATE-----
MIIBfTCCASSgAwIBAgIBAjAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJjZXJ0Mi5t
b2NrYXBpLnRlc3QwIBcNMjYxMjA3MDI1MzI4WhgPMjA1NDA0MjQwMjUzMjhaMB0x
GzAZBgNVBAMMEmNlcnQyLm1vY2thcGkudGVzdDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABHAmuB/4mZFIZ5kbcVKYKA5o2IlPFE0oM1ygNtJrAqY8XYE5n1VqrSTQ
9P8ZTns7KKtY+VhbJ9XuDtOTarrgtTOjUzBRMB0GA1UdDgQWBBQOA3z3l9JRtVIj
nDjA+PBXHS4wOjAfBgNVHSMEGDAWgBQOA3z3l9JRtVIjnDjA+PBXHS4wOjAPBgNV
HRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIEPHsxhtbvl6TPjRUCR1quPn
46TYokaUD8kl8WSuwA+1AiBmFpNQBwjVCq5Vi38VffO2x/yCbzbj6b/LEYoBA9qE
6g==
-----END CERTIFICATE-----
"""


def context(state: StateStore, *, seed: int = 0, now: float = 1_700_000_000.0) -> Context:
    endpoint = Endpoint("POST", "/v1/organization/admin_api_keys")
    return Context(
        request=Request("POST", endpoint.template, {}),
        endpoint=endpoint,
        params={},
        body={},
        seed=seed,
        state=state,
        models=(),
        synthesize=False,
        clock=Clock(state, wall=lambda: now),
        settings=Settings(),
    )


def test_secrets_have_the_api_shape_and_are_the_same_under_a_seed() -> None:
    first = [keys.new_secret(context(ObjectStore()), keys.SERVICE_ACCOUNT_KEY) for _ in range(2)]
    state = ObjectStore()
    ctx = context(state)
    made = [keys.new_secret(ctx, p) for p in (keys.SERVICE_ACCOUNT_KEY,) * 2 + (keys.ADMIN_KEY,)]
    assert re.fullmatch(r"sk-svcacct-[0-9A-Za-z]{40}T3BlbkFJ[0-9A-Za-z]{40}", made[0])
    assert made[2].startswith("sk-admin-")
    assert made[0] == first[0], "the first secret of a prefix is the same for a seed"
    assert made[0] != made[1]
    other_seed = keys.new_secret(context(ObjectStore(), seed=7), keys.SERVICE_ACCOUNT_KEY)
    assert other_seed != made[0]


def test_redacted_shows_the_kind_and_the_last_four_characters() -> None:
    assert keys.redacted("sk-svcacct-abcdefXYZ9") == "sk-svcacct...XYZ9"
    assert keys.redacted("sk-proj-abcdef1234") == "sk-proj...1234"
    assert keys.redacted("sk-admin-abcdefWXYZ") == "sk-admin...WXYZ"


def _stored_text(state: ObjectStore, *kinds: str) -> str:
    return repr([state.values(kind) for kind in kinds])


def test_key_owner_answers_for_an_issued_secret_and_never_stores_it() -> None:
    state = ObjectStore()
    secret = keys.new_secret(context(state), keys.SERVICE_ACCOUNT_KEY)
    owner = {"project_id": "proj_a", "api_key_id": "key_1", "service_account_id": "svc_acct_1"}
    keys.record_owner(state, secret, owner)
    assert keys.key_owner(state, secret) == owner
    assert keys.key_owner(state, secret + "x") is None
    assert keys.key_owner(state, "") is None
    assert secret not in _stored_text(state, keys.KEY_OWNERS)
    assert keys.digest(secret) in _stored_text(state, keys.KEY_OWNERS)
    assert keys.issued(state, secret)
    keys.forget_owner(state, keys.digest(secret))
    assert keys.key_owner(state, secret) is None
    assert not keys.issued(state, secret)


def test_an_expired_key_has_no_owner_once_the_clock_passes_its_expiry() -> None:
    state = ObjectStore()
    now = Clock(state).seconds()  # the wall clock, as key_owner reads it
    owner = {"project_id": "p", "api_key_id": "k", "user_id": "u"}
    keys.record_owner(state, "sk-proj-x", owner, expires_at=now + 60)
    keys.record_admin_key(state, "sk-admin-x", "key_a", "ci", expires_at=now + 60)
    assert keys.key_owner(state, "sk-proj-x") == owner
    assert keys.admin_key_id(state, "sk-admin-x") == "key_a"
    Clock(state).advance(3600)  # the clock's offset lives in the store
    assert keys.key_owner(state, "sk-proj-x") is None
    assert keys.admin_key_id(state, "sk-admin-x") is None


def test_a_forgotten_admin_key_is_no_longer_issued() -> None:
    state = ObjectStore()
    keys.record_admin_key(state, "sk-admin-y", "key_b", "ops")
    assert keys.issued(state, "sk-admin-y")
    keys.forget_admin_key(state, keys.digest("sk-admin-y"))
    assert not keys.issued(state, "sk-admin-y")


def _epoch(text: str) -> int:
    year, month, day, hour, minute, second = (int(p) for p in re.split(r"[-: ]", text))
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def _truncated(certificate: str, size: int) -> str:
    """``certificate`` with its DER cut after ``size`` bytes, still valid base64."""
    body = "".join(certificate.splitlines()[1:-1])
    der = base64.b64decode(body)[:size]
    return (
        f"-----BEGIN CERTIFICATE-----\n{base64.b64encode(der).decode()}\n-----END CERTIFICATE-----"
    )


@pytest.mark.parametrize(
    ("certificate", "not_before", "not_after"),
    [
        # as `openssl x509 -noout -startdate -enddate -dateopt iso_8601` prints them
        (CERT_2027, "2026-12-07 02:53:28", "2027-12-07 02:53:28"),
        (CERT_2054, "2026-12-07 02:53:28", "2054-04-24 02:53:28"),
    ],
)
def test_a_certificates_validity_is_its_not_before_and_not_after(
    certificate: str, not_before: str, not_after: str
) -> None:
    assert pem.validity(certificate) == (_epoch(not_before), _epoch(not_after))
    assert pem.validity("a chain:\n" + certificate + CERT_2054)[0] == _epoch(not_before)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "no '-----BEGIN CERTIFICATE-----' block"),
        ("-----BEGIN CERTIFICATE-----\nab!c\n-----END CERTIFICATE-----", "no '-----BEGIN"),
        ("-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----", "not base64"),
        ("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----", "ends early"),
        ("-----BEGIN CERTIFICATE-----\nAgEB\n-----END CERTIFICATE-----", "expected DER tag 0x30"),
        (_truncated(CERT_2027, 40), "ends early"),
    ],
)
def test_what_is_not_a_certificate_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(pem.CertificateError, match=re.escape(reason)):
        pem.validity(text)


def _spec() -> dict[str, Any]:
    return {
        "paths": {"/things": {"get": {"responses": {}}}},
        "components": {"schemas": {"Thing": {"type": "object"}}},
    }


def test_additions_add_operations_and_components_to_a_copy_of_the_spec() -> None:
    spec = _spec()
    added = additions.Operation(
        "POST", "/things/{thing_id}", "the SDK has it", request="Thing", response="Thing",
        query=(("limit", {"type": "integer"}),),
    )  # fmt: skip
    extended = additions.extend(spec, (added,), {"Other": {"type": "string"}}, why="why")
    assert spec == _spec(), "the spec itself is left as it was"
    operation = extended["paths"]["/things/{thing_id}"]["post"]
    assert operation["parameters"] == [
        {"in": "path", "name": "thing_id", "required": True, "schema": {"type": "string"}},
        {"in": "query", "name": "limit", "schema": {"type": "integer"}},
    ]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == answer == {"$ref": "#/components/schemas/Thing"}
    assert extended["components"]["schemas"]["Other"] == {"type": "string", "$comment": "why"}
    assert "get" in extended["paths"]["/things"]


def test_an_addition_the_spec_now_declares_is_an_error() -> None:
    stale = additions.Operation("GET", "/things", "old")
    with pytest.raises(SchemaError, match="GET /things: the spec now declares"):
        additions.extend(_spec(), (stale,), {})
    with pytest.raises(SchemaError, match="component Thing: the spec now declares it"):
        additions.extend(_spec(), (), {"Thing": {}})
