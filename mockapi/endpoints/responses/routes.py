"""The Responses API: ``/v1/responses`` and its sub-resources.

* ``POST /v1/responses``: fixtures (one serves both stream modes, and a short body is
  completed: :mod:`~mockapi.endpoints.responses.stream`), else synthesis
  (:mod:`~mockapi.endpoints.responses.synthesis`). Every answer with ``store`` not false
  is kept, so that ``previous_response_id`` chains from it (its input and output are
  the new request's conversation so far, and count as its input tokens) and the
  endpoints below find it. A request naming a ``conversation`` reads its items instead
  and adds the turn to it (:mod:`~mockapi.endpoints.responses.conversation`).
  ``background: true`` answers ``status: "queued"``; the
  response is complete on the next retrieve, unless cancelled first (either end sends
  its webhook event, ``response.completed`` or ``response.cancelled``).
* ``GET /v1/responses/{id}`` (``?stream=true`` replays its events, after
  ``starting_after``), ``DELETE``, ``POST .../cancel`` and ``GET .../input_items``
  (newest first by default, cursor pages) answer from what the server kept. An id it
  never created gets the real API's 404, or, when the server synthesizes, a
  well-formed object with that id (tests use fixed ids).
* ``POST /v1/responses/input_tokens`` counts, always (no model is needed), and
  ``POST /v1/responses/compact`` compacts a conversation when the server synthesizes.
"""

from __future__ import annotations

from random import Random
from typing import Any

from mockapi import errors
from mockapi.endpoints import models
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.events import announce
from mockapi.endpoints.responses import code_interpreter, conversation, file_search
from mockapi.endpoints.responses import synthesis as responses_synth
from mockapi.endpoints.responses.items import count_input_tokens, input_items, raw_items
from mockapi.endpoints.responses.kinds import STORED as STORED
from mockapi.endpoints.responses.output import complete
from mockapi.endpoints.responses.stream import SHAPE, snapshot
from mockapi.errors import APIError
from mockapi.generate import text
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Response
from mockapi.state.objects import paginate


def not_found(response_id: str) -> APIError:
    """The real API's answer for a response id it does not know."""
    return APIError(404, f"No response found with id '{response_id}'.")


def previous_not_found(response_id: str) -> APIError:
    """The real API's answer for an unknown ``previous_response_id``."""
    return APIError(
        404,
        f"Previous response with id '{response_id}' not found.",
        param="previous_response_id",
        code="previous_response_not_found",
    )


def history_of(ctx: Context) -> list[dict[str, Any]]:
    """The conversation before this request: the chained responses' input and output
    items, or the named ``conversation``'s items, oldest first (raises the API's 404 for
    an unknown ``previous_response_id`` or conversation, its 400 for both at once)."""
    if conversation.named(ctx.body) is not None:
        return conversation.context(ctx)
    previous = ctx.body.get("previous_response_id")
    if not isinstance(previous, str) or not previous:
        return []
    entry = ctx.state.get(STORED, previous)
    if entry is None:
        raise previous_not_found(previous)
    output = entry["response"].get("output") or []
    return [*entry["history"], *entry["items"], *[i for i in output if isinstance(i, dict)]]


# -- POST /v1/responses ----------------------------------------------------------------------


def create(ctx: Context) -> FixtureResponse:
    """Synthesize the answer to a ``POST /v1/responses`` no fixture matched."""
    models.check_usable(ctx, ctx.body.get("model"))
    history = history_of(ctx)
    synthesized = responses_synth.synthesize(ctx.body, history, seed=ctx.seed)
    synthesized = file_search.answer(ctx, synthesized, history)  # the tool, when asked
    synthesized = code_interpreter.answer(ctx, synthesized, history)
    body = complete(synthesized, ctx.body, history)
    if ctx.body.get("background") is True and not ctx.request.wants_stream:
        # Kept complete; answered (and listed until the next retrieve) as queued.
        ctx.state.put(STORED + ".pending", body["id"], body)
        queued = {**snapshot(body, ctx.body), "status": "queued"}
        queued["service_tier"] = body["service_tier"]
        return FixtureResponse(body=queued)
    return FixtureResponse(body=body)


def remember(ctx: Context, response: Response) -> None:
    """Keep what ``POST /v1/responses`` answered (unless ``store: false``), and add the
    turn to its conversation (:func:`conversation.append_turn`)."""
    kept = ctx.body.get("store") is not False
    if not kept and conversation.named(ctx.body) is None:
        return
    if response.events is not None:
        body = SHAPE.complete(SHAPE.from_events(response.events, ctx.body), ctx.body)
    else:
        body = response.body
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return
    pending = ctx.state.get(STORED + ".pending", body["id"])
    ctx.state.delete(STORED + ".pending", body["id"])
    listed = input_items(ctx.body)
    history = history_of(ctx) if _chains_known(ctx) else []
    conversation.append_turn(ctx, pending or body, listed)
    if not kept:
        return
    ctx.state.put(
        STORED,
        body["id"],
        {
            "response": body,
            "pending": pending,
            "items": raw_items(ctx.body),
            "input": listed,
            "history": history,
        },
    )


