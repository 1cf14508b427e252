"""The admin API under ``/__mockapi/``: fixtures, journal, reset, record mode, faults,
inspector; created objects, jobs and the clock (:mod:`mockapi.web.admin_state`).

Every answer is JSON, and every error has OpenAI's shape (``{"error": {"message",
"type", "param", "code"}}``), so any HTTP client (a Playwright or Jest suite, curl)
can drive the mock at run time. See the README's "Frontend development" section.
This module is HTTP only: each endpoint parses its request and calls
:class:`~mockapi.replay.control.Control`, which the pytest handle calls too.

**Who may call it** (:class:`Access`; ``health`` is always open):

- with an admin token configured (``--admin-token`` / ``MOCKAPI_ADMIN_TOKEN``), every
  call must carry it, as ``Authorization: Bearer TOKEN`` or ``X-Mockapi-Admin-Token:
  TOKEN`` (the inspector page also takes ``?token=TOKEN``, for a browser address bar);
- without one, the server must listen on loopback only: on any other address the
  admin API answers 403 and says to set a token. On loopback, the ``Host`` header must
  name a loopback address (no DNS rebinding) and a browser page of another origin
  (``Origin`` header) is refused unless that origin was listed with ``--cors-origin``
  (no cross-site requests from a web page the developer happens to visit).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.requests import Request as StarletteRequest
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from mockapi import __version__
from mockapi.config import RecordMode, Settings
from mockapi.errors import APIError, FaultSpecError, FixtureError
from mockapi.faults import ratelimit
from mockapi.faults import spec as faults
from mockapi.library.fixture import Fixture
from mockapi.replay.control import Control
from mockapi.web import inspector
from mockapi.web.admin_http import body as _body
from mockapi.web.admin_http import error as _error
from mockapi.web.admin_http import error_response as _error_response
from mockapi.web.admin_http import int_param as _int_param
from mockapi.web.admin_http import json as _json
from mockapi.web.admin_state import StateAPI
from mockapi.wire import credentials

ADMIN_PREFIX = "/__mockapi"
TOKEN_HEADER = "x-mockapi-admin-token"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""Every admin route takes every method, to answer a wrong one in OpenAI's shape."""

