"""``mockapi serve``'s state options: sizes, a bad ``--state``, the workers' shared
database, as the CLI reads them (in process: nothing here starts a server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockapi.cli import main
from mockapi.config import DEFAULT_MAX_FILE_BYTES, Settings
from mockapi.state.objects import ObjectStore
from mockapi.testing import Session
from mockapi.web import workers
from mockapi.web.workers import settings_from_json, settings_to_json

SIZES = [
    ("512MB", DEFAULT_MAX_FILE_BYTES),
    ("1GB", 1024**3),
    ("1.5gb", 3 * 512 * 1024**2),
    ("100KB", 102_400),
    ("100KiB", 102_400),
    ("2M", 2 * 1024**2),
    ("4096", 4096),
    ("4096B", 4096),
    (" 64 kb ", 65_536),
]


@pytest.mark.parametrize(("text", "size"), SIZES)
def test_sizes_are_read_with_their_units(text: str, size: int) -> None:
    from mockapi.cli.parser import size as _size

    assert _size(text) == size


@pytest.mark.parametrize("junk", ["lots", "12 parsecs", "-5MB", "0", "0.1", "MB", "1e9", ""])
@pytest.mark.parametrize("option", ["--max-file-size", "--max-state-size"])
def test_junk_sizes_exit_2_naming_the_option_and_value(
    option: str, junk: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", f"{option}={junk}"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}:" in err
    assert repr(junk) in err


def test_a_negative_poll_after_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--poll-after-ms", "-1"]) == 1
    assert "--poll-after-ms must be 0 or more, got -1" in capsys.readouterr().err


def test_a_directory_as_state_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--state", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"state database {tmp_path}: that is a directory" in err
    assert list(tmp_path.iterdir()) == []


def test_a_text_file_as_state_is_refused_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes\nnot a database\n")
    before = notes.stat()
    assert main(["serve", "--workers", "2", "--state", str(notes)]) == 1
    assert "that file is not a SQLite database, so it is left untouched" in (
        capsys.readouterr().err
    )
    assert notes.read_bytes() == b"my notes\nnot a database\n"
    assert notes.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no -wal, no .blobs


def test_a_corrupt_database_is_refused_and_its_bytes_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "state.db"
    damaged = b"SQLite format 3\x00" + bytes(range(256)) * 8
    broken.write_bytes(damaged)
    assert main(["serve", "--state", str(broken)]) == 1
    assert f"state database {broken}: cannot open it" in capsys.readouterr().err
    assert broken.read_bytes() == damaged


def test_a_state_path_under_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["serve", "--state", str(tmp_path / "file" / "state.db")]) == 1
    assert "Not a directory" in capsys.readouterr().err


def test_the_state_settings_travel_to_workers(tmp_path: Path) -> None:
    settings = Settings(
        state_path=tmp_path / "state.db",
        max_file_bytes=1024,
        max_state_bytes=4096,
        poll_after_ms=250,
    )
    assert settings_from_json(settings_to_json(settings)) == settings


def test_workers_share_a_temporary_database_removed_afterwards() -> None:
    with workers.shared_state(Settings(), 2) as shared:
        assert shared.state_path is not None
        directory = shared.state_path.parent
        assert directory.is_dir() and directory.name.startswith("mockapi-state-")
        shared.state_path.write_bytes(b"")  # what a worker leaves there goes too
        (directory / "state.db.blobs").mkdir()
    assert not directory.exists()


def test_one_process_or_a_named_database_is_left_as_it_is(tmp_path: Path) -> None:
    with workers.shared_state(Settings(), 1) as alone:
        assert alone.state_path is None  # one process keeps its state in memory
    named = Settings(state_path=tmp_path / "kept.db")
    with workers.shared_state(named, 3) as shared:
        assert shared == named


def test_the_pytest_plugin_keeps_state_in_memory(tmp_path: Path) -> None:
    options = {"fixture_dirs": (tmp_path,), "on_miss": "error", "record": "none", "upstream": ""}
    session = Session.start(options)
    try:
        assert isinstance(session.replayer.state, ObjectStore)
    finally:
        session.stop()
