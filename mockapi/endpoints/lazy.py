"""A module imported on first use, for the imports a family needs only while it works.

A family's module is imported by the server's start-up (the jobs driver, the control
API) though most sessions never use it; what only its steps need (an eval's graders,
an assistants run's file search) is named here instead and imported the first time
an attribute of it is read, so a pytest session that answers one chat completion
does not pay for it. ``import`` under ``TYPE_CHECKING`` keeps the names typed::

    if TYPE_CHECKING:
        from mockapi.endpoints.evals import grading
    else:
        grading = lazy("mockapi.endpoints.evals.grading")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _Lazy:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            # import_module holds the import lock: two threads get the same module.
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first read."""
    return _Lazy(name)