def _chains_known(ctx: Context) -> bool:
    if conversation.named(ctx.body) is not None:
        return conversation.usable(ctx)
    previous = ctx.body.get("previous_response_id")
    return isinstance(previous, str) and ctx.state.get(STORED, previous) is not None


# -- the stored responses ----------------------------------------------------------------------


def _entry(ctx: Context) -> dict[str, Any] | None:
    found = ctx.state.get(STORED, ctx.params["response_id"])
    return found if isinstance(found, dict) else None


def _stand_in(response_id: str, seed: int, **fields: Any) -> dict[str, Any]:
    """A well-formed response for an id the server never created (synthesize mode)."""
    answer = text.answer("", Random(f"{response_id}:{seed}"))
    request = {"model": "gpt-4o-mini", "input": ""}
    body: dict[str, Any] = complete({"id": response_id, "output_text": answer, **fields}, request)
    return body


def retrieve(ctx: Context) -> FixtureResponse:
    """``GET /v1/responses/{id}``: the kept response (finished if it was queued)."""
    response_id = ctx.params["response_id"]
    entry = _entry(ctx)
    if entry is None:
        if not ctx.synthesize:
            raise not_found(response_id)
        body = _stand_in(response_id, ctx.seed)
    else:
        body = entry["response"]
        if entry.get("pending"):
            body = entry["pending"]
            ctx.state.put(STORED, response_id, {**entry, "response": body, "pending": None})
            announce(ctx, body)  # response.completed (or .incomplete, .failed)
    query = dict(ctx.request.query)
    if query.get("stream", "").lower() != "true":
        return FixtureResponse(body=body)
    events = SHAPE.to_events(body, {})
    after = query.get("starting_after")
    if after is not None:
        try:
            start = int(after)
        except ValueError:
            raise APIError(
                400,
                f"Invalid 'starting_after': expected an integer, got {after!r}.",
                param="starting_after",
            ) from None
        events = tuple(e for e in events if e.data["sequence_number"] > start)
    return FixtureResponse(events=events)


def delete(ctx: Context) -> FixtureResponse:
    """``DELETE /v1/responses/{id}``: forget the response (later lookups are 404s)."""
    response_id = ctx.params["response_id"]
    if not ctx.state.delete(STORED, response_id) and not ctx.synthesize:
        raise not_found(response_id)
    return FixtureResponse(body={"id": response_id, "object": "response", "deleted": True})


def cancel(ctx: Context) -> FixtureResponse:
    """``POST /v1/responses/{id}/cancel``: only a background response can be cancelled;
    a queued one becomes ``cancelled``, a finished one is answered as it is."""
    response_id = ctx.params["response_id"]
    entry = _entry(ctx)
    if entry is None:
        if not ctx.synthesize:
            raise not_found(response_id)
        body = _stand_in(response_id, ctx.seed, background=True, status="cancelled", output=[])
        return FixtureResponse(body=body)
    body = entry["response"]
    if body.get("background") is not True:
        raise APIError(
            400,
            f"Only responses created with background=true can be cancelled; response "
            f"'{response_id}' was created without it.",
        )
    if entry.get("pending"):
        body = {**body, "status": "cancelled", "completed_at": None}
        ctx.state.put(STORED, response_id, {**entry, "response": body, "pending": None})
        announce(ctx, body)  # response.cancelled
    return FixtureResponse(body=body)


def list_input_items(ctx: Context) -> FixtureResponse:
    """``GET /v1/responses/{id}/input_items``: the request's input items, with ids."""
    response_id = ctx.params["response_id"]
    entry = _entry(ctx)
    if entry is None:
        if not ctx.synthesize:
            raise not_found(response_id)
        items: list[Any] = input_items({"input": "Hello!"})
    else:
        items = entry["input"]
    return FixtureResponse(body=paginate(items, dict(ctx.request.query), default_order="desc"))


# -- counting and compacting ------------------------------------------------------------------


def count_tokens(ctx: Context) -> FixtureResponse:
    """``POST /v1/responses/input_tokens``: what ``usage.input_tokens`` would say."""
    count = count_input_tokens(ctx.body, history_of(ctx))
    return FixtureResponse(body={"object": "response.input_tokens", "input_tokens": count})


def compact(ctx: Context) -> FixtureResponse:
    """``POST /v1/responses/compact``: the user messages and one compaction item."""
    if "model" not in ctx.body:
        raise errors.missing_parameter("model")
    history = history_of(ctx)
    counted = count_input_tokens(ctx.body, history)
    return FixtureResponse(body=responses_synth.compacted(ctx.body, history, counted))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST", "/v1/responses", body=Body.JSON, synthesize=create, remember=remember, shape=SHAPE
    ),
    Endpoint("GET", "/v1/responses/{response_id}", lookup=retrieve),
    Endpoint("DELETE", "/v1/responses/{response_id}", lookup=delete),
    Endpoint("POST", "/v1/responses/{response_id}/cancel", lookup=cancel),
    Endpoint("GET", "/v1/responses/{response_id}/input_items", lookup=list_input_items),
    Endpoint("POST", "/v1/responses/input_tokens", body=Body.JSON, lookup=count_tokens),
    Endpoint("POST", "/v1/responses/compact", body=Body.JSON, synthesize=compact),
)
