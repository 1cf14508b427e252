"""The run-time control of a running server: what the admin API and the pytest handle do.

Both drive a live :class:`~mockapi.replay.engine.Replayer` the same way, through one
:class:`Control`: reset between tests, switch record modes, add and clear fault rules,
set rate limits, add and remove fixtures at run time, set the webhook endpoints, read
the journal. The admin API
(``mockapi.web.admin``) turns HTTP into these calls; the pytest handle
(``mockapi.testing``) calls them in-process. Neither touches the replayer's internals.

**Run-time fixtures** (added by either) have one convention: their source is
``runtime:<key>`` (:data:`RUNTIME_PREFIX`), where the admin API's key is the entry's
name (or ``#N``) and a test's is ``<test id>#N``; their priority is
:data:`RUNTIME_PRIORITY` unless the entry says otherwise, so they outrank the library.

Record modes belong to the recorder, and ``mockapi.recording`` imports this package,
not the other way round: :class:`Recording` says what :class:`Control` needs of it, and
``mockapi.build`` wires the recorder to it. Pure: no web framework, no disk of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mockapi.config import OnMiss, RecordMode
from mockapi.endpoints import objects, safety
from mockapi.endpoints.admin import costs
from mockapi.endpoints.agents import artifacts as agent_artifacts
from mockapi.endpoints.assistants import sunset as sunsets
from mockapi.endpoints.chatkit import stored as chatkit
from mockapi.endpoints.files import stored as stored_files
from mockapi.errors import MockapiError
from mockapi.faults.ratelimit import Limits
from mockapi.faults.spec import Fault
from mockapi.library.fixture import Fixture, parse_entry
from mockapi.matching.index import FixtureIndex
from mockapi.replay.engine import Replayer
from mockapi.replay.jobs import Jobs
from mockapi.replay.journal import JournalEntry

RUNTIME_PREFIX = "runtime:"
"""Source prefix of every fixture added at run time (admin API or pytest handle)."""
RUNTIME_PRIORITY = 100
"""Fixtures added at run time outrank the library's unless the entry says otherwise."""


