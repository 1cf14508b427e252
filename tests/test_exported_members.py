"""The public API: exactly the names ``mockapi`` exports, each documented, and cheap to
import (the pytest plugin imports ``mockapi`` in every session)."""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import mockapi
from tests.helpers import REPO

EXPORTED = {
    "__version__",
    # model
    "FilePart",
    "Request",
    "Response",
    "SSEEvent",
    # config
    "OnMiss",
    "RecordMode",
    "Settings",
    # errors
    "APIError",
    "FaultSpecError",
    "FixtureError",
    "LibraryError",
    "MockapiError",
    "PluginError",
    "SchemaError",
    # plugins
    "Difference",
    "Fixture",
    "Hooks",
    "PluginAPI",
    # testing
    "MockapiHandle",
}


def test_the_exported_names_are_pinned() -> None:
    assert len(mockapi.__all__) == len(set(mockapi.__all__))
    assert set(mockapi.__all__) == EXPORTED


def test_every_public_mockapi_object_in_the_namespace_is_exported() -> None:
    """A name imported into ``mockapi/__init__.py`` is either in ``__all__`` or private."""
    stray = [
        name
        for name, value in vars(mockapi).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", "").startswith("mockapi")
        and name not in mockapi.__all__
    ]
    assert stray == []
    assert set(mockapi.__all__) <= set(dir(mockapi))


@pytest.mark.parametrize("name", sorted(EXPORTED - {"__version__"}))
def test_each_exported_object_is_public_and_documented(name: str) -> None:
    value = getattr(mockapi, name)
    assert inspect.isclass(value), f"mockapi.{name} is not a class"
    module = value.__module__
    assert module.startswith("mockapi.") and not any(p.startswith("_") for p in module.split("."))
    assert value.__name__ == name
    doc = value.__doc__ or ""
    # A dataclass without a docstring gets its signature as one: that is not documentation.
    assert doc.strip() and not doc.startswith(f"{name}("), f"mockapi.{name} has no docstring"


def test_the_version_is_the_projects() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^version = "{re.escape(mockapi.__version__)}"$', pyproject, re.M)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'Nope'"):
        mockapi.Nope  # type: ignore[attr-defined]  # noqa: B018


PROBE = """
import json, sys
import mockapi
before = sorted(m for m in sys.modules if m.startswith(("mockapi.", "yaml", "starlette")))
handle = mockapi.MockapiHandle
from mockapi import resources  # a submodule is still importable by name
print(json.dumps({"before": before, "handle": handle.__module__,
                  "resources": resources.__name__}))
"""


def test_importing_mockapi_stays_cheap() -> None:
    """Only the stdlib-only foundation is imported eagerly; the rest on first use."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True
    )
    probe = json.loads(result.stdout)
    assert probe["before"] == ["mockapi.config", "mockapi.errors", "mockapi.model"]
    assert probe["handle"] == "mockapi.testing"
    assert probe["resources"] == "mockapi.resources"


def _python_sources() -> list[tuple[str, str]]:
    """The bundled plugins and the Python blocks of plugins/README.md."""
    plugins = REPO / "plugins"
    found = [(path.name, path.read_text(encoding="utf-8")) for path in plugins.glob("*.py")]
    readme = (plugins / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    found.extend((f"README.md block {i}", block) for i, block in enumerate(blocks, 1))
    return found


def test_plugins_and_their_readme_import_only_the_public_api() -> None:
    sources = _python_sources()
    assert any(name.startswith("README") for name, _ in sources), "README has no example"
    internal = []
    for name, source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mockapi."):
                internal.append(f"{name}: from {node.module} import ...")
            elif isinstance(node, ast.Import):
                internal.extend(
                    f"{name}: import {a.name}" for a in node.names if a.name.startswith("mockapi.")
                )
            elif isinstance(node, ast.ImportFrom) and node.module == "mockapi":
                unknown = {a.name for a in node.names} - EXPORTED
                assert not unknown, f"{name} imports {unknown} from mockapi"
    assert internal == []


def test_the_readme_example_plugin_loads(tmp_path: Path) -> None:
    """The plugin README's example is runnable: its setup() registers through PluginAPI."""
    [(_, example), *_] = [s for s in _python_sources() if s[0].startswith("README")]
    path = tmp_path / "example_plugin.py"
    path.write_text(example, encoding="utf-8")
    from mockapi.plugins import load_plugins

    hooks = load_plugins([str(path)])
    assert isinstance(hooks, mockapi.Hooks)
    assert hooks.names == ["example_plugin"]
    refused = mockapi.Request("POST", "/v1/models", {"authorization": "Bearer sk-no-credit"})
    answer = hooks.respond(refused)
    assert answer is not None and answer[0] == "example_plugin"
    assert answer[1].status == 429
    assert hooks.respond(mockapi.Request("POST", "/v1/models", {})) is None
