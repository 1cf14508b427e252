"""The fallback answer of an endpoint with no family synthesizer: its response schema.

Spec-valid but content-free (like Prism's): every endpoint that has a derived response
schema can answer something well-formed, and families replace it with answers that
obey the request (see :mod:`mockapi.endpoint`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mockapi.endpoint import Context
from mockapi.errors import APIError
from mockapi.fixture import FixtureResponse
from mockapi.synthesis import schema_data


def request_seed(ctx: Context) -> str:
    """A stable seed for ``ctx``'s request: its endpoint, body, path and the server seed."""
    stable = {k: v for k, v in ctx.body.items() if k not in ("stream", "stream_options")}
    text = json.dumps(
        {"e": ctx.endpoint.key, "p": ctx.request.path, "b": stable, "s": ctx.seed},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def from_schema(ctx: Context) -> FixtureResponse:
    """A document valid against the endpoint's response schema, the same for the same request."""
    if ctx.response_schema is None:
        raise APIError(
            500,
            f"mockapi cannot synthesize an answer for {ctx.endpoint.key}: it has no response "
            "schema. Add a fixture for it.",
            type="server_error",
        )
    body: Any = schema_data.generate(ctx.response_schema, seed=request_seed(ctx))
    if isinstance(body, dict):
        for name, value in ctx.params.items():
            # A path parameter ending in _id is the object's own id: echo it back.
            if name.endswith("_id") and "id" in body:
                body["id"] = value
    return FixtureResponse(body=body)
