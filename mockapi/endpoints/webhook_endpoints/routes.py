"""The webhook endpoints API (``client.webhooks``), answered from the state store
(:mod:`~mockapi.endpoints.webhook_endpoints.stored`) whatever ``on_miss`` says:

* ``POST /v1/webhook_endpoints`` (``name``, ``url``, ``event_types``): the endpoint and
  its signing secret; ``GET`` list (newest first, 20 a page, ``after``), ``GET``,
  ``POST`` (update) and ``DELETE /v1/webhook_endpoints/{id}``;
* ``POST .../rotate_secret``: a new secret, shown once;
* ``POST .../test`` (``event_type``): one sample delivery of that type, signed with the
  endpoint's secret, sent now; the answer carries the receiver's HTTP status
  (``success`` is always true, as the API says; a receiver not reached is status 0,
  assumed);
* ``GET /v1/webhook_event_types``: the types an endpoint may take.

The client-side ``client.webhooks.unwrap`` / ``verify_signature`` need no route.
"""

from __future__ import annotations

from typing import Any

from mockapi import errors
from mockapi.endpoints import objects
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.webhook_endpoints import stored
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse

_SAMPLE_IDS = {
    "batch": "batch_", "response": "resp_", "eval": "evalrun_", "fine_tuning": "ftjob-",
    "realtime": "rtc_", "video": "video_", "agent": "agsess_", "safety": "salert_",
    "health": "halert_",
}  # fmt: skip


def create(ctx: Context) -> FixtureResponse:
    name = ctx.body.get("name")
    if not isinstance(name, str) or not name:
        raise errors.missing_parameter("name")
    made = stored.create(
        ctx,
        name=name,
        url=stored.check_url(ctx.body.get("url")),
        event_types=stored.check_event_types(ctx.body.get("event_types")),
    )
    return FixtureResponse(body=made)


def list_endpoints(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=objects.list_page(ctx, stored.KIND))


def retrieve(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.find(ctx, ctx.params["webhook_endpoint_id"]))


def update(ctx: Context) -> FixtureResponse:
    changes: dict[str, Any] = {}
    if "name" in ctx.body:
        changes["name"] = str(ctx.body["name"])
    if "url" in ctx.body:
        changes["url"] = stored.check_url(ctx.body["url"])
    if "event_types" in ctx.body:
        changes["event_types"] = stored.check_event_types(ctx.body["event_types"])
    return FixtureResponse(body=stored.update(ctx, ctx.params["webhook_endpoint_id"], changes))


def delete(ctx: Context) -> FixtureResponse:
    endpoint_id = ctx.params["webhook_endpoint_id"]
    stored.remove(ctx, endpoint_id)
    answer = {"id": endpoint_id, "object": "webhook_endpoint.deleted", "deleted": True}
    return FixtureResponse(body=answer)


def rotate_secret(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=stored.rotate(ctx, ctx.params["webhook_endpoint_id"]))


def test(ctx: Context) -> FixtureResponse:
    """One sample delivery of ``event_type`` to the endpoint, now."""
    endpoint = stored.find(ctx, ctx.params["webhook_endpoint_id"])
    kind = ctx.body.get("event_type")
    if kind not in stored.EVENT_TYPES:
        raise APIError(
            400,
            f"Invalid 'event_type': {kind!r}. GET /v1/webhook_event_types lists the types.",
            param="event_type",
            code="invalid_value",
        )
    if ctx.deliver is None:
        raise APIError(
            500, "mockapi: this server delivers no webhooks (it runs without its web layer)."
        )
    prefix = _SAMPLE_IDS.get(str(kind).split(".", 1)[0], "obj_")
    event = {
        "object": "event",
        "id": objects.new_id(ctx, "evt_"),
        "type": kind,
        "created_at": ctx.clock.seconds(),
        "data": {"id": prefix + "test"},
    }
    secret = stored.secret_of(ctx.state, str(endpoint["id"]))
    status = ctx.deliver(str(endpoint["url"]), secret, event)
    answer = {
        "object": "webhook_endpoint.test",
        "webhook_endpoint_id": endpoint["id"],
        "event_type": kind,
        "status_code": status,
        "success": True,
    }
    return FixtureResponse(body=answer)


def event_types(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body={"object": "list", "data": list(stored.EVENT_TYPES)})


_ONE = "/v1/webhook_endpoints/{webhook_endpoint_id}"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/webhook_endpoints", body=Body.JSON, lookup=create),
    Endpoint("GET", "/v1/webhook_endpoints", lookup=list_endpoints),
    Endpoint("GET", _ONE, lookup=retrieve),
    Endpoint("POST", _ONE, body=Body.JSON, lookup=update),
    Endpoint("DELETE", _ONE, lookup=delete),
    Endpoint("POST", _ONE + "/rotate_secret", body=Body.JSON, lookup=rotate_secret),
    Endpoint("POST", _ONE + "/test", body=Body.JSON, lookup=test),
    Endpoint("GET", "/v1/webhook_event_types", lookup=event_types),
)
