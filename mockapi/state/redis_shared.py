"""What replicas share on Redis besides the state store: fault counters, rate-limit
buckets and the journal.

With ``--state redis://...`` each replica keeps these in the same Redis as the objects
(:class:`~mockapi.state.redis.RedisLink`), each change one Lua script, so they hold
across the fleet as in one process:

- :class:`RedisFaultCounters` (``mockapi.faults.state.FaultCounters``): a fault with
  ``times=2`` fails two requests in all, whichever replicas they reach.
- :class:`RedisBuckets` (``mockapi.faults.ratelimit.Buckets``): the token buckets, refilled
  on the Redis server's clock (``TIME``, the same for every replica) and taken from in one
  script, so that concurrent requests on several replicas never take more than the bucket
  holds, as the real limiter behaves.
- :class:`RedisJournal` (``mockapi.replay.journal.JournalStore``): one capped list of
  entries, numbered by one counter, so every replica's journal lists what all received.

While Redis is down each raises the 503 of :meth:`RedisLink.unreachable`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import cast

from mockapi.state.redis import RedisLink

# Count one more request under ARGV[1]: {its number, 1 fired / 0 not / 2 to be rolled},
# where ARGV[2] is the most that may fire (-1: no bound) and ARGV[3] "1" fires it
# whenever the bound allows.
_TAKE_FAULT = """
local number = redis.call('HINCRBY', KEYS[1], ARGV[1], 1) - 1
local fired = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local times = tonumber(ARGV[2])
if times >= 0 and fired >= times then return {number, 0} end
if ARGV[3] ~= '1' then return {number, 2} end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return {number, 1}
"""

# Count ARGV[1] as fired unless ARGV[2] (>= 0) have fired already: 1 when counted.
_FIRE = """
local fired = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local times = tonumber(ARGV[2])
if times >= 0 and fired >= times then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
"""

_FORGET_FAULTS = """
for _, key in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(key, 1, #ARGV[1]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], key)
    redis.call('HDEL', KEYS[2], key)
  end
end
return 1
"""

# The token buckets of mockapi.faults.ratelimit (LocalBuckets.take), on the server's
# clock: ARGV rpm, tpm, requested. {outcome, requests level, tokens level}, the outcome
# numbered as ratelimit's TAKEN, TOO_LARGE, NO_REQUESTS, NO_TOKENS. A bucket untouched for
# a minute is full again, as one never made: its key then expires.
_TAKE_BUCKETS = """
local rpm, tpm, requested = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local kept = redis.call('HMGET', KEYS[1], 'calls', 'tokens', 'at')
local calls, tokens = rpm, tpm
if kept[3] then
  local elapsed = math.max(0, now - tonumber(kept[3]))
  calls = math.min(rpm, tonumber(kept[1]) + elapsed * rpm / 60)
  tokens = math.min(tpm, tonumber(kept[2]) + elapsed * tpm / 60)
end
local outcome = 0
if requested > tpm then outcome = 1
elseif calls < 1 - 1e-9 then outcome = 2
elseif tokens < requested - 1e-9 then outcome = 3
else
  calls = calls - 1
  tokens = tokens - requested
end
redis.call('HSET', KEYS[1], 'calls', string.format('%.17g', calls),
  'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], 61000)
return {outcome, string.format('%.17g', calls), string.format('%.17g', tokens)}
"""

# Append ARGV[1] (counted as ARGV[2] bytes) to the journal, then drop the oldest while
# more than one is kept and they are over ARGV[3] entries or ARGV[4] bytes.
_APPEND = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
local total = redis.call('INCRBY', KEYS[3], ARGV[2])
local maxlen, max_bytes = tonumber(ARGV[3]), tonumber(ARGV[4])
local count = redis.call('LLEN', KEYS[1])
while count > 1 and (count > maxlen or total > max_bytes) do
  redis.call('LPOP', KEYS[1])
  total = redis.call('DECRBY', KEYS[3], redis.call('LPOP', KEYS[2]))
  count = count - 1
end
return count
"""


class RedisFaultCounters:
    """The fault counters (seen and fired, per fault key) of a fleet, in two hashes."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._seen = link.key("faults", "seen")
        self._fired = link.key("faults", "fired")
        self._take = link.script(_TAKE_FAULT)
        self._fire = link.script(_FIRE)
        self._forget = link.script(_FORGET_FAULTS)

    def take(self, key: str, times: int | None, fires: Callable[[int], bool] | None) -> int:
        bound = -1 if times is None else times
        with self._link.reachable():
            number, fired = self._take(
                keys=[self._seen, self._fired], args=[key, bound, "1" if fires is None else "0"]
            )
            if fired == 2:  # the bound allows it: the seeded roll decides, then the count
                fired = (
                    fires is not None
                    and fires(number)
                    and self._fire(keys=[self._fired], args=[key, bound])
                )
        return int(number) if fired else -1

    def counts(self) -> dict[str, tuple[int, int]]:
        with self._link.reachable() as client:
            pipe = client.pipeline(transaction=True)
            pipe.hgetall(self._seen)
            pipe.hgetall(self._fired)
            seen, fired = pipe.execute()
        return {k.decode(): (int(n), int(fired.get(k, 0))) for k, n in seen.items()}

    def forget(self, prefix: str = "") -> None:
        with self._link.reachable() as client:
            if prefix:
                self._forget(keys=[self._seen, self._fired], args=[prefix])
            else:
                client.delete(self._seen, self._fired)


class RedisBuckets:
    """The rate limiter's token buckets of a fleet, one hash per API key and model."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._take = link.script(_TAKE_BUCKETS)

    def take(self, name: str, rpm: int, tpm: int, requested: int) -> tuple[int, float, float]:
        # Named by a digest: the API key in the name stays out of Redis's key list.
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        key = self._link.key("ratelimit", f"{rpm}:{tpm}", digest)
        with self._link.reachable():
            outcome, calls, tokens = self._take(keys=[key], args=[rpm, tpm, requested])
        return int(outcome), float(calls), float(tokens)

    def clear(self) -> None:
        with self._link.reachable() as client:
            found = list(client.scan_iter(match=self._link.key("ratelimit", "*"), count=1000))
            if found:
                client.delete(*found)


class RedisJournal:
    """The journal of a fleet: one capped list of entries and one sequence counter."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._seq = link.key("journal", "seq")
        self._entries = link.key("journal", "entries")
        self._sizes = link.key("journal", "sizes")
        self._bytes = link.key("journal", "bytes")
        self._append = link.script(_APPEND)

    def next_seq(self) -> int:
        with self._link.reachable() as client:
            return int(client.incr(self._seq))

    def append(self, record: bytes, size: int, *, maxlen: int, max_bytes: int) -> None:
        keys = [self._entries, self._sizes, self._bytes]
        with self._link.reachable():
            self._append(keys=keys, args=[record, size, maxlen, max_bytes])

    def records(self) -> list[bytes]:
        with self._link.reachable() as client:
            found = client.lrange(self._entries, 0, -1)
        return cast("list[bytes]", found)

    def usage(self) -> tuple[int, int]:
        with self._link.reachable() as client:
            pipe = client.pipeline(transaction=True)
            pipe.llen(self._entries)
            pipe.get(self._bytes)
            count, size = pipe.execute()
        return int(count), int(size or 0)

    def clear(self) -> None:
        with self._link.reachable() as client:
            client.delete(self._entries, self._sizes, self._bytes)
