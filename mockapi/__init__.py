"""mockapi: a record-and-replay mock server for the OpenAI API, for tests.

The public API, importable from ``mockapi`` itself (everything else is internal and may
move between releases):

- the data a plugin or a test sees: :class:`Request` (with its :class:`FilePart`
  uploads), :class:`Response`, :class:`SSEEvent`;
- the settings: :class:`Settings`, :class:`RecordMode`, :class:`OnMiss`;
- the errors to catch: :class:`MockapiError` and below it :class:`FixtureError` (and
  its :class:`FaultSpecError`, also what ``mockapi.fault("...")`` raises in a test),
  :class:`LibraryError`, :class:`SchemaError`, :class:`PluginError`, :class:`APIError`;
- for plugins (see ``plugins/README.md``): :class:`PluginAPI` (what ``setup(api)``
  receives), :class:`Hooks` (what the loaded plugins registered), :class:`Difference`
  (what a matcher returns) and :class:`Fixture` (what it is given);
- for tests: :class:`MockapiHandle`, the type of the pytest plugin's ``mockapi`` fixture.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.errors import (
    APIError,
    FaultSpecError,
    FixtureError,
    LibraryError,
    MockapiError,
    SchemaError,
)
from mockapi.model import FilePart, Request, Response, SSEEvent

if TYPE_CHECKING:
    from mockapi.library.fixture import Fixture
    from mockapi.matching.diff import Difference
    from mockapi.plugins import Hooks, PluginAPI, PluginError
    from mockapi.testing import MockapiHandle

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "Difference",
    "FaultSpecError",
    "FilePart",
    "Fixture",
    "FixtureError",
    "Hooks",
    "LibraryError",
    "MockapiError",
    "MockapiHandle",
    "OnMiss",
    "PluginAPI",
    "PluginError",
    "RecordMode",
    "Request",
    "Response",
    "SSEEvent",
    "SchemaError",
    "Settings",
    "__version__",
]

# Imported on first use: these modules pull in the fixture library, the matchers or the
# web server, and pytest imports ``mockapi`` in every session that has the plugin
# installed, used or not (tests/plugin checks that an unused plugin starts nothing).
_LAZY: dict[str, str] = {
    "Difference": "mockapi.matching.diff",
    "Fixture": "mockapi.library.fixture",
    "Hooks": "mockapi.plugins",
    "MockapiHandle": "mockapi.testing",
    "PluginAPI": "mockapi.plugins",
    "PluginError": "mockapi.plugins",
}


if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            # AttributeError (not ImportError): ``from mockapi import resources`` relies
            # on it to fall back to importing the submodule.
            raise AttributeError(f"module 'mockapi' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later lookups skip this function
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
