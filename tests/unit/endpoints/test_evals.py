"""Evals without a server (mockapi.endpoints.evals): evals created as the API writes
them back, runs stepped on a memory state store through the job machinery (items graded
by the fine-tuning graders, counts that add up, a source that cannot be read, cancel, a
planned failure, a big run in the background), each end announced once, and deletes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from mockapi.endpoints import jobs
from mockapi.endpoints.chat import routes as chat_routes
from mockapi.endpoints.chat import stored as chat_stored
from mockapi.endpoints.endpoint import Endpoint
from mockapi.endpoints.evals import evals, family, runs
from mockapi.endpoints.files import stored
from mockapi.endpoints.responses import routes as responses_routes
from mockapi.errors import APIError
from mockapi.model import Request, Response
from mockapi.replay.jobs import FAMILIES
from mockapi.state.lifecycle import Control, Plan
from mockapi.state.objects import KEPT_KINDS
from tests.unit.endpoints.file_search_state import Stores

EXACT: dict[str, Any] = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.label}}",
    "operation": "eq",
}
ITEM_SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string"}, "label": {"type": "string"}},
    "required": ["question", "label"],
}


class Env:
    """A memory state store and the contexts of the evals' routes over it."""

    def __init__(self, dispatch: Callable[[Request], Response] | None = None) -> None:
        self.stores = Stores()
        self.dispatch = dispatch
        self.sent: list[dict[str, Any]] = []

    def ctx(self, endpoint: Endpoint, body: Any = None, **params: str) -> Any:
        made = self.stores.context(endpoint, body or {}, params=params)
        return dataclasses.replace(made, dispatch=self.dispatch, notify=self.sent.append)

    def create_eval(self, *criteria: dict[str, Any], **config: Any) -> dict[str, Any]:
        body = {
            "name": "capitals",
            "data_source_config": {"type": "custom", "item_schema": ITEM_SCHEMA, **config},
            "testing_criteria": list(criteria or [EXACT]),
        }
        made = evals.create(self.ctx(evals.ENDPOINTS[0], body)).body
        assert isinstance(made, dict)
        return made

    def create_run(self, eval_id: str, data_source: dict[str, Any]) -> dict[str, Any]:
        endpoint = runs.ENDPOINTS[0]
        made = runs.create(self.ctx(endpoint, {"data_source": data_source}, eval_id=eval_id)).body
        assert isinstance(made, dict)
        return made

    def step(self, run_id: str) -> dict[str, Any]:
        return jobs.poll(self.ctx(runs.ENDPOINTS[2]), family.FAMILY, run_id)

    def items(self, run_id: str) -> list[dict[str, Any]]:
        found = self.stores.state.values(family.OUTPUT_ITEMS)
        return [item for item in found if item["run_id"] == run_id]


def inline(*pairs: tuple[str, str | None]) -> dict[str, Any]:
    """A jsonl data source of (label, sample text) items (None: no sample)."""
    content = []
    for number, (label, said) in enumerate(pairs):
        line: dict[str, Any] = {"item": {"question": f"q{number}", "label": label}}
        if said is not None:
            line["sample"] = {"output_text": said}
        content.append(line)
    return {"type": "jsonl", "source": {"type": "file_content", "content": content}}


def test_an_eval_is_written_back_as_the_api_does() -> None:
    env = Env()
    judge = {
        "type": "label_model",
        "name": "judge",
        "model": "gpt-4o-mini",
        "input": [{"role": "developer", "content": "Is {{sample.output_text}} right?"}],
        "labels": ["right", "wrong"],
        "passing_labels": ["right"],
    }
    made = env.create_eval(EXACT, judge, include_sample_schema=True)
    schema = made["data_source_config"]["schema"]
    assert made["data_source_config"]["type"] == "custom"
    assert schema["properties"]["item"] == ITEM_SCHEMA and schema["required"] == ["item", "sample"]
    assert schema["properties"]["sample"] is evals.SAMPLE_SCHEMA or schema["properties"]["sample"]
    exact, label = made["testing_criteria"]
    assert exact["id"].startswith("exact-") and len(exact["id"]) == len("exact-") + 36
    assert label["input"] == [
        {
            "type": "message",
            "role": "developer",
            "content": {"type": "input_text", "text": "Is {{sample.output_text}} right?"},
        }
    ]
    assert made["metadata"] == {} and made["name"] == "capitals"
    # The same seed and order give the same ids on another server.
    again = Env().create_eval(EXACT, judge, include_sample_schema=True)
    assert [c["id"] for c in again["testing_criteria"]] == [exact["id"], label["id"]]
    logs = evals.create(
        env.ctx(
            evals.ENDPOINTS[0],
            {"data_source_config": {"type": "logs"}, "testing_criteria": [EXACT]},
        )
    ).body
    assert isinstance(logs, dict) and logs["data_source_config"]["schema"]["required"] == [
        "item",
        "sample",
    ]


