"""The ``mockapi`` command as a user runs it: a real process, real ports, real exit codes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from mockapi.cli import main

MOCKAPI = [sys.executable, "-m", "mockapi.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve_process() -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen(
        [*MOCKAPI, "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/__mockapi/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield process, port
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


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
