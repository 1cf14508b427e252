"""The ``mockapi`` command: ``serve``, ``record``, ``validate`` and ``schemas derive``."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockapi import __version__
from mockapi.config import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_STATE_BYTES,
    DEFAULT_POLL_AFTER_MS,
    OnMiss,
    RecordMode,
    Settings,
)
from mockapi.errors import MockapiError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockapi", description="A record-and-replay mock server for the OpenAI API."
    )
    parser.add_argument("--version", action="version", version=f"mockapi {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve fixtures on an OpenAI-compatible API")
    _add_server_options(serve)
    _add_fixture_dirs(serve)
    serve.add_argument(
        "--record",
        choices=[m.value for m in RecordMode],
        default=RecordMode.NONE.value,
        help="record mode (default none: never contact the upstream)",
    )
    _add_record_options(serve)

    record = commands.add_parser(
        "record", help="proxy to an upstream and record what misses (serve --record new_episodes)"
    )
    _add_server_options(record)
    record.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="fixture directory; recordings go to the first (default ./fixtures)",
    )
    record.add_argument(
        "--record",
        choices=[m.value for m in RecordMode if m is not RecordMode.NONE],
        default=RecordMode.NEW_EPISODES.value,
        help="record mode (default new_episodes)",
    )
    _add_record_options(record)
    _add_tool_commands(commands)
    return parser


def _add_server_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    serve.add_argument(
        "--on-miss",
        choices=[OnMiss.ERROR.value, OnMiss.SYNTHESIZE.value],
        default=OnMiss.SYNTHESIZE.value,
        help="what to answer when no fixture matches (default: synthesize)",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only this bearer token (repeatable; default: any non-empty key)",
    )
    serve.add_argument(
        "--max-body-size",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="BYTES",
        help=f"largest request body accepted, in bytes (default {DEFAULT_MAX_BODY_BYTES})",
    )
    serve.add_argument("--no-validate", action="store_true", help="skip request validation")
    serve.add_argument("--instant", action="store_true", help="ignore delay_ms in stream fixtures")
    serve.add_argument("--seed", type=int, default=0, help="seed for synthesized answers")
    serve.add_argument("--log-level", default="info", help="log level (default info)")
    serve.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="NAME_OR_PATH",
        help="load a plugin: a bundled name (echo, scrub_pii), a module or a .py file",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages of ORIGIN call the API, e.g. http://localhost:5173 "
        "(repeatable; default: any origin, *)",
    )
    serve.add_argument("--no-cors", action="store_true", help="send no CORS headers")
    serve.add_argument(
        "--admin-token",
        default=os.environ.get("MOCKAPI_ADMIN_TOKEN") or None,
        metavar="TOKEN",
        help="require this token on the admin API and inspector; needed to use them when "
        "--host is not loopback (default: $MOCKAPI_ADMIN_TOKEN)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve from N processes sharing the fixture directories and the state (default 1)",
    )
    _add_fault_options(serve)
    _add_state_options(serve)


def _add_fault_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault into every request it matches, e.g. 'status=503; times=2' or "
        "'latency=200ms; path=/v1/chat/*' (repeatable; the first that fires applies)",
    )
    serve.add_argument(
        "--chaos",
        type=float,
        default=None,
        metavar="P",
        help="fail each request with probability P with one of 429, 500, 502, 503, a reset "
        "or a cut stream (seeded by --fault-seed: same seed, same faults)",
    )
    serve.add_argument(
        "--fault-seed", type=int, default=None, metavar="N", help="seed of --chaos (default --seed)"
    )
    serve.add_argument(
        "--rate-limit",
        default=None,
        metavar="SPEC",
        help="limit requests per API key and model like the real API, e.g. 'rpm=3,tpm=1000'",
    )


def _add_state_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="PATH",
        help="keep what the server creates (files and their bytes, uploads, batches, stored "
        "completions and responses) in the SQLite database PATH, created if absent, bytes "
        "in PATH.blobs/: kept across restarts and shared by --workers (default: in "
        "memory; with --workers, a temporary database removed when the server stops)",
    )
    serve.add_argument(
        "--max-file-size",
        type=_size,
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="SIZE",
        help="largest file an upload may store, e.g. 100KB, 20MB, 1GB or a number of bytes "
        "(KB, MB, GB count in 1024s; default 512MB, the API's limit)",
    )
    serve.add_argument(
        "--max-state-size",
        type=_size,
        default=DEFAULT_MAX_STATE_BYTES,
        metavar="SIZE",
        help="total of all stored file bytes; an upload past it is refused with an error "
        "saying so (default 2GB)",
    )
    serve.add_argument(
        "--poll-after-ms",
        type=int,
        default=DEFAULT_POLL_AFTER_MS,
        metavar="MS",
        help="the openai-poll-after-ms header on a retrieve of an unfinished batch or job: how "
        f"long the SDK's pollers wait before retrieving again (default {DEFAULT_POLL_AFTER_MS})",
    )


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?", re.IGNORECASE)


def _size(text: str) -> int:
    """A size in bytes from ``512MB``, ``1.5GB``, ``100KB``, ``100KiB``, ``2G`` or ``4096``
    (KB, MB and GB count in 1024s, as the API's 512 MB file limit does)."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: give a number of bytes or one with a unit, "
            "e.g. 4096, 100KB, 512MB or 1GB"
        )
    number, unit, _ = found.groups()
    size = int(float(number) * _UNITS[(unit or "").lower()])
    if size < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a size must be at least 1 byte")
    return size


