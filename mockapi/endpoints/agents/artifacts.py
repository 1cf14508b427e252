"""Session artifacts: the immutable files a completed turn published from its environment.

In the API an agent writes files in its hosted (or self-hosted) environment and a turn
publishes them; the mock runs no environment, so a test puts an artifact in place with
:func:`add_artifact` (``Control.add_agent_artifact``): a file at ``path`` of a session's
completed turn (its last one by default), with its bytes. The code under test then
reads it through the API:

* ``GET /v1/agents/sessions/{id}/artifacts`` (newest first; ``environment_id``
  filters), ``GET .../artifacts/{artifact_id}``, ``GET .../artifacts/{artifact_id}/content``
  (the bytes, ``application/octet-stream``), ``DELETE .../artifacts/{artifact_id}``;
* the SDK's ``artifacts.for_result(result)`` lists and picks by turn and path itself.

Assumed: the ``artifact_`` prefix and the 404 wording.
"""

from __future__ import annotations

from typing import Any

from mockapi.endpoints import objects
from mockapi.endpoints.agents import stored
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.state.store import StateStore

ARTIFACTS = stored.ARTIFACTS
_blob = stored.artifact_blob


def add_artifact(
    state: StateStore,
    *,
    seed: int,
    now: int,
    session_id: str,
    path: str,
    content: bytes,
    turn_id: str | None = None,
) -> dict[str, Any]:
    """Publish ``content`` at ``path`` as an artifact of the session's completed turn
    ``turn_id`` (its last completed turn when None); the artifact. Raises ValueError
    for a session or turn that cannot have published one."""
    session = state.get(stored.SESSIONS, session_id)
    if not isinstance(session, dict):
        raise ValueError(f"no agent session {session_id!r}: create it first")
    env_id = session["environment"].get("id")
    if env_id is None:
        raise ValueError(
            f"session {session_id!r} runs without an environment (type 'none'): only a "
            "hosted or self-hosted environment publishes artifacts"
        )
    done = [
        turn["id"]
        for turn in state.values(stored.TURNS)
        if turn.get("session_id") == session_id and turn.get("status") == "completed"
    ]
    if turn_id is None and not done:
        raise ValueError(f"session {session_id!r} has no completed turn to publish from")
    chosen = turn_id if turn_id is not None else done[-1]
    if chosen not in done:
        raise ValueError(f"turn {chosen!r} is not a completed turn of session {session_id!r}")
    if not path.startswith("/"):
        raise ValueError(f"an artifact's path is absolute in its environment, got {path!r}")
    artifact = {
        "id": objects.id_for(state, seed, "artifact_"),
        "object": "agent.session.artifact",
        "created_at": now,
        "environment_id": env_id,
        "path": path,
        "session_id": session_id,
        "size_bytes": len(content),
        "turn_id": chosen,
    }
    state.put_blob(_blob(artifact["id"]), content)
    state.put(ARTIFACTS, artifact["id"], artifact)
    return artifact


def _find(ctx: Context) -> dict[str, Any]:
    session = stored.find_session(ctx, ctx.params["session_id"])
    artifact_id = ctx.params["artifact_id"]
    found = ctx.state.get(ARTIFACTS, artifact_id)
    if not isinstance(found, dict) or found.get("session_id") != session["id"]:
        raise APIError(404, f"Artifact with id '{artifact_id}' not found.", param="artifact_id")
    return found


def list_artifacts(ctx: Context) -> FixtureResponse:
    session = stored.find_session(ctx, ctx.params["session_id"])
    env_id = dict(ctx.request.query).get("environment_id")
    chosen = [
        artifact
        for artifact in ctx.state.values(ARTIFACTS)
        if artifact["session_id"] == session["id"]
        and (env_id is None or artifact["environment_id"] == env_id)
    ]
    return FixtureResponse(body=objects.list_items(ctx, chosen))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_find(ctx))


def content(ctx: Context) -> FixtureResponse:
    artifact = _find(ctx)
    data = ctx.state.get_blob(_blob(artifact["id"])) or b""
    headers = {"content-type": "application/octet-stream"}
    return FixtureResponse(headers=headers, raw=data)


def delete(ctx: Context) -> FixtureResponse:
    artifact = _find(ctx)
    ctx.state.delete(ARTIFACTS, artifact["id"])
    ctx.state.delete_blob(_blob(artifact["id"]))
    answer = {"id": artifact["id"], "object": "agent.session.artifact.deleted", "deleted": True}
    return FixtureResponse(body=answer)


_ALL = "/v1/agents/sessions/{session_id}/artifacts"
_ONE = _ALL + "/{artifact_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", _ALL, lookup=list_artifacts),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("GET", _ONE + "/content", lookup=content),
    Endpoint("DELETE", _ONE, lookup=delete),
)
