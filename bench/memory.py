"""The memory section: a synthesize server's RSS under a mixed load (issue 15).

``python -m bench --only memory`` starts ``mockapi serve`` as users run it (on miss:
synthesize, the bundled fixtures, validation on; ``--instant`` so that streams are not
paced) in its own process, waits until it answers, then sends :data:`REQUESTS` requests
over one keep-alive connection, in turns of four kinds: a chat completion, a streamed
chat completion, an embeddings request of two inputs and a Responses request (without
``store``, so the API's default keeps it). Every body is different, as an application's
traffic is. It reads the server's RSS (``VmRSS``) when it first answers and after 500,
1,000 and 2,000 requests; the budget line is the last figure, under
:data:`BUDGET_MB`.

Where the memory went before issue 15 (a server that grew from ~60 to ~235 MB): the
tokenizer (~170 MB: bpe-openai's Python layer and the extension's pages; now ~50 MB, see
``mockapi/wire/tokenizer.py``), the embedding-vector cache, stored responses kept as
dicts, and orjson's oversized buffers (see the README's "Memory" paragraph).
"""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.procs import HOST, ROOT, answers, free_port, rss_mb

REQUESTS = 2_000
MARKS = (500, 1_000, 2_000)
BUDGET_MB = 120.0
KEY = "Bearer sk-bench-0000"
_WORDS = (
    *("river", "mountain", "ledger", "invoice", "kettle", "orbit", "lantern", "harvest"),
    *("signal", "meadow", "copper", "velvet", "anchor", "cipher", "garden", "thunder"),
    *("marble", "pixel", "saddle", "quartz", "ember", "willow"),
)


def request(n: int, rng: random.Random) -> tuple[str, dict[str, Any], bool]:
    """The ``n``-th request of the mix: its path, its body and whether it streams."""
    text = " ".join(rng.choice(_WORDS) for _ in range(24)) + f" (request {n})"
    kind = n % 4
    if kind == 0:
        messages = [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": text},
        ]
        return "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": messages}, False
    if kind == 1:
        body = {
            "model": "gpt-4o-mini",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": text}],
        }
        return "/v1/chat/completions", body, True
    if kind == 2:
        inputs = [text, text[::-1]]
        return "/v1/embeddings", {"model": "text-embedding-3-small", "input": inputs}, False
    return "/v1/responses", {"model": "gpt-4o-mini", "input": text}, False


@contextmanager
def mockapi_serve(*extra: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``mockapi serve`` on a free port, as a user starts it (with ``extra`` options);
    stopped on exit."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mockapi.cli",
        "serve",
        "--port",
        str(port),
        "--instant",
        "--log-level",
        "warning",
        *extra,
    ]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while not answers(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"mockapi serve did not start:\n{tail}")
                time.sleep(0.01)
            yield proc, port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _send(conn: http.client.HTTPConnection, path: str, body: dict[str, Any], stream: bool) -> str:
    """Send one request and read its whole answer; the kind of error, or ''."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": KEY}
    conn.request("POST", path, body=data, headers=headers)
    answer = conn.getresponse()
    content = answer.read()
    if answer.status != 200:
        return f"status {answer.status}"
    if stream and not content.rstrip().endswith(b"data: [DONE]"):
        return "stream without data: [DONE]"
    return ""


def run(requests: int = REQUESTS) -> dict[str, Any]:
    """Start the server, send the mixed load, and read its RSS along the way."""
    rng = random.Random(15)
    marks = sorted({*(m for m in MARKS if m <= requests), requests})
    rss: dict[str, float] = {}
    errors: dict[str, int] = {}
    with mockapi_serve() as (proc, port):
        rss["start"] = rss_mb(proc.pid)
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        started = time.perf_counter()
        try:
            for n in range(1, requests + 1):
                problem = _send(conn, *request(n, rng))
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1
                if n in marks:
                    rss[str(n)] = rss_mb(proc.pid)
        finally:
            conn.close()
        seconds = time.perf_counter() - started
    return {
        "requests": requests,
        "mix": "chat, streamed chat, embeddings (2 inputs), Responses; in turns",
        "rss_mb": rss,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": round(seconds, 1),
        "budget_mb": BUDGET_MB,
    }


def main() -> int:
    """``python -m bench.memory``: this section alone, as JSON."""
    print(json.dumps(run(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