class Recording(Protocol):
    """The recorder as :class:`Control` sees it (``mockapi.build`` adapts the real one)."""

    mode: RecordMode
    """The record mode the recorder writes in (set as is by :meth:`Control.restore`)."""

    @property
    def upstream_url(self) -> str:
        """The API the recorder forwards to."""
        ...

    @property
    def directory(self) -> Path:
        """Where recordings are written."""
        ...

    def switch(
        self, mode: RecordMode, *, default_on_miss: OnMiss, recorded: bool | None
    ) -> tuple[OnMiss, bool]:
        """Put the recorder in ``mode`` and return ``(on_miss, proxy_all)`` for the
        replayer (``mockapi.recording.recorder.switch_mode``)."""
        ...

    def health(self) -> dict[str, Any]:
        """Whether recordings are being written (``Recorder.health``)."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """What a test may change, taken before it and put back after (:meth:`Control.restore`)."""

    on_miss: OnMiss
    proxy_all: bool
    record_mode: RecordMode
    fault_rules: tuple[Fault, ...]
    rate_limit: Limits | None
    webhooks: tuple[tuple[str, str], ...] = ()


def is_runtime(fixture: Fixture) -> bool:
    """True for a fixture added at run time (admin API or pytest handle), not from a file."""
    return fixture.source.startswith(RUNTIME_PREFIX)


class Control:
    """The operations on a running :class:`Replayer` (see the module docstring).

    ``recording`` is None when the server has no upstream: then only record mode
    ``none`` exists. ``default_on_miss`` is what a miss does in record mode ``none``
    (default: the replayer's, unless that is ``proxy``, which needs a recording mode).
    """

    def __init__(
        self,
        replayer: Replayer,
        recording: Recording | None = None,
        *,
        default_on_miss: OnMiss | None = None,
    ) -> None:
        self._replayer = replayer
        self._recording = recording
        if default_on_miss is None or default_on_miss is OnMiss.PROXY:
            current = replayer.settings.on_miss
            default_on_miss = current if current is not OnMiss.PROXY else OnMiss.ERROR
        self.default_on_miss = default_on_miss
        self._counter = itertools.count(1)
        self.jobs = Jobs(replayer)
        """The jobs the server created (batches, ...): advance, complete, fail, expire,
        hold and release them (:class:`mockapi.replay.jobs.Jobs`)."""

    # -- status and journal ------------------------------------------------------------

    @property
    def on_miss(self) -> OnMiss:
        """What a miss does now."""
        return self._replayer.settings.on_miss

    @property
    def proxy_all(self) -> bool:
        """Whether every request goes upstream now (record mode ``all``)."""
        return self._replayer.proxy_all

    def entries(self, *, since: int = 0) -> list[JournalEntry]:
        """The journal: entries with ``seq`` greater than ``since``, oldest first."""
        return self._replayer.journal.entries(since=since)

    def reset(self, *, fixtures: bool = False) -> int:
        """Forget the journal, use counts, fault counters, rate limit buckets and the
        objects the server created; with ``fixtures``, remove the run-time fixtures too.

        File fixtures, fault rules and the rate limit stay. Returns how many fixtures
        were removed.
        """
        removed = self.remove_runtime() if fixtures else 0
        self._replayer.reset()
        return removed

    def objects(self, kind: str) -> list[Any]:
        """What the server created of ``kind`` (``"files"``, ``"batches"``, ...), oldest
        first: what the code under test made."""
        self._replayer.flush_usage()  # the usage ledger's newest rows too
        return self._replayer.state.values(kind)

    def clock_now(self) -> tuple[float, float]:
        """The mock's time (seconds since the epoch) and how far ahead of wall time it is."""
        clock = self._replayer.clock
        return clock.now(), clock.offset()

    def clock_advance(self, seconds: float) -> float:
        """Move the mock's clock ``seconds`` forward (never back) and expire the jobs
        whose window that runs out (a batch 24 hours after its creation); the mock's
        time afterwards, in seconds since the epoch. A reset puts the clock back."""
        self._replayer.clock.advance(seconds)
        self.jobs.expire_due()
        return self._replayer.clock.now()

    def prices(self) -> dict[str, Any]:
        """The price table ``/v1/organization/costs`` prices usage by (see
        :mod:`mockapi.endpoints.admin.costs`)."""
        return costs.prices(self._replayer.state)

    def set_prices(self, table: Mapping[str, Any] | None) -> None:
        """Price costs by ``table`` (shaped like the shipped ``prices.json``) from now
        on, for every worker; None: the shipped table. A reset puts the shipped table
        back. MockapiError naming what is wrong with the table."""
        try:
            costs.set_prices(self._replayer.state, table)
        except ValueError as exc:
            raise MockapiError(f"price table: {exc}") from None

    def sunset(self, families: Iterable[str]) -> None:
        """Answer ``families`` (``"assistants"``) as the API has since their shutdown,
        for every worker, from now until the next reset (on top of ``--sunset``); none:
        served again. MockapiError naming a family that cannot be shut down."""
        try:
            sunsets.set_sunset(self._replayer.state, list(families))
        except ValueError as exc:
            raise MockapiError(str(exc)) from None

    def add_chatkit_thread(
        self, user: str, *, title: str | None = None, messages: Iterable[tuple[str, str]] = ()
    ) -> dict[str, Any]:
        """Put a ChatKit thread of ``user`` in place, holding ``messages`` (``("user" |
        "assistant", text)`` pairs, oldest first), as ChatKit's frontend would have left
        it (a protocol the mock does not serve); the thread, which ``GET
        /v1/chatkit/threads`` then lists."""
        return chatkit.add_thread(
            self._replayer.state,
            user=user,
            title=title,
            messages=messages,
            seed=self._replayer.settings.seed,
        )

    def add_agent_artifact(
        self, session_id: str, path: str, content: bytes, *, turn_id: str | None = None
    ) -> dict[str, Any]:
        """Publish ``content`` at ``path`` (absolute, in the session's environment) as an
        artifact of an agent session's completed turn (its last one by default), as the
        turn's environment would have (the mock runs none); the artifact, which ``GET
        /v1/agents/sessions/{id}/artifacts`` then lists. Raises :class:`MockapiError` for
        a session without an environment or a completed turn."""
        try:
            return agent_artifacts.add_artifact(
                self._replayer.state,
                seed=self._replayer.settings.seed,
                now=self._replayer.clock.seconds(),
                session_id=session_id,
                path=path,
                content=content,
                turn_id=turn_id,
            )
        except ValueError as exc:
            raise MockapiError(str(exc)) from None

    def add_safety_alert(self, response_id: str, **details: Any) -> dict[str, Any]:
        """Put a safety alert about ``response_id`` in place (``error_type``, ``model``,
        ``request_id``, ``request_paused`` as :func:`mockapi.endpoints.safety.add_alert`
        takes them), as the API's safety systems raise one, and send its
        ``safety.alert.created`` webhook; the alert. MockapiError for a bad detail."""
        replayer = self._replayer
        try:
            alert = safety.add_alert(
                replayer.state, response_id=response_id, seed=replayer.settings.seed, **details
            )
        except (TypeError, ValueError) as exc:
            raise MockapiError(f"safety alert: {exc}") from None
        notify = replayer.webhooks.notifier()
        if notify is not None:
            event_id = objects.id_for(replayer.state, replayer.settings.seed, "evt_")
            notify(
                {
                    "object": "event",
                    "id": event_id,
                    "type": "safety.alert.created",
                    "created_at": alert["created_at"],
                    "data": {"id": alert["id"]},
                }
            )
        return alert

    def add_safety_case(self, entity_identifier: str, *, notice: str = "warning") -> dict[str, Any]:
        """Put a safety case (a ``warning`` or ``deactivation`` notice) about
        ``entity_identifier`` in place; the case. MockapiError for a bad notice."""
        replayer = self._replayer
        try:
            return safety.add_case(
                replayer.state,
                entity_identifier=entity_identifier,
                notice=notice,
                seed=replayer.settings.seed,
            )
        except ValueError as exc:
            raise MockapiError(f"safety case: {exc}") from None

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the server keeps; MockapiError naming the files there
        are when it keeps no such file."""
        data = self._replayer.state.get_blob(file_id)
        if data is None or self._replayer.state.get(stored_files.KIND, file_id) is None:
            known = [f.get("id") for f in self.objects(stored_files.KIND) if isinstance(f, dict)]
            raise MockapiError(f"no file {file_id!r} on this server (files: {known or 'none'})")
        return data

    # -- fixtures ----------------------------------------------------------------------

    def fixtures(self) -> list[Fixture]:
        """Every fixture served, in load order."""
        return list(self._replayer.index.fixtures)

    def fixture_count(self) -> int:
        return len(self._replayer.index)

    def uses(self, fixture: Fixture) -> int:
        """How many requests ``fixture`` answered since the last reset."""
        return self._replayer.uses(fixture)

    def describe(self, fixture: Fixture) -> dict[str, Any]:
        """``fixture`` as JSON, as the admin API and the inspector list it."""
        return {
            "name": fixture.name,
            "source": fixture.source,
            "runtime": is_runtime(fixture),
            "method": fixture.method,
            "path": fixture.path,
            "matchers": dict(fixture.matchers),
            "ignore": list(fixture.ignore),
            "priority": fixture.priority,
            "times": fixture.times,
            "uses": self.uses(fixture),
            "responses": len(fixture.responses),
        }

    def runtime_fixture(self, entry: object, *, key: str | None = None) -> Fixture:
        """Parse ``entry`` (a fixture entry) as a run-time fixture, not yet served.

        Its source is ``runtime:<key>``; ``key`` defaults to the entry's name, or
        ``#N``. Its priority is :data:`RUNTIME_PRIORITY` unless the entry gives one.
        Raises FixtureError naming the problem (a matcher's arguments included).
        """
        named = entry.get("name") if isinstance(entry, Mapping) else None
        if key is None:
            key = named if isinstance(named, str) and named else f"#{next(self._counter)}"
        if isinstance(entry, Mapping):
            entry = {"priority": RUNTIME_PRIORITY, **entry}
        fixture = parse_entry(entry, RUNTIME_PREFIX + key)
        # Indexing compiles the matchers' arguments (a regex, ...) and refuses a matcher
        # the server does not know (a plugin's is known where the plugin is loaded).
        FixtureIndex([fixture], matchers=self._replayer.index.matchers)
        return fixture

    def add_fixtures(self, fixtures: Iterable[Fixture]) -> None:
        """Serve ``fixtures`` from the next request on; one with the source of a served
        fixture replaces it (an admin entry added again under its name)."""
        self._replayer.add_fixtures(fixtures)

    def remove_fixtures(self, condition: Callable[[Fixture], bool]) -> int:
        """Stop serving the fixtures for which ``condition`` holds; returns how many."""
        return self._replayer.remove_fixtures(condition)

    def remove_runtime(self, key_prefix: str = "") -> int:
        """Remove the run-time fixtures whose key starts with ``key_prefix`` (all of
        them by default; a test's own with ``"<test id>#"``); returns how many."""
        prefix = RUNTIME_PREFIX + key_prefix
        return self.remove_fixtures(lambda f: f.source.startswith(prefix))

    # -- record mode -------------------------------------------------------------------

    @property
    def can_record(self) -> bool:
        """Whether there is an upstream to record from (else only mode ``none``)."""
        return self._recording is not None

    @property
    def record_mode(self) -> RecordMode:
        return self._recording.mode if self._recording is not None else RecordMode.NONE

    @property
    def upstream_url(self) -> str | None:
        return self._recording.upstream_url if self._recording is not None else None

    @property
    def record_dir(self) -> Path | None:
        return self._recording.directory if self._recording is not None else None

    def recording_health(self) -> dict[str, Any] | None:
        """Whether recordings are being written (None without an upstream): ``state``
        ``ok`` or ``failing``, counts, and the last error (``Recorder.health``)."""
        return self._recording.health() if self._recording is not None else None

    def set_record_mode(
        self,
        mode: RecordMode,
        *,
        default_on_miss: OnMiss | None = None,
        recorded: bool | None = None,
    ) -> None:
        """Switch to record mode ``mode`` from the next request on.

        ``default_on_miss`` is what a miss does when the mode does not say (mode
        ``none``; default :attr:`default_on_miss`); ``recorded`` says whether
        recordings exist already, for mode ``once`` (default: the recording directory
        is looked at). Raises MockapiError for a recording mode without an upstream.
        """
        recording = self._recording
        if recording is None:
            if mode is not RecordMode.NONE:
                raise MockapiError(f"record mode {mode.value!r} needs an upstream")
            on_miss, proxy_all = default_on_miss or self.default_on_miss, False
        else:
            on_miss, proxy_all = recording.switch(
                mode, default_on_miss=default_on_miss or self.default_on_miss, recorded=recorded
            )
        self._replayer.configure(on_miss=on_miss, proxy_all=proxy_all)

    # -- faults and rate limits --------------------------------------------------------

    @property
    def fault_rules(self) -> tuple[Fault, ...]:
        return self._replayer.faults.rules

    @property
    def fault_seed(self) -> int:
        return self._replayer.faults.seed

    def fault_counters(self) -> dict[str, dict[str, int]]:
        """How often each fault was considered and fired since the last reset."""
        return self._replayer.faults.counters()

    def set_faults(self, rules: Iterable[Fault], *, seed: int | None = None) -> None:
        """Replace the fault rules (and the seed, if given); their counters restart."""
        self._replayer.faults.set_rules(rules, seed=seed)

    def add_faults(self, rules: Iterable[Fault], *, first: bool = False) -> None:
        """Add ``rules`` after the others, or before them with ``first`` (a test's rules
        come before the session's: the first rule that fires applies)."""
        current, added = self.fault_rules, tuple(rules)
        self.set_faults((*added, *current) if first else (*current, *added))

    def clear_faults(self) -> None:
        """No fault rules from now on."""
        self.set_faults(())

    @property
    def rate_limit(self) -> Limits | None:
        limiter = self._replayer.limiter
        return limiter.limits if limiter is not None else None

    def set_rate_limit(self, limits: Limits | None) -> None:
        """Limit requests like the real API from now on (None: no limit); full buckets."""
        self._replayer.set_rate_limit(limits)

    # -- webhooks ------------------------------------------------------------------------

    def webhook_urls(self) -> list[str]:
        """Where finished jobs' events go, in order (their secrets are never shown)."""
        return self._replayer.webhooks.urls()

    def set_webhooks(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Send finished jobs' events to ``pairs`` (``(url, "whsec_...")``) from now on,
        instead of the endpoints before; MockapiError naming a bad URL or secret."""
        self._replayer.webhooks.set(pairs)

    def add_webhook(self, url: str, secret: str) -> None:
        """Send finished jobs' events to ``url`` too, signed with ``secret``."""
        self.set_webhooks((*self._replayer.webhooks.targets, (url, secret)))

    # -- a test's changes ----------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """What :meth:`restore` puts back: misses, record mode, fault rules, rate limit,
        webhook endpoints."""
        return Snapshot(
            self.on_miss,
            self.proxy_all,
            self.record_mode,
            self.fault_rules,
            self.rate_limit,
            self._replayer.webhooks.targets,
        )

    def restore(self, snapshot: Snapshot) -> None:
        """Undo what was changed since ``snapshot`` (misses, record mode, faults, limit,
        webhook endpoints)."""
        if self._recording is not None:
            self._recording.mode = snapshot.record_mode
        self._replayer.configure(on_miss=snapshot.on_miss, proxy_all=snapshot.proxy_all)
        self.set_faults(snapshot.fault_rules)
        self.set_rate_limit(snapshot.rate_limit)
        self.set_webhooks(snapshot.webhooks)
