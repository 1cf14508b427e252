"""One request's faults and rate limit, decided as the replay flow goes (``replay.py``).

A request's fault is the ``X-Mockapi-Fault`` header's over the fixture's (its
response's over its entry's) over the server's first rule that fired, key by key
(:meth:`~mockapi.faults.spec.Fault.over`). A fault that answers by itself (an HTTP error, a
reset, a stall) is decided before matching, so it uses no fixture; the rate limiter
takes the request from its buckets before matching too. Pure: the web layer delivers
what is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mockapi.endpoints.endpoint import Endpoint
from mockapi.errors import APIError, FaultSpecError, MockapiError
from mockapi.faults import answers as fault_answers
from mockapi.faults import pacing, ratelimit
from mockapi.faults import spec as faults
from mockapi.faults.spec import Fault
from mockapi.faults.state import FaultState
from mockapi.library.fixture import Fixture, FixtureResponse
from mockapi.model import Request, Response
from mockapi.wire import credentials
from mockapi.wire.headers import base_headers


@dataclass
class Plan:
    """What faults and limits decided for one request, filled in as the flow goes."""

    header: Fault | None = None
    rule: Fault | None = None
    fixture: Fault | None = None
    limit_headers: dict[str, str] = field(default_factory=dict)
    hit: tuple[Endpoint | None, Fixture, FixtureResponse] | None = None
    """The endpoint, fixture and response that answered, once one did (for
    :mod:`mockapi.replay.memo`)."""

    @property
    def fault(self) -> Fault | None:
        found: Fault | None = None
        for fault in (self.rule, self.fixture, self.header):
            if fault is not None:
                found = fault.over(found)
        return found


def rules(specs: tuple[str, ...]) -> list[Fault]:
    """The server's rules from ``Settings.faults``; a bad spec stops start-up, named."""
    parsed: list[Fault] = []
    for spec in specs:
        try:
            parsed.append(faults.parse(spec))
        except FaultSpecError as exc:
            raise MockapiError(f"fault {spec!r}: {exc}") from None
    return parsed


def request_faults(
    state: FaultState, request: Request, plan: Plan, limits: ratelimit.Limits | None
) -> Response | None:
    """Decide the header's and the rules' faults; the answer when one answers early."""
    header = request.headers.get(faults.HEADER)
    try:
        plan.rule, plan.header = state.for_request(
            request.path, header, stream=request.wants_stream
        )
    except FaultSpecError as exc:
        raise APIError(
            400,
            f"Invalid X-Mockapi-Fault header {header!r}: {exc}. See the README's "
            "'Faults, rate limits and pacing' for the syntax.",
            param=faults.HEADER,
            code="invalid_fault",
        ) from None
    found = plan.fault
    if found is None or not found.answers_early:
        return None
    return fault_answer(found, request, limits)


def fixture_fault(
    state: FaultState, fixture: Fixture, answer: FixtureResponse, request: Request
) -> Fault | None:
    """The fault of the fixture that answers (its response's over its entry's), if it fires."""
    found: Fault | None = None
    stream = request.wants_stream
    if fixture.fault is not None:
        found = state.decide(fixture.fault, f"fixture:{fixture.source}", stream=stream)
    if answer.fault is not None:
        index = next(i for i, r in enumerate(fixture.responses) if r is answer)
        mine = state.decide(answer.fault, f"fixture:{fixture.source}@{index}", stream=stream)
        found = mine.over(found) if mine is not None else found
    return found


def fault_answer(fault: Fault, request: Request, limits: ratelimit.Limits | None) -> Response:
    """What an early fault answers: its HTTP error, or nothing (status 0) for a reset
    or a stall, which the web layer delivers as such."""
    if fault.status is None:
        return Response(0, base_headers(), body=None)
    return fault_answers.fault_response(fault, request, base_headers(), limits)


def take(limiter: ratelimit.RateLimiter, request: Request, plan: Plan) -> None:
    """Take ``request`` from its key's buckets; raises the real 429 when they are empty."""
    key = credentials.bearer_token(request.headers) or request.headers.get("api-key", "") or "-"
    verdict = limiter.check(
        key,
        fault_answers.model_of(request),
        ratelimit.request_tokens(request.json),
        organization=request.headers.get("openai-organization"),
    )
    plan.limit_headers = dict(verdict.headers)
    if verdict.error is not None:
        raise verdict.error


def paced(fault: Fault, response: Response, request: Request) -> Response:
    """``response`` with its events paced by the fault's ``ttft`` and ``tps``, if any."""
    if response.events is None or (fault.ttft is None and fault.tps is None):
        return response
    model = fault_answers.model_of(request)
    events = pacing.pace(response.events, ttft=fault.ttft, tps=fault.tps, model=model)
    return replace(response, events=events)


def delivers(fault: Fault, response: Response) -> bool:
    """Whether the web layer has something to do for ``fault`` on ``response``."""
    if fault.latency or fault.reset or fault.stalls_early:
        return True
    return response.events is not None and fault.stream_only
