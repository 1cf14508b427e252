"""How files are put in place so that no crash loses or corrupts one, across processes.

A file is **staged**: written to a temp file beside its target, fsynced, then moved or
linked into place by the caller (:func:`mockapi.library.store.write_atomic`,
:func:`~mockapi.library.store.create_new`). A temp file is named
``.<target name>.<digest>-<random>.tmp`` (hidden, so never loaded as a fixture), where
``<digest>`` is the first 16 hex digits of the SHA-256 of the whole content: whoever
finds it after a crash can tell a complete file from one cut short. Its writer holds an
exclusive ``flock`` on it until it is in place, so a live write is told apart from what
a killed process left (the kernel drops a dead process's locks).

A **claim** (:func:`claim`) is a lock file ``.<target name>.lock`` beside a target,
created with ``O_EXCL`` and held with ``flock`` by whoever records that target now;
another process that finds it held waits. A claim whose holder died is abandoned:
the next one to look takes it over.

Without ``fcntl`` (Windows) there are no locks: a temp file or a claim counts as
abandoned once older than :data:`ABANDONED_AFTER`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_LOCKS: bool = fcntl is not None

DIGEST_CHARS = 16
"""How many hex digits of the content's SHA-256 a temp file's name carries."""
ABANDONED_AFTER = 600.0
"""Without ``fcntl`` only: seconds after which a temp or lock file counts as abandoned."""

_TEMP_NAME = re.compile(
    rf"^\.(?P<target>.+)\.(?:(?P<digest>[0-9a-f]{{{DIGEST_CHARS}}})-)?[a-z0-9_]{{8}}\.tmp$"
)
"""``.<target>.<digest>-<random>.tmp``; without ``<digest>-``, as mockapi < 0.2 named them."""
_LOCK_SUFFIX = ".lock"


def digest(data: bytes) -> str:
    """The content digest a temp file's name carries (see the module docstring)."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


@contextmanager
def staged(path: Path, data: bytes) -> Iterator[Path]:
    """A complete, fsynced temp file beside ``path`` holding ``data``, locked while inside.

    The caller moves (``os.replace``) or links (``os.link``) it into place inside the
    ``with``; whatever is left of it is removed on the way out.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _locked_temp(path, digest(data))
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.fchmod(fd, 0o666 & ~_UMASK)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)  # moved away already, or a second name of the target
        os.close(fd)  # only now: the lock says "being written" until the file is in place


def _locked_temp(path: Path, content_digest: str) -> tuple[int, Path]:
    """A new empty temp file for ``path``, open and locked by this process."""
    while True:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.{content_digest}-", suffix=".tmp", dir=path.parent
        )
        tmp = Path(name)
        try:
            _lock(fd, wait=True)
            if _is_current(fd, tmp):
                return fd, tmp
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        # Start-up recovery in another process found it empty and unlocked in the instant
        # between mkstemp and the lock, and removed it: take another.
        os.close(fd)


# -- what an interrupted write left ----------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    """A temp file no live process is writing: what a killed or crashed write left."""

    temp: Path
    target: Path
    complete: bool | None
    """True when its content is all there (its digest matches), False when cut short,
    None when it cannot tell (a temp file named without a digest)."""


@contextmanager
def leftover(temp: Path) -> Iterator[Leftover | None]:
    """``temp`` as a :class:`Leftover`, locked while inside (so no one else handles it
    meanwhile); None when it is no temp file of ours, a live writer holds it, or it is gone.
    """
    match = _TEMP_NAME.match(temp.name)
    if match is None:
        yield None
        return
    try:
        fd = os.open(temp, os.O_RDONLY)
    except OSError:
        yield None
        return
    try:
        if not _lock(fd, wait=False) or not _is_current(fd, temp) or _young(fd):
            yield None
            return
        complete: bool | None = None
        expected = match["digest"]
        if expected is not None:
            complete = digest(_read_all(fd)) == expected
        yield Leftover(temp, temp.with_name(match["target"]), complete)
    finally:
        os.close(fd)


def temp_files(directory: Path) -> list[Path]:
    """The staged temp files under ``directory``, recursively (live ones too)."""
    return sorted(p for p in directory.rglob(".*.tmp") if _TEMP_NAME.match(p.name))


# -- claims ----------------------------------------------------------------------------------


class Claim:
    """This process's claim on a target (see :func:`claim`); :meth:`release` when done."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file and let go of it; safe to call more than once."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):  # while still locked: no one else removes it
            self.path.unlink(missing_ok=True)
        os.close(fd)


BUSY = "busy"
"""What :func:`claim` returns while another live process holds the claim."""


def lock_path(target: Path) -> Path:
    """The lock file of a claim on ``target``."""
    return target.with_name(f".{target.name}{_LOCK_SUFFIX}")


def claim(target: Path) -> Claim | str | None:
    """Claim ``target`` for this process: a :class:`Claim`, or :data:`BUSY` while another
    holds it, or None when no lock file can be made there (an unwritable directory: go on
    unclaimed, the write will fail and say so). An abandoned claim is taken over.
    """
    path = lock_path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        except FileExistsError:
            if remove_abandoned(path) != "held":
                continue
            return BUSY
        except OSError:
            return None
        try:
            _lock(fd, wait=True)
            if not _is_current(fd, path):  # taken for abandoned before we locked it: again
                os.close(fd)
                continue
            # Who holds it, for a person looking at the directory; the lock is what counts.
            with contextlib.suppress(OSError):
                os.write(fd, f"pid {os.getpid()} since {time.time():.0f}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        return Claim(path, fd)


def remove_abandoned(path: Path) -> str:
    """Remove the lock file ``path`` if no live process holds it: ``"removed"``, ``"gone"``
    (no such file by now) or ``"held"`` (a live holder, or it cannot be removed)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return "gone"
    except OSError:
        return "held"
    try:
        if not _lock(fd, wait=False) or _young(fd):
            return "held"
        if not _is_current(fd, path):
            return "gone"
        path.unlink()
        return "removed"
    except OSError:
        return "held"
    finally:
        os.close(fd)


def lock_files(directory: Path) -> list[Path]:
    """The claims' lock files under ``directory``, recursively (live ones too)."""
    return sorted(directory.rglob(f".*{_LOCK_SUFFIX}"))


# -- helpers ---------------------------------------------------------------------------------


def _lock(fd: int, *, wait: bool) -> bool:
    """Take the exclusive lock on ``fd``; False if another holds it and ``wait`` is off."""
    if not _LOCKS:  # pragma: no cover - Windows: age decides (see _young)
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _young(fd: int) -> bool:
    """Without locks only: whether the file may still be in use (see ABANDONED_AFTER)."""
    if _LOCKS:
        return False
    return time.time() - os.fstat(fd).st_mtime < ABANDONED_AFTER  # pragma: no cover


def _is_current(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not removed or replaced)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which would race with
# threads creating files meanwhile.
_UMASK = _umask()
