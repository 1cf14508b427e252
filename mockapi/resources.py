"""Where the bundled ``fixtures/`` and ``schemas/`` live.

In a wheel they are mapped into the package as ``mockapi/_bundled/`` (hatch
``force-include``); in a source checkout or an editable install they are the top-level
folders beside the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from mockapi.errors import MockapiError

Bundle = Literal["fixtures", "schemas", "plugins"]


def bundled_dir(name: Bundle) -> Path:
    """The directory holding the bundled ``fixtures``, ``schemas`` or ``plugins``."""
    packaged = Path(str(resources.files("mockapi"))) / "_bundled" / name
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / name
    if source.is_dir():
        return source
    raise MockapiError(
        f"the bundled {name}/ directory is missing (looked in {packaged} and {source}); "
        "reinstall mockapi"
    )
