"""The ``mockapi`` command: ``serve``, ``record``, ``validate`` and ``schemas derive``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockapi import __version__
from mockapi.config import DEFAULT_MAX_BODY_BYTES, OnMiss, RecordMode, Settings
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
    validate = commands.add_parser("validate", help="check fixture files and report problems")
    _add_fixture_dirs(validate)

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
        return _derive(args)
    except MockapiError as exc:
        print(f"mockapi: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace) -> int:
    from mockapi.app import create_app
    from mockapi.loader import build_recorder, build_replayer
    from mockapi.server import serve

    if args.max_body_size < 1:
        raise MockapiError(f"--max-body-size must be at least 1 byte, got {args.max_body_size}")
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
    )
    if args.command == "record" and not settings.fixture_dirs:
        settings = replace(settings, fixture_dirs=(Path("fixtures"),))
    if settings.record_mode is not RecordMode.NONE and not settings.fixture_dirs:
        raise MockapiError("recording needs a directory to write to: pass --fixtures DIR")
    replayer = build_replayer(settings)
    recorder = build_recorder(replayer.settings, replayer)
    recording = ""
    if recorder is not None:
        recording = (
            f", recording ({settings.record_mode.value}) from {recorder.upstream.base_url} "
            f"into {recorder.directory}"
        )
    print(
        f"mockapi {__version__}: {len(replayer.index)} fixtures, "
        f"on miss: {replayer.settings.on_miss.value}{recording}, "
        f"serving on http://{args.host}:{args.port}/v1",
        file=sys.stderr,
    )
    _configure_logging(args.log_level)
    app = create_app(replayer, recorder)
    serve(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(levelname)s:     %(name)s: %(message)s", stream=sys.stderr
    )


def _validate(args: argparse.Namespace) -> int:
    from mockapi import store
    from mockapi.loader import default_fixture_dirs

    dirs = tuple(args.fixtures) or default_fixture_dirs()
    fixtures = store.load_library(dirs)
    print(f"{len(fixtures)} fixtures OK in {', '.join(str(d) for d in dirs)}")
    return 0


def _derive(args: argparse.Namespace) -> int:
    from mockapi.schemafiles import derive_to_dir

    if not args.spec.is_file():
        raise MockapiError(f"--spec {args.spec}: no such file; pass the path of openapi.yaml")
    written = derive_to_dir(args.spec, args.out)
    print(f"wrote {len(written)} schema files to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
