"""A real ``redis-server`` for the tests of the Redis state store: Debian's package, on a
free loopback port, its data in a temporary directory (an append-only file, fsynced at
each write, no RDB snapshots), stopped and started again as a test needs.

There is no fake and no skip: without ``redis-server`` the tests fail saying how to
install it (``.ci/run`` installs it where it is missing). The fixture
:func:`redis_server` (one server per test module) is registered by ``tests/conftest.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.helpers import free_port

INSTALL = (
    "redis-server is not installed, and the Redis state store's tests run against a real "
    "one: apt-get install -y --no-install-recommends redis-server (Debian's package; "
    ".ci/run installs it where it is missing)"
)


class RedisServer:
    """One ``redis-server`` process on ``port`` keeping its data in ``directory``."""

    def __init__(self, directory: Path) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise AssertionError(INSTALL)
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db)

    def start(self) -> RedisServer:
        """Start it (again, on the same port and data) and wait until it answers."""
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        client = self.client()
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    out = self.process.communicate()[0] or b""
                    raise AssertionError(
                        f"redis-server on port {self.port} did not start:\n{out.decode()}"
                    ) from None
                time.sleep(0.02)
        client.close()
        return self

    def stop(self) -> None:
        """Stop it as an operator would (SIGTERM: it writes its data and exits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A running redis-server for the module's tests (started again if a test stopped it
    is the test's business: it gets the same port and data)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
