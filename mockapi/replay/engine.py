"""The replay flow: parse -> authenticate -> validate -> match -> render, and the journal.

:class:`Replayer` is the whole server minus HTTP: the web layer hands it a
:class:`~mockapi.model.Request` and sends back the :class:`~mockapi.model.Response` it
returns. It keeps the mutable state (fixture use counts, the journal) behind a lock so
that concurrent requests are safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mockapi import errors
from mockapi.config import OnMiss, Settings
from mockapi.endpoints import models
from mockapi.endpoints.admin import ledger as usage_ledger
from mockapi.endpoints.admin.rate_limits import ProjectLimiter
from mockapi.endpoints.endpoint import Context, Endpoint, Handler, body_limit, body_of
from mockapi.endpoints.webhook_endpoints import stored as webhook_endpoints
from mockapi.errors import APIError, MockapiError
from mockapi.faults import ratelimit
from mockapi.faults.spec import Fault
from mockapi.faults.state import FaultState
from mockapi.library.fixture import Fixture, FixtureResponse
from mockapi.matching.diff import parse_path
from mockapi.matching.index import FixtureIndex
from mockapi.matching.report import format_report
from mockapi.model import Request, Response
from mockapi.plugins import NO_HOOKS, Hooks
from mockapi.replay import admission, fault_plan, render
from mockapi.replay.fault_plan import Plan
from mockapi.replay.journal import Journal, JournalEntry, Outcome, prepare
from mockapi.replay.memo import Memo, memoizable
from mockapi.replay.router import Router
from mockapi.replay.webhooks import Webhooks
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from mockapi.state.store import StateStore
from mockapi.validation import forms
from mockapi.validation.validator import RequestValidator
from mockapi.wire import azure
from mockapi.wire.headers import base_headers

if TYPE_CHECKING:
    from mockapi.validation.files import SchemaSet


@dataclass(frozen=True)
class Forward:
    """The request is to go upstream (a miss in proxy mode, or record mode ``all``)."""

    request: Request
    seq: int
    started: float


class Replayer:
    """Answers requests from fixtures; see the module docstring for the flow."""

    def __init__(
        self,
        settings: Settings,
        fixtures: Iterable[Fixture],
        validator: RequestValidator | None,
        *,
        router: Router | None = None,
        proxy_all: bool = False,
        hooks: Hooks = NO_HOOKS,
        schemas: SchemaSet | None = None,
        state: StateStore | None = None,
    ) -> None:
        self.settings = settings
        self.schemas = schemas
        self.state: StateStore = state if state is not None else ObjectStore()
        self.clock = Clock(self.state)
        self.proxy_all = proxy_all
        self.hooks = hooks
        self.index = FixtureIndex(list(fixtures), matchers=hooks.matchers)
        self.validator = validator if settings.validate else None
        self.router = router or Router()
        self.journal = Journal(settings.journal_size)
        self.webhooks = Webhooks(settings.webhooks)
        """Where finished jobs' events go (the web layer attaches the sender)."""
        self.webhooks.subscribers = webhook_endpoints.Registered(self.state)
        self._uses: dict[str, int] = {}
        self._lock = threading.Lock()
        self.pending_usage = usage_ledger.Pending()
        """Usage of memoized replays not yet in the ledger (:meth:`flush_usage`)."""
        self.generation = 0
        """Counts the changes to what the server answers (fixtures, record mode, limits,
        resets): a :class:`~mockapi.replay.memo.Memo` of an older one is stale."""
        seed = settings.seed if settings.fault_seed is None else settings.fault_seed
        self.faults = FaultState(fault_plan.rules(settings.faults), seed=seed)
        self.limiter: ratelimit.RateLimiter | None = None
        self.project_limits = ProjectLimiter()
        """The limits set on projects through the Administration API, enforced."""
        if settings.rate_limit:
            try:
                self.set_rate_limit(ratelimit.parse_limits(settings.rate_limit))
            except ValueError as exc:
                raise MockapiError(f"rate limit {settings.rate_limit!r}: {exc}") from None

    # -- state -------------------------------------------------------------------------

    def uses(self, fixture: Fixture) -> int:
        with self._lock:
            return self._uses.get(fixture.source, 0)

    def reset(self) -> None:
        """Forget use counts, fault counters, rate limit buckets, the journal, the
        objects the server created and the webhook deliveries still pending (fixtures,
        fault rules and webhook endpoints stay)."""
        with self._lock:
            self._uses.clear()
            self.generation += 1
        self.pending_usage.drop()
        self.webhooks.cancel()
        self.journal.clear()
        self.state.clear()
        self.faults.reset()
        if self.limiter is not None:
            self.limiter.reset()
        self.project_limits.reset()

    def set_rate_limit(self, limits: ratelimit.Limits | None) -> None:
        """Limit requests like the real API from now on (None: no limit); full buckets."""
        self.limiter = ratelimit.RateLimiter(limits) if limits is not None else None
        self.generation += 1

    @property
    def _limits(self) -> ratelimit.Limits | None:
        return self.limiter.limits if self.limiter is not None else None

    def add_fixtures(self, fixtures: Iterable[Fixture]) -> None:
        """Serve ``fixtures`` from the next request on (recordings, fixtures added at run time).

        A fixture from the same source (file and entry) as a loaded one replaces it.
        """
        fresh = list(fixtures)
        sources = {fixture.source for fixture in fresh}
        with self._lock:
            self.generation += 1
            if any(f.source in sources for f in self.index.fixtures):
                self.index.remove_if(lambda f: f.source in sources)
            for fixture in fresh:
                self.index.add(fixture)

    def remove_fixtures(self, condition: Callable[[Fixture], bool]) -> int:
        """Stop serving the fixtures for which ``condition`` holds; returns how many."""
        with self._lock:
            self.generation += 1
            for fixture in self.index.fixtures:
                if condition(fixture):
                    self._uses.pop(fixture.source, None)
            return self.index.remove_if(condition)

    def answered(self, fixture: Fixture) -> None:
        """Count every answer of ``fixture`` as given: a recording just made, whose last
        answer went to its request live (the recorder's ``on_answered``)."""
        with self._lock:
            used = self._uses.get(fixture.source, 0)
            self._uses[fixture.source] = max(used, len(fixture.responses))

    def configure(self, *, on_miss: OnMiss, proxy_all: bool) -> None:
        """Change what misses do (the pytest plugin's per-test record mode)."""
        with self._lock:
            self.settings = replace(self.settings, on_miss=on_miss)
            self.proxy_all = proxy_all
            self.generation += 1

    def _available(self, fixture: Fixture) -> bool:
        return fixture.times is None or self._uses.get(fixture.source, 0) < fixture.times

    def _take(
        self, request: Request, endpoint: Endpoint | None
    ) -> tuple[Fixture, FixtureResponse] | None:
        """Find the fixture for ``request`` and consume one use of it, atomically.

        Fixtures of endpoints that convert between stream modes (those with a ``shape``)
        answer both; for other endpoints a stream request prefers a stream recording and
        a plain request a plain one. While recording, a ``GET``'s recording that has
        given every answer it holds steps aside: the request reads the upstream's state
        again (a batch polled until it completes), and the recorder adds the answer to
        that recording's sequence (see :mod:`mockapi.recording.placement`).
        """
        both = endpoint is not None and endpoint.shape is not None
        polling = request.method == "GET" and self.settings.on_miss is OnMiss.PROXY

        def available(fixture: Fixture) -> bool:
            used = self._uses.get(fixture.source, 0)
            if polling and _recorded(fixture) and used >= len(fixture.responses):
                return False
            return self._available(fixture) and (both or _fits(fixture, request.wants_stream))

        with self._lock:
            fixture = self.index.find(request, available=available)
            if fixture is None:
                return None
            if both and not _fits(fixture, request.wants_stream):
                # Of two recordings of one request (plain and streamed), the one in the
                # mode asked for answers, exactly as recorded (same priority only).
                best = fixture

                def fitting(other: Fixture) -> bool:
                    same = other.priority == best.priority
                    return same and available(other) and _fits(other, request.wants_stream)

                fixture = self.index.find(request, available=fitting) or best
            used = self._uses.get(fixture.source, 0)
            self._uses[fixture.source] = used + 1
        return fixture, fixture.responses[min(used, len(fixture.responses) - 1)]

    # -- the flow ----------------------------------------------------------------------

    def handle(self, request: Request) -> Response | Forward:
        """Answer ``request``, or say it goes upstream; never raises for what the client sent."""
        return self.serve(request)[0]

    def serve(self, request: Request) -> tuple[Response | Forward, Fault | None]:
        """:meth:`handle`, and the fault the web layer is to deliver the answer with
        (latency, pacing, a cut, a reset, a stall), if any."""
        result, fault, _memo = self.serve_memoized(request)
        return result, fault

    def serve_memoized(
        self, request: Request
    ) -> tuple[Response | Forward, Fault | None, Memo | None]:
        """:meth:`serve`, and a :class:`~mockapi.replay.memo.Memo` when the same bytes
        may be answered again through :meth:`replay` (see :mod:`mockapi.replay.memo`)."""
        generation = self.generation
        if self.pending_usage:
            self.flush_usage()
        seq = self.journal.next_seq()
        started = time.perf_counter()
        plan = Plan()
        try:
            result = self._handle(request, seq, plan)
            if isinstance(result, Forward):
                return replace(result, started=started), None, None
            response, entry = result
        except APIError as exc:
            response = exc.response(base_headers())
            entry = self._entry(seq, request, response.status, Outcome.REJECTED, report=exc.message)
        usage: tuple[usage_ledger.Row, ...] | None = ()
        if response.status == 200 and usage_ledger.billable(request):
            usage = self._record_usage(request, response)
        fault = plan.fault
        if fault is not None:
            entry = replace(entry, fault=fault.describe())
            response = fault_plan.paced(fault, response, request)
        self.journal.append(entry)
        elapsed = str(round((time.perf_counter() - started) * 1000))
        headers = {**plan.limit_headers, **response.headers, "openai-processing-ms": elapsed}
        delivered = fault if fault is not None and fault_plan.delivers(fault, response) else None
        response = replace(response, headers=headers)
        memo = None
        if plan.hit is not None and fault is None and usage is not None:
            memo = self._memo(generation, request, plan, response, entry, usage)
        return response, delivered, memo

    def _memo(
        self,
        generation: int,
        request: Request,
        plan: Plan,
        response: Response,
        entry: JournalEntry,
        usage: tuple[usage_ledger.Row, ...],
    ) -> Memo | None:
        """The memo of this answer, if the same bytes will always be answered alike."""
        assert plan.hit is not None
        endpoint, fixture, answer = plan.hit
        if plan.limit_headers or not memoizable(request, endpoint, fixture, answer, response):
            return None
        if self.hooks.names or self.proxy_all or self.settings.on_miss is OnMiss.PROXY:
            return None  # plugins may answer anything; an upstream may record afresh
        if not self._steady() or not admission.stable(request, self.state):
            return None
        return Memo(generation, fixture.source, *prepare(entry), usage)

    def _steady(self) -> bool:
        """Whether no fault rule, server rate limit or project rate limit could change
        an answer (these change outside the replayer's methods: looked at each time)."""
        return (
            not self.faults.rules
            and self.limiter is None
            and not self.project_limits.active(self.state)
        )

    def replay(self, memo: Memo) -> bool:
        """Account for answering ``memo``'s request again (the journal, the fixture's use
        count, the usage ledger); False, doing nothing, when the memo is stale."""
        if memo.generation != self.generation or not self._steady():
            return False
        seq = self.journal.next_seq()
        with self._lock:
            self._uses[memo.source] = self._uses.get(memo.source, 0) + 1
        if memo.usage:
            self.pending_usage.add(self.clock.now(), memo.usage)
        self.journal.keep(replace(memo.entry, seq=seq, time=time.time()), memo.entry_size)
        return True

    def flush_usage(self) -> None:
        """Write the usage of memoized replays to the ledger (see
        :class:`~mockapi.endpoints.admin.ledger.Pending`)."""
        self.pending_usage.flush(self.state)

    def _record_usage(
        self, request: Request, response: Response
    ) -> tuple[usage_ledger.Row, ...] | None:
        """Add what a billable answer used to the usage ledger that the admin usage and
        costs routes read (:mod:`mockapi.endpoints.admin.ledger`); what was added, or
        None when recording it did more than add rows."""
        endpoint = self.router.resolve(request.method, request.path)[0]
        shape = endpoint.shape if endpoint is not None else None
        now = self.clock.now()
        rows = usage_ledger.rows_of(self.state, request, response, shape)
        if rows is None:
            usage_ledger.record(self.state, now, request, response, shape)
        else:
            usage_ledger.add(self.state, now, rows)
        return rows

    def dispatch(self, request: Request) -> Response:
        """Answer ``request`` through the whole flow as a client's request (a batch's
        line): journaled, validated, matched, synthesized, faulted. A request that would
        go upstream (proxy mode) is answered with the no-match error instead: a batch
        that passes through is recorded whole, not line by line."""
        result, _fault = self.serve(request)
        if isinstance(result, Forward):
            report = f"{request.method} {request.path}: proxy mode sends batches upstream whole"
            self.note_forwarded(result, 404, report)
            return errors.no_match(report).response(base_headers())
        return result

    def note_forwarded(self, forward: Forward, status: int, error: str | None = None) -> None:
        """Journal a request that went upstream, once its status is known."""
        entry = self._entry(forward.seq, forward.request, status, Outcome.PROXIED, report=error)
        self.journal.append(entry)

    def _handle(
        self, request: Request, seq: int, plan: Plan
    ) -> tuple[Response, JournalEntry] | Forward:
        # Azure OpenAI's URL shapes are OpenAI requests in another dress: undress them first.
        request = azure.to_openai(request)
        endpoint, allowed = self.router.resolve(request.method, request.path)
        has_fixtures = bool(self.index.candidates(request.method, request.path))
        proxying = self.settings.on_miss is OnMiss.PROXY
        if endpoint is None and not has_fixtures and not proxying:
            if allowed:
                raise errors.method_not_allowed(request.method, request.path, allowed)
            raise errors.invalid_url(request.method, request.path)
        if endpoint is None or not endpoint.public:
            admission.authenticate(request, self.state, self.settings)
        admission.check_size(request, endpoint, self.settings)
        # Bodies of known endpoints must be JSON (or a form, for uploads), unless
        # validation is off and the upstream is there to answer whatever was sent.
        if (
            endpoint is not None
            and endpoint.has_body
            and (self.validator is not None or not proxying)
        ):
            admission.check_body(request, endpoint)
        if endpoint is not None and request.is_form and self.schemas is not None:
            schema = self.schemas.schema(endpoint.key, "form")
            request = replace(request, json=forms.coerce(request.json, schema))
        if endpoint is not None and self.validator is not None:
            problem = self.validator.validate(endpoint.key, request.json, form=request.is_form)
            if problem is None and self.validator.checks_parameters(endpoint.key):
                # the query string and the path, as the spec types them
                params = self.router.params(endpoint, request.path)
                problem = self.validator.validate_parameters(endpoint.key, request.query, params)
            if problem is not None:
                raise problem
        early = fault_plan.request_faults(self.faults, request, plan, self._limits)
        if early is not None:
            return early, self._entry(seq, request, early.status, Outcome.REJECTED)
        if endpoint is not None and request.method == "POST" and self.limiter is not None:
            fault_plan.take(self.limiter, request, plan)
        if endpoint is not None and request.method == "POST":
            limited = self.project_limits.take(self.state, request)
            plan.limit_headers = limited if limited is not None else plan.limit_headers
        if self.proxy_all:
            return Forward(request, seq, 0.0)
        original = request
        if self.hooks.request_transforms and request.json is not None:
            # Match on what a recording would have stored (a plugin's scrubbed body).
            request = replace(request, json=self.hooks.transform_request(request.json))
        taken = self._take(request, endpoint)
        if taken is not None:
            fixture, answer = taken
            plan.fixture = fault_plan.fixture_fault(self.faults, fixture, answer, request)
            fault = plan.fault
            if fault is not None and fault.answers_early:
                response = fault_plan.fault_answer(fault, request, self._limits)
                entry = self._entry(seq, request, response.status, Outcome.HIT, fixture=fixture)
                return response, entry
            try:
                response = self._render(answer, request, endpoint)
            except APIError as exc:  # the fixture's fault (a template failed): name it
                response = exc.response(base_headers())
                entry = self._entry(
                    seq, request, exc.status, Outcome.HIT, fixture=fixture, report=exc.message
                )
                return response, entry
            entry = self._entry(seq, request, response.status, Outcome.HIT, fixture=fixture)
            plan.hit = (endpoint, fixture, answer)
            return response, entry
        return self._miss(request, endpoint, seq, original)

    def _render(
        self,
        answer: FixtureResponse,
        request: Request,
        endpoint: Endpoint | None,
        context: Context | None = None,
    ) -> Response:
        """Render ``answer`` for ``endpoint``, amended by it and remembered (see
        :class:`~mockapi.endpoints.endpoint.Endpoint`); ``context``: the request's, when
        a handler had it made already."""
        if endpoint is None:
            return render.render(answer, request, seed=self.settings.seed)
        response = render.render(answer, request, seed=self.settings.seed, shape=endpoint.shape)
        if response.status >= 400 or (endpoint.amend is None and endpoint.remember is None):
            return response
        context = context or self._context(request, endpoint)
        if endpoint.amend is not None:
            response = endpoint.amend(context, response)
        if endpoint.remember is not None:
            endpoint.remember(context, response)
        return response

    def _miss(
        self, request: Request, endpoint: Endpoint | None, seq: int, original: Request
    ) -> tuple[Response, JournalEntry] | Forward:
        answered = self.hooks.respond(request)
        if answered is not None:
            plugin, answer = answered
            response = self._render(answer, request, endpoint)
            entry = self._entry(seq, request, response.status, Outcome.HIT)
            return response, replace(entry, fixture=f"plugin:{plugin}")
        if self.settings.on_miss is OnMiss.PROXY:
            return Forward(original, seq, 0.0)
        handler: Handler | None = None
        outcome = Outcome.SYNTHESIZED
        if endpoint is not None and endpoint.lookup is not None:
            handler, outcome = endpoint.lookup, Outcome.HIT
        elif self.settings.on_miss is OnMiss.SYNTHESIZE and endpoint is not None:
            handler = endpoint.synthesize
        if endpoint is not None and handler is not None:
            context = self._context(request, endpoint)
            answer = handler(context)
            response = self._render(answer, request, endpoint, context)
            return response, self._entry(seq, request, response.status, outcome)
        with self._lock:
            near = self.index.near_misses(request, limit=3, available=self._available)
            report = format_report(request, near, total=len(self.index))
        error = errors.no_match(report)
        response = error.response(base_headers())
        return response, self._entry(seq, request, error.status, Outcome.MISS, report=report)

    def _context(self, request: Request, endpoint: Endpoint) -> Context:
        host = request.headers.get("host") or "127.0.0.1"
        return Context(
            request=request,
            endpoint=endpoint,
            params=self.router.params(endpoint, request.path),
            body=body_of(request),
            seed=self.settings.seed,
            state=self.state,
            models=self._listed_models(),
            synthesize=self.settings.on_miss is OnMiss.SYNTHESIZE,
            clock=self.clock,
            settings=self.settings,
            base_url=f"http://{host}",
            dispatch=self.dispatch,
            notify=self.webhooks.notifier(),
            deliver=self.webhooks.deliverer(),
        )

    def _listed_models(self) -> list[dict[str, Any]]:
        """Models named by the ``GET /v1/models`` fixtures, or the built-in list."""
        found: list[dict[str, Any]] = []
        for fixture in self.index.candidates("GET", "/v1/models"):
            for answer in fixture.responses:
                data = answer.body.get("data") if isinstance(answer.body, dict) else None
                found.extend(m for m in data or [] if isinstance(m, dict))
        return found or models.DEFAULT_MODELS

    def body_limit(self, method: str, path: str) -> int:
        """The largest body a request to ``method path`` may send (an upload's is its
        file limit, others ``--max-body-size``)."""
        return body_limit(self.router.resolve(method, path)[0], self.settings)

    def _entry(
        self,
        seq: int,
        request: Request,
        status: int,
        outcome: Outcome,
        *,
        fixture: Fixture | None = None,
        report: str | None = None,
    ) -> JournalEntry:
        return JournalEntry(
            seq=seq,
            time=time.time(),
            method=request.method,
            path=request.path,
            body=self._journaled(request),
            status=status,
            outcome=outcome,
            fixture=fixture.name if fixture else None,
            fixture_source=fixture.source if fixture else None,
            report=report,
            stream=request.wants_stream,
        )

    def _journaled(self, request: Request) -> Any:
        """What the journal keeps of ``request``'s body: the endpoint's write-only
        secrets (``Endpoint.write_only``) replaced by the recordings' placeholder."""
        if not isinstance(request.json, dict):
            return request.json
        endpoint = self.router.resolve(request.method, request.path)[0]
        if endpoint is None or not endpoint.write_only:
            return request.json
        return _masked(request.json, tuple(parse_path(p) for p in endpoint.write_only), ())


def _masked(value: Any, paths: tuple[tuple[str, ...], ...], at: tuple[str, ...]) -> Any:
    """``value`` (found at ``at``) with what lies at ``paths`` (``*``: any key or index)
    replaced by ``REDACTED``."""
    if at and any(
        len(path) == len(at) and all(p in ("*", a) for p, a in zip(path, at, strict=True))
        for path in paths
    ):
        return "REDACTED"
    if isinstance(value, dict):
        return {k: _masked(v, paths, (*at, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, paths, (*at, str(i))) for i, v in enumerate(value)]
    return value


def _recorded(fixture: Fixture) -> bool:
    """A recording the proxy made (its ``meta`` names the upstream), not a hand-written
    fixture, which answers whatever record mode says."""
    return "upstream" in fixture.meta


def _fits(fixture: Fixture, wants_stream: bool) -> bool:
    first = fixture.responses[0]
    if first.fault is not None and first.fault.answers_early:
        return True  # an error, a reset or a stall answers either mode
    return first.status >= 400 or (first.events is not None) == wants_stream
