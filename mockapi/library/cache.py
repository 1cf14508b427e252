"""A cache of decoded fixture files, so that a library of thousands loads in a blink.

Decoding YAML is nearly all of the time a large library takes to load (PyYAML builds
every value in Python: ~0.5 ms a recording, 5 s for 10,000). The cache keeps each
file's decoded document, one cache file per fixture directory, under the user's cache
directory (:func:`cache_dir`: ``~/.cache/mockapi/fixtures``, or ``$MOCKAPI_CACHE_DIR``),
never in the project, so there is nothing to commit or ignore.

- **Never stale.** An entry is used only for the very bytes it was decoded from. The
  file's ``stat`` (size, mtime_ns, ctime_ns, inode, device) vouches for them without a
  read, except for a file changed within :data:`RACY_NS` of the cache being written (an
  edit of the same size in the same clock tick keeps its mtime: git's "racily clean"
  problem): those, and any whose ``stat`` differs, are read and compared by a BLAKE2
  digest of their bytes. An edited or added file is decoded anew; a removed one is not
  listed, so its entry is never asked for, and is dropped when the cache is rewritten.
- **Only the decoded document.** ``body_file`` answers are read, templates compiled and
  entries checked afresh on every load (:func:`mockapi.library.store.load_library`); a
  file that does not decode (bad YAML, too large, an alias bomb) is never cached, so
  its error is reported every time.
- **Safe.** A cache is written to a temporary file and renamed over the old one: two
  servers starting at once both succeed (the last rename wins, either is complete). It
  is checked by a CRC when read; one that is missing, truncated, corrupt, written by
  another version of mockapi, Python or PyYAML, or unreadable is ignored and rewritten,
  never an error. It is ``marshal`` data, not pickle: loading it runs no code.
  Documents marshal cannot hold (a YAML timestamp) are simply not cached.
- **Only for libraries worth it**: under :data:`MIN_FILES` files a library loads in
  milliseconds, and test suites make thousands of short-lived fixture folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MIN_FILES = 64
"""Fixture directories with fewer files than this are not cached."""
RACY_NS = 2_000_000_000
"""A file modified this close (ns) to the cache write is vouched for by content only."""
MAX_AGE_S = 30 * 24 * 3600
"""Cache files not rewritten or used for this long are removed (a folder long gone)."""
ENV = "MOCKAPI_CACHE_DIR"
"""Where the caches go (a directory), or ``off`` for no cache."""

_MAGIC = b"mockapi fixture cache\n"
_FORMAT = 1

Decode = Callable[[bytes, Path], Any]
"""Turns a file's bytes into its document; raises for a file that does not decode."""
StatKey = tuple[int, int, int, int, int]
_Entry = tuple[StatKey | None, bytes, Any]  # (stat or None: check content, digest, doc)


def cache_dir() -> Path | None:
    """Where fixture caches are kept; None when ``MOCKAPI_CACHE_DIR=off``."""
    configured = os.environ.get(ENV)
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    if sys.platform == "win32":  # pragma: no cover - not run on CI
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "mockapi" / "fixtures"


def _tag() -> bytes:
    """What the cached documents depend on besides the files: a cache from another
    mockapi cache format, Python (marshal) or PyYAML (decoding) is not used."""
    import yaml  # the store imports it already: no cost

    loader = "C" if hasattr(yaml, "CSafeLoader") else "py"
    tag = f"{_FORMAT} {sys.implementation.cache_tag} {marshal.version} {yaml.__version__} {loader}"
    return tag.encode() + b"\n"


