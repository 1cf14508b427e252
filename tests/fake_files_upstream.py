"""A fake OpenAI upstream for Files and Batches on a real port, for the recording tests.

It speaks the real protocol as the SDK expects it (strict models): ``POST /v1/files``
(multipart) answers a file object, ``GET /v1/files/{id}`` the object and
``GET /v1/files/{id}/content`` the exact bytes as ``application/octet-stream``;
``POST /v1/batches`` answers the batch ``validating``, and each ``GET /v1/batches/{id}``
moves it one step: ``validating``, ``in_progress``, then ``completed``, with an output
file of one line per input line (``"Answer to <custom_id>"``). Every request is kept
(``upstream.requests``: method, path, lower-cased headers, the body as received)::

    with FilesUpstream() as upstream:
        client = openai.OpenAI(base_url=upstream.url + "/v1", api_key="sk-test")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockapi.web.server import ServerThread
from mockapi.wire import multipart

CREATED_AT = 1_760_000_000
STEPS = ("validating", "validating", "in_progress", "completed")
"""A batch's status at creation, then after each retrieve (the last one stays)."""


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FilesUpstream:
    """The fake (see the module docstring); a context manager that serves on a free port."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._retrieves: dict[str, int] = {}
        routes = [
            Route("/v1/files", self._upload, methods=["POST"]),
            Route("/v1/files/{file_id}", self._file, methods=["GET"]),
            Route("/v1/files/{file_id}/content", self._content, methods=["GET"]),
            Route("/v1/batches", self._create_batch, methods=["POST"]),
            Route("/v1/batches/{batch_id}", self._batch, methods=["GET"]),
        ]
        self.app = Starlette(routes=routes)
        self._server = ServerThread(self.app)

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> FilesUpstream:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    async def _received(self, request: Request) -> Received | Response:
        seen = Received(
            request.method,
            request.url.path,
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
        )
        self.requests.append(seen)
        if not seen.headers.get("authorization", "").startswith("Bearer "):
            return _error(401, "You didn't provide an API key.", "invalid_request_error")
        return seen

    def _store(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{len(self.files) + 1:024d}"
        made = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": CREATED_AT + len(self.files),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        self.files[file_id] = (made, data)
        return made

    async def _upload(self, request: Request) -> Response:
        seen = await self._received(request)
        if isinstance(seen, Response):
            return seen
        fields, parts = multipart.parse(seen.body, seen.headers["content-type"])
        purpose = dict(fields)["purpose"]
        [part] = [p for p in parts if p.name == "file"]
        return JSONResponse(self._store(part.data, part.filename, purpose))

    async def _file(self, request: Request) -> Response:
        seen = await self._received(request)
        if isinstance(seen, Response):
            return seen
        found = self.files.get(request.path_params["file_id"])
        if found is None:
            return _not_found("File", request.path_params["file_id"])
        return JSONResponse(found[0])

    async def _content(self, request: Request) -> Response:
        seen = await self._received(request)
        if isinstance(seen, Response):
            return seen
        found = self.files.get(request.path_params["file_id"])
        if found is None:
            return _not_found("File", request.path_params["file_id"])
        return Response(found[1], media_type="application/octet-stream")

    async def _create_batch(self, request: Request) -> Response:
        seen = await self._received(request)
        if isinstance(seen, Response):
            return seen
        asked = json.loads(seen.body)
        batch_id = f"batch_{len(self.batches) + 1:024d}"
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": asked["endpoint"],
            "model": "gpt-4o-mini",
            "errors": None,
            "input_file_id": asked["input_file_id"],
            "completion_window": asked["completion_window"],
            "status": STEPS[0],
            "output_file_id": None,
            "error_file_id": None,
            "created_at": CREATED_AT + 100,
            "in_progress_at": None,
            "expires_at": CREATED_AT + 100 + 86_400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": asked.get("metadata"),
        }
        self._retrieves[batch_id] = 0
        return JSONResponse(self.batches[batch_id])

    async def _batch(self, request: Request) -> Response:
        seen = await self._received(request)
        if isinstance(seen, Response):
            return seen
        batch_id = request.path_params["batch_id"]
        if batch_id not in self.batches:
            return _not_found("Batch", batch_id)
        self._retrieves[batch_id] += 1
        step = STEPS[min(self._retrieves[batch_id], len(STEPS) - 1)]
        batch = self.batches[batch_id]
        if step != batch["status"]:
            self._advance(batch, step)
        return JSONResponse(batch)

    def _advance(self, batch: dict[str, Any], step: str) -> None:
        lines = self.files[batch["input_file_id"]][1].decode().splitlines()
        total = len([line for line in lines if line.strip()])
        batch["status"] = step
        batch["request_counts"] = {"total": total, "completed": 0, "failed": 0}
        batch["in_progress_at"] = CREATED_AT + 101
        if step == "completed":
            output = "".join(
                json.dumps(_output_line(index, json.loads(line))) + "\n"
                for index, line in enumerate(lines)
                if line.strip()
            )
            made = self._store(output.encode(), "batch_output.jsonl", "batch_output")
            batch["output_file_id"] = made["id"]
            batch["request_counts"]["completed"] = total
            batch["finalizing_at"] = CREATED_AT + 102
            batch["completed_at"] = CREATED_AT + 103


def _output_line(index: int, asked: dict[str, Any]) -> dict[str, Any]:
    """What the Batch API writes for a chat line that succeeded."""
    body = {
        "id": f"chatcmpl-{index:08d}",
        "object": "chat.completion",
        "created": CREATED_AT,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": f"Answer to {asked['custom_id']}",
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
        "system_fingerprint": "fp_0000000000",
    }
    return {
        "id": f"batch_req_{index:024d}",
        "custom_id": asked["custom_id"],
        "response": {"status_code": 200, "request_id": f"req_{index:024d}", "body": body},
        "error": None,
    }


def _error(status: int, message: str, kind: str) -> Response:
    error = {"message": message, "type": kind, "param": None, "code": None}
    return JSONResponse({"error": error}, status_code=status)


def _not_found(noun: str, object_id: str) -> Response:
    return _error(404, f"No such {noun} object: {object_id}", "invalid_request_error")
