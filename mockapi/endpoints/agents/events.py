"""A session's event log and the live stream that follows it.

Every event a session sends (``agent.session.*``, ``agent.session.turn.*``) is appended
to its log in the state store (kind :data:`~mockapi.endpoints.agents.stored.LOGS`), so
each worker sharing the store sees it. ``GET /v1/agents/sessions/{id}/events`` answers a
:class:`~mockapi.model.LiveEvents`: first the session's current state (an
``agent.session.idle``, ``in_progress``, ``requires_action`` or ``failed`` event with the
session), then, as they are logged, the events of the turns that input posted meanwhile
starts (the SDK's ``sessions.stream`` subscribes first and posts its input after).

Where the real connection stays open until the client leaves, the mock's ends once a
turn that began on it has ended and the session is idle again (or failed), or after
:data:`QUIET_SECONDS` of wall time with nothing new, so a test that forgets to post
input is not held forever. Assumed: the API sends the current state first (the SDK's
stream helper expects an initial idle event), and ``obfuscation`` padding is not sent
(``include_obfuscation`` is accepted; the padding is optional in every event type).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import stored
from mockapi.endpoints.endpoint import Context
from mockapi.model import SSEEvent
from mockapi.state.store import StateStore

QUIET_SECONDS = 10.0
"""How long a followed stream waits for a new event before it ends (wall time)."""
POLL_SECONDS = 0.02
_TURN_ENDS = frozenset(
    {"agent.session.turn.completed", "agent.session.turn.failed", "agent.session.turn.cancelled"}
)
_STATUS_EVENTS = {
    "idle": "agent.session.idle",
    "in_progress": "agent.session.in_progress",
    "requires_action": "agent.session.requires_action",
    "failed": "agent.session.failed",
    "budget_reached": "agent.session.budget_reached",
}


class Log:
    """The events one request adds to a session's log, each with a fresh ``event_id``."""

    def __init__(self, ctx: Context, session_id: str) -> None:
        self._ctx = ctx
        self.session_id = session_id
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, "event_id": objects.new_id(self._ctx, "evt_"), **fields}
        self.events.append(event)
        return event

    def status(self, session: Mapping[str, Any]) -> dict[str, Any]:
        """The event announcing ``session``'s status, with the session."""
        return self.add(_STATUS_EVENTS[str(session["status"])], session=dict(session))

    def publish(self) -> None:
        """Append this request's events to the session's log."""
        if not self.events:
            return
        added = list(self.events)

        def append(log: dict[str, Any]) -> dict[str, Any]:
            return {**log, "events": [*log.get("events", []), *added]}

        self._ctx.state.update(
            stored.LOGS, self.session_id, append, start={"id": self.session_id, "events": []}
        )


def as_sse(event: Mapping[str, Any]) -> SSEEvent:
    return SSEEvent(dict(event), event=str(event["type"]))


def logged(state: StateStore, session_id: str) -> list[dict[str, Any]]:
    log = state.get(stored.LOGS, session_id)
    return list(log.get("events", [])) if isinstance(log, dict) else []


def follow(
    state: StateStore, session_id: str, start: int, *, quiet: float = QUIET_SECONDS
) -> Iterator[SSEEvent | None]:
    """The session's events logged from index ``start`` on, as they come (blocking
    between them, a None after each wait: the web layer runs this off its event loop),
    until a turn that began
    here has ended and the session is idle (or failed), the session is gone, or
    ``quiet`` seconds pass with nothing new."""
    cursor = start
    began = ended = False
    last = time.monotonic()
    while True:
        if state.get(stored.SESSIONS, session_id) is None:
            return
        fresh = logged(state, session_id)[cursor:]
        for event in fresh:
            cursor += 1
            kind = event.get("type")
            turn = event.get("turn")
            root = not (isinstance(turn, dict) and turn.get("subagent_id"))
            if kind == "agent.session.turn.created" and root:
                began = True
            elif kind in _TURN_ENDS and root and began:
                ended = True
            yield as_sse(event)
            if kind == "agent.session.failed" or (kind == "agent.session.idle" and ended):
                return
        if fresh:
            last = time.monotonic()
        elif time.monotonic() - last > quiet:
            return
        time.sleep(POLL_SECONDS)
        yield None  # nothing yet: the web layer may stop here if the client has left
