"""The ``mockapi`` commands: ``serve``, ``record``, ``import``, ``validate`` and
``schemas derive``, run from the parsed arguments (:mod:`mockapi.cli.parser`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from mockapi import __version__
from mockapi.cli.parser import build_parser
from mockapi.config import (
    OnMiss,
    RecordMode,
    Settings,
)
from mockapi.errors import MockapiError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mockapi`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
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
        admin_api_keys=frozenset(args.admin_api_key),
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
        # Absolute (parser.state): the banner names it, the same file to every worker.
        state_path=args.state if isinstance(args.state, Path) else None,
        state_url=args.state if isinstance(args.state, str) else None,
        max_file_bytes=args.max_file_size,
        max_state_bytes=args.max_state_size,
        poll_after_ms=args.poll_after_ms,
        webhooks=_webhooks(args.webhook_url, args.webhook_secret),
        webhook_retry_delays=args.webhook_retry_delays,
        sunset=frozenset(args.sunset),
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


def _webhooks(urls: Sequence[str], secrets: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--webhook-url`` and ``--webhook-secret`` paired in order, each checked; the
    errors name the URL and never quote a secret."""
    from mockapi.wire import webhooks

    if len(urls) != len(secrets):
        raise MockapiError(
            f"--webhook-url and --webhook-secret come in pairs: got {len(urls)} URL(s) and "
            f"{len(secrets)} secret(s); give one --webhook-secret whsec_... per --webhook-url"
        )
    pairs = tuple(zip(urls, secrets, strict=True))
    for url, secret in pairs:
        try:
            webhooks.target(url, secret)
        except ValueError as exc:
            raise MockapiError(f"--webhook-url/--webhook-secret: {exc}") from None
    return pairs


def _run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve ``settings`` (checked) until interrupted."""
    from mockapi import collector

    with collector.paused():  # the server's modules: no garbage, no collection passes
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
    if settings.webhooks:
        urls = ", ".join(url for url, _secret in settings.webhooks)
        print(f"webhooks: finished jobs' events to {urls}", file=sys.stderr)
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
        journal = "" if settings.state_url is not None else " journal and"
        line += f"; {workers} workers, each with its own{journal} run-time fixtures"
    return line


def _state_banner(settings: Settings, workers: int, *, kept: bool) -> str:
    """Where what the server creates (files, batches, stored objects) lives."""
    if settings.state_url is not None:
        from mockapi.state.location import shown

        return (
            f"state: {shown(settings.state_url)} (shared by every replica given it: objects, "
            "files, rate-limit buckets, fault counters and journal; kept as Redis keeps it)"
        )
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
