"""Loading fixture libraries from disk and writing files atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mockapi import store
from mockapi.errors import LibraryError
from mockapi.loader import default_fixture_dirs


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
