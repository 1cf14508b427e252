"""Webhook delivery: the signed POSTs of finished jobs' events, in the background.

:class:`Sender` is the outbox :class:`mockapi.replay.webhooks.Webhooks` hands events
to. It never holds up an answer: :meth:`Sender.submit` only schedules the delivery on
the sender's own event loop (one daemon thread, started on the first event, with one
``httpx.AsyncClient``), so a receiver that is slow, down or answering errors costs
the API's clients nothing. Deliveries run concurrently; at most
:attr:`Schedule.max_pending` wait at once, and an event past that is dropped (said in
the journal and the log) rather than queued without bound.

**Retries.** The API retries a delivery that is not answered 2xx within a few seconds
(a redirect is not followed: it counts as a failure) with exponential backoff for up
to 72 hours. The mock keeps the rule and shortens the schedule to seconds
(:data:`DEFAULT_RETRY_DELAYS`: 5 attempts, 0.5 s, 1 s, 2 s and 4 s apart;
``--webhook-retry-delays``), so a test sees its handler's retry path. Each attempt is
signed afresh (the SDK refuses a ``webhook-timestamp`` over 5 minutes old) under the
same ``webhook-id``.

**The journal** gets one entry per attempt (outcome ``webhook``): ``POST`` to the
receiver's URL, the event as body, the receiver's status (0: not reached) and a report
saying which attempt it was and what comes next; so the inspector and the pytest
handle show every delivery. Never the secret: it lives only in the target the
deliveries are signed with. A reset (:meth:`Sender.cancel`) drops the deliveries
still pending: the test they belonged to is over, and its receiver with it.

This is the second importer of ``httpx`` (after :mod:`mockapi.recording.upstream`):
delivery is the server's own outgoing I/O, at the edge with the rest of the web
layer, and shares nothing with the recorder's upstream client (no redaction, no
streaming, its own timeouts).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockapi.config import DEFAULT_WEBHOOK_RETRY_DELAYS
from mockapi.replay.journal import Journal, JournalEntry, Outcome
from mockapi.wire import webhooks
from mockapi.wire.webhooks import Target

if TYPE_CHECKING:
    import httpx  # imported by the sender's thread: a session that sends none skips it (~0.1 s)

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = DEFAULT_WEBHOOK_RETRY_DELAYS
"""Seconds between attempts: 5 attempts in all, each wait twice the one before."""
DEFAULT_TIMEOUT = 5.0
"""Seconds a receiver has to answer one attempt ("within a few seconds")."""
DEFAULT_MAX_PENDING = 1000
"""Deliveries waiting at once, past which new events are dropped."""


@dataclass(frozen=True)
class Schedule:
    """How deliveries are attempted."""

    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    """The wait before each retry; ``()``: one attempt only."""
    timeout: float = DEFAULT_TIMEOUT
    max_pending: int = DEFAULT_MAX_PENDING

    def __post_init__(self) -> None:
        if any(delay < 0 for delay in self.retry_delays):
            raise ValueError(f"retry delays are seconds >= 0, got {self.retry_delays!r}")
        if self.timeout <= 0 or self.max_pending < 1:
            raise ValueError(
                f"a webhook timeout is > 0 and max_pending >= 1, got {self.timeout}, "
                f"{self.max_pending}"
            )

    @property
    def attempts(self) -> int:
        return len(self.retry_delays) + 1


class Sender:
    """Delivers events in the background (see the module docstring)."""

    def __init__(self, journal: Journal, *, schedule: Schedule | None = None) -> None:
        self._journal = journal
        self.schedule = schedule or Schedule()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._pending: set[concurrent.futures.Future[None]] = set()
        self._generation = 0
        self._closed = False

    # -- what the replay layer calls -------------------------------------------------

    def submit(self, target: Target, event: dict[str, Any]) -> None:
        """Schedule the delivery of ``event`` to ``target``; returns at once."""
        with self._lock:
            if self._closed:
                log.warning("webhook %s to %s not sent: stopping", event.get("type"), target.url)
                return
            if len(self._pending) >= self.schedule.max_pending:
                full = f"dropped: {len(self._pending)} deliveries are pending already"
                self._record(target.url, event, 0, full)
                log.warning("webhook %s to %s %s", event.get("type"), target.url, full)
                return
            loop = self._started()
            delivery = self._deliver(target, event, self._generation)
            future = asyncio.run_coroutine_threadsafe(delivery, loop)
            self._pending.add(future)
        future.add_done_callback(self._finished)

    def deliver_now(self, target: Target, event: dict[str, Any]) -> int:
        """One attempt of ``event`` to ``target``, waited for (at most the schedule's
        timeout): the receiver's status, 0 when not reached; journaled. Never called on
        the sender's own loop (a request's thread calls it)."""
        with self._lock:
            loop = self._started()
        attempt = self._attempt(target, event)
        future = asyncio.run_coroutine_threadsafe(attempt, loop)
        return future.result(timeout=self.schedule.timeout + 5)

    async def _attempt(self, target: Target, event: dict[str, Any]) -> int:
        import httpx

        client = self._client
        assert client is not None, "the loop's thread creates the client first"
        body = webhooks.encode(event)
        msg_id = webhooks.message_id(str(event.get("id")), target.url)
        now = int(time.time())
        signed = webhooks.headers(target.secret, msg_id=msg_id, timestamp=now, body=body)
        try:
            answer = await client.post(
                target.url, content=body, headers=signed, timeout=self.schedule.timeout
            )
        except httpx.HTTPError as exc:
            said = f"test delivery: not reached ({type(exc).__name__})"
            self._record(target.url, event, 0, said)
            return 0
        status = answer.status_code
        self._record(target.url, event, status, f"test delivery: HTTP {status}")
        return status

    def cancel(self) -> None:
        """Drop every delivery not yet done; none of them is journaled from now on."""
        with self._lock:
            self._generation += 1
            pending = list(self._pending)
        for future in pending:
            future.cancel()

    # -- for tests and shutdown ------------------------------------------------------

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until no delivery is pending (each done, given up or dropped); whether
        that happened within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            concurrent.futures.wait(pending, timeout=left)

    def close(self) -> None:
        """Drop what is pending and stop the sender's thread (the server stops)."""
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
        self.cancel()
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)

    # -- the deliveries ------------------------------------------------------------------

    def _started(self) -> asyncio.AbstractEventLoop:
        """The sender's loop, its thread started on first use (under ``_lock``)."""
        if self._loop is not None:
            return self._loop
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            import httpx

            asyncio.set_event_loop(loop)
            self._client = httpx.AsyncClient(follow_redirects=False)
            ready.set()
            try:
                loop.run_forever()
            finally:  # stopped by close(): end what is left, then the client
                left = asyncio.all_tasks(loop)
                for task in left:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
                loop.run_until_complete(self._client.aclose())
                loop.close()

        thread = threading.Thread(target=run, name="mockapi-webhooks", daemon=True)
        thread.start()
        ready.wait()
        self._loop, self._thread = loop, thread
        return loop

    def _finished(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("webhook delivery failed on a mockapi bug", exc_info=future.exception())

    async def _deliver(self, target: Target, event: dict[str, Any], generation: int) -> None:
        """Every attempt of one event to one receiver, until one is answered 2xx."""
        import httpx

        client = self._client
        assert client is not None, "the loop's thread creates the client first"
        body = webhooks.encode(event)
        msg_id = webhooks.message_id(str(event.get("id")), target.url)
        attempts = self.schedule.attempts
        for attempt in range(1, attempts + 1):
            signed = webhooks.headers(
                target.secret, msg_id=msg_id, timestamp=int(time.time()), body=body
            )
            status, problem = 0, ""
            try:
                answer = await client.post(
                    target.url, content=body, headers=signed, timeout=self.schedule.timeout
                )
                status = answer.status_code
            except httpx.HTTPError as exc:
                problem = f"not reached ({type(exc).__name__}: {str(exc) or 'no detail'})"
            if generation != self._generation:
                return  # reset meanwhile: this delivery belonged to a test that is over
            done = 200 <= status < 300
            said = f"HTTP {status}" if status else problem
            where = f"attempt {attempt} of {attempts}"
            if done:
                self._record(target.url, event, status, f"delivered, {said} ({where})")
                return
            if attempt == attempts:
                self._record(target.url, event, status, f"{said} ({where}); giving up")
                log.warning("webhook %s to %s: %s; gave up", event.get("type"), target.url, said)
                return
            delay = self.schedule.retry_delays[attempt - 1]
            self._record(target.url, event, status, f"{said} ({where}); retrying in {delay:g} s")
            await asyncio.sleep(delay)

    def _record(self, url: str, event: dict[str, Any], status: int, what: str) -> None:
        """One journal entry about a delivery of ``event`` to ``url``."""
        report = f"webhook {event.get('type')} {event.get('id')}: {what}"
        self._journal.append(
            JournalEntry(
                seq=self._journal.next_seq(),
                time=time.time(),
                method="POST",
                path=url,
                body=event,
                status=status,
                outcome=Outcome.WEBHOOK,
                report=report,
            )
        )
