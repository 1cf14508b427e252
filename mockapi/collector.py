"""The garbage collector held off while mockapi builds what it keeps: a foundation module
(standard library only), so that every part may use it, the pytest plugin before it
imports anything else of mockapi.

Building a library and its index, or importing mockapi's server, makes hundreds of
thousands of objects and no garbage; every pass the collector makes meanwhile walks
them all again. With it on, indexing 10,000 recordings took twice as long, and
importing the server for a test session ran a full collection over everything the
session had made so far (0.02-0.1 s of its 0.15-0.25 s).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No garbage collection passes inside. Nests; the collector's state is restored."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