@pytest.mark.parametrize(
    ("config", "criteria", "param"),
    [
        ({"item_schema": {"type": "nope"}}, [EXACT], "data_source_config.item_schema"),
        ({}, [{**EXACT, "reference": "{{answer.label}}"}], "testing_criteria[0].reference"),
        ({}, [{"type": "multi", "name": "m"}], "testing_criteria[0].type"),
        ({}, [], "testing_criteria"),
    ],
)
def test_an_eval_the_api_refuses_is_a_400_naming_the_param(
    config: dict[str, Any], criteria: list[Any], param: str
) -> None:
    env = Env()
    body = {
        "data_source_config": {"type": "custom", "item_schema": ITEM_SCHEMA, **config},
        "testing_criteria": criteria,
    }
    with pytest.raises(APIError) as caught:
        evals.create(env.ctx(evals.ENDPOINTS[0], body))
    assert (caught.value.status, caught.value.param) == (400, param)


def test_a_run_grades_each_item_by_the_graders_definitions() -> None:
    env = Env()
    ilike = {**EXACT, "name": "contains", "operation": "ilike"}
    made = env.create_eval(EXACT, ilike)
    # eq is exact and case-sensitive; ilike asks that the reference appear, any case.
    source = inline(
        ("Paris", "Paris"),  # both pass
        ("Paris", "paris"),  # eq fails, ilike passes
        ("Rome", "It is Rome."),  # eq fails, ilike passes
        ("Oslo", "Bergen"),  # both fail
        ("Lima", "Lima"),  # both pass
    )
    run = env.create_run(made["id"], source)
    assert run["status"] == "queued" and run["per_model_usage"] is None and run["error"] is None
    assert env.step(run["id"])["status"] == "in_progress"
    done = env.step(run["id"])
    assert done["status"] == "completed"
    assert done["result_counts"] == {"total": 5, "errored": 0, "failed": 3, "passed": 2}
    exact_id, ilike_id = (c["id"] for c in made["testing_criteria"])
    assert done["per_testing_criteria_results"] == [
        {"testing_criteria": exact_id, "passed": 2, "failed": 3},
        {"testing_criteria": ilike_id, "passed": 4, "failed": 1},
    ]
    assert done["per_model_usage"] == []  # no model was asked
    items = env.items(run["id"])
    assert [i["status"] for i in items] == ["pass", "fail", "fail", "fail", "pass"]
    assert [i["datasource_item_id"] for i in items] == [0, 1, 2, 3, 4]
    assert items[2]["results"][1] == {
        "name": ilike_id,
        "type": "string_check",
        "score": 1.0,
        "passed": True,
        "sample": None,
    }
    assert items[3]["sample"]["output"] == [{"role": "assistant", "content": "Bergen"}]
    assert items[0]["id"] == family.item_id(run["id"], 0)


def test_thresholds_and_errors_add_up() -> None:
    env = Env()
    similar = {
        "type": "text_similarity",
        "name": "close",
        "input": "{{sample.output_text}}",
        "reference": "{{item.label}}",
        "evaluation_metric": "fuzzy_match",
        "pass_threshold": 0.8,
    }
    made = env.create_eval(similar)
    # fuzzy_match is 2 * LCS / (len a + len b): "Pariss"/"Paris" 10/11 passes 0.8,
    # "Pa"/"Paris" 4/7 does not; no sample at all cannot be graded: it errs.
    run = env.create_run(made["id"], inline(("Paris", "Pariss"), ("Paris", "Pa"), ("Paris", None)))
    env.step(run["id"])
    done = env.step(run["id"])
    assert done["result_counts"] == {"total": 3, "errored": 1, "failed": 1, "passed": 1}
    [criterion] = done["per_testing_criteria_results"]
    assert (criterion["passed"], criterion["failed"]) == (1, 2)
    statuses = [i["status"] for i in env.items(run["id"])]
    assert statuses == ["pass", "fail", "fail"]


