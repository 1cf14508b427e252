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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` (``VmRSS`` in /proc/PID/status), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else float("nan")


class Server:
    """``python -m bench.serve WHICH ...`` on a free port; a context manager.

    ``startup_s`` is the time from process start until the server answers HTTP;
    ``build_s`` what the process reported for building its app.
    """

    def __init__(self, which: str, *args: str, timeout: float = 60.0) -> None:
        self.which = which
        self.port = free_port()
        self.args = [which, "--port", str(self.port), *args]
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
            [sys.executable, "-m", "bench.serve", *self.args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        deadline = started + self.timeout
        while not self._answers():
            if self._proc.poll() is not None or time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{self.which} server did not start:\n{self.log()}")
            time.sleep(0.005)
        self.startup_s = time.perf_counter() - started
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        self.build_s = float(json.loads(line)["build_s"])
        return self

    def _answers(self) -> bool:
        return answers(self.port)

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

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

    ``wrk`` (when on PATH and allowed) only measures plain JSON requests: it cannot
    time a stream's first event. Streams and bursts always use :mod:`bench.load`.
    """

    def __init__(self, workdir: Path, *, use_wrk: bool) -> None:
        self.workdir = workdir
        self.wrk = shutil.which("wrk") if use_wrk else None
        self._bodies: dict[bytes, Path] = {}

    @property
    def name(self) -> str:
        return "wrk (plain requests) + bench/load.py (streams)" if self.wrk else "bench/load.py"

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
    ) -> dict[str, Any]:
        path = self.body_file(body)
        if self.wrk and not sse and not burst and expect == 200:
            return self._run_wrk(port, path, concurrency, duration, warmup)
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
        out = subprocess.run(command, cwd=ROOT, capture_output=True, check=False, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"load generator failed:\n{out.stderr.decode()[-3000:]}")
        result: dict[str, Any] = json.loads(out.stdout)
        return result

    def _run_wrk(
        self, port: int, body: Path, concurrency: int, duration: float, warmup: float
    ) -> dict[str, Any]:
        assert self.wrk is not None
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
            subprocess.run([*base, f"-d{max(1, round(warmup))}s", url], capture_output=True)
        out = subprocess.run(
            [*base, f"-d{max(1, round(duration))}s", url], capture_output=True, check=True
        )
        return parse_wrk(out.stdout.decode())


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return round(float(match.group(1)) * _UNITS[match.group(2)], 3)


def parse_wrk(output: str) -> dict[str, Any]:
    """The figures of a ``wrk --latency`` report, in :mod:`bench.load`'s shape."""
    latency = {}
    for label, key in (("50%", "p50"), ("90%", "p90"), ("99%", "p99")):
        match = re.search(rf"^\s*{re.escape(label)}\s+(\S+)", output, re.M)
        if match:
            latency[key] = _ms(match.group(1))
    mean = re.search(r"^\s*Latency\s+(\S+)", output, re.M)
    if mean:
        latency["mean"] = _ms(mean.group(1))
    requests = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    count = int(requests.group(1)) if requests else 0
    bad = int(errors.group(1)) if errors else 0
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
    """What the figures were measured on."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    versions = {}
    for name in ("uvicorn", "starlette", "jsonschema", "orjson"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # pragma: no cover - not installed
            versions[name] = "?"
    loop = "uvloop" if _importable("uvloop") else "asyncio"
    http = "httptools" if _importable("httptools") else "h11"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "uvicorn_loop_http": f"{loop} + {http}",
        **versions,
    }


def _importable(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None


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
