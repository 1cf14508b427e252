"""Shared test helpers: start a real mockapi server on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai

from mockapi.build import build, default_fixture_dirs
from mockapi.config import OnMiss, Settings
from mockapi.validation.files import SchemaSet, load_schemas
from mockapi.validation.validator import RequestValidator
from mockapi.web.server import ServerThread

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def settings(**overrides: object) -> Settings:
    """Test settings: bundled fixtures, strict misses, no stream delays."""
    base: dict[str, object] = {
        "fixture_dirs": default_fixture_dirs(),
        "on_miss": OnMiss.ERROR,
        "honor_delays": False,
    }
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


@contextmanager
def running_server(**overrides: object) -> Iterator[ServerThread]:
    """A real server for ``settings(**overrides)``, stopped on exit; ``server.replayer``
    and ``server.control`` are the server's own (tests reset and inspect through them)."""
    built = build(settings(**overrides))
    server = ServerThread(built.app)
    server.replayer = built.replayer  # type: ignore[attr-defined]
    server.control = built.control  # type: ignore[attr-defined]
    server.app = built.app  # type: ignore[attr-defined]
    with server:
        yield server
    if built.recorder is not None:  # recordings are written just after their answers
        built.recorder.flush()


_VALIDATOR: RequestValidator | None = None
_SCHEMAS: SchemaSet | None = None


def response_problems(endpoint: str, body: object, *, role: str = "response") -> list[str]:
    """What is wrong with ``body`` as ``endpoint``'s response (``role="stream_event"``:
    one SSE event's data) by the derived schemas; empty when it is valid.

    Raises when there is no such schema, so a test cannot pass by checking nothing.
    """
    global _VALIDATOR, _SCHEMAS
    if _VALIDATOR is None or _SCHEMAS is None:
        _SCHEMAS = load_schemas()
        _VALIDATOR = RequestValidator(_SCHEMAS, check=False)
    if _SCHEMAS.schema(endpoint, role) is None:
        raise AssertionError(f"schemas/ has no {role} schema for {endpoint}")
    return _VALIDATOR.validate_response(endpoint, body, role=role)


def strict_client(base_url: str, **options: object) -> openai.OpenAI:
    """The official SDK with its strict response validation on (the response must fit
    the SDK's own models exactly), no retries."""
    kwargs: dict[str, object] = {"api_key": "sk-test-mockapi", "max_retries": 0}
    kwargs.update(options)
    return openai.OpenAI(base_url=base_url, _strict_response_validation=True, **kwargs)  # type: ignore[arg-type]


def strict_async_client(base_url: str, **options: object) -> openai.AsyncOpenAI:
    """:func:`strict_client`'s async twin."""
    kwargs: dict[str, object] = {"api_key": "sk-test-mockapi", "max_retries": 0}
    kwargs.update(options)
    return openai.AsyncOpenAI(base_url=base_url, _strict_response_validation=True, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def mockapi_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``mockapi ARGS --port P`` as a real process, ready to answer; interrupted on exit."""
    import signal

    import httpx

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockapi.cli", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/__mockapi/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield process, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
