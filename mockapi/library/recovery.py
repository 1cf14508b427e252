"""Start-up recovery: finish or remove what interrupted writes left in a fixture directory.

A process killed between writing a recording and linking it into place (``kill -9``, a
power cut, the OOM killer) leaves its staged temp file (see
:mod:`mockapi.library.staging`), and perhaps the lock file of its claim. Such files are
hidden, so they are never loaded as fixtures, but the recording in them would be lost
and the files would stay forever. :func:`recover` runs at start-up, before the library
is loaded:

- a temp file that is complete (its content matches the digest in its name), parses as
  a fixture file (for ``.yaml``/``.yml`` targets) and whose target does not exist is
  **finished**: linked into place, as its writer would have;
- any other one (cut short, unparseable, its target written since) is **removed**;
- a lock file no live process holds is removed.

Files a live process is writing or holds (another worker, a second recorder on the same
directory) are left alone: their writers hold a lock on them. Each action is one log
line. Binary answers are finished before the fixture files that name them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mockapi.errors import FixtureError
from mockapi.library import staging, store

log = logging.getLogger("mockapi.library.recovery")


def recover(directory: Path) -> list[str]:
    """Finish or remove what interrupted writes left under ``directory``; one line per
    action is logged and returned. Never raises for a file it cannot handle: it says so."""
    if not directory.is_dir():
        return []
    said: list[str] = []
    temps = [path for path in staging.temp_files(directory) if not _hidden_dir(path, directory)]
    # A fixture file parses only once the body files it names are in place.
    temps.sort(key=lambda path: _is_fixture_file(path.name.removesuffix(".tmp")))
    for temp in temps:
        with staging.leftover(temp) as found:
            if found is not None:
                said.append(_settle(found))
    for lock in staging.lock_files(directory):
        if not _hidden_dir(lock, directory) and staging.remove_abandoned(lock) == "removed":
            said.append(f"removed {lock}: the claim of a process that is gone")
    for line in said:
        log.warning("%s", line)
    return said


def _settle(found: staging.Leftover) -> str:
    """Finish ``found`` or remove it; what was done, in words."""
    temp, target = found.temp, found.target
    fixture = _is_fixture_file(target.name)
    why = ""
    if target.exists():
        why = f"{target.name} has been written since"
    elif found.complete is False:
        why = "it was cut short (its content does not match the digest in its name)"
    elif found.complete is None and not fixture:
        why = "whether it is complete cannot be told (it was named without a digest)"
    elif fixture:
        try:
            store.load_file(temp)
        except FixtureError as exc:
            why = f"it is not a fixture file mockapi can load ({exc.problem})"
    if not why:
        try:
            os.link(temp, target)  # never over a file written meanwhile
        except FileExistsError:
            why = f"{target.name} has been written since"
        except OSError as exc:
            return f"cannot finish {temp} as {target}: {exc.strerror or exc}; move it by hand"
    try:
        temp.unlink()
    except OSError as exc:
        return f"cannot remove {temp}: {exc.strerror or exc}; remove it by hand"
    if why:
        return f"removed {temp}, left by an interrupted write: {why}"
    return f"finished an interrupted recording: {temp.name} -> {target}"


def _is_fixture_file(name: str) -> bool:
    return name.endswith(store.FIXTURE_SUFFIXES)


def _hidden_dir(path: Path, directory: Path) -> bool:
    """Whether ``path`` is inside a hidden folder of ``directory`` (``.git``: not ours)."""
    return any(part.startswith(".") for part in path.relative_to(directory).parts[:-1])
