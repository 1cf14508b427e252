"""What the library tests share: a fixture cache of their own, and a count of decodes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockapi.library import cache, store


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(root))
    monkeypatch.setattr(cache, "MIN_FILES", 1)
    return root


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """The files decoded from YAML (not taken from the cache), in order."""
    seen: list[Path] = []
    real = store.decode_yaml

    def counting(data: bytes, path: Path) -> Any:
        seen.append(path)
        return real(data, path)

    monkeypatch.setattr(store, "decode_yaml", counting)
    yield seen
