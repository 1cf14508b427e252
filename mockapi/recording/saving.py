"""Persisting one complete exchange: redact it into a fixture entry, index it, write it.

:class:`RecordingJob` is what the recorder makes of an answer once it is complete.
:meth:`~RecordingJob.prepare` redacts and keys the exchange
(:func:`~mockapi.recording.capture.to_entry`); :meth:`~RecordingJob.index` serves it
from the index at once where its file is known in advance (record mode ``all``: the
request's own file, replaced); then the recorder's
:class:`~mockapi.recording.writer.Writer` calls :meth:`~RecordingJob.commit`, which
writes it where :mod:`~mockapi.recording.placement` says (or into the test's cassette),
binary bodies first, and indexes it if that was not done already. Everything the job
needs from the moment its answer completed (the record mode, the cassette) is taken
then, not when the writer gets to it.

A recording that cannot be written never cuts anything (the answer was sent already): it
is served from memory, and the recorder says so (:meth:`Sink.unsaved`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from mockapi import __version__
from mockapi.errors import FixtureError, NotRecordable
from mockapi.library import store
from mockapi.library.fixture import Fixture, parse_entry
from mockapi.model import Request, SSEEvent
from mockapi.plugins import Hooks
from mockapi.recording import redaction
from mockapi.recording.capture import Captured, merge_entry, slug, to_entry
from mockapi.recording.placement import Placement, polled, unwritten
from mockapi.recording.stream import Arrivals, finished
from mockapi.recording.turns import Turn
from mockapi.recording.writer import Job

log = logging.getLogger("mockapi.recording.recorder")


@dataclass
class Cassette:
    """A test's cassette as :meth:`Recorder.use_cassette` set it: one per test, so that
    a recording keeps the cassette (and the emptying) its answer was given under."""

    path: Path
    test: str
    fresh: bool
    """Empty it at the first recording (record mode ``all``); cleared once done."""


@dataclass(frozen=True)
class Exchange:
    """An exchange as relayed: the request and the upstream's answer, its ``body`` or,
    for an SSE answer, its ``events`` or the ``stream`` they are decoded from."""

    request: Request
    status: int
    headers: list[tuple[str, str]]
    content_type: str
    body: bytes
    events: list[SSEEvent] | None = None
    stream: Arrivals | None = None


class Sink(Protocol):
    """What a job needs of its recorder."""

    placement: Placement
    rules: redaction.RedactionRules
    hooks: Hooks
    record_errors: bool

    @property
    def upstream_url(self) -> str: ...

    def unsaved(self, target: Path, problem: str) -> str:
        """Count a recording that could not be written (``problem`` is logged); returns
        the source name it is served under from memory (unless it was indexed already)."""

    def written(self) -> None:
        """Count a recording written."""

    def settle(self, fixture: Fixture) -> None:
        """Serve ``fixture`` from the next request on, its answers all given."""


@dataclass(eq=False)
class RecordingJob(Job):
    """One exchange to persist (see the module docstring)."""

    sink: Sink
    exchange: Exchange
    replace: bool
    """Record mode ``all``: replace the recording with the same key."""
    cassette: Cassette | None = None
    turn: Turn | None = None
    """Given back in :meth:`finish`: identical requests waiting for it are answered then."""
    _entry: dict[str, Any] = field(default_factory=dict, init=False)
    _key: str = field(default="", init=False)
    _files: dict[str, bytes] = field(default_factory=dict, init=False)
    _indexed: bool = field(default=False, init=False)
    _planned: Path | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        exchange = self.exchange
        streamed = exchange.stream.size if exchange.stream is not None else 0
        self.weight = len(exchange.body) + streamed + len(exchange.request.body)

    def describe(self) -> str:
        return f"{self.exchange.request.method} {self.exchange.request.path}"

    def prepare(self) -> bool:
        """Redact and key the exchange; False when it is not to be recorded (logged)."""
        exchange, sink = self.exchange, self.sink
        request, where = exchange.request, self.describe()
        events = exchange.events
        if exchange.stream is not None:
            events = exchange.stream.events()
            if not finished(events):
                outcome = "incomplete" if exchange.stream.ended else "client disconnected"
                log.warning("not recording %s: %s after %d events", where, outcome, len(events))
                return False
        if exchange.status >= 400 and not sink.record_errors:
            log.info("not recording %s: status %d", where, exchange.status)
            return False
        captured = Captured(
            request.method,
            request.path,
            request.json,
            exchange.status,
            dict(exchange.headers),
            exchange.content_type,
            exchange.body,
            events,
            files=request.files,
        )
        meta = {
            "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "upstream": redaction.scrub_text(sink.upstream_url, sink.rules),
            "mockapi": __version__,
        }
        cassette = self.cassette
        try:
            self._entry, self._key = to_entry(
                captured,
                meta=meta,
                rules=sink.rules,
                hooks=sink.hooks,
                files=self._files,
                file_stem=cassette.path.stem if cassette is not None else None,
            )
        except NotRecordable as exc:
            log.warning("not recording %s: %s", where, exc)
            return False
        if cassette is None:
            self._planned = sink.placement.reserve(
                slug(request.path), self._key, self._entry, replace=self.replace
            )
        if self.replace and cassette is None and not polled(request.method) and not self._files:
            self.supersedes = self._target  # its file, replaced outright (see index)
        return True

    def index(self) -> None:
        """Serve the recording from now on, before it is written, where its file is
        known in advance (:meth:`Placement.reserve`): then the requests of this process
        waiting for its turn are answered at once. Otherwise (a sequence continued, a
        cassette) :meth:`commit` indexes it once written, under the name it was written as."""
        if self._planned is not None:
            source = f"{self._planned}#0"
            self.sink.settle(parse_entry(self._entry, source, body_files=self._body_files))
            self._indexed = True
            if self.turn is not None:
                self.turn.indexed()

    def _body_files(self, name: str) -> bytes:
        return self._files[name]

    @property
    def _folder(self) -> Path:
        if self.cassette is not None:
            return self.cassette.path.parent
        return self.sink.placement.directory / slug(self.exchange.request.path)

    @property
    def _target(self) -> Path:
        return (
            self.cassette.path if self.cassette is not None else self._folder / f"{self._key}.yaml"
        )

    def commit(self, *, write: bool) -> None:
        request, entry = self.exchange.request, self._entry
        where, target, folder = self.describe(), self._target, self._folder
        if not write:  # a later job writes this file: as if this one was written first
            self.sink.written()
            log.info("recorded %s -> %s#0 (replaced by the next recording)", where, target)
            return
        try:
            for name, data in self._files.items():  # first: the fixture never names a missing file
                store.write_body_file(folder / name, data)
            if self.cassette is not None:
                entry, source = append(self.cassette, entry, collapse=polled(request.method))
            else:
                entry, source = self.sink.placement.write(
                    slug(request.path),
                    self._key,
                    entry,
                    replace=self.replace,
                    reserved=self._planned,
                )
        except (OSError, FixtureError) as exc:
            # The answer has been relayed already: keep the recording for this run.
            source = self.sink.unsaved(target, unwritten(where, target, exc))
            if not self._indexed:
                self.sink.settle(parse_entry(entry, source, body_files=self._body_files))
            return
        self.sink.written()
        if not self._indexed or source != f"{self._planned}#0":
            # (Written elsewhere than planned: a file appeared at that name meanwhile.)
            written = Path(source.rpartition("#")[0])
            self.sink.settle(parse_entry(entry, source, body_files=store.body_reader(written)))
        log.info("recorded %s -> %s", where, source)

    def finish(self) -> None:
        if self.turn is not None:
            self.turn.release()  # after the index has it: the waiters find the recording


def append(
    cassette: Cassette, entry: dict[str, Any], *, collapse: bool
) -> tuple[dict[str, Any], str]:
    """Add ``entry`` to the cassette; the same request again extends a sequence
    (``collapse``: unless it answered as the last time, see ``merge_entry``)."""

    def change(document: dict[str, Any]) -> tuple[dict[str, Any], int]:
        fixtures = document.pop("fixtures", None)
        fixtures = fixtures if isinstance(fixtures, list) else []
        document["test"] = cassette.test  # keeps it out of other tests' library
        document["fixtures"] = fixtures
        if cassette.fresh:
            fixtures.clear()
            cassette.fresh = False
        index = merge_entry(fixtures, entry, collapse=collapse)
        return fixtures[index], index

    final, index = store.update_document(cassette.path, change)
    return final, f"{cassette.path}#{index}"