def answering(texts: dict[str, str], seen: list[Request]) -> Callable[[Request], Response]:
    """A replay flow answering chat or Responses requests with the text of the first
    key found in the last message (a 404 when none is)."""

    def dispatch(request: Request) -> Response:
        seen.append(request)
        body = request.json if isinstance(request.json, dict) else {}
        asked = str((body.get("messages") or body.get("input") or [{}])[-1].get("content"))
        said = next((text for key, text in texts.items() if key in asked), None)
        if said is None:
            return Response(404, {}, {"error": {"message": "no fixture matched"}})
        usage = {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
        if request.path.endswith("/responses"):
            output = [{"type": "message", "content": [{"type": "output_text", "text": said}]}]
            answer: dict[str, Any] = {
                "model": "gpt-4o-2024-08-06",
                "output": output,
                "usage": {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9},
            }
        else:
            choice = {"message": {"role": "assistant", "content": said}, "finish_reason": "stop"}
            answer = {"model": "gpt-4o-2024-08-06", "choices": [choice], "usage": usage}
        return Response(200, {}, answer)

    return dispatch


@pytest.mark.parametrize("kind", ["completions", "responses"])
def test_a_model_source_samples_through_the_replay_flow(kind: str) -> None:
    seen: list[Request] = []
    env = Env(answering({"France": "Paris", "Japan": "Kyoto"}, seen))
    made = env.create_eval()
    source = {
        "type": kind,
        "model": "gpt-4o",
        "input_messages": {
            "type": "template",
            "template": [
                {"role": "developer", "content": "Answer with a city."},
                {"role": "user", "content": "Capital of {{item.question}}?"},
            ],
        },
        "sampling_params": {"temperature": 0.2, "max_completions_tokens": 20, "seed": 7},
        "source": {
            "type": "file_content",
            "content": [
                {"item": {"question": q, "label": label}}
                for q, label in (("France", "Paris"), ("Japan", "Tokyo"), ("Atlantis", "?"))
            ],
        },
    }
    run = env.create_run(made["id"], source)
    template = run["data_source"]["input_messages"]["template"]
    assert template[1]["content"] == {"type": "input_text", "text": "Capital of {{item.question}}?"}
    env.step(run["id"])
    done = env.step(run["id"])
    # Paris is right, Kyoto wrong, and Atlantis has no answer (the model call failed).
    assert done["result_counts"] == {"total": 3, "errored": 1, "failed": 1, "passed": 1}
    assert done["per_model_usage"] == [
        {
            "model_name": "gpt-4o-2024-08-06",
            "invocation_count": 2,
            "prompt_tokens": 14,
            "completion_tokens": 4,
            "total_tokens": 18,
            "cached_tokens": 0,
        }
    ]
    asked = seen[0].json
    assert isinstance(asked, dict) and asked["model"] == "gpt-4o"
    if kind == "completions":
        assert seen[0].path == "/v1/chat/completions"
        assert asked["messages"][1] == {
            "role": "user",
            "content": [{"type": "text", "text": "Capital of France?"}],
        }
        assert (asked["temperature"], asked["max_completion_tokens"], asked["seed"]) == (0.2, 20, 7)
    else:
        assert seen[0].path == "/v1/responses"
        assert asked["input"][1]["content"] == [
            {"type": "input_text", "text": "Capital of France?"}
        ]
        assert (asked["max_output_tokens"], "seed" in asked) == (20, False)
    first, _, failed = env.items(run["id"])
    assert first["sample"]["input"][1] == {"role": "user", "content": "Capital of France?"}
    assert (first["sample"]["seed"], first["sample"]["max_completion_tokens"]) == (7, 20)
    assert failed["sample"]["error"]["code"] == "404" and failed["status"] == "fail"


def test_stored_completions_and_responses_are_sources() -> None:
    seen: list[Request] = []
    env = Env(answering({"France": "Paris"}, seen))
    state = env.stores.state
    for number, (country, said, tag) in enumerate(
        [("France", "Paris", "geo"), ("Spain", "Barcelona", "geo"), ("Peru", "Lima", "other")]
    ):
        asked = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"{country}?"}]}
        choice = {"index": 0, "message": {"role": "assistant", "content": said}}
        completion_id = f"chatcmpl-{number}"
        completion = {"id": completion_id, "model": "gpt-4o", "choices": [choice]}
        held = chat_stored.record(completion, {**asked, "metadata": {"tag": tag}}, request_id=None)
        state.put(chat_routes.STORED, completion_id, held)
    # The items here are stored exchanges: a logs eval (its items any object).
    logs = evals.create(
        env.ctx(
            evals.ENDPOINTS[0],
            {
                "data_source_config": {"type": "logs"},
                "testing_criteria": [{**EXACT, "reference": "Paris"}],
            },
        )
    ).body
    assert isinstance(logs, dict)
    # The stored answers graded as they are (no model): only the first says Paris.
    stored_source = {"type": "stored_completions", "metadata": {"tag": "geo"}}
    run = env.create_run(logs["id"], {"type": "completions", "source": stored_source})
    env.step(run["id"])
    done = env.step(run["id"])
    assert done["result_counts"] == {"total": 2, "errored": 0, "failed": 1, "passed": 1}
    first = env.items(run["id"])[0]
    assert first["datasource_item"]["input"] == [{"role": "user", "content": "France?"}]
    # Asked again through item_reference: the replay flow answers France only.
    again = {
        "type": "completions",
        "model": "gpt-4o-mini",
        "input_messages": {"type": "item_reference", "item_reference": "item.input"},
        "source": {**stored_source, "limit": 1},
    }
    run = env.create_run(logs["id"], again)
    env.step(run["id"])
    assert env.step(run["id"])["result_counts"]["passed"] == 1
    assert seen[-1].json == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "France?"}],
    }
    response = {
        "id": "resp_1",
        "model": "gpt-4o",
        "created_at": 1,
        "metadata": {},
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "Paris"}]}],
    }
    state.put(responses_routes.STORED, "resp_1", {"response": response, "input": []})
    run = env.create_run(logs["id"], {"type": "responses", "source": {"type": "responses"}})
    env.step(run["id"])
    assert env.step(run["id"])["result_counts"]["passed"] == 1


