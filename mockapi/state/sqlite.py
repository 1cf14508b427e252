"""The SQLite backend of the state store: shared by processes, kept across restarts.

One database file holds every object in one table (kind, id, creation order, the
JSON text or the bytes), in WAL mode so that readers in any process never wait for a
writer and a writer waits (``busy_timeout``) rather than failing while another process
writes. Each write is one transaction (``BEGIN IMMEDIATE`` for a read-modify-write),
so a process killed mid-write (kill -9) leaves the database as of its last commit;
``synchronous=NORMAL`` in WAL mode keeps every commit across a process crash (not
across a power cut, which a mock need not survive).

Blobs (a file's bytes) are files in ``<database>.blobs/`` beside it, written to a
temporary file, fsynced and renamed into place, so that memory does not grow with
them and a reader never sees half a blob; a ``blobs`` table holds their sizes, so the
total cap holds across processes. A crash between the rename and the commit can leave
a file no row names: it is never read, and is removed when that key is written or
deleted again or the store is cleared.

Unlike the memory backend nothing is evicted: the data is on disk, not in memory.
Each thread (and each process: a forked child reopens) has its own connection.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from mockapi.errors import MockapiError, StateLimitError
from mockapi.state.objects import decode_value, encode_value
from mockapi.state.store import BLOB_CHUNK, BlobLimits, Order, Page

BUSY_TIMEOUT_MS = 30_000
"""How long a write waits for another process's transaction before failing."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    raw INTEGER NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (kind, id)
);
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, size INTEGER NOT NULL);
"""
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,200}")


class SQLiteStore:
    """A :class:`mockapi.state.store.StateStore` in the SQLite database at ``path``
    (created with its directory if absent), blobs in ``<path>.blobs/``."""

    def __init__(
        self, path: str | os.PathLike[str], *, blob_limits: BlobLimits | None = None
    ) -> None:
        self.path = Path(path)
        self.blob_dir = self.path.with_name(self.path.name + ".blobs")
        self._blob_limits = blob_limits or BlobLimits()
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.blob_dir.mkdir(exist_ok=True)
            with self._write() as db:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise MockapiError(
                f"state database {self.path}: cannot open it ({exc}); pass a path in a "
                "writable directory, or move away a file that is not a mockapi database"
            ) from None

    # -- connections ---------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection in this process (a forked child opens its own)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            # Autocommit (isolation_level None): transactions are the explicit BEGINs.
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db, self._local.pid = db, os.getpid()
            with self._opened_lock:
                self._opened.append(db)
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``) so that a
        read-modify-write in it sees no other process's write in between."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this store opened in this process."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()

    # -- objects -------------------------------------------------------------------

    def put(self, kind: str, object_id: str, value: Any) -> None:
        kept = encode_value(value)
        with self._write() as db:
            _upsert(db, kind, object_id, kept, raw=isinstance(value, bytes))

    def get(self, kind: str, object_id: str) -> Any | None:
        row = (
            self._db()
            .execute("SELECT raw, body FROM objects WHERE kind = ? AND id = ?", (kind, object_id))
            .fetchone()
        )
        return None if row is None else _decode(row)

    def update(
        self, kind: str, object_id: str, change: Callable[[Any], Any], *, start: Any = None
    ) -> Any | None:
        with self._write() as db:
            row = db.execute(
                "SELECT raw, body FROM objects WHERE kind = ? AND id = ?", (kind, object_id)
            ).fetchone()
            if row is None and start is None:
                return None
            changed = change(_decode(row) if row is not None else start)
            kept = encode_value(changed)
            _upsert(db, kind, object_id, kept, raw=isinstance(changed, bytes))
        return decode_value(kept)

    def delete(self, kind: str, object_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, object_id))
            return cursor.rowcount > 0

    def values(self, kind: str) -> list[Any]:
        rows = self._db().execute(
            "SELECT raw, body FROM objects WHERE kind = ? ORDER BY seq", (kind,)
        )
        return [_decode(row) for row in rows]

    def page(
        self,
        kind: str,
        *,
        order: Order = "desc",
        after: str | None = None,
        before: str | None = None,
        limit: int = 20,
        where: Mapping[str, str] | None = None,
    ) -> Page:
        """The page :func:`mockapi.state.store.page_of` gives, read in one query."""
        clauses, args = ["kind = ?"], [kind]
        for field, wanted in (where or {}).items():
            if not _FIELD.fullmatch(field):
                raise ValueError(f"filter on a top-level field name, got {field!r}")
            # CASE, not AND: SQLite may evaluate json_extract first, and a raw row is not JSON.
            clauses.append("CASE WHEN raw = 0 THEN json_extract(body, ?) END = ?")
            args += [f"$.{field}", wanted]
        cursor = after if after is not None else before
        forward = before is None  # paging in the listed order (after, or no cursor)
        ascending = (order == "asc") == forward
        db = self._db()
        db.execute("BEGIN")  # one snapshot for the cursor and the page
        try:
            if cursor is not None:
                found = db.execute(
                    "SELECT seq FROM objects WHERE kind = ? AND id = ?", (kind, cursor)
                ).fetchone()
                if found is None:
                    return Page([], False)
                clauses.append("seq > ?" if ascending else "seq < ?")
                args.append(found[0])
            rows = db.execute(
                f"SELECT raw, body FROM objects WHERE {' AND '.join(clauses)} "
                f"ORDER BY seq {'ASC' if ascending else 'DESC'} LIMIT ?",
                (*args, limit + 1),
            ).fetchall()
        finally:
            db.execute("COMMIT")
        data = [_decode(row) for row in rows[:limit]]
        return Page(data if forward else data[::-1], len(rows) > limit)

    # -- blobs ---------------------------------------------------------------------

    def put_blob(self, key: str, data: bytes) -> None:
        target = self._blob_path(key)
        with self._write() as db:
            (used,) = db.execute(
                "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE key != ?", (key,)
            ).fetchone()
            self._blob_limits.check(key, len(data), used)
            _write_atomically(target, data)
            db.execute("INSERT OR REPLACE INTO blobs (key, size) VALUES (?, ?)", (key, len(data)))

    def put_blob_from(self, key: str, source: BinaryIO) -> int:
        """Copy ``source`` to a temporary file beside the blobs chunk by chunk (never all
        in memory; over the per-file limit it stops there), then move it into place as
        :meth:`put_blob` does; its size."""
        target = self._blob_path(key)
        limit = self._blob_limits.max_file_bytes
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            size = 0
            with os.fdopen(handle, "wb") as out:
                while chunk := source.read(BLOB_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise StateLimitError(key, size, limit, scope="file")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            with self._write() as db:
                (used,) = db.execute(
                    "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE key != ?", (key,)
                ).fetchone()
                self._blob_limits.check(key, size, used)
                os.replace(temporary, target)
                db.execute("INSERT OR REPLACE INTO blobs (key, size) VALUES (?, ?)", (key, size))
            return size
        finally:
            Path(temporary).unlink(missing_ok=True)

    def get_blob(self, key: str) -> bytes | None:
        target = self._blob_path(key)
        row = self._db().execute("SELECT size FROM blobs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return target.read_bytes()
        except FileNotFoundError:  # deleted by another process since the row was read
            return None

    def delete_blob(self, key: str) -> bool:
        target = self._blob_path(key)
        with self._write() as db:
            found = db.execute("DELETE FROM blobs WHERE key = ?", (key,)).rowcount > 0
            target.unlink(missing_ok=True)
        return found

    def clear(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM objects")
            db.execute("DELETE FROM blobs")
            for leftover in self.blob_dir.iterdir():
                leftover.unlink(missing_ok=True)

    def _blob_path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or key.startswith("."):
            raise ValueError(
                f"a blob key is letters, digits, '_', '-' and '.' (a file id), got {key!r}"
            )
        return self.blob_dir / key


def _upsert(db: sqlite3.Connection, kind: str, object_id: str, kept: bytes, *, raw: bool) -> None:
    """Insert the object, or replace its body keeping its place (its ``seq``). JSON
    is stored as text (so that ``json_extract`` filters on it), raw bytes as a BLOB."""
    body: bytes | str = bytes(kept) if raw else kept.decode()
    db.execute(
        "INSERT INTO objects (kind, id, raw, body) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (kind, id) DO UPDATE SET raw = excluded.raw, body = excluded.body",
        (kind, object_id, int(raw), body),
    )


def _decode(row: tuple[int, bytes | str]) -> Any:
    raw, body = row
    if raw:
        return bytes(body) if isinstance(body, bytes) else body.encode()
    return decode_value(body.encode() if isinstance(body, str) else bytes(body))


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a reader sees the old or the new bytes,
    never part: a temporary file beside it, fsynced, then renamed over it."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
