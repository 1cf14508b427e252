"""Plugins: Python modules that extend mockapi through a small set of hooks.

A plugin is a module (a file, a module name, or a name from the bundled ``plugins/``
folder) with a ``setup(api)`` function. ``api`` registers its hooks:

- ``@api.responder``: ``fn(request) -> response | None``, asked in load order when no
  fixture matched, before the on-miss rule. A response is a
  :class:`~mockapi.library.fixture.FixtureResponse` or a mapping in the fixture format
  (``{"body": ...}`` or ``{"events": [...]}``, optional ``status`` and ``headers``); it
  is completed and streamed like a fixture's.
- ``@api.matcher("name")``: a matcher for fixtures' ``match:`` blocks, a plain
  function ``fn(request_json, argument, fixture) -> list[Difference]``. It is
  registered on the :class:`Hooks`' own :class:`~mockapi.matching.matchers.Matchers`,
  not for the process: only a server built with these hooks accepts fixtures using it,
  and the same plugin can be loaded for two servers.
- ``@api.request_transform``: ``fn(body) -> body``, applied to every JSON request body
  before matching and before a recording's request is written (so both agree).
- ``@api.record_transform``: ``fn(entry) -> entry``, applied to a fixture entry (a
  mapping in the fixture format) just before a recording is written.

A plugin that fails to load stops start-up with its name and the cause. A hook that
raises never crashes the server: the request gets an OpenAI-shaped 500 with
``type: "mockapi_plugin_error"`` naming the plugin, and a failed record transform
means the exchange is not written (fail closed: nothing unscrubbed reaches disk).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from mockapi import resources
from mockapi.errors import APIError, FixtureError, MockapiError
from mockapi.library.fixture import FixtureResponse, parse_response
from mockapi.matching.matchers import BUILTIN, Matcher, Matchers, Preparer
from mockapi.model import JSON, Request

PLUGIN_ERROR = "mockapi_plugin_error"

Responder = Callable[[Request], Any]
RequestTransform = Callable[[JSON], JSON]
RecordTransform = Callable[[dict[str, Any]], dict[str, Any]]


class PluginError(MockapiError):
    """A plugin could not be found, imported or set up."""


@dataclass
class Hooks:
    """Every hook the loaded plugins registered, each with its plugin's name, and the
    matchers: the built-in ones plus the plugins' (what the server's index looks up)."""

    responders: list[tuple[str, Responder]] = field(default_factory=list)
    request_transforms: list[tuple[str, RequestTransform]] = field(default_factory=list)
    record_transforms: list[tuple[str, RecordTransform]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    matchers: Matchers = field(default_factory=Matchers)

    def respond(self, request: Request) -> tuple[str, FixtureResponse] | None:
        """The first responder's answer to ``request``, with the plugin's name."""
        for name, responder in self.responders:
            try:
                answer = responder(request)
            except Exception as exc:
                raise _failure(name, "responder", exc) from None
            if answer is None:
                continue
            if isinstance(answer, FixtureResponse):
                return name, answer
            try:
                return name, parse_response(answer, f"plugin {name!r} responder")
            except FixtureError as exc:
                raise _failure(name, "responder", exc) from None
        return None

    def transform_request(self, body: JSON) -> JSON:
        """``body`` after every request transform (the input is never modified)."""
        for name, transform in self.request_transforms:
            try:
                body = transform(body)
            except Exception as exc:
                raise _failure(name, "request transform", exc) from None
        return body

    def transform_record(self, entry: dict[str, Any]) -> dict[str, Any]:
        """``entry`` after every record transform; raises APIError if one fails."""
        for name, transform in self.record_transforms:
            try:
                entry = transform(entry)
            except Exception as exc:
                raise _failure(name, "record transform", exc) from None
        return entry


NO_HOOKS = Hooks(matchers=BUILTIN)
"""No plugins: shared, so its matchers are the read-only built-in registry."""


class PluginAPI:
    """What a plugin's ``setup(api)`` receives: decorators that register hooks."""

    def __init__(self, name: str, hooks: Hooks) -> None:
        self.name = name
        self.log = logging.getLogger(f"mockapi.plugins.{name}")
        self._hooks = hooks

    def responder(self, fn: Responder) -> Responder:
        self._hooks.responders.append((self.name, fn))
        return fn

    def request_transform(self, fn: RequestTransform) -> RequestTransform:
        self._hooks.request_transforms.append((self.name, fn))
        return fn

    def record_transform(self, fn: RecordTransform) -> RecordTransform:
        self._hooks.record_transforms.append((self.name, fn))
        return fn

    def matcher(
        self, name: str, *, prepare: Preparer | None = None, strength: int = 1
    ) -> Callable[[Matcher], Matcher]:
        """Register a matcher on these hooks' registry (see :meth:`Matchers.add`); a
        name already registered there (a built-in's, another plugin's) is an error."""
        return self._hooks.matchers.register(name, prepare=prepare, strength=strength)


def load_plugins(specs: Sequence[str]) -> Hooks:
    """Load each plugin named in ``specs`` (a path, a module name or a bundled name)."""
    if not specs:
        return NO_HOOKS
    hooks = Hooks()
    for spec in specs:
        module = _import(spec)
        name = Path(spec).stem if spec.endswith(".py") else spec.rsplit(".", 1)[-1]
        setup = getattr(module, "setup", None)
        if not callable(setup):
            raise PluginError(f"plugin {spec!r} has no setup(api) function; see plugins/README.md")
        try:
            setup(PluginAPI(name, hooks))
        except Exception as exc:
            raise PluginError(
                f"plugin {spec!r} failed in setup(): {type(exc).__name__}: {exc}"
            ) from exc
        hooks.names.append(name)
    return hooks


def _import(spec: str) -> ModuleType:
    path = Path(spec)
    if spec.endswith(".py") or "/" in spec:
        return _from_file(path, spec)
    bundled = _bundled_plugins() / f"{spec}.py"
    if bundled.is_file():
        return _from_file(bundled, spec)
    try:
        return importlib.import_module(spec)
    except ImportError as exc:
        raise PluginError(
            f"plugin {spec!r} not found: not a file, not a bundled plugin "
            f"({', '.join(sorted(p.stem for p in _bundled_plugins().glob('*.py')))}), "
            f"and not an importable module ({exc})"
        ) from None


def _from_file(path: Path, spec: str) -> ModuleType:
    if not path.is_file():
        raise PluginError(f"plugin {spec!r}: no such file {path}")
    module_spec = importlib.util.spec_from_file_location(f"mockapi_plugin_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise PluginError(f"plugin {spec!r}: {path} cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise PluginError(f"plugin {spec!r} failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _bundled_plugins() -> Path:
    try:
        return resources.bundled_dir("plugins")
    except MockapiError:
        return Path("/nonexistent")


def _failure(name: str, hook: str, exc: BaseException) -> APIError:
    return APIError(
        500,
        f"mockapi plugin {name!r} failed in its {hook}: {type(exc).__name__}: {exc}",
        type=PLUGIN_ERROR,
    )
