"""Building a ready :class:`~mockapi.replay.Replayer` from :class:`~mockapi.config.Settings`.

All the start-up work happens here, once: fixture files are read and indexed, schemas
are loaded and their validators compiled. Requests then do no file or schema work.
"""

from __future__ import annotations

from pathlib import Path

from mockapi import resources, store
from mockapi.config import Settings
from mockapi.replay import Replayer
from mockapi.schemafiles import load_schemas
from mockapi.validation import RequestValidator


def default_fixture_dirs() -> tuple[Path, ...]:
    """The bundled fixture library, used when no ``--fixtures`` directory is given."""
    return (resources.bundled_dir("fixtures"),)


def build_replayer(settings: Settings, *, schemas_dir: Path | None = None) -> Replayer:
    """Load fixtures and schemas for ``settings``; raises on broken files, naming them."""
    dirs = settings.fixture_dirs or default_fixture_dirs()
    fixtures = store.load_library(dirs)
    validator = RequestValidator(load_schemas(schemas_dir)) if settings.validate else None
    return Replayer(settings, fixtures, validator)
