"""Evals: ``/v1/evals`` create, list, retrieve, update, delete, from the state store.

An eval is a data source config and testing criteria (graders). What create answers,
as the API shows it (the reference's examples and recorded answers):

* ``data_source_config``: ``custom`` becomes ``{"type": "custom", "schema": {...}}``, the
  ``item_schema`` under ``properties.item`` (and, with ``include_sample_schema``, the
  sample's schema under ``properties.sample``, both required); ``logs`` and
  ``stored_completions`` get the schema ``{item: object, sample: object}`` and keep
  their ``metadata``. An ``item_schema`` that is not a JSON Schema is a 400.
* ``testing_criteria``: each grader checked as ``graders.validate`` checks it
  (:mod:`mockapi.endpoints.fine_tuning.grader_check`: templates, ranges, labels,
  Python source parsed, never run), its messages written out as the API writes them
  (``{"type": "message", "role", "content": {"type": "input_text", "text"}}``), and an
  ``id``: the name, a dash and a UUID, which the runs' ``per_testing_criteria_results``
  and output items' ``results`` name it by.
* ``name`` (an eval given none is named :data:`DEFAULT_NAME`: assumed) and
  ``metadata`` (``{}`` when none).

The list pages oldest first unless ``order=desc`` (the spec's default), by
``created_at`` or, with ``order_by=updated_at``, by the last create or update.
Deleting an eval deletes its runs and their output items. An unknown id is a 404
(``No such Eval object: eval_...``: the wording is assumed).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.chat.stored import check_metadata
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.evals.kinds import KIND, OUTPUT_ITEMS, RUNS, UPDATED
from mockapi.endpoints.fine_tuning import grader_check
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state import lifecycle
from mockapi.validation import instances

PREFIX = "eval_"
DEFAULT_NAME = "Untitled eval"
CRITERIA_TYPES = ("label_model", "string_check", "text_similarity", "python", "score_model")
"""The grader types an eval's testing criteria take."""
SAMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "message": {
                        "type": "object",
                        "properties": {
                            "role": {"type": "string", "enum": ["assistant"]},
                            "content": {"type": ["string", "null"]},
                            "refusal": {"type": ["boolean", "null"]},
                        },
                        "required": ["role"],
                    },
                    "finish_reason": {"type": "string"},
                },
                "required": ["index", "message", "finish_reason"],
            },
        },
        "output_text": {"type": "string"},
        "output_json": {"type": "object"},
        "output_tools": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["model", "choices"],
}
"""The ``sample`` schema of a custom config with ``include_sample_schema`` (a recorded
answer's, its tool-call details left out)."""
_LOGGED = {
    "type": "object",
    "properties": {"item": {"type": "object"}, "sample": {"type": "object"}},
    "required": ["item", "sample"],
}


def find(ctx: Context, eval_id: str) -> dict[str, Any]:
    """The eval, or the 404 naming ``eval_id``."""
    found = ctx.state.get(KIND, eval_id)
    if not isinstance(found, dict):
        raise objects.not_found("Eval", eval_id, param="eval_id")
    return found


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/evals``."""
    body = ctx.body
    eval_id = objects.new_id(ctx, PREFIX)
    criteria = body.get("testing_criteria")
    if not isinstance(criteria, list) or not criteria:
        raise APIError(
            400,
            "Invalid 'testing_criteria': empty array. Give at least one grader.",
            param="testing_criteria",
            code="empty_array",
        )
    record = {
        "object": "eval",
        "id": eval_id,
        "data_source_config": _config(body.get("data_source_config")),
        "testing_criteria": [
            _criterion(ctx, eval_id, index, grader) for index, grader in enumerate(criteria)
        ],
        "name": str(body.get("name") or DEFAULT_NAME),
        "created_at": ctx.clock.seconds(),
        "metadata": check_metadata(body.get("metadata")),
    }
    ctx.state.put(KIND, eval_id, record)
    ctx.state.put(UPDATED, eval_id, ctx.clock.now())
    return FixtureResponse(body=record)


def list_evals(ctx: Context) -> FixtureResponse:
    """``GET /v1/evals``: oldest first by default, by ``created_at`` or ``updated_at``."""
    if dict(ctx.request.query).get("order_by") == "updated_at":
        evals = ctx.state.values(KIND)
        evals.sort(key=lambda found: float(ctx.state.get(UPDATED, found["id"]) or 0))
        return FixtureResponse(body=objects.list_items(ctx, evals, default_order="asc"))
    return FixtureResponse(body=objects.list_page(ctx, KIND, default_order="asc"))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/evals/{eval_id}``."""
    return FixtureResponse(body=find(ctx, ctx.params["eval_id"]))


