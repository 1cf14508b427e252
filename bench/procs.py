"""Processes the runner drives: a benchmarked server, and one load-generator run.

Every server and every load run is its own Python process, so none of them competes
with another for a GIL; the runner itself only waits while a measurement is under way.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockapi.web.server import fastest_stack

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_s(pid: int) -> float:
    """CPU time (user + system) ``pid`` has used, in seconds (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` (``VmRSS`` in /proc/PID/status), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else float("nan")


Launcher = Callable[[int], list[str]]
"""The command line of a server that is not ``python -m bench.serve``, given its port."""


class Server:
    """``python -m bench.serve WHICH ...`` on a free port; a context manager.

    ``stack`` is uvicorn's ``(http, loop)`` (by default ``mockapi serve``'s). A
    ``launcher`` starts something else instead (aimock, the trivial server of
    :mod:`bench.ceiling`); such a server reports no ``build_s``.

    ``startup_s`` is the time from process start until the server answers HTTP;
    ``build_s`` what the process reported for building its app.
    """

    def __init__(
        self,
        which: str,
        *args: str,
        stack: tuple[str, str] | None = None,
        launcher: Launcher | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.which = which
        self.port = free_port()
        if launcher is not None:
            self.command = launcher(self.port)
        else:
            http, loop = stack or fastest_stack()
            argv = [which, "--port", str(self.port), "--http", http, "--loop", loop, *args]
            self.command = [sys.executable, "-m", "bench.serve", *argv]
        self._reports_build = launcher is None
        self.timeout = timeout
        self.startup_s = float("nan")
        self.build_s = float("nan")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def start(self) -> Server:
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            stdout=subprocess.PIPE if self._reports_build else self._log,
            stderr=self._log,
        )
        deadline = started + self.timeout
        while not self._answers():
            if self._proc.poll() is not None or time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{self.which} server did not start:\n{self.log()}")
            time.sleep(0.005)
        self.startup_s = time.perf_counter() - started
        if self._reports_build:
            assert self._proc.stdout is not None
            line = self._proc.stdout.readline()
            self.build_s = float(json.loads(line)["build_s"])
        return self

    def _answers(self) -> bool:
        return answers(self.port)

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def cpu_s(self) -> float:
        """The CPU time (user and system) the server has used so far, in seconds."""
        return cpu_s(self.pid)

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._log.close()


class LoadGenerator:
    """Runs one measurement in a fresh process: ``wrk`` or :mod:`bench.load`.

    ``wrk`` (when on PATH and allowed) measures every plain request, one thread
    (``-t1``); it cannot time a stream's first event, so streams and bursts always use
    :mod:`bench.load`. Each result says which generator measured it (``generator``)
    and the share of one core the generator used (``generator_cpu``: a generator near
    1.0 is the bottleneck, not the server); given the server's pid, the server's share
    too (``server_cpu``).
    """

    def __init__(self, workdir: Path, *, use_wrk: bool) -> None:
        self.workdir = workdir
        self.wrk = shutil.which("wrk") if use_wrk else None
        self._bodies: dict[bytes, Path] = {}

    @property
    def name(self) -> str:
        return "wrk -t1 (plain requests) + bench/load.py (streams)" if self.wrk else "bench/load.py"

    def body_file(self, body: Any) -> Path:
        data = json.dumps(body, separators=(",", ":")).encode()
        if data not in self._bodies:
            path = self.workdir / f"body-{len(self._bodies)}.json"
            path.write_bytes(data)
            self._bodies[data] = path
        return self._bodies[data]

    def run(
        self,
        port: int,
        body: Any,
        *,
        concurrency: int = 1,
        duration: float = 3.0,
        warmup: float = 0.5,
        sse: bool = False,
        burst: bool = False,
        expect: int = 200,
        pid: int | None = None,
    ) -> dict[str, Any]:
        """One measurement of ``port`` (``pid``: the server's process, for its CPU share)."""
        path = self.body_file(body)
        if self.wrk and not sse and not burst:
            return self._run_wrk(port, path, concurrency, duration, warmup, expect, pid)
        command = [
            sys.executable,
            "-m",
            "bench.load",
            "--port",
            str(port),
            "--body-file",
            str(path),
            "--concurrency",
            str(concurrency),
            "--duration",
            str(duration),
            "--warmup",
            str(warmup),
            "--expect-status",
            str(expect),
        ]
        command += ["--sse"] if sse else []
        command += ["--burst"] if burst else []
        run = _measured(command, pid)
        if run.returncode != 0:
            raise RuntimeError(f"load generator failed:\n{run.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(run.stdout)
        result["generator"] = "bench/load.py"
        return {**result, **run.shares()}

    def _run_wrk(
        self,
        port: int,
        body: Path,
        concurrency: int,
        duration: float,
        warmup: float,
        expect: int,
        pid: int | None,
    ) -> dict[str, Any]:
        assert self.wrk is not None
        # wrk checks no answer: one request first, checked, so that a server answering
        # an error fast is never reported as a fast server.
        size = check(port, "/v1/chat/completions", body.read_bytes(), expect)
        script = self.workdir / f"{body.stem}.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body.read_text())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            'wrk.headers["Authorization"] = "Bearer sk-bench-0000"\n'
        )
        url = f"http://{HOST}:{port}/v1/chat/completions"
        base = [self.wrk, "-t1", f"-c{concurrency}", "--latency", "-s", str(script)]
        if warmup > 0:
            _measured([*base, f"-d{max(1, round(warmup))}s", url], None)
        run = _measured([*base, f"-d{max(1, round(duration))}s", url], pid)
        if run.returncode != 0:
            raise RuntimeError(f"wrk failed ({run.returncode}):\n{run.stderr[-3000:]}")
        result = parse_wrk(run.stdout, expect=expect)
        return {**result, **run.shares(), "answer_bytes": size}


@dataclass
class _Run:
    """A finished generator process: its output, its CPU time and the server's."""

    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    server_cpu_s: float | None

    def shares(self) -> dict[str, float]:
        """CPU used per second of the run, as a share of one core."""
        if self.wall_s <= 0:
            return {}
        out = {"generator_cpu": round(self.cpu_s / self.wall_s, 3)}
        if self.server_cpu_s is not None:
            out["server_cpu"] = round(self.server_cpu_s / self.wall_s, 3)
        return out


def _measured(command: list[str], pid: int | None) -> _Run:
    """Run ``command`` to its end; its CPU time from ``wait4`` (its own, exactly), and the
    CPU time server ``pid`` used meanwhile."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        server_before = cpu_s(pid) if pid is not None else 0.0
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        server = cpu_s(pid) - server_before if pid is not None else None
        out.seek(0)
        err.seek(0)
        return _Run(
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            wall,
            usage.ru_utime + usage.ru_stime,
            server,
        )


def check(port: int, path: str, body: bytes, expect: int) -> int:
    """Send ``body`` once; raise unless the answer has status ``expect`` and a body;
    the body's size."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench-0000"}
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        content = answer.read()
    finally:
        conn.close()
    if answer.status != expect or not content:
        raise RuntimeError(
            f"the server on port {port} answered {answer.status} ({len(content)} bytes) "
            f"where the benchmark expects {expect}: {content[:300]!r}"
        )
    return len(content)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return round(float(match.group(1)) * _UNITS[match.group(2)], 3)


def parse_wrk(output: str, *, expect: int = 200) -> dict[str, Any]:
    """The figures of a ``wrk --latency`` report, in :mod:`bench.load`'s shape.

    wrk counts answers that are not 2xx or 3xx: errors when ``expect`` is 2xx, and
    where ``expect`` is an error status, every answer that is not one is an error."""
    latency = {}
    for label, key in (("50%", "p50"), ("90%", "p90"), ("99%", "p99")):
        match = re.search(rf"^\s*{re.escape(label)}\s+(\S+)", output, re.M)
        if match:
            latency[key] = _ms(match.group(1))
    mean = re.search(r"^\s*Latency\s+([\d.]+(?:us|ms|s|m))\s", output, re.M)
    if mean:
        latency["mean"] = _ms(mean.group(1))
    requests = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    count = int(requests.group(1)) if requests else 0
    non_2xx = int(errors.group(1)) if errors else 0
    bad = non_2xx if expect < 400 else count - non_2xx
    if socket_errors:
        bad += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return {
        "requests": count,
        "errors": bad,
        "error_kinds": {},
        "seconds": _ms(requests.group(2) + requests.group(3)) / 1000 if requests else 0.0,
        "rps": float(rps.group(1)) if rps else 0.0,
        "latency_ms": latency,
        "ttfb_ms": {},
        "events": 0,
        "generator": "wrk",
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on, when, and at which commit."""
    from datetime import datetime, timezone
    from importlib.metadata import PackageNotFoundError, version

    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    versions = {}
    for name in ("uvicorn", "starlette", "httptools", "uvloop", "jsonschema", "orjson"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    http, loop = fastest_stack()
    memory = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "platform": f"{sys.platform} {os.uname().release}",
        "uvicorn_loop_http": f"{loop} + {http}",
        "wrk": _tool_version(["wrk", "-v"]),
        "node": _tool_version(["node", "--version"]),
        **versions,
    }


def commit() -> str:
    """``git rev-parse --short HEAD``, with ``+dirty`` when tracked files have changed."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown (no git)"
    return (head or "unknown") + ("+dirty" if dirty else "")


def _tool_version(command: list[str]) -> str:
    """The first line a tool prints about its version, or 'not installed'."""
    if shutil.which(command[0]) is None:
        return "not installed"
    out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].split(" [")[0] if text else "?"


def answers(port: int) -> bool:
    """Whether a server on ``port`` answers HTTP yet (any status counts)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/__mockapi/health")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()
