"""``mockapi import``: VCR.py / pytest-recording / Ruby VCR cassettes into fixture files.

Each cassette becomes one fixture file, ``DIR/<cassette folder>/<cassette name>.yaml``,
written through the same redaction and layout as a recording (:mod:`mockapi.recording.capture`).
Identical requests in one cassette become a sequence, so they replay in order.
Importing again writes nothing when the result is the same; a file that differs
(edited by hand since) is kept unless ``force`` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockapi import __version__
from mockapi.errors import CassetteError, FixtureError, NotRecordable
from mockapi.library import store
from mockapi.library.fixture import FORMAT_VERSION
from mockapi.plugins import NO_HOOKS, Hooks
from mockapi.recording import redaction
from mockapi.recording.capture import Captured, merge_entry, to_entry
from mockapi.recording.cassettes import Interaction, interactions
from mockapi.wire.sse import decode_events

OPENAI_HOSTS = ("api.openai.com",)
OPENAI_HOST_SUFFIXES = (".openai.azure.com",)


@dataclass
class ImportReport:
    """What happened to each interaction and file, in order, as printable lines."""

    lines: list[str] = field(default_factory=list)
    imported: int = 0
    skipped: int = 0
    failed_files: int = 0


def import_cassettes(
    paths: Iterable[Path],
    out_dir: Path,
    *,
    hosts: Iterable[str] = (),
    force: bool = False,
    rules: redaction.RedactionRules = redaction.DEFAULT_RULES,
    hooks: Hooks = NO_HOOKS,
) -> ImportReport:
    report = ImportReport()
    allowed = {*OPENAI_HOSTS, *hosts}
    for path in paths:
        try:
            document = store.read_yaml(path)
            entries = _entries(path, document, allowed, rules, hooks, report)
        except (FixtureError, CassetteError) as exc:
            report.failed_files += 1
            report.lines.append(f"{path}: not imported: {exc}")
            continue
        if not entries:
            report.lines.append(f"{path}: nothing to import")
            continue
        target = out_dir / path.parent.name / f"{path.stem}.yaml"
        data = store.dump_yaml({"version": FORMAT_VERSION, "fixtures": entries})
        report.lines.append(f"{path}: {_write(target, data, force=force)}")
    return report


def _entries(
    path: Path,
    document: Any,
    allowed: set[str],
    rules: redaction.RedactionRules,
    hooks: Hooks,
    report: ImportReport,
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for item in interactions(document):
        if isinstance(item, tuple):
            index, reason = item
            _skip(report, path, index, reason)
            continue
        if not _is_openai(item.host, allowed):
            _skip(report, path, item.index, f"host {item.host!r} is not an OpenAI host")
            continue
        meta = {
            "imported_from": f"{path.parent.name}/{path.name}#{item.index}",
            "mockapi": __version__,
        }
        if item.recorded_at:
            meta["recorded_at"] = item.recorded_at
        try:
            entry, _ = to_entry(_captured(item), meta=meta, rules=rules, hooks=hooks)
        except NotRecordable as exc:
            _skip(report, path, item.index, str(exc))
            continue
        merge_entry(entries, entry)
        report.imported += 1
        report.lines.append(
            f"{path}#{item.index}: imported {item.method} {item.path} -> {item.status}"
        )
    return entries


def _captured(item: Interaction) -> Captured:
    events = None
    if item.content_type.startswith("text/event-stream"):
        events = decode_events(item.body)
    return Captured(
        item.method,
        item.path,
        item.request_json,
        item.status,
        item.headers,
        item.content_type,
        item.body,
        events,
    )


def _is_openai(host: str, allowed: set[str]) -> bool:
    return host in allowed or host.endswith(OPENAI_HOST_SUFFIXES)


def _skip(report: ImportReport, path: Path, index: int, reason: str) -> None:
    report.skipped += 1
    report.lines.append(f"{path}#{index}: skipped: {reason}")


def _write(target: Path, data: bytes, *, force: bool) -> str:
    if target.exists():
        if target.read_bytes() == data:
            return f"unchanged {target}"
        if not force:
            return (
                f"kept {target}: it differs from this import (edited by hand?); "
                "pass --force to replace it"
            )
        store.write_atomic(target, data)
        return f"replaced {target}"
    if not store.create_new(target, data):
        return f"kept {target}: created by someone else meanwhile"
    return f"wrote {target}"
