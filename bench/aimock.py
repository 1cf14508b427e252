"""aimock, the fastest peer (Node): installed outside the repository, given a fixture on
the benchmark's chat request, started like the other servers.

``@copilotkit/aimock`` is installed on first use with npm into
``$XDG_CACHE_HOME/mockapi-aimock`` (``~/.cache/mockapi-aimock``; ``MOCKAPI_AIMOCK_DIR``
elsewhere), as ``.ci/run`` installs the openai npm package, or by hand::

    npm install --prefix ~/.cache/mockapi-aimock @copilotkit/aimock@1

It runs its ``llmock`` command (``dist/cli.js``: the replay server, fixtures from a
file) under ``node``. Its fixture (:func:`fixture_document`) answers the benchmark's
chat request (:data:`bench.payloads.JSON_REQUEST`, matched by its model and its last
user message) with the same completion: the same id, created, model, content, finish
reason, token counts and system fingerprint. aimock builds the envelope itself, so its
answer has no ``annotations``, ``service_tier`` or token details: about 410 bytes
against the others' 621 (the table shows each server's answer size).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench import payloads
from bench.procs import HOST, Launcher

PACKAGE = "@copilotkit/aimock"
VERSION = "1"
"""The major version installed on first use: its CLI and fixture format are what this
module writes for."""


def home() -> Path:
    """Where aimock is (or will be) installed: outside the repository."""
    given = os.environ.get("MOCKAPI_AIMOCK_DIR")
    if given:
        return Path(given)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mockapi-aimock"


def package_dir() -> Path:
    return home() / "node_modules" / "@copilotkit" / "aimock"


def install_hint() -> str:
    """The command that installs aimock where this module looks for it."""
    return f"npm install --prefix {home()} {PACKAGE}@{VERSION}"


def ensure_installed() -> tuple[Path | None, str]:
    """aimock's ``llmock`` script and its version, installing it first when missing
    (npm must be on PATH and the registry reachable); or None and why not."""
    script = package_dir() / "dist" / "cli.js"
    if not script.is_file():
        if shutil.which("node") is None or shutil.which("npm") is None:
            return None, f"node and npm are not on PATH (then: {install_hint()})"
        home().mkdir(parents=True, exist_ok=True)
        command = ["npm", "install", "--prefix", str(home()), "--no-audit", "--no-fund"]
        out = subprocess.run(
            [*command, "--loglevel=error", f"{PACKAGE}@{VERSION}"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0 or not script.is_file():
            tail = (out.stderr or out.stdout).strip()[-500:]
            return None, f"npm install failed ({tail}); by hand: {install_hint()}"
    version = json.loads((package_dir() / "package.json").read_text())["version"]
    return script, str(version)


def fixture_document() -> dict[str, Any]:
    """aimock's fixture file: the benchmark's chat request, answered with the same
    completion as the reference app's (as far as aimock's response overrides reach)."""
    completion = payloads.COMPLETION
    choice = completion["choices"][0]
    usage = completion["usage"]
    return {
        "fixtures": [
            {
                "match": {
                    "model": payloads.JSON_REQUEST["model"],
                    "userMessage": payloads.JSON_REQUEST["messages"][-1]["content"],
                },
                "response": {
                    "content": choice["message"]["content"],
                    "id": completion["id"],
                    "created": completion["created"],
                    "model": completion["model"],
                    "finishReason": choice["finish_reason"],
                    "usage": {
                        key: usage[key]
                        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
                    },
                    "systemFingerprint": completion["system_fingerprint"],
                },
            }
        ]
    }


def launcher(script: Path, fixture: Path) -> Launcher:
    """The command starting aimock on a given port."""

    def command(port: int) -> list[str]:
        node = shutil.which("node") or "node"
        return [
            *(node, str(script), "--port", str(port), "--host", HOST),
            *("--fixtures", str(fixture), "--log-level", "silent"),
        ]

    return command


def write_fixture(directory: Path) -> Path:
    """:func:`fixture_document` as a file in ``directory``."""
    path = directory / "aimock-bench.json"
    path.write_text(json.dumps(fixture_document(), indent=2))
    return path
