"""A job's events and checkpoints, as the state store keeps them and the API lists them.

Each job's events are one list (kind :data:`EVENTS`, by the job's id), oldest first,
appended to at each step; ``GET .../events`` pages them newest first (``after``,
``limit`` 20 by default), as the API lists them. An event is a
``fine_tuning.job.event``: ``level`` (``info``, ``warn``, ``error``), ``message``,
``type`` (``message``, or ``metrics`` with the step's numbers in ``data``). Its id is
``ftevent-`` and 24 letters and digits fixed by the job's id and the event's place, so
a job's events have the same ids on every run under a seed, without a counter.

Checkpoints (kind :data:`CHECKPOINTS`, by the job's id) are written when the job
succeeds: one at the end of each of its last three epochs (fewer epochs: fewer), as the
API keeps them; ``GET .../checkpoints`` pages them newest first (``limit`` 10 by
default). Ids ``ftckpt_`` and 24 letters and digits, fixed like the events'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Context
from mockapi.state.store import StateStore

EVENTS = "fine_tuning.events"
"""The state store kind of each job's event list, by job id."""
CHECKPOINTS = "fine_tuning.checkpoints"
"""The state store kind of each job's checkpoint list, by job id."""
KEPT_CHECKPOINTS = 3
"""Checkpoints kept: the last epochs' (the API keeps three)."""


@dataclass(frozen=True)
class Event:
    """An event to append: its message, level, type and data."""

    message: str
    level: str = "info"
    type: str = "message"
    data: dict[str, Any] = field(default_factory=dict)


def derived_id(prefix: str, job_id: str, what: str, number: int) -> str:
    """``prefix`` and 24 letters and digits fixed by the job, ``what`` and ``number``."""
    digest = hashlib.sha256(f"{job_id}:{what}:{number}".encode()).digest()
    return prefix + objects.base62(digest, 24)


def append(ctx: Context, job_id: str, *added: Event) -> None:
    """Append ``added`` to the job's events (atomically: workers may step one job)."""
    now = ctx.clock.seconds()

    def extend(current: Any) -> Any:
        kept = list(current) if isinstance(current, list) else []
        for event in added:
            kept.append(
                {
                    "object": "fine_tuning.job.event",
                    "id": derived_id("ftevent-", job_id, "event", len(kept)),
                    "created_at": now,
                    "level": event.level,
                    "message": event.message,
                    "data": dict(event.data),
                    "type": event.type,
                }
            )
        return kept

    ctx.state.update(EVENTS, job_id, extend, start=[])


def events(state: StateStore, job_id: str) -> list[dict[str, Any]]:
    """The job's events, oldest first."""
    found = state.get(EVENTS, job_id)
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def page_events(ctx: Context, job_id: str) -> dict[str, Any]:
    """The ``list`` of the job's events for the request's ``after`` and ``limit``."""
    return objects.list_items(ctx, events(ctx.state, job_id))


def checkpoint(
    job_id: str, name: str, step: int, metrics: dict[str, float], *, created_at: int
) -> dict[str, Any]:
    """A ``fine_tuning.job.checkpoint`` taken at ``step``, named ``name``."""
    return {
        "object": "fine_tuning.job.checkpoint",
        "id": derived_id("ftckpt_", job_id, "checkpoint", step),
        "created_at": created_at,
        "fine_tuned_model_checkpoint": name,
        "fine_tuning_job_id": job_id,
        "metrics": metrics,
        "step_number": step,
    }


def keep_checkpoints(ctx: Context, job_id: str, taken: Sequence[dict[str, Any]]) -> None:
    """Keep ``taken`` (oldest first) as the job's checkpoints."""
    ctx.state.put(CHECKPOINTS, job_id, list(taken))


def page_checkpoints(ctx: Context, job_id: str) -> dict[str, Any]:
    """The ``list`` of the job's checkpoints, newest first, 10 to a page by default."""
    found = ctx.state.get(CHECKPOINTS, job_id)
    kept = [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []
    return objects.list_items(ctx, kept, default_limit=10)


def checkpoint_steps(per_epoch: int, epochs: int) -> list[int]:
    """The steps checkpoints are taken at: the end of each of the last epochs."""
    first = max(1, epochs - KEPT_CHECKPOINTS + 1)
    return [per_epoch * epoch for epoch in range(first, epochs + 1)]
