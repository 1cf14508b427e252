"""The compatibility suite: six agent frameworks against a real mockapi server.

Each framework runs in its own virtual environment (built by tests/compat/build.sh from
the pinned tests/compat/requirements-<env>.txt; .ci/run builds them) and drives the
server with a scenario script (tests/compat/scenarios/with_<framework>.py) the way an
application does: a tool called, run and fed back, typed output after a tool result,
streaming, an agent that finishes, embeddings. The server is what ``mockapi serve``
runs: the bundled fixture library, and synthesis on a miss (the bundled examples must
answer only the requests they were written for, never a framework's own tools).

All scripts start together when the module's first test asks for a report, so the
frameworks' slow imports overlap; each test then checks one scenario's observations.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import running_server

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
TIMEOUT = 300  # seconds for one framework's scenarios; they take a few
DIMENSIONS = 1536  # text-embedding-3-small's
FORECAST_KEYS = {"city", "summary"}


@dataclass(frozen=True)
class Framework:
    env: str
    script: str


FRAMEWORKS = {
    "openai-agents": Framework("openai3", "with_openai_agents.py"),
    "langchain": Framework("openai3", "with_langchain.py"),
    "pydantic-ai": Framework("openai3", "with_pydantic_ai.py"),
    "litellm": Framework("openai3", "with_litellm.py"),
    "instructor": Framework("openai2", "with_instructor.py"),
    "llamaindex": Framework("openai2", "with_llamaindex.py"),
}


def compat_dir() -> Path:
    """Where build.sh puts the environments (same rule as the script)."""
    override = os.environ.get("MOCKAPI_COMPAT_DIR")
    if override:
        return Path(override)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mockapi-compat"


def unusable(env: str) -> str | None:
    """Why ``env``'s environment cannot run (absent, or built from other pins), or None."""
    directory = compat_dir() / env
    build = "run tests/compat/build.sh (.ci/run does)"
    if not (directory / "bin" / "python").exists():
        return f"the {env} framework environment is not built in {directory}: {build}"
    requirements = (HERE / f"requirements-{env}.txt").read_bytes()
    stamp_file = directory / ".mockapi-stamp"
    stamp = stamp_file.read_text() if stamp_file.exists() else ""
    if not stamp.startswith(hashlib.sha256(requirements).hexdigest()):
        return f"the {env} environment in {directory} was built from other pins: {build}"
    return None


class Runs:
    """The scenario scripts, started together on first use; their reports by framework."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self.reports: dict[str, dict[str, Any]] = {}

    def start(self) -> None:
        environment = {
            **os.environ,
            # Nothing may reach the real API, whatever a framework reads by default.
            "OPENAI_API_KEY": "sk-test-mockapi",
            "OPENAI_BASE_URL": self.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }
        for name, framework in FRAMEWORKS.items():
            if name in self.processes or unusable(framework.env):
                continue
            python = compat_dir() / framework.env / "bin" / "python"
            self.processes[name] = subprocess.Popen(
                [str(python), str(SCENARIOS / framework.script), self.base_url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=SCENARIOS,
                env=environment,
            )

    def report(self, name: str) -> dict[str, Any]:
        reason = unusable(FRAMEWORKS[name].env)
        if reason:
            pytest.skip(reason)
        if name not in self.reports:
            self.start()
            process = self.processes[name]
            try:
                out, err = process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
                err += f"\n{name}'s scenarios did not finish in {TIMEOUT} s"
            try:
                self.reports[name] = json.loads(out)
            except json.JSONDecodeError:
                self.reports[name] = {"crashed": f"exit {process.returncode}\n{err[-3000:]}"}
        return self.reports[name]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture(scope="module")
def runs(server: ServerThread) -> Iterator[Runs]:
    started = Runs(server.url + "/v1")
    try:
        yield started
    finally:
        started.stop()


# -- what each scenario must have observed --------------------------------------------------


def typed_after_one_tool_call(result: dict[str, Any]) -> None:
    """A tool called once with the question's city, then the typed output."""
    assert result["tool_calls"] == 1, result
    if "tool_arguments" in result:
        assert result["tool_arguments"] == [{"city": "Paris"}]
    if "model_requests" in result:  # one to call the tool, one to answer: the run finished
        assert result["model_requests"] == 2, result
    assert set(result["final_output"]) == FORECAST_KEYS
    assert result["final_output"]["city"] == "Paris"


def text_after_one_tool_call(result: dict[str, Any]) -> None:
    assert result["tool_calls"] == 1, result
    assert result["tool_arguments"] == [{"city": "Paris"}]
    if "model_requests" in result:
        assert result["model_requests"] == 2, result


