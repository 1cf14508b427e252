"""The batch section: a 50,000-line chat batch on a synthesize server (issue 16).

``python -m bench --only batch`` (or ``python -m bench.batch``) starts ``mockapi serve``
as users run it (on miss: synthesize, the bundled fixtures, validation on, ``--instant``)
in its own process, once with the state in memory (the default) and once with
``--state`` (SQLite, the file bytes on disk). Each time it uploads a 50,000-line JSONL
file of chat requests (every line different) with purpose ``batch``, creates the batch
and polls it as a client does (``GET /v1/batches/{id}`` every :data:`POLL_S` seconds,
or the ``openai-poll-after-ms`` the server sends if longer), then downloads the output
file. Figures:

* the time from the create to the retrieve that answers it ``completed``, and the lines
  per second that makes;
* the server's peak RSS while the batch runs (``VmHWM``, the high-water mark, reset
  after the upload: so no sample is missed and the upload's own peak, the 13 MB
  multipart body, is reported apart) and its RSS when it first answered, after the
  upload and at the end (the end includes the download of the output file);
* how many retrieves the client made, the output file's size, and whether the counts
  add up (50,000 completed, none failed).

Not a timed test: the figures go to the table and to ``bench/results.json``.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.memory import mockapi_serve
from bench.procs import HOST, rss_mb

LINES = 50_000
POLL_S = 0.5
"""The client's pause between two retrieves (or the server's ``openai-poll-after-ms``
when longer): a batch client polls a few times a second at most. (Polling every 10 ms
instead halves the lines per second: each retrieve takes the GIL from the run.)"""
KEY = "Bearer sk-bench-0000"
_TOPICS = ("invoice", "harvest", "lantern", "orbit", "ledger", "meadow", "cipher", "anchor")


def jsonl(lines: int = LINES) -> bytes:
    """The input file: ``lines`` chat requests, each asking something different."""
    out = []
    for n in range(lines):
        topic = _TOPICS[n % len(_TOPICS)]
        body = {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a concise assistant."},
                {"role": "user", "content": f"Summarize {topic} report number {n} in one line."},
            ],
            "max_tokens": 40,
        }
        line = {
            "custom_id": f"line-{n}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        }
        out.append(json.dumps(line, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (``VmHWM``), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+)\s+kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else float("nan")


def reset_peak(pid: int) -> bool:
    """Start ``VmHWM`` again from the current RSS (``5`` to ``/proc/PID/clear_refs``),
    so that the peak read later is the batch run's, not the upload's; whether it could."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(data: bytes, *extra: str) -> dict[str, Any]:
    """Run the batch of ``data`` on a fresh server started with ``extra`` options."""
    with mockapi_serve(*extra) as (proc, port):
        start_rss = rss_mb(proc.pid)
        headers = {"authorization": KEY}
        with httpx.Client(base_url=f"http://{HOST}:{port}", headers=headers, timeout=600) as http:
            files = {"file": ("requests.jsonl", data, "application/jsonl")}
            uploaded = http.post("/v1/files", data={"purpose": "batch"}, files=files)
            uploaded.raise_for_status()
            body = {
                "input_file_id": uploaded.json()["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            }
            uploaded_rss = rss_mb(proc.pid)
            upload_peak = peak_rss_mb(proc.pid)
            peak_reset = reset_peak(proc.pid)
            began = time.perf_counter()
            batch = http.post("/v1/batches", json=body).json()
            retrieves = 0
            while batch["status"] not in ("completed", "failed", "expired", "cancelled"):
                answer = http.get(f"/v1/batches/{batch['id']}")
                retrieves += 1
                batch = answer.json()
                wait_ms = int(answer.headers.get("openai-poll-after-ms") or 0)
                time.sleep(max(wait_ms / 1000, POLL_S))
            seconds = time.perf_counter() - began
            peak = peak_rss_mb(proc.pid)
            output = http.get(f"/v1/files/{batch['output_file_id']}/content").content
        end_rss = rss_mb(proc.pid)
    counts = batch["request_counts"]
    return {
        "status": batch["status"],
        "request_counts": counts,
        "seconds": round(seconds, 1),
        "lines_per_s": round(counts["total"] / seconds) if seconds else None,
        "retrieves": retrieves,
        "output_mb": round(len(output) / 1024 / 1024, 1),
        "output_lines": output.count(b"\n"),
        "rss_mb": {
            "start": start_rss,
            "upload_peak": upload_peak,
            "after_upload": uploaded_rss,
            "peak": peak,
            "end": end_rss,
        },
        "peak_is_the_runs": peak_reset,
        "adds_up": counts
        == {"total": len(data.splitlines()), "completed": counts["total"], "failed": 0},
    }


def run(lines: int = LINES) -> dict[str, Any]:
    """Both runs (state in memory, state in SQLite) of one ``lines``-line batch."""
    data = jsonl(lines)
    results: dict[str, Any] = {"lines": lines, "input_mb": round(len(data) / 1024 / 1024, 1)}
    results["memory_store"] = measure(data)
    with tempfile.TemporaryDirectory(prefix="mockapi-bench-state-") as tmp:
        results["sqlite_store"] = measure(data, "--state", str(Path(tmp) / "state.db"))
    return results


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The table's rows for this section (``bench.report``)."""
    head = f"**batch: {results['lines']:,} chat lines ({results['input_mb']} MB input)**"
    out = [(head, "", "", "")]
    for key, label in (("memory_store", "state in memory"), ("sqlite_store", "--state (SQLite)")):
        run_ = results[key]
        rss = run_["rss_mb"]
        out.append(
            (
                f"{label}: create to completed",
                "",
                f"{run_['seconds']} s",
                f"{run_['lines_per_s']:,} lines/s",
            )
        )
        run_peak = "run's peak" if run_["peak_is_the_runs"] else "peak (upload included)"
        before = f"start {rss['start']} MB, after upload {rss['after_upload']} MB"
        out.append((f"{label}: {run_peak} RSS", "", f"{rss['peak']} MB", before))
        out.append(
            (f"{label}: retrieves, output", "", str(run_["retrieves"]), f"{run_['output_mb']} MB")
        )
        if not run_["adds_up"]:
            out.append(
                (f"{label}: counts DO NOT add up", "", json.dumps(run_["request_counts"]), "")
            )
    return out


def main() -> int:
    """``python -m bench.batch [LINES]``: this section alone; figures, then JSON."""
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else LINES
    results = run(lines)
    for row in rows(results):
        print(" | ".join(cell for cell in row if cell))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
