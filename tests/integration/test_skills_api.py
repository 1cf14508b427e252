"""The Skills API on a real server through the official SDK, strict response validation
on: a skill from an uploaded zip (its download the same bytes) and from a directory's
files (its download a zip of those files), versions (numbering, default, latest,
deletes as the API refuses them), pages, the 404s and the bundle's 400s; every JSON
answer checked against the derived schemas."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client


def manifest(name: str, description: str = "Add or multiply numbers.") -> bytes:
    return f"---\nname: {name}\ndescription: {description}\n---\n\nUse me.\n".encode()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return out.getvalue()


MATH = {"basic_math/SKILL.md": manifest("basic-math"), "basic_math/calc.py": b"print(1 + 1)\n"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.ERROR) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def test_a_skill_from_a_zip_downloads_the_same_bytes(
    client: openai.OpenAI, raw: httpx.Client
) -> None:
    data = zipped(MATH)
    skill = client.skills.create(files=("basic_math.zip", data, "application/zip"))
    assert skill.id.startswith("skill_") and len(skill.id) == len("skill_") + 48
    assert (skill.name, skill.description) == ("basic-math", "Add or multiply numbers.")
    assert (skill.default_version, skill.latest_version) == ("1", "1")
    assert response_problems("POST /v1/skills", skill.model_dump()) == []
    assert client.skills.content.retrieve(skill.id).content == data
    assert client.skills.versions.content.retrieve("1", skill_id=skill.id).content == data
    answer = raw.get(f"/v1/skills/{skill.id}/content")
    assert answer.headers["content-type"] == "application/zip"
    assert client.skills.retrieve(skill.id).model_dump() == skill.model_dump()


def test_a_skill_from_a_directory_downloads_a_zip_of_its_files(client: openai.OpenAI) -> None:
    skill = client.skills.create(files=[(path, data) for path, data in MATH.items()])
    assert skill.name == "basic-math"
    data = client.skills.content.retrieve(skill.id).content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == MATH


def test_versions_default_latest_and_deletes(client: openai.OpenAI, raw: httpx.Client) -> None:
    skill = client.skills.create(files=("s.zip", zipped(MATH)))
    two = {"basic_math/SKILL.md": manifest("basic-math-2", "Now with division.")}
    second = client.skills.versions.create(skill.id, files=("s.zip", zipped(two)))
    assert (second.version, second.name, second.skill_id) == ("2", "basic-math-2", skill.id)
    assert second.id.startswith("skillver_")
    assert response_problems("POST /v1/skills/{skill_id}/versions", second.model_dump()) == []
    kept = client.skills.retrieve(skill.id)
    assert (kept.default_version, kept.latest_version, kept.name) == ("1", "2", "basic-math")
    third = client.skills.versions.create(skill.id, files=("s.zip", zipped(MATH)), default=True)
    assert client.skills.retrieve(skill.id).default_version == third.version == "3"
    listed = client.skills.versions.list(skill.id, order="asc")
    assert [v.version for v in listed] == ["1", "2", "3"]
    page = raw.get(f"/v1/skills/{skill.id}/versions", params={"limit": 2}).json()
    assert [v["version"] for v in page["data"]] == ["3", "2"] and page["has_more"] is True
    assert response_problems("GET /v1/skills/{skill_id}/versions", page) == []
    updated = client.skills.update(skill.id, default_version="2")
    assert (updated.default_version, updated.name, updated.description) == (
        "2",
        "basic-math-2",
        "Now with division.",
    )
    with pytest.raises(openai.BadRequestError, match="Cannot delete the default skill version"):
        client.skills.versions.delete("2", skill_id=skill.id)
    gone = client.skills.versions.delete("3", skill_id=skill.id)
    assert (gone.id, gone.version, gone.deleted) == (third.id, "3", True)
    assert client.skills.retrieve(skill.id).latest_version == "2"
    fourth = client.skills.versions.create(skill.id, files=("s.zip", zipped(MATH)))
    assert fourth.version == "4", "a number is never used twice"
    with pytest.raises(openai.NotFoundError):
        client.skills.versions.retrieve("3", skill_id=skill.id)
    with pytest.raises(openai.BadRequestError) as refused:
        client.skills.update(skill.id, default_version="3")
    assert refused.value.body["param"] == "default_version"  # type: ignore[index]
    deleted = client.skills.delete(skill.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (skill.id, "skill.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.skills.versions.list(skill.id)


def test_deleting_the_only_version_deletes_the_skill(client: openai.OpenAI) -> None:
    skill = client.skills.create(files=("s.zip", zipped(MATH)))
    client.skills.versions.delete("1", skill_id=skill.id)
    with pytest.raises(openai.NotFoundError):
        client.skills.retrieve(skill.id)


def test_list_pages_newest_first(client: openai.OpenAI) -> None:
    made = [
        client.skills.create(files=("s.zip", zipped({"s/SKILL.md": manifest(f"s{n}")})))
        for n in range(3)
    ]
    assert [s.id for s in client.skills.list(limit=2)] == [s.id for s in reversed(made)]
    assert [s.name for s in client.skills.list(order="asc", after=made[0].id)] == ["s1", "s2"]


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"basic_math/calc.py": b"1"}, "no SKILL.md"),
        ({"a/SKILL.md": manifest("a"), "b/x.py": b"1"}, "single top-level folder"),
        ({"a/SKILL.md": b"no front matter"}, "front matter"),
        ({"a/SKILL.md": b"---\nname: a\n---\n"}, "no 'description'"),
    ],
)
def test_a_bundle_the_api_refuses(
    client: openai.OpenAI, files: dict[str, bytes], words: str
) -> None:
    with pytest.raises(openai.BadRequestError, match=words) as refused:
        client.skills.create(files=("s.zip", zipped(files)))
    assert refused.value.body["param"] == "files"  # type: ignore[index]


def test_not_a_zip_and_unknown_ids(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="not a valid zip"):
        client.skills.create(files=("s.zip", b"PK\x03\x04 truncated"))
    with pytest.raises(openai.NotFoundError):
        client.skills.retrieve("skill_unknown")
    with pytest.raises(openai.NotFoundError):
        client.skills.versions.create("skill_unknown", files=("s.zip", zipped(MATH)))


def test_async_create_and_download(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def scenario() -> bytes:
        async with strict_async_client(server.url + "/v1") as client:
            skill = await client.skills.create(files=("s.zip", zipped(MATH)))
            got = await client.skills.versions.content.retrieve("1", skill_id=skill.id)
            return got.content

    assert asyncio.run(scenario()) == zipped(MATH)
