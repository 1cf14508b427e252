"""The benchmark's load generator counts what it is sent back, and its correctness checks
of the fast paths run against today's modules (correctness, not timing)."""

from __future__ import annotations

import asyncio
import importlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from mockapi.web.server import ServerThread

load = pytest.importorskip("bench.load", reason="bench/ is not part of the sdist")
payloads = pytest.importorskip("bench.payloads")
reference = pytest.importorskip("bench.reference")

pytestmark = pytest.mark.integration


class Counting:
    """The reference app, counting the chat requests it was asked."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/chat/completions":
            self.count += 1
        await reference.app(scope, receive, send)


def target(server: ServerThread, body: dict[str, Any], *, sse: bool) -> Any:
    data = json.dumps(body).encode()
    request = load.build_request(server.host, server.port, "/v1/chat/completions", data)
    return load.Target(server.host, server.port, request, sse, 200)


def test_sustained_load_counts_every_answer() -> None:
    app = Counting()
    with ServerThread(app) as server:
        result = asyncio.run(
            load.sustained(
                target(server, payloads.JSON_REQUEST, sse=False),
                concurrency=4,
                duration=0.5,
                warmup=0,
            )
        )
    assert result["errors"] == 0
    # Requests still in flight when the time was up are answered but not counted.
    assert app.count - 4 <= result["requests"] <= app.count
    assert result["requests"] > 0
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]


def test_streams_are_read_to_the_end() -> None:
    app = Counting()
    with ServerThread(app) as server:
        result = asyncio.run(
            load.sustained(
                target(server, payloads.STREAM_REQUEST, sse=True),
                concurrency=2,
                duration=0.5,
                warmup=0,
            )
        )
        burst = asyncio.run(
            load.burst(target(server, payloads.PACED_REQUEST, sse=True), concurrency=20, timeout=30)
        )
    assert result["errors"] == 0 and result["requests"] > 0
    assert result["events"] == payloads.STREAM_EVENTS * result["requests"]
    assert burst["requests"] == 20 and burst["errors"] == 0
    assert burst["events"] == payloads.STREAM_EVENTS * 20
    assert burst["max_open"] == 20  # paced streams last ~1 s: all were open at once


# Imported in the tests, not with importorskip: bench/ is here (bench.load was found), so
# a check that no longer imports (a renamed helper) must fail, not skip.


def test_the_fast_path_checks_run_and_agree(capsys: pytest.CaptureFixture[str]) -> None:
    check = importlib.import_module("bench.check_fast_paths")
    assert check.main(["--samples", "200"]) == 0
    out = capsys.readouterr().out
    assert "near-miss bounds: 0 disagreements" in out
    assert "sse.encode_event: 0 disagreements" in out


def test_the_fast_path_checks_catch_a_disagreement(monkeypatch: pytest.MonkeyPatch) -> None:
    check = importlib.import_module("bench.check_fast_paths")
    monkeypatch.setattr(check, "dumps", json.dumps)  # spaces after separators: not canonical
    assert check.check_dumps(random.Random(0), 50) > 0


def test_the_validation_check_runs_and_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    check = importlib.import_module("bench.check_validation")
    assert check.main(["--samples", "10"]) == 0
    out = capsys.readouterr().out
    assert "POST /v1/chat/completions request: 10 bodies" in out
    assert "form: 10 bodies" in out  # multipart forms are checked too


def test_the_validation_check_catches_a_disagreement(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    check = importlib.import_module("bench.check_validation")

    class AcceptsAll:
        @staticmethod
        def fast_path(document: Any) -> Any:
            return lambda body: True

    monkeypatch.setattr(check, "Compiler", AcceptsAll)
    assert check.main(["--samples", "10"]) == 1
    assert "DISAGREE" in capsys.readouterr().out


def test_wrk_measures_a_server_and_the_cpu_each_side_used(tmp_path: Path) -> None:
    procs = importlib.import_module("bench.procs")
    ceiling = importlib.import_module("bench.ceiling")
    generator = procs.LoadGenerator(tmp_path, use_wrk=True)
    assert generator.wrk is not None, "wrk is not installed: apt-get install wrk"
    with procs.Server("ceiling", launcher=ceiling.command) as server:
        result = generator.run(
            server.port, payloads.JSON_REQUEST, concurrency=4, duration=1, warmup=0, pid=server.pid
        )
        # wrk reads no answer: the one checked first must be what the benchmark expects.
        with pytest.raises(RuntimeError, match=r"answered 200 .* expects 404"):
            generator.run(server.port, payloads.JSON_REQUEST, duration=1, warmup=0, expect=404)
    assert result["generator"] == "wrk" and result["errors"] == 0 and result["requests"] > 0
    assert result["answer_bytes"] == len(payloads.COMPLETION_BYTES)
    assert result["generator_cpu"] > 0 and result["server_cpu"] > 0
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
