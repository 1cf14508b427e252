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
- **The decoded document, and a memo.** Beside each document the loader may keep a
  memo of what it made of it (:meth:`DirectoryCache.remember`: the frozen fixtures of
  :mod:`mockapi.library.parsed`), valid for the same bytes and the same ``memo_tag``
  (the code that made it); a cache written under another tag keeps its documents and
  drops its memos. Otherwise ``body_file`` answers are read, templates compiled and
  entries checked afresh on every load (:func:`mockapi.library.store.load_library`); a
  file that does not decode (bad YAML, too large, an alias bomb) is never cached, so
  its error is reported every time.
- **Safe.** A cache is written to a temporary file and renamed over the old one: two
  servers starting at once both succeed (the last rename wins, either is complete). It
  is checked by a CRC when read; one that is missing, truncated, corrupt, written by
  another version of mockapi, Python or PyYAML, or unreadable is ignored and rewritten,
  never an error. It is ``marshal`` data, not pickle: loading it runs no code.
  Documents marshal cannot hold (a YAML timestamp) are simply not cached.
- **One document at a time.** Each file's document is marshalled on its own and
  unmarshalled when the loader asks for it, so a load holds the cache's bytes and one
  document, never all of them: 10,000 documents at once were 30 MB more, and left the
  process that much larger after the loader had kept what it needs
  (:mod:`mockapi.library.packed`).
- **Found again elsewhere.** A directory seen for the first time (a fresh checkout in
  another place, a copy) uses the cache of one that held the same file names, its
  entries vouched for by content as above.
- **Bounded**: only libraries worth it (:data:`MIN_FILES` files or more: a smaller one
  loads in milliseconds, and test suites make thousands of short-lived fixture
  folders), at most :data:`MAX_CACHES` cache files, the least recently used removed.
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
MAX_CACHES = 16
"""Cache files kept (one per fixture directory); beyond, the least recently used go."""
_SIBLINGS = 4
"""How many of the most recently used caches a directory without one looks at."""
ENV = "MOCKAPI_CACHE_DIR"
"""Where the caches go (a directory), or ``off`` for no cache."""

_MAGIC = b"mockapi fixture cache\n"
_FORMAT = 4

Decode = Callable[[bytes, Path], Any]
"""Turns a file's bytes into its document; raises for a file that does not decode."""
StatKey = tuple[int, int, int, int, int]
_Entry = tuple[StatKey | None, bytes, bytes, bytes | None]
# (stat or None: check content, digest, document, memo or None)


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


def _tag(decoder: str) -> bytes:
    """What the cached documents depend on besides the files: a cache from another
    mockapi cache format, Python (marshal) or ``decoder`` (the YAML library's version)
    is not used."""
    tag = f"{_FORMAT} {sys.implementation.cache_tag} {marshal.version} {decoder}"
    return tag.encode() + b"\n"