def typed_output(result: dict[str, Any]) -> None:
    assert set(result["final_output"]) == FORECAST_KEYS
    assert result["final_output"]["city"] == "Paris"


def streamed_text(result: dict[str, Any]) -> None:
    assert result["deltas"] > 1 and result["text"].strip(), result


def embedded(result: dict[str, Any]) -> None:
    assert result["count"] == 2
    assert set(result["dimensions"]) == {DIMENSIONS}, result["dimensions"]


def one_user(result: dict[str, Any]) -> None:
    assert set(result["final_output"]) == {"name", "age"}
    assert result["final_output"]["name"] in {"Jason", "Sarah"}


def users(result: dict[str, Any]) -> None:
    assert result["count"] >= 1
    assert all(set(user) == {"name", "age"} for user in result["final_output"])


def partial_users(result: dict[str, Any]) -> None:
    """Several partial objects streamed, the last one complete."""
    assert result["deltas"] > 1, result
    one_user(result)


def json_object(result: dict[str, Any]) -> None:
    assert result["tool_calls"] == 1 and result["keys"], result


Check = Callable[[dict[str, Any]], None]
CHECKS: dict[str, dict[str, Check]] = {
    "openai-agents": {
        "responses_tool_then_typed_output": typed_after_one_tool_call,
        "chat_tool_then_typed_output": typed_after_one_tool_call,
        "agent_finishes_with_text": text_after_one_tool_call,
        "streamed_run": streamed_text,
    },
    "langchain": {
        "tool_loop": text_after_one_tool_call,
        "responses_tool_loop": text_after_one_tool_call,
        "structured_output_after_tool": typed_after_one_tool_call,
        "streaming": streamed_text,
        "embeddings": embedded,
    },
    "pydantic-ai": {
        "tool_output_after_tool": typed_after_one_tool_call,
        "native_output_after_tool": typed_after_one_tool_call,
        "responses_tool_output_after_tool": typed_after_one_tool_call,
        "responses_native_output_after_tool": typed_after_one_tool_call,
        "streamed_text": streamed_text,
        "embeddings": embedded,
    },
    "litellm": {
        "tool_loop": text_after_one_tool_call,
        "structured_output_after_tool": typed_after_one_tool_call,
        "json_mode_after_tool": json_object,
        "streaming": streamed_text,
        "embeddings": embedded,
    },
    "instructor": {
        "extract_one": one_user,
        "extract_iterable": users,
        "json_schema_mode": one_user,
        "typed_output_after_tool": typed_output,
        "partial_streaming": partial_users,
    },
    "llamaindex": {
        "function_agent": text_after_one_tool_call,
        "predict_and_call": text_after_one_tool_call,
        "structured_after_tool": typed_output,
        "stream_chat": streamed_text,
        "embeddings": embedded,
    },
}
CASES = [(framework, scenario) for framework, checks in CHECKS.items() for scenario in checks]


@pytest.mark.parametrize(("framework", "scenario"), CASES, ids=[f"{f}:{s}" for f, s in CASES])
def test_scenario(runs: Runs, framework: str, scenario: str) -> None:
    report = runs.report(framework)
    assert "crashed" not in report, f"{framework}'s scenario script crashed: {report['crashed']}"
    result = report["scenarios"][scenario]
    if not result["ok"]:
        pytest.fail(f"{framework} {scenario}: {result['error']} (at {result['at']})")
    CHECKS[framework][scenario](result)


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_every_scenario_is_checked(runs: Runs, framework: str) -> None:
    """A scenario added to a script without a check here would pass unseen."""
    report = runs.report(framework)
    assert "crashed" not in report, report.get("crashed")
    assert set(report["scenarios"]) == set(CHECKS[framework])


def test_the_environments_pin_what_the_readme_says() -> None:
    """The README's compatibility table names the versions the requirements pin."""
    readme = (HERE.parent.parent / "README.md").read_text()
    for env in {f.env for f in FRAMEWORKS.values()}:
        for line in (HERE / f"requirements-{env}.txt").read_text().splitlines():
            package, _, version = line.partition("==")
            if package in README_PACKAGES:
                assert f"{package} {version}" in readme, f"README lacks {package} {version}"


README_PACKAGES = {
    "openai-agents",
    "langchain-openai",
    "pydantic-ai-slim",
    "instructor",
    "litellm",
    "llama-index-llms-openai",
    "llama-index-embeddings-openai",
}
