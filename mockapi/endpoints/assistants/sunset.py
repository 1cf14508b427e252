"""The sunset switch: every Assistants route answered as the API has since its shutdown.

OpenAI deprecated the Assistants API on 2025-08-26 and shut it down on 2026-08-26
(the migration guide: "It will shut down on August 26, 2026"). Code migrated to the
Responses API can prove it no longer calls it: with ``mockapi serve --sunset
assistants`` (:attr:`mockapi.config.Settings.sunset`), or for one test through
:func:`set_sunset` (the pytest handle's ``sunset("assistants")``), every route of the
family (``/v1/assistants...``, ``/v1/threads...``) answers 404 before anything else is
looked at.

The answer's shape is assumed: the shutdown's wording is not in the API reference; users
of the API reported ``404`` for ``/v1/assistants`` and the threads, runs and messages
routes after that day (langroid's removal note; an OpenAI community thread of
2026-08-27), which is what the API answers for a route it does not serve (``Invalid URL
(GET /v1/assistants)``, ``invalid_request_error``, no code). The message keeps that
beginning and adds what happened and where to go (the Responses API, threads becoming
conversations), so a test's failure says why.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.state.store import StateStore

FAMILIES = ("assistants",)
"""The families ``--sunset`` can shut down."""
SHUTDOWN_DATE = "2026-08-26"
KIND = "sunset"
"""The state store kind of the families a test shut down (cleared by a reset)."""
_KEY = "families"


def check_families(names: Collection[str]) -> frozenset[str]:
    """``names`` as a set of families; ValueError naming one that cannot be shut down."""
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown sunset family {unknown[0]!r}: use one of {', '.join(FAMILIES)}")
    return frozenset(names)


def set_sunset(state: StateStore, names: Collection[str]) -> None:
    """Shut down ``names`` (families of :data:`FAMILIES`) from now until the next reset,
    on top of ``--sunset``; an empty collection opens them again."""
    state.put(KIND, _KEY, sorted(check_families(names)))


def is_down(ctx: Context, family: str = "assistants") -> bool:
    """Whether ``family`` answers as shut down (``--sunset``, or a test's switch)."""
    if family in ctx.settings.sunset:
        return True
    found: Any = ctx.state.get(KIND, _KEY)
    return isinstance(found, list) and family in found


def gone(ctx: Context) -> APIError:
    """The answer of an Assistants route after the shutdown (see the module docstring)."""
    request = ctx.request
    return APIError(
        404,
        f"Invalid URL ({request.method} {request.path}): the Assistants API was shut down "
        f"on {SHUTDOWN_DATE}. Use the Responses API instead (POST /v1/responses; threads "
        "become conversations: POST /v1/conversations); see "
        "https://platform.openai.com/docs/assistants/migration.",
    )
