"""Containers without a server (mockapi.endpoints.containers): a container's life on the
mock's clock (running, each use restarting its idle time, expired with its files
dropped), its files (uploaded, copied from a File, read back, removed) and the API's
errors."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints.containers import routes, stored
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.endpoints.files import stored as files
from mockapi.errors import APIError
from mockapi.model import FilePart, Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from tests.unit.endpoints.contexts import handler_context

ROUTES = {endpoint.key: endpoint for endpoint in routes.ENDPOINTS}
ONE = "/v1/containers/{container_id}"


class Box:
    """A memory state store and a wall clock the test moves, and contexts over them."""

    def __init__(self) -> None:
        self.state = ObjectStore()
        self.now = 1_700_000_000.0
        self.clock = Clock(self.state, wall=lambda: self.now)

    def context(
        self,
        endpoint: Endpoint,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        upload: FilePart | None = None,
        query: tuple[tuple[str, str], ...] = (),
    ) -> Context:
        """The context of a request to ``endpoint`` (JSON ``body`` or one uploaded file)."""
        request = Request(
            endpoint.method,
            endpoint.template,
            {},
            query=query,
            json=body,
            files=(upload,) if upload else (),
        )
        return handler_context(request, endpoint, self.state, self.clock, params=params)

    def call(self, key: str, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """The answer of the endpoint ``key``'s handler: its body, or its raw bytes."""
        endpoint = ROUTES[key]
        assert endpoint.lookup is not None
        answer = endpoint.lookup(self.context(endpoint, body, **kwargs))
        return answer.raw if answer.raw is not None else answer.body

    def refused(self, key: str, body: dict[str, Any] | None = None, **kwargs: Any) -> APIError:
        with pytest.raises(APIError) as caught:
            self.call(key, body, **kwargs)
        return caught.value

    def file(self, data: bytes, name: str) -> str:
        """A File the server stored (``POST /v1/files``), its id."""
        ctx = self.context(ROUTES["POST /v1/containers"])
        return str(files.create(ctx, data, filename=name, purpose="user_data")["id"])

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)


def test_a_container_as_the_api_answers_it() -> None:
    box = Box()
    made = box.call("POST /v1/containers", {"name": "My Container", "memory_limit": "4g"})
    assert list(made) == [
        "id", "object", "created_at", "status", "expires_after", "last_active_at",
        "memory_limit", "name",
    ]  # fmt: skip
    assert made["id"].startswith("cntr_") and len(made["id"]) == len("cntr_") + 48
    assert (made["object"], made["status"], made["memory_limit"]) == ("container", "running", "4g")
    assert made["expires_after"] == {"anchor": "last_active_at", "minutes": 20}
    assert made["created_at"] == made["last_active_at"] == int(box.now)
    policy = {"type": "allowlist", "allowed_domains": ["pypi.org"], "domain_secrets": []}
    second = box.call("POST /v1/containers", {"name": "b", "network_policy": policy})
    assert second["network_policy"] == {"type": "allowlist", "allowed_domains": ["pypi.org"]}
    assert second["memory_limit"] == "1g"


def test_idle_past_its_minutes_it_expires_and_its_files_go() -> None:
    box = Box()
    expiry = {"anchor": "last_active_at", "minutes": 5}
    made = box.call("POST /v1/containers", {"name": "c", "expires_after": expiry})
    where = {"container_id": made["id"]}
    upload = FilePart("file", "a.txt", "text/plain", b"abc")
    kept = box.call(f"POST {ONE}/files", params=where, upload=upload)
    box.advance(4 * 60)
    box.call(f"GET {ONE}/files", params=where)  # a use: the idle time starts again
    box.advance(4 * 60)
    assert box.call(f"GET {ONE}", params=where)["status"] == "running"  # reading is no use
    box.advance(60)
    retrieved = box.call(f"GET {ONE}", params=where)
    assert (retrieved["status"], retrieved["last_active_at"]) == (
        "expired",
        made["created_at"] + 240,
    )
    assert box.call("GET /v1/containers")["data"][0]["status"] == "expired"
    assert box.state.get_blob(kept["id"]) is None and box.state.values(stored.FILES) == []
    error = box.refused(f"GET {ONE}/files", params=where)
    assert (error.status, error.message) == (400, "Container is expired.")