def _add_record_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", metavar="URL", help="the API to proxy to when recording")
    parser.add_argument(
        "--upstream-key-env",
        metavar="NAME",
        help="send the key in this environment variable upstream (default: the client's own)",
    )
    parser.add_argument(
        "--upstream-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for the upstream (default 600)",
    )
    parser.add_argument(
        "--no-record-errors",
        action="store_true",
        help="do not record upstream 4xx/5xx answers (they are still passed through)",
    )
    parser.add_argument(
        "--redact-header",
        action="append",
        default=[],
        metavar="NAME",
        help="also redact this header in recordings (repeatable)",
    )
    parser.add_argument(
        "--redact-path",
        action="append",
        default=[],
        metavar="PATH",
        help="also redact this JSON path in recorded bodies, e.g. metadata.email (repeatable)",
    )


def _add_tool_commands(commands: Any) -> None:
    importer = commands.add_parser(
        "import", help="convert VCR.py / pytest-recording / Ruby VCR cassettes into fixtures"
    )
    importer.add_argument("cassettes", nargs="+", type=Path, metavar="CASSETTE")
    importer.add_argument(
        "--fixtures",
        type=Path,
        default=Path("fixtures"),
        metavar="DIR",
        help="where to write the fixture files (default ./fixtures)",
    )
    importer.add_argument(
        "--host",
        action="append",
        default=[],
        help="also import interactions with this host (default: OpenAI's and Azure OpenAI's)",
    )
    importer.add_argument("--force", action="store_true", help="replace files that differ")
    importer.add_argument(
        "--redact-header", action="append", default=[], metavar="NAME", help="also redact"
    )
    importer.add_argument(
        "--redact-path", action="append", default=[], metavar="PATH", help="also redact"
    )
    importer.add_argument(
        "--plugin", action="append", default=[], metavar="NAME_OR_PATH", help="load a plugin"
    )

    validate = commands.add_parser(
        "validate",
        help="lint fixture files: format, matchers, templates, response schemas",
        description="Lint fixture files and print each problem as 'file:line: message'; "
        "exit 1 if there is any.",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="fixture files or directories (default: the bundled fixtures)",
    )
    _add_fixture_dirs(validate)
    validate.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="NAME_OR_PATH",
        help="load a plugin, so fixtures may use its matchers (repeatable)",
    )

    schemas = commands.add_parser("schemas", help="derive JSON Schemas from the OpenAPI spec")
    schema_commands = schemas.add_subparsers(dest="schemas_command", required=True)
    derive = schema_commands.add_parser("derive", help="write one JSON Schema per body")
    derive.add_argument("--spec", type=Path, required=True, help="the OpenAI openapi.yaml")
    derive.add_argument("--out", type=Path, required=True, help="output directory")


