"""Fixture files on disk: reading YAML safely, loading a fixture library, atomic writes.

This is the only module that imports ``yaml``. Reads use ``safe_load`` (C loader when
available); writes go through a temporary file, ``fsync`` and ``os.replace`` so that a
crash or a concurrent writer never leaves a half-written file behind.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from mockapi import collector
from mockapi.errors import FixtureError, LibraryError
from mockapi.library import cache, parsed, staging
from mockapi.library.fixture import FORMAT_VERSION, BodyFiles, Fixture, parse_document

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock, still atomic
    fcntl = None  # type: ignore[assignment]

# The C loader is ~10x faster; fall back to the pure-Python one where it is missing.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DECODER = f"PyYAML {yaml.__version__} {_Loader.__name__}"
"""What decodes fixture files: a cache of documents decoded by another is not used."""


MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest YAML file read: a recording's big answers belong in a ``body_file``."""
MAX_ALIAS_NODES = 100_000
"""How many nodes aliases may add to a YAML document once written out. Aliases share
one object, so loading stays cheap, but everything after it (matching, rendering,
``mockapi validate``) walks the values in full: nine levels of nine aliases (the
"billion laughs") would be 387 million strings. Real fixtures share a few parts."""


def read_yaml(path: Path) -> Any:
    """Decode a YAML file with the safe loader; errors name the file and the line.

    Files over :data:`MAX_FILE_BYTES` and documents whose aliases would add more than
    :data:`MAX_ALIAS_NODES` nodes (or refer to themselves) are refused before they are
    built, in time linear in the file.
    """
    return decode_yaml(_read_bytes(path), path)


def _read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, refused past :data:`MAX_FILE_BYTES` (never read further)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the file is
    except OSError as exc:
        raise FixtureError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    _check_size(data, path)
    return data


def _check_size(data: bytes, path: Path) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise FixtureError(
            str(path),
            f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, more than a fixture "
            "file may be; split it into several files, or keep a large answer in a "
            "body_file beside it",
        )


def decode_yaml(data: bytes, path: Path) -> Any:
    """The document in ``data`` (the bytes of ``path``), as :func:`read_yaml` decodes it,
    its mapping keys and short strings interned (:func:`~mockapi.library.cache.intern_strings`)."""
    _check_size(data, path)
    if b"*" in data:
        return cache.intern_strings(_decode(data, path)[0])
    # No alias can be written without a '*': nothing to bound.
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _construct(node, loader)
        except _Unusual:
            return cache.intern_strings(loader.construct_document(node))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from None
    finally:
        loader.dispose()


_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
_PLAIN = frozenset(_TAG + name for name in ("null", "bool", "int", "float"))
_KEYS = _PLAIN | {_STR}  # not a merge key (<<), which PyYAML's constructor expands


class _Unusual(Exception):
    """A node :func:`_construct` leaves to PyYAML's constructor."""


def _construct(node: Any, loader: Any) -> Any:
    """``loader.construct_document(node)`` for a document of plain mappings, sequences
    and string, number, boolean and null scalars without aliases (a recording is one),
    interned as :func:`~mockapi.library.cache.intern_strings` does; raises
    :class:`_Unusual` for anything else (merge keys, timestamps, sets, binary, other tags).

    PyYAML's C loader only parses: its constructor is Python, built for every case
    (generators for mappings, a state per node), and took half of a library's load.
    Scalars other than strings still go through its own functions, so that ``0x1F``,
    ``1_000``, ``.inf`` or ``yes`` mean what they mean there.
    """
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag == _STR:
            value: str = node.value
            return sys.intern(value) if len(value) <= cache.INTERN_MAX else value
        if tag in _PLAIN:
            return loader.yaml_constructors[tag](loader, node)
    elif kind is yaml.MappingNode and tag == _MAP:
        mapping = {}
        for key, value in node.value:
            if type(key) is not yaml.ScalarNode or key.tag not in _KEYS:
                raise _Unusual  # a merge key, or one PyYAML refuses (a mapping)
            mapping[_construct(key, loader)] = _construct(value, loader)
        return mapping
    elif kind is yaml.SequenceNode and tag == _SEQ:
        return [_construct(item, loader) for item in node.value]
    raise _Unusual


def _read(path: Path) -> tuple[Any, Any]:
    """The document at ``path`` and its node tree (None for an empty file), bounded."""
    return _decode(_read_bytes(path), path)


def _decode(data: bytes, path: Path) -> tuple[Any, Any]:
    """The document in ``data`` and its node tree, its aliases bounded."""
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_aliases(node, path)
        return loader.construct_document(node), node
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from None
    finally:
        loader.dispose()


def _yaml_error(exc: yaml.YAMLError, path: Path) -> FixtureError:
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    problem = getattr(exc, "problem", None) or str(exc)
    return FixtureError(where, f"not valid YAML: {problem}")


