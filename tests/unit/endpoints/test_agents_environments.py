"""Agents environments, their files and templates on a memory state store: the routes as
the server routes them, without a server (the strict SDK drives them in
tests/integration/test_agents_environments_api.py)."""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Any

import pytest

from mockapi.endpoints.agents import environments, hosted
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import stored as files
from mockapi.endpoints.skills import bundle
from mockapi.endpoints.skills import stored as skills
from mockapi.errors import APIError
from mockapi.model import Request
from mockapi.replay.router import Router
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore
from tests.helpers import response_problems
from tests.unit.endpoints.contexts import handler_context

ROUTER = Router(environments.ENDPOINTS)
ENVS = "/v1/agents/environments"
TEMPLATES = ENVS + "/templates"


class Api:
    """The routes over one memory store."""

    def __init__(self) -> None:
        self.state = ObjectStore()
        self.clock = Clock(self.state, wall=lambda: 1_700_000_000.0)

    def context(
        self, method: str, path: str, body: dict[str, Any] | None = None, query: Any = ()
    ) -> Context:
        endpoint, _ = ROUTER.resolve(method, path)
        assert endpoint is not None, f"no route {method} {path}"
        request = Request(method, path, {}, tuple(query), json=body)
        params = ROUTER.params(endpoint, path)
        return handler_context(request, endpoint, self.state, self.clock, params=params)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        ctx = self.context(method, path, body, **kw)
        assert ctx.endpoint.lookup is not None
        return ctx.endpoint.lookup(ctx).body

    def environment(self, **config: Any) -> dict[str, Any]:
        made = self.call("POST", ENVS, {"environment": {"type": "openai_hosted", **config}})
        assert response_problems("POST /v1/agents/environments", made) == []
        return dict(made)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def inline(path: str, data: bytes) -> dict[str, Any]:
    return {"type": "inline", "path": path, "data": b64(data)}


def skill_zip(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"{name}/SKILL.md", f"---\nname: {name}\ndescription: Does {name}.\n---\n")
    return out.getvalue()


def test_an_environment_keeps_its_files_bytes_and_lists_them_by_path() -> None:
    api = Api()
    uploaded = files.create(
        api.context("POST", ENVS), b"a,b\n1,2\n", filename="d.csv", purpose="user_data"
    )
    by_id = {"type": "file_id", "file_id": uploaded["id"], "path": "/workspace/data/d.csv"}
    env = api.environment(files=[inline("/workspace/notes.txt", b"hello"), by_id])
    assert env["status"] == "ready" and env["type"] == "openai_hosted"
    shown = {f["path"]: f for f in env["files"]}
    assert shown["/workspace/notes.txt"]["size_bytes"] == 5
    assert shown["/workspace/data/d.csv"]["file_id"] == uploaded["id"]
    assert all(f["id"].startswith("envfile_") for f in env["files"])
    written = api.call("POST", f"{ENVS}/{env['id']}/files", inline("/workspace/data/e.txt", b"xyz"))
    assert written == {
        "environment_id": env["id"], "object": "agent.environment.file",
        "path": "/workspace/data/e.txt", "size_bytes": 3,
    }  # fmt: skip
    ctx = api.context("GET", f"{ENVS}/{env['id']}")
    assert environments.file_content(ctx, env["id"], "/workspace/data/d.csv") == b"a,b\n1,2\n"
    assert environments.file_content(ctx, env["id"], "/workspace/data/e.txt") == b"xyz"
    listed = api.call("GET", f"{ENVS}/{env['id']}/files")
    assert [f["path"] for f in listed["data"]] == [
        "/workspace/notes.txt", "/workspace/data/e.txt", "/workspace/data/d.csv",
    ]  # fmt: skip
    assert response_problems("GET /v1/agents/environments/{environment_id}/files", listed) == []
    # A directory, ascending, one a page: the token carries on after the last path.
    query = (("path", "/workspace/data"), ("order", "asc"), ("limit", "1"))
    first = api.call("GET", f"{ENVS}/{env['id']}/files", query=query)
    assert [f["path"] for f in first["data"]] == ["/workspace/data/d.csv"] and first["has_more"]
    second = api.call("GET", f"{ENVS}/{env['id']}/files", query=(*query, ("page", first["next"])))
    assert [f["path"] for f in second["data"]] == ["/workspace/data/e.txt"]
    assert second == {**second, "has_more": False, "next": None}
    # The token belongs to its listing: another limit is a 400 naming page.
    with pytest.raises(APIError) as refused:
        api.call("GET", f"{ENVS}/{env['id']}/files", query=(("page", first["next"]),))
    assert refused.value.param == "page"


def test_a_written_file_replaces_one_at_its_path_and_may_not_cross_a_directory() -> None:
    api = Api()
    env = api.environment()
    path = f"{ENVS}/{env['id']}/files"
    api.call("POST", path, inline("/workspace/a/b.txt", b"one"))
    api.call("POST", path, inline("/workspace/a/b.txt", b"three"))
    assert [f["size_bytes"] for f in api.call("GET", path)["data"]] == [5]
    for bad in (
        "/workspace/a",
        "/workspace/a/b.txt/c",
        "/tmp/x",
        "/workspace/../etc",
        "/workspace/outputs",
    ):
        with pytest.raises(APIError) as refused:
            api.call("POST", path, inline(bad, b"x"))
        assert refused.value.status == 400 and refused.value.param == "path", bad
    with pytest.raises(APIError) as refused:
        api.call("POST", path, {"type": "inline", "path": "/workspace/c", "data": "not base64!"})
    assert refused.value.param == "data"
    with pytest.raises(APIError) as missing:
        api.call("POST", path, {"type": "file_id", "file_id": "file-nope", "path": "/workspace/c"})
    assert missing.value.status == 404


