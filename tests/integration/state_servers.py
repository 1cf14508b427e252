"""``mockapi serve`` as real processes for the state tests: started through the CLI on
a real port, stopped with a signal of the test's choosing (SIGTERM, or SIGKILL for a
crash), and the worker that answered each fresh connection."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from openai.types.chat import ChatCompletionMessageParam

from tests.helpers import free_port

MOCKAPI_SERVE = [sys.executable, "-m", "mockapi.cli", "serve"]
KEY = "sk-test-state"
AUTH = {"authorization": f"Bearer {KEY}"}
# What the bundled greeting fixture answers (the servers here answer misses with 404).
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello!"}]


@dataclass
class Served:
    """One ``mockapi serve`` process and what it printed before serving."""

    process: subprocess.Popen[str]
    port: int
    banner: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state_line(self) -> str:
        """The banner's ``state: ...`` line."""
        [line] = [line for line in self.banner if line.startswith("state: ")]
        return line

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start(*args: str) -> Served:
    """``mockapi serve ARGS`` on a free port, once it answers ``/__mockapi/health``."""
    port = free_port()
    process = subprocess.Popen(
        [*MOCKAPI_SERVE, *args, "--port", str(port), "--log-level", "warning", "--instant"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(process, port)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{served.url}/__mockapi/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    if process.poll() is not None or time.monotonic() >= deadline:
        served.stop(signal.SIGKILL)
        err = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"mockapi serve {' '.join(args)} did not start:\n{err}")
    assert process.stderr is not None
    # The banner is printed before serving: it is all there, and little (log level warning).
    while not served.banner or not served.banner[-1].startswith("state: "):
        served.banner.append(process.stderr.readline().rstrip("\n"))
    return served


@contextmanager
def serving(*args: str) -> Iterator[Served]:
    """:func:`start`, stopped with SIGTERM (unless the test stopped it) on exit."""
    served = start(*args)
    try:
        yield served
    finally:
        served.stop()


def fresh_connections(
    url: str, *, at_least: int = 30, limit: int = 300
) -> Iterator[tuple[int, httpx.Client]]:
    """``at_least`` new connections (more, up to ``limit``, until two workers have
    answered), each as the pid of the worker that accepted it and a client on it."""
    pids: set[int] = set()
    count = 0
    while count < at_least or (len(pids) < 2 and count < limit):
        # One client, one connection: the health check and the test's requests after
        # it travel on it, so they reach the same worker.
        with httpx.Client(base_url=url, headers=AUTH, timeout=10) as http:
            pid = int(http.get("/__mockapi/health").json()["pid"])
            pids.add(pid)
            count += 1
            yield pid, http