def test_files_uploaded_and_copied_read_back_exactly() -> None:
    box = Box()
    data = bytes(range(256)) * 3
    file_id = box.file(b"x,y\n1,2\n", "table.csv")
    made = box.call("POST /v1/containers", {"name": "c", "file_ids": [file_id]})
    where = {"container_id": made["id"]}
    [copied] = box.call(f"GET {ONE}/files", params=where)["data"]
    assert (copied["path"], copied["bytes"], copied["source"]) == ("/mnt/data/table.csv", 8, "user")
    upload = FilePart("file", "../blob.bin", "application/octet-stream", data)
    uploaded = box.call(f"POST {ONE}/files", params=where, upload=upload)
    assert list(uploaded) == [
        "id", "object", "created_at", "bytes", "container_id", "path", "source",
    ]  # fmt: skip
    assert uploaded["id"].startswith("cfile_") and uploaded["object"] == "container.file"
    assert (uploaded["path"], uploaded["bytes"]) == ("/mnt/data/blob.bin", len(data))
    again = box.call(f"POST {ONE}/files", {"file_id": file_id}, params=where)
    content = f"GET {ONE}/files/{{file_id}}/content"
    assert box.call(content, params={**where, "file_id": uploaded["id"]}) == data
    assert box.call(content, params={**where, "file_id": again["id"]}) == b"x,y\n1,2\n"
    listed = box.call(f"GET {ONE}/files", params=where, query=(("limit", "2"),))
    assert [f["id"] for f in listed["data"]] == [again["id"], uploaded["id"]]
    assert listed["has_more"] is True
    gone = box.call(f"DELETE {ONE}/files/{{file_id}}", params={**where, "file_id": uploaded["id"]})
    assert gone == {"id": uploaded["id"], "object": "container.file.deleted", "deleted": True}
    assert box.state.get_blob(uploaded["id"]) is None
    error = box.refused(content, params={**where, "file_id": uploaded["id"]})
    assert (error.status, error.message) == (
        404,
        f"Container file with id '{uploaded['id']}' not found.",
    )


def test_a_file_of_another_container_is_not_found_in_this_one() -> None:
    box = Box()
    first = box.call("POST /v1/containers", {"name": "a"})["id"]
    second = box.call("POST /v1/containers", {"name": "b"})["id"]
    upload = FilePart("file", "a.txt", "text/plain", b"a")
    made = box.call(f"POST {ONE}/files", params={"container_id": first}, upload=upload)
    error = box.refused(
        f"GET {ONE}/files/{{file_id}}", params={"container_id": second, "file_id": made["id"]}
    )
    assert error.status == 404


def test_deleting_a_container_drops_its_files_and_later_calls_are_404() -> None:
    box = Box()
    made = box.call("POST /v1/containers", {"name": "c", "file_ids": [box.file(b"1", "one.txt")]})
    where = {"container_id": made["id"]}
    assert box.call(f"DELETE {ONE}", params=where) == {
        "id": made["id"],
        "object": "container.deleted",
        "deleted": True,
    }
    assert box.state.values(stored.FILES) == []
    for key in (f"GET {ONE}", f"DELETE {ONE}", f"GET {ONE}/files"):
        error = box.refused(key, params=where)
        assert (error.status, error.message) == (
            404,
            f"Container with id '{made['id']}' not found.",
        )


def test_the_create_refusals() -> None:
    box = Box()
    error = box.refused("POST /v1/containers", {"name": "c", "file_ids": ["file-nope"]})
    assert (error.status, error.param) == (404, "file_ids")
    assert box.state.values(stored.KIND) == []  # nothing made
    for minutes, param in ((0, "expires_after.minutes"), ("5", "expires_after.minutes")):
        expiry = {"anchor": "last_active_at", "minutes": minutes}
        error = box.refused("POST /v1/containers", {"name": "c", "expires_after": expiry})
        assert (error.status, error.param) == (400, param)
    expiry = {"anchor": "created_at", "minutes": 5}
    error = box.refused("POST /v1/containers", {"name": "c", "expires_after": expiry})
    assert error.param == "expires_after.anchor"
    made = box.call("POST /v1/containers", {"name": "c"})
    error = box.refused(f"POST {ONE}/files", {}, params={"container_id": made["id"]})
    assert (error.status, error.param) == (400, "file")
    error = box.refused(
        f"POST {ONE}/files", {"file_id": "file-x"}, params={"container_id": made["id"]}
    )
    assert (error.status, error.param) == (404, "file_id")


def test_list_pages_and_filters_by_name() -> None:
    box = Box()
    ids = [box.call("POST /v1/containers", {"name": n})["id"] for n in ("a", "b", "a")]
    first = box.call("GET /v1/containers", query=(("limit", "2"),))
    assert ([c["id"] for c in first["data"]], first["has_more"]) == ([ids[2], ids[1]], True)
    rest = box.call("GET /v1/containers", query=(("limit", "2"), ("after", first["last_id"])))
    assert ([c["id"] for c in rest["data"]], rest["has_more"]) == ([ids[0]], False)
    named = box.call("GET /v1/containers", query=(("name", "a"), ("order", "asc")))
    assert [c["id"] for c in named["data"]] == [ids[0], ids[2]]
    error = box.refused("GET /v1/containers", query=(("limit", "101"),))
    assert error.param == "limit"


def test_the_content_is_an_attachment_named_after_the_file() -> None:
    assert routes.attachment("numbers and squares.csv") == (
        "attachment; filename=\"file.csv\"; filename*=UTF-8''numbers%20and%20squares.csv"
    )
    assert routes.attachment("README").startswith('attachment; filename="file.bin"')
