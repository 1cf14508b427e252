"""The Redis backend of the state store: shared by replicas on several machines.

``--state redis://HOST:PORT/DB``: every ``mockapi serve`` process given the same URL, on
any host, reads and writes the same objects and blobs, with the same semantics as the
SQLite backend (:mod:`mockapi.state.sqlite`): objects in creation order (a replacement
keeps its place), atomic read-modify-writes, nothing evicted, blobs within the same
limits counted across the fleet. The Redis server's own persistence (its AOF or RDB
files) is what keeps the data across a restart of Redis.

Keys (all under :data:`PREFIX`, so one Redis database may hold other things too):

- ``state:o:KIND``, a hash of id to the object, tagged: ``j`` and its compact JSON, or
  ``b`` and raw bytes; ``state:z:KIND``, a sorted set of the ids by creation number
  (``state:seq``, one counter for every kind); ``state:kinds``, the kinds used.
- ``state:b:KEY``, a blob's bytes; ``state:bsizes``, a hash of each blob's size;
  ``state:bbytes``, their total. A blob is written to ``state:tmp:UUID`` first (in chunks,
  by :meth:`RedisStore.put_blob_from`; it expires if its writer dies) and renamed into
  place by a script that checks the total cap, so a reader never sees half a blob.

Each change is one Lua script or one MULTI transaction. An :meth:`RedisStore.update`
reads the object, applies ``change`` here, and writes it back only if the object is
still what was read (its SHA-1 compared in the write's script), else reads and applies
again: ``change`` may run more than once, so it must only compute the new value.

While Redis is unreachable, every call raises the API's 503 naming the URL
(:meth:`RedisLink.unreachable`), which the server answers to the request that needed
the state; the client reconnects by itself once Redis is back.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, BinaryIO, cast

import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

from mockapi.errors import APIError, MockapiError, StateLimitError
from mockapi.state.location import shown
from mockapi.state.objects import decode_value, encode_value
from mockapi.state.store import BLOB_CHUNK, BlobLimits, Order, Page

PREFIX = "mockapi:"
"""The start of every key mockapi writes."""
CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a connection: past it, the request gets the 503."""
COMMAND_TIMEOUT = 30.0
"""Seconds to wait for an answer (a large blob takes a while)."""
TEMPORARY_SECONDS = 3600
"""How long a blob being written may take before Redis drops what was written."""

_KEY = re.compile(r"[A-Za-z0-9_.-]{1,200}")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_JSON, _RAW = b"j", b"b"

# Keep ARGV[2] as the object ``ARGV[1]`` of kind ``ARGV[4]``, giving it the next creation
# number when new, if ARGV[3] holds: "" always, "-" when absent, else the SHA-1 of the
# object as it is now. 1 when kept, 0 when the condition failed.
_PUT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == '-' then
  if current then return 0 end
elseif ARGV[3] ~= '' then
  if (not current) or redis.sha1hex(current) ~= ARGV[3] then return 0 end
end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[4])
return 1
"""

# A page, as SQLiteStore.page reads it: after the cursor ARGV[1] ("" none; unknown: an
# empty page), in creation order (ARGV[2] "1") or its reverse, the first ARGV[3] + 1
# objects whose top-level fields equal the pairs from ARGV[4] on. {1 when more, ...}.
_PAGE = """
local objects, order = KEYS[1], KEYS[2]
local ascending, limit = ARGV[2] == '1', tonumber(ARGV[3])
local wants = {}
for i = 4, #ARGV, 2 do wants[#wants + 1] = {ARGV[i], ARGV[i + 1]} end
local function matches(body)
  if #wants == 0 then return true end
  if string.sub(body, 1, 1) ~= 'j' then return false end
  local ok, value = pcall(cjson.decode, string.sub(body, 2))
  if not ok or type(value) ~= 'table' then return false end
  for _, want in ipairs(wants) do
    if value[want[1]] ~= want[2] then return false end
  end
  return true
end
local total = redis.call('ZCARD', order)
local position
if ARGV[1] ~= '' then
  local rank = redis.call('ZRANK', order, ARGV[1])
  if not rank then return {0} end
  position = ascending and rank + 1 or rank - 1
else
  position = ascending and 0 or total - 1
