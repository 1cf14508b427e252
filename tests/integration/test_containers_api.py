"""The Containers API on a real server through the official SDK, strict response
validation on: create, list with its pages, retrieve and delete; the container file
round trip (an upload's exact bytes back, a File copied in, list, retrieve, delete, the
404s); expiry on the mock's clock; every JSON answer checked against the derived
schemas."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.state.clock import Clock
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client

DATA = bytes(range(256)) * 40  # every byte value, 10 KB: what goes in comes back


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    # error on a miss: the routes answer from state whatever on_miss says
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    """The strict SDK (conftest's) against this module's server, its state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def test_create_list_retrieve_delete(client: openai.OpenAI, raw: httpx.Client) -> None:
    made = [
        client.containers.create(
            name=f"box-{n}", expires_after={"anchor": "last_active_at", "minutes": 10 + n}
        )
        for n in range(5)
    ]
    assert response_problems("POST /v1/containers", made[0].model_dump(exclude_unset=True)) == []
    assert all(c.id.startswith("cntr_") and c.status == "running" for c in made)
    assert made[2].expires_after is not None and made[2].expires_after.minutes == 12
    assert made[0].memory_limit == "1g"
    first = client.containers.list(limit=2)
    assert [c.id for c in first.data] == [made[4].id, made[3].id]
    assert [c.id for c in client.containers.list(limit=2)] == [c.id for c in reversed(made)]
    assert [c.id for c in client.containers.list(order="asc", limit=3, after=made[0].id)] == [
        c.id for c in made[1:]
    ]
    page = raw.get("/v1/containers", params={"limit": 2}).json()
    assert response_problems("GET /v1/containers", page) == []
    assert page["has_more"] is True and page["last_id"] == made[3].id
    assert [c.id for c in client.containers.list(name="box-1")] == [made[1].id]
    retrieved = client.containers.retrieve(made[1].id)
    assert retrieved.model_dump() == made[1].model_dump()
    deleted = raw.delete(f"/v1/containers/{made[1].id}").json()
    assert deleted == {"id": made[1].id, "object": "container.deleted", "deleted": True}
    with pytest.raises(openai.NotFoundError) as caught:
        client.containers.retrieve(made[1].id)
    assert caught.value.body["message"] == f"Container with id '{made[1].id}' not found."  # type: ignore[index]
    empty = raw.get("/v1/containers", params={"name": "nobody"}).json()
    assert (empty["data"], empty["first_id"], empty["last_id"]) == ([], None, None)
    assert response_problems("GET /v1/containers", empty) == []


def test_the_container_file_round_trip(client: openai.OpenAI, raw: httpx.Client) -> None:
    box = client.containers.create(name="files")
    made = client.containers.files.create(box.id, file=("data.bin", DATA))
    assert (
        response_problems(
            "POST /v1/containers/{container_id}/files", made.model_dump(exclude_unset=True)
        )
        == []
    )
    assert (made.object, made.container_id, made.bytes) == ("container.file", box.id, len(DATA))
    assert (made.path, made.source) == ("/mnt/data/data.bin", "user")
    listed = client.containers.files.list(box.id)
    assert [f.id for f in listed] == [made.id]
    retrieved = client.containers.files.retrieve(made.id, container_id=box.id)
    assert retrieved.model_dump() == made.model_dump()
    content = client.containers.files.content.retrieve(made.id, container_id=box.id)
    assert content.content == DATA
    answer = raw.get(f"/v1/containers/{box.id}/files/{made.id}/content")
    assert answer.headers["content-type"] == "application/octet-stream"
    assert "filename*=UTF-8''data.bin" in answer.headers["content-disposition"]
    client.containers.files.delete(made.id, container_id=box.id)
    assert list(client.containers.files.list(box.id)) == []
    for ask in (
        lambda: client.containers.files.retrieve(made.id, container_id=box.id),
        lambda: client.containers.files.content.retrieve(made.id, container_id=box.id),
        lambda: client.containers.files.delete(made.id, container_id=box.id),
    ):
        with pytest.raises(openai.NotFoundError):
            ask()
    with pytest.raises(openai.NotFoundError):
        client.containers.files.list("cntr_unknown")


def test_a_file_is_copied_in_by_id(client: openai.OpenAI) -> None:
    source = client.files.create(file=("table.csv", b"a,b\n1,2\n"), purpose="user_data")
    box = client.containers.create(name="copies", file_ids=[source.id])
    [copied] = client.containers.files.list(box.id)
    assert (copied.path, copied.bytes) == ("/mnt/data/table.csv", 8)
    again = client.containers.files.create(box.id, file_id=source.id)  # JSON, not a form
    assert again.id != copied.id and again.path == copied.path
    client.files.delete(source.id)  # the container keeps its own copy
    body = client.containers.files.content.retrieve(again.id, container_id=box.id)
    assert body.content == b"a,b\n1,2\n"
    with pytest.raises(openai.NotFoundError) as caught:
        client.containers.files.create(box.id, file_id=source.id)
    assert caught.value.body["param"] == "file_id"  # type: ignore[index]


def test_an_idle_container_expires_on_the_mocks_clock(
    client: openai.OpenAI, server: ServerThread
) -> None:
    clock = Clock(server.replayer.state)  # type: ignore[attr-defined]
    brief = client.containers.create(
        name="brief", expires_after={"anchor": "last_active_at", "minutes": 1}
    )
    used = client.containers.create(name="used")  # 20 minutes by default
    client.containers.files.create(brief.id, file=("a.txt", b"a"))
    clock.advance(50)
    client.containers.files.list(brief.id)  # a use: one more minute from now
    clock.advance(50)
    assert client.containers.retrieve(brief.id).status == "running"
    clock.advance(15)
    expired = client.containers.retrieve(brief.id)
    assert expired.status == "expired"
    assert expired.last_active_at == brief.created_at + 50
    assert {c.id: c.status for c in client.containers.list()} == {
        used.id: "running",
        brief.id: "expired",
    }
    with pytest.raises(openai.BadRequestError) as caught:
        client.containers.files.create(brief.id, file=("b.txt", b"b"))
    assert caught.value.body["message"] == "Container is expired."  # type: ignore[index]
    clock.advance(20 * 60)
    assert client.containers.retrieve(used.id).status == "expired"


def test_async_client_round_trip(client: openai.OpenAI, server: ServerThread) -> None:
    async def run() -> bytes:
        async with strict_async_client(server.url + "/v1") as sdk:
            box = await sdk.containers.create(name="async")
            made = await sdk.containers.files.create(box.id, file=("x.bin", DATA[:100]))
            got = await sdk.containers.files.content.retrieve(made.id, container_id=box.id)
            ids = [c.id async for c in sdk.containers.list()]
            assert ids == [box.id]
            return got.content

    assert asyncio.run(run()) == DATA[:100]
