"""The Evals operation the spec lacks, for :func:`mockapi.validation.additions.extend`.

The SDK cancels an eval run with ``POST /evals/{eval_id}/runs/{run_id}/cancel``
(``openai`` 3.63, ``client.evals.runs.cancel``; the API reference's cancel example
posts there too); the spec declares the cancel as ``POST /evals/{eval_id}/runs/{run_id}``
only. Both answer the run (``EvalRun``, the spec's component).
"""

from __future__ import annotations

from mockapi.validation.additions import Operation

WHY = (
    "mockapi: not in the OpenAI spec; the official SDK's evals.runs.cancel posts here "
    "(openai-python 3.63) and the spec's cancelEvalRun answers the same EvalRun"
)
OPERATIONS: tuple[Operation, ...] = (
    Operation("POST", "/evals/{eval_id}/runs/{run_id}/cancel", WHY, response="EvalRun"),
)