def _check_aliases(root: Any, path: Path) -> None:
    """Refuse a node tree that aliases make huge or endless (see :data:`MAX_ALIAS_NODES`).

    Counts the nodes as written and as they would be with every alias written out, each
    node's expanded size once (memoised), so a bomb costs as little as its text.
    """
    sizes: dict[int, int] = {}
    entered: set[int] = set()  # the nodes being counted: the ancestors of the current one
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = _children(node)
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            entered.discard(id(node))
        elif id(node) in entered:
            raise FixtureError(
                f"{path}:{node.start_mark.line + 1}",
                "not valid YAML for a fixture: an alias refers to a node that contains it, "
                "so the value never ends; write the value out instead",
            )
        elif id(node) not in sizes:
            entered.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    written, expanded = len(sizes), sizes[id(root)]
    if expanded - written > MAX_ALIAS_NODES:
        raise FixtureError(
            str(path),
            f"not valid YAML for a fixture: its aliases expand {written:,} nodes to "
            f"{expanded:,}, more than the {MAX_ALIAS_NODES:,} they may add (an alias "
            "bomb?); write the shared parts out, or share fewer of them",
        )


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half.

    A crash before the move leaves a staged temp file that start-up recovery finishes or
    removes (:mod:`mockapi.library.recovery`).
    """
    with staging.staged(path, data) as tmp:
        os.replace(tmp, path)


FIXTURE_SUFFIXES = (".yaml", ".yml")


def fixture_files(directory: Path) -> list[Path]:
    """The fixture files under ``directory``, recursively, in a stable order (by path
    component), skipping hidden files and folders (names starting with ``.``)."""
    return [Path(path) for _, path in _listing(directory)]


def _listing(directory: Path) -> list[tuple[str, str]]:
    """:func:`fixture_files` as ``(path relative to directory, /-separated; path)``
    strings (10,000 ``Path`` objects took longer than the rest of the listing)."""
    if not directory.is_dir():
        raise FixtureError(str(directory), "is not a directory; pass an existing fixtures folder")
    found: list[tuple[str, ...]] = []
    _scan(str(directory), (), found)  # os.scandir: no stat per file, no Path per entry
    found.sort()  # by component, as Paths compare
    root = str(directory)
    return [("/".join(parts), os.path.join(root, *parts)) for parts in found]


def _scan(folder: str, parts: tuple[str, ...], found: list[tuple[str, ...]]) -> None:
    """Add the fixture files under ``folder`` (``parts`` below the root); as ``rglob``
    did, symlinked folders are not followed and one that may not be read is skipped."""
    try:
        with os.scandir(folder) as scanned:
            entries = list(scanned)
    except PermissionError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if name.endswith(FIXTURE_SUFFIXES) and entry.is_file():
            found.append((*parts, name))
        elif entry.is_dir(follow_symlinks=False):
            _scan(entry.path, (*parts, name), found)


def load_library(
    directories: Sequence[Path], *, cassettes: bool = True, keys: parsed.Keys | None = None
) -> list[Fixture]:
    """Load every fixture file under ``directories``.

    ``cassettes=False`` leaves out the files that belong to one test (a top-level
    ``test:`` key, written by the pytest plugin): those are loaded for their test only.
    All broken files are reported together, each with its path and problem, in one
    :class:`LibraryError`, so that a user fixes them in one pass. Decoded documents,
    and the recordings made of them, are cached across runs
    (:mod:`mockapi.library.cache`, :mod:`mockapi.library.parsed`), never served stale.
    ``keys`` computes a recording's body key for the index
    (:func:`mockapi.matching.matchers.exact_key`), once: the cache keeps it.
    """
    fixtures: list[Fixture] = []
    problems: list[FixtureError] = []
    with collector.paused():
        for directory in directories:
            try:
                files = _listing(directory)
            except FixtureError as exc:
                problems.append(exc)
                continue
            names = [rel for rel, _ in files]
            cached = cache.DirectoryCache.open(
                directory, names, decoder=_DECODER, memo_tag=parsed.code_version()
            )
            for rel, path in files:
                try:
                    fixtures.extend(_fixtures(path, rel, cached, cassettes, keys))
                except FixtureError as exc:
                    problems.append(exc)
            if cached is not None:
                cached.save()
    if problems:
        raise LibraryError(problems)
    return fixtures


def _fixtures(
    path: str,
    rel: str,
    cached: cache.DirectoryCache | None,
    cassettes: bool,
    keys: parsed.Keys | None,
) -> list[Fixture]:
    """The fixtures of file ``path`` (``rel`` in its directory): thawed from ``cached``
    when it kept them for these bytes, else parsed from its document (and frozen into
    ``cached``)."""
    if cached is None:
        document = read_yaml(Path(path))
    else:
        try:
            document, memo = cached.load(path, rel, decode_yaml, limit=MAX_FILE_BYTES)
        except OSError as exc:
            raise FixtureError(path, f"cannot be read: {exc.strerror or exc}") from None
        if memo is not None:
            thawed = parsed.thaw(memo, path)
            if thawed is not None:
                test, found = thawed
                return found if cassettes or not test else []
            document = cached.document(rel)
    test = isinstance(document, dict) and "test" in document
    if test and not cassettes:
        return []
    found = parse_document(document, path, body_files=body_reader(path))
    if cached is not None:
        cached.remember(rel, parsed.freeze(found, test=test, keys=keys))
    return found


FREEZE_AT = 1_000
"""A library of this many fixtures or more is kept out of GC passes once built."""


def settle(fixtures: int) -> None:
    """After a library of ``fixtures`` and its index are built (under
    :func:`mockapi.collector.paused`): for a large one, move every object to the collector's
    permanent generation (``gc.freeze``), so that no later pass walks them again.

    Left to the collector, the first passes after start-up walk them all (0.3 s for
    10,000 recordings, just before the first answer), and every full pass later. The
    price: a reference cycle alive at that moment is never collected, should it become
    garbage; the library's fixtures hold none. Small libraries (test suites build
    hundreds of servers in one process) are left alone.

    Then the C heap gives back what loading freed (:func:`_give_back`).
    """
    if fixtures >= FREEZE_AT:
        gc.freeze()
        _give_back()


def _give_back() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``).

    Loading a large library frees as much as it keeps: the fixture cache's file and
    the one it writes (~10 MB each for 10,000 recordings), YAML's parse events, the
    cache's per-file entries. glibc keeps such memory for later unless asked, and its
    thresholds grow with each large block freed, so the process stayed ~15 MB larger
    than what it holds. A no-op where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others: nothing to trim with
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def load_file(path: Path) -> list[Fixture]:
    """The fixtures of one file, ``body_file`` answers read from beside it."""
    return parse_document(read_yaml(path), str(path), body_files=body_reader(path))


def body_reader(fixture_file: Path | str) -> BodyFiles:
    """Reads the ``body_file`` names of ``fixture_file`` relative to its folder."""

    def read(name: str) -> bytes:
        return (Path(fixture_file).parent / name).read_bytes()

    return read


def write_body_file(path: Path, data: bytes) -> None:
    """Write a binary answer beside its fixture, atomically, before the fixture itself.

    Recorded names carry a digest of the content, so a file already there with the same
    bytes is kept as it is (two recordings of one answer share it).
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data)