Handler = Callable[[StarletteRequest], Awaitable[StarletteResponse]]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (``127.0.0.0/8``, ``::1``)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Access:
    """Decides whether a request may use the admin API (rules in the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.host = settings.host
        self.token = settings.admin_token or None
        self.origins = frozenset(o.rstrip("/") for o in settings.cors_origins if o != "*")

    def refusal(self, request: StarletteRequest, *, query_token: bool = False) -> APIError | None:
        """Why ``request`` is refused, or None when it may go on."""
        if self.token is not None:
            given = credentials.bearer_token(request.headers) or None
            given = request.headers.get(TOKEN_HEADER) or given
            if query_token and not given:
                given = request.query_params.get("token")
            if given and hmac.compare_digest(given.encode(), self.token.encode()):
                return None
            return _error(
                401,
                "This mockapi admin API needs the admin token: send it as "
                "'Authorization: Bearer TOKEN' or 'X-Mockapi-Admin-Token: TOKEN' (the "
                "inspector page also takes ?token=TOKEN).",
                code="invalid_admin_token",
            )
        if not is_loopback(self.host):
            return _error(
                403,
                f"The admin API is disabled: mockapi listens on {self.host}, not on loopback "
                "only, and no admin token is set. Start it with --admin-token TOKEN (or set "
                "MOCKAPI_ADMIN_TOKEN) and send 'Authorization: Bearer TOKEN'.",
                code="admin_token_required",
            )
        host_header = request.headers.get("host", "")
        if not is_loopback(urlsplit(f"//{host_header}").hostname or ""):
            return _error(
                403,
                f"The admin API answers only requests addressed to loopback (Host: localhost "
                f"or 127.0.0.1), not Host: {host_header!r}; set --admin-token to allow others.",
                code="admin_host_refused",
            )
        origin = request.headers.get("origin")
        if origin is not None:
            same = urlsplit(origin).netloc == host_header
            if not same and origin.rstrip("/") not in self.origins:
                return _error(
                    403,
                    f"The admin API refuses browser requests from the page origin {origin}; "
                    "call it from your test runner, or list that origin with --cors-origin.",
                    code="admin_origin_refused",
                )
        return None


def admin_routes(
    control: Control, settings: Settings, *, middleware: list[Middleware] | None = None
) -> list[Route]:
    """The routes under ``/__mockapi``, calling ``control``; ``settings`` say who may."""
    api = _AdminAPI(control)
    state = StateAPI(control)
    access = Access(settings)

    def route(path: str, methods: Mapping[str, Handler], *, guarded: bool = True) -> Route:
        async def endpoint(request: StarletteRequest) -> StarletteResponse:
            handler = methods.get("GET" if request.method == "HEAD" else request.method)
            if handler is None:
                allowed = ", ".join(methods)
                return _error_response(
                    _error(405, f"Use {allowed} on {request.url.path}.", code="method_not_allowed")
                )
            if guarded:
                refused = access.refusal(request, query_token=path == "/")
                if refused is not None:
                    return _error_response(refused)
            try:
                return await handler(request)
            except APIError as exc:
                return _error_response(exc)

        return Route(ADMIN_PREFIX + path, endpoint, methods=_METHODS, middleware=middleware)

    async def unknown(request: StarletteRequest) -> StarletteResponse:
        raise _error(404, f"No admin endpoint {request.method} {request.url.path}; see the README.")

    async def to_inspector(request: StarletteRequest) -> StarletteResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{ADMIN_PREFIX}/{query}")

    return [
        route("", {"GET": to_inspector}, guarded=False),
        route("/health", {"GET": api.health}, guarded=False),
        route("/", {"GET": api.inspector}),
        route("/fixtures", {"GET": api.list_fixtures, "POST": api.add_fixtures}),
        route("/fixtures/{name:path}", {"DELETE": api.remove_fixture}),
        route("/journal", {"GET": api.journal}),
        route("/reset", {"POST": api.reset}),
        route("/record-mode", {"GET": api.record_mode, "PUT": api.set_record_mode}),
        route(
            "/faults",
            {
                "GET": api.get_faults,
                "PUT": api.put_faults,
                "POST": api.add_fault,
                "DELETE": api.clear_faults,
            },
        ),
        route("/objects/{kind}", {"GET": state.objects}),
        route("/files/{file_id}/content", {"GET": state.file_content}),
        route("/jobs", {"GET": state.jobs}),
        route("/jobs/advance", {"POST": state.advance_all}),
        route("/jobs/{job_id}", {"GET": state.job}),
        route("/jobs/{job_id}/{action}", {"POST": state.act}),
        route("/clock", {"GET": state.clock}),
        route("/clock/advance", {"POST": state.advance_clock}),
        route("/webhooks", {"GET": state.webhooks, "PUT": state.put_webhooks}),
        route("/{rest:path}", dict.fromkeys(_METHODS, unknown)),
    ]


class _AdminAPI:
    """HTTP in, :class:`Control` calls, JSON out."""

    def __init__(self, control: Control) -> None:
        self.control = control

    # -- read --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "fixtures": self.control.fixture_count(),
            "pid": os.getpid(),
            "record_mode": self.control.record_mode.value,
            "on_miss": self.control.on_miss.value,
            # Serving goes on while recordings cannot be written: say so here.
            "recording": self.control.recording_health(),
        }

    async def health(self, request: StarletteRequest) -> StarletteResponse:
        return _json(200, self.status())

    def fixtures_json(self) -> list[dict[str, Any]]:
        return [self.control.describe(f) for f in self.control.fixtures()]

    async def list_fixtures(self, request: StarletteRequest) -> StarletteResponse:
        return _json(200, {"object": "list", "data": self.fixtures_json()})

    async def journal(self, request: StarletteRequest) -> StarletteResponse:
        since = _int_param(request, "since", 0)
        entries = [e.to_json() for e in self.control.entries(since=since)]
        last = max((e["seq"] for e in entries), default=since)
        return _json(200, {"object": "list", "data": entries, "last_seq": last, "pid": os.getpid()})

    async def inspector(self, request: StarletteRequest) -> StarletteResponse:
        entries = [e.to_json() for e in self.control.entries()]
        page = inspector.render_page(
            self.status(), self.fixtures_json(), entries, prefix=ADMIN_PREFIX
        )
        return HTMLResponse(page, headers={"cache-control": "no-store"})

    async def record_mode(self, request: StarletteRequest) -> StarletteResponse:
        return _json(200, self._mode_json())

    def _faults_json(self) -> dict[str, Any]:
        control = self.control
        limits = control.rate_limit
        return {
            "faults": [rule.to_json() for rule in control.fault_rules],
            "seed": control.fault_seed,
            "rate_limit": limits.to_json() if limits is not None else None,
            "counters": control.fault_counters(),
        }

    async def get_faults(self, request: StarletteRequest) -> StarletteResponse:
        return _json(200, self._faults_json())

    # -- change ------------------------------------------------------------------------

    async def put_faults(self, request: StarletteRequest) -> StarletteResponse:
        """Replace the fault rules (and, if given, the seed and the rate limit)."""
        body = await _body(request)
        if not isinstance(body, dict) or set(body) - {"faults", "seed", "rate_limit"}:
            raise _error(
                400,
                'Send {"faults": [SPEC, ...], "seed": N, "rate_limit": '
                '"rpm=3,tpm=1000" | null}; every key is optional.',
                code="invalid_faults",
            )
        rules = _fault_rules(body.get("faults", []))
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise _error(400, f"'seed' must be an integer, got {seed!r}.", "seed", "invalid_faults")
        if "rate_limit" in body:
            self.control.set_rate_limit(_limits(body["rate_limit"]))
        self.control.set_faults(rules, seed=seed)
        return _json(200, self._faults_json())

    async def add_fault(self, request: StarletteRequest) -> StarletteResponse:
        """Add one rule after the others: a spec string or mapping, or ``{"fault": ...}``."""
        body = await _body(request)
        spec = body["fault"] if isinstance(body, dict) and set(body) == {"fault"} else body
        self.control.add_faults(_fault_rules([spec]))
        return _json(201, self._faults_json())

    async def clear_faults(self, request: StarletteRequest) -> StarletteResponse:
        """No fault rules and no rate limit from now on."""
        self.control.clear_faults()
        self.control.set_rate_limit(None)
        return _json(200, self._faults_json())

    async def add_fixtures(self, request: StarletteRequest) -> StarletteResponse:
        body = await _body(request)
        many = isinstance(body, dict) and "fixtures" in body
        entries = body["fixtures"] if many else [body]
        if not isinstance(entries, list) or not entries:
            raise _error(400, "'fixtures' must be a non-empty list of fixture entries.", "fixtures")
        parsed: list[Fixture] = []
        for index, entry in enumerate(entries):  # all or nothing: parse all, then add
            try:
                parsed.append(self.control.runtime_fixture(entry))
            except FixtureError as exc:
                where = f"fixtures[{index}]" if many else None
                named = entry.get("name") if isinstance(entry, dict) else None
                named = named if isinstance(named, str) and named else None
                label = " ".join(x for x in (where, repr(named) if named else None) if x)
                message = f"Invalid fixture{' ' + label if label else ''}: {exc.problem}"
                raise _error(400, message, where, "invalid_fixture") from None
        self.control.add_fixtures(parsed)
        added = [self.control.describe(f) for f in parsed]
        return _json(201, {"object": "list", "data": added})

    async def remove_fixture(self, request: StarletteRequest) -> StarletteResponse:
        name = request.path_params["name"]
        removed = self.control.remove_fixtures(lambda f: f.name == name)
        if not removed:
            raise _error(404, f"No fixture is named {name!r}.", "name", "fixture_not_found")
        return _json(200, {"deleted": removed, "name": name})

    async def reset(self, request: StarletteRequest) -> StarletteResponse:
        body = await _body(request, optional=True)
        wanted = body.get("fixtures", False) if isinstance(body, dict) else False
        if request.query_params.get("fixtures") in ("1", "true", "yes"):
            wanted = True
        if not isinstance(wanted, bool):
            raise _error(400, f"'fixtures' must be true or false, got {wanted!r}.", "fixtures")
        removed = self.control.reset(fixtures=wanted)
        return _json(200, {"reset": True, "removed_fixtures": removed})

    async def set_record_mode(self, request: StarletteRequest) -> StarletteResponse:
        body = await _body(request)
        value = body.get("mode") if isinstance(body, dict) else None
        try:
            mode = RecordMode(value)
        except ValueError:
            choices = ", ".join(m.value for m in RecordMode)
            raise _error(
                400, f"'mode' must be one of {choices}; got {value!r}.", "mode", "invalid_mode"
            ) from None
        if not self.control.can_record and mode is not RecordMode.NONE:
            raise _error(
                409,
                f"Record mode {mode.value!r} needs an upstream, and this server has none: "
                "start mockapi with --upstream URL (and --fixtures DIR) to record.",
                "mode",
                "upstream_required",
            )
        self.control.set_record_mode(mode)
        return _json(200, self._mode_json())

    # -- helpers -----------------------------------------------------------------------

    def _mode_json(self) -> dict[str, Any]:
        control = self.control
        directory = control.record_dir
        return {
            "mode": control.record_mode.value,
            "on_miss": control.on_miss.value,
            "proxy_all": control.proxy_all,
            "upstream": control.upstream_url,
            "directory": str(directory) if directory is not None else None,
        }


def _fault_rules(specs: Any) -> list[faults.Fault]:
    if not isinstance(specs, list):
        raise _error(400, f"'faults' must be a list of fault specs, got {specs!r}.", "faults")
    rules: list[faults.Fault] = []
    for index, spec in enumerate(specs):
        try:
            rules.append(faults.parse(spec))
        except FaultSpecError as exc:
            raise _error(
                400, f"Invalid fault faults[{index}]: {exc}.", f"faults[{index}]", "invalid_fault"
            ) from None
    return rules


def _limits(spec: Any) -> ratelimit.Limits | None:
    if spec is None:
        return None
    try:
        return ratelimit.parse_limits(spec)
    except ValueError as exc:
        raise _error(
            400, f"Invalid rate_limit: {exc}.", "rate_limit", "invalid_rate_limit"
        ) from None
