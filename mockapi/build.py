"""The one wiring: a ready server from :class:`~mockapi.config.Settings`.

:func:`build` makes the whole thing: the :class:`~mockapi.replay.engine.Replayer`, the
:class:`~mockapi.recording.recorder.Recorder` when the settings call for one, the
:class:`~mockapi.replay.control.Control` the admin API and the pytest handle share, and
the ASGI app. ``mockapi serve``, each ``--workers`` process, the pytest plugin and the
test suite all start from it.

All the start-up work happens here, once: fixture files are read and indexed, schemas
are loaded and their validators compiled. Requests then do no file or schema work.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mockapi import collector, resources
from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.errors import MockapiError
from mockapi.library import recovery, store
from mockapi.matching.matchers import exact_key
from mockapi.plugins import load_plugins
from mockapi.recording import recorder as recording
from mockapi.recording import redaction
from mockapi.recording.recorder import Recorder
from mockapi.recording.upstream import Upstream
from mockapi.replay.control import Control
from mockapi.replay.engine import Replayer
from mockapi.replay.shared import Fleet, SharedReplayer
from mockapi.state.objects import ObjectStore
from mockapi.state.sqlite import SQLiteStore
from mockapi.state.store import BlobLimits, StateStore
from mockapi.validation.files import load_schemas
from mockapi.validation.validator import RequestValidator
from mockapi.web import workers
from mockapi.web.app import App, create_app
from mockapi.web.server import ASGIApp, closing, install_log_filter
from mockapi.web.webhooks import Schedule, Sender


@dataclass(frozen=True)
class Built:
    """A server ready to serve, as :func:`build` makes it."""

    replayer: Replayer
    recorder: Recorder | None
    """None when the upstream is never to be contacted."""
    control: Control
    """The run-time operations (reset, record mode, faults, run-time fixtures)."""
    app: App
    """The ASGI app: the API, the admin API and the inspector."""
    webhooks: Sender
    """Delivers finished jobs' webhook events (in the background)."""

    def close(self) -> None:
        """Release what the server holds open (the webhook sender's thread, the state
        store's database connections) once it has stopped; what it stored stays, and
        the recordings of the answers it gave are written first."""
        if self.recorder is not None:
            self.recorder.close()
        self.webhooks.close()
        self.replayer.state.close()


def build(
    settings: Settings,
    *,
    schemas_dir: Path | None = None,
    cassettes: bool = True,
    missing_ok: bool = False,
) -> Built:
    """Everything a server needs for ``settings``; raises MockapiError naming what is wrong.

    A recorder is built when the settings record or proxy misses, and also in record
    mode ``none`` when they name an upstream and a fixture directory, so that the admin
    API or a test's marker can switch record modes at run time (its client opens no
    socket until used). ``schemas_dir``, ``cassettes`` and ``missing_ok`` are
    :func:`build_replayer`'s.
    """
    try:  # first: a bad schedule fails before the slow part
        schedule = Schedule(retry_delays=settings.webhook_retry_delays)
    except ValueError as exc:
        raise MockapiError(f"--webhook-retry-delays: {exc}") from None
    with collector.paused():  # the library and its index: no garbage, no GC passes
        replayer = build_replayer(
            settings, schemas_dir=schemas_dir, cassettes=cassettes, missing_ok=missing_ok
        )
    store.settle(len(replayer.index))
    recorder = build_recorder(replayer.settings, replayer, always=bool(settings.fixture_dirs))
    recording = _RecorderModes(recorder) if recorder is not None else None
    # What a miss does in mode none is what the settings said, before their record mode.
    control = Control(replayer, recording, default_on_miss=settings.on_miss)
    app = create_app(replayer, recorder, control=control)
    sender = Sender(replayer.journal, schedule=schedule)
    replayer.webhooks.attach(sender)
    return Built(replayer, recorder, control, app, sender)


def default_fixture_dirs() -> tuple[Path, ...]:
    """The bundled fixture library, used when no ``--fixtures`` directory is given."""
    return (resources.bundled_dir("fixtures"),)


