"""Hostile fixture files: an alias bomb, a self-referencing alias, a file too large.

Each is named as broken at load, like a truncated or ``!!python/object`` file, by
``load_library`` (what ``mockapi serve`` does) and by ``mockapi validate``'s linter.
The bomb is real (nine levels of nine aliases, 4.4 billion nodes written out), so the
check that runs it is guarded: in a forked child with a memory limit and a deadline, a
regression fails the test instead of hanging the suite or exhausting the machine.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from mockapi.errors import LibraryError
from mockapi.library import store
from mockapi.lint import lint_paths

GUARD_SECONDS = 60  # a hang guard, far above the milliseconds the check takes
GUARD_BYTES = 1 << 30  # address space the child may add to what it inherits


def bomb(levels: int = 9) -> str:
    """A fixture whose answer is the billion laughs: ``levels`` levels of nine aliases."""
    lines = [
        "version: 1",
        "fixtures:",
        "  - name: laughs",
        "    match: {path: /v1/moderations}",
        "    response:",
        "      body:",
        '        l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"        l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


GOOD = "version: 1\nfixtures:\n  - name: fine\n    response: {body: {ok: true}}\n"


def library(tmp_path: Path) -> Path:
    """The bomb among a good file and the broken kinds already named."""
    (tmp_path / "bomb.yaml").write_text(bomb())
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "truncated.yaml").write_text("version: 1\nfixtures: [\n  - name: x\n")
    (tmp_path / "binary.yaml").write_bytes(b"\x00\xff\xfe" * 50)
    (tmp_path / "evil.yaml").write_text("!!python/object/apply:os.system ['true']\n")
    return tmp_path


def _child(directory: str, send: Connection) -> None:
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = used + GUARD_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
    except (ImportError, OSError, ValueError):
        pass  # no limit where the platform has none; the deadline still holds
    try:
        store.load_library([Path(directory)])
        loaded = "loaded without a problem"
    except LibraryError as exc:
        loaded = str(exc)
    linted = [str(p) for p in lint_paths([Path(directory)], None).problems]
    send.send((loaded, linted))


def guarded(directory: Path) -> tuple[str, list[str]]:
    """``load_library`` and the linter on ``directory``, in a child that cannot hang us."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(directory), send), daemon=True)
    child.start()
    try:
        if not receive.poll(GUARD_SECONDS):
            pytest.fail(f"loading an alias bomb did not finish in {GUARD_SECONDS} s")
        result: tuple[str, list[str]] = receive.recv()
        return result
    except EOFError:
        pytest.fail(f"loading an alias bomb killed the loader (exit code {child.exitcode})")
    finally:
        child.kill()
        child.join()


@pytest.mark.skipif(sys.platform != "linux", reason="the guard forks and reads /proc (Linux)")
def test_an_alias_bomb_is_named_as_broken_with_the_other_broken_files(tmp_path: Path) -> None:
    loaded, linted = guarded(library(tmp_path))
    assert "4 broken fixture file(s)" in loaded
    bomb_line = next(line for line in loaded.splitlines() if "bomb.yaml" in line)
    assert "aliases expand 45 nodes to 4,412,961,531" in bomb_line
    assert "more than the 100,000 they may add" in bomb_line
    for name in ("truncated.yaml", "binary.yaml", "evil.yaml"):
        assert name in loaded
    named = {Path(problem.split(":", 1)[0]).name for problem in linted}
    assert named == {"bomb.yaml", "truncated.yaml", "binary.yaml", "evil.yaml"}


def test_aliases_that_add_little_still_load(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text(
        "version: 1\nfixtures:\n"
        "  - name: a\n    match: {body: &ask {model: m, messages: [{role: user, content: hi}]}}\n"
        "    response: {body: &answer {ok: true, items: [1, 2, 3]}}\n"
        "  - name: b\n    match: {body: *ask}\n    response: {body: *answer}\n"
    )
    fixtures = store.load_library([tmp_path])
    assert [f.name for f in fixtures] == ["a", "b"]
    # A smaller bomb, just under the bound: 9**5 = 59,049 strings.
    path.write_text(bomb(levels=4))
    assert [f.name for f in store.load_library([tmp_path])] == ["laughs"]


def test_merge_keys_are_counted_like_aliases(tmp_path: Path) -> None:
    lines = ["version: 1", "fixtures:", "  - name: m", "    response:", "      body:"]
    lines.append("        l0: &l0 {a: 1}")
    for level in range(1, 40):  # each level merges the one before twice
        lines.append(f"        l{level}: &l{level} {{<<: [*l{level - 1}, *l{level - 1}], k: 1}}")
    (tmp_path / "merge.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(LibraryError, match=r"merge\.yaml: .* its aliases expand"):
        store.load_library([tmp_path])


def test_an_alias_inside_its_own_anchor_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(
        "version: 1\nfixtures:\n  - name: loop\n    response:\n      body: &a {x: [*a]}\n"
    )
    with pytest.raises(LibraryError, match=r"loop\.yaml:5: .*refers to a node that contains it"):
        store.load_library([tmp_path])


def test_a_file_larger_than_the_bound_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MAX_FILE_BYTES", 1024 * 1024)
    (tmp_path / "big.yaml").write_text(GOOD + "# padding\n" * 200_000)
    with pytest.raises(LibraryError, match=r"big\.yaml: is larger than 1 MiB"):
        store.load_library([tmp_path])