def _stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class DirectoryCache:
    """The decoded documents of one fixture directory's files (see the module docstring).

    :meth:`load` answers for each file; :meth:`save` writes the cache back if
    anything it holds changed. Not thread-safe: one load uses one.
    """

    def __init__(
        self, directory: Path, path: Path, names: list[str], decoder: str, memo_tag: str
    ) -> None:
        self.directory = directory
        self.path = path
        """The cache file."""
        self._listing = _fingerprint(names)
        self._head = _MAGIC + _tag(decoder)
        self._memo_tag = memo_tag
        self._old: dict[str, _Entry] = _read(path, self._head, memo_tag) or _sibling(
            path, self._head, self._listing, memo_tag
        )
        self._new: dict[str, _Entry] = {}
        self.hits = 0
        """How many documents came from the cache (not decoded) in this load."""
        self._dirty = False

    @classmethod
    def open(
        cls, directory: Path, names: list[str], *, decoder: str, memo_tag: str
    ) -> DirectoryCache | None:
        """The cache of ``directory``, whose fixture files are ``names`` (``/``-separated,
        sorted), or None when there is none to use (disabled, or a library too small
        to need one). ``decoder`` names what decodes the files, and its version;
        ``memo_tag`` what makes the memos (:meth:`remember`), and its version."""
        root = cache_dir()
        if root is None or len(names) < MIN_FILES:
            return None
        name = hashlib.blake2b(os.fsencode(directory.resolve()), digest_size=16).hexdigest()
        return cls(directory, root / f"{name}.cache", names, decoder, memo_tag)

    def load(self, path: str, rel: str, decode: Decode, *, limit: int) -> tuple[Any, bytes | None]:
        """Fixture file ``path`` (``rel``: its ``/``-separated path in the directory) as
        ``(document, None)``, or as ``(None, memo)`` when a memo (:meth:`remember`) is
        kept for its very bytes: then the document is not even unmarshalled
        (:meth:`document` gives it if the memo is of no use).

        The document comes from the cache when the file's content is the one cached,
        else it is ``decode``d and remembered. At most ``limit + 1`` bytes are read
        (``decode`` refuses more). ``decode``'s errors (and ``OSError``) propagate; such
        a file is not cached."""
        st = os.stat(path)
        key = _stat_key(st)
        entry = self._old.get(rel)
        if entry is not None and entry[0] is not None and entry[0] == key:
            self.hits += 1
            self._new[rel] = entry
            return _contents(entry)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
        digest = _digest(data)
        stat: StatKey | None = None if _racy(st) else key
        if entry is not None and entry[1] == digest:
            self.hits += 1
            self._dirty |= stat != entry[0]  # remember the stat that now vouches for it
            entry = self._new[rel] = (stat, digest, entry[2], entry[3])  # the same memo
            return _contents(entry)
        document = decode(data, Path(path))
        self._dirty = True
        try:
            self._new[rel] = (stat, digest, marshal.dumps(document, 4), None)
        except ValueError:  # a value marshal cannot hold (a YAML timestamp): not cached
            self._new.pop(rel, None)
        return document, None

    def document(self, rel: str) -> Any:
        """The document of ``rel``, which :meth:`load` has just given as a memo."""
        return marshal.loads(self._new[rel][2])

    def remember(self, rel: str, memo: bytes | None) -> None:
        """Keep ``memo`` (or forget the one kept, with None) with the document of ``rel``,
        which :meth:`load` has just given in this load; written by :meth:`save`."""
        entry = self._new.get(rel)
        if entry is not None and entry[3] != memo:
            self._new[rel] = (*entry[:3], memo)
            self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed (a file decoded, removed or re-vouched for);
        any failure is logged and forgotten: the next load decodes again."""
        if not self._dirty and self._new.keys() == self._old.keys():
            with contextlib.suppress(OSError):
                os.utime(self.path)  # recently used: the last to be pruned
            return
        root = self.path.parent
        try:
            root.mkdir(parents=True, exist_ok=True)
            payload = marshal.dumps((self._memo_tag, self._new), 4)
            crc = zlib.crc32(payload).to_bytes(4, "big")
            fd, temp = tempfile.mkstemp(dir=root, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:  # in pieces: no copy of the payload
                    handle.write(self._head + self._listing + crc)
                    handle.write(payload)
                os.replace(temp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            _prune(root, keep=self.path)
        except OSError as exc:
            log.debug("fixture cache %s not written: %s", self.path, exc)


def _contents(entry: _Entry) -> tuple[Any, bytes | None]:
    memo = entry[3]
    return (None, memo) if memo is not None else (marshal.loads(entry[2]), None)


def _racy(st: os.stat_result) -> bool:
    """Changed so recently that a same-size edit could follow in the same clock tick."""
    return max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - RACY_NS


def _fingerprint(names: list[str]) -> bytes:
    """What identifies a library wherever it is: its files' names."""
    return hashlib.blake2b("\n".join(names).encode(), digest_size=_LISTING).digest()


_LISTING = 16  # bytes of the fingerprint


