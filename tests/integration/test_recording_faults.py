"""Faults of the disk and the process while recording, against a fake upstream on a real port.

Each test reproduces a fault the way it was found: a fixture directory that cannot be
written (for root too: a regular file stands where a folder is expected), a full disk
(a file size limit on a real ``mockapi record`` process: writes fail with EFBIG, as they
fail with ENOSPC on a full one), a recorder killed with SIGKILL between writing a
recording and linking it into place, and identical requests in flight at once in one
process and in two processes sharing one directory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockapi.config import RecordMode
from mockapi.library import store
from tests.fake_upstream import FakeUpstream
from tests.helpers import free_port, running_server

KEY = "sk-test-recording-faults-0001"
STORY = "one two three four five six seven eight nine ten"


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(event_delay=0.01) as fake:
        yield fake


def sdk(url: str) -> openai.OpenAI:
    """The official SDK without retries: a cut answer is an error here, not a retry."""
    return openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0)


def ask(client: openai.OpenAI, content: str, *, stream: bool) -> str:
    """The whole answer's text, or the SDK's error if the answer was cut."""
    messages: Any = [{"role": "user", "content": content}]
    if not stream:
        done = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return done.choices[0].message.content or ""
    chunks = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def health(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(url + "/__mockapi/health", timeout=10).json()
    return answer


@dataclass
class Process:
    """A running ``mockapi record``: its URL, the process, and what it printed so far."""

    url: str
    process: subprocess.Popen[bytes]
    lines: list[str]

    @property
    def output(self) -> str:
        return "".join(self.lines)


@contextmanager
def record_processes(
    directory: Path,
    upstream: FakeUpstream,
    count: int = 1,
    *,
    preexec: Callable[[], None] | None = None,
    prelude: str = "",
) -> Iterator[list[Process]]:
    """``count`` real ``mockapi record`` processes on free ports, started at once and
    stopped on exit.

    ``prelude`` is Python run in each process before mockapi starts (to plant a fault).
    Their output goes through a pipe, not a file: a file size limit must not silence it.
    """
    code = f"import sys\n{prelude}\nfrom mockapi.cli import main\nsys.exit(main(sys.argv[1:]))"
    args = ["record", "--upstream", upstream.url, "--fixtures", str(directory)]
    started: list[Process] = []
    readers: list[threading.Thread] = []
    try:
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-c", code, *args, "--port", str(port)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                preexec_fn=preexec,
            )
            one = Process(f"http://127.0.0.1:{port}", process, [])
            started.append(one)
            readers.append(threading.Thread(target=_collect, args=(one,), daemon=True))
            readers[-1].start()
        deadline = time.monotonic() + 30
        for one in started:
            while not _answers(one):
                assert one.process.poll() is None, f"mockapi record exited:\n{one.output}"
                assert time.monotonic() < deadline, f"no answer from mockapi:\n{one.output}"
                time.sleep(0.05)
        yield started
    finally:
        for one in started:
            _stop(one.process)
        for reader in readers:
            reader.join(timeout=10)


def _collect(process: Process) -> None:
    pipe = process.process.stdout
    assert pipe is not None
    with pipe:
        process.lines.extend(line.decode(errors="replace") for line in pipe)


def _answers(process: Process) -> bool:
    try:
        return httpx.get(process.url + "/__mockapi/health").status_code == 200
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fixture_files(directory: Path) -> list[Path]:
    return store.fixture_files(directory) if directory.is_dir() else []


def leftovers(directory: Path) -> list[str]:
    """Temp and lock files left in ``directory`` (hidden files: never fixtures)."""
    if not directory.exists():
        return []
    return sorted(p.name for p in directory.rglob(".*") if p.is_file())


# -- a directory that cannot be written ------------------------------------------------------


def test_an_unwritable_fixture_directory_never_cuts_the_answer(
    tmp_path: Path, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    # chmod does not stop root; a regular file where a folder is expected stops anyone.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file, not a directory\n")
    directory = blocker / "fixtures"
    caplog.set_level(logging.INFO)
    settings: dict[str, Any] = {"record_mode": RecordMode.NEW_EPISODES}
    with running_server(fixture_dirs=(directory,), upstream_url=upstream.url, **settings) as server:
        with sdk(server.url) as client:
            # Before: 200 and the whole body, then no chunked terminator: APIConnectionError.
            assert ask(client, "Say hi", stream=False) == "Echo: Say hi"
            assert ask(client, STORY, stream=True) == f"Echo: {STORY}"
            # The recordings are served from memory: the upstream is not asked again.
            assert ask(client, "Say hi", stream=True) == "Echo: Say hi"
            assert ask(client, STORY, stream=False) == f"Echo: {STORY}"
        status = health(server.url)
    assert len(upstream.requests) == 2
    recording = status["recording"]
    assert recording["state"] == "failing", status
    assert recording["written"] == 0 and recording["unsaved"] == 2
    assert "ENOTDIR" in recording["last_error"] and str(directory) in recording["last_error"]
    failures = [r for r in caplog.records if "not written" in r.getMessage()]
    assert len(failures) == 2, [r.getMessage() for r in caplog.records]
    for record in failures:
        line = record.getMessage()
        assert "\n" not in line and record.exc_info is None, line
        assert str(directory) in line and "ENOTDIR" in line, line
        assert "served from memory" in line and "move it" in line, line
    crashes = [r for r in caplog.records if "Exception in ASGI application" in r.getMessage()]
    assert not crashes
    assert not blocker.is_dir()


def _limit_file_size() -> None:  # runs in the child between fork and exec
    # Any write past 64 bytes fails with EFBIG (Python ignores SIGXFSZ): a full disk, for
    # root too, without a privileged tmpfs mount.
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


def test_a_full_disk_under_a_real_recorder_never_cuts_the_answer(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    directory = tmp_path / "fixtures"
    with record_processes(directory, upstream, preexec=_limit_file_size) as [recorder]:
        with sdk(recorder.url) as client:
            assert ask(client, STORY, stream=False) == f"Echo: {STORY}"
            assert ask(client, STORY, stream=True) == f"Echo: {STORY}"
        status = health(recorder.url)
    assert len(upstream.requests) == 1, "the second answer came from memory"
    assert status["recording"]["state"] == "failing"
    assert "EFBIG" in status["recording"]["last_error"]
    text = recorder.output
    failures = [line for line in text.splitlines() if "not written" in line]
    assert len(failures) == 1, text
    assert "EFBIG" in failures[0] and str(directory) in failures[0], failures[0]
    assert "Traceback" not in text and "Exception in ASGI application" not in text, text
    assert fixture_files(directory) == [] and leftovers(directory) == []


# -- kill -9 between writing and linking -----------------------------------------------------

_DIE_AT_LINK = """
import os, signal
def _die(*args, **kwargs):  # the recording is written and fsynced: die before it is linked
    os.kill(os.getpid(), signal.SIGKILL)
