"""Uploads without a server (mockapi.endpoints.files.uploads): parts as blobs, joined in
order, dropped after completion, cancel and expiry; the stream that joins them."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from mockapi.config import Settings
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import rules, stored, uploads
from mockapi.errors import APIError
from mockapi.model import FilePart, Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore

ROUTES = {endpoint.key: endpoint for endpoint in uploads.ENDPOINTS}


def call(
    state: ObjectStore,
    key: str,
    *,
    upload_id: str = "",
    body: dict[str, Any] | None = None,
    data: bytes | None = None,
    settings: Settings | None = None,
) -> Any:
    """The answer body of the endpoint ``key``'s handler, as the engine would call it."""
    endpoint = ROUTES[key]
    files = (FilePart("data", "blob", "application/octet-stream", data),) if data else ()
    request = Request(endpoint.method, endpoint.template, files=files)
    ctx = Context(
        request=request,
        endpoint=endpoint,
        params={"upload_id": upload_id} if upload_id else {},
        body=body or {},
        seed=0,
        state=state,
        models=[],
        synthesize=False,
        clock=Clock(state),
        settings=settings or Settings(),
    )
    assert endpoint.lookup is not None
    return endpoint.lookup(ctx).body


def new_upload(state: ObjectStore, size: int, **extra: Any) -> dict[str, Any]:
    body = {"filename": "data.jsonl", "purpose": "batch", "bytes": size, "mime_type": "x"}
    return dict(call(state, "POST /v1/uploads", body={**body, **extra}))


def add(state: ObjectStore, upload_id: str, data: bytes) -> str:
    part = call(state, "POST /v1/uploads/{upload_id}/parts", upload_id=upload_id, data=data)
    return str(part["id"])


def refused(state: ObjectStore, key: str, **kwargs: Any) -> APIError:
    with pytest.raises(APIError) as caught:
        call(state, key, **kwargs)
    return caught.value


def test_parts_are_joined_in_the_order_given_and_their_blobs_dropped() -> None:
    state = ObjectStore()
    upload = new_upload(state, 9)
    assert (upload["status"], upload["file"]) == ("pending", None)
    assert upload["expires_at"] == upload["created_at"] + 3600
    a, b, c = (add(state, upload["id"], chunk) for chunk in (b"aaa", b"bbb", b"ccc"))
    assert all(p.startswith("part_") for p in (a, b, c))
    assert state.get(uploads.KIND, upload["id"])["upload"] == upload  # no parts in it
    done = call(
        state,
        "POST /v1/uploads/{upload_id}/complete",
        upload_id=upload["id"],
        body={"part_ids": [c, a, b], "md5": hashlib.md5(b"cccaaabbb").hexdigest()},
    )
    assert done["status"] == "completed"
    made = done["file"]
    assert (made["bytes"], made["filename"], made["purpose"]) == (9, "data.jsonl", "batch")
    assert made["expires_at"] == made["created_at"] + rules.BATCH_EXPIRY_SECONDS
    assert state.get_blob(made["id"]) == b"cccaaabbb"
    assert [state.get_blob(p) for p in (a, b, c)] == [None, None, None]
    assert state.get(uploads.KIND, upload["id"])["parts"] == {}


def test_a_bytes_or_md5_mismatch_leaves_the_upload_pending() -> None:
    state = ObjectStore()
    upload = new_upload(state, 6)
    part = add(state, upload["id"], b"abc")
    key = "POST /v1/uploads/{upload_id}/complete"
    short = refused(state, key, upload_id=upload["id"], body={"part_ids": [part]})
    assert (short.status, short.param) == (400, "part_ids")
    assert "(3, in 1 Part)" in short.message and "(6)" in short.message
    second = add(state, upload["id"], b"def")
    wrong = refused(
        state, key, upload_id=upload["id"], body={"part_ids": [part, second], "md5": "0" * 32}
    )
    assert (wrong.status, wrong.param) == (400, "md5")
    assert hashlib.md5(b"abcdef").hexdigest() in wrong.message
    assert state.values(stored.KIND) == []  # no File was made
    done = call(state, key, upload_id=upload["id"], body={"part_ids": [part, second]})
    assert state.get_blob(done["file"]["id"]) == b"abcdef"


