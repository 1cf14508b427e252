"""The Assistants family's routes (``client.beta.assistants`` and ``client.beta.threads``).

Every route answers from the state store whatever ``on_miss`` says (a run's model
answer comes through the replay flow: :mod:`~mockapi.endpoints.assistants.turn`).
Before its handler, each route is refused as the API refuses it: shut down under the
sunset switch (:mod:`~mockapi.endpoints.assistants.sunset`), then without the
``OpenAI-Beta: assistants=v2`` header
(:func:`~mockapi.endpoints.assistants.records.check_beta`).
"""

from __future__ import annotations

from collections.abc import Callable

from mockapi.endpoints.assistants import assistants, messages, records, runs, steps, sunset, threads
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.library.fixture import FixtureResponse

Handler = Callable[[Context], FixtureResponse]

_THREAD = "/v1/threads/{thread_id}"
_MESSAGE = _THREAD + "/messages/{message_id}"
_RUN = _THREAD + "/runs/{run_id}"


def _guarded(handler: Handler) -> Handler:
    """``handler`` behind the sunset switch and the beta header check."""

    def answer(ctx: Context) -> FixtureResponse:
        if sunset.is_down(ctx):
            raise sunset.gone(ctx)
        records.check_beta(ctx)
        return handler(ctx)

    answer.__doc__ = handler.__doc__
    return answer


def _row(method: str, template: str, handler: Handler, body: Body | None = None) -> Endpoint:
    """A route: a ``POST`` takes a JSON body unless ``body`` says otherwise."""
    if body is None:
        body = Body.JSON if method == "POST" else Body.NONE
    return Endpoint(method, template, body=body, lookup=_guarded(handler))


ENDPOINTS: tuple[Endpoint, ...] = (
    _row("POST", "/v1/assistants", assistants.create),
    _row("GET", "/v1/assistants", assistants.list_assistants),
    _row("GET", "/v1/assistants/{assistant_id}", assistants.retrieve),
    _row("POST", "/v1/assistants/{assistant_id}", assistants.update),
    _row("DELETE", "/v1/assistants/{assistant_id}", assistants.delete),
    _row("POST", "/v1/threads", threads.create),
    _row("POST", "/v1/threads/runs", runs.create_and_run),
    _row("GET", _THREAD, threads.retrieve),
    _row("POST", _THREAD, threads.update),
    _row("DELETE", _THREAD, threads.delete),
    _row("POST", _THREAD + "/messages", messages.create),
    _row("GET", _THREAD + "/messages", messages.list_messages),
    _row("GET", _MESSAGE, messages.retrieve),
    _row("POST", _MESSAGE, messages.update),
    _row("DELETE", _MESSAGE, messages.delete),
    _row("POST", _THREAD + "/runs", runs.create),
    _row("GET", _THREAD + "/runs", runs.list_runs),
    _row("GET", _RUN, runs.retrieve),
    _row("POST", _RUN, runs.update),
    _row("POST", _RUN + "/cancel", runs.cancel, Body.NONE),
    _row("POST", _RUN + "/submit_tool_outputs", runs.submit_tool_outputs),
    _row("GET", _RUN + "/steps", steps.list_steps),
    _row("GET", _RUN + "/steps/{step_id}", steps.retrieve),
)
