"""``mockapi serve --workers N``: several uvicorn processes over one fixture directory.

uvicorn's multi-process mode starts every worker afresh and builds its app from an
import string, so the :class:`~mockapi.config.Settings` travel to the workers as JSON
in the environment variable :data:`ENV`; ``mockapi.build.worker_app`` (the factory
uvicorn calls, :data:`FACTORY`) reads them and builds the server again in each worker.

What is shared: the socket (the kernel hands each connection to one worker), the
fixture directories and the state store. Recordings are safe across workers (each
file is created atomically, never overwritten outside mode ``all``, and a worker that
misses looks for what the others recorded before going upstream). What the server
creates (files, uploads, batches, stored completions and responses, the id counters
and the mock's clock) is in one SQLite database every worker opens: ``--state PATH``,
or else a temporary one (:func:`shared_state`), so an object created through one
worker is found through any other, and a reset through one clears it for all. What
is not shared: the journal, use counts and fixtures added through the admin API live
in one worker each.
"""

from __future__ import annotations

import enum
import os
import shutil
import tempfile
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import orjson

from mockapi.config import Settings
from mockapi.errors import MockapiError

ENV = "MOCKAPI_WORKER_CONFIG"
FACTORY = "mockapi.build:worker_app"
STATE_FILE = "state.db"
"""The name of the temporary database in :func:`shared_state`'s directory."""


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """``settings`` as plain JSON values (paths and enums as strings, sets as lists)."""
    return {f.name: _plain(getattr(settings, f.name)) for f in fields(settings)}


def settings_from_json(data: dict[str, Any]) -> Settings:
    """The :class:`Settings` that :func:`settings_to_json` wrote; unknown keys are errors."""
    hints = get_type_hints(Settings)
    names = {f.name for f in fields(Settings)}
    unknown = set(data) - names
    if unknown:
        raise MockapiError(f"{ENV}: unknown settings {sorted(unknown)}")
    return Settings(**{name: _typed(hints[name], value) for name, value in data.items()})


def run(settings: Settings, *, port: int, workers: int, log_level: str) -> None:
    """Serve ``settings`` on ``settings.host:port`` in ``workers`` processes."""
    from mockapi.web.server import serve_workers

    config = {"settings": settings_to_json(settings), "log_level": log_level}
    os.environ[ENV] = orjson.dumps(config).decode()
    serve_workers(FACTORY, host=settings.host, port=port, workers=workers, log_level=log_level)


@contextmanager
def shared_state(settings: Settings, workers: int) -> Iterator[Settings]:
    """``settings`` with a state database every worker can open: as they are when
    they name one (``--state``: a path or a Redis URL) or for one process (which keeps
    state in memory); else with ``state_path`` in a new temporary directory, removed
    with what is in it when the block exits (the server stopped)."""
    if workers < 2 or settings.state_path is not None or settings.state_url is not None:
        yield settings
        return
    directory = Path(tempfile.mkdtemp(prefix="mockapi-state-"))
    try:
        yield replace(settings, state_path=directory / STATE_FILE)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def worker_config() -> tuple[Settings, str]:
    """The settings and log level :func:`run` left in :data:`ENV` for each worker."""
    raw = os.environ.get(ENV)
    if not raw:
        raise MockapiError(f"{ENV} is not set: {FACTORY} is for `mockapi serve --workers N`")
    config = orjson.loads(raw)
    return settings_from_json(config["settings"]), str(config.get("log_level", "info"))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        [inner] = [arg for arg in get_args(hint) if arg is not type(None)]
        return _typed(inner, value)
    if origin in (tuple, frozenset):
        return origin(_typed(get_args(hint)[0], item) for item in value)
    if isinstance(hint, type) and issubclass(hint, (enum.Enum, Path)):
        return hint(value)
    return value
