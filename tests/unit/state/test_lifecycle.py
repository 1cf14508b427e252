"""The pure job machine: which status a job moves to next, and the x-mockapi-job plans."""

from __future__ import annotations

import pytest

from mockapi.state.lifecycle import Control, Lifecycle, Plan, next_status, parse_plan

BATCH = Lifecycle(
    kind="batches",
    path=("validating", "in_progress", "completed"),
    fails_from="validating",
    expires_from="in_progress",
)


def _next(
    status: str,
    control: Control | None = None,
    *,
    now: float = 0.0,
    expires_at: float | None = None,
) -> str | None:
    return next_status(
        BATCH, status, control or Control("batch_1", "batches"), now=now, expires_at=expires_at
    )


def test_a_job_walks_its_path_one_step_at_a_time_and_stops_at_an_end() -> None:
    assert _next("validating") == "in_progress"
    assert _next("in_progress") == "completed"
    for end in ("completed", "failed", "expired", "cancelled"):
        assert _next(end) is None


def test_cancelling_becomes_cancelled_even_when_held() -> None:
    held = Control("batch_1", "batches", held=True)
    assert _next("cancelling", held) == "cancelled"


def test_the_clock_past_expires_at_expires_any_unfinished_job_held_or_not() -> None:
    held = Control("batch_1", "batches", held=True)
    assert _next("in_progress", held, now=100.0, expires_at=100.0) == "expired"
    assert _next("validating", now=100.0, expires_at=99.0) == "expired"
    assert _next("in_progress", now=99.0, expires_at=100.0) == "completed"
    assert _next("completed", now=200.0, expires_at=100.0) is None  # finished stays finished


def test_a_held_job_does_not_move() -> None:
    held = Control("batch_1", "batches", held=True)
    assert _next("validating", held) is None
    assert _next("in_progress", held.release()) == "completed"


def test_a_planned_failure_replaces_the_step_out_of_fails_from() -> None:
    failing = Control("batch_1", "batches", Plan("fail", "token_limit_exceeded"))
    assert _next("validating", failing) == "failed"
    # Past that status (a test planned it late), the job goes on normally.
    assert _next("in_progress", failing) == "completed"


def test_a_planned_expiry_replaces_the_step_out_of_expires_from() -> None:
    expiring = Control("batch_1", "batches", Plan("expire"))
    assert _next("validating", expiring) == "in_progress"
    assert _next("in_progress", expiring) == "expired"


def test_stuck_is_a_job_created_held_that_completes_once_released() -> None:
    control = Control.planned("batch_1", "batches", Plan("stuck"))
    assert control.held and control.plan.outcome == "complete"
    assert _next("validating", control) is None
    assert _next("validating", control.release()) == "in_progress"


def test_control_round_trips_through_json() -> None:
    control = Control("batch_1", "batches", Plan("fail", "x", "why"), held=True)
    assert Control.from_json(control.to_json()) == control
    assert Control.from_json({"id": "b", "kind": "batches"}) == Control("b", "batches")


def test_an_unknown_status_names_the_path() -> None:
    with pytest.raises(ValueError, match="'running' is not one of"):
        _next("running")


def test_a_lifecycle_refuses_statuses_off_its_path() -> None:
    with pytest.raises(ValueError, match="'queued' is not a status"):
        Lifecycle("jobs", ("validating", "done"), fails_from="queued", expires_from="validating")
    with pytest.raises(ValueError, match="a start and an end"):
        Lifecycle("jobs", ("done",), fails_from="done", expires_from="done")
    assert BATCH.terminal == {"completed", "failed", "expired", "cancelled"}
    assert BATCH.start == "validating" and BATCH.done == "completed"


@pytest.mark.parametrize(
    ("header", "plan"),
    [
        (None, Plan()),
        ("", Plan()),
        ("complete", Plan()),
        ("FAIL", Plan("fail")),
        (" stuck ", Plan("stuck")),
        ("expire", Plan("expire")),
        (
            "fail; code=token_limit_exceeded; message=Enqueued token limit reached",
            Plan("fail", "token_limit_exceeded", "Enqueued token limit reached"),
        ),
        ("fail;code=x;", Plan("fail", "x")),
    ],
)
def test_the_header_parses_into_a_plan(header: str | None, plan: Plan) -> None:
    assert parse_plan(header) == plan


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("explode", "unknown outcome 'explode'; use one of complete, fail, expire, stuck"),
        ("fail; colour=red", "unknown option 'colour=red'"),
        ("fail; code", "unknown option 'code'"),
        ("stuck; code=x", "'code' and 'message' go with 'fail', not 'stuck'"),
    ],
)
def test_a_malformed_header_says_what_is_wrong(header: str, complaint: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_plan(header)
    assert complaint in str(refused.value)
    assert str(refused.value).startswith("x-mockapi-job: ")
