"""Checkpoint permissions on a real server through the SDK with strict response
validation: create for several projects, list (pages, ``project_id``, both orders),
the deprecated retrieve, delete, and the API's refusals (an unknown permission, a
name that is no fine-tuned checkpoint, no projects). Every answer is checked against
the derived schemas too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest

from mockapi.web.server import ServerThread
from tests.helpers import response_problems, strict_async_client

CHECKPOINT = "ft:gpt-4o-mini-2024-07-18:org-mockapi:weather:B7R9VjQd:ckpt-step-20"
MODEL = "ft:gpt-4o-mini-2024-07-18:org-mockapi:weather:B7R9VjQd"
PERMISSIONS = "/v1/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> Iterator[openai.OpenAI]:
    """The strict SDK against the session's server, its state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    yield strict


def test_create_list_and_delete(client: openai.OpenAI) -> None:
    permissions = client.fine_tuning.checkpoints.permissions
    made = permissions.create(CHECKPOINT, project_ids=["proj_a", "proj_b", "proj_c"])
    assert response_problems("POST " + PERMISSIONS, made.to_dict()) == []
    assert [p.project_id for p in made.data] == ["proj_a", "proj_b", "proj_c"]
    assert all(p.id.startswith("cp_") and len(p.id) == 27 for p in made.data)
    assert all(p.object == "checkpoint.permission" for p in made.data)

    listed = permissions.list(CHECKPOINT)
    assert response_problems("GET " + PERMISSIONS, listed.to_dict()) == []
    assert [p.project_id for p in listed.data] == ["proj_c", "proj_b", "proj_a"]  # newest first
    ascending = permissions.list(CHECKPOINT, order="ascending", limit=2)
    assert [p.project_id for p in ascending.data] == ["proj_a", "proj_b"] and ascending.has_more
    rest = permissions.list(CHECKPOINT, order="ascending", after=ascending.data[-1].id)
    assert [p.project_id for p in rest.data] == ["proj_c"] and not rest.has_more
    assert [p.project_id for p in permissions.list(CHECKPOINT, order="ascending")] == [
        "proj_a",
        "proj_b",
        "proj_c",
    ]
    only_b = permissions.list(CHECKPOINT, project_id="proj_b")
    assert [p.id for p in only_b.data] == [made.data[1].id]

    deleted = permissions.delete(made.data[0].id, fine_tuned_model_checkpoint=CHECKPOINT)
    assert (deleted.id, deleted.deleted, deleted.object) == (
        made.data[0].id,
        True,
        "checkpoint.permission",
    )
    assert response_problems("DELETE " + PERMISSIONS + "/{permission_id}", deleted.to_dict()) == []
    assert [p.project_id for p in permissions.list(CHECKPOINT).data] == ["proj_c", "proj_b"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_deprecated_retrieve_is_the_same_page(client: openai.OpenAI) -> None:
    permissions = client.fine_tuning.checkpoints.permissions
    permissions.create(MODEL, project_ids=["proj_a", "proj_b"])
    page = permissions.retrieve(MODEL, order="ascending", limit=1)
    assert [p.project_id for p in page.data] == ["proj_a"] and page.has_more
    assert page.first_id == page.last_id == page.data[0].id


def test_checkpoints_are_separate_and_a_project_is_granted_once(client: openai.OpenAI) -> None:
    permissions = client.fine_tuning.checkpoints.permissions
    first = permissions.create(CHECKPOINT, project_ids=["proj_a"]).data[0]
    again = permissions.create(CHECKPOINT, project_ids=["proj_a", "proj_a"]).data
    assert [p.id for p in again] == [first.id]
    other = permissions.create(MODEL, project_ids=["proj_a"]).data[0]
    assert other.id != first.id
    assert [p.id for p in permissions.list(MODEL).data] == [other.id]
    # A permission of another checkpoint is not this one's to delete.
    with pytest.raises(openai.NotFoundError):
        permissions.delete(first.id, fine_tuned_model_checkpoint=MODEL)


def test_refusals(client: openai.OpenAI) -> None:
    permissions = client.fine_tuning.checkpoints.permissions
    made = permissions.create(CHECKPOINT, project_ids=["proj_a"]).data[0]
    permissions.delete(made.id, fine_tuned_model_checkpoint=CHECKPOINT)
    with pytest.raises(openai.NotFoundError) as gone:
        permissions.delete(made.id, fine_tuned_model_checkpoint=CHECKPOINT)
    assert gone.value.message.endswith(f"No such checkpoint.permission object: {made.id}")
    assert gone.value.param == "permission_id"
    with pytest.raises(openai.NotFoundError) as unknown:
        permissions.delete("cp_zc4Q7MP6XxulcVzj4MZdwsAB", fine_tuned_model_checkpoint=CHECKPOINT)
    assert "cp_zc4Q7MP6XxulcVzj4MZdwsAB" in unknown.value.message
    with pytest.raises(openai.NotFoundError) as not_tuned:
        permissions.create("gpt-4o-mini", project_ids=["proj_a"])
    assert not_tuned.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as empty:
        permissions.create(CHECKPOINT, project_ids=[])
    assert empty.value.param == "project_ids" and empty.value.code == "empty_array"


def test_async(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def go() -> list[str]:
        async with strict_async_client(server.url + "/v1") as client:
            permissions = client.fine_tuning.checkpoints.permissions
            await permissions.create(CHECKPOINT, project_ids=["proj_x", "proj_y"])
            return [p.project_id async for p in permissions.list(CHECKPOINT, limit=1)]

    assert asyncio.run(go()) == ["proj_y", "proj_x"]  # auto-paginated, newest first
