"""``responses.create(conversation=...)``: a response that reads and extends a conversation.

A ``POST /v1/responses`` (plain, streamed, or a WebSocket ``response.create``) whose
``conversation`` names one (``"conv_..."`` or ``{"id": "conv_..."}``):

* reads the conversation's items as the context before its ``input``
  (:func:`context`, which :func:`mockapi.endpoints.responses.routes.history_of` returns
  in place of a ``previous_response_id`` chain): synthesis answers after them and
  ``usage.input_tokens`` counts them like any input, as for a chain;
* after a successful answer (a fixture's too: :func:`append_turn` runs from the
  endpoint's ``remember``), appends the request's input items, then the response's
  output items, to the conversation, in order, with the ids the response's
  ``input_items`` and ``output`` show (a background response's output once complete,
  as the API shows a conversation's items only whole). This happens with ``store:
  false`` too: a conversation is stored on its own (assumed; the API documents no
  exception);
* answers ``conversation: {"id": ...}`` in the response (:func:`reference`).

Refusals, before synthesis (a fixture that matches still answers, so a recording with
the real API's conversation ids replays): ``previous_response_id`` together with
``conversation`` is the API's 400 ``mutually_exclusive_parameters`` with the wording
two independent live probes of the API recorded, names abbreviated as the API's
messages abbreviate long ones (``'pre..._id'``); an id that does not begin with
``conv`` is the API's 400 naming ``conversation``; an unknown conversation its 404.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.endpoints.conversations import stored
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError

EXCLUSIVE = (
    "Mutually exclusive parameters: ''. Ensure you are only providing one of: "
    "'pre..._id' or 'conversation'."
)
"""The API's message for ``previous_response_id`` with ``conversation`` (verbatim)."""


def named(request: Mapping[str, Any]) -> str | None:
    """The conversation id ``request`` names (a string, or an object's ``id``), or None."""
    given = request.get("conversation")
    if isinstance(given, dict):
        given = given.get("id")
    return given if isinstance(given, str) else None


def reference(request: Mapping[str, Any]) -> dict[str, str] | None:
    """The response's ``conversation`` field for ``request``: ``{"id": ...}`` or None."""
    conversation_id = named(request)
    return None if conversation_id is None else {"id": conversation_id}


def _chains(request: Mapping[str, Any]) -> bool:
    previous = request.get("previous_response_id")
    return isinstance(previous, str) and bool(previous)


def context(ctx: Context) -> list[dict[str, Any]]:
    """The named conversation's items, oldest first: the context before the input (the
    API's 400 or 404 when the request cannot use it)."""
    conversation_id = named(ctx.body)
    if conversation_id is None:
        return []
    if _chains(ctx.body):
        raise APIError(400, EXCLUSIVE, code="mutually_exclusive_parameters")
    stored.check_id(conversation_id, "conversation")
    if stored.get(ctx.state, conversation_id) is None:
        raise stored.not_found(conversation_id)
    return stored.items_of(ctx.state, conversation_id)


def usable(ctx: Context) -> bool:
    """Whether the request names a conversation it can read and extend (never raises:
    a fixture answered it, whatever the state holds)."""
    conversation_id = named(ctx.body)
    if conversation_id is None or _chains(ctx.body):
        return False
    return stored.get(ctx.state, conversation_id) is not None


def append_turn(
    ctx: Context, response: Mapping[str, Any], listed_input: Sequence[Mapping[str, Any]]
) -> None:
    """Add the turn to the request's conversation: ``listed_input`` (the input items as
    the response's ``input_items`` lists them), then ``response``'s output items.

    Nothing happens when the request names no conversation it can use (a fixture
    answered a request naming one the mock never created)."""
    if not usable(ctx):
        return
    conversation_id = str(named(ctx.body))
    stored.add_input(ctx, conversation_id, listed_input)
    output = [dict(i) for i in response.get("output") or [] if isinstance(i, dict)]
    stored.append(ctx, conversation_id, output)
