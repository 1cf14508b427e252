"""What a correction of the spec is: :class:`Patch` (one component schema changed before
it is converted) and :class:`MediaPatch` (an operation's answer the spec under-declares),
each with its evidence. The corrections themselves are in ``patches`` and
``patches_stateful``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Patch:
    """A correction of one schema in ``components.schemas`` before it is converted.

    ``at`` is the path inside the component to the schema object to change; ``set``
    adds or replaces keywords there (OpenAPI ones, e.g. ``nullable``), ``drop`` removes
    keywords and ``unrequire`` removes names from its ``required``. ``why`` is the
    evidence; it lands in the output as the schema's ``$comment``. A patch that no
    longer finds what it changes is an error, so stale patches do not linger.
    """

    component: str
    at: tuple[str | int, ...]
    why: str
    set: tuple[tuple[str, Any], ...] = ()
    drop: tuple[str, ...] = ()
    unrequire: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaPatch:
    """A body one operation's 2xx answer has that the spec does not declare.

    ``role`` (``stream_event``: the answer is also a ``text/event-stream``) of the
    operation ``method path`` (as the spec writes the path) is the component named
    ``component``. ``why`` is the evidence; it lands in that schema file's ``$comment``.
    A media patch for a role the spec now declares is an error, so it does not linger.
    """

    method: str
    path: str
    role: str
    component: str
    why: str