def test_part_ids_must_name_this_uploads_parts_once_each() -> None:
    state = ObjectStore()
    first, other = new_upload(state, 2), new_upload(state, 1)
    mine = add(state, first["id"], b"x")
    theirs = add(state, other["id"], b"y")
    key = "POST /v1/uploads/{upload_id}/complete"
    foreign = refused(state, key, upload_id=first["id"], body={"part_ids": [mine, theirs]})
    assert (foreign.param, foreign.code) == ("part_ids", "invalid_value")
    assert theirs in foreign.message
    twice = refused(state, key, upload_id=first["id"], body={"part_ids": [mine, mine]})
    assert "listed twice" in twice.message


def test_cancel_drops_the_parts_and_closes_the_upload() -> None:
    state = ObjectStore()
    upload = new_upload(state, 4)
    part = add(state, upload["id"], b"abcd")
    cancelled = call(state, "POST /v1/uploads/{upload_id}/cancel", upload_id=upload["id"])
    assert cancelled["status"] == "cancelled"
    assert state.get_blob(part) is None
    for key, extra in (
        ("POST /v1/uploads/{upload_id}/parts", {"data": b"more"}),
        ("POST /v1/uploads/{upload_id}/complete", {"body": {"part_ids": [part]}}),
        ("POST /v1/uploads/{upload_id}/cancel", {}),
    ):
        error = refused(state, key, upload_id=upload["id"], **extra)
        assert (error.status, error.param) == (400, "upload_id")
        assert "its status is 'cancelled'" in error.message


def test_an_upload_expires_an_hour_after_creation_on_the_mocks_clock() -> None:
    state = ObjectStore()
    upload = new_upload(state, 4)
    part = add(state, upload["id"], b"ab")
    Clock(state).advance(3600)
    error = refused(state, "POST /v1/uploads/{upload_id}/parts", upload_id=upload["id"], data=b"cd")
    assert "its status is 'expired'" in error.message
    assert state.get(uploads.KIND, upload["id"])["upload"]["status"] == "expired"
    assert state.get_blob(part) is None


def test_an_unknown_upload_is_the_apis_404() -> None:
    error = refused(ObjectStore(), "POST /v1/uploads/{upload_id}/cancel", upload_id="upload_x")
    assert (error.status, error.message) == (404, "No such Upload object: upload_x")


def test_the_declared_size_is_held_to_the_api_and_the_mocks_limits() -> None:
    state = ObjectStore()
    over_api = refused(
        state,
        "POST /v1/uploads",
        body={"filename": "a.pdf", "purpose": "assistants", "bytes": rules.UPLOAD_MAX_BYTES + 1},
    )
    assert (over_api.param, over_api.code) == ("bytes", "invalid_value")
    over_mock = refused(
        state,
        "POST /v1/uploads",
        body={"filename": "a.pdf", "purpose": "assistants", "bytes": 5000},
        settings=Settings(max_file_bytes=4096),
    )
    assert over_mock.message.startswith("File is too large.")
    assert "--max-file-size" in over_mock.message
    not_jsonl = refused(
        state, "POST /v1/uploads", body={"filename": "a.csv", "purpose": "batch", "bytes": 1}
    )
    assert not_jsonl.message == "Invalid file format for Batch API. Must be .jsonl"


def test_a_part_over_64_mb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "PART_MAX_BYTES", 4)  # the rule, without 64 MB of test data
    state = ObjectStore()
    upload = new_upload(state, 5)
    error = refused(
        state, "POST /v1/uploads/{upload_id}/parts", upload_id=upload["id"], data=b"12345"
    )
    assert (error.status, error.param) == (400, "data")
    assert "5 bytes" in error.message


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1 << 20])
def test_joined_reads_the_parts_in_order_whatever_the_read_size(size: int) -> None:
    parts = {"p1": b"abc", "p2": b"", "p3": b"defgh", "p4": b"i"}
    joined = uploads.Joined(parts.__getitem__, ["p3", "p1", "p2", "p4"])
    buffered = io.BufferedReader(joined)
    out = b""
    while chunk := buffered.read(size):
        out += chunk
    assert out == b"defghabci"