def build_replayer(
    settings: Settings,
    *,
    schemas_dir: Path | None = None,
    cassettes: bool = True,
    missing_ok: bool = False,
) -> Replayer:
    """Load fixtures and schemas for ``settings``; raises on broken files, naming them.

    :func:`build`'s first step, and the one that takes time (the benchmark times it
    alone). In a record mode, the recording directory may not exist yet: it is created on the
    first recording, and starts out empty. ``missing_ok`` skips any directory that does
    not exist (the pytest plugin's default ``./fixtures``).
    """
    state = build_state(settings)  # first: a bad --state fails before the slow part
    dirs = settings.fixture_dirs or default_fixture_dirs()
    # Only mode once asks whether recordings exist (listing 10,000 files takes a while).
    once = settings.record_mode is RecordMode.ONCE
    recorded = once and recording.has_fixtures(settings.record_dir)
    on_miss, proxy_all = recording.plan(settings.record_mode, recorded=recorded)
    if on_miss is not None:
        settings = replace(settings, on_miss=on_miss)
        dirs = tuple(d for d in dirs if d != settings.record_dir or d.is_dir())
    if missing_ok:
        dirs = tuple(d for d in dirs if d.is_dir())
    hooks = load_plugins(settings.plugins)  # first: plugins may register matchers
    for directory in settings.fixture_dirs:  # the user's: the bundled library is read-only
        recovery.recover(directory)  # what a killed recorder left: finished or removed
    fixtures = store.load_library(dirs, cassettes=cassettes, keys=exact_key)
    schemas = load_schemas(schemas_dir)
    validator = None
    if settings.validate:
        # The bundled schemas are checked against the metaschema by the test suite.
        validator = RequestValidator(schemas, check=schemas_dir is not None)
    arguments: dict[str, Any] = {
        "proxy_all": proxy_all,
        "hooks": hooks,
        "schemas": schemas,
        "state": state,
    }
    if settings.state_url is not None:  # replicas: what they share is in Redis too
        fleet = _fleet(state)
        return SharedReplayer(settings, fixtures, validator, fleet=fleet, **arguments)
    return Replayer(settings, fixtures, validator, **arguments)


def build_state(settings: Settings) -> StateStore:
    """Where the server keeps what it created: the Redis server at ``settings.state_url``
    (shared by replicas on several machines), the SQLite database at
    ``settings.state_path`` (shared by ``--workers``, kept across restarts), else memory;
    each within the file size limits of the settings."""
    limits = BlobLimits(settings.max_file_bytes, settings.max_state_bytes)
    if settings.state_url is not None:
        return _redis_store(settings.state_url, limits)
    if settings.state_path is None:
        return ObjectStore(blob_limits=limits)
    _check_state_path(settings.state_path)
    return SQLiteStore(settings.state_path, blob_limits=limits)  # MockapiError if it cannot


def _redis_store(url: str, limits: BlobLimits) -> StateStore:
    """The Redis store at ``url`` (imported only then: the client is the optional
    ``mockapi[redis]`` extra). An unreachable Redis is a warning, not a failure: a
    replica may start before its Redis, and answers 503 to what needs state until then."""
    try:
        from mockapi.state.redis import RedisStore
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "redis":
            raise
        raise MockapiError(
            f"--state {url.partition('://')[0]}://...: the Redis client is not installed; "
            "pip install 'mockapi[redis]'"
        ) from None
    store = RedisStore(url, blob_limits=limits)
    problem = store.link.problem()
    if problem is not None:
        logging.getLogger("mockapi").warning(
            "%s; requests that need it answer 503 until it answers", problem
        )
    return store


def _fleet(state: StateStore) -> Fleet:
    """The journal, fault counters and rate-limit buckets beside the Redis ``state``."""
    from mockapi.state import redis_shared
    from mockapi.state.redis import RedisStore

    assert isinstance(state, RedisStore)
    link = state.link
    return Fleet(
        journal=redis_shared.RedisJournal(link),
        fault_counters=redis_shared.RedisFaultCounters(link),
        buckets=redis_shared.RedisBuckets(link),
    )


_SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def _check_state_path(path: Path) -> None:
    """Refuse, before SQLite opens it, a state path that is a directory or a file that
    is not a database (a typo naming the wrong file): SQLite is never let near it, and
    nothing is created beside it. An empty file is an empty database."""
    advice = "pass the path of a new or existing mockapi state database (e.g. ./state.db)"
    if path.is_dir():
        raise MockapiError(f"state database {path}: that is a directory; {advice}")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return  # created by SQLiteStore, with its directory
    except OSError as exc:
        raise MockapiError(f"state database {path}: cannot read it ({exc}); {advice}") from None
    if head and head != _SQLITE_HEADER:
        raise MockapiError(
            f"state database {path}: that file is not a SQLite database, so it is left "
            f"untouched; {advice}"
        )


def build_recorder(
    settings: Settings, replayer: Replayer, *, always: bool = False
) -> Recorder | None:
    """The recorder for ``settings``, or None when the upstream is never to be contacted.

    :func:`build`'s second step. ``always`` builds one whenever an upstream is
    configured (to switch record modes at run time); its client still opens no socket
    until used.
    """
    wanted = settings.record_mode is not RecordMode.NONE or settings.on_miss is OnMiss.PROXY
    if not wanted and not (always and settings.upstream_url):
        return None
    if settings.upstream_url is None:
        raise MockapiError(
            f"record mode {settings.record_mode.value!r} needs an upstream: pass --upstream URL"
        )
    if settings.record_dir is None:
        raise MockapiError("recording needs a directory to write to: pass --fixtures DIR")
    api_key = None
    if settings.upstream_key_env is not None:
        api_key = os.environ.get(settings.upstream_key_env)
        if not api_key:
            raise MockapiError(
                f"--upstream-key-env {settings.upstream_key_env}: that environment variable "
                "is not set or is empty"
            )
    try:
        upstream = Upstream(
            settings.upstream_url, api_key=api_key, timeout=settings.upstream_timeout
        )
    except ValueError as exc:
        raise MockapiError(f"--upstream: {exc}") from None
    rules = redaction.RedactionRules(
        extra_headers=frozenset(h.lower() for h in settings.redact_headers),
        json_paths=settings.redact_paths,
    )
    return Recorder(
        upstream,
        settings.record_dir,
        mode=settings.record_mode,
        rules=rules,
        record_errors=settings.record_errors,
        on_saved=replayer.add_fixtures,
        on_answered=replayer.answered,
        hooks=replayer.hooks,
    )


def worker_app() -> ASGIApp:
    """The app of one ``mockapi serve --workers N`` process (uvicorn calls this), built
    from the settings :func:`mockapi.web.workers.run` left in the environment; it
    closes its state store's connections when the worker stops."""
    settings, log_level = workers.worker_config()
    logging.basicConfig(
        level=log_level.upper(),
        format="%(levelname)s:     %(name)s: %(message)s",
        stream=sys.stderr,
    )
    install_log_filter()
    built = build(settings)
    return closing(built.app, built.close)


class _RecorderModes:
    """The recorder as :class:`~mockapi.replay.control.Recording` (``replay`` may not
    import ``recording``, so the control operations reach the recorder through this)."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    @property
    def mode(self) -> RecordMode:
        return self._recorder.mode

    @mode.setter
    def mode(self, mode: RecordMode) -> None:
        self._recorder.mode = mode

    @property
    def upstream_url(self) -> str:
        return self._recorder.upstream.base_url

    @property
    def directory(self) -> Path:
        return self._recorder.directory

    def switch(
        self, mode: RecordMode, *, default_on_miss: OnMiss, recorded: bool | None
    ) -> tuple[OnMiss, bool]:
        return recording.switch_mode(
            self._recorder, mode, default_on_miss=default_on_miss, recorded=recorded
        )

    def health(self) -> dict[str, Any]:
        return self._recorder.health()
