"""Start-up recovery of interrupted writes, and the staged temp files and claims it reads.

A write killed between fsync and rename is made here as it happens: the temp file is
staged the way ``write_atomic`` stages it, and its file descriptor is dropped without
moving it (as the kernel drops a killed process's). The integration test
``test_recording_faults`` kills a real recorder with SIGKILL.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pytest

from mockapi.library import staging, store
from mockapi.library.recovery import recover

FIXTURE = b"version: 1\nfixtures:\n  - name: hi\n    response: {body: {ok: true}}\n"


def interrupted(target: Path, data: bytes) -> Path:
    """The temp file a write of ``data`` to ``target`` leaves when killed before the move."""
    with staging.staged(target, data) as tmp:
        kept = tmp.with_name(tmp.name + ".kept")
        os.link(tmp, kept)  # the context removes its temp file on the way out: keep a name
    kept.rename(tmp)
    return tmp


def hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob(".*"))


def test_a_complete_recording_is_finished_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "chat_completions" / "589d7a4c8813.yaml"
    temp = interrupted(target, FIXTURE)
    assert temp.name.startswith(".589d7a4c8813.yaml." + staging.digest(FIXTURE) + "-")
    assert store.load_library([tmp_path]) == [], "a temp file is never loaded as a fixture"
    caplog.set_level(logging.WARNING)
    [line] = recover(tmp_path)
    assert line == f"finished an interrupted recording: {temp.name} -> {target}"
    assert target.read_bytes() == FIXTURE and not temp.exists()
    assert [f.name for f in store.load_library([tmp_path])] == ["hi"]
    assert [r.getMessage() for r in caplog.records] == [line]


def test_a_write_cut_short_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "k.yaml"
    temp = interrupted(target, FIXTURE)
    temp.write_bytes(FIXTURE[:-12])  # still valid YAML, but not all of what was written
    [line] = recover(tmp_path)
    assert line.startswith(f"removed {temp}") and "cut short" in line
    assert os.listdir(tmp_path) == []


def test_a_temp_file_whose_target_was_written_since_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "k.yaml"
    temp = interrupted(target, FIXTURE)
    target.write_bytes(b"version: 1\nfixtures: []\n")
    [line] = recover(tmp_path)
    assert "k.yaml has been written since" in line
    assert target.read_bytes() == b"version: 1\nfixtures: []\n" and not temp.exists()


def test_a_complete_file_that_is_no_fixture_is_removed(tmp_path: Path) -> None:
    broken = b"version: 1\nfixtures:\n  - response: {status: 999}\n"
    interrupted(tmp_path / "k.yaml", broken)
    [line] = recover(tmp_path)
    assert "not a fixture file mockapi can load" in line and "999" in line
    assert os.listdir(tmp_path) == []


def test_temp_files_named_without_a_digest_are_finished_only_when_they_parse(
    tmp_path: Path,
) -> None:
    # As mockapi named them before: `.<target>.<random>.tmp`.
    (tmp_path / ".good.yaml.d12coozs.tmp").write_bytes(FIXTURE)
    (tmp_path / ".torn.yaml.a1b2c3d4.tmp").write_bytes(b"version: 1\nfixtures:\n  - name: [")
    (tmp_path / ".voice.0123456789ab.mp3.zz9_zz9z.tmp").write_bytes(b"ID3 audio")
    said = recover(tmp_path)
    assert len(said) == 3
    assert sorted(os.listdir(tmp_path)) == ["good.yaml"]
    assert any("cannot be told" in line and "voice" in line for line in said), said


def test_a_body_file_is_finished_before_the_fixture_that_names_it(tmp_path: Path) -> None:
    audio = b"\xff\xf3 mp3 frames"
    name = f"k.{hashlib.sha256(audio).hexdigest()[:12]}.mp3"
    fixture = f"version: 1\nfixtures:\n  - response: {{body_file: {name}}}\n".encode()
    interrupted(tmp_path / "k.yaml", fixture)
    interrupted(tmp_path / name, audio)
    said = recover(tmp_path)
    assert [line.split(" -> ")[1] for line in said] == [
        str(tmp_path / name),
        str(tmp_path / "k.yaml"),
    ]
    [loaded] = store.load_library([tmp_path])
    assert loaded.responses[0].raw == audio


def test_a_write_in_progress_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "k.yaml"
    with staging.staged(target, FIXTURE) as tmp:  # a live writer (another worker) holds it
        assert recover(tmp_path) == []
        assert tmp.exists() and not target.exists()
        os.replace(tmp, target)
    assert os.listdir(tmp_path) == ["k.yaml"]


def test_an_abandoned_claim_is_removed_and_a_held_one_kept(tmp_path: Path) -> None:
    held = staging.claim(tmp_path / "a" / "held.yaml")
    assert isinstance(held, staging.Claim)
    dead = staging.lock_path(tmp_path / "a" / "dead.yaml")
    dead.write_text("pid 99999999 since 0\n")  # its holder died: no lock on it
    said = recover(tmp_path)
    assert said == [f"removed {dead}: the claim of a process that is gone"]
    assert hidden(tmp_path) == [".held.yaml.lock"]
    held.release()
    assert hidden(tmp_path) == []


def test_files_in_hidden_folders_are_not_ours(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    stray = tmp_path / ".git" / ".index.yaml.abcdefgh.tmp"
    stray.write_bytes(FIXTURE)
    assert recover(tmp_path) == []
    assert stray.exists()


# -- claims ----------------------------------------------------------------------------------


def test_a_claim_is_held_until_released_and_taken_over_when_abandoned(tmp_path: Path) -> None:
    target = tmp_path / "kind" / "key.yaml"
    first = staging.claim(target)
    assert isinstance(first, staging.Claim)
    assert staging.claim(target) == staging.BUSY  # another open file: as another process
    first.release()
    first.release()  # twice is harmless
    second = staging.claim(target)
    assert isinstance(second, staging.Claim)
    # Its holder killed: the lock file stays, the kernel's lock on it is gone.
    os.close(second._fd)  # type: ignore[arg-type]
    second._fd = None
    third = staging.claim(target)
    assert isinstance(third, staging.Claim), "an abandoned claim is taken over"
    assert staging.lock_path(target).read_text().startswith(f"pid {os.getpid()} ")
    third.release()
    assert hidden(tmp_path) == []


def test_no_claim_where_no_file_can_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert staging.claim(blocker / "kind" / "key.yaml") is None