os.link = _die
os.replace = _die
"""


def test_a_recording_interrupted_by_kill_9_is_finished_at_start_up(
    tmp_path: Path, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "fixtures"
    with record_processes(directory, upstream, prelude=_DIE_AT_LINK) as [recorder]:
        with sdk(recorder.url) as client:
            # The answer is complete before its recording is written: the process dies
            # after it, as it links the recording.
            assert ask(client, STORY, stream=False) == f"Echo: {STORY}"
        assert recorder.process.wait(timeout=10) == -signal.SIGKILL
    [temp] = [name for name in leftovers(directory) if name.endswith(".tmp")]
    assert fixture_files(directory) == []
    # A write cut short as well (a crash inside write(): the bytes never all arrived).
    folder = directory / "chat_completions"
    (folder / temp).with_name(".feedfacecafe.yaml.0123456789abcdef-abcdefgh.tmp").write_bytes(
        (folder / temp).read_bytes()[:200]
    )
    caplog.set_level(logging.INFO)
    settings: dict[str, Any] = {"record_mode": RecordMode.NONE}
    with running_server(fixture_dirs=(directory,), **settings) as server:
        with sdk(server.url) as client:
            assert ask(client, STORY, stream=False) == f"Echo: {STORY}"
    assert len(upstream.requests) == 1, "answered from the finished recording, offline"
    [finished] = fixture_files(directory)
    assert finished.name == temp.split(".")[1] + ".yaml"
    assert leftovers(directory) == [], "the finished temp, the cut one and the lock are gone"
    said = [r.getMessage() for r in caplog.records if r.name.startswith("mockapi.library")]
    assert any("finished" in line and str(finished) in line for line in said), said
    assert any("removed" in line and "feedfacecafe" in line for line in said), said


# -- identical requests in flight at once ----------------------------------------------------


async def _identical_streams(url: str, count: int) -> list[str]:
    async with openai.AsyncOpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0) as client:

        async def one() -> str:
            stream = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": STORY}],
                stream=True,
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

        return await asyncio.gather(*(one() for _ in range(count)))


def test_identical_requests_in_flight_in_one_process_go_upstream_once(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    upstream.event_delay = 0.05  # every request arrives while the first is still streaming
    settings: dict[str, Any] = {"record_mode": RecordMode.NEW_EPISODES}
    with running_server(fixture_dirs=(tmp_path,), upstream_url=upstream.url, **settings) as server:
        answers = asyncio.run(_identical_streams(server.url, 10))
    assert answers == [f"Echo: {STORY}"] * 10
    assert len(upstream.requests) == 1
    assert len(fixture_files(tmp_path)) == 1
    assert leftovers(tmp_path) == []


def test_identical_requests_in_flight_in_two_processes_are_recorded_once(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    upstream.event_delay = 0.05
    directory = tmp_path / "fixtures"

    async def both(first: str, second: str) -> list[list[str]]:
        return list(
            await asyncio.gather(_identical_streams(first, 10), _identical_streams(second, 10))
        )

    with record_processes(directory, upstream, 2) as [first, second]:
        answers = asyncio.run(both(first.url, second.url))
    assert answers == [[f"Echo: {STORY}"] * 10] * 2, "every client got the whole stream"
    assert len(upstream.requests) == 1, "one process claimed the key, the other waited"
    assert len(fixture_files(directory)) == 1
    assert leftovers(directory) == []
    assert os.listdir(directory) == ["chat_completions"]
