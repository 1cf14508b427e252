"""The server's webhook endpoints, and where their events go.

:class:`Webhooks` is the replay layer's part of webhook delivery: the endpoints
configured (``--webhook-url``/``--webhook-secret``, the admin API, a test's marker or
handle), changeable at run time, and the *outbox* the web layer attaches
(:class:`mockapi.web.webhooks.Sender`: signs, POSTs, retries, journals). The endpoints
reach it through ``Context.notify`` (:meth:`Webhooks.notifier`), so nothing below the
web layer does I/O.

Secrets stay here and in the outbox: :meth:`Webhooks.urls` is what may be shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from mockapi.endpoints.endpoint import Deliver, Notify
from mockapi.errors import MockapiError
from mockapi.wire import webhooks
from mockapi.wire.webhooks import Target


class Outbox(Protocol):
    """Where events go: queued for delivery without waiting (the web layer's sender)."""

    def submit(self, target: Target, event: dict[str, Any]) -> None:
        """Queue ``event`` for ``target``; never blocks, never raises for the receiver."""
        ...

    def cancel(self) -> None:
        """Drop the deliveries not yet done (a reset: their test is over)."""
        ...

    def deliver_now(self, target: Target, event: dict[str, Any]) -> int:
        """One signed attempt of ``event`` to ``target``, waited for: the receiver's
        HTTP status, 0 when it was not reached (journaled like any attempt)."""
        ...


class Subscribers(Protocol):
    """The webhook endpoints registered through the API, as the state store holds them."""

    def any(self) -> bool:
        """Whether any endpoint is registered."""
        ...

    def of(self, event_type: str) -> tuple[Target, ...]:
        """The endpoints subscribed to ``event_type``."""
        ...


class Webhooks:
    """The webhook endpoints of one server (see the module docstring)."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._targets = checked(pairs)
        self._outbox: Outbox | None = None
        self.subscribers: Subscribers | None = None
        """The endpoints registered through the API (``POST /v1/webhook_endpoints``)
        for an event type, in the state store; set by the replayer."""

    @property
    def targets(self) -> tuple[Target, ...]:
        return self._targets

    def urls(self) -> list[str]:
        """Where events go, in order: what may be shown (the secrets may not)."""
        return [target.url for target in self._targets]

    def set(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Send events to ``pairs`` (``(url, secret)``) from now on, instead of the
        endpoints before; MockapiError naming a bad URL or secret (nothing changes)."""
        self._targets = checked(pairs)  # one assignment: readers see old or new, whole

    def attach(self, outbox: Outbox) -> None:
        """Deliver through ``outbox`` (the web layer's sender)."""
        self._outbox = outbox

    def notifier(self) -> Notify | None:
        """What a request's ``Context.notify`` is: :meth:`notify`, or None while there
        is no endpoint (so the endpoints build no event at all)."""
        if self._targets or (self.subscribers is not None and self.subscribers.any()):
            return self.notify
        return None

    def notify(self, event: dict[str, Any]) -> None:
        """Queue ``event`` for every configured endpoint, and every endpoint registered
        through the API for its type (nothing without an outbox attached)."""
        outbox = self._outbox
        if outbox is None:
            return
        registered = self.subscribers.of(str(event.get("type"))) if self.subscribers else ()
        for target in (*self._targets, *registered):
            outbox.submit(target, event)

    def deliverer(self) -> Deliver | None:
        """What a request's ``Context.deliver`` is: one attempt now, through the outbox
        (None without one)."""
        outbox = self._outbox
        if outbox is None:
            return None

        def deliver(url: str, secret: str, event: dict[str, Any]) -> int:
            return outbox.deliver_now(webhooks.target(url, secret), event)

        return deliver

    def cancel(self) -> None:
        """Drop the deliveries still pending (the endpoints stay)."""
        if self._outbox is not None:
            self._outbox.cancel()


def checked(pairs: Iterable[tuple[str, str]]) -> tuple[Target, ...]:
    """``pairs`` as targets, each URL and secret checked; MockapiError naming the first
    bad one (by its URL: never the secret)."""
    found = []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise MockapiError(f"a webhook is a (url, secret) pair, got {type(pair).__name__}")
        url, secret = pair
        if not isinstance(url, str) or not isinstance(secret, str):
            raise MockapiError("a webhook's url and secret are strings")
        try:
            found.append(webhooks.target(url, secret))
        except ValueError as exc:
            raise MockapiError(str(exc)) from None
    return tuple(found)
