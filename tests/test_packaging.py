"""The built wheel carries fixtures/, schemas/ and py.typed and works without the source
tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO

PROBE = """
import json, mockapi
from mockapi import resources
from mockapi.config import Settings
from mockapi.build import build_replayer
from mockapi.replay.request import parse_request

replayer = build_replayer(Settings())
body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]})
request = parse_request("POST", "/v1/chat/completions",
                        {"authorization": "Bearer k", "content-type": "application/json"},
                        body.encode())
response = replayer.handle(request)
print(json.dumps({
    "package": mockapi.__file__,
    "fixtures": str(resources.bundled_dir("fixtures")),
    "schemas": str(resources.bundled_dir("schemas")),
    "validating": replayer.validator is not None,
    "status": response.status,
    "content": response.body["choices"][0]["message"]["content"],
    "public": sorted(name for name in mockapi.__all__ if getattr(mockapi, name, None) is None),
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    [built] = out.glob("mockapi-*.whl")
    return built


def test_wheel_contains_bundled_fixtures_and_schemas(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "mockapi/_bundled/fixtures/chat/greeting.yaml" in names
    assert "mockapi/_bundled/schemas/index.json" in names
    assert "mockapi/_bundled/schemas/chat.completions.request.json" in names
    assert not any(name.endswith("openapi.yaml") for name in names)


def test_wheel_marks_the_package_as_typed(wheel: Path) -> None:
    """PEP 561: without py.typed, mypy ignores the annotations of an installed mockapi."""
    assert "mockapi/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_unpacked_wheel_serves_bundled_fixtures(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(result.stdout)
    assert probe["package"].startswith(str(site))
    assert probe["fixtures"] == str(site / "mockapi" / "_bundled" / "fixtures")
    assert probe["schemas"] == str(site / "mockapi" / "_bundled" / "schemas")
    assert probe["validating"] is True
    assert probe["status"] == 200
    assert probe["content"] == "Hello! How can I help you today?"
    assert probe["public"] == []  # every exported name resolves from the wheel
