"""Agents environments, their files and templates on a real server through the strict
SDK (``client.beta.agents.environments``): every answer fits the SDK's models exactly
and the derived schemas; the SDK's own upload and prepare helpers work as they do
against the API (a Files API upload, then the environment's file write)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.endpoints.agents import environments
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client, strict_client

HOSTED: Any = {"type": "openai_hosted"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with strict_client(server.url + "/v1") as made:
        yield made


def kept(server: ServerThread, environment_id: str, path: str) -> bytes | None:
    """The bytes the server keeps for the environment's file at ``path``."""
    key = f"{environments.FILES}:{environments.file_key(environment_id, path)}"
    return server.replayer.state.get_blob(key)  # type: ignore[attr-defined, no-any-return]


def test_create_list_retrieve_and_404s(client: openai.OpenAI) -> None:
    data = base64.b64encode(b"print('hi')\n").decode()
    made = client.beta.agents.environments.create(
        environment={
            "type": "openai_hosted",
            "files": [{"type": "inline", "path": "/workspace/a.py", "data": data}],
        }
    )
    assert made.status == "ready" and made.files[0].size_bytes == 12
    assert client.beta.agents.environments.retrieve(made.id) == made
    listed = client.beta.agents.environments.list(limit=100, type="openai_hosted")
    assert made.id in [e.id for e in listed.data]
    raw = client.beta.agents.environments.with_raw_response.retrieve(made.id).http_response.json()
    assert response_problems("GET /v1/agents/environments/{environment_id}", raw) == []
    with pytest.raises(openai.NotFoundError):
        client.beta.agents.environments.retrieve("env_missing")
    with pytest.raises(openai.NotFoundError):
        client.beta.agents.environments.files.list("env_missing")
    with pytest.raises(openai.NotFoundError):
        client.beta.agents.environments.templates.retrieve("envtpl_missing")
    with pytest.raises(openai.BadRequestError):  # the request schema: type is openai_hosted
        client.beta.agents.environments.create(environment={"type": "self_hosted"})  # type: ignore[typeddict-item]


def test_a_file_uploaded_is_listed_and_its_bytes_kept(
    client: openai.OpenAI, server: ServerThread
) -> None:
    env = client.beta.agents.environments.create(environment=HOSTED)
    staged = client.beta.agents.environments.files.upload(
        env.id, file=("report.csv", b"x,y\n1,2\n"), path="/workspace/in/report.csv"
    )
    assert client.files.retrieve(staged.uploaded_file_id).purpose == "user_data"
    assert staged.file.path == "/workspace/in/report.csv" and staged.file.size_bytes == 8
    client.beta.agents.environments.files.create(
        env.id, type="inline", data=base64.b64encode(b"notes").decode(), path="/workspace/n.md"
    )
    pages = client.beta.agents.environments.files.list(env.id, order="asc", limit=1)
    assert [f.path for f in pages] == ["/workspace/in/report.csv", "/workspace/n.md"]
    assert pages.has_more and pages.next
    assert kept(server, env.id, "/workspace/in/report.csv") == b"x,y\n1,2\n"
    assert kept(server, env.id, "/workspace/n.md") == b"notes"


def test_prepare_directory_then_create_as_the_sdk_does(
    client: openai.OpenAI, server: ServerThread, tmp_path: Path
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "main.py").write_bytes(b"import pkg\n")
    (tmp_path / "README.md").write_bytes(b"# readme\n")
    prepared = client.beta.agents.environments.files.prepare_directory(
        tmp_path, destination="/workspace/src", include=["**/*.py", "*.md"]
    )
    assert sorted(f["path"] for f in prepared.files) == [
        "/workspace/src/README.md",
        "/workspace/src/pkg/main.py",
    ]
    env = client.beta.agents.environments.create(
        environment={"type": "openai_hosted", "files": prepared.files}
    )
    assert {f.file_id for f in env.files if f.type == "file_id"} == set(prepared.uploaded_file_ids)
    assert kept(server, env.id, "/workspace/src/pkg/main.py") == b"import pkg\n"
    one = tmp_path / "README.md"
    again = client.beta.agents.environments.files.prepare({"/workspace/docs/README.md": one})
    assert again.files == [
        {
            "type": "file_id",
            "file_id": again.uploaded_file_ids[0],
            "path": "/workspace/docs/README.md",
        }
    ]


def test_template_crud_and_an_environment_from_it(client: openai.OpenAI) -> None:
    templates = client.beta.agents.environments.templates
    data = base64.b64encode(b"[tool]\n").decode()
    made = templates.create(
        name="python",
        env={"API_TOKEN": "s3cret"},
        setup_commands=[{"command": "make setup"}],
        files=[{"type": "inline", "path": "/workspace/setup.cfg", "data": data}],
        network={"access": "restricted", "allowed_domains": ["pypi.org"]},
        packages={"python": ["numpy"]},
    )
    raw = templates.with_raw_response.retrieve(made.id).http_response.json()
    assert "s3cret" not in str(raw) and "make setup" not in str(raw)
    assert (
        response_problems("GET /v1/agents/environments/templates/{environment_template_id}", raw)
        == []
    )
    assert made.network.allowed_domains == ["pypi.org"] and made.packages.python == ["numpy"]
    env = client.beta.agents.environments.create(
        environment={"type": "openai_hosted", "environment_template_id": made.id}
    )
    assert [(f.path, f.size_bytes) for f in env.files] == [("/workspace/setup.cfg", 7)]
    with pytest.raises(openai.BadRequestError):  # broader than the template's policy
        client.beta.agents.environments.create(
            environment={
                "type": "openai_hosted",
                "environment_template_id": made.id,
                "network": {"access": "enabled"},
            }
        )
    updated = templates.update(made.id, name="renamed", desktop={"enabled": True})
    assert updated.name == "renamed" and updated.desktop and updated.desktop.enabled
    assert updated.files == made.files and templates.retrieve(made.id) == updated
    assert made.id in [t.id for t in templates.list(limit=100)]
    deleted = templates.delete(made.id)
    assert deleted.deleted and deleted.id == made.id
    with pytest.raises(openai.NotFoundError):
        templates.delete(made.id)


def test_the_async_client_uploads_and_lists(server: ServerThread) -> None:
    async def scenario() -> list[str]:
        async with strict_async_client(server.url + "/v1") as client:
            env = await client.beta.agents.environments.create(environment=HOSTED)
            await client.beta.agents.environments.files.upload(
                env.id, file=("a.txt", b"abc"), path="/workspace/a.txt"
            )
            page = client.beta.agents.environments.files.list(env.id)
            return [f.path async for f in page]

    assert asyncio.run(scenario()) == ["/workspace/a.txt"]
