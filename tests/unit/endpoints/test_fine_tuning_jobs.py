"""Fine-tuning jobs without a server (mockapi.endpoints.fine_tuning): the models that
fine-tune and the names they yield, methods echoed and resolved, the metrics curve and
results file, events and checkpoints, and a job's steps through the routes on a memory
state store (a deleted file, a file validated in the background, cancel, pause), the
kinds kept, Control.jobs' registry, GET /v1/models amended with the model made, and each
end (succeeded, failed, cancelled) announced by the shared job machinery."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
from typing import Any

import pytest

from mockapi.endpoints import jobs, models
from mockapi.endpoints.files import stored
from mockapi.endpoints.fine_tuning import bases, family, methods, metrics, records, routes, training
from mockapi.errors import APIError
from mockapi.model import Response
from mockapi.replay.jobs import FAMILIES
from mockapi.state.objects import KEPT_KINDS
from tests.unit.endpoints.file_search_state import Stores


def test_fine_tunable_models_per_method() -> None:
    for model, method in [
        ("gpt-4o-mini", "supervised"),
        ("gpt-4o-mini-2024-07-18", "dpo"),
        ("gpt-4.1-nano", "supervised"),
        ("davinci-002", "supervised"),
        ("o4-mini", "reinforcement"),
        ("ft:gpt-4o-mini-2024-07-18:acme:v1:AbCd1234", "supervised"),  # tuned again
    ]:
        bases.check(model, method)
    for model, method, words in [
        ("gpt-4.5-preview", "supervised", "Model gpt-4.5-preview is not available for fine-tuning"),
        ("o1", "reinforcement", "not available for fine-tuning or does not exist"),
        ("text-embedding-3-small", "supervised", "not available for fine-tuning"),
        (
            "o4-mini",
            "supervised",
            "not available for supervised fine-tuning; it supports reinforcement",
        ),
        ("davinci-002", "dpo", "not available for dpo fine-tuning; it supports supervised"),
    ]:
        with pytest.raises(APIError) as caught:
            bases.check(model, method)
        assert (caught.value.status, caught.value.code, caught.value.param) == (
            400,
            "model_not_available",
            "model",
        )
        assert words in caught.value.message
    assert bases.completion_format("babbage-002") and not bases.completion_format("gpt-4o")


def test_model_names_are_fixed_by_the_job() -> None:
    name = bases.model_name("gpt-4o-mini", "org-acme", "bot", "ftjob-1")
    assert name == bases.model_name("gpt-4o-mini", "org-acme", "bot", "ftjob-1")
    prefix, short = name.rsplit(":", 1)
    assert prefix == "ft:gpt-4o-mini:org-acme:bot" and len(short) == 8 and short.isalnum()
    assert bases.model_name("gpt-4o-mini", "org-acme", "bot", "ftjob-2") != name
    checkpoint = bases.model_name("gpt-4o-mini", "org-acme", "bot", "ftjob-1", step=30)
    assert checkpoint.endswith(":ckpt-step-30") and not checkpoint.startswith(name)
    assert bases.model_name(name, "org-b", None, "ftjob-3").startswith("ft:gpt-4o-mini:org-b::")
    assert bases.organization({"openai-organization": "org-x"}) == "org-x"
    assert bases.organization({}) == bases.DEFAULT_ORGANIZATION == "org-mockapi"


def test_methods_are_echoed_with_auto_and_resolved_at_start() -> None:
    legacy = methods.requested({"hyperparameters": {"n_epochs": 4}})
    assert legacy == {
        "type": "supervised",
        "supervised": {
            "hyperparameters": {
                "batch_size": "auto",
                "learning_rate_multiplier": "auto",
                "n_epochs": 4,
            }
        },
    }
    assert methods.top_level(legacy) == {
        "n_epochs": 4,
        "batch_size": "auto",
        "learning_rate_multiplier": "auto",
    }
    dpo = methods.requested({"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.3}}}})
    assert methods.top_level(dpo) is None
    resolved = methods.resolve(dpo, 40)
    assert methods.hyperparameters(resolved) == {
        "batch_size": 1,
        "beta": 0.3,
        "learning_rate_multiplier": 1.8,
        "n_epochs": 3,
    }
    grader = {"type": "string_check", "name": "g"}
    rft = methods.requested(
        {"method": {"type": "reinforcement", "reinforcement": {"grader": grader}}}
    )
    assert rft["reinforcement"]["grader"] == grader
    assert methods.hyperparameters(methods.resolve(rft, 10))["reasoning_effort"] == "default"
    assert methods.hyperparameters(methods.resolve(rft, 10))["compute_multiplier"] == 1.0
    # the cookbook's rule: enough epochs for 100 examples seen, at most 25; at most 25,000
    epochs = {n: methods.auto_epochs(n) for n in (1, 10, 12, 34, 1000, 10_000, 100_000)}
    assert epochs == {1: 25, 10: 10, 12: 8, 34: 3, 1000: 3, 10_000: 2, 100_000: 1}
    sizes = {n: methods.auto_batch_size(n) for n in (10, 5000, 1_000_000)}
    assert sizes == {10: 1, 5000: 10, 1_000_000: 256}
    assert methods.total_steps(legacy, 10) == (10, 40)  # 4 epochs of 10 single-example steps


def test_the_metrics_curve_is_fixed_by_the_seed_and_falls() -> None:
    run = [metrics.at(step, 200, seed=7, validated=False) for step in range(1, 201)]
    assert run == [metrics.at(step, 200, seed=7, validated=False) for step in range(1, 201)]
    assert run != [metrics.at(step, 200, seed=8, validated=False) for step in range(1, 201)]
    first = sum(s.train_loss for s in run[:20]) / 20
    last = sum(s.train_loss for s in run[-20:]) / 20
    assert first > 1.0 > 0.3 > last
    assert run[-1].train_accuracy > run[0].train_accuracy
    assert all(s.valid_loss is None for s in run)
    validated = {s: metrics.at(s, 200, seed=7, validated=True) for s in (19, 20, 200)}
    assert validated[19].valid_loss is None and validated[20].valid_loss is not None
    assert validated[20].full_valid_loss is None and validated[200].full_valid_loss is not None
    assert validated[200].message().startswith("Step 200/200: training loss=")
    assert ", validation loss=" in validated[200].message()
    assert list(validated[200].data()) == [
        "step", "train_loss", "valid_loss", "total_steps", "full_valid_loss",
        "train_mean_token_accuracy", "valid_mean_token_accuracy", "full_valid_mean_token_accuracy",
    ]  # fmt: skip


def test_long_runs_report_a_thousand_steps_and_the_results_file_is_base64_csv() -> None:
    steps = metrics.reported_steps(5000)
    assert len(steps) == metrics.MAX_ROWS and steps[-1] == 5000 and steps == sorted(set(steps))
    assert metrics.reported_steps(3) == [1, 2, 3]
    rows = [metrics.at(s, 20, seed=1, validated=True) for s in (1, 2, 20)]
    text = base64.b64decode(metrics.results_file(rows)).decode()
    lines = text.splitlines()
    assert lines[0] == "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"
    assert lines[1].startswith("1,") and lines[1].endswith(",,")
    cells = lines[3].split(",")
    assert cells[0] == "20" and all(cell for cell in cells)
    assert len(cells[1].split(".")[1]) <= 5


def test_checkpoints_are_the_last_three_epochs() -> None:
    assert records.checkpoint_steps(12, 8) == [72, 84, 96]
    assert records.checkpoint_steps(5, 2) == [5, 10]


# -- a job through the routes, on a memory state store -----------------------------------


class Jobs:
    """A memory state store and contexts for the fine-tuning routes."""

    def __init__(self) -> None:
        self.stores = Stores()

    def ctx(self, endpoint: int = 0, body: Any = None, job_id: str = "") -> Any:
        params = {"fine_tuning_job_id": job_id} if job_id else {}
        return self.stores.context(routes.ENDPOINTS[endpoint], body or {}, params=params)

    def upload(self, lines: int = 10) -> str:
        example = {
            "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]
        }
        data = b"".join(json.dumps(example).encode() + b"\n" for _ in range(lines))
        return str(stored.create(self.ctx(), data, filename="t.jsonl", purpose="fine-tune")["id"])

    def create(self, **body: Any) -> dict[str, Any]:
        body = {"model": "gpt-4o-mini", "training_file": self.upload(), **body}
        made = routes.create(self.ctx(0, body)).body
        assert isinstance(made, dict)
        return made

    def step(self, job_id: str) -> dict[str, Any]:
        return jobs.poll(self.ctx(), family.FAMILY, job_id)


def test_a_job_steps_to_succeeded_and_its_model_is_listed() -> None:
    env = Jobs()
    job = env.create(suffix="x")
    assert [env.step(job["id"])["status"] for _ in range(4)] == [
        "queued",
        "running",
        "succeeded",
        "succeeded",
    ]
    own = family.private(env.stores.state, job["id"])
    assert own["examples"] == 10 and own["tokens"] > 0
    name = env.step(job["id"])["fine_tuned_model"]
    assert len(records.events(env.stores.state, job["id"])) == 4 + 100 + 2 + 2
    fixture_list = Response(200, {}, body={"object": "list", "data": [{"id": "gpt-4o"}]})
    amended = models.amend_list(env.ctx(), fixture_list).body
    assert isinstance(amended, dict) and [m["id"] for m in amended["data"]] == ["gpt-4o", name]
    models.delete(env.stores.context(models.ENDPOINTS[2], {}, params={"model": name}))
    amended = models.amend_list(env.ctx(), fixture_list).body
    assert isinstance(amended, dict) and [m["id"] for m in amended["data"]] == ["gpt-4o"]


def test_a_training_file_deleted_before_validation_fails_the_job() -> None:
    env = Jobs()
    job = env.create()
    stored.remove(env.ctx(), job["training_file"])
    failed = env.step(job["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "invalid_training_file"
    assert f"The file {job['training_file']} was deleted" in failed["error"]["message"]


def test_a_big_file_is_validated_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(family, "INLINE_BYTES", 0)
    threads: list[str] = []
    check = training.check

    def watched(*args: Any, **kwargs: Any) -> training.Checked:
        threads.append(threading.current_thread().name)
        return check(*args, **kwargs)

    monkeypatch.setattr(training, "check", watched)
    env = Jobs()
    job = env.create()
    first = env.step(job["id"])
    assert first["status"] in ("validating_files", "queued")  # the thread may be done already
    done = jobs.drive(env.ctx(), family.FAMILY, job["id"], "complete")  # waits for it
    assert done["status"] == "succeeded"
    assert threads == [f"mockapi-job-{job['id']}"]


def test_cancel_goes_through_a_step_and_pause_rests_the_job() -> None:
    env = Jobs()
    held = env.create()
    jobs.drive(env.ctx(), family.FAMILY, held["id"], "hold")
    cancelled = routes.cancel(env.ctx(3, job_id=held["id"])).body
    assert isinstance(cancelled, dict) and cancelled["status"] == "cancelled"  # even held
    with pytest.raises(APIError) as caught:
        routes.cancel(env.ctx(3, job_id="ftjob-nope"))
    assert (caught.value.status, caught.value.code) == (404, "fine_tune_not_found")
    assert caught.value.message == "Could not find fine tune: ftjob-nope"

    job = env.create()
    env.step(job["id"])
    env.step(job["id"])
    paused = routes.pause(env.ctx(4, job_id=job["id"])).body
    assert isinstance(paused, dict) and paused["status"] == "paused"
    life = family.FAMILY.life
    assert life.finished("paused") and "paused" not in life.terminal
    assert env.step(job["id"])["status"] == "paused"
    resumed = routes.resume(env.ctx(5, job_id=job["id"])).body
    assert isinstance(resumed, dict) and resumed["status"] == "running"


def test_the_familys_kinds_are_kept_and_control_jobs_knows_it() -> None:
    kinds = {family.KIND, records.EVENTS, records.CHECKPOINTS, models.FINE_TUNED}
    assert kinds <= KEPT_KINDS
    assert FAMILIES[family.KIND] is family.FAMILY


def test_each_end_goes_through_the_job_machinery_and_is_announced() -> None:
    env = Jobs()
    sent: list[dict[str, Any]] = []
    ctx = dataclasses.replace(env.ctx(), notify=sent.append)
    ends = {}
    done = env.create()
    for _ in range(3):
        ends["succeeded"] = jobs.poll(ctx, family.FAMILY, done["id"])
    bad = routes.create(
        dataclasses.replace(ctx, body={"model": "gpt-4o-mini", "training_file": env.upload(5)})
    ).body
    assert isinstance(bad, dict)
    ends["failed"] = jobs.poll(ctx, family.FAMILY, bad["id"])
    cancelled = env.create()
    ends["cancelled"] = routes.cancel(
        dataclasses.replace(ctx, params={"fine_tuning_job_id": cancelled["id"]})
    ).body
    assert {status: job["status"] for status, job in ends.items()} == {s: s for s in ends}
    assert [(event["type"], event["data"]["id"]) for event in sent] == [
        ("fine_tuning.job.succeeded", done["id"]),
        ("fine_tuning.job.failed", bad["id"]),
        ("fine_tuning.job.cancelled", cancelled["id"]),
    ]
