"""An eval's runs and their output items: ``/v1/evals/{eval_id}/runs...``.

* ``POST .../runs``: ``data_source`` (``jsonl``, ``completions`` or ``responses``; see
  :mod:`.sources` and :mod:`.sampling`), ``name`` (the model's name, or the data
  source's type, when none is given: assumed), ``metadata``. The run answers
  ``queued`` with ``result_counts`` zero and ``per_model_usage``,
  ``per_testing_criteria_results`` and ``error`` null, its ``data_source`` echoed as
  the API echoes it (template messages written out as ``message`` items,
  ``sampling_params`` null when none were given), and a ``report_url`` on the
  dashboard (``https://platform.openai.com/evaluations/{eval}?run_id={run}``, with
  the ``OpenAI-Project`` header's project first when given). A ``file_id`` that names
  no File is a 404, a File whose purpose is not ``evals`` a 400; ``input_messages``
  without a ``model`` (or the reverse) a 400 naming what is missing.
* ``GET .../runs`` (oldest first unless ``order=desc``; ``status`` filters),
  ``GET .../runs/{run_id}`` (one step of the run: :mod:`.family`),
  ``POST .../runs/{run_id}/cancel`` (and the spec's ``POST .../runs/{run_id}``):
  ``canceled`` at once; a run already ended is the 400 the mock words (assumed),
  ``DELETE .../runs/{run_id}`` (the run and its output items).
* ``GET .../runs/{run_id}/output_items`` (oldest first unless ``order=desc``;
  ``status`` ``pass`` or ``fail``) and ``.../output_items/{output_item_id}``.

Every route answers from the state store whatever ``on_miss`` says; an id the server
never issued (or one of another eval or run) is a 404 (``No such EvalRun object:
...``, the wording assumed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from mockapi.endpoints import jobs, objects
from mockapi.endpoints.chat.stored import check_metadata
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.evals import evals
from mockapi.endpoints.evals.family import FAMILY, KIND, OUTPUT_ITEMS
from mockapi.endpoints.files import stored
from mockapi.errors import APIError, missing_parameter
from mockapi.library.fixture import FixtureResponse

PREFIX = "evalrun_"
REPORTS = "https://platform.openai.com/evaluations/"
FILE_PURPOSE = "evals"


def create(ctx: Context) -> FixtureResponse:
    """``POST /v1/evals/{eval_id}/runs``: the run, ``queued``."""
    eval_id = ctx.params["eval_id"]
    evals.find(ctx, eval_id)
    data_source = _data_source(ctx, ctx.body.get("data_source"))
    model = str(data_source.get("model") or "")
    run_id = objects.new_id(ctx, PREFIX)
    query = {"run_id": run_id}
    project = ctx.request.headers.get("openai-project")
    if project:
        query = {"project_id": project, **query}
    record: dict[str, Any] = {
        "object": "eval.run",
        "id": run_id,
        "eval_id": eval_id,
        "report_url": f"{REPORTS}{eval_id}?{urlencode(query)}",
        "status": FAMILY.life.start,
        "model": model,
        "name": str(ctx.body.get("name") or model or data_source.get("type")),
        "created_at": ctx.clock.seconds(),
        "result_counts": {"total": 0, "errored": 0, "failed": 0, "passed": 0},
        "per_model_usage": None,
        "per_testing_criteria_results": None,
        "data_source": data_source,
        "error": None,
        "metadata": check_metadata(ctx.body.get("metadata")),
        "shared_with_openai": False,
    }
    return jobs.answer(ctx, FAMILY, jobs.start(ctx, FAMILY, record))


def list_runs(ctx: Context) -> FixtureResponse:
    """``GET /v1/evals/{eval_id}/runs``."""
    eval_id = ctx.params["eval_id"]
    evals.find(ctx, eval_id)
    where = {"eval_id": eval_id}
    status = dict(ctx.request.query).get("status")
    if status:
        where["status"] = status
    return FixtureResponse(body=objects.list_page(ctx, KIND, where=where, default_order="asc"))


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/evals/{eval_id}/runs/{run_id}``: the run, one step further."""
    run = _find(ctx)
    return jobs.answer(ctx, FAMILY, jobs.poll(ctx, FAMILY, str(run["id"])))


