"""Fine-tuning jobs on a real server, driven by the official SDK with strict response
validation (the default client where the API sends what the strict models refuse: a
``paused`` job, a DPO job's null ``hyperparameters``): a job from an uploaded file
polled to ``succeeded`` with its events, checkpoints and results file; its model listed,
retrieved, answering chat and Responses, matched by a fixture and deleted; the files
the API refuses (five examples, a bad line, a wrong purpose); cancel; pause and
resume; list filters and pages; DPO and reinforcement; Control.jobs. Every answer is
checked against the derived schemas."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from collections.abc import Iterator
from typing import Any, cast

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.replay.control import Control
from mockapi.web.server import ServerThread
from mockapi.wire import tokens
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

ORG = "org-acme"
JOB = "GET /v1/fine_tuning/jobs/{fine_tuning_job_id}"
FINISHED = {"succeeded", "failed", "cancelled"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(autouse=True)
def fresh(server: ServerThread) -> None:
    control(server).reset()


@pytest.fixture
def org_client(server: ServerThread) -> Iterator[openai.OpenAI]:
    """The strict SDK acting for :data:`ORG` (its ``OpenAI-Organization`` header)."""
    with strict_client(server.url + "/v1", api_key="sk-test", organization=ORG) as sdk:
        yield sdk


def control(server: ServerThread) -> Control:
    return cast(Control, server.control)  # type: ignore[attr-defined]


def chat_example(n: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You answer sums tersely."},
            {"role": "user", "content": f"What is {n} plus {n}?"},
            {"role": "assistant", "content": str(2 * n)},
        ]
    }


def upload(
    client: openai.OpenAI, *lines: dict[str, Any] | bytes, purpose: str = "fine-tune"
) -> str:
    data = b"".join((x if isinstance(x, bytes) else json.dumps(x).encode()) + b"\n" for x in lines)
    made = client.files.create(file=("train.jsonl", io.BytesIO(data)), purpose=purpose)  # type: ignore[arg-type]
    return made.id


def checked(endpoint: str, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert response_problems(endpoint, body) == []
    return body


def poll(raw: httpx.Client, job_id: str) -> list[dict[str, Any]]:
    """Retrieve until finished: every answer (each checked; the unfinished ones carry
    openai-poll-after-ms, the finished one not)."""
    seen = []
    for _ in range(6):
        answer = raw.get(f"/v1/fine_tuning/jobs/{job_id}")
        job = checked(JOB, answer)
        seen.append(job)
        finished = job["status"] in FINISHED
        assert ("openai-poll-after-ms" in answer.headers) is not finished
        if finished:
            return seen
    raise AssertionError(f"{job_id} unfinished after 6 retrieves: {seen[-1]['status']}")


def test_a_job_polled_to_succeeded_with_events_checkpoints_and_results(
    org_client: openai.OpenAI, raw: httpx.Client
) -> None:
    examples = [chat_example(n) for n in range(12)]
    file_id = upload(org_client, *examples)
    created = org_client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=file_id, suffix="sums", metadata={"team": "math"}
    )
    assert created.id.startswith("ftjob-") and len(created.id) == 30
    assert created.status == "validating_files" and created.organization_id == ORG
    assert created.hyperparameters.n_epochs == "auto" and created.fine_tuned_model is None
    assert created.method is not None and created.method.type == "supervised"
    assert created.metadata == {"team": "math"} and created.error is None

    statuses = [job["status"] for job in poll(raw, created.id)]
    assert statuses == ["queued", "running", "succeeded"]
    job = org_client.fine_tuning.jobs.retrieve(created.id)
    # auto resolved at start: 12 examples -> 100 // 12 = 8 epochs, batches of 1
    hyper = job.hyperparameters
    assert (hyper.n_epochs, hyper.batch_size, hyper.learning_rate_multiplier) == (8, 1, 1.8)
    per_epoch = sum(tokens.count_messages(x["messages"], model="gpt-4o-mini") for x in examples)
    assert job.trained_tokens == per_epoch * 8
    assert job.finished_at is not None and job.estimated_finish is None
    model = job.fine_tuned_model
    assert model is not None and re.fullmatch(rf"ft:gpt-4o-mini:{ORG}:sums:[A-Za-z0-9]{{8}}", model)

    events = list(org_client.fine_tuning.jobs.list_events(created.id, limit=50))  # pages
    messages = [e.message for e in events]
    assert messages[:2] == [
        "The job has successfully completed",
        f"New fine-tuned model created: {model}",
    ]
    assert messages[-4:] == [
        "Fine-tuning job started",
        "Files validated, moving job to queued state",
        f"Validating training file: {file_id}",
        f"Created fine-tuning job: {created.id}",
    ]
    steps = [e for e in events if e.type == "metrics"]
    assert len(steps) == 96 and steps[0].message.startswith("Step 96/96: training loss=")
    assert steps[0].data == {**steps[0].data, "step": 96, "total_steps": 96}  # type: ignore[dict-item]
    assert all(e.id.startswith("ftevent-") and e.level == "info" for e in events)

    checkpoints = org_client.fine_tuning.jobs.checkpoints.list(created.id).data
    assert [c.step_number for c in checkpoints] == [96, 84, 72]
    assert checkpoints[0].fine_tuned_model_checkpoint == model  # the last one is the model
    for older in checkpoints[1:]:
        name = older.fine_tuned_model_checkpoint
        assert re.fullmatch(
            rf"ft:gpt-4o-mini:{ORG}:sums:[A-Za-z0-9]{{8}}:ckpt-step-{older.step_number}", name
        )
        assert (
            f"Checkpoint created at step {older.step_number} with Snapshot ID: {name}" in messages
        )
    assert all(c.id.startswith("ftckpt_") and c.metrics.train_loss is not None for c in checkpoints)

    base = f"/v1/fine_tuning/jobs/{created.id}"
    for endpoint, path in [
        ("GET /v1/fine_tuning/jobs", "/v1/fine_tuning/jobs?metadata[team]=math"),
        (JOB + "/events", base + "/events?limit=3"),
        (JOB + "/checkpoints", base + "/checkpoints"),
    ]:
        page = checked(endpoint, raw.get(path))
        assert page["object"] == "list" and page["data"], endpoint

    (result_id,) = job.result_files
    assert org_client.files.retrieve(result_id).purpose == "fine-tune-results"
    rows = base64.b64decode(org_client.files.content(result_id).content).decode().splitlines()
    assert rows[0] == "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"
    assert len(rows) == 97 and rows[1].startswith("1,") and rows[-1].endswith(",,")


def trained(client: openai.OpenAI, server: ServerThread, **create: Any) -> Any:
    """A succeeded job (run to its end by Control.jobs, not by polling)."""
    file_id = upload(client, *(chat_example(n) for n in range(10)))
    made = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id, **create)
    control(server).jobs.complete(made.id)
    return client.fine_tuning.jobs.retrieve(made.id)


def test_the_model_is_listed_answers_is_matched_by_fixtures_and_deleted(
    org_client: openai.OpenAI, server: ServerThread
) -> None:
    job = trained(org_client, server, suffix="support")
    model = job.fine_tuned_model
    listed = {m.id: m for m in org_client.models.list()}
    assert "gpt-4o-mini" in listed and listed[model].owned_by == ORG
    assert listed[model].created == job.finished_at
    assert org_client.models.retrieve(model).id == model

    question = [{"role": "user", "content": "Which plan suits a team of five?"}]
    answer = org_client.chat.completions.create(model=model, messages=question)  # type: ignore[arg-type]
    assert answer.model == model and answer.choices[0].message.content
    assert org_client.responses.create(model=model, input="Which plan suits us?").model == model

    pinned = {
        "match": {"path": "/v1/chat/completions", "partial_body": {"model": model}},
        "response": {
            "body": {"choices": [{"message": {"role": "assistant", "content": "Team plan."}}]}
        },
    }
    ctl = control(server)
    ctl.add_fixtures([ctl.runtime_fixture(pinned, key="fine-tuned-pin")])
    try:
        pinned_answer = org_client.chat.completions.create(model=model, messages=question)  # type: ignore[arg-type]
        base_answer = org_client.chat.completions.create(model="gpt-4o-mini", messages=question)  # type: ignore[arg-type]
    finally:
        ctl.remove_runtime("fine-tuned-pin")
    assert pinned_answer.choices[0].message.content == "Team plan."
    assert base_answer.choices[0].message.content != "Team plan."

    deleted = org_client.models.delete(model)
    assert deleted.id == model and deleted.deleted is True
    assert model not in {m.id for m in org_client.models.list()}
    for gone in (
        lambda: org_client.models.retrieve(model),
        lambda: org_client.chat.completions.create(model=model, messages=question),  # type: ignore[arg-type]
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            gone()
        assert caught.value.code == "model_not_found"


def test_five_examples_fail_with_the_apis_error(strict: openai.OpenAI) -> None:
    file_id = upload(strict, *(chat_example(n) for n in range(5)))
    job = strict.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    failed = strict.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.fine_tuned_model is None
    assert failed.error is not None
    assert (failed.error.code, failed.error.param) == ("invalid_n_examples", "training_file")
    assert (
        failed.error.message == "Training file has 5 example(s), but must have at least 10 examples"
    )
    newest = strict.fine_tuning.jobs.list_events(job.id).data[0]
    assert (newest.level, newest.message) == ("error", failed.error.message)
    assert strict.fine_tuning.jobs.retrieve(job.id).status == "failed"  # it stays


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        (
            {"messages": [{"role": "user", "content": "Hi"}, {"content": "Hello"}]},
            "Invalid file format. Example 3, message 2 Discriminator 'role' is missing in value",
        ),
        (b'{"messages": [', "Invalid file format. Line 3 is not valid JSON"),
        (
            {"messages": [{"role": "user", "content": "Hi"}]},
            "Invalid file format. Example 3, messages: no message has role 'assistant'",
        ),
    ],
)
def test_a_bad_line_fails_the_job_naming_its_line(
    strict: openai.OpenAI, bad_line: dict[str, Any] | bytes, expected: str
) -> None:
    lines = [chat_example(n) for n in range(12)]
    file_id = upload(strict, *lines[:2], bad_line, *lines[2:])
    job = strict.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    error = strict.fine_tuning.jobs.retrieve(job.id).error
    assert error is not None and error.code == "invalid_training_file"
    assert error.param == "training_file"
    assert error.message.startswith("The job failed due to an invalid training file. " + expected)


def test_the_create_refuses_files_and_models_the_api_refuses(strict: openai.OpenAI) -> None:
    elsewhere = upload(strict, *(chat_example(n) for n in range(10)), purpose="assistants")
    good = upload(strict, *(chat_example(n) for n in range(10)))
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"training_file": elsewhere}, "training_file", "has purpose 'assistants'"),
        ({"training_file": "file-nope"}, "training_file", "invalid training_file: file-nope"),
        ({"training_file": good, "validation_file": "file-nope"}, "validation_file", "file-nope"),
        (
            {"training_file": good, "model": "gpt-4.5-preview"},
            "model",
            "not available for fine-tuning",
        ),
        ({"training_file": good, "suffix": "s" * 65}, "suffix", "suffix"),
    ]
    for body, param, words in cases:
        with pytest.raises(openai.BadRequestError) as caught:
            strict.fine_tuning.jobs.create(**{"model": "gpt-4o-mini", **body})
        assert caught.value.param == param and words in caught.value.message, caught.value.body
    with pytest.raises(openai.NotFoundError) as missing:
        strict.fine_tuning.jobs.retrieve("ftjob-nope")
    assert missing.value.code == "fine_tune_not_found"
    assert strict.fine_tuning.jobs.list().data == []  # nothing was created


def test_cancel(strict: openai.OpenAI, server: ServerThread) -> None:
    file_id = upload(strict, *(chat_example(n) for n in range(10)))
    job = strict.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    assert strict.fine_tuning.jobs.retrieve(job.id).status == "queued"
    cancelled = strict.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled" and cancelled.fine_tuned_model is None
    assert strict.fine_tuning.jobs.cancel(job.id).status == "cancelled"  # again: as it is
    assert strict.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    assert (
        strict.fine_tuning.jobs.list_events(job.id).data[0].message == "Fine-tuning job cancelled"
    )

    done = trained(strict, server)
    with pytest.raises(openai.BadRequestError) as caught:
        strict.fine_tuning.jobs.cancel(done.id)
    assert "already succeeded" in caught.value.message


def test_pause_and_resume(plain: openai.OpenAI, raw: httpx.Client) -> None:
    file_id = upload(plain, *(chat_example(n) for n in range(10)))
    job = plain.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    assert plain.fine_tuning.jobs.retrieve(job.id).status == "queued"
    with pytest.raises(openai.BadRequestError) as early:
        plain.fine_tuning.jobs.pause(job.id)
    assert "only a running job can be paused" in early.value.message
    assert plain.fine_tuning.jobs.retrieve(job.id).status == "running"

    paused = checked(
        "POST /v1/fine_tuning/jobs/{fine_tuning_job_id}/pause",
        raw.post(f"/v1/fine_tuning/jobs/{job.id}/pause"),
    )
    assert paused["status"] == "paused"  # the SDK's strict model does not know it yet
    for _ in range(2):  # at rest: retrieves do not move it
        answer = raw.get(f"/v1/fine_tuning/jobs/{job.id}")
        assert checked(JOB, answer)["status"] == "paused"
        assert "openai-poll-after-ms" not in answer.headers
    resumed = plain.fine_tuning.jobs.resume(job.id)
    assert resumed.status == "running"
    assert plain.fine_tuning.jobs.retrieve(job.id).status == "succeeded"
    messages = [e.message for e in plain.fine_tuning.jobs.list_events(job.id, limit=100)]
    assert messages.index("Fine-tuning job resumed") < messages.index("Fine-tuning job paused")
    with pytest.raises(openai.BadRequestError):
        plain.fine_tuning.jobs.resume(job.id)


def test_list_filters_by_metadata_and_pages(strict: openai.OpenAI) -> None:
    file_id = upload(strict, *(chat_example(n) for n in range(10)))
    made = [
        strict.fine_tuning.jobs.create(
            model="gpt-4o-mini", training_file=file_id, metadata={"team": team}
        ).id
        for team in ("a", "b", "a")
    ]
    untagged = strict.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id).id
    team_a = strict.fine_tuning.jobs.list(metadata={"team": "a"})
    assert [j.id for j in team_a.data] == [made[2], made[0]]  # newest first
    first = strict.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in first.data] == [untagged, made[2]] and first.has_more
    assert [j.id for j in strict.fine_tuning.jobs.list(limit=2)] == [untagged, *made[::-1]]


def test_dpo_and_reinforcement_jobs(
    plain: openai.OpenAI, raw: httpx.Client, server: ServerThread
) -> None:
    preference = {
        "input": {"messages": [{"role": "user", "content": "Greet me."}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "What?"}],
    }
    dpo: Any = {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2}}}
    body = {"model": "gpt-4o-mini", "training_file": upload(plain, *[preference] * 10)}
    job = checked(
        "POST /v1/fine_tuning/jobs", raw.post("/v1/fine_tuning/jobs", json={**body, "method": dpo})
    )
    assert job["hyperparameters"] is None  # null for a DPO job, as the API sends it
    control(server).jobs.complete(job["id"])
    done = checked(JOB, raw.get(f"/v1/fine_tuning/jobs/{job['id']}"))
    assert done["status"] == "succeeded" and done["hyperparameters"] is None
    assert done["method"]["dpo"]["hyperparameters"] == {
        "batch_size": 1, "beta": 0.1, "learning_rate_multiplier": 1.8, "n_epochs": 2,
    }  # fmt: skip

    chat_file = upload(plain, *(chat_example(n) for n in range(10)))
    wrong = plain.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=chat_file, method=dpo)
    error = plain.fine_tuning.jobs.retrieve(wrong.id).error
    assert error is not None and error.message.endswith(
        f"Input file {chat_file} is in the fine-tune-chat format, but the specified "
        "fine-tuning job is not using 'supervised' as the training method (provided method=dpo). "
    )

    grader = {"type": "string_check", "name": "exact", "operation": "eq",
              "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}  # fmt: skip
    rft: Any = {"type": "reinforcement", "reinforcement": {"grader": grader}}
    prompt = {"messages": [{"role": "user", "content": "2+2?"}], "answer": "4"}
    good = plain.fine_tuning.jobs.create(
        model="o4-mini", training_file=upload(plain, *[prompt] * 10), method=rft
    )
    assert control(server).jobs.complete(good.id)["status"] == "succeeded"
    unanswered = {"messages": [{"role": "user", "content": "2+2?"}]}
    bad = plain.fine_tuning.jobs.create(
        model="o4-mini", training_file=upload(plain, *[unanswered] * 10), method=rft
    )
    error = plain.fine_tuning.jobs.retrieve(bad.id).error
    assert error is not None and "the grader reads item.answer" in error.message
    with pytest.raises(openai.BadRequestError) as caught:  # o4-mini is not supervised-tunable
        plain.fine_tuning.jobs.create(model="o4-mini", training_file=chat_file)
    assert caught.value.code == "model_not_available"


def test_control_jobs_and_the_planned_outcome(strict: openai.OpenAI, server: ServerThread) -> None:
    file_id = upload(strict, *(chat_example(n) for n in range(10)))
    planned = strict.fine_tuning.jobs.create(
        model="gpt-4o-mini",
        training_file=file_id,
        extra_headers={"x-mockapi-job": "fail; code=server_error; message=The GPU caught fire."},
    )
    statuses = [strict.fine_tuning.jobs.retrieve(planned.id).status for _ in range(3)]
    assert statuses == ["queued", "running", "failed"]  # it fails while training
    failed = strict.fine_tuning.jobs.retrieve(planned.id)
    assert failed.error is not None and failed.error.message == "The GPU caught fire."

    jobs = control(server).jobs
    stuck = strict.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    jobs.hold(stuck.id)
    assert strict.fine_tuning.jobs.retrieve(stuck.id).status == "validating_files"
    assert jobs.complete(stuck.id)["status"] == "succeeded"
    other = strict.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    ended = jobs.fail(other.id, "invalid_training_file", "Rejected by the test.")
    assert ended["error"] == {
        "code": "invalid_training_file",
        "message": "Rejected by the test.",
        "param": "training_file",
    }


def test_async_client(server: ServerThread) -> None:
    async def scenario() -> list[str]:
        async with strict_async_client(server.url + "/v1") as sdk:
            data = b"".join(json.dumps(chat_example(n)).encode() + b"\n" for n in range(10))
            made = await sdk.files.create(file=("t.jsonl", data), purpose="fine-tune")
            job = await sdk.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=made.id)
            statuses: list[str] = []
            for _ in range(3):
                statuses.append((await sdk.fine_tuning.jobs.retrieve(job.id)).status)
            events = [e.message async for e in sdk.fine_tuning.jobs.list_events(job.id, limit=5)]
            assert len(events) > 5  # every page
            return statuses

    assert asyncio.run(scenario()) == ["queued", "running", "succeeded"]
