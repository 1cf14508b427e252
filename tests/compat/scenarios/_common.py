"""What every compatibility scenario script shares: arguments, checks and the JSON report.

A scenario script runs in its framework's virtual environment (tests/compat/build.sh),
not in mockapi's, so this module uses the standard library only. A script calls
:func:`main` with its scenarios; each scenario is a function of the server's base URL
(``http://127.0.0.1:PORT/v1``) that drives the framework the way an application does
and returns what it observed. :func:`main` prints one JSON document::

    {"framework": "...", "versions": {"package": "1.2.3", ...},
     "scenarios": {"name": {"ok": true, "seconds": 0.4, ...observations}, ...}}

and exits 1 when a scenario failed, naming each failure on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from typing import Any

API_KEY = "sk-test-mockapi"
MODEL = "gpt-4o-mini"
EMBEDDING_MODEL = "text-embedding-3-small"
EMBEDDING_DIMENSIONS = 1536
WEATHER_QUESTION = "What is the weather in Paris?"

Scenario = Callable[[str], dict[str, Any]]


class ScenarioFailed(AssertionError):
    """A framework did not get what an application relies on."""


def expect(condition: object, message: str) -> None:
    """Fail the scenario with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ScenarioFailed(message)


class Calls:
    """Records each call of a scenario's tool, so a scenario can say how many it made."""

    def __init__(self) -> None:
        self.arguments: list[dict[str, Any]] = []

    def weather(self, city: str) -> str:
        """The tool body: a fixed forecast for ``city``, as a tool would return it."""
        self.arguments.append({"city": city})
        return json.dumps({"city": city, "temperature_c": 21, "conditions": "sunny"})

    @property
    def count(self) -> int:
        return len(self.arguments)


def main(framework: str, packages: list[str], scenarios: dict[str, Scenario]) -> None:
    """Run ``scenarios`` (or the ones named by ``--only``) and report them as JSON."""
    parser = argparse.ArgumentParser(description=f"{framework} against a mockapi server")
    parser.add_argument("base_url", help="the server's OpenAI base URL, ending in /v1")
    parser.add_argument("--only", action="append", default=[], help="run this scenario only")
    args = parser.parse_args()
    unknown = sorted(set(args.only) - set(scenarios))
    if unknown:
        parser.error(f"no scenario {unknown[0]!r}; known: {', '.join(scenarios)}")
    results: dict[str, dict[str, Any]] = {}
    for name, scenario in scenarios.items():
        if args.only and name not in args.only:
            continue
        started = time.monotonic()
        try:
            observed = scenario(args.base_url.rstrip("/"))
            results[name] = {"ok": True, **observed}
        except Exception as exc:  # every failure is reported, not raised: the others run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            results[name] = {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}"[:3000],
                "at": f"{where.filename}:{where.lineno}",
            }
        results[name]["seconds"] = round(time.monotonic() - started, 2)
    versions = {package: metadata.version(package) for package in packages}
    report = {"framework": framework, "versions": versions, "scenarios": results}
    print(json.dumps(report, indent=2, default=str))
    failed = {name: r for name, r in results.items() if not r["ok"]}
    for name, result in failed.items():
        print(f"{framework} scenario {name} failed: {result['error']}", file=sys.stderr)
    if failed:
        sys.exit(1)
