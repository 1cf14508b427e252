"""Evals on a real server through the official SDK: an eval created, listed, updated and
deleted; a run over five inline items graded by a string check reports the passes its
definition gives; a completions run whose answers fixtures pin; a run over an uploaded
JSONL file; cancel, delete and the 404s. Every answer is checked against the derived
schemas. Evals go through the strict client; runs and output items through the default
one, since the API answers ``error: null`` (and a queued run's null usage lists) where
the SDK's strict models want objects: :func:`strictly` checks that nothing else in those
answers disagrees with the strict models."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai._models import validate_type
from openai.types.evals.run_retrieve_response import RunRetrieveResponse
from openai.types.evals.runs.output_item_retrieve_response import OutputItemRetrieveResponse

from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK deprecates evals
EVAL = "/v1/evals/{eval_id}"
RUN = EVAL + "/runs/{run_id}"
EXACT: Any = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.label}}",
    "operation": "eq",
}
CONFIG: Any = {
    "type": "custom",
    "item_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}, "label": {"type": "string"}},
        "required": ["question", "label"],
    },
    "include_sample_schema": True,
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server() as started:  # misses are errors: answers come from fixtures
        yield started


def checked(endpoint: str, answer: Any) -> Any:
    """``answer``, once its JSON has passed the derived ``endpoint`` response schema."""
    assert response_problems(endpoint, answer.to_dict()) == []
    return answer


def strictly(model: type[Any], answer: Any) -> Any:
    """``answer`` parsed by the SDK's strict ``model`` once the nulls the API sends where
    the model wants an object or a list (README: strict validation) are filled in."""
    body = answer.to_dict()
    if "sample" in body:
        body["sample"]["error"] = body["sample"]["error"] or {"code": "", "message": ""}
    else:
        body["error"] = body["error"] or {"code": "", "message": ""}
        for name in ("per_model_usage", "per_testing_criteria_results"):
            body[name] = body[name] if body[name] is not None else []
    return validate_type(type_=model, value=body)


def make_eval(strict: openai.OpenAI, *criteria: Any) -> Any:
    made = strict.evals.create(
        name="capitals", data_source_config=CONFIG, testing_criteria=list(criteria or [EXACT])
    )
    return checked("POST /v1/evals", made)


def finish(plain: openai.OpenAI, eval_id: str, run_id: str) -> Any:
    """The run after the retrieves that finish it (queued -> in_progress -> completed)."""
    seen = [plain.evals.runs.retrieve(run_id, eval_id=eval_id) for _ in range(2)]
    assert [run.status for run in seen] == ["in_progress", "completed"]
    return checked("GET " + RUN, seen[-1])


def test_an_eval_is_created_listed_updated_and_deleted(strict: openai.OpenAI) -> None:
    first = make_eval(strict)
    second = make_eval(strict)
    assert first.data_source_config.schema_["required"] == ["item", "sample"]
    [criterion] = first.testing_criteria
    assert criterion.name == "exact" and criterion.to_dict()["id"].startswith("exact-")
    page = checked("GET /v1/evals", strict.evals.list(limit=1))
    assert [e.id for e in page.data] == [first.id] and page.has_more  # oldest first
    after = strict.evals.list(limit=1, after=first.id)
    assert [e.id for e in after.data] == [second.id]
    renamed = strict.evals.update(first.id, name="capitals v2", metadata={"team": "geo"})
    assert checked("POST " + EVAL, renamed).name == "capitals v2"
    assert strict.evals.retrieve(first.id).metadata == {"team": "geo"}
    by_update = strict.evals.list(order_by="updated_at", order="desc", limit=1)
    assert [e.id for e in by_update.data] == [first.id]  # updated last
    gone = checked("DELETE " + EVAL, strict.evals.delete(first.id))
    assert (gone.deleted, gone.eval_id) == (True, first.id)
    with pytest.raises(openai.NotFoundError) as caught:
        strict.evals.retrieve(first.id)
    assert caught.value.body["message"] == f"No such Eval object: {first.id}"  # type: ignore[index]


def test_a_run_over_five_inline_items_reports_the_passes(
    strict: openai.OpenAI, plain: openai.OpenAI
) -> None:
    made = make_eval(strict)
    # eq passes only the exact, case-sensitive answers: items 0, 2 and 4.
    said = [
        ("Paris", "Paris"),
        ("Tokyo", "tokyo"),
        ("Rome", "Rome"),
        ("Oslo", "Oslo."),
        ("Lima", "Lima"),
    ]
    content = [
        {"item": {"question": f"q{n}", "label": label}, "sample": {"output_text": text}}
        for n, (label, text) in enumerate(said)
    ]
    source: Any = {"type": "jsonl", "source": {"type": "file_content", "content": content}}
    run = plain.evals.runs.create(made.id, data_source=source, name="inline")
    assert checked("POST " + EVAL + "/runs", run).status == "queued"
    queued = run.to_dict()  # the nulls the SDK's types do not expect
    nulls = ("error", "per_model_usage", "per_testing_criteria_results")
    assert [queued[name] for name in nulls] == [None, None, None]
    assert run.report_url.endswith(f"/evaluations/{made.id}?run_id={run.id}")
    done = finish(plain, made.id, run.id)
    assert done.result_counts.to_dict() == {"total": 5, "errored": 0, "failed": 2, "passed": 3}
    [criterion] = done.per_testing_criteria_results
    assert (criterion.testing_criteria, criterion.passed, criterion.failed) == (
        made.testing_criteria[0].to_dict()["id"],
        3,
        2,
    )
    strictly(RunRetrieveResponse, done)
    items = plain.evals.runs.output_items.list(run.id, eval_id=made.id)
    checked("GET " + RUN + "/output_items", items)
    assert [(i.datasource_item_id, i.status) for i in items.data] == [
        (0, "pass"),
        (1, "fail"),
        (2, "pass"),
        (3, "fail"),
        (4, "pass"),
    ]
    assert [r.score for i in items.data for r in i.results] == [1, 0, 1, 0, 1]
    passed = plain.evals.runs.output_items.list(run.id, eval_id=made.id, status="pass")
    assert [i.datasource_item["label"] for i in passed.data] == ["Paris", "Rome", "Lima"]
    one = plain.evals.runs.output_items.retrieve(items.data[1].id, eval_id=made.id, run_id=run.id)
    checked("GET " + RUN + "/output_items/{output_item_id}", one)
    assert one.sample.output[0].content == "tokyo" and one.results[0].passed is False
    strictly(OutputItemRetrieveResponse, one)
    listed = plain.evals.runs.list(made.id, status="completed")
    assert [r.id for r in checked("GET " + EVAL + "/runs", listed).data] == [run.id]


def test_a_completions_run_grades_the_answers_fixtures_pin(
    server: ServerThread, strict: openai.OpenAI, plain: openai.OpenAI
) -> None:
    control = server.control  # type: ignore[attr-defined]
    answers = {"France": "Paris", "Japan": "Kyoto", "Italy": "Rome"}
    control.add_fixtures(
        [
            control.runtime_fixture(
                {
                    "match": {"path": "/v1/chat/completions", "content": country},
                    "response": {"body": {"choices": [{"message": {"content": city}}]}},
                },
                key=f"evals-{country}",
            )
            for country, city in answers.items()
        ]
    )
    made = make_eval(strict)
    expected = [("France", "Paris"), ("Japan", "Tokyo"), ("Italy", "Rome"), ("Atlantis", "?")]
    source: Any = {
        "type": "completions",
        "model": "gpt-4o-mini",
        "input_messages": {
            "type": "template",
            "template": [
                {"role": "developer", "content": "Answer with the city only."},
                {"role": "user", "content": "Capital of {{item.question}}?"},
            ],
        },
        "sampling_params": {"temperature": 0, "seed": 3},
        "source": {
            "type": "file_content",
            "content": [{"item": {"question": q, "label": a}} for q, a in expected],
        },
    }
    try:
        run = plain.evals.runs.create(made.id, data_source=source)
        checked("POST " + EVAL + "/runs", run)
        done = finish(plain, made.id, run.id)
    finally:
        control.remove_runtime("evals-")
    # Paris and Rome are right, Kyoto is not; no fixture answers Atlantis (a miss is an
    # error on this server), so that item has no sample and errs.
    assert done.result_counts.to_dict() == {"total": 4, "errored": 1, "failed": 1, "passed": 2}
    [usage] = done.per_model_usage
    assert (usage.run_model_name, usage.invocation_count) == ("gpt-4o-mini", 3)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    items = plain.evals.runs.output_items.list(run.id, eval_id=made.id).data
    assert [i.sample.output[0].content for i in items[:3]] == ["Paris", "Kyoto", "Rome"]
    assert items[0].sample.input[1].to_dict() == {"role": "user", "content": "Capital of France?"}
    assert (items[0].sample.temperature, items[0].sample.seed) == (0, 3)
    assert items[3].sample.error.code == "no_fixture_matched" and items[3].status == "fail"
    journal = server.replayer.journal  # type: ignore[attr-defined]
    asked = [e.body for e in journal.entries() if e.path == "/v1/chat/completions"][-4:]
    assert [a["messages"][1]["content"][0]["text"] for a in asked] == [
        f"Capital of {q}?" for q, _ in expected
    ]


def test_a_run_reads_a_jsonl_file_with_purpose_evals(
    strict: openai.OpenAI, plain: openai.OpenAI
) -> None:
    made = make_eval(strict)
    lines = [
        {"item": {"question": "2+2", "label": "4"}, "sample": {"output_text": "4"}},
        {"item": {"question": "3+3", "label": "6"}, "sample": {"output_text": "9"}},
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    # The strict FileObject does not know the purpose 'evals', which the API takes.
    uploaded = plain.files.create(file=("items.jsonl", io.BytesIO(data)), purpose="evals")
    source: Any = {"type": "jsonl", "source": {"type": "file_id", "id": uploaded.id}}
    run = plain.evals.runs.create(made.id, data_source=source)
    done = finish(plain, made.id, run.id)
    assert done.result_counts.to_dict() == {"total": 2, "errored": 0, "failed": 1, "passed": 1}
    assert done.data_source.source.to_dict() == {"type": "file_id", "id": uploaded.id}
    batch = strict.files.create(file=("b.jsonl", io.BytesIO(data)), purpose="batch")
    with pytest.raises(openai.BadRequestError) as refused:
        plain.evals.runs.create(
            made.id, data_source={"type": "jsonl", "source": {"type": "file_id", "id": batch.id}}
        )
    assert (
        refused.value.param == "data_source.source.id"
        and "purpose 'evals'" in refused.value.message
    )
    with pytest.raises(openai.NotFoundError):
        plain.evals.runs.create(
            made.id, data_source={"type": "jsonl", "source": {"type": "file_id", "id": "file-x"}}
        )


def test_cancel_delete_and_the_404s(strict: openai.OpenAI, plain: openai.OpenAI) -> None:
    made = make_eval(strict)
    source: Any = {
        "type": "jsonl",
        "source": {"type": "file_content", "content": [{"item": {"question": "q", "label": "a"}}]},
    }
    run = plain.evals.runs.create(made.id, data_source=source)
    canceled = plain.evals.runs.cancel(run.id, eval_id=made.id)
    assert checked("POST " + RUN + "/cancel", canceled).status == "canceled"
    assert plain.evals.runs.retrieve(run.id, eval_id=made.id).status == "canceled"  # for good
    again = plain.evals.runs.cancel(run.id, eval_id=made.id)
    assert again.status == "canceled"
    assert [r.id for r in plain.evals.runs.list(made.id, status="canceled").data] == [run.id]
    gone = strict.evals.runs.delete(run.id, eval_id=made.id)
    assert checked("DELETE " + RUN, gone).to_dict() == {
        "object": "eval.run.deleted",
        "deleted": True,
        "run_id": run.id,
    }
    for call in (
        lambda: plain.evals.runs.retrieve(run.id, eval_id=made.id),
        lambda: plain.evals.runs.output_items.list(run.id, eval_id=made.id),
        lambda: plain.evals.runs.output_items.retrieve(
            "outputitem_x", eval_id=made.id, run_id=run.id
        ),
        lambda: plain.evals.runs.list("eval_unknown"),
        lambda: strict.evals.update("eval_unknown", name="x"),
    ):
        with pytest.raises(openai.NotFoundError):
            call()
    other = make_eval(strict)  # a run is found only under its own eval
    kept = plain.evals.runs.create(made.id, data_source=source)
    with pytest.raises(openai.NotFoundError):
        plain.evals.runs.retrieve(kept.id, eval_id=other.id)
