"""Schemathesis against a real server, for every operation the router serves.

Requests are generated from an OpenAPI document built from the derived schemas
(:mod:`tests.fuzz.openapi`) and sent over a real socket to a synthesizing server; every
answer is judged by :mod:`tests.fuzz.oracle`. Two tests per operation:

* ``test_fuzz_positive``: requests that fit the schema (and path parameters of any
  text): no 5xx, every 2xx body and stream event valid, every 4xx in the error shape.
* ``test_fuzz_negative``: Schemathesis' negative mode and :mod:`tests.fuzz.negative`'s
  everyday mistakes (a wrong type, an unknown parameter, a missing required one, a body
  that is not an object): the same checks, and whatever breaks the schema gets a 4xx.

The budget is fixed and the run derandomized (the same examples every run, no example
database), so a failure reproduces: ``MOCKAPI_FUZZ_EXAMPLES`` (default 12) examples per
operation and mode. Each test gathers every problem it meets rather than stopping at the
first, and fails listing them by kind. ``MOCKAPI_FUZZ_REPORT=FILE`` appends one JSON
line per test (operation, mode, examples, answers by status class, problems by kind) for
the figures; ``MOCKAPI_FUZZ_REFUSALS=FILE`` appends each 4xx (operation, whether the
request broke the schema, the error) to see what the budget is spent on.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from mockapi.config import OnMiss
from mockapi.replay.router import ENDPOINTS
from mockapi.validation.files import load_schemas
from mockapi.web.server import ServerThread
from mockapi.wire.credentials import is_admin_path
from tests.fuzz import negative, openapi, oracle, steer
from tests.helpers import running_server

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("MOCKAPI_FUZZ_EXAMPLES", "12"))
REPORT = os.environ.get("MOCKAPI_FUZZ_REPORT")
REFUSALS = os.environ.get("MOCKAPI_FUZZ_REFUSALS")
AUTH = {"Authorization": "Bearer sk-test-mockapi"}
ADMIN_AUTH = {"Authorization": "Bearer sk-admin-test-mockapi"}
"""The Administration API takes only an admin key, as a real client sends it."""
SCHEMAS = load_schemas()
OPERATIONS = openapi.operations(SCHEMAS, ENDPOINTS)
WITH_BODY = [op for op in OPERATIONS if op.bodies]
SCHEMA = schemathesis.openapi.from_dict(openapi.document(OPERATIONS))
BUDGET = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Gather every problem instead of shrinking the first: one run shows them all.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


class Run:
    """The problems met while fuzzing one operation in one mode."""

    def __init__(self, op: openapi.Operation, server: ServerThread, http: requests.Session):
        self.op, self.server, self.http = op, server, http
        self.examples = 0
        self.statuses: Counter[str] = Counter()
        self.problems: list[tuple[oracle.Problem, str]] = []
        self.has_response = SCHEMAS.schema(op.key, "response") is not None

    def steer(self, case: Any, data: st.DataObject) -> Any:
        """``case`` with open enums set to named values and real uploads (module steer)."""
        schema = self.op.bodies.get(case.media_type or "")
        if schema is None or not isinstance(case.body, dict):
            return case
        case.body = data.draw(steer.steered(schema, case.body), label="steered")
        if case.media_type == "multipart/form-data":
            case.body = steer.with_real_uploads(case.body)
        return case

    def send(self, case: Any) -> None:
        """Send ``case`` and judge the answer."""
        self.examples += 1
        form = case.media_type == "multipart/form-data"
        schema = self.op.bodies.get(case.media_type or "")
        body = case.body if _is_set(case.body) else None
        broken = oracle.request_problems(self.op.key, schema, body, form=form) if schema else []
        auth = ADMIN_AUTH if is_admin_path(self.op.endpoint.template) else AUTH
        if form and isinstance(body, dict):
            fields, files = steer.form_parts(body)
            parts = [*((name, (None, value)) for name, value in fields), *files]
            sent = self.http.post(
                self.server.url + case.formatted_path, files=parts, headers=auth, timeout=30
            )
        else:
            sent = case.call(base_url=self.server.url, session=self.http, headers=auth, timeout=30)
        self.statuses[f"{sent.status_code // 100}xx"] += 1
        if REFUSALS and 400 <= sent.status_code < 500:
            with open(REFUSALS, "a", encoding="utf-8") as out:
                out.write(f"{self.op.key}\t{bool(broken)}\t{sent.content[:160]!r}\n")
        answer = oracle.Answer(
            sent.status_code, _header(sent.headers, "content-type"), sent.content
        )
        for problem in oracle.answer_problems(
            self.op.key, answer, broken=broken, body=body, has_response_schema=self.has_response
        ):
            self.problems.append((problem, _shown(case)))

    def finish(self, mode: str, started: float) -> None:
        """Write the report line; fail listing the problems by kind."""
        kinds = Counter(problem.kind for problem, _ in self.problems)
        if REPORT:
            line = {
                "operation": self.op.key,
                "mode": mode,
                "examples": self.examples,
                "seconds": round(time.monotonic() - started, 2),
                "statuses": dict(self.statuses),
                "problems": dict(kinds),
            }
            with open(REPORT, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
        assert self.examples > 0, f"{self.op.key}: no example was generated"
        if self.problems:
            seen: dict[str, list[str]] = {}
            for problem, request in self.problems:
                if len(seen.setdefault(problem.kind, [])) < 3:
                    seen[problem.kind].append(f"  {problem.detail}\n    request: {request}")
            text = "\n".join(
                f"{kind} (x{kinds[kind]}):\n" + "\n".join(lines) for kind, lines in seen.items()
            )
            pytest.fail(f"{self.op.key} ({mode}): {len(self.problems)} problems\n{text}")


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.key)
def test_fuzz_positive(op: openapi.Operation, server: ServerThread, session: requests.Session):
    run, started = Run(op, server, session), time.monotonic()
    strategy = _operation(op).as_strategy(GenerationMode.POSITIVE)

    @BUDGET
    @given(case=strategy, data=st.data())
    def one(case: Any, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="steer"):
            case = run.steer(case, data)
        run.send(case)

    one()
    run.finish("positive", started)


@pytest.mark.parametrize("op", WITH_BODY, ids=lambda op: op.key)
def test_fuzz_negative(op: openapi.Operation, server: ServerThread, session: requests.Session):
    run, started = Run(op, server, session), time.monotonic()
    positive = _operation(op).as_strategy(GenerationMode.POSITIVE)
    schemathesis_negative = _operation(op).as_strategy(GenerationMode.NEGATIVE)

    @BUDGET
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="ours"):
            case = run.steer(data.draw(positive, label="valid case"), data)
            schema = op.bodies[case.media_type]
            form = case.media_type == "multipart/form-data"
            case.body = data.draw(negative.mutations(schema, case.body, form=form), label="body")
        else:
            case = data.draw(schemathesis_negative, label="schemathesis negative")
        run.send(case)

    one()
    run.finish("negative", started)


def _operation(op: openapi.Operation) -> Any:
    return SCHEMA[op.endpoint.template][op.endpoint.method]


def _is_set(value: Any) -> bool:
    return type(value).__name__ != "NotSet"


def _header(headers: Any, name: str) -> str:
    value = headers.get(name) or headers.get(name.title()) or ""
    return str(value[0] if isinstance(value, list) and value else value)


def _shown(case: Any) -> str:
    body = case.body if _is_set(case.body) else None
    text = repr(body) if case.media_type == "multipart/form-data" else json.dumps(body)
    return f"{case.method} {case.formatted_path} {case.media_type or ''} {text[:300]}"
