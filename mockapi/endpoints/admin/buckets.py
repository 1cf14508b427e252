"""Time buckets and grouping, as the usage and costs routes answer them.

A usage or costs request names a time range (``start_time`` inclusive, ``end_time``
exclusive, both Unix seconds; ``end_time`` defaults to now on the mock's clock) and a
``bucket_width`` (``1m``, ``1h`` or ``1d``; costs only ``1d``). It is answered as a
``page`` of buckets::

    {"object": "page", "has_more": true, "next_page": "page_AAAAAGdGxdEAAAAAZ0b...",
     "data": [{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600,
               "results": [...]}, ...]}

with at most ``limit`` buckets (:data:`WIDTHS`: 1d: 7 by default, at most 31; 1h: 24
and 168; 1m: 60 and 1440; costs: 7 and 180), and ``next_page`` the cursor of the
next bucket while buckets remain before ``end_time``, sent back as ``page``.

Assumed where the API does not document it: buckets are aligned on their width in UTC
(a ``1d`` bucket runs from midnight to midnight, as the API's examples show), the
first one holding ``start_time``; only what happened within ``start_time`` and
``end_time`` is counted, to the minute (the ledger keeps each minute's totals); a
bucket with nothing in it has ``results: []``; results
without ``group_by`` are one total (all group fields null); grouped results come in the
order their group first appears. ``next_page`` is ``page_`` and the base64 of the next
bucket's start and the range's end (16 bytes), the shape of the API's cursors.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi import errors
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError

WIDTHS: dict[str, tuple[int, int, int]] = {
    "1m": (60, 60, 1440),
    "1h": (3600, 24, 168),
    "1d": (86400, 7, 31),
}
"""Each bucket width: its seconds, the default number of buckets and the most."""
COST_WIDTHS: dict[str, tuple[int, int, int]] = {"1d": (86400, 7, 180)}
"""Costs come in days only: 7 buckets by default, at most 180."""
_CURSOR = "page_"


def query_values(ctx: Context) -> dict[str, list[str]]:
    """The request's query, every value of each name (``group_by[]=a&group_by[]=b``
    and ``group_by=a&group_by=b`` alike, as the SDK and curl send arrays)."""
    values: dict[str, list[str]] = {}
    for name, value in ctx.request.query:
        values.setdefault(name.removesuffix("[]"), []).append(value)
    return values


def last(values: Mapping[str, list[str]], name: str) -> str | None:
    """The last value of ``name``, or None."""
    found = values.get(name)
    return found[-1] if found else None


def integer(values: Mapping[str, list[str]], name: str) -> int | None:
    """``name`` as an integer (None when absent); the API's 400 when it is not one."""
    raw = last(values, name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise APIError(
            400,
            f"Invalid '{name}': expected an integer (Unix seconds), got {raw!r}.",
            param=name,
            code="invalid_type",
        ) from None


@dataclass(frozen=True)
class Window:
    """The buckets one request asks for (see the module docstring)."""

    start_time: int
    end_time: int
    width: int
    first: int
    """Where this page's first bucket starts (aligned, or the ``page`` cursor's)."""
    limit: int

    def buckets(self) -> tuple[list[tuple[int, int]], int | None]:
        """This page's buckets as ``(start, end)`` and the next page's first bucket's
        start (None when none remain before ``end_time``)."""
        found: list[tuple[int, int]] = []
        at = self.first
        while at < self.end_time and len(found) < self.limit:
            found.append((at, at + self.width))
            at += self.width
        return found, at if at < self.end_time else None

    def span(self, bucket: tuple[int, int]) -> tuple[int, int]:
        """The part of ``bucket`` inside the requested range: what it counts."""
        return max(bucket[0], self.start_time), min(bucket[1], self.end_time)

    def cursor(self, start: int) -> str:
        """The ``next_page`` cursor of the page starting at ``start``."""
        return _CURSOR + base64.b64encode(struct.pack(">qq", start, self.end_time)).decode()


def window(ctx: Context, *, widths: Mapping[str, tuple[int, int, int]] = WIDTHS) -> Window:
    """The request's range, bucket width, ``limit`` and ``page``, checked as the API
    checks them (its 400s name the parameter)."""
    values = query_values(ctx)
    start = integer(values, "start_time")
    if start is None:
        raise errors.missing_parameter("start_time")
    end = integer(values, "end_time")
    end = ctx.clock.seconds() + 1 if end is None else end
    if end <= start:
        raise APIError(
            400,
            f"Invalid 'end_time': {end} is not after start_time {start}; the range is "
            "start_time inclusive to end_time exclusive.",
            param="end_time",
            code="invalid_value",
        )
    name = last(values, "bucket_width") or "1d"
    if name not in widths:
        raise unsupported("bucket_width", name, widths)
    width, default, most = widths[name]
    limit = integer(values, "limit")
    limit = default if limit is None else limit
    if not 1 <= limit <= most:
        raise APIError(
            400,
            f"Invalid 'limit': integer must be between 1 and {most} for bucket_width="
            f"{name}, got {limit}. Ask for fewer buckets and follow 'next_page'.",
            param="limit",
            code="integer_out_of_range",
        )
    first = start // width * width
    page = last(values, "page")
    if page:
        first = _page_start(page, width)
    return Window(start, end, width, first, limit)


def _page_start(page: str, width: int) -> int:
    try:
        raw = base64.b64decode(page.removeprefix(_CURSOR), validate=True)
        start, _end = struct.unpack(">qq", raw)
    except (binascii.Error, struct.error, ValueError):
        raise APIError(
            400,
            f"Invalid 'page': {page!r} is not a cursor this list gave. Pass the "
            "'next_page' of the previous page as it was.",
            param="page",
            code="invalid_value",
        ) from None
    return int(start) // width * width


def unsupported(param: str, value: str, allowed: Iterable[str]) -> APIError:
    """The API's 400 for a value ``param`` does not take, listing those it does."""
    supported = ", ".join(f"'{name}'" for name in allowed)
    return APIError(
        400,
        f"Invalid value: '{value}'. Supported values are: {supported}.",
        param=param,
        code="invalid_value",
    )


def group_by(ctx: Context, allowed: Sequence[str]) -> tuple[str, ...]:
    """The request's ``group_by`` fields (each once, in the order given); the API's 400
    for a field this route does not group by."""
    chosen: list[str] = []
    for field in query_values(ctx).get("group_by", []):
        if field not in allowed:
            raise unsupported("group_by", field, allowed)
        if field not in chosen:
            chosen.append(field)
    return tuple(chosen)


Item = tuple[Mapping[str, Any], Mapping[str, Any]]
"""One thing counted: its dimensions (``project_id``, ``model``, ...) and its counts
(numbers: ints, or the Decimals of costs)."""


def grouped(
    items: Iterable[Item], fields: Sequence[str]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``items`` summed per value of ``fields`` (one total without fields; none when
    there are no items), in the order each group first appears."""
    totals: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
    for dims, counts in items:
        key = tuple(dims.get(field) for field in fields)
        group = totals.get(key)
        if group is None:
            group = ({field: dims.get(field) for field in fields}, {})
            totals[key] = group
        summed = group[1]
        for name, value in counts.items():
            summed[name] = summed.get(name, 0) + value
    return list(totals.values())


def page_of(
    ctx: Context,
    frame: Window,
    results: Callable[[int, int], list[dict[str, Any]]],
) -> dict[str, Any]:
    """The ``page`` of buckets of ``frame``, each with ``results(lo, hi)`` for the part
    of it inside the requested range."""
    spans, following = frame.buckets()
    data = []
    for bucket in spans:
        lo, hi = frame.span(bucket)
        data.append(
            {
                "object": "bucket",
                "start_time": bucket[0],
                "end_time": bucket[1],
                "results": results(lo, hi) if lo < hi else [],
            }
        )
    return {
        "object": "page",
        "data": data,
        "has_more": following is not None,
        "next_page": frame.cursor(following) if following is not None else None,
    }
