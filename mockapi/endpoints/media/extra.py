"""The optional media extra: whether PyAV is installed, and the error when it is not.

A request that needs a codec only PyAV has (``opus`` or ``aac`` speech, a video's MP4)
calls :func:`require_av` first; without the extra it is a 501 that names what to
install, so a test run without ``mockapi[media]`` learns why, not a traceback.
"""

from __future__ import annotations

import importlib

from mockapi.errors import APIError

EXTRA = "media"
INSTALL = "pip install 'mockapi[media]'"
"""How to install the extra (PyAV)."""
CODE = "media_extra_missing"


def require_av(purpose: str) -> None:
    """Return when PyAV can be imported; else the 501 naming the extra and ``purpose``
    (what the request asked for: ``"opus audio"``, ``"the video's MP4"``)."""
    try:
        importlib.import_module("av")
    except ImportError:
        raise missing(purpose) from None


def av_available() -> bool:
    """Whether PyAV can be imported (work that can wait, a video's render at completion,
    is done only then)."""
    try:
        importlib.import_module("av")
    except ImportError:
        return False
    return True


def missing(purpose: str) -> APIError:
    """The answer to a request that needs PyAV when it is not installed."""
    return APIError(
        501,
        f"mockapi needs PyAV (FFmpeg) to make {purpose}, and it is not installed. Install "
        f"the '{EXTRA}' extra ({INSTALL}) and restart the server, or answer this request "
        "from a recorded fixture.",
        type="server_error",
        code=CODE,
    )