def cancel(ctx: Context) -> FixtureResponse:
    """``POST .../runs/{run_id}/cancel``: ``canceled`` (through the lifecycle's
    transient ``cancelling``, stepped at once); an ended run is a 400."""
    run = _find(ctx)
    run_id, status = str(run["id"]), str(run.get("status"))
    if status == "canceled":
        return jobs.answer(ctx, FAMILY, run)
    if FAMILY.life.finished(status):
        raise APIError(
            400,
            f"Run {run_id} is already {status}: only a queued or in-progress run can be canceled.",
            param="run_id",
        )
    return jobs.answer(ctx, FAMILY, jobs.cancel_now(ctx, FAMILY, run_id))


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/evals/{eval_id}/runs/{run_id}``: the run and its output items."""
    run_id = str(_find(ctx)["id"])
    evals.remove_run(ctx, run_id)
    return FixtureResponse(body={"object": "eval.run.deleted", "deleted": True, "run_id": run_id})


def list_output_items(ctx: Context) -> FixtureResponse:
    """``GET .../runs/{run_id}/output_items``: in the data source's order by default."""
    where = {"run_id": str(_find(ctx)["id"])}
    status = dict(ctx.request.query).get("status")
    if status:
        where["status"] = status
    page = objects.list_page(ctx, OUTPUT_ITEMS, where=where, default_order="asc")
    return FixtureResponse(body=page)


def retrieve_output_item(ctx: Context) -> FixtureResponse:
    """``GET .../runs/{run_id}/output_items/{output_item_id}``."""
    run = _find(ctx)
    item_id = ctx.params["output_item_id"]
    found = ctx.state.get(OUTPUT_ITEMS, item_id)
    if not isinstance(found, dict) or found.get("run_id") != run["id"]:
        raise objects.not_found("EvalRunOutputItem", item_id, param="output_item_id")
    return FixtureResponse(body=found)


def _find(ctx: Context) -> dict[str, Any]:
    """The path's run (its eval first), or the 404 naming the id that is unknown."""
    eval_id, run_id = ctx.params["eval_id"], ctx.params["run_id"]
    evals.find(ctx, eval_id)
    found = ctx.state.get(KIND, run_id)
    if not isinstance(found, dict) or found.get("eval_id") != eval_id:
        raise objects.not_found(FAMILY.noun, run_id, param="run_id")
    return found


def _data_source(ctx: Context, given: Any) -> dict[str, Any]:
    """The run's ``data_source`` as the API echoes it, once its references are checked."""
    source = dict(given) if isinstance(given, Mapping) else {}
    inner = source.get("source")
    if isinstance(inner, Mapping) and inner.get("type") == "file_id":
        _check_file(ctx, str(inner.get("id")))
    if source.get("type") == "jsonl":
        return source
    asked = source.get("input_messages")
    if isinstance(asked, Mapping) and not source.get("model"):
        raise missing_parameter("data_source.model")
    if source.get("model") and not isinstance(asked, Mapping):
        raise missing_parameter("data_source.input_messages")
    if isinstance(asked, Mapping) and asked.get("type") == "template":
        source["input_messages"] = {
            **asked,
            "template": evals.normalized_messages(asked.get("template")),
        }
    source.setdefault("sampling_params", None)
    return source


def _check_file(ctx: Context, file_id: str) -> None:
    param = "data_source.source.id"
    try:
        found = stored.find(ctx, file_id)
    except APIError as exc:
        raise objects.not_found("File", file_id, param=param) from exc
    if found.get("purpose") != FILE_PURPOSE:
        raise APIError(
            400,
            f"The data source file must have purpose '{FILE_PURPOSE}', but {file_id} has "
            f"purpose '{found.get('purpose')}'. Upload it again with purpose='{FILE_PURPOSE}'.",
            param=param,
            code="invalid_value",
        )


_EVAL = "/v1/evals/{eval_id}"
_RUN = _EVAL + "/runs/{run_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _EVAL + "/runs", body=Body.JSON, lookup=create),
    Endpoint("GET", _EVAL + "/runs", lookup=list_runs),
    Endpoint("GET", _RUN, lookup=retrieve),
    Endpoint("POST", _RUN, lookup=cancel),
    Endpoint("POST", _RUN + "/cancel", lookup=cancel),
    Endpoint("DELETE", _RUN, lookup=delete),
    Endpoint("GET", _RUN + "/output_items", lookup=list_output_items),
    Endpoint("GET", _RUN + "/output_items/{output_item_id}", lookup=retrieve_output_item),
)
