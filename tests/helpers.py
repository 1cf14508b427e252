"""Shared test helpers: start a real mockapi server on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mockapi.app import create_app
from mockapi.config import OnMiss, Settings
from mockapi.loader import build_replayer, default_fixture_dirs
from mockapi.server import ServerThread

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def settings(**overrides: object) -> Settings:
    """Test settings: bundled fixtures, strict misses, no stream delays."""
    base: dict[str, object] = {
        "fixture_dirs": default_fixture_dirs(),
        "on_miss": OnMiss.ERROR,
        "honor_delays": False,
    }
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


@contextmanager
def running_server(**overrides: object) -> Iterator[ServerThread]:
    """A real server for ``settings(**overrides)``, stopped on exit."""
    replayer = build_replayer(settings(**overrides))
    server = ServerThread(create_app(replayer))
    server.replayer = replayer  # type: ignore[attr-defined]
    with server:
        yield server
