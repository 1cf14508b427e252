"""A test's view of a running mockapi: the session server and the per-test handle.

The pytest plugin is a thin layer over this module; any test runner can use it.
:class:`Session` owns the server (one per process); :meth:`Session.test` gives a
:class:`MockapiHandle` for one test, with its own fixtures, cassette, record mode and
environment, all undone when the test ends.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockapi.build import build_recorder, build_replayer
from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.errors import MockapiError
from mockapi.faults import ratelimit
from mockapi.faults import spec as _faults
from mockapi.library import store
from mockapi.library.fixture import Fixture, parse_entry
from mockapi.recording import recorder as recording
from mockapi.recording.recorder import Recorder
from mockapi.replay.engine import Replayer
from mockapi.replay.journal import JournalEntry, Outcome
from mockapi.web.app import create_app
from mockapi.web.server import ServerThread

TEST_API_KEY = "sk-mockapi-test-key"
_NEEDS_UPSTREAM = (
    "record mode {mode!r} needs an upstream: pass --mockapi-upstream URL or set "
    "mockapi_upstream in the ini file"
)
INLINE_PRIORITY = 100
"""Fixtures a test adds outrank the library's unless the test says otherwise."""


@dataclass
class Session:
    """A started server and what each test needs to configure it."""

    replayer: Replayer
    recorder: Recorder | None
    server: ServerThread
    fixture_root: Path
    record_mode: RecordMode
    on_miss: OnMiss
    """What a miss does when no record mode says otherwise."""
    recorded: bool
    """Whether the recording directory held fixtures at start-up (for mode ``once``)."""

    @classmethod
    def start(cls, options: dict[str, Any]) -> Session:
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
        recorded = recording.has_fixtures(dirs[0])
        replayer = build_replayer(settings, cassettes=False, missing_ok=True)
        recorder = build_recorder(replayer.settings, replayer, always=True)
        server = ServerThread(create_app(replayer, recorder)).start()
        return cls(
            replayer, recorder, server, dirs[0], settings.record_mode, settings.on_miss, recorded
        )

    def stop(self) -> None:
        self.server.stop()

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
    ) -> Iterator[MockapiHandle]:
        """Configure the server for one test; everything is undone on exit.

        ``faults`` (a spec or a list) come before the session's rules for this test;
        ``rate_limit`` replaces the session's for this test.
        """
        mode = RecordMode(record) if record is not None else self.record_mode
        if mode is not RecordMode.NONE and self.recorder is None:
            raise MockapiError(_NEEDS_UPSTREAM.format(mode=mode.value))
        replayer = self.replayer
        base = (replayer.settings.on_miss, replayer.proxy_all)
        base_rules = replayer.faults.rules
        base_limits = replayer.limiter.limits if replayer.limiter is not None else None
        test_rules = _faults.parse_all(faults)  # before any change: a bad spec changes nothing
        test_limits = ratelimit.parse_limits(rate_limit) if rate_limit is not None else None
        replayer.reset()
        if test_rules:
            replayer.faults.set_rules((*test_rules, *base_rules))
        if test_limits is not None:
            replayer.set_rate_limit(test_limits)
        handle = MockapiHandle(self, test_id, assert_all_used=assert_all_used)
        prefix = f"{cassette}#" if cassette is not None else None
        if cassette is not None and cassette.is_file():
            replayer.add_fixtures(store.load_file(cassette))
        recorded = cassette.is_file() if cassette is not None else self.recorded
        # A record mode decides what misses do; else the marker; else the session's rule.
        # switch_mode also tells the recorder, so a test's `all` overwrites as `all` does.
        miss, proxy_all = recording.switch_mode(
            self.recorder,
            mode,
            default_on_miss=OnMiss(on_miss) if on_miss is not None else self.on_miss,
            recorded=recorded,
        )
        replayer.configure(on_miss=miss, proxy_all=proxy_all)
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
                self.recorder.mode = self.record_mode
            replayer.remove_fixtures(
                lambda f: (
                    f.source.startswith(handle.source_prefix)
                    or (prefix is not None and f.source.startswith(prefix))
                )
            )
            replayer.configure(on_miss=base[0], proxy_all=base[1])
            # Faults and limits never outlive their test.
            replayer.faults.set_rules(base_rules)
            replayer.set_rate_limit(base_limits)


class MockapiHandle:
    """One test's handle on the mock server."""

    def __init__(self, session: Session, test_id: str, *, assert_all_used: bool) -> None:
        self._session = session
        self._counter = itertools.count()
        self._added: list[Fixture] = []
        self.test_id = test_id
        self.check_all_used = assert_all_used
        self.source_prefix = f"inline:{test_id}#"

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
    def replayer(self) -> Replayer:
        return self._session.replayer

    @property
    def requests(self) -> list[JournalEntry]:
        """What this test sent, oldest first; ``entry.body`` is the parsed JSON body."""
        return self.replayer.journal.entries()

    @property
    def last_request(self) -> JournalEntry:
        entries = self.requests
        if not entries:
            raise AssertionError("mockapi received no request in this test")
        return entries[-1]

    @property
    def misses(self) -> list[JournalEntry]:
        return [e for e in self.requests if e.outcome is Outcome.MISS]

    def add(
        self,
        entry: dict[str, Any] | None = None,
        *,
        reply: str | None = None,
        match: dict[str, Any] | None = None,
        name: str | None = None,
        times: int | None = None,
        priority: int = INLINE_PRIORITY,
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
        source = f"{self.source_prefix}{next(self._counter)}"
        spec.setdefault("name", source)
        fixture = parse_entry(spec, source)
        self.replayer.add_fixtures([fixture])
        self._added.append(fixture)
        return fixture

    def fault(self, spec: object = None, **keys: object) -> _faults.Fault:
        """Inject a fault into this test's requests (before the session's rules), e.g.
        ``mockapi.fault("status=503; times=2")`` or ``mockapi.fault(status=429,
        retry_after=0.2)``. It ends with the test."""
        if spec is not None and keys:
            raise ValueError("give either a fault spec or keyword arguments, not both")
        rule = _faults.parse(spec if spec is not None else keys)
        state = self.replayer.faults
        state.set_rules((rule, *state.rules))
        return rule

    def rate_limit(self, spec: object = None, **keys: object) -> ratelimit.Limits:
        """Limit this test's requests like the real API: ``mockapi.rate_limit(rpm=3)``
        or ``mockapi.rate_limit("rpm=3,tpm=1000")`` (full buckets; ends with the test)."""
        limits = ratelimit.parse_limits(spec if spec is not None else keys)
        self.replayer.set_rate_limit(limits)
        return limits

    def unused(self) -> list[Fixture]:
        """The fixtures this test added that answered no request."""
        return [f for f in self._added if self.replayer.uses(f) == 0]

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
