"""Where a recording goes in the recording directory: a file of its own, or the next
answer of the recording it continues.

A recording is written to ``<directory>/<kind>/<key>.yaml``, its key a digest of the
(redacted) request. Outside record mode ``all`` an existing file is never overwritten:
one with this key that did not answer the request was edited by hand (or recorded under
other rules), so the recording goes to ``<key>-1.yaml`` (``-2``, ...) instead. In mode
``all`` the first recording of a key in a run replaces the file.

**Reads of state record a sequence.** A ``GET`` (a batch polled until it completes, a
file listed after an upload) reads what the upstream holds now, and the same request
later reads something else. While recording, such a request goes upstream again once
its recording has given every answer it holds (the replayer sees to that), and its new
answer is added to that recording's ``sequence`` (an answer equal to the last one is not
added twice): replayed offline, the same requests get the recorded answers in their
order, and the last one from then on. In mode ``all`` too, after the first recording of
the run has replaced the old one.

The set of files known to exist (written here, or seen by :meth:`Placement.unseen`) is
what tells the recordings of other processes (another worker) from ours.
"""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import Any

from mockapi.errors import FixtureError
from mockapi.library import store
from mockapi.library.fixture import FORMAT_VERSION
from mockapi.recording.capture import find_entry, merge_entry

Entry = dict[str, Any]


def polled(method: str) -> bool:
    """True for a request whose answers a recording keeps as a sequence: a read of
    state (``GET``), which answers differently as the upstream's objects change."""
    return method.upper() == "GET"


class Placement:
    """The files of one recording directory (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._known: set[Path] = set()
        self._replaced: set[Path] = set()  # written in mode `all` during this run
        self._reserved: set[Path] = set()  # names given by reserve(), not written yet
        if directory.is_dir():
            self._known.update(store.fixture_files(directory))

    def unseen(self) -> list[Path]:
        """Fixture files in the directory not known yet (another process wrote them);
        each is returned once."""
        if not self.directory.is_dir():
            return []
        fresh: list[Path] = []
        for path in store.fixture_files(self.directory):
            with self._lock:
                if path in self._known:
                    continue
                self._known.add(path)
            fresh.append(path)
        return fresh

    def reserve(self, kind: str, key: str, entry: Entry, *, replace: bool) -> Path | None:
        """The file :meth:`write` will put ``entry`` in as its only recording, known
        before it is written (its source is ``<file>#0``): the request's own file in mode
        ``all``, else the first free name, reserved for it until that write. None for a
        recording that continues a sequence (a ``GET``): what it joins is on disk."""
        if polled(str(entry["match"].get("method", ""))):
            return None
        target = self.directory / kind / f"{key}.yaml"
        if replace:
            return target
        with self._lock:
            for attempt in range(1000):
                candidate = target if attempt == 0 else target.with_name(f"{key}-{attempt}.yaml")
                if candidate not in self._reserved and not candidate.exists():
                    self._reserved.add(candidate)
                    return candidate
        return None

    def write(
        self, kind: str, key: str, entry: Entry, *, replace: bool, reserved: Path | None = None
    ) -> tuple[Entry, str]:
        """Write the recording ``entry`` of a request of ``kind`` with ``key``; returns
        the entry as written (a sequence, when it continued a recording) and its source
        (``path#index``). ``replace``: record mode ``all``. ``reserved``: the file
        :meth:`reserve` gave (another name only if a file appeared there meanwhile)."""
        target = self.directory / kind / f"{key}.yaml"
        extend = polled(str(entry["match"].get("method", "")))
        if reserved is not None and not replace:
            try:
                if self._create(reserved, _document(entry)):
                    return entry, f"{reserved}#0"
            finally:
                with self._lock:
                    self._reserved.discard(reserved)
        with self._lock:
            first = target not in self._replaced
            if replace:
                self._replaced.add(target)
        if replace and (first or not extend):
            store.write_atomic(target, _document(entry))
            with self._lock:
                self._known.add(target)
            return entry, f"{target}#0"
        data = _document(entry)
        for attempt in range(1000):
            candidate = target if attempt == 0 else target.with_name(f"{key}-{attempt}.yaml")
            if extend:
                joined = _extend(candidate, entry)
                if joined is not None:
                    return joined[0], f"{candidate}#{joined[1]}"
            with self._lock:
                if candidate in self._reserved:  # another recording's, not written yet
                    continue
            if self._create(candidate, data):
                return entry, f"{candidate}#0"
        raise FixtureError(str(target), "1000 recordings share this key; clean up the directory")

    def _create(self, path: Path, data: bytes) -> bool:
        """``store.create_new``, ``path`` known as ours meanwhile."""
        with self._lock:
            self._known.add(path)
        try:
            return store.create_new(path, data)
        except OSError:
            with self._lock:  # not written: another process's file there is news
                self._known.discard(path)
            raise


class _Other(Exception):
    """The file holds no recording of this request: leave it as it is."""


def _extend(path: Path, entry: Entry) -> tuple[Entry, int] | None:
    """Add ``entry``'s answer to the recording of the same request in ``path`` (see the
    module docstring); None, and the file untouched, when it holds none."""
    if not path.is_file():
        return None

    def change(document: dict[str, Any]) -> tuple[Entry, int]:
        fixtures = document.get("fixtures")
        if not isinstance(fixtures, list) or find_entry(fixtures, entry["match"]) is None:
            raise _Other  # before anything is written: a hand-made file stays as it is
        index = merge_entry(fixtures, entry, collapse=True)
        return fixtures[index], index

    try:
        return store.update_document(path, change)
    except (_Other, FixtureError):  # not ours, or not readable as a fixture file
        return None


def _document(entry: Entry) -> bytes:
    return store.dump_yaml({"version": FORMAT_VERSION, "fixtures": [entry]})


_HINTS = {
    errno.ENOSPC: "free space on that disk",
    errno.EDQUOT: "free space within your disk quota",
    errno.EFBIG: "a file size limit stops it (ulimit -f): raise the limit",
    errno.EROFS: "that file system is read-only: record into a writable --fixtures directory",
    errno.EACCES: "make that directory writable for this user, or record elsewhere",
    errno.EPERM: "make that directory writable for this user, or record elsewhere",
    errno.ENOTDIR: "a file stands where a folder is expected on that path: move it",
    errno.EEXIST: "a file stands where a folder is expected on that path: move it",
    errno.ENAMETOOLONG: "the path is too long: record into a shorter --fixtures directory",
}


def unwritten(where: str, target: Path, exc: OSError | FixtureError) -> str:
    """The one log line for a recording that could not be written."""
    if isinstance(exc, FixtureError):
        cause = str(exc)
        hint = "fix that file, or record into another --fixtures directory"
    else:
        code = errno.errorcode.get(exc.errno or 0, f"errno {exc.errno}")
        cause = f"cannot write {exc.filename or target}: {exc.strerror or exc} ({code})"
        hint = _HINTS.get(exc.errno or 0, "check that the --fixtures directory is writable")
    return (
        f"recording of {where} not written to disk: {cause}; it is served from memory "
        f"until mockapi stops, and lost then. To keep recordings: {hint}"
    )