def update(ctx: Context) -> FixtureResponse:
    """``POST /v1/evals/{eval_id}``: a new ``name`` and/or ``metadata``."""
    eval_id = ctx.params["eval_id"]
    find(ctx, eval_id)
    changes: dict[str, Any] = {}
    if "name" in ctx.body:
        changes["name"] = str(ctx.body["name"])
    if "metadata" in ctx.body:
        changes["metadata"] = check_metadata(ctx.body["metadata"])
    updated = ctx.state.update(KIND, eval_id, lambda found: {**found, **changes})
    if not isinstance(updated, dict):  # deleted meanwhile
        raise objects.not_found("Eval", eval_id, param="eval_id")
    ctx.state.put(UPDATED, eval_id, ctx.clock.now())
    return FixtureResponse(body=updated)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/evals/{eval_id}``: the eval, its runs and their output items."""
    eval_id = ctx.params["eval_id"]
    find(ctx, eval_id)
    for run in ctx.state.values(RUNS):
        if isinstance(run, dict) and run.get("eval_id") == eval_id:
            remove_run(ctx, str(run["id"]))
    ctx.state.delete(KIND, eval_id)
    ctx.state.delete(UPDATED, eval_id)
    return FixtureResponse(body={"object": "eval.deleted", "deleted": True, "eval_id": eval_id})


def remove_run(ctx: Context, run_id: str) -> None:
    """Forget the run, its job control and its output items (a step still running in
    the background loses its lease and writes nothing more)."""
    ctx.state.delete(RUNS, run_id)
    ctx.state.delete(lifecycle.KIND, run_id)
    for item in ctx.state.values(OUTPUT_ITEMS):
        if isinstance(item, dict) and item.get("run_id") == run_id:
            ctx.state.delete(OUTPUT_ITEMS, str(item["id"]))


def normalized_messages(messages: Any) -> list[Any]:
    """``messages`` (a grader's input, a run's template) as the API writes them back:
    each a ``message``, a string content as an ``input_text`` item."""
    made: list[Any] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, Mapping):
            made.append(message)
            continue
        content = message.get("content")
        if isinstance(content, str):
            content = {"type": "input_text", "text": content}
        made.append({"type": "message", **message, "content": content})
    return made


def _config(given: Any) -> dict[str, Any]:
    config = given if isinstance(given, Mapping) else {}
    kind = str(config.get("type"))
    if kind != "custom":
        return {"type": kind, "metadata": config.get("metadata"), "schema": dict(_LOGGED)}
    item_schema = config.get("item_schema")
    problem = instances.schema_problem(item_schema)
    if problem is not None:
        raise APIError(
            400,
            f"Invalid 'data_source_config.item_schema': {problem}.",
            param="data_source_config.item_schema",
            code="invalid_value",
        )
    properties: dict[str, Any] = {"item": item_schema}
    if config.get("include_sample_schema"):
        properties["sample"] = SAMPLE_SCHEMA
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return {"type": "custom", "schema": schema}


def _criterion(ctx: Context, eval_id: str, index: int, grader: Any) -> dict[str, Any]:
    checked = dict(grader_check.check(grader, f"testing_criteria[{index}]", types=CRITERIA_TYPES))
    if "input" in checked and isinstance(checked["input"], list):
        checked["input"] = normalized_messages(checked["input"])
    digest = hashlib.sha256(f"{ctx.seed}:{eval_id}:{index}".encode()).digest()
    name = str(checked.get("name", ""))
    return {"name": name, "id": f"{name}-{uuid.UUID(bytes=digest[:16], version=4)}", **checked}


def item_schema(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schema a run's items must fit: a custom config's ``item_schema``, else None."""
    config = record.get("data_source_config") or {}
    if config.get("type") != "custom":
        return None
    found = ((config.get("schema") or {}).get("properties") or {}).get("item")
    return found if isinstance(found, Mapping) else None


_ONE = "/v1/evals/{eval_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/evals", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/evals", lookup=list_evals),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
)