_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """The safe dumper, writing multi-line strings as literal blocks (``|``) to read."""


def _represent_str(dumper: Any, value: str) -> Any:
    # The emitter falls back to a quoted scalar when a block cannot hold the string
    # exactly (trailing spaces, control characters), so this never changes a value.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(document: Any) -> bytes:
    """Readable, deterministic YAML: keys in the order given, unicode kept, no aliases,
    multi-line strings (a transcript, a pasted document) as ``|`` blocks."""
    text = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text.encode("utf-8")


def create_new(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` only if no file is there; False if one already was.

    The file appears complete or not at all (temp file, fsync, hard link), and of two
    writers racing for the same name exactly one wins: nothing is ever overwritten.
    """
    with staging.staged(path, data) as tmp:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    return True


T = TypeVar("T")


def update_document(path: Path, change: Callable[[dict[str, Any]], T]) -> T:
    """Read-modify-write the fixture file at ``path`` under an exclusive lock.

    ``change`` edits the decoded document (a new one if the file does not exist) and
    its result is returned. The lock is taken on the directory, so writers in other
    processes (pytest-xdist workers, several servers) wait their turn; the write
    itself is atomic.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        document: Any = read_yaml(path) if path.exists() else None
        if not isinstance(document, dict):
            document = {"version": FORMAT_VERSION, "fixtures": []}
        result = change(document)
        write_atomic(path, dump_yaml(document))
        return result
    finally:
        os.close(fd)  # closing releases the lock


Lines = dict[tuple[str | int, ...], int]


def read_yaml_lines(path: Path) -> tuple[Any, Lines]:
    """Decode a YAML file like :func:`read_yaml`, and say on which line each value starts.

    The map goes from a value's path (keys and list indexes, e.g. ``("fixtures", 0,
    "response")``; ``()`` for the document) to its 1-based line; a block scalar (``|``,
    ``>``) maps to its first content line. It keeps the node tree, so it is slower than
    :func:`read_yaml`: for ``mockapi validate`` only, never at start-up. Errors are
    :class:`FixtureError` with ``"<path>:<line>"`` as their source, as ``read_yaml``'s.
    """
    document, node = _read(path)
    lines: Lines = {}
    if node is not None:
        _note_lines(node, (), lines, frozenset())
    return document, lines


def _note_lines(
    node: Any, path: tuple[str | int, ...], lines: Lines, seen: frozenset[int], key_line: int = 0
) -> None:
    """Record ``node``'s line: a scalar's own, a collection's key line when it has one."""
    if id(node) in seen:  # an alias of one of its own ancestors
        return
    if isinstance(node, yaml.ScalarNode):
        block = node.style in ("|", ">")
        lines[path] = node.start_mark.line + (2 if block else 1)
        return
    lines[path] = key_line or node.start_mark.line + 1
    inner = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _note_lines(value, (*path, key.value), lines, inner, key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _note_lines(item, (*path, index), lines, inner)
