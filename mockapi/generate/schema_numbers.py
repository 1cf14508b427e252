"""Numbers for JSON Schema data: bounds (both drafts' exclusive forms) and ``multipleOf``.

A number with no bounds is drawn from 0 to 100 (two decimals for ``number``), one
with a single bound from the 100 values next to it. ``multipleOf`` is honoured the
way validators check it: for a float step the quotient must be a whole float, so the
value is rounded to the step's decimals and checked before it is returned.
"""

from __future__ import annotations

import math
from fractions import Fraction
from random import Random
from typing import Any

from mockapi.errors import SchemaDataError
from mockapi.generate.schema_check import is_multiple

SPREAD = 100
_ATTEMPTS = 12


def number(schema: Any, rng: Random, *, integer: bool) -> int | float:
    """An ``integer`` or ``number`` valid against ``schema``'s numeric keywords."""
    low, low_open, high, high_open = bounds(schema)
    step = schema.get("multipleOf")
    if not _is_number(step) or step <= 0:
        step = None
    if low is None and high is None:
        low, high = 0.0, float(SPREAD)
    elif low is None:
        low = high - SPREAD
    elif high is None:
        high = low + SPREAD
    if not math.isfinite(high - low):
        low, high = (0.0, float(SPREAD)) if low <= 0 <= high else (low, low)
    if integer:
        first = math.ceil(low) + (1 if low_open and float(low).is_integer() else 0)
        last = math.floor(high) - (1 if high_open and float(high).is_integer() else 0)
        unit = Fraction(step).limit_denominator(10**9).numerator if step else 1
        return _multiple(rng, first, last, unit, integer=True)
    if step:
        return _multiple(rng, low, high, step, integer=False, open_ends=(low_open, high_open))
    for _ in range(_ATTEMPTS):
        value = round(rng.uniform(low, high), 2)
        if _within(value, low, low_open, high, high_open):
            return value
    middle = float((low + high) / 2)
    if _within(middle, low, low_open, high, high_open):
        return middle
    raise SchemaDataError(f"no number lies between {low} and {high}")


def _multiple(
    rng: Random,
    low: float,
    high: float,
    step: float,
    *,
    integer: bool,
    open_ends: tuple[bool, bool] = (False, False),
) -> int | float:
    first, last = math.ceil(low / step), math.floor(high / step)
    if first > last:
        raise SchemaDataError(f"no multiple of {step} lies between {low} and {high}")
    candidates = [rng.randint(first, last) for _ in range(_ATTEMPTS)]
    for k in [*candidates, *range(first, min(last, first + 50) + 1)]:
        if integer:
            return int(k * step)
        value = _tidy(k * step, step)
        if _within(value, low, open_ends[0], high, open_ends[1]) and is_multiple(value, step):
            return value
    raise SchemaDataError(f"no multiple of {step} between {low} and {high} survives rounding")


def bounds(schema: Any) -> tuple[Any, bool, Any, bool]:
    """(low, low is exclusive, high, high is exclusive), for both drafts' spelling."""
    low, high = schema.get("minimum"), schema.get("maximum")
    low_ex, high_ex = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    low = low if _is_number(low) else None
    high = high if _is_number(high) else None
    low_open = high_open = False
    if low_ex is True:
        low_open = low is not None
    elif _is_number(low_ex) and (low is None or low_ex >= low):
        low, low_open = low_ex, True
    if high_ex is True:
        high_open = high is not None
    elif _is_number(high_ex) and (high is None or high_ex <= high):
        high, high_open = high_ex, True
    return low, low_open, high, high_open


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _within(value: float, low: float, low_open: bool, high: float, high_open: bool) -> bool:
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    return above and below


def _tidy(value: float, step: float) -> float:
    """``value`` rounded to the step's decimals, so that float noise does not show."""
    text = repr(float(step))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 12
    return round(value, decimals)
