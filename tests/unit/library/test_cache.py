"""The cache of decoded fixture files: never stale, never a crash, safe across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockapi.errors import LibraryError
from mockapi.library import cache, store

DOC = "version: 1\nfixtures:\n  - name: {name}\n    response: {{body: {{answer: {answer}}}}}\n"
OLD = 1_600_000_000_000_000_000  # a time long past, so that a file's stat vouches for it


def write(path: Path, name: str, answer: str, *, old: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DOC.format(name=name, answer=answer))
    if old:
        os.utime(path, ns=(OLD, OLD))
    return path


def answers(directory: Path) -> dict[str, Any]:
    return {f.name: f.responses[0].body for f in store.load_library([directory])}


def library(tmp_path: Path, count: int = 3) -> Path:
    directory = tmp_path / "fixtures"
    for i in range(count):
        write(directory / f"f{i}.yaml", f"f{i}", f"a{i}")
    return directory


def test_a_second_load_decodes_nothing_and_gives_the_same_fixtures(
    tmp_path: Path, cache_root: Path, decoded: list[Path]
) -> None:
    directory = library(tmp_path)
    first = store.load_library([directory])
    assert len(decoded) == 3 and len(list(cache_root.glob("*.cache"))) == 1
    decoded.clear()
    assert store.load_library([directory]) == first
    assert decoded == []


def test_an_edit_keeping_size_and_mtime_is_seen(
    tmp_path: Path, cache_root: Path, decoded: list[Path]
) -> None:
    directory = library(tmp_path)
    assert answers(directory)["f1"] == {"answer": "a1"}
    write(directory / "f1.yaml", "f1", "b1")  # same size, and its mtime set back as it was
    decoded.clear()
    assert answers(directory) == {
        "f0": {"answer": "a0"},
        "f1": {"answer": "b1"},
        "f2": {"answer": "a2"},
    }
    assert decoded == [directory / "f1.yaml"]


def test_a_stat_that_vouches_is_every_part_of_it(
    tmp_path: Path, cache_root: Path, decoded: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing racy: the stat alone decides (as for files older than a few seconds).
    monkeypatch.setattr(cache, "RACY_NS", -(10**18))
    directory = library(tmp_path)
    answers(directory)
    decoded.clear()
    answers(directory)
    assert decoded == []  # vouched for by their stat, unread
    write(directory / "f1.yaml", "f1", "b1")  # same size and mtime: only ctime differs
    assert answers(directory)["f1"] == {"answer": "b1"}
    assert decoded == [directory / "f1.yaml"]


def test_an_edit_just_after_the_cache_was_written_is_seen(
    tmp_path: Path, cache_root: Path, decoded: list[Path]
) -> None:
    # Files written now are racy (a same-size edit may keep the mtime): their content
    # vouches for them, not their stat.
    directory = tmp_path / "fixtures"
    for i in range(2):
        write(directory / f"f{i}.yaml", f"f{i}", f"a{i}", old=False)
    assert answers(directory)["f0"] == {"answer": "a0"}
    st = (directory / "f0.yaml").stat()
    write(directory / "f0.yaml", "f0", "b0", old=False)
    os.utime(directory / "f0.yaml", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert answers(directory)["f0"] == {"answer": "b0"}


def test_added_and_removed_files_are_seen(
    tmp_path: Path, cache_root: Path, decoded: list[Path]
) -> None:
    directory = library(tmp_path)
    answers(directory)
    (directory / "f0.yaml").unlink()
    write(directory / "sub" / "new.yaml", "new", "n")
    decoded.clear()
    assert answers(directory) == {
        "f1": {"answer": "a1"},
        "f2": {"answer": "a2"},
        "new": {"answer": "n"},
    }
    assert decoded == [directory / "sub" / "new.yaml"]
    decoded.clear()  # the rewritten cache holds the new file, and not the removed one
    assert set(answers(directory)) == {"f1", "f2", "new"} and decoded == []


def test_a_file_renamed_over_another_is_seen(tmp_path: Path, cache_root: Path) -> None:
    directory = library(tmp_path)
    answers(directory)
    replacement = write(tmp_path / "elsewhere.yaml", "f2", "moved")
    os.replace(replacement, directory / "f2.yaml")  # a new inode, the same size and mtime
    assert answers(directory)["f2"] == {"answer": "moved"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # half written
        lambda blob: b"",
        lambda blob: blob[:-5] + bytes(5),  # corrupt at the end
        lambda blob: blob.replace(b"a2", b"z2"),  # corrupt inside, still valid marshal data
        lambda blob: b"garbage" + blob,
        lambda blob: blob.replace(b"mockapi fixture cache\n", b"mockapi fixture cache\n9 "),
    ],
    ids=["truncated", "empty", "corrupt", "flipped", "garbage", "other-version"],
)
def test_a_damaged_cache_is_ignored_and_rewritten(
    tmp_path: Path, cache_root: Path, decoded: list[Path], damage: Any
) -> None:
    directory = library(tmp_path)
    answers(directory)
    [cache_file] = cache_root.glob("*.cache")
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    decoded.clear()
    assert answers(directory)["f2"] == {"answer": "a2"}
    assert len(decoded) == 3  # decoded again...
    decoded.clear()
    answers(directory)
    assert decoded == []  # ...and the cache rewritten whole


def test_an_unwritable_cache_dir_only_costs_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.ENV, str(blocker / "cache"))
    monkeypatch.setattr(cache, "MIN_FILES", 1)
    assert answers(library(tmp_path))["f0"] == {"answer": "a0"}


def test_what_marshal_cannot_hold_is_decoded_each_time(
    tmp_path: Path, cache_root: Path, decoded: list[Path]
) -> None:
    directory = library(tmp_path)
    stamped = directory / "stamped.yaml"
    stamped.write_text(DOC.format(name="stamped", answer="2025-01-01"))  # a YAML date
    os.utime(stamped, ns=(OLD, OLD))
    first = answers(directory)["stamped"]
    decoded.clear()
    assert answers(directory)["stamped"] == first
    assert decoded == [stamped]


def test_a_broken_file_is_reported_on_every_load(tmp_path: Path, cache_root: Path) -> None:
    directory = library(tmp_path)
    (directory / "broken.yaml").write_text("version: 1\nfixtures: [\n")
    for _ in range(2):
        with pytest.raises(LibraryError, match=r"broken\.yaml"):
            store.load_library([directory])


def test_off_and_small_libraries_write_no_cache(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = library(tmp_path)
    monkeypatch.setattr(cache, "MIN_FILES", 4)
    answers(directory)
    monkeypatch.setattr(cache, "MIN_FILES", 1)
    monkeypatch.setenv(cache.ENV, "off")
    answers(directory)
    assert not cache_root.exists()


_LOAD = """
import sys
from pathlib import Path
from mockapi.library import cache, store
cache.MIN_FILES = 1
fixtures = store.load_library([Path(sys.argv[1])])
print(len(fixtures), sorted(f.responses[0].body["answer"] for f in fixtures)[:2])
"""


def test_two_processes_building_at_once_both_succeed(tmp_path: Path, cache_root: Path) -> None:
    directory = library(tmp_path, count=300)
    command = [sys.executable, "-c", _LOAD, str(directory)]
    env = {**os.environ, cache.ENV: str(cache_root)}
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE) for _ in range(2)]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    assert outputs[0] == outputs[1] == b"300 ['a0', 'a1']\n"
    assert [p.name for p in cache_root.iterdir() if not p.name.endswith(".cache")] == []
    assert len(answers(directory)) == 300  # the cache either left behind is whole


def test_a_copy_elsewhere_uses_the_cache_by_content(
    tmp_path: Path, cache_root: Path, decoded: list[Path]
) -> None:
    directory = library(tmp_path)
    answers(directory)
    copy = tmp_path / "checkout" / "fixtures"
    for source in directory.iterdir():
        write(
            copy / source.name, source.stem, "b1" if source.stem == "f1" else f"a{source.stem[1]}"
        )
    decoded.clear()
    assert answers(copy) == {"f0": {"answer": "a0"}, "f1": {"answer": "b1"}, "f2": {"answer": "a2"}}
    assert decoded == [copy / "f1.yaml"]  # the edited one only
    assert len(list(cache_root.glob("*.cache"))) == 2


def test_the_least_recently_used_caches_are_removed(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_CACHES", 2)
    for name in ("one", "two", "three"):
        directory = tmp_path / name
        write(directory / f"{name}.yaml", name, name)
        answers(directory)
    assert len(list(cache_root.glob("*.cache"))) == 2


def test_a_large_library_is_kept_out_of_collector_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    before = gc.get_freeze_count()
    store.settle(store.FREEZE_AT - 1)
    assert gc.get_freeze_count() == before  # a small one is left to the collector
    monkeypatch.setattr(store, "FREEZE_AT", 1)
    try:
        store.settle(1)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_a_file_over_the_size_bound_is_refused_with_the_cache_on(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MAX_FILE_BYTES", 1024)
    directory = library(tmp_path)
    (directory / "big.yaml").write_text(DOC.format(name="big", answer="x" * 2000))
    with pytest.raises(LibraryError, match=r"big\.yaml: is larger than"):
        store.load_library([directory])
