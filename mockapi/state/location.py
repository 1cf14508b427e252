"""Where the state store is: a SQLite database's path, or a Redis server's URL.

``--state`` (and the pytest plugin's ``--mockapi-state`` / ``mockapi_state``) takes
either: ``./state.db`` for one machine (``--workers N`` share it), or
``redis://HOST:PORT/DB`` (``rediss://`` over TLS) for replicas on several machines
(:mod:`mockapi.state.redis`). Read here without importing the Redis client, which is
the optional ``mockapi[redis]`` extra.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mockapi.errors import MockapiError

REDIS_SCHEMES = ("redis", "rediss")
"""URL schemes of a Redis state store."""


def state_location(text: str) -> Path | str:
    """``text`` as a path (absolute, ``~`` expanded: it means the same file to every
    worker) or a Redis URL (as given); MockapiError, starting with what it names (the
    caller puts the option's name before it), for a URL of another scheme or a Redis URL
    without a host."""
    if "://" not in text:
        return Path(text).expanduser().absolute()
    parts = urlsplit(text)
    if parts.scheme.lower() not in REDIS_SCHEMES:
        raise MockapiError(
            f"{shown(text)}: a state store is a SQLite database's path (./state.db) "
            f"or a Redis URL (redis://HOST:PORT/DB), not a {parts.scheme}:// URL"
        )
    try:
        parts.port  # noqa: B018 (read for its ValueError)
    except ValueError:
        raise MockapiError(
            f"{shown(text)}: the port is not a number; e.g. redis://127.0.0.1:6379/0"
        ) from None
    database = parts.path.strip("/")
    if not parts.hostname or (database and not database.isdigit()):
        raise MockapiError(
            f"{shown(text)}: a Redis URL names a host and, after it, a database "
            "number: redis://HOST:PORT/DB, e.g. redis://127.0.0.1:6379/0"
        )
    return text


def shown(url: str) -> str:
    """``url`` as it may be printed: a password in it masked."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