end
local found = {}
while #found <= limit and position >= 0 and position < total do
  local ids = {}
  if ascending then
    ids = redis.call('ZRANGE', order, position, position + 99)
    position = position + 100
  else
    local low = math.max(0, position - 99)
    local got = redis.call('ZRANGE', order, low, position)
    for i = #got, 1, -1 do ids[#ids + 1] = got[i] end
    position = low - 1
  end
  for _, id in ipairs(ids) do
    local body = redis.call('HGET', objects, id)
    if body and matches(body) then
      found[#found + 1] = body
      if #found > limit then break end
    end
  end
end
local answer = {0}
if #found > limit then answer[1] = 1 end
for i = 1, math.min(#found, limit) do answer[#answer + 1] = found[i] end
return answer
"""

# Move the blob written to KEYS[1] into place as KEYS[2] (ARGV[1], ARGV[2] bytes) unless
# the blobs would then be over ARGV[3] bytes in all. {1 or 0, the bytes of the others}.
_COMMIT_BLOB = """
local old = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
local used = tonumber(redis.call('GET', KEYS[4]) or '0') - old
local size = tonumber(ARGV[2])
if used + size > tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {0, used}
end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[3], ARGV[1], size)
redis.call('SET', KEYS[4], used + size)
return {1, used}
"""

_DELETE_BLOB = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DECRBY', KEYS[3], old)
redis.call('DEL', KEYS[1])
return 1
"""

# Every object and blob under the prefix ARGV[1] (the kinds and blobs the store lists).
_CLEAR = """
local p = ARGV[1]
for _, kind in ipairs(redis.call('SMEMBERS', p .. 'state:kinds')) do
  redis.call('DEL', p .. 'state:o:' .. kind, p .. 'state:z:' .. kind)
end
for _, key in ipairs(redis.call('HKEYS', p .. 'state:bsizes')) do
  redis.call('DEL', p .. 'state:b:' .. key)
end
redis.call('DEL', p .. 'state:kinds', p .. 'state:bsizes', p .. 'state:bbytes')
return 1
"""


class RedisLink:
    """One Redis server, as the replicas' shared store: a client (a pool of connections,
    safe to share between threads, reopened in a forked worker) and the 503 that says
    the server cannot be reached."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self.url = url
        self.shown = shown(url)
        self.prefix = prefix
        try:
            self.client: redis.Redis = redis.Redis.from_url(
                url,
                socket_connect_timeout=CONNECT_TIMEOUT,
                socket_timeout=COMMAND_TIMEOUT,
                # One retry, at once: a connection Redis closed when it restarted is
                # replaced; a Redis that is down answers the 503 without waiting.
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
            )
        except ValueError as exc:
            raise MockapiError(
                f"--state {self.shown}: {exc}; e.g. redis://127.0.0.1:6379/0"
            ) from None

    def key(self, *parts: str) -> str:
        """The key of ``parts`` under the prefix (``mockapi:state:seq``)."""
        return self.prefix + ":".join(parts)

    def script(self, source: str) -> Script:
        """A Lua script, sent once and called by its SHA-1 (sent again after a restart)."""
        return self.client.register_script(source)

    @contextmanager
    def reachable(self) -> Iterator[redis.Redis]:
        """The client, with Redis being down (or refusing writes) raised as the 503."""
        try:
            yield self.client
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise self.unreachable(exc) from None
        except (redis.exceptions.ReadOnlyError, redis.exceptions.OutOfMemoryError) as exc:
            raise self.unreachable(exc, "refuses writes") from None

    def unreachable(self, exc: Exception, what: str = "is unreachable") -> APIError:
        """The API's 503 for a request that needs the state while Redis is down."""
        return APIError(
            503,
            f"mockapi's state store {self.shown} {what} ({exc}): this request needs the "
            "stored state, so it was not carried out; retry once Redis is back (check that "
            "redis-server is running there and that every replica is given its address)",
            type="server_error",
            headers={"retry-after": "1"},
        )

    def problem(self) -> str | None:
        """Why Redis cannot be used now (a sentence), or None when it answers."""
        try:
            self.client.ping()
        except redis.RedisError as exc:
            return f"state store {self.shown} is unreachable now ({exc})"
        return None

    def close(self) -> None:
        """Close the pool's connections (reopened if the link is used again)."""
        self.client.close()


class RedisStore:
    """A :class:`mockapi.state.store.StateStore` on the Redis server at ``url`` (see the
    module docstring), blobs within ``blob_limits``."""

    def __init__(
        self, url: str, *, blob_limits: BlobLimits | None = None, prefix: str = PREFIX
    ) -> None:
        self.link = RedisLink(url, prefix=prefix)
        self._blob_limits = blob_limits or BlobLimits()
        self._put = self.link.script(_PUT)
        self._page = self.link.script(_PAGE)
        self._commit_blob = self.link.script(_COMMIT_BLOB)
        self._delete_blob = self.link.script(_DELETE_BLOB)
        self._clear = self.link.script(_CLEAR)
        self._seq = self.link.key("state", "seq")
        self._kinds = self.link.key("state", "kinds")
        self._sizes = self.link.key("state", "bsizes")
        self._bytes = self.link.key("state", "bbytes")

    def close(self) -> None:
        self.link.close()

    # -- objects -------------------------------------------------------------------

    def _keys(self, kind: str) -> list[str]:
        """The keys of ``kind``'s objects and order, as the put script takes them."""
        return [self.link.key("state", "o", kind), self.link.key("state", "z", kind)]

    def _store(self, kind: str, object_id: str, body: bytes, expect: str) -> bool:
        keys = [*self._keys(kind), self._seq, self._kinds]
        return bool(self._put(keys=keys, args=[object_id, body, expect, kind]))

    def put(self, kind: str, object_id: str, value: Any) -> None:
        body = _tagged(value)
        with self.link.reachable():
            self._store(kind, object_id, body, "")

    def get(self, kind: str, object_id: str) -> Any | None:
        with self.link.reachable() as client:
            body = cast("bytes | None", client.hget(self._keys(kind)[0], object_id))
        return None if body is None else _untagged(body)

    def update(
        self, kind: str, object_id: str, change: Callable[[Any], Any], *, start: Any = None
    ) -> Any | None:
        objects = self._keys(kind)[0]
        with self.link.reachable() as client:
            while True:
                current = cast("bytes | None", client.hget(objects, object_id))
                if current is None and start is None:
                    return None
                changed = change(_untagged(current) if current is not None else start)
                body = _tagged(changed)
                expect = "-" if current is None else hashlib.sha1(current).hexdigest()
                if self._store(kind, object_id, body, expect):
                    return _untagged(body)
                # Another writer changed it since it was read: read it again.

    def delete(self, kind: str, object_id: str) -> bool:
        objects, order = self._keys(kind)
        with self.link.reachable() as client:
            pipe = client.pipeline(transaction=True)
            pipe.hdel(objects, object_id)
            pipe.zrem(order, object_id)
            removed, _ = pipe.execute()
        return bool(removed)

    def values(self, kind: str) -> list[Any]:
        objects, order = self._keys(kind)
        with self.link.reachable() as client:
            pipe = client.pipeline(transaction=True)
            pipe.zrange(order, 0, -1)
            pipe.hgetall(objects)
            ids, bodies = pipe.execute()
        return [_untagged(bodies[i]) for i in ids if i in bodies]

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
        """The page :meth:`mockapi.state.sqlite.SQLiteStore.page` gives, read in one
        script (one snapshot)."""
        pairs: list[str] = []
        for field, wanted in (where or {}).items():
            if not _FIELD.fullmatch(field):
                raise ValueError(f"filter on a top-level field name, got {field!r}")
            pairs += [field, wanted]
        cursor = after if after is not None else before
        forward = before is None  # paging in the listed order (after, or no cursor)
        ascending = (order == "asc") == forward
        args = [cursor or "", "1" if ascending else "0", str(limit), *pairs]
        with self.link.reachable():
            found = self._page(keys=self._keys(kind), args=args)
        data = [_untagged(body) for body in found[1:]]
        return Page(data if forward else data[::-1], bool(found[0]))

    # -- blobs ---------------------------------------------------------------------

    def put_blob(self, key: str, data: bytes) -> None:
        _check_key(key)
        if len(data) > self._blob_limits.max_file_bytes:
            raise StateLimitError(key, len(data), self._blob_limits.max_file_bytes, scope="file")
        temporary = self._temporary()
        with self.link.reachable() as client:
            client.set(temporary, data, ex=TEMPORARY_SECONDS)
            self._commit(key, temporary, len(data))

    def put_blob_from(self, key: str, source: BinaryIO) -> int:
        """Append ``source`` to a temporary key chunk by chunk (never all in memory;
        over the per-file limit it stops there), then move it into place as
        :meth:`put_blob` does; its size."""
        _check_key(key)
        limit = self._blob_limits.max_file_bytes
        temporary = self._temporary()
        with self.link.reachable() as client:
            client.set(temporary, b"", ex=TEMPORARY_SECONDS)
            try:
                size = 0
                while chunk := source.read(BLOB_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise StateLimitError(key, size, limit, scope="file")
                    client.append(temporary, chunk)
            except BaseException:
                client.delete(temporary)
                raise
            self._commit(key, temporary, size)
        return size

    def _temporary(self) -> str:
        return self.link.key("state", "tmp", uuid.uuid4().hex)

    def _commit(self, key: str, temporary: str, size: int) -> None:
        keys = [temporary, self.link.key("state", "b", key), self._sizes, self._bytes]
        total = self._blob_limits.max_total_bytes
        kept, used = self._commit_blob(keys=keys, args=[key, size, total])
        if not kept:
            self._blob_limits.check(key, size, int(used))  # raises: over the total cap

    def get_blob(self, key: str) -> bytes | None:
        _check_key(key)
        with self.link.reachable() as client:
            found = client.get(self.link.key("state", "b", key))
        return cast("bytes | None", found)

    def delete_blob(self, key: str) -> bool:
        _check_key(key)
        keys = [self.link.key("state", "b", key), self._sizes, self._bytes]
        with self.link.reachable():
            return bool(self._delete_blob(keys=keys, args=[key]))

    def clear(self) -> None:
        with self.link.reachable():
            self._clear(keys=[], args=[self.link.prefix])


def _tagged(value: Any) -> bytes:
    """What Redis keeps of ``value``: a tag, then its JSON or its bytes."""
    kept = encode_value(value)
    return (_RAW if isinstance(value, bytes) else _JSON) + kept


def _untagged(body: bytes) -> Any:
    """The value :func:`_tagged` kept (a fresh copy)."""
    return bytes(body[1:]) if body[:1] == _RAW else decode_value(body[1:])


def _check_key(key: str) -> None:
    """The blob keys :class:`~mockapi.state.sqlite.SQLiteStore` takes, and only those:
    what works on one backend works on the other."""
    if not _KEY.fullmatch(key) or key.startswith("."):
        raise ValueError(
            f"a blob key is letters, digits, '_', '-' and '.' (a file id), got {key!r}"
        )
