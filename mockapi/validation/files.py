"""The derived JSON Schemas on disk: writing them from the spec, loading them back.

``derive_to_dir`` is what ``mockapi schemas derive --spec PATH --out DIR`` runs: it reads
the OpenAPI document, derives (``mockapi.validation.derive``, pure) and writes one
pretty, key-sorted JSON file per schema plus ``index.json``, atomically.
``load_schemas`` reads a schemas directory (the bundled one by default) into a
``SchemaSet`` for the validator and the synthesizers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockapi import resources
from mockapi.errors import FixtureError, MockapiError, SchemaError
from mockapi.library import store
from mockapi.validation import derive

_HINT = "run `mockapi schemas derive --spec PATH --out schemas/` (PATH: the OpenAI openapi.yaml)"


@dataclass(frozen=True)
class SchemaSet:
    """The index and the schema documents of one schemas directory.

    ``index`` is ``index.json`` as written by ``derive``: ``{"format", "source",
    "endpoints": {"POST /v1/chat/completions": {"request": "<file>", ...}}}``;
    ``documents`` maps each file name the index mentions to its parsed schema.
    """

    index: Mapping[str, Any]
    documents: Mapping[str, Mapping[str, Any]]
    source: str = ""

    @property
    def endpoints(self) -> list[str]:
        """The endpoints with at least one schema, e.g. ``"GET /v1/models"``."""
        return sorted(self.index.get("endpoints", {}))

    def file_for(self, endpoint: str, role: str) -> str | None:
        """The file name holding ``role`` (request, response, stream_event) of ``endpoint``."""
        name = self.index.get("endpoints", {}).get(endpoint, {}).get(role)
        return name if isinstance(name, str) else None

    def schema(self, endpoint: str, role: str) -> Mapping[str, Any] | None:
        """The schema document for ``role`` of ``endpoint``, or None when there is none."""
        name = self.file_for(endpoint, role)
        return self.documents.get(name) if name is not None else None


def dump_json(document: Mapping[str, Any]) -> bytes:
    """The committed form of a schema file: 2-space indent, sorted keys, final newline."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def derive_to_dir(spec_path: Path, out_dir: Path) -> list[Path]:
    """Derive every schema from the OpenAPI document at ``spec_path`` into ``out_dir``.

    Writes each file atomically and returns their paths (sorted); other files in
    ``out_dir`` are left alone. The output only depends on the spec's content, so
    deriving twice gives byte-identical files.
    """
    try:
        spec = store.read_yaml(spec_path)
    except FixtureError as exc:
        raise SchemaError(f"cannot read the OpenAPI document: {exc}") from None
    if not isinstance(spec, dict):
        raise SchemaError(
            f"{spec_path}: expected an OpenAPI document (a mapping with 'paths' and "
            f"'components'), got {type(spec).__name__}; pass the OpenAI openapi.yaml"
        )
    files = derive.derive(spec, source_name=spec_path.name)
    written = []
    for name in sorted(files):
        path = out_dir / name
        store.write_atomic(path, dump_json(files[name]))
        written.append(path)
    return written


class _Documents(Mapping[str, Mapping[str, Any]]):
    """Schema documents read from their files when first asked for: the bundled set is
    some 900 files, of which a server (or a test session) uses a few."""

    def __init__(self, directory: Path, names: Iterable[str]) -> None:
        self._directory = directory
        self._names = tuple(sorted(set(names)))
        self._known = frozenset(self._names)
        self._read: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        found = self._read.get(name)
        if found is None:
            if name not in self._known:
                raise KeyError(name)
            found = self._read[name] = _read_json(self._directory / name)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def load_schemas(directory: Path | None = None) -> SchemaSet:
    """Load ``index.json`` and the schemas it names from ``directory`` (default: bundled).

    A given directory's schemas are all read now, so that a broken file is reported at
    start-up; the bundled ones (checked by the test suite) each when first used.
    """
    lazy = directory is None
    if directory is None:
        try:
            directory = resources.bundled_dir("schemas")
        except MockapiError as exc:
            raise SchemaError(f"{exc}; or {_HINT}") from None
    if not directory.is_dir():
        raise SchemaError(f"{directory}: no such schemas directory; {_HINT}")
    index_path = directory / derive.INDEX_FILE
    if not index_path.is_file():
        raise SchemaError(
            f"{index_path}: missing, so {directory} holds no derived schemas; {_HINT}"
        )
    index = _read_json(index_path)
    if index.get("format") != derive.INDEX_FORMAT:
        raise SchemaError(
            f"{index_path}: format {index.get('format')!r}, this mockapi reads format "
            f"{derive.INDEX_FORMAT}; {_HINT}"
        )
    endpoints = index.get("endpoints")
    if not isinstance(endpoints, dict):
        raise SchemaError(f"{index_path}: no 'endpoints' mapping; {_HINT}")
    documents: dict[str, Mapping[str, Any]] = {}
    names: list[str] = []
    for endpoint, roles in sorted(endpoints.items()):
        if not isinstance(roles, dict):
            raise SchemaError(f"{index_path}: endpoint {endpoint!r} maps to {roles!r}; {_HINT}")
        for name in roles.values():
            if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
                raise SchemaError(f"{index_path}: {endpoint!r} names a bad file {name!r}; {_HINT}")
            if name not in documents and not lazy:
                path = directory / name
                if not path.is_file():
                    raise SchemaError(f"{path}: missing (named by {index_path}); {_HINT}")
                documents[name] = _read_json(path)
            names.append(name)
    source = index.get("source", {})
    note = f"{source.get('title', '?')} {source.get('version', '?')}" if source else ""
    found = _Documents(directory, names) if lazy else documents
    return SchemaSet(index=index, documents=found, source=note)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_bytes())
    except OSError as exc:
        raise SchemaError(f"{path}: cannot be read ({exc.strerror or exc}); {_HINT}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise SchemaError(f"{path}: not valid JSON ({exc}); {_HINT}") from None
    if not isinstance(value, dict):
        raise SchemaError(f"{path}: expected a JSON object, got {type(value).__name__}; {_HINT}")
    return value