def _sibling(path: Path, head: bytes, listing: bytes, memo_tag: str) -> dict[str, _Entry]:
    """The entries of a recently used cache (starting with ``head``) of a library with
    the same file names (a copy, a checkout elsewhere); empty when there is none."""
    head += listing
    try:
        with os.scandir(path.parent) as scanned:
            caches = [e for e in scanned if e.name.endswith(".cache") and e.path != str(path)]
        caches.sort(key=lambda e: e.stat().st_mtime, reverse=True)
    except OSError:
        return {}
    for candidate in caches[:_SIBLINGS]:
        try:
            with open(candidate.path, "rb") as handle:
                if handle.read(len(head)) != head:
                    continue
        except OSError:
            continue
        return _read(Path(candidate.path), head[: -len(listing)], memo_tag)
    return {}


def _read(path: Path, head: bytes, memo_tag: str) -> dict[str, _Entry]:
    """The entries of cache file ``path`` (which starts with ``head``); empty when it
    is missing or not usable. Their memos are dropped unless made under ``memo_tag``."""
    try:
        with path.open("rb") as handle:
            blob = handle.read()
    except OSError:
        return {}
    start = len(head) + _LISTING
    if not blob.startswith(head) or len(blob) < start + 4:
        return {}
    crc = blob[start : start + 4]
    with memoryview(blob) as view:  # the payload read in place, not copied (~10 MB)
        payload = view[start + 4 :]
        if zlib.crc32(payload).to_bytes(4, "big") != crc:
            log.debug("fixture cache %s is corrupt: ignored", path)
            return {}
        try:
            tagged = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return {}
        finally:
            payload.release()
    if not isinstance(tagged, tuple) or len(tagged) != 2 or not isinstance(tagged[1], dict):
        return {}
    kept, entries = tagged
    found = {rel: entry for rel, entry in entries.items() if _well_formed(rel, entry)}
    if kept != memo_tag:  # made by other code: the documents hold, the memos do not
        found = {rel: (*entry[:3], None) for rel, entry in found.items()}
    return found


def _well_formed(rel: Any, entry: Any) -> bool:
    if not isinstance(rel, str) or not isinstance(entry, tuple) or len(entry) != 4:
        return False
    stat, digest, document, memo = entry
    stat_ok = stat is None or (isinstance(stat, tuple) and len(stat) == 5)
    memo_ok = memo is None or isinstance(memo, bytes)
    return stat_ok and memo_ok and isinstance(digest, bytes) and isinstance(document, bytes)


def _prune(root: Path, *, keep: Path) -> None:
    """Keep the :data:`MAX_CACHES` most recently used caches; remove a killed writer's
    temp files once an hour old."""
    now = time.time()
    caches: list[tuple[float, str]] = []
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.name.endswith(".cache") and entry.path != str(keep):
                    caches.append((entry.stat().st_mtime, entry.path))
                elif entry.name.endswith(".tmp") and entry.stat().st_mtime < now - 3600:
                    os.unlink(entry.path)
    caches.sort(reverse=True)
    for _, old in caches[MAX_CACHES - 1 :]:
        with contextlib.suppress(OSError):
            os.unlink(old)


INTERN_MAX = 64
"""Strings up to this long are interned (keys, roles, models; not messages)."""


def intern_strings(value: Any) -> Any:
    """A copy of decoded ``value`` with its mapping keys and short strings interned.

    10,000 recordings repeat the same keys (``role``, ``content``, ``finish_reason``)
    and values (``user``, ``gpt-4o-mini``) tens of thousands of times: shared, they take
    half the memory (and the fixture cache keeps them shared).
    """
    kind = type(value)
    if kind is dict:
        return {_intern(k): intern_strings(v) for k, v in value.items()}
    if kind is list:
        return [intern_strings(item) for item in value]
    if kind is str and len(value) <= INTERN_MAX:
        return sys.intern(value)
    return value


def _intern(key: Any) -> Any:
    return sys.intern(key) if type(key) is str else key