def _stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class DirectoryCache:
    """The decoded documents of one fixture directory's files (see the module docstring).

    :meth:`document` answers for each file; :meth:`save` writes the cache back if
    anything it holds changed. Not thread-safe: one load uses one.
    """

    def __init__(self, directory: Path, path: Path) -> None:
        self.directory = directory
        self.path = path
        """The cache file."""
        self._old: dict[str, _Entry] = _read(path)
        self._new: dict[str, _Entry] = {}
        self.hits = 0
        """How many documents came from the cache (not decoded) in this load."""
        self._dirty = False

    @classmethod
    def open(cls, directory: Path, files: int) -> DirectoryCache | None:
        """The cache of ``directory`` (which holds ``files`` fixture files), or None
        when there is none to use (disabled, or a library too small to need one)."""
        root = cache_dir()
        if root is None or files < MIN_FILES:
            return None
        name = hashlib.blake2b(os.fsencode(directory.resolve()), digest_size=16).hexdigest()
        return cls(directory, root / f"{name}.cache")

    def document(self, path: Path, rel: str, decode: Decode) -> Any:
        """The decoded document of fixture file ``path`` (``rel``: its ``/``-separated
        path in the directory): from the cache when its content is the one cached, else
        ``decode``d and remembered. ``decode``'s errors (and ``OSError``) propagate; such
        a file is not cached."""
        st = os.stat(path)
        key = _stat_key(st)
        entry = self._old.get(rel)
        if entry is not None and entry[0] is not None and entry[0] == key:
            self.hits += 1
            self._new[rel] = entry
            return entry[2]
        with path.open("rb") as handle:
            data = handle.read()
        digest = _digest(data)
        stat: StatKey | None = None if _racy(st) else key
        if entry is not None and entry[1] == digest:
            self.hits += 1
            self._dirty |= stat != entry[0]  # remember the stat that now vouches for it
            self._new[rel] = (stat, digest, entry[2])
            return entry[2]
        document = decode(data, path)
        self._dirty = True
        self._new[rel] = (stat, digest, document)
        return document

    def save(self) -> None:
        """Write the cache if it changed (a file decoded, removed or re-vouched for);
        any failure is logged and forgotten: the next load decodes again."""
        if not self._dirty and self._new.keys() == self._old.keys():
            return
        root = self.path.parent
        try:
            root.mkdir(parents=True, exist_ok=True)
            payload = _dumps(self._new)
            blob = _MAGIC + _tag() + zlib.crc32(payload).to_bytes(4, "big") + payload
            fd, temp = tempfile.mkstemp(dir=root, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(blob)
                os.replace(temp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            _prune(root, keep=self.path)
        except OSError as exc:
            log.debug("fixture cache %s not written: %s", self.path, exc)


def _racy(st: os.stat_result) -> bool:
    """Changed so recently that a same-size edit could follow in the same clock tick."""
    return max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - RACY_NS


def _read(path: Path) -> dict[str, _Entry]:
    """The entries of cache file ``path``; empty when it is missing or not usable."""
    try:
        with path.open("rb") as handle:
            blob = handle.read()
    except OSError:
        return {}
    head = _MAGIC + _tag()
    if not blob.startswith(head) or len(blob) < len(head) + 4:
        return {}
    crc, payload = blob[len(head) : len(head) + 4], blob[len(head) + 4 :]
    if zlib.crc32(payload).to_bytes(4, "big") != crc:
        log.debug("fixture cache %s is corrupt: ignored", path)
        return {}
    try:
        entries = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {rel: entry for rel, entry in entries.items() if _well_formed(rel, entry)}


def _well_formed(rel: Any, entry: Any) -> bool:
    if not isinstance(rel, str) or not isinstance(entry, tuple) or len(entry) != 3:
        return False
    stat, digest = entry[0], entry[1]
    stat_ok = stat is None or (isinstance(stat, tuple) and len(stat) == 5)
    return stat_ok and isinstance(digest, bytes)


def _dumps(entries: dict[str, _Entry]) -> bytes:
    """``entries`` marshalled, less those marshal cannot hold (a YAML timestamp)."""
    try:
        return marshal.dumps(entries, 4)
    except ValueError:
        kept = {}
        for rel, entry in entries.items():
            try:
                marshal.dumps(entry[2], 4)
            except ValueError:
                continue
            kept[rel] = entry
        return marshal.dumps(kept, 4)


def _prune(root: Path, *, keep: Path) -> None:
    """Remove caches (and a killed writer's temp files) untouched for :data:`MAX_AGE_S`."""
    cutoff = time.time() - MAX_AGE_S
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            if entry.path == str(keep) or not entry.name.endswith((".cache", ".tmp")):
                continue
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)


def intern_strings(value: Any) -> Any:
    """A copy of decoded ``value`` with its mapping keys and short strings interned.

    10,000 recordings repeat the same keys (``role``, ``content``, ``finish_reason``)
    and values (``user``, ``gpt-4o-mini``) tens of thousands of times: shared, they take
    half the memory; ``marshal`` keeps them shared in the cache too.
    """
    kind = type(value)
    if kind is dict:
        return {_intern(k): intern_strings(v) for k, v in value.items()}
    if kind is list:
        return [intern_strings(item) for item in value]
    if kind is str and len(value) <= _INTERN_MAX:
        return sys.intern(value)
    return value


_INTERN_MAX = 64
"""Strings up to this long are interned (keys, roles, models; not messages)."""


def _intern(key: Any) -> Any:
    return sys.intern(key) if type(key) is str else key
