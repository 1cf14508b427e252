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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from mockapi import __version__
from mockapi.config import OnMiss, RecordMode
from mockapi.errors import FixtureError, NotRecordable, UpstreamStreamError
from mockapi.library import store
from mockapi.library.fixture import Fixture, parse_entry
from mockapi.model import Request, Response, SSEEvent
from mockapi.plugins import NO_HOOKS, Hooks
from mockapi.recording import redaction
from mockapi.recording.capture import Captured, merge_entry, recording_key, slug, to_entry
from mockapi.recording.placement import Placement, polled, unwritten
from mockapi.recording.turns import Turn, Turns
from mockapi.recording.upstream import Upstream, UpstreamResponse
from mockapi.wire.headers import OPENAI_HEADERS
from mockapi.wire.sse import SSEDecoder

log = logging.getLogger("mockapi.recording.recorder")

# Terminal events of a stream: without one, a stream is treated as cut short.
# (Responses; streamed transcriptions, speech and images, which send no [DONE].)
_TERMINAL_TYPES = frozenset(
    {
        "response.completed",
        "response.failed",
        "response.incomplete",
        "transcript.text.done",
        "speech.audio.done",
        "image_generation.completed",
        "image_edit.completed",
    }
)


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
    ``once`` records only if nothing is recorded yet: ``recorded`` says so (a test's
    cassette exists), or else the recording directory is looked at now. Raises
    ValueError for a mode that records when there is no recorder (no upstream).
    """
    if mode is not RecordMode.NONE and recorder is None:
        raise ValueError(f"record mode {mode.value!r} needs an upstream")
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
        self._written = 0
        self._unsaved = 0
        self._failing = False
        self._last_error: str | None = None
        self.cassette: Path | None = None
        self._cassette_test = ""
        self._fresh_cassette = False

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
        if recorded is not None:
            found = await self._take_turn(request, recorded)
            if isinstance(found, Response):
                return found
            turn = found
        try:
            answer = await self.upstream.open(request)
        except BaseException:
            if turn is not None:
                turn.release()
            raise
        headers = {k.lower(): v for k, v in answer.headers if k.lower() in _RELAYED_HEADERS}
        body = self._relay(request, answer, turn)
        if turn is not None:
            # A body never iterated (the client left before it started) still gives the
            # turn back, or the requests waiting for it would wait for ever.
            weakref.finalize(body, turn.release)
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

        if self.cassette is not None:
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
        self, request: Request, answer: UpstreamResponse, turn: Turn | None
    ) -> AsyncIterator[bytes]:
        is_sse = answer.content_type.startswith("text/event-stream")
        decoder = SSEDecoder()
        events: list[SSEEvent] = []
        body = bytearray()
        last = time.monotonic()
        outcome = "client disconnected"
        try:
            async for chunk in answer.chunks():
                # Capture before relaying: a client that hangs up as soon as it reads
                # [DONE] cancels us at the yield, and the stream was complete all the same.
                now = time.monotonic()
                if is_sse:
                    decoded = decoder.feed(chunk)
                    for index, event in enumerate(decoded):
                        gap = now - last if index == 0 else 0.0
                        events.append(SSEEvent(event.data, event.event, round(gap, 4)))
                    if decoded:
                        last = now
                else:
                    body.extend(chunk)
                yield chunk
            if is_sse:
                events.extend(decoder.close())
            outcome = "complete" if not is_sse or _finished(events) else "incomplete"
        except UpstreamStreamError as exc:
            outcome = f"upstream broke off ({exc})"
            # Cut the client's connection too, as the upstream cut ours: ending the
            # body cleanly would pass a truncated stream off as a complete one.
            raise
        finally:
            if outcome == "client disconnected" and is_sse and _finished(events):
                outcome = "complete"  # the client left after the last event: nothing lost
            # Shielded: a client that went away cancels this task, but the upstream
            # response must still be released and a finished recording still written.
            with anyio.CancelScope(shield=True):
                try:
                    await answer.close()
                    if outcome == "complete":
                        captured = events if is_sse else None
                        await anyio.to_thread.run_sync(
                            self._save, request, answer, bytes(body), captured
                        )
                except Exception:  # a bug: say so, but never cut an answer already sent
                    log.exception(
                        "could not record %s %s (a mockapi bug: please report it)",
                        request.method,
                        request.path,
                    )
                finally:
                    if turn is not None:
                        turn.release()  # after on_saved: the waiters find the recording
            if outcome != "complete":
                log.warning(
                    "not recording %s %s: %s after %d events",
                    request.method,
                    request.path,
                    outcome,
                    len(events),
                )

    # -- persisting ----------------------------------------------------------------------

    def _save(
        self,
        request: Request,
        answer: UpstreamResponse,
        body: bytes,
        events: list[SSEEvent] | None,
    ) -> None:
        where = f"{request.method} {request.path}"
        if answer.status >= 400 and not self.record_errors:
            log.info("not recording %s: status %d", where, answer.status)
            return
        captured = Captured(
            request.method,
            request.path,
            request.json,
            answer.status,
            dict(answer.headers),
            answer.content_type,
            body,
            events,
            files=request.files,
        )
        meta = {
            "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "upstream": redaction.scrub_text(self.upstream.base_url, self.rules),
            "mockapi": __version__,
        }
        cassette = self.cassette
        files: dict[str, bytes] = {}
        try:
            entry, key = to_entry(
                captured,
                meta=meta,
                rules=self.rules,
                hooks=self.hooks,
                files=files,
                file_stem=cassette.stem if cassette is not None else None,
            )
        except NotRecordable as exc:
            log.warning("not recording %s: %s", where, exc)
            return
        folder = cassette.parent if cassette is not None else self.directory / slug(request.path)
        target = cassette if cassette is not None else folder / f"{key}.yaml"
        try:
            for name, data in files.items():  # first: the fixture must never name a missing file
                store.write_body_file(folder / name, data)
            if cassette is not None:
                entry, source = self._append(cassette, entry, collapse=polled(request.method))
            else:
                replace = self.mode is RecordMode.ALL
                entry, source = self.placement.write(
                    slug(request.path), key, entry, replace=replace
                )
        except (OSError, FixtureError) as exc:
            # The answer has been relayed already: keep the recording for this run.
            problem = unwritten(where, target, exc)
            with self._lock:
                self._unsaved += 1
                self._failing = True
                self._last_error = problem
                # Named after the file it was to be (a test's cassette recordings go with
                # their test), marked as in memory only.
                source = f"{target}#unsaved-{self._unsaved}"
            log.error("%s", problem)
            self._saved(parse_entry(entry, source, body_files=files.__getitem__))
            return
        with self._lock:
            self._written += 1
            self._failing = False
        written = Path(source.rpartition("#")[0])
        self._saved(parse_entry(entry, source, body_files=store.body_reader(written)))
        log.info("recorded %s -> %s", where, source)

    def _saved(self, fixture: Fixture) -> None:
        self.on_saved([fixture])
        self.on_answered(fixture)

    def health(self) -> dict[str, Any]:
        """How recording goes: ``state`` (``ok``, or ``failing`` while the last recording
        could not be written), how many recordings were ``written`` and how many are
        ``unsaved`` (answered from memory only, lost when the server stops), and the
        ``last_error``, if any, as it was logged."""
        with self._lock:
            return {
                "state": "failing" if self._failing else "ok",
                "written": self._written,
                "unsaved": self._unsaved,
                "last_error": self._last_error,
            }

    def use_cassette(self, path: Path | None, *, test: str = "", fresh: bool = False) -> None:
        """Record into the one file ``path`` (test ``test``'s cassette), not one per request.

        ``fresh`` empties the cassette at the first recording (record mode ``all``).
        """
        with self._lock:
            self.cassette = path
            self._cassette_test = test
            self._fresh_cassette = fresh

    def _append(
        self, path: Path, entry: dict[str, Any], *, collapse: bool
    ) -> tuple[dict[str, Any], str]:
        """Add ``entry`` to the cassette; the same request again extends a sequence
        (``collapse``: unless it answered as the last time, see ``merge_entry``)."""

        def change(document: dict[str, Any]) -> tuple[dict[str, Any], int]:
            fixtures = document.pop("fixtures", None)
            fixtures = fixtures if isinstance(fixtures, list) else []
            document["test"] = self._cassette_test  # keeps it out of other tests' library
            document["fixtures"] = fixtures
            if self._fresh_cassette:
                fixtures.clear()
                self._fresh_cassette = False
            index = merge_entry(fixtures, entry, collapse=collapse)
            return fixtures[index], index

        final, index = store.update_document(path, change)
        return final, f"{path}#{index}"


_RELAYED_HEADERS = frozenset({"content-type", *OPENAI_HEADERS})
"""What the client gets of the upstream's headers: the OpenAI ones, and the media type
(framing, cookies and the CDN's headers are the upstream's business)."""


def _finished(events: list[SSEEvent]) -> bool:
    for event in reversed(events):
        if event.is_done:
            return True
        kind = event.data.get("type") if isinstance(event.data, dict) else None
        if kind in _TERMINAL_TYPES or event.event in _TERMINAL_TYPES:
            return True
    return False
