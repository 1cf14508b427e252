"""Loading fixture libraries from disk and writing files atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from mockapi.build import default_fixture_dirs
from mockapi.errors import LibraryError
from mockapi.library import store


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


GOOD = "version: 1\nfixtures:\n  - name: {name}\n    response: {{body: {{ok: true}}}}\n"


def test_loads_yaml_recursively_in_path_order_skipping_hidden(tmp_path: Path) -> None:
    write(tmp_path / "b.yaml", GOOD.format(name="b"))
    write(tmp_path / "a" / "z.yml", GOOD.format(name="az"))
    write(tmp_path / ".hidden" / "x.yaml", GOOD.format(name="hidden"))
    write(tmp_path / "notes.txt", "not a fixture")
    names = [f.name for f in store.load_library([tmp_path])]
    assert names == ["az", "b"]


def test_all_broken_files_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path / "good.yaml", GOOD.format(name="good"))
    write(tmp_path / "syntax.yaml", "version: 1\nfixtures: [\n  - oops: {\n")
    write(tmp_path / "version.yaml", "version: 7\nfixtures: []\n")
    with pytest.raises(LibraryError) as caught:
        store.load_library([tmp_path, tmp_path / "missing"])
    message = str(caught.value)
    assert "3 broken fixture file(s)" in message
    assert f"{tmp_path / 'syntax.yaml'}:" in message and "not valid YAML" in message
    assert "unsupported format version 7" in message
    assert "is not a directory" in message


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "evil.yaml", "!!python/object/apply:os.system ['true']\n")
    with pytest.raises(LibraryError, match="not valid YAML"):
        store.load_library([tmp_path])


def test_bundled_library_loads() -> None:
    fixtures = store.load_library(default_fixture_dirs())
    names = {f.name for f in fixtures}
    assert {"greeting", "count-to-five", "weather-tool-call", "models-list"} <= names


def test_write_atomic_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.yaml"
    store.write_atomic(target, b"one")
    store.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file.yaml"]


def test_write_atomic_failure_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file.yaml"
    target.write_bytes(b"original")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.write_atomic(target, b"new")
    assert target.read_bytes() == b"original"
    assert os.listdir(tmp_path) == ["file.yaml"]


BINARY = (
    "version: 1\nfixtures:\n  - match: {{path: /v1/audio/speech}}\n"
    "    response: {{body_file: {name}}}\n"
)


def test_body_file_is_read_beside_its_fixture_file(tmp_path: Path) -> None:
    write(tmp_path / "audio" / "speech.yaml", BINARY.format(name="speech.abc.mp3"))
    (tmp_path / "audio" / "speech.abc.mp3").write_bytes(b"\xff\xfbaudio")
    [fixture] = store.load_library([tmp_path])
    assert fixture.responses[0].raw == b"\xff\xfbaudio"
    assert fixture.responses[0].headers == {"content-type": "audio/mpeg"}
    assert store.load_file(tmp_path / "audio" / "speech.yaml") == [fixture]


def test_missing_body_file_is_reported_naming_both_files(tmp_path: Path) -> None:
    fixture_file = write(tmp_path / "speech.yaml", BINARY.format(name="gone.mp3"))
    with pytest.raises(LibraryError) as caught:
        store.load_library([tmp_path])
    message = str(caught.value)
    assert f"{fixture_file}#0 response" in message
    assert f"cannot read {tmp_path / 'gone.mp3'}" in message


def test_validate_reports_a_missing_body_file_and_accepts_a_present_one(tmp_path: Path) -> None:
    from mockapi.lint import lint_paths

    bad = write(tmp_path / "bad.yaml", BINARY.format(name="gone.mp3"))
    write(tmp_path / "good.yaml", BINARY.format(name="here.wav"))
    write(tmp_path / "text.yaml", "version: 1\nfixtures:\n  - response: {text: 'hi'}\n")
    (tmp_path / "here.wav").write_bytes(b"RIFF")
    report = lint_paths([tmp_path], None)
    [problem] = report.problems
    assert (problem.file, problem.line) == (str(bad), 3)
    assert "'body_file' 'gone.mp3': cannot read" in problem.message
    assert report.fixtures == 2


def test_write_body_file_is_atomic_and_keeps_identical_content(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "a.0123.mp3"
    store.write_body_file(target, b"one")
    before = target.stat().st_mtime_ns, target.stat().st_ino
    store.write_body_file(target, b"one")
    assert (target.stat().st_mtime_ns, target.stat().st_ino) == before
    store.write_body_file(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["a.0123.mp3"]


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("1\n00:00:00,000 --> 00:00:02,000\nHi.\n\n", True),
        ("WEBVTT\n\nno final newline", True),
        ("  leading indent\nx\n", True),
        ("ünïcode\nlines\n", True),
        ("trailing spaces  \nline", False),  # a block would lose them: quoted instead
        ("windows\r\nline ends\r\n", False),
        ("tab\tin a line\n", False),
        ("\n", True),
        ("one line", False),
    ],
)
def test_multi_line_strings_are_written_as_blocks_and_read_back_exactly(
    text: str, block: bool
) -> None:
    data = store.dump_yaml({"text": text})
    assert yaml.safe_load(data) == {"text": text}
    assert data.startswith(b"text: |") == block, data
