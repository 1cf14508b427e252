"""A test's control over the jobs the server created, and over the mock's clock.

:class:`Jobs` is what ``Control.jobs`` is (the pytest handle and the admin API call it):
every job the server created (a batch, a fine-tuning job, a vector store file, an
organization invite, which ``complete`` accepts; later runs, videos), found by its id
whatever its family, moved on at once:

* :meth:`Jobs.advance` (one job) and :meth:`Jobs.advance_all`: one step, as a retrieve
  would take it (a held job stays put; a step running in the background is waited for);
* :meth:`Jobs.complete`: released and run to its end now (a batch's lines run through
  the replay flow; a batch whose file is bad still ends ``failed``);
* :meth:`Jobs.fail` with an API error code and message, :meth:`Jobs.expire`;
* :meth:`Jobs.hold` ("stuck": retrieves no longer move it, to test a client's timeout)
  and :meth:`Jobs.release`.

Each returns the job's object as the API shows it afterwards. An unknown id raises
MockapiError naming the jobs there are. A family whose objects are not stored under
their ``id`` (a vector store file: the File's id, in each store it is attached to)
defines ``key_of(record)`` (the state store key of one of its objects) and
``resolve(state, job_id)`` (the key an id a test passes stands for, or None).

Work done on a test's behalf (a batch's lines) is sent with the server's first API key
(``--api-key``), or a placeholder when the server accepts any key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi.config import OnMiss
from mockapi.endpoints import jobs as driver
from mockapi.endpoints.admin import invites
from mockapi.endpoints.assistants import family as runs
from mockapi.endpoints.batches import routes as batches
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.endpoints.evals import family as eval_runs
from mockapi.endpoints.fine_tuning import family as fine_tuning
from mockapi.endpoints.vector_stores import processing as vector_store_files
from mockapi.endpoints.videos import family as videos
from mockapi.errors import MockapiError
from mockapi.model import Request
from mockapi.replay.engine import Replayer
from mockapi.state import lifecycle

FAMILIES: Mapping[str, driver.Family] = {
    batches.FAMILY.life.kind: batches.FAMILY,
    vector_store_files.FAMILY.life.kind: vector_store_files.FAMILY,
    fine_tuning.FAMILY.life.kind: fine_tuning.FAMILY,
    eval_runs.FAMILY.life.kind: eval_runs.FAMILY,
    invites.FAMILY.life.kind: invites.FAMILY,
    videos.FAMILY.life.kind: videos.FAMILY,
    runs.FAMILY.life.kind: runs.FAMILY,
}
"""Every family with a lifecycle, by the state store kind of its objects."""
PLACEHOLDER_KEY = "sk-mockapi-jobs"
"""The key a test's job work is sent with when the server accepts any key."""
_CONTROL = Endpoint("POST", "/__mockapi/jobs")


class Jobs:
    """The jobs of one :class:`~mockapi.replay.engine.Replayer` (see the module docstring)."""

    def __init__(self, replayer: Replayer) -> None:
        self._replayer = replayer

    def all(self) -> list[dict[str, Any]]:
        """Every job's object, oldest first, each family in turn."""
        state = self._replayer.state
        return [job for kind in FAMILIES for job in state.values(kind) if isinstance(job, dict)]

    def get(self, job_id: str) -> dict[str, Any]:
        """The job's object as the API shows it now (without moving it)."""
        family, key = self._locate(job_id)
        return driver.find(self._context(), family, key)

    def advance(self, job_id: str) -> dict[str, Any]:
        """One step of the job, as a retrieve would take it; MockapiError if it is held."""
        return self._drive(job_id, "advance")

    def advance_all(self) -> list[dict[str, Any]]:
        """One step of every unfinished job that is not held; their objects afterwards."""
        moved = []
        for family, key, job in self._entries():
            control = driver.control_of(self._replayer.state, key, family.life.kind)
            if not family.life.finished(str(job.get("status"))) and not control.held:
                moved.append(self.advance(key))
        return moved

    def complete(self, job_id: str) -> dict[str, Any]:
        """Release the job and run it to its end now."""
        return self._drive(job_id, "complete")

    def fail(
        self,
        job_id: str,
        code: str = lifecycle.DEFAULT_FAILURE_CODE,
        message: str | None = None,
    ) -> dict[str, Any]:
        """End the job failed with the API error ``code`` and ``message``."""
        return self._drive(job_id, "fail", code=code, message=message)

    def expire(self, job_id: str) -> dict[str, Any]:
        """End the job expired (a batch: its lines not run go to the error file)."""
        return self._drive(job_id, "expire")

    def hold(self, job_id: str) -> dict[str, Any]:
        """Stop the job where it is: retrieves answer it unchanged until released or completed."""
        return self._drive(job_id, "hold")

    def release(self, job_id: str) -> dict[str, Any]:
        """Let a held job move again from the next retrieve."""
        return self._drive(job_id, "release")

    def expire_due(self) -> list[dict[str, Any]]:
        """Expire every unfinished job whose ``expires_at`` the mock's clock has reached
        (after the clock moved); the jobs that expired."""
        ended = []
        context = self._context()
        for family, key, job in self._entries():
            if family.life.finished(str(job.get("status"))):
                continue
            after = driver.expire_if_due(context, family, key)
            if after.get("status") != job.get("status"):
                ended.append(after)
        return ended

    # -- helpers ---------------------------------------------------------------------

    def _drive(self, job_id: str, action: str, **details: str | None) -> dict[str, Any]:
        family, key = self._locate(job_id)
        return driver.drive(self._context(), family, key, action, **details)

    def _entries(self) -> list[tuple[driver.Family, str, dict[str, Any]]]:
        """Every job as its family, its state store key and its object."""
        state = self._replayer.state
        found = []
        for kind, family in FAMILIES.items():
            key_of = getattr(family, "key_of", None)
            for job in state.values(kind):
                if isinstance(job, dict):
                    found.append((family, str(key_of(job) if key_of else job["id"]), job))
        return found

    def _locate(self, job_id: str) -> tuple[driver.Family, str]:
        """The job's family and state store key, or MockapiError naming the jobs there are."""
        state = self._replayer.state
        for kind, family in FAMILIES.items():
            if isinstance(state.get(kind, job_id), dict):
                return family, job_id
        for family in FAMILIES.values():
            resolve = getattr(family, "resolve", None)
            key = resolve(state, job_id) if resolve else None
            if key is not None:
                return family, str(key)
        known = [str(job.get("id")) for job in self.all()]
        listed = ", ".join(known[-10:]) if known else "none yet"
        raise MockapiError(f"no job {job_id!r} on this server (jobs: {listed})")

    def _context(self) -> Context:
        """What a family's step sees when a test (not a request) moves a job."""
        replayer = self._replayer
        keys = sorted(replayer.settings.api_keys)
        key = keys[0] if keys else PLACEHOLDER_KEY
        request = Request("POST", _CONTROL.template, {"authorization": f"Bearer {key}"})
        return Context(
            request=request,
            endpoint=_CONTROL,
            params={},
            body={},
            seed=replayer.settings.seed,
            state=replayer.state,
            models=(),
            synthesize=replayer.settings.on_miss is OnMiss.SYNTHESIZE,
            clock=replayer.clock,
            settings=replayer.settings,
            dispatch=replayer.dispatch,
            notify=replayer.webhooks.notifier(),
        )
