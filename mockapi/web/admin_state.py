"""The admin API's view of what the server created, its jobs and its clock.

- ``GET /__mockapi/objects/{kind}``: what the server created of a kind (``files``,
  ``batches``, ``uploads``, ...), oldest first, as ``{"object": "list", "data": [...]}``;
- ``GET /__mockapi/files/{file_id}/content``: a kept file's bytes (a batch's output);
- ``GET /__mockapi/jobs``: every job (batches); ``GET /__mockapi/jobs/{id}``: one;
- ``POST /__mockapi/jobs/advance``: one step of every unfinished job not held;
- ``POST /__mockapi/jobs/{id}/{action}``: ``advance``, ``complete``, ``fail`` (body
  ``{"code": "...", "message": "..."}``, both optional), ``expire``, ``hold`` (stuck),
  ``release``; answers the job as the API shows it afterwards;
- ``GET /__mockapi/clock``, ``POST /__mockapi/clock/advance`` ``{"seconds": 86400}``:
  the mock's time, moved forward (jobs whose window ran out expire);
- ``GET /__mockapi/webhooks``: where finished jobs' events go (``{"webhooks": [{"url":
  ...}]}``); ``PUT`` ``{"webhooks": [{"url": "...", "secret": "whsec_..."}]}`` replaces
  them (``[]``: none). A secret is write-only: no answer ever shows it.

An unknown job or file is a 404, advancing a held job a 409 saying to release it, in
OpenAI's error shape like the rest of the admin API. Each call goes to
:class:`~mockapi.replay.control.Control`, as the pytest handle's do.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse

from mockapi.endpoints.jobs import ACTIONS
from mockapi.errors import MockapiError
from mockapi.replay.control import Control
from mockapi.web.admin_http import body, error, json


class StateAPI:
    """HTTP in, :class:`Control` calls about created objects, jobs and the clock, JSON out."""

    def __init__(self, control: Control) -> None:
        self.control = control

    async def objects(self, request: StarletteRequest) -> StarletteResponse:
        kind = request.path_params["kind"]
        return json(200, {"object": "list", "kind": kind, "data": self.control.objects(kind)})

    async def file_content(self, request: StarletteRequest) -> StarletteResponse:
        try:
            data = self.control.file_content(request.path_params["file_id"])
        except MockapiError as exc:
            raise error(404, f"{exc}.", "file_id", "file_not_found") from None
        return StarletteResponse(data, media_type="application/octet-stream")

    async def jobs(self, request: StarletteRequest) -> StarletteResponse:
        return json(200, {"object": "list", "data": self.control.jobs.all()})

    async def job(self, request: StarletteRequest) -> StarletteResponse:
        job_id = self._known(request.path_params["job_id"])
        return json(200, self.control.jobs.get(job_id))

    async def advance_all(self, request: StarletteRequest) -> StarletteResponse:
        return json(200, {"object": "list", "data": self.control.jobs.advance_all()})

    async def act(self, request: StarletteRequest) -> StarletteResponse:
        job_id = self._known(request.path_params["job_id"])
        action = request.path_params["action"]
        if action not in ACTIONS:
            raise error(
                404,
                f"No job action {action!r}; use one of {', '.join(ACTIONS)}.",
                "action",
                "unknown_action",
            )
        jobs = self.control.jobs
        code, message = await _failure(request) if action == "fail" else (None, None)
        try:
            if action == "fail":
                given = {"code": code} if code else {}
                return json(200, jobs.fail(job_id, message=message, **given))
            return json(200, getattr(jobs, action)(job_id))
        except MockapiError as exc:  # a held job advanced, a step another process holds
            raise error(409, f"{exc}.", "job_id", "job_conflict") from None

    async def clock(self, request: StarletteRequest) -> StarletteResponse:
        return json(200, self._clock_json())

    async def advance_clock(self, request: StarletteRequest) -> StarletteResponse:
        given = await body(request)
        seconds = given.get("seconds") if isinstance(given, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise error(
                400,
                f"'seconds' must be a number >= 0 (the clock only moves forward), got {seconds!r}.",
                "seconds",
            )
        self.control.clock_advance(float(seconds))
        return json(200, self._clock_json())

    async def webhooks(self, request: StarletteRequest) -> StarletteResponse:
        return json(200, self._webhooks_json())

    async def put_webhooks(self, request: StarletteRequest) -> StarletteResponse:
        given = await body(request)
        entries = given.get("webhooks") if isinstance(given, dict) else None
        usage = 'Send {"webhooks": [{"url": "https://...", "secret": "whsec_..."}, ...]}.'
        if not isinstance(entries, list) or set(given) != {"webhooks"}:
            raise error(400, usage, "webhooks", "invalid_webhooks")
        pairs = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or set(entry) != {"url", "secret"}:
                raise error(400, f"webhooks[{index}]: {usage}", f"webhooks[{index}]")
            pairs.append((entry["url"], entry["secret"]))
        try:
            self.control.set_webhooks(pairs)
        except MockapiError as exc:  # names the URL, never the secret
            raise error(400, f"{exc}.", "webhooks", "invalid_webhooks") from None
        return json(200, self._webhooks_json())

    def _webhooks_json(self) -> dict[str, Any]:
        return {"webhooks": [{"url": url} for url in self.control.webhook_urls()]}

    def _clock_json(self) -> dict[str, Any]:
        now, offset = self.control.clock_now()
        return {"now": now, "offset": offset}

    def _known(self, job_id: str) -> str:
        if not any(job.get("id") == job_id for job in self.control.jobs.all()):
            raise error(404, f"No job {job_id!r} on this server.", "job_id", "job_not_found")
        return job_id


async def _failure(request: StarletteRequest) -> tuple[str | None, str | None]:
    """The ``code`` and ``message`` of a ``fail`` call's optional JSON body."""
    given = await body(request, optional=True)
    if given is None:
        return None, None
    if not isinstance(given, dict):
        raise error(400, "The body must be a JSON object with 'code' and 'message'.")
    code, message = given.get("code"), given.get("message")
    for name, value in (("code", code), ("message", message)):
        if value is not None and not isinstance(value, str):
            raise error(400, f"'{name}' must be a string, got {value!r}.", name)
    return code, message
