"""What the Assistants family keeps, and the API's refusals of ids it does not know.

Each object lives in its own state store kind (never evicted: a thread must not lose
its beginning while a client goes on talking in it, nor a run its steps):
:data:`ASSISTANTS`, :data:`THREADS`, :data:`MESSAGES` (each with its ``thread_id``),
:data:`RUNS` (each with its ``thread_id``) and :data:`STEPS` (each with its ``run_id``),
so a thread's messages or a run's steps list in creation order and page like every
list (``where=``).

Ids are the API's: ``asst_``, ``thread_``, ``msg_``, ``run_`` and ``step_`` with 24
letters and digits (:func:`mockapi.endpoints.objects.new_id`). An id with another
prefix is the API's 400 (``Invalid 'thread_id': 'x'. Expected an ID that begins with
'thread'.``, as quoted in openai/openai-node#1545); an id it never issued (or deleted)
its 404 ``No thread found with id 'thread_x'.`` (``No assistant found with id ...``
as quoted by SDK users; the same wording assumed for messages, runs and run steps).

Every Assistants route also needs the ``OpenAI-Beta: assistants=v2`` header the SDK
sends: without it the API answers 400 ``invalid_beta`` (:func:`check_beta`).
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError

ASSISTANTS = "assistants"
THREADS = "threads"
MESSAGES = "thread_messages"
RUNS = "runs"
STEPS = "run_steps"
KINDS = frozenset({ASSISTANTS, THREADS, MESSAGES, RUNS, STEPS})
"""The kinds this family keeps (never evicted: :data:`mockapi.state.objects.KEPT_KINDS`)."""

PREFIXES = {
    "assistant": "asst_",
    "thread": "thread_",
    "message": "msg_",
    "run": "run_",
    "run step": "step_",
}
"""The id prefix of each object, by the noun the API's messages use for it."""
_KINDS = {
    "assistant": ASSISTANTS,
    "thread": THREADS,
    "message": MESSAGES,
    "run": RUNS,
    "run step": STEPS,
}
ACTIVE = frozenset({"queued", "in_progress", "requires_action", "cancelling"})
"""The statuses of a run that holds its thread: no message or other run may be added."""
BETA_HEADER = "openai-beta"
BETA_VALUE = "assistants=v2"


def check_beta(ctx: Context) -> None:
    """The API's 400 for a request without ``OpenAI-Beta: assistants=v2``."""
    given = ctx.request.headers.get(BETA_HEADER, "")
    if BETA_VALUE in {part.strip() for part in given.split(",")}:
        return
    raise APIError(
        400,
        "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please "
        f"try again by setting the header 'OpenAI-Beta: {BETA_VALUE}'.",
        code="invalid_beta",
    )


def check_id(value: str, noun: str, param: str) -> None:
    """The API's 400 for ``value`` (the ``param`` of a path or body) that cannot be an id
    of a ``noun`` (``thread``): it does not begin with its prefix."""
    stem = PREFIXES[noun].rstrip("_")
    if not value.startswith(stem):
        raise APIError(
            400,
            f"Invalid '{param}': '{value}'. Expected an ID that begins with '{stem}'.",
            param=param,
            code="invalid_value",
        )


def not_found(noun: str, object_id: str) -> APIError:
    """The API's 404 for a ``noun`` it never issued (or deleted)."""
    return APIError(404, f"No {noun} found with id '{object_id}'.")


def find(ctx: Context, noun: str, object_id: str, *, param: str | None = None) -> dict[str, Any]:
    """The stored ``noun`` (``"thread"``) with ``object_id``: the 400 for an id of
    another kind (``param`` names where it came from, the noun's ``<noun>_id`` by
    default), the 404 for one not kept."""
    check_id(object_id, noun, param or f"{noun.replace(' ', '_')}_id")
    found = ctx.state.get(_KINDS[noun], object_id)
    if not isinstance(found, dict):
        raise not_found(noun, object_id)
    return found


def in_thread(ctx: Context, noun: str, object_id: str, thread_id: str) -> dict[str, Any]:
    """The stored message or run ``object_id`` of the thread ``thread_id`` (which must
    exist); the 404 for one of another thread."""
    find(ctx, "thread", thread_id)
    found = find(ctx, noun, object_id)
    if found.get("thread_id") != thread_id:
        raise not_found(noun, object_id)
    return found


def active_run(ctx: Context, thread_id: str) -> dict[str, Any] | None:
    """The thread's run that is still active (:data:`ACTIVE`), or None."""
    page = ctx.state.page(RUNS, order="desc", limit=1 << 30, where={"thread_id": thread_id})
    for run in page.data:
        if isinstance(run, dict) and run.get("status") in ACTIVE:
            return run
    return None


def deleted(object_id: str, obj: str) -> dict[str, Any]:
    """The answer of a delete: ``{"id", "object": "<obj>.deleted", "deleted": true}``."""
    return {"id": object_id, "object": f"{obj}.deleted", "deleted": True}


def store(ctx: Context, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """Keep ``record`` (a new object, or one replaced whole) under its id; the record."""
    ctx.state.put(kind, str(record["id"]), record)
    return record


def change(ctx: Context, kind: str, object_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Set ``fields`` on the stored object (atomically); the object afterwards (just
    its id and ``fields`` when another request removed it meanwhile)."""
    updated = ctx.state.update(kind, object_id, lambda raw: {**(raw or {}), **fields})
    return updated if isinstance(updated, dict) else {"id": object_id, **fields}


def metadata_of(body: dict[str, Any], current: Any = None) -> dict[str, Any]:
    """The ``metadata`` a create or update sets: the body's (null: none), else ``current``."""
    if "metadata" not in body:
        return dict(current) if isinstance(current, dict) else {}
    given = body.get("metadata")
    return dict(given) if isinstance(given, dict) else {}