def test_each_end_is_announced_once() -> None:
    env = Env()
    made = env.create_eval()
    done = env.create_run(made["id"], inline(("a", "a")))
    env.step(done["id"])
    env.step(done["id"])
    env.step(done["id"])  # finished: nothing more
    canceled = env.create_run(made["id"], inline(("a", "a")))
    answer = runs.cancel(env.ctx(runs.ENDPOINTS[4], eval_id=made["id"], run_id=canceled["id"]))
    assert isinstance(answer.body, dict) and answer.body["status"] == "canceled"
    assert answer.body["per_model_usage"] is None  # it never started
    failing = env.create_run(made["id"], inline(("a", "a")))
    jobs.set_control(
        env.stores.state, Control(failing["id"], family.KIND, Plan("fail", "oops", "Failed."))
    )
    env.step(failing["id"])
    failed = env.step(failing["id"])
    assert failed["error"] == {"code": "oops", "message": "Failed."}
    assert [(e["type"], e["data"]["id"]) for e in env.sent] == [
        ("eval.run.succeeded", done["id"]),
        ("eval.run.canceled", canceled["id"]),
        ("eval.run.failed", failing["id"]),
    ]
    with pytest.raises(APIError) as caught:  # an ended run cannot be canceled
        runs.cancel(env.ctx(runs.ENDPOINTS[4], eval_id=made["id"], run_id=done["id"]))
    assert caught.value.status == 400 and "already completed" in caught.value.message


