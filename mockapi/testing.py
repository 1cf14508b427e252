"""A test's view of a running mockapi: the session server and the per-test handle.

The pytest plugin is a thin layer over this module; any test runner can use it.
:class:`Session` owns the server (one per process); :meth:`Session.test` gives a
:class:`MockapiHandle` for one test, with its own fixtures, cassette, record mode and
environment, all undone when the test ends.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mockapi.build import build
from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.endpoints.assistants.sunset import check_families
from mockapi.errors import MockapiError
from mockapi.faults import ratelimit
from mockapi.faults import spec as _faults
from mockapi.library import store
from mockapi.library.fixture import Fixture
from mockapi.recording import recorder as recording
from mockapi.recording.recorder import Recorder
from mockapi.replay.control import RUNTIME_PRIORITY, Control
from mockapi.replay.engine import Replayer
from mockapi.replay.jobs import Jobs
from mockapi.replay.journal import JournalEntry, Outcome
from mockapi.state.location import state_location
from mockapi.web.server import ServerThread
from mockapi.web.webhooks import Sender

TEST_API_KEY = "sk-mockapi-test-key"
_NEEDS_UPSTREAM = (
    "record mode {mode!r} needs an upstream: pass --mockapi-upstream URL or set "
    "mockapi_upstream in the ini file"
)


def _with_state(settings: Settings, state: str) -> Settings:
    """``settings`` keeping the state in ``state`` (``--mockapi-state``): a SQLite
    database's path or a Redis URL, shared with whatever else is given it (each test's
    reset clears it for all of them)."""
    try:
        location = state_location(state)
    except MockapiError as exc:
        raise MockapiError(f"--mockapi-state / mockapi_state {exc}") from None
    if isinstance(location, Path):
        return replace(settings, state_path=location)
    return replace(settings, state_url=location)


@dataclass
class Session:
    """A started server and what each test needs to configure it."""

    replayer: Replayer
    recorder: Recorder | None
    control: Control
    server: ServerThread
    fixture_root: Path
    record_mode: RecordMode
    on_miss: OnMiss
    """What a miss does when no record mode says otherwise."""
    recorded: bool
    """Whether the recording directory held fixtures at start-up (for mode ``once``)."""
    sender: Sender | None = None
    """Delivers the webhook events of finished jobs."""

    @classmethod
    def start(cls, options: dict[str, Any]) -> Session:
        """Build and start the server for the plugin's ``options`` (a dict of settings)."""
        dirs: tuple[Path, ...] = options["fixture_dirs"]
        if options["record"] != RecordMode.NONE.value and not options["upstream"]:
            raise MockapiError(_NEEDS_UPSTREAM.format(mode=options["record"]))
        settings = Settings(
            fixture_dirs=dirs,
            on_miss=OnMiss(options["on_miss"]),
            record_mode=RecordMode(options["record"]),
            upstream_url=options["upstream"] or None,
            upstream_key_env=options.get("upstream_key_env") or None,
            honor_delays=False,
            plugins=tuple(options.get("plugins", ())),
            faults=tuple(options.get("faults", ())),
            fault_seed=options.get("fault_seed"),
            rate_limit=options.get("rate_limit") or None,
        )
        if options.get("state"):
            settings = _with_state(settings, options["state"])
        recorded = recording.has_fixtures(dirs[0])
        built = build(settings, cassettes=False, missing_ok=True)
        server = ServerThread(built.app).start()
        return cls(
            built.replayer,
            built.recorder,
            built.control,
            server,
            dirs[0],
            settings.record_mode,
            settings.on_miss,
            recorded,
            built.webhooks,
        )

    def stop(self) -> None:
        self.server.stop()
        if self.sender is not None:
            self.sender.close()

    @contextmanager
    def test(
        self,
        test_id: str,
        *,
        cassette: Path | None = None,
        record: str | None = None,
        on_miss: str | None = None,
        assert_all_used: bool = False,
        faults: object = None,
        rate_limit: object = None,
        webhooks: object = None,
        sunset: object = None,
    ) -> Iterator[MockapiHandle]:
        """Configure the server for one test; everything is undone on exit.

        ``faults`` (a spec or a list) come before the session's rules for this test;
        ``rate_limit`` replaces the session's for this test; ``webhooks`` (a list of
        ``(url, "whsec_...")``) are where this test's finished jobs' events go;
        ``sunset`` (a family or a list: ``"assistants"``) answers those families as
        the API has since their shutdown.
        """
        mode = RecordMode(record) if record is not None else self.record_mode
        control = self.control
        if mode is not RecordMode.NONE and not control.can_record:
            raise MockapiError(_NEEDS_UPSTREAM.format(mode=mode.value))
        test_rules = _faults.parse_all(faults)  # before any change: a bad spec changes nothing
        test_limits = ratelimit.parse_limits(rate_limit) if rate_limit is not None else None
        shut = _families(sunset)  # before any change too
        base = control.snapshot()
        if webhooks is not None:
            if not isinstance(webhooks, (list, tuple)):
                raise MockapiError("webhooks= takes a list of (url, 'whsec_...') pairs")
            control.set_webhooks(webhooks)  # first: a bad secret changes nothing else
        control.reset()
        if test_rules:
            control.add_faults(test_rules, first=True)
        if test_limits is not None:
            control.set_rate_limit(test_limits)
        if shut:
            control.sunset(shut)  # in the state store: the next reset ends it
        handle = MockapiHandle(self, test_id, assert_all_used=assert_all_used)
        if cassette is not None and cassette.is_file():
            control.add_fixtures(store.load_file(cassette))
        recorded = cassette.is_file() if cassette is not None else self.recorded
        # A record mode decides what misses do; else the marker; else the session's rule.
        # The recorder is told too, so a test's `all` overwrites as `all` does.
        control.set_record_mode(
            mode,
            default_on_miss=OnMiss(on_miss) if on_miss is not None else self.on_miss,
            recorded=recorded,
        )
        if self.recorder is not None:
            self.recorder.use_cassette(cassette, test=test_id, fresh=mode is RecordMode.ALL)
        saved = {name: os.environ.get(name) for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
        os.environ["OPENAI_BASE_URL"] = handle.base_url
        os.environ.setdefault("OPENAI_API_KEY", TEST_API_KEY)
        try:
            yield handle
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            if self.recorder is not None:
                self.recorder.use_cassette(None)
            control.remove_runtime(handle.key_prefix)
            if cassette is not None:
                from_cassette = f"{cassette}#"
                control.remove_fixtures(lambda f: f.source.startswith(from_cassette))
            # Record mode, faults and limits never outlive their test.
            control.restore(base)


class MockapiHandle:
    """One test's handle on the mock server."""

    def __init__(self, session: Session, test_id: str, *, assert_all_used: bool) -> None:
        self._session = session
        self._counter = itertools.count()
        self._added: list[Fixture] = []
        self.test_id = test_id
        self.check_all_used = assert_all_used
        self.key_prefix = f"{test_id}#"
        """The run-time fixtures this test adds are ``runtime:<test id>#N``."""

    @property
    def url(self) -> str:
        """The server's root URL (``http://127.0.0.1:PORT``)."""
        return self._session.server.url

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client (``http://127.0.0.1:PORT/v1``)."""
        return self.url + "/v1"

    @property
    def api_key(self) -> str:
        return os.environ.get("OPENAI_API_KEY", TEST_API_KEY)

    @property
    def control(self) -> Control:
        """The server's run-time operations (shared with the admin API)."""
        return self._session.control

    @property
    def replayer(self) -> Replayer:
        """The server's replayer itself (prefer :attr:`control`, which the admin API uses too)."""
        return self._session.replayer

    @property
    def requests(self) -> list[JournalEntry]:
        """What this test sent, oldest first; ``entry.body`` is the parsed JSON body."""
        return [e for e in self.control.entries() if e.outcome is not Outcome.WEBHOOK]

    # -- webhooks ----------------------------------------------------------------------

    def webhook(self, url: str, secret: str) -> None:
        """Send this test's finished jobs' webhook events (``batch.completed``, ...) to
        ``url`` too, signed with ``secret`` (``whsec_...``), until the test ends."""
        self.control.add_webhook(url, secret)

    @property
    def webhooks(self) -> list[JournalEntry]:
        """Each webhook delivery attempt so far, oldest first: ``entry.path`` is the
        receiver's URL, ``entry.body`` the event, ``entry.status`` its answer (0: not
        reached), ``entry.report`` the attempt and what came next."""
        return [e for e in self.control.entries() if e.outcome is Outcome.WEBHOOK]

    def wait_for_webhooks(self, timeout: float = 30.0) -> list[JournalEntry]:
        """Wait until no webhook delivery is pending (delivered, or given up after its
        retries); :attr:`webhooks` then. AssertionError if some still are at ``timeout``."""
        sender = self._session.sender
        if sender is not None and not sender.wait(timeout):
            raise AssertionError(f"mockapi: webhook deliveries still pending after {timeout} s")
        return self.webhooks

    @property
    def last_request(self) -> JournalEntry:
        entries = self.requests
        if not entries:
            raise AssertionError("mockapi received no request in this test")
        return entries[-1]

    @property
    def misses(self) -> list[JournalEntry]:
        return [e for e in self.requests if e.outcome is Outcome.MISS]

    # -- what the code under test created ---------------------------------------------

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """What the server created of ``kind`` (``"files"``, ``"batches"``,
        ``"uploads"``, ...) in this test, oldest first, as the API shows them."""
        return [item for item in self.control.objects(kind) if isinstance(item, dict)]

    @property
    def files(self) -> list[dict[str, Any]]:
        """The files the code under test uploaded (and the batch output files the
        server wrote), oldest first: ``file`` objects."""
        return self.objects("files")

    @property
    def batches(self) -> list[dict[str, Any]]:
        """The batches the code under test created, oldest first, as ``GET
        /v1/batches/{id}`` shows them now."""
        return self.objects("batches")

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the server keeps (an upload, a batch's output file)."""
        return self.control.file_content(file_id)

    @property
    def jobs(self) -> Jobs:
        """The jobs the code under test created (batches): ``advance``, ``complete``,
        ``fail``, ``expire``, ``hold`` ("stuck") and ``release`` them by id."""
        return self.control.jobs

    def advance_clock(self, seconds: float) -> float:
        """Move the mock's clock ``seconds`` forward (a batch's 24 hours, an upload's
        hour) and expire the jobs whose window ran out; the mock's time afterwards.
        The next test starts on wall time again."""
        return self.control.clock_advance(seconds)

    # -- fixtures ----------------------------------------------------------------------

    def add(
        self,
        entry: dict[str, Any] | None = None,
        *,
        reply: str | None = None,
        match: dict[str, Any] | None = None,
        name: str | None = None,
        times: int | None = None,
        priority: int = RUNTIME_PRIORITY,
    ) -> Fixture:
        """Add a fixture for this test: an entry in the fixture format, or a chat ``reply``.

        ``mockapi.add(reply="Paris.", match={"content": "capital of France"})`` answers
        matching chat completions with that text; ``entry`` takes a whole fixture entry
        (``match``, ``response`` or ``sequence``, ``times``, ...).
        """
        spec: dict[str, Any] = dict(entry or {})
        if reply is not None:
            if "response" in spec or "sequence" in spec:
                raise ValueError("give either reply= or a response/sequence in the entry, not both")
            message = {"role": "assistant", "content": reply}
            spec["response"] = {"body": {"choices": [{"message": message}]}}
        if match is not None:
            spec["match"] = match
        if name is not None:
            spec["name"] = name
        if times is not None:
            spec["times"] = times
        spec.setdefault("priority", priority)
        control = self.control
        fixture = control.runtime_fixture(spec, key=f"{self.key_prefix}{next(self._counter)}")
        control.add_fixtures([fixture])
        self._added.append(fixture)
        return fixture

    def fault(self, spec: object = None, **keys: object) -> _faults.Fault:
        """Inject a fault into this test's requests (before the session's rules), e.g.
        ``mockapi.fault("status=503; times=2")`` or ``mockapi.fault(status=429,
        retry_after=0.2)``. It ends with the test."""
        if spec is not None and keys:
            raise ValueError("give either a fault spec or keyword arguments, not both")
        rule = _faults.parse(spec if spec is not None else keys)
        self.control.add_faults([rule], first=True)
        return rule

    def prices(self, table: Mapping[str, Any] | None) -> None:
        """Price ``/v1/organization/costs`` by ``table`` (shaped like mockapi's
        ``prices.json``: ``{"tokens": {"gpt-4o-mini": {"input": 1.0, "output": 2.0}}}``,
        USD per 1M tokens) in this test; None: the shipped table. The next test starts
        with the shipped table again (a reset restores it)."""
        self.control.set_prices(table)

    def sunset(self, *families: str) -> None:
        """Answer ``families`` (``mockapi.sunset("assistants")``) as the API has since
        their shutdown, for the rest of this test: the code under test must not call
        them any more."""
        self.control.sunset(families)

    def rate_limit(self, spec: object = None, **keys: object) -> ratelimit.Limits:
        """Limit this test's requests like the real API: ``mockapi.rate_limit(rpm=3)``
        or ``mockapi.rate_limit("rpm=3,tpm=1000")`` (full buckets; ends with the test)."""
        limits = ratelimit.parse_limits(spec if spec is not None else keys)
        self.control.set_rate_limit(limits)
        return limits

    def unused(self) -> list[Fixture]:
        """The fixtures this test added that answered no request."""
        return [f for f in self._added if self.control.uses(f) == 0]

    def assert_all_used(self) -> None:
        """Fail unless every fixture this test added answered at least one request."""
        unused = self.unused()
        if unused:
            names = ", ".join(f.name for f in unused)
            raise AssertionError(f"mockapi: fixture(s) added by this test never used: {names}")

    def problems(self) -> str | None:
        """Why the test should fail though its code did not: misses, unused fixtures."""
        lines: list[str] = []
        misses = self.misses
        if misses:
            lines.append(
                f"mockapi: {len(misses)} request(s) in this test matched no fixture "
                "(the code under test may have caught the error). The first:"
            )
            lines.append(misses[0].report or "")
        if self.check_all_used and self.unused():
            lines.append(
                "mockapi: fixture(s) added by this test never used: "
                + ", ".join(f.name for f in self.unused())
            )
        return "\n".join(lines) or None


def _families(given: object) -> list[str]:
    """The marker's ``sunset=`` (a family or a list of them) as a list, each known."""
    if given is None:
        return []
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise MockapiError("sunset= takes a family name or a list of them, e.g. 'assistants'")
    try:
        return sorted(check_families(names))
    except ValueError as exc:
        raise MockapiError(str(exc)) from None