def test_templates_hide_confidential_inputs_and_environments_inherit_them() -> None:
    api = Api()
    skill = skills.create(
        api.context("POST", ENVS), bundle.Bundle(skill_zip("tidy"), "tidy", "Does tidy.")
    )
    made = api.call(
        "POST",
        TEMPLATES,
        {
            "name": "py",
            "env": {"TOKEN": "secret"},
            "setup_commands": [{"command": "pip install -e ."}],
            "files": [inline("/workspace/setup.cfg", b"[x]")],
            "network": {"access": "restricted", "allowed_domains": ["pypi.org"]},
            "packages": {"python": ["numpy"]},
            "skills": [{"type": "skill_reference", "skill_id": skill["id"]}],
        },
    )
    assert response_problems("POST /v1/agents/environments/templates", made) == []
    assert "env" not in made and "setup_commands" not in made and "secret" not in str(made)
    assert made["files"] == [{"path": "/workspace/setup.cfg", "size_bytes": 3, "type": "inline"}]
    assert made["packages"] == {"npm": [], "python": ["numpy"], "system": []}
    assert made["skills"] == [{"skill_id": skill["id"], "type": "skill_reference", "version": None}]
    env = api.environment(environment_template_id=made["id"])
    assert [(f["path"], f["size_bytes"]) for f in env["files"]] == [("/workspace/setup.cfg", 3)]
    assert env["skills"] == [
        {"description": "Does tidy.", "name": "tidy", "skill_id": skill["id"],
         "type": "skill_reference", "version": "1"},
    ]  # fmt: skip
    # An environment may narrow its template's network, never broaden it.
    with pytest.raises(APIError) as broader:
        api.environment(environment_template_id=made["id"], network={"access": "enabled"})
    assert broader.value.status == 400 and broader.value.param == "environment.network"
    api.environment(environment_template_id=made["id"], network={"access": "disabled"})


def test_a_template_update_replaces_what_it_gives_and_delete_forgets_it() -> None:
    api = Api()
    made = api.call("POST", TEMPLATES, {"name": "a", "files": [inline("/workspace/x", b"12")]})
    one = f"{TEMPLATES}/{made['id']}"
    api.clock.advance(5)
    changed = api.call(
        "POST", one, {"name": None, "network": {"access": "enabled"}, "desktop": {"enabled": True}}
    )
    assert changed["name"] is None and changed["network"]["access"] == "enabled"
    assert changed["desktop"] == {"enabled": True} and changed["files"] == made["files"]
    assert changed["updated_at"] == made["updated_at"] + 5
    assert api.call("GET", one) == changed
    assert [t["id"] for t in api.call("GET", TEMPLATES)["data"]] == [made["id"]]
    gone = api.call("DELETE", one)
    assert gone == {
        "id": made["id"],
        "object": "agent.environment.template.deleted",
        "deleted": True,
    }
    assert api.state.get_blob(f"agents.environment_templates:{made['id']}:/workspace/x") is None
    for method in ("GET", "DELETE"):
        with pytest.raises(APIError) as missing:
            api.call(method, one)
        assert missing.value.status == 404 and missing.value.param == "environment_template_id"
    with pytest.raises(APIError) as missing:
        api.environment(environment_template_id=made["id"])
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("policy", "param"),
    [
        ({"access": "enabled", "allowed_domains": ["a.com"]}, "n.access"),
        (
            {"access": "restricted", "allowed_domains": ["a.com"], "blocked_domains": ["b.com"]},
            "n.blocked_domains",
        ),
        ({"access": "restricted", "blocked_domains": ["*.b.com"]}, "n.blocked_domains"),
    ],
)  # fmt: skip
def test_a_network_policy_that_does_not_hold_together_is_refused(policy: Any, param: str) -> None:
    with pytest.raises(APIError) as refused:
        hosted.network(policy, "n")
    assert refused.value.param == param


def test_narrowing_is_by_mode_then_by_allowed_domains() -> None:
    template = {"access": "restricted", "allowed_domains": ["a.com", "b.com"]}
    hosted.narrower({"access": "restricted", "allowed_domains": ["a.com"]}, template, "n")
    hosted.narrower({"access": "disabled", "allowed_domains": []}, template, "n")
    for wider in (
        {"access": "restricted", "allowed_domains": ["c.com"]},
        {"access": "enabled", "allowed_domains": []},
    ):
        with pytest.raises(APIError):
            hosted.narrower(wider, template, "n")


def test_unknown_environments_are_404s_and_inline_skills_need_a_zip() -> None:
    api = Api()
    for method, path in (("GET", f"{ENVS}/env_nope"), ("GET", f"{ENVS}/env_nope/files")):
        with pytest.raises(APIError) as missing:
            api.call(method, path)
        assert missing.value.status == 404 and missing.value.param == "environment_id"
    source = {"type": "base64", "media_type": "application/zip", "data": b64(b"not a zip")}
    with pytest.raises(APIError) as refused:
        api.environment(
            skills=[{"type": "inline", "name": "s", "description": "d", "source": source}]
        )
    assert refused.value.param == "environment.skills[0].source.data"
    good = {**source, "data": b64(skill_zip("s"))}
    env = api.environment(
        plugins=[{"type": "inline", "name": "p", "description": "d", "source": good}]
    )
    assert env["plugins"] == [{"description": "d", "name": "p", "type": "inline"}]
