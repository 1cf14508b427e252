"""What the API accepts of a file, whether it comes whole (``POST /v1/files``) or in
parts (``POST /v1/uploads``): its purpose, its name, its size and its expiry.

Pure: values in, the value to use or the API's :class:`~mockapi.errors.APIError` out.
The wording is the API's where it is known ("Invalid file format for Batch API. Must be
.jsonl", "File is too large."); what only the mock has (its per-file limit and its
total cap) says so and names the flag that moves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockapi import errors
from mockapi.config import DEFAULT_MAX_FILE_BYTES
from mockapi.endpoints.images.rules import invalid_value
from mockapi.errors import APIError, StateLimitError

UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
"""The purposes a client may upload a file with."""
OUTPUT_PURPOSES = ("batch_output", "fine-tune-results", "assistants_output")
"""The purposes of files only the server writes (a batch's output, a job's results)."""
JSONL_APIS = {"batch": "Batch API", "fine-tune": "Fine-Tuning API"}
"""Purposes whose files must be ``.jsonl``, and the API named in the refusal."""

MB = 1024 * 1024
API_MAX_FILE_BYTES = DEFAULT_MAX_FILE_BYTES
"""The API's limit on one file (512 MB)."""
BATCH_MAX_BYTES = 200 * MB
"""The Batch API's limit on an input file (200 MB)."""
UPLOAD_MAX_BYTES = 8 * 1024 * MB
"""The most an Upload accepts in all its parts (8 GB)."""
PART_MAX_BYTES = 64 * MB
"""The most one Upload part may hold (64 MB)."""

EXPIRY_MIN_SECONDS = 3600
EXPIRY_MAX_SECONDS = 2_592_000
BATCH_EXPIRY_SECONDS = 30 * 24 * 3600
"""Files with purpose ``batch`` expire 30 days after creation unless told otherwise."""


def check_purpose(purpose: Any) -> str:
    """``purpose`` when a client may upload with it, else the API's 400 (the output-only
    purposes included: only the server writes those)."""
    if purpose in UPLOAD_PURPOSES:
        return str(purpose)
    if purpose is None:
        raise errors.missing_parameter("purpose")
    raise invalid_value("purpose", purpose, UPLOAD_PURPOSES)


def check_filename(purpose: str, filename: str) -> None:
    """The API's 400 when a batch or fine-tuning file is not named ``*.jsonl``: it
    judges the format by the name at upload (the lines are checked later, by the job)."""
    api = JSONL_APIS.get(purpose)
    if api is not None and not filename.lower().endswith(".jsonl"):
        raise APIError(400, f"Invalid file format for {api}. Must be .jsonl")


def check_size(purpose: str, size: int) -> None:
    """The API's 400 for a file over its own limits (512 MB; 200 MB for a batch input).
    The mock's smaller ``--max-file-size``, if any, is the state store's to enforce."""
    limit = BATCH_MAX_BYTES if purpose == "batch" else API_MAX_FILE_BYTES
    if size > limit:
        raise too_large(size, limit, mock=False)


def too_large(size: int, limit: int, *, mock: bool) -> APIError:
    """The API's "File is too large." with the numbers, and whose limit it is."""
    whose = (
        "this mockapi server's per-file limit (--max-file-size raises it; the API's own "
        f"limit is {API_MAX_FILE_BYTES // MB} MB)"
        if mock
        else "the API's limit"
    )
    return APIError(
        400,
        f"File is too large. (mockapi: {size:,} bytes, over {whose} of {limit:,} bytes.)",
    )


def stored_too_much(problem: StateLimitError) -> APIError:
    """The answer for bytes the state store refused: over the per-file limit, or past
    the mock's total cap of stored bytes (which the API does not have)."""
    if problem.scope == "file":
        return too_large(problem.size, problem.limit, mock=True)
    return APIError(
        400,
        f"Storage limit reached: storing {problem.size:,} more bytes would take the files "
        f"stored on this mockapi server to {problem.used + problem.size:,} bytes, over its "
        f"total cap of {problem.limit:,} bytes. This is the mock's own cap, not the API's: "
        "delete files, reset the state (POST /__mockapi/reset), or start the server with "
        "a larger --max-state-size.",
    )


def expiry_seconds(purpose: str, expires_after: Any) -> int | None:
    """How long after its creation the file expires (None: never), from the request's
    ``expires_after`` (``{"anchor": "created_at", "seconds": 3600..2592000}``, already
    validated against the spec when validation is on) or the API's default: 30 days for
    ``batch`` files, never for the others."""
    if expires_after is None:
        return BATCH_EXPIRY_SECONDS if purpose == "batch" else None
    if not isinstance(expires_after, Mapping):
        raise APIError(
            400,
            "Invalid 'expires_after': expected an object with 'anchor' and 'seconds' "
            "(form fields expires_after[anchor] and expires_after[seconds]).",
            param="expires_after",
            code="invalid_type",
        )
    anchor = expires_after.get("anchor")
    if anchor != "created_at":
        raise invalid_value("expires_after.anchor", anchor, ("created_at",))
    seconds = expires_after.get("seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not EXPIRY_MIN_SECONDS <= seconds <= EXPIRY_MAX_SECONDS
    ):
        raise APIError(
            400,
            f"Invalid 'expires_after.seconds': expected an integer between "
            f"{EXPIRY_MIN_SECONDS} and {EXPIRY_MAX_SECONDS}, but got {seconds!r} instead.",
            param="expires_after.seconds",
            code="invalid_value",
        )
    return seconds