def _add_fixture_dirs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="fixture directory (repeatable; default: the bundled fixtures)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mockapi`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command in ("serve", "record"):
            return _serve(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "import":
            return _import(args)
        return _derive(args)
    except MockapiError as exc:
        print(f"mockapi: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace) -> int:
    if args.max_body_size < 1:
        raise MockapiError(f"--max-body-size must be at least 1 byte, got {args.max_body_size}")
    if args.workers < 1:
        raise MockapiError(f"--workers must be at least 1, got {args.workers}")
    if args.no_cors and args.cors_origin:
        raise MockapiError("--no-cors and --cors-origin contradict each other; pass one")
    if args.poll_after_ms < 0:
        raise MockapiError(f"--poll-after-ms must be 0 or more, got {args.poll_after_ms}")
    fault_rules = tuple(args.fault)
    if args.chaos is not None:
        if not 0 <= args.chaos <= 1:
            raise MockapiError(f"--chaos must be a probability between 0 and 1, got {args.chaos}")
        fault_rules += (f"chaos={args.chaos}",)
    settings = Settings(
        fixture_dirs=tuple(args.fixtures),
        on_miss=OnMiss(args.on_miss),
        api_keys=frozenset(args.api_key),
        validate=not args.no_validate,
        max_body_bytes=args.max_body_size,
        honor_delays=not args.instant,
        seed=args.seed,
        record_mode=RecordMode(args.record),
        upstream_url=args.upstream,
        upstream_key_env=args.upstream_key_env,
        upstream_timeout=args.upstream_timeout,
        record_errors=not args.no_record_errors,
        redact_headers=frozenset(args.redact_header),
        redact_paths=tuple(args.redact_path),
        plugins=tuple(args.plugin),
        host=args.host,
        admin_token=args.admin_token,
        cors_origins=() if args.no_cors else tuple(args.cors_origin) or ("*",),
        faults=fault_rules,
        fault_seed=args.fault_seed,
        rate_limit=args.rate_limit,
        # Absolute: the banner names it, and it means the same file to every worker.
        state_path=args.state.expanduser().absolute() if args.state else None,
        max_file_bytes=args.max_file_size,
        max_state_bytes=args.max_state_size,
        poll_after_ms=args.poll_after_ms,
    )
    if args.command == "record" and not settings.fixture_dirs:
        settings = replace(settings, fixture_dirs=(Path("fixtures"),))
    if settings.record_mode is not RecordMode.NONE and not settings.fixture_dirs:
        raise MockapiError("recording needs a directory to write to: pass --fixtures DIR")
    from mockapi.web import workers

    # Several workers share one state database: --state's, or a temporary one that
    # goes when they stop.
    with workers.shared_state(settings, args.workers) as settings:
        return _run(args, settings)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve ``settings`` (checked) until interrupted."""
    from mockapi.build import build
    from mockapi.web import workers
    from mockapi.web.server import serve

    # With an upstream and a directory, a recorder is ready even in mode none, so that
    # the admin API can switch record modes at run time.
    built = build(settings)
    from mockapi.wire import tokens

    tokens.warm_in_background()  # the first synthesized answer need not wait ~1 s for it
    control = built.control
    recording = ""
    if control.can_record and control.record_mode is RecordMode.NONE:
        recording = f", upstream {control.upstream_url} (record mode none)"
    elif control.can_record:
        recording = (
            f", recording ({settings.record_mode.value}) from {control.upstream_url} "
            f"into {control.record_dir}"
        )
    limits = control.rate_limit
    if control.fault_rules or limits is not None:
        rules = "; ".join(f"[{rule.describe(when=True)}]" for rule in control.fault_rules)
        limited = f", rate limit rpm={limits.rpm} tpm={limits.tpm}" if limits else ""
        print(f"mockapi: fault rules {rules or 'none'}{limited}", file=sys.stderr)
    print(
        f"mockapi {__version__}: {control.fixture_count()} fixtures, "
        f"on miss: {control.on_miss.value}{recording}, "
        f"serving on http://{args.host}:{args.port}/v1",
        file=sys.stderr,
    )
    print(_admin_banner(settings, args.port, args.workers), file=sys.stderr)
    print(_state_banner(settings, args.workers, kept=args.state is not None), file=sys.stderr)
    _configure_logging(args.log_level)
    if args.workers > 1:
        built.close()  # each worker opens its own connections to the state database
        workers.run(settings, port=args.port, workers=args.workers, log_level=args.log_level)
        return 0
    try:
        serve(
            built.app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            on_shutdown=built.close,
        )
    finally:
        built.close()  # also when serving failed (the port in use)
    return 0


def _admin_banner(settings: Settings, port: int, workers: int) -> str:
    from mockapi.web.admin import ADMIN_PREFIX, is_loopback

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    inspector = f"http://{host}:{port}{ADMIN_PREFIX}/"
    if settings.admin_token is None and not is_loopback(settings.host):
        line = f"admin API and inspector disabled on {settings.host}: set --admin-token TOKEN"
    elif settings.admin_token is not None:
        line = f"inspector: {inspector}?token=TOKEN (admin API needs the admin token)"
    else:
        line = f"inspector: {inspector}"
    if workers > 1:
        line += f"; {workers} workers, each with its own journal and run-time fixtures"
    return line


def _state_banner(settings: Settings, workers: int, *, kept: bool) -> str:
    """Where what the server creates (files, batches, stored objects) lives."""
    path = settings.state_path
    if path is None:
        return "state: in memory, gone when the server stops (--state PATH keeps it)"
    shared = f", shared by the {workers} workers" if workers > 1 else ""
    if kept:
        return f"state: {path} (kept across restarts{shared})"
    return f"state: {path} (temporary{shared}; removed when the server stops)"


def _import(args: argparse.Namespace) -> int:
    from mockapi.plugins import load_plugins
    from mockapi.recording import redaction
    from mockapi.recording.importer import import_cassettes

    rules = redaction.RedactionRules(
        extra_headers=frozenset(h.lower() for h in args.redact_header),
        json_paths=tuple(args.redact_path),
    )
    report = import_cassettes(
        args.cassettes,
        args.fixtures,
        hosts=args.host,
        force=args.force,
        rules=rules,
        hooks=load_plugins(args.plugin),
    )
    for line in report.lines:
        print(line)
    print(
        f"{report.imported} interaction(s) imported, {report.skipped} skipped, "
        f"{report.failed_files} file(s) unreadable"
    )
    return 1 if report.failed_files else 0


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(levelname)s:     %(name)s: %(message)s", stream=sys.stderr
    )


def _validate(args: argparse.Namespace) -> int:
    from mockapi.build import default_fixture_dirs
    from mockapi.lint import lint_paths
    from mockapi.plugins import load_plugins
    from mockapi.validation.files import load_schemas
    from mockapi.validation.validator import RequestValidator

    paths = [*args.paths, *args.fixtures] or list(default_fixture_dirs())
    matchers = load_plugins(args.plugin).matchers
    report = lint_paths(paths, RequestValidator(load_schemas()), matchers=matchers)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(f"{report.summary()} ({', '.join(str(p) for p in paths)})")
    return 0 if report.ok else 1


def _derive(args: argparse.Namespace) -> int:
    from mockapi.validation.files import derive_to_dir

    if not args.spec.is_file():
        raise MockapiError(f"--spec {args.spec}: no such file; pass the path of openapi.yaml")
    written = derive_to_dir(args.spec, args.out)
    print(f"wrote {len(written)} schema files to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