def test_a_source_that_cannot_be_read_fails_the_run() -> None:
    env = Env()
    made = env.create_eval()
    data = b'{"item": {"question": "q", "label": "a"}}\n{"item": {"question": 3, "label": "a"}}\n'
    ctx = env.ctx(evals.ENDPOINTS[0])
    upload = stored.create(ctx, data, filename="items.jsonl", purpose="evals")
    source = {"type": "jsonl", "source": {"type": "file_id", "id": upload["id"]}}
    mismatched = env.create_run(made["id"], source)
    failed = env.step(mismatched["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "invalid_item"
    assert "Item 1" in failed["error"]["message"] and "'question'" in failed["error"]["message"]
    bad = stored.create(ctx, b'{"item": 1}\n', filename="bad.jsonl", purpose="evals")
    run = env.create_run(made["id"], {**source, "source": {"type": "file_id", "id": bad["id"]}})
    assert env.step(run["id"])["error"]["message"].startswith("The data source's line 1 of")
    gone = stored.create(ctx, data[: data.index(b"\n") + 1], filename="g.jsonl", purpose="evals")
    run = env.create_run(made["id"], {**source, "source": {"type": "file_id", "id": gone["id"]}})
    assert env.step(run["id"])["status"] == "in_progress"
    stored.remove(ctx, gone["id"])
    assert env.step(run["id"])["error"]["code"] == "file_not_found"
    wrong = stored.create(ctx, data, filename="b.jsonl", purpose="batch")
    with pytest.raises(APIError) as caught:
        env.create_run(made["id"], {**source, "source": {"type": "file_id", "id": wrong["id"]}})
    assert (caught.value.status, caught.value.param) == (400, "data_source.source.id")
    with pytest.raises(APIError) as caught:
        env.create_run(made["id"], {**source, "source": {"type": "file_id", "id": "file-nope"}})
    assert caught.value.status == 404


def test_a_big_run_grades_in_the_background_and_adds_up() -> None:
    env = Env()
    made = env.create_eval()
    count = family.INLINE_ITEMS + 1
    pairs = [("yes", "yes" if n % 3 else "no") for n in range(count)]
    run = env.create_run(made["id"], inline(*pairs))
    ctx = env.ctx(runs.ENDPOINTS[2])
    done = jobs.drive(ctx, family.FAMILY, run["id"], "complete")
    failed = sum(1 for n in range(count) if n % 3 == 0)
    assert done["result_counts"] == {
        "total": count,
        "errored": 0,
        "failed": failed,
        "passed": count - failed,
    }
    assert len(env.items(run["id"])) == count
    assert [e["type"] for e in env.sent] == ["eval.run.succeeded"]


def test_deletes_take_what_belongs_to_them() -> None:
    env = Env()
    made = env.create_eval()
    run = env.create_run(made["id"], inline(("a", "a"), ("b", "c")))
    env.step(run["id"])
    env.step(run["id"])
    other = env.create_run(made["id"], inline(("a", "a")))
    answer = runs.delete(env.ctx(runs.ENDPOINTS[5], eval_id=made["id"], run_id=run["id"])).body
    assert answer == {"object": "eval.run.deleted", "deleted": True, "run_id": run["id"]}
    assert env.items(run["id"]) == []
    with pytest.raises(APIError) as caught:
        runs.retrieve(env.ctx(runs.ENDPOINTS[2], eval_id=made["id"], run_id=run["id"]))
    assert caught.value.status == 404 and caught.value.param == "run_id"
    deleted = evals.delete(env.ctx(evals.ENDPOINTS[4], eval_id=made["id"])).body
    assert deleted == {"object": "eval.deleted", "deleted": True, "eval_id": made["id"]}
    assert env.stores.state.get(family.KIND, other["id"]) is None
    with pytest.raises(APIError) as caught:
        evals.retrieve(env.ctx(evals.ENDPOINTS[2], eval_id=made["id"]))
    assert (
        caught.value.status == 404 and caught.value.message == f"No such Eval object: {made['id']}"
    )


def test_the_kinds_are_kept_and_control_jobs_knows_runs() -> None:
    assert {evals.KIND, evals.UPDATED, evals.RUNS, evals.OUTPUT_ITEMS} <= KEPT_KINDS
    assert FAMILIES[family.KIND] is family.FAMILY
