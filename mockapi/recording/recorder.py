"""Recording: record modes, the live tee of upstream answers, and persisting recordings.

Record modes have VCR.py's meaning:

- ``none``: replay only; the upstream is never contacted.
- ``once``: record while the recording directory holds no fixtures yet; once it does
  (at start-up), replay only.
- ``new_episodes``: replay what matches, record what misses.
- ``all``: every request goes upstream and is re-recorded, replacing the recording
  with the same request key.

A proxied answer is passed to the client chunk by chunk as it arrives, and captured
on the side (SSE events with the gap before each). Only a complete exchange becomes a
fixture: a stream that breaks, or that the client abandons, is logged and dropped.
Everything written goes through :mod:`mockapi.recording.redaction` first.

A recording is made *after* its answer's last byte went out, out of the way of the
next answers (:mod:`mockapi.recording.handover`): redacted, keyed and indexed on the
event loop (:mod:`mockapi.recording.saving`), then written by the recorder's writer
thread (:mod:`mockapi.recording.writer`). The same request again is answered from the
index at once (a miss first hands over what is pending; identical requests in flight
wait for the recording, below); the server's shutdown, the end of a test
(:meth:`Recorder.use_cassette`), a record-mode switch, ``GET /__mockapi/health`` and
:meth:`Recorder.flush` wait until what was answered is written.

Where a recording goes, and how the repeats of a ``GET`` (a batch polled until it
completes) become one recording's sequence of answers, is
:mod:`mockapi.recording.placement`'s business; in a test's cassette, each recording of
the same request extends that request's sequence, whatever its method.

A binary answer (speech audio, an image, a file's content) is written as a file beside
its fixture, ``<key>.<digest>.<ext>`` (``<cassette>.<digest>.<ext>`` in a cassette's folder),
atomically and *before* the fixture that names it in ``body_file``, so a reader never
sees a fixture pointing at a missing file.

Identical requests in flight at once go upstream once: the others wait for its
recording and are answered from it (:mod:`mockapi.recording.turns`; not in mode ``all``,
where every request goes upstream, nor into a test's cassette, where the same request
again records the next answer of a sequence).

A recording that cannot be written (a read-only or full disk) never cuts the answer,
which has been sent already: the failure is one log line naming the file, the error and
what to do, the recording is answered from memory for as long as the server runs, and
:meth:`Recorder.health` (``GET /__mockapi/health``) says recording is failing.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from mockapi.config import OnMiss, RecordMode
from mockapi.errors import FixtureError, NotRecordable, UpstreamStreamError
from mockapi.library import store
from mockapi.library.fixture import Fixture
from mockapi.model import Request, Response, SSEEvent
from mockapi.plugins import NO_HOOKS, Hooks
from mockapi.recording import redaction
from mockapi.recording.capture import recording_key, slug
from mockapi.recording.handover import Handover, Waiting
from mockapi.recording.placement import Placement
from mockapi.recording.saving import Cassette, Exchange, RecordingJob
from mockapi.recording.stream import Arrivals
from mockapi.recording.turns import Turn, Turns
from mockapi.recording.upstream import Upstream, UpstreamResponse
from mockapi.wire.headers import OPENAI_HEADERS

log = logging.getLogger("mockapi.recording.recorder")


def plan(mode: RecordMode, *, recorded: bool) -> tuple[OnMiss | None, bool]:
    """What a record mode means now: (on-miss override or None, proxy every request).

    ``recorded`` says whether recordings exist already (the directory, or a test's
    cassette, has fixtures): ``once`` records only when they do not.
    """
    if mode is RecordMode.NONE:
        return None, False
    if mode is RecordMode.ALL:
        return OnMiss.PROXY, True
    if mode is RecordMode.ONCE and recorded:
        return OnMiss.ERROR, False
    return OnMiss.PROXY, False


def switch_mode(
    recorder: Recorder | None,
    mode: RecordMode,
    *,
    default_on_miss: OnMiss,
    recorded: bool | None = None,
) -> tuple[OnMiss, bool]:
    """Put a running server in record mode ``mode``: the recorder is told, and the
    ``(on_miss, proxy_all)`` to give ``Replayer.configure`` is returned.

    ``default_on_miss`` is what a miss does when the mode does not say (mode ``none``).
    The recordings of the answers given so far are written (and served) first.
    ``once`` records only if nothing is recorded yet: ``recorded`` says so (a test's
    cassette exists), or else the recording directory is looked at now. Raises
    ValueError for a mode that records when there is no recorder (no upstream).
    """
    if mode is not RecordMode.NONE and recorder is None:
        raise ValueError(f"record mode {mode.value!r} needs an upstream")
    if recorder is not None:
        recorder.flush()  # what was answered in the old mode is recorded in it
    if recorded is None:
        recorded = recorder is not None and has_fixtures(recorder.directory)
    override, proxy_all = plan(mode, recorded=recorded)
    if recorder is not None:
        recorder.mode = mode
    return override or default_on_miss, proxy_all


def has_fixtures(directory: Path | None) -> bool:
    """True when ``directory`` exists and holds at least one fixture file."""
    return directory is not None and directory.is_dir() and bool(store.fixture_files(directory))


@dataclass
class Proxied:
    """An upstream answer being relayed: status and headers now, the body as it comes."""

    status: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]


class Recorder:
    """Forwards misses upstream, relays them live, and writes complete ones as fixtures.

    ``on_saved`` receives each newly written fixture so that the server answers from
    it on the next request, without a restart; ``on_answered`` receives each of this
    recorder's recordings after that, as one whose answers have all been given (the
    last one live, to the request it records), so that a polled ``GET`` goes upstream
    again rather than replaying it (see :mod:`mockapi.recording.placement`).
    """

    def __init__(
        self,
        upstream: Upstream,
        directory: Path,
        *,
        mode: RecordMode,
        rules: redaction.RedactionRules = redaction.DEFAULT_RULES,
        record_errors: bool = True,
        on_saved: Callable[[list[Fixture]], None] = lambda fixtures: None,
        on_answered: Callable[[Fixture], None] = lambda fixture: None,
        hooks: Hooks = NO_HOOKS,
    ) -> None:
        self.hooks = hooks
        self.upstream = upstream
        self.directory = directory
        self.mode = mode
        self.rules = rules
        self.record_errors = record_errors
        self.on_saved = on_saved
        self.on_answered = on_answered
        self.placement = Placement(directory)
        self._lock = threading.Lock()
        self._turns = Turns()
        self._handover = Handover()
        self._written = 0
        self._unsaved = 0
        self._failing = False
        self._last_error: str | None = None
        self._cassette: Cassette | None = None

    @property
    def cassette(self) -> Path | None:
        """The test's cassette recordings go into now (None: the recording directory)."""
        cassette = self._cassette
        return cassette.path if cassette is not None else None

    @property
    def upstream_url(self) -> str:
        """The upstream's base URL (as a recording's ``meta`` names it, scrubbed)."""
        return self.upstream.base_url

    # -- other writers -------------------------------------------------------------------

    def scan_new(self) -> list[Fixture]:
        """Fixtures written into the directory by someone else (another worker) since."""
        found: list[Fixture] = []
        for path in self.placement.unseen():
            try:
                found.extend(store.load_file(path))
            except FixtureError as exc:  # half-written by hand, or not ours: skip, say so
                log.warning("not loading %s", exc)
        return found

    # -- relaying ------------------------------------------------------------------------

    async def forward(
        self, request: Request, *, recorded: Callable[[], Response | None] | None = None
    ) -> Proxied | Response:
        """Open the upstream answer for ``request``; raises APIError if unreachable.

        With ``recorded`` (which answers the request from the fixtures served now, or
        None), a recording made meanwhile answers instead: by another worker, or by an
        identical request in flight, which this one waits for (see the module
        docstring). Without it, the request goes upstream whatever was recorded.
        """
        turn: Turn | None = None
        # A miss may be a request just answered, whose recording is not indexed yet.
        if recorded is not None and self._handover.drain():
            answered = recorded()
            if answered is not None:
                return answered
        if recorded is not None:
            found = await self._take_turn(request, recorded)
            if isinstance(found, Response):
                return found
            turn = found
        waiting = self._handover.waiting()  # the writer holds back till its first byte
        try:
            answer = await self.upstream.open(request)
        except BaseException:
            waiting.done()
            if turn is not None:
                turn.release()
            raise
        headers = {k.lower(): v for k, v in answer.headers if k.lower() in _RELAYED_HEADERS}
        body = self._relay(request, answer, turn, waiting)
        # A body never iterated (the client left before it started) still gives the turn
        # back, or the requests waiting for it would wait for ever.
        weakref.finalize(body, _let_go, turn, waiting)
        return Proxied(answer.status, headers, body)

    async def _take_turn(
        self, request: Request, recorded: Callable[[], Response | None]
    ) -> Response | Turn | None:
        """The recorded answer, or the turn to go upstream (None: go without one)."""

        def fresh(waited: bool) -> Response | None:
            new = self.scan_new()  # written by another worker or process meanwhile
            if new:
                self.on_saved(new)
                for fixture in new:  # its answers were given there, live
                    self.on_answered(fixture)
            # Asking the replayer again only when something may have been recorded: each
            # time counts for its rate limits and fault rules.
            return recorded() if new or waited else None

        if self._cassette is not None:
            # No turns in a cassette (the same request again records its next answer), but
            # the recordings of the answers given so far are indexed before it looks.
            await self._handover.drained()
            return fresh(False)
        key_of = functools.partial(
            recording_key,
            request.method,
            request.path,
            request.json,
            rules=self.rules,
            hooks=self.hooks,
            files=request.files,
        )
        try:
            # An upload's files are scanned for secrets: off the event loop (a batch
            # file can be large), as the recording itself is written.
            key = await anyio.to_thread.run_sync(key_of) if request.files else key_of()
        except NotRecordable:
            return fresh(False)
        target = self.directory / slug(request.path) / f"{key}.yaml"
        return await self._turns.take(target, fresh)

    async def _relay(
        self, request: Request, answer: UpstreamResponse, turn: Turn | None, waiting: Waiting
    ) -> AsyncIterator[bytes]:
        is_sse = answer.content_type.startswith("text/event-stream")
        stream = Arrivals(time.monotonic()) if is_sse else None
        body = bytearray()
        outcome = "client disconnected"
        try:
            async for chunk in answer.chunks():
                # Kept before relaying: a client that hangs up as soon as it reads [DONE]
                # cancels us at the yield, and the stream was complete all the same. A
                # stream's chunk is decoded once it is out, while the next one is awaited.
                if stream is not None:
                    stream.chunks.append((time.monotonic(), chunk))
                else:
                    body.extend(chunk)
                yield chunk
                if stream is not None:
                    waiting.done()  # a stream's first event is out; an answer's whole body
                    stream.decode_arrived()
            outcome = "complete"
            if stream is not None:
                stream.ended = True
        except UpstreamStreamError as exc:
            outcome = f"upstream broke off ({exc})"
            # Cut the client's connection too, as the upstream cut ours: ending the
            # body cleanly would pass a truncated stream off as a complete one.
            raise
        finally:
            waiting.done()
            # A stream the client left may have been complete (it left after the last
            # event): that, and whether one the upstream ended was, is told once decoded.
            recorded = outcome == "complete" or (
                stream is not None and outcome == "client disconnected"
            )
            # Shielded: a client that went away cancels this task, but the upstream
            # response must still be released and a finished recording still handed over.
            with anyio.CancelScope(shield=True):
                try:
                    await answer.close()
                    if recorded:
                        exchange = Exchange(
                            request,
                            answer.status,
                            answer.headers,
                            answer.content_type,
                            bytes(body),
                            stream=stream,
                        )
                        # Written after the answer's last byte, by the writer's thread,
                        # which gives the turn back once the index has the recording.
                        job = self._job(exchange, turn.pass_on() if turn else None)
                        try:
                            await self._handover.writer.room(job.weight)
                        except BaseException:
                            job.finish()  # not handed over: the turn goes back here
                            raise
                        self._handover.schedule(job)
                except Exception:  # a bug: say so, but never cut an answer already sent
                    log.exception(
                        "could not record %s %s (a mockapi bug: please report it)",
                        request.method,
                        request.path,
                    )
                finally:
                    if turn is not None:
                        turn.release()
            if not recorded:
                count = len(stream.events()) if stream is not None else 0
                log.warning(
                    "not recording %s %s: %s after %d events",
                    request.method,
                    request.path,
                    outcome,
                    count,
                )

    # -- persisting (mockapi.recording.saving, on the writer's thread) ------------------

    def _job(self, exchange: Exchange, turn: Turn | None = None) -> RecordingJob:
        """The job persisting ``exchange``, under the record mode and cassette of now."""
        with self._lock:
            cassette = self._cassette
        replace = self.mode is RecordMode.ALL
        return RecordingJob(self, exchange, replace, cassette, turn)

    def _save(
        self,
        request: Request,
        answer: UpstreamResponse,
        body: bytes,
        events: list[SSEEvent] | None,
    ) -> None:
        """Persist one exchange now, in this thread (after what is pending)."""
        self.flush()
        exchange = Exchange(
            request, answer.status, answer.headers, answer.content_type, body, events=events
        )
        job = self._job(exchange)
        try:
            if job.prepare():
                job.commit(write=True)
        finally:
            job.finish()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every recording of an answer given so far is written and served
        from the index (False when ``timeout`` seconds were not enough).

        Recordings are written just after their answers, off the client's path; the
        server's shutdown, the end of a test, :meth:`health` and switching record modes
        or cassettes wait for them here.
        """
        return self._handover.flush(timeout)

    def close(self) -> None:
        """Write what is pending (the server stops); the upstream client is left to its loop."""
        self.flush()

    # What a recording job needs of its recorder (mockapi.recording.saving.Sink).

    def unsaved(self, target: Path, problem: str) -> str:
        """Count a recording kept in memory only and log why; its source name."""
        with self._lock:
            self._unsaved += 1
            self._failing = True
            self._last_error = problem
            # Named after the file it was to be (a test's cassette recordings go with
            # their test), marked as in memory only.
            source = f"{target}#unsaved-{self._unsaved}"
        log.error("%s", problem)
        return source

    def written(self) -> None:
        """Count a recording written."""
        with self._lock:
            self._written += 1
            self._failing = False

    def settle(self, fixture: Fixture) -> None:
        """Serve a new recording from the next request on (``on_saved``), its answers
        all given (``on_answered``)."""
        self.on_saved([fixture])
        self.on_answered(fixture)

    def health(self) -> dict[str, Any]:
        """How recording goes: ``state`` (``ok``, or ``failing`` while the last recording
        could not be written), how many recordings were ``written`` and how many are
        ``unsaved`` (answered from memory only, lost when the server stops), and the
        ``last_error``, if any, as it was logged. Waits (up to 10 s) for the recordings
        of the answers given so far."""
        self.flush(timeout=10)
        with self._lock:
            return {
                "state": "failing" if self._failing else "ok",
                "written": self._written,
                "unsaved": self._unsaved,
                "last_error": self._last_error,
            }

    def use_cassette(self, path: Path | None, *, test: str = "", fresh: bool = False) -> None:
        """Record into the one file ``path`` (test ``test``'s cassette), not one per request.

        ``fresh`` empties the cassette at the first recording (record mode ``all``). The
        recordings of the answers given before are written first (into the cassette of
        their time), so a test's cassette is complete when the next one is set.
        """
        self.flush()
        with self._lock:
            self._cassette = Cassette(path, test, fresh) if path is not None else None


_RELAYED_HEADERS = frozenset({"content-type", *OPENAI_HEADERS})
"""What the client gets of the upstream's headers: the OpenAI ones, and the media type
(framing, cookies and the CDN's headers are the upstream's business)."""


def _let_go(turn: Turn | None, waiting: Waiting) -> None:
    waiting.done()
    if turn is not None:
        turn.release()
