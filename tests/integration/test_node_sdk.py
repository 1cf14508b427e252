"""The real ``openai`` npm package, in Node, against mockapi.

``.ci/run`` installs the package outside the repository (``npm install --prefix``) and
points ``MOCKAPI_NODE_MODULES`` at its ``node_modules``; locally the same default
directory is used. Where node or the package is missing the tests skip (and fail
under CI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockapi.web.server import ServerThread
from tests.helpers import running_server

pytestmark = pytest.mark.integration

_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
NODE_MODULES = Path(
    os.environ.get("MOCKAPI_NODE_MODULES") or _CACHE / "mockapi-node" / "node_modules"
)

SCRIPT = r"""
const { OpenAI } = require("openai");

(async () => {
  const client = new OpenAI({
    baseURL: process.env.MOCK_URL,
    apiKey: "sk-node-test",
    maxRetries: 0,
  });
  const plain = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Hello!" }],
  });
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Count to five" }],
    stream: true,
  });
  const deltas = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0] && chunk.choices[0].delta.content;
    if (delta) deltas.push(delta);
  }
  let missed = null;
  try {
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "nothing answers this" }],
    });
  } catch (error) {
    missed = {
      notFound: error instanceof OpenAI.NotFoundError,
      status: error.status,
      message: error.message,
    };
  }
  const content = plain.choices[0].message.content;
  console.log(JSON.stringify({ plain: content, id: plain.id, deltas, missed }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "openai" / "package.json").is_file():
        return (
            f"the openai npm package is not in {NODE_MODULES}: run "
            f"npm install --prefix {NODE_MODULES.parent} openai@6 (.ci/run does)"
        )
    return None


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerThread]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the Node SDK tests must run in CI: {missing}")
        pytest.skip(missing)
    with running_server() as server:
        yield server


def run_node(script: str, mock: ServerThread, tmp_path: Path) -> Any:
    path = tmp_path / "client.cjs"
    path.write_text(script)
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES), "MOCK_URL": mock.url + "/v1"}
    env.pop("OPENAI_BASE_URL", None)
    done = subprocess.run(
        ["node", str(path)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_node_sdk_plain_and_streamed_chat_completions(mock: ServerThread, tmp_path: Path) -> None:
    result = run_node(SCRIPT, mock, tmp_path)
    assert result["plain"] == "Hello! How can I help you today?"
    assert result["id"].startswith("chatcmpl-")
    assert "".join(result["deltas"]) == "One, two, three, four, five."
    assert len(result["deltas"]) >= 5  # arrived as separate chunks
    missed = result["missed"]
    assert missed["notFound"] is True and missed["status"] == 404
    assert "No fixture matched" in missed["message"]
    outcomes = [(e.outcome.value, e.fixture) for e in mock.replayer.journal.entries()[-3:]]  # type: ignore[attr-defined]
    assert outcomes == [("hit", "greeting"), ("hit", "count-to-five"), ("miss", None)]
