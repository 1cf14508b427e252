"""The ``mockapi`` command line: its parser and every option's meaning and default."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from mockapi import __version__
from mockapi.config import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_STATE_BYTES,
    DEFAULT_POLL_AFTER_MS,
    DEFAULT_WEBHOOK_RETRY_DELAYS,
    OnMiss,
    RecordMode,
)
from mockapi.endpoints.assistants.sunset import FAMILIES as SUNSET_FAMILIES
from mockapi.errors import MockapiError


def build_parser() -> argparse.ArgumentParser:
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
        "--admin-api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only this admin key on /v1/organization routes (repeatable; "
        "default: any sk-admin- key)",
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
    serve.add_argument(
        "--sunset",
        action="append",
        default=[],
        choices=SUNSET_FAMILIES,
        metavar="FAMILY",
        help="answer a retired API family as the API has since its shutdown: 'assistants' "
        "(every /v1/assistants and /v1/threads route, shut down 2026-08-26; repeatable)",
    )
    _add_fault_options(serve)
    _add_state_options(serve)
    _add_webhook_options(serve)


def _add_webhook_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--webhook-url",
        action="append",
        default=[],
        metavar="URL",
        help="POST each finished job's webhook event (batch.completed, "
        "fine_tuning.job.succeeded, response.completed, ...) to URL, signed as the API "
        "signs them (repeatable; each with its own --webhook-secret, paired in order)",
    )
    serve.add_argument(
        "--webhook-secret",
        action="append",
        default=[],
        metavar="whsec_...",
        help="the signing secret of the --webhook-url given in the same position: whsec_ "
        "and base64, what client.webhooks.unwrap(..., secret=...) verifies with",
    )
    serve.add_argument(
        "--webhook-retry-delays",
        type=delays,
        default=DEFAULT_WEBHOOK_RETRY_DELAYS,
        metavar="SECONDS,...",
        help="seconds between a delivery's attempts while the receiver does not answer 2xx "
        "(default 0.5,1,2,4: 5 attempts; 'none' for one attempt only)",
    )


def delays(text: str) -> tuple[float, ...]:
    """Seconds between attempts from ``0.5,1,2,4`` (``none``: no retry)."""
    if text.strip().lower() == "none":
        return ()
    try:
        found = tuple(float(part) for part in text.split(","))
    except ValueError:
        found = (-1.0,)
    if any(not 0 <= delay <= 3600 for delay in found):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of delays: give seconds between 0 and 3600 separated "
            "by commas, e.g. 0.5,1,2,4, or 'none'"
        )
    return found


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
        type=state,
        default=None,
        metavar="PATH|redis://HOST:PORT/DB",
        help="keep what the server creates (files and their bytes, uploads, batches, stored "
        "completions and responses) in the SQLite database PATH, created if absent, bytes "
        "in PATH.blobs/: kept across restarts and shared by --workers (default: in "
        "memory; with --workers, a temporary database removed when the server stops); or "
        "in the Redis server at redis://HOST:PORT/DB, shared by replicas on several "
        "machines with the rate-limit buckets, fault counters and journal (pip install "
        "'mockapi[redis]')",
    )
    serve.add_argument(
        "--max-file-size",
        type=size,
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="SIZE",
        help="largest file an upload may store, e.g. 100KB, 20MB, 1GB or a number of bytes "
        "(KB, MB, GB count in 1024s; default 512MB, the API's limit)",
    )
    serve.add_argument(
        "--max-state-size",
        type=size,
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


def state(text: str) -> Path | str:
    """``--state``: a path (absolute) or a Redis URL (see ``mockapi.state.location``)."""
    from mockapi.state.location import state_location

    try:
        return state_location(text)
    except MockapiError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?", re.IGNORECASE)


def size(text: str) -> int:
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
