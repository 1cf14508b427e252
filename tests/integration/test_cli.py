"""The ``mockapi`` command as a user runs it: a real process, real ports, real exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from mockapi.cli import main
from tests.helpers import free_port, mockapi_process

MOCKAPI = [sys.executable, "-m", "mockapi.cli"]


@pytest.fixture
def serve_process() -> Iterator[tuple[subprocess.Popen[str], int]]:
    with mockapi_process("serve", "--log-level", "warning") as started:
        yield started


def test_serve_answers_the_sdk_and_synthesizes_misses(
    serve_process: tuple[subprocess.Popen[str], int],
) -> None:
    _, port = serve_process
    with openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", max_retries=0) as sdk:
        hello = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}]
        )
        other = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Unmatched question"}]
        )
    assert hello.choices[0].message.content == "Hello! How can I help you today?"
    assert "Unmatched question" in (other.choices[0].message.content or "")


def test_serve_stops_cleanly_on_interrupt(serve_process: tuple[subprocess.Popen[str], int]) -> None:
    process, _ = serve_process
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 130  # the conventional status after Ctrl+C
    stderr = process.stderr.read() if process.stderr else ""
    assert "serving on http://127.0.0.1:" in stderr
    assert "Traceback" not in stderr


def test_serve_with_broken_fixtures_exits_1_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("version: 1\nfixtures:\n  - response: {status: 200}\n")
    result = subprocess.run(
        [*MOCKAPI, "serve", "--fixtures", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert f"{tmp_path / 'bad.yaml'}#0 response: give exactly one of 'body'" in result.stderr


def test_validate_reports_counts_and_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate"]) == 0
    assert "fixtures OK" in capsys.readouterr().out
    (tmp_path / "bad.yaml").write_text("version: 3\nfixtures: []\n")
    assert main(["validate", "--fixtures", str(tmp_path)]) == 1
    assert "unsupported format version 3" in capsys.readouterr().err


def test_schemas_derive_needs_an_existing_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schemas", "derive", "--spec", str(tmp_path / "nope.yaml"), "--out", "x"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert not os.path.exists("x")


def test_bad_max_body_size_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--max-body-size", "0"]) == 1
    assert "--max-body-size must be at least 1" in capsys.readouterr().err
