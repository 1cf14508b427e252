"""The miss report: the text a request that matched no fixture gets back.

Names the request (model, last user message), the closest fixtures and, for each,
every field that differed, then says what to do next. The pytest plugin raises the
same text in the test that caused the miss.
"""

from __future__ import annotations

from mockapi.matching.diff import TRUNCATE, plural, render
from mockapi.matching.index import NearMiss
from mockapi.matching.messages import messages_of
from mockapi.model import Request

__all__ = ["MAX_SHOWN", "format_report"]


MAX_SHOWN = 5
"""Differences listed per near miss; the rest are counted."""

_ADVICE = (
    "Add a fixture for this request, loosen a matcher (partial_body, content, ignore), "
    "or run with --on-miss synthesize."
)


def format_report(request: Request, near: list[NearMiss], *, total: int) -> str:
    """The text of a miss: the request, the closest fixtures and what differed, advice.

    Deterministic for the same inputs; values are cut at 80 characters with "…".
    """
    method = request.method.upper()
    head = f"No fixture matched {method} {request.path}{_summary(request)}."
    if total == 0:
        return f"{head} No fixtures are loaded.\n{_ADVICE}"
    if not near:
        return f"{head} {plural(total, 'fixture')} loaded, none of them close.\n{_ADVICE}"
    closest = "The closest" if len(near) == 1 else f"{len(near)} closest"
    of = f"of {plural(total, 'fixture')}:"
    if all((n.fixture.method.upper(), n.fixture.path) != (method, request.path) for n in near):
        intro = f"No fixture is on {method} {request.path}; {closest.lower()} {of}"
    else:
        intro = f"{closest} {of}"
    lines = [f"{head} {intro}"]
    for number, miss in enumerate(near, 1):
        fixture = miss.fixture
        label = fixture.name
        if fixture.name != fixture.source:
            label += f" ({fixture.source})"
        shown = [str(d) for d in miss.differences[:MAX_SHOWN]]
        if len(miss.differences) > MAX_SHOWN:
            shown.append(f"and {len(miss.differences) - MAX_SHOWN} more")
        lines.append(f"{number}. {label}: {'; '.join(shown) or 'no field differs'}")
    lines.append(_ADVICE)
    return "\n".join(lines)


def _summary(request: Request) -> str:
    """`` (model gpt-4o, last user message "...")`` from the body, or nothing."""
    facts: list[str] = []
    body = request.json
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        model = body["model"]
        facts.append(f"model {model if len(model) <= TRUNCATE else model[: TRUNCATE - 1] + '…'}")
    users = [m for m in messages_of(body) if m.role == "user"]
    if users:
        last = users[-1]
        what = last.field.split("[")[0]
        what = "last user message" if what == "messages" else what
        facts.append(f"{what} {render(last.text)}")
    return f" ({', '.join(facts)})" if facts else ""
