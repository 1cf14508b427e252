"""Memoized replays: a literal fixture's answer to exact request bytes, kept so that the
same request again is answered without parsing, validating, matching or rendering.

A test suite and a frontend send the same request over and over; when the answer is a
fixture's literal response (no template, no sequence, no ``times``, no fault) to a key
the mock never issued (so that nothing can revoke it), that answer is a function of the
request's bytes and of what the server was told (its fixtures, its settings). The
replay flow says when it is (:func:`memoizable`) and hands back a :class:`Memo`; the
web layer keeps it under the request's bytes and, for the same bytes again, asks
:meth:`~mockapi.replay.engine.Replayer.replay` to account for the answer (the journal,
the fixture's use count, the usage ledger) before sending the kept bytes with a fresh
``x-request-id``.

A memo is only as good as its ``generation``: the replayer counts every change to
what it serves (fixtures added or removed, a reset, a record mode, a rate limit), and a
memo of another generation is dropped. Fault rules, a server rate limit and project
rate limits are looked at on every replay instead (they change outside the replayer's
methods, or in the shared state store). Pure: no I/O, no web framework.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockapi.endpoints.admin.ledger import Row
from mockapi.endpoints.endpoint import Endpoint
from mockapi.library.fixture import Fixture, FixtureResponse
from mockapi.model import Request, Response
from mockapi.replay.journal import JournalEntry

__all__ = ["Memo", "memoizable"]

PER_REQUEST_HEADERS = frozenset({"x-request-id", "openai-processing-ms"})
"""Headers that differ on every answer: never part of what is kept."""


@dataclass(frozen=True, slots=True)
class Memo:
    """What answering one request again takes: the answer (without its per-request
    headers) and what to account for it."""

    generation: int
    source: str
    """The fixture's source, whose use count each replay adds one to."""
    entry: JournalEntry
    """The journal entry (prepared: :func:`~mockapi.replay.journal.prepare`), whose
    ``seq`` and ``time`` each replay fills in."""
    entry_size: int
    usage: tuple[Row, ...]
    """What each answer adds to the usage ledger (:func:`~mockapi.endpoints.admin.ledger.add`)."""


def memoizable(
    request: Request,
    endpoint: Endpoint | None,
    fixture: Fixture,
    answer: FixtureResponse,
    response: Response,
) -> bool:
    """Whether ``response``, the fixture's answer to ``request``, is what the same bytes
    will be answered with every time (the server's own conditions aside: faults,
    limits, plugins, its key checks; the replayer looks at those)."""
    return (
        response.status == 200
        and response.events is None
        and fixture.times is None
        and fixture.fault is None
        and len(fixture.responses) == 1
        and answer.template is None
        and answer.fault is None
        and endpoint is not None
        and _pinned(endpoint, answer, request)
        and endpoint.amend is None
        and (endpoint.remember is None or _forgotten(endpoint, request))
        and not request.is_form
        and not any(name.startswith("x-mockapi-") for name in request.headers)
    )


def _forgotten(endpoint: Endpoint, request: Request) -> bool:
    """Whether the endpoint's ``remember`` keeps nothing of an answer to ``request``."""
    return endpoint.remembers is not None and not endpoint.remembers(request.json)


def _pinned(endpoint: Endpoint, answer: FixtureResponse, request: Request) -> bool:
    """Whether the endpoint's shape completes ``answer`` alike every time (no fresh id
    or time); an endpoint without a shape sends the fixture as written."""
    shape = endpoint.shape
    if shape is None:
        return True
    pinned = getattr(shape, "pinned", None)
    body = request.json if isinstance(request.json, dict) else {}
    return pinned is not None and answer.events is None and bool(pinned(answer.body, body))
