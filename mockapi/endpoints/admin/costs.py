"""Costs (``GET /v1/organization/costs``): the usage ledger priced by a price table.

The price table is data: ``prices.json`` beside this module (its ``source`` and
``as_of`` name where its prices come from and when they were read), or a table a test
put in its place (:func:`set_prices`: ``Control.set_prices``, the pytest handle's
``prices()``), kept in the state store so every worker prices alike and a reset puts
the shipped table back. Costs are priced when asked for, so a replaced table prices
what was already used.

Each ledger row becomes line items (``line_item`` as ``"<model>, <what>"``):

* completions: ``input`` (uncached tokens), ``cached input`` and ``output`` tokens at
  the model's price per 1M tokens; batch lines as ``batch input`` ... at
  ``batch_discount`` of it;
* embeddings: ``input`` tokens; moderations are free (no line);
* images: ``images`` at the model's price for the size; speech: ``characters``;
  transcriptions: ``audio`` seconds at the price per minute;
* web search and file search calls per 1K calls, code interpreter sessions each.

A model is priced by the longest key of the table its name starts with
(``gpt-4o-mini-2024-07-18`` by ``gpt-4o-mini``); a model the table does not price has
no line (assumed: the real API prices every model it serves; the mock cannot know
prices it was not given). Vector store storage is not priced (it is billed by GB-day
beyond a free GB, which a test's stores never reach).

Amounts are summed exactly (decimals) and sent as ``{"value": 0.0001234, "currency":
"usd"}``; ``quantity`` and ``quantity_unit`` are the line's when grouped by
``line_item``, else null. Buckets are days (``bucket_width=1d``, 7 by default, at most
180), grouped by ``project_id``, ``line_item`` and ``api_key_id``, filtered by
``project_ids``, ``api_key_ids`` and ``line_items``.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from mockapi.endpoints.admin import buckets
from mockapi.endpoints.admin.buckets import Item
from mockapi.endpoints.endpoint import Context, Endpoint
from mockapi.endpoints.lazy import lazy
from mockapi.library.fixture import FixtureResponse
from mockapi.state.store import StateStore

if TYPE_CHECKING:
    from mockapi.endpoints.admin import ledger, usage
else:
    ledger = lazy("mockapi.endpoints.admin.ledger")
    usage = lazy("mockapi.endpoints.admin.usage")

PRICES_KIND = "usage.prices"
"""State kind holding a replaced price table (one object); absent: the shipped one."""
_TABLE = "table"
_SECTIONS = ("tokens", "images", "transcription_minute", "speech_1m_characters", "tools")
_MILLION = Decimal(1_000_000)
_CATEGORIES = (
    "completions",
    "embeddings",
    "images",
    "audio_speeches",
    "audio_transcriptions",
    "web_search_calls",
    "file_search_calls",
    "code_interpreter_sessions",
)
GROUPS = ("project_id", "line_item", "api_key_id")
_FILTERS = {"project_ids": "project_id", "api_key_ids": "api_key_id", "line_items": "line_item"}


@functools.lru_cache(maxsize=1)
def _shipped_text() -> bytes:
    return (importlib.resources.files(__package__) / "prices.json").read_bytes()


def shipped() -> dict[str, Any]:
    """The price table shipped with mockapi (a fresh copy)."""
    table: dict[str, Any] = orjson.loads(_shipped_text())
    return table


def check_table(table: object) -> dict[str, Any]:
    """``table`` if it is a price table like ``prices.json`` (sections of names to
    numbers or to mappings of numbers); ``ValueError`` naming what is wrong."""
    if not isinstance(table, Mapping):
        raise ValueError(f"a price table is a mapping like prices.json, got {type(table).__name__}")
    unknown = set(table) - {*_SECTIONS, "batch_discount", "source", "as_of", "notes"}
    if unknown:
        raise ValueError(f"unknown price table key(s) {sorted(unknown)}; known: {_SECTIONS}")
    discount = table.get("batch_discount", 1)
    if not _number(discount) or not 0 <= discount <= 1:
        raise ValueError(f"'batch_discount' must be a number from 0 to 1, got {discount!r}")
    for section in _SECTIONS:
        entries = table.get(section, {})
        if not isinstance(entries, Mapping):
            raise ValueError(f"price table '{section}' must be a mapping, got {entries!r}")
        for name, price in entries.items():
            values = price.values() if isinstance(price, Mapping) else [price]
            if not all(_number(v) and v >= 0 for v in values):
                raise ValueError(f"price table '{section}.{name}': prices are numbers >= 0")
    return dict(table)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def set_prices(state: StateStore, table: Mapping[str, Any] | None) -> None:
    """Price costs by ``table`` from now on (checked: :func:`check_table`); None puts
    the shipped table back."""
    if table is None:
        state.delete(PRICES_KIND, _TABLE)
    else:
        state.put(PRICES_KIND, _TABLE, check_table(table))


def prices(state: StateStore) -> dict[str, Any]:
    """The price table in force: a replaced one, or the shipped one."""
    found = state.get(PRICES_KIND, _TABLE)
    return found if isinstance(found, dict) else shipped()


def _price(section: Mapping[str, Any], model: str) -> Any:
    """The entry of the longest name ``model`` starts with, or None."""
    best = max((name for name in section if model.startswith(name)), key=len, default=None)
    return None if best is None else section[best]


def _d(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def lines(
    category: str, dims: Mapping[str, Any], counts: Mapping[str, Any], table: Mapping[str, Any]
) -> list[tuple[str, Decimal, str | None, Decimal]]:
    """The line items of one ledger row: ``(line_item, quantity, unit, amount)``."""
    model = str(dims.get("model") or "")
    batch = bool(dims.get("batch"))
    factor = _d(table.get("batch_discount", 1)) if batch else Decimal(1)
    found: list[tuple[str, Decimal, str | None, Decimal]] = []

    def add(item: str, quantity: Any, unit: str | None, price: Any, per: Decimal) -> None:
        amount = _d(quantity) * _d(price) / per * factor
        found.append((item, _d(quantity), unit, amount))

    tools = table.get("tools") or {}
    if category in ("completions", "embeddings"):
        price = _price(table.get("tokens") or {}, model)
        if not isinstance(price, Mapping):
            return []
        cached = int(counts.get("input_cached_tokens", 0))
        uncached = int(counts.get("input_tokens", 0)) - cached
        kind = "batch " if batch else ""
        add(f"{model}, {kind}input", uncached, "tokens", price.get("input"), _MILLION)
        if cached:
            cost = price.get("cached_input", price.get("input"))
            add(f"{model}, {kind}cached input", cached, "tokens", cost, _MILLION)
        if category == "completions":
            output = counts.get("output_tokens", 0)
            add(f"{model}, {kind}output", output, "tokens", price.get("output"), _MILLION)
    elif category == "images":
        price = _price(table.get("images") or {}, model)
        size = price.get(str(dims.get("size"))) if isinstance(price, Mapping) else None
        if size is not None:
            add(f"{model}, images", counts.get("images", 0), "images", size, Decimal(1))
    elif category == "audio_speeches":
        price = _price(table.get("speech_1m_characters") or {}, model)
        if price is not None:
            add(f"{model}, characters", counts.get("characters", 0), "characters", price, _MILLION)
    elif category == "audio_transcriptions":
        price = _price(table.get("transcription_minute") or {}, model)
        if price is not None:
            seconds = counts.get("seconds", 0)
            add(f"{model}, audio", seconds, "duration_seconds", price, Decimal(60))
    elif category in ("web_search_calls", "file_search_calls"):
        price = tools.get(f"{category}_1k")
        if price is not None:
            name = category.removesuffix("_calls").replace("_", " ")
            add(f"{name} tool calls", counts.get("num_requests", 0), None, price, Decimal(1000))
    elif category == "code_interpreter_sessions":
        price = tools.get("code_interpreter_session")
        if price is not None:
            add("code interpreter sessions", counts.get("num_sessions", 0), None, price, Decimal(1))
    return found


def _items(ctx: Context, rows: list[dict[str, Any]], lo: int, hi: int) -> list[Item]:
    table = prices(ctx.state)
    values = buckets.query_values(ctx)
    first = lo // 60 * 60
    found: list[Item] = []
    for row in rows:
        if not first <= int(row["minute"]) < hi:
            continue
        dims = usage.resolved(ctx, row.get("dims") or {})
        for item, quantity, unit, amount in lines(row["category"], dims, row["counts"], table):
            shown = {**dims, "line_item": item, "quantity_unit": unit}
            if all(not values.get(n) or shown.get(d) in values[n] for n, d in _FILTERS.items()):
                found.append((shown, {"amount": amount, "quantity": quantity}))
    return found


def costs_page(ctx: Context) -> dict[str, Any]:
    """The ``page`` of daily cost buckets for the request."""
    frame = buckets.window(ctx, widths=buckets.COST_WIDTHS)
    fields = buckets.group_by(ctx, GROUPS)
    rows = ledger.rows(ctx.state, _CATEGORIES)
    by_line = "line_item" in fields
    group_fields = (*fields, "quantity_unit") if by_line else fields

    def results(lo: int, hi: int) -> list[dict[str, Any]]:
        return [
            {
                "object": "organization.costs.result",
                "amount": {"value": float(sums.get("amount", 0)), "currency": "usd"},
                **{name: group.get(name) for name in GROUPS},
                "quantity": float(sums.get("quantity", 0)) if by_line else None,
                "quantity_unit": group.get("quantity_unit") if by_line else None,
            }
            for group, sums in buckets.grouped(_items(ctx, rows, lo, hi), group_fields)
        ]

    return buckets.page_of(ctx, frame, results)


def list_costs(ctx: Context) -> FixtureResponse:
    """``GET /v1/organization/costs``: the organization's costs by day."""
    return FixtureResponse(body=costs_page(ctx))


ENDPOINTS: tuple[Endpoint, ...] = (Endpoint("GET", "/v1/organization/costs", lookup=list_costs),)
