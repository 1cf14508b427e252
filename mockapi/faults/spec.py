"""Faults: what goes wrong with an answer, parsed from a spec and decided per request.

A :class:`Fault` says *what* happens (latency, a time to first token and a
tokens-per-second pace for streams, an HTTP error, a connection reset, a stream cut
after N events with or without a final error event, a malformed SSE event, a stall)
and *when* (a probability, the first ``times`` matching requests, a path). Specs come
from four places, all in one syntax (``README.md``, "Faults, rate limits and pacing"):

- the ``X-Mockapi-Fault`` request header, for that request only:
  ``status=429; retry_after=0.2``, ``reset``, ``cut_after=3; error_event``;
- a fixture's ``fault:`` key, on the entry or on one response of a sequence;
- the server's rules: ``mockapi serve --fault SPEC``, the pytest option and marker,
  the admin API (``/__mockapi/faults``);
- ``chaos=P``: with probability P, one of :data:`CHAOS` (seeded: same seed, same faults).

This module parses and merges; ``fault_state.py`` decides (counters, a seeded hash),
``fault_plan.py`` applies them to a request, ``fault_answers.py`` writes the real error
bodies and ``delivery.py`` does the sleeping, cutting and resetting. All but the last
are pure.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from mockapi.errors import FaultSpecError
from mockapi.model import JSON
from mockapi.wire.durations import parse_duration

HEADER = "x-mockapi-fault"
"""The request header asking for a fault on that request only."""
STALL_FOREVER = 3600.0
"""How long ``stall`` (without a duration) holds a request: until the client gives up."""


@dataclass(frozen=True)
class Fault:
    """One fault: what happens (the first group of fields) and when (the second).

    Durations are in seconds. ``status`` answers that HTTP error instead of the
    response (with the real API's body and headers unless ``body``, ``message``,
    ``type``, ``code`` or ``headers`` say otherwise). ``cut_after``, ``malformed_at``
    and ``stall_after`` count the stream's events from 0.
    """

    latency: float | None = None
    ttft: float | None = None
    tps: float | None = None
    status: int | None = None
    body: JSON = None
    message: str | None = None
    type: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    reset: bool = False
    cut_after: int | None = None
    error_event: bool = False
    malformed_at: int | None = None
    stall: float | None = None
    stall_after: int | None = None

    probability: float = 1.0
    times: int | None = None
    path: str | None = None
    one_of: tuple[Fault, ...] = ()
    name: str | None = None

    @property
    def answers_early(self) -> bool:
        """True when no fixture or synthesis is needed: an error, a reset or a stall."""
        return self.status is not None or self.reset or self.stalls_early

    @property
    def stalls_early(self) -> bool:
        return self.stall is not None and self.stall_after is None

    @property
    def stream_only(self) -> bool:
        """True for a fault that only does something to a stream (a cut, a pace)."""
        streamy = (self.cut_after, self.malformed_at, self.stall_after, self.ttft, self.tps)
        return not self.answers_early and any(v is not None for v in streamy)

    def applies_to(self, path: str) -> bool:
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    def over(self, base: Fault | None) -> Fault:
        """This fault with ``base``'s settings where this one sets nothing."""
        if base is None:
            return self
        changes: dict[str, Any] = {}
        for name in _WHAT:
            mine, theirs = getattr(self, name), getattr(base, name)
            if _unset(mine) and not _unset(theirs):
                changes[name] = theirs
        if base.headers and self.headers:
            changes["headers"] = {**base.headers, **self.headers}
        return replace(self, **changes)

    def describe(self, *, when: bool = False) -> str:
        """The spec of what this fault does, in the header syntax (``status=429; reset``);
        ``when`` adds when it does (probability, times, path)."""
        parts: list[str] = []
        for name in _WHAT:
            value = getattr(self, name)
            if _unset(value):
                continue
            if value is True:
                parts.append(name)
            elif name == "body":
                parts.append(f"body={json.dumps(value, separators=(',', ':'))}")
            elif name == "headers":
                parts.extend(f"header.{k}={v}" for k, v in value.items())
            else:
                parts.append(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}")
        if self.one_of is CHAOS:
            parts.append(f"chaos={self.probability:g}")
        elif self.one_of:
            parts.append("one_of=[" + " | ".join(f.describe() for f in self.one_of) + "]")
        if when:
            if self.probability != 1.0 and self.one_of is not CHAOS:
                parts.append(f"probability={self.probability:g}")
            parts.extend(
                f"{name}={getattr(self, name)}"
                for name in ("times", "path", "name")
                if getattr(self, name) is not None
            )
        return "; ".join(parts) or "none"

    def to_json(self) -> dict[str, Any]:
        """The fault as a mapping that :func:`parse` reads back (for the admin API)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "one_of":
                if value is CHAOS:
                    out["chaos"] = out.pop("probability", 1.0)
                elif value:
                    out["one_of"] = [item.to_json() for item in value]
            elif f.name == "probability":
                if value != 1.0:
                    out["probability"] = value
            elif not _unset(value):
                out[f.name] = dict(value) if f.name == "headers" else value
        return out


_NAMES = [f.name for f in fields(Fault)]
_WHAT = tuple(_NAMES[: _NAMES.index("probability")])
"""The fields that say what happens (the rest say when)."""


def _unset(value: object) -> bool:
    return value is None or value is False or (isinstance(value, Mapping) and not value)


# -- parsing ---------------------------------------------------------------------------------


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise FaultSpecError(f"'{key}' must be a non-empty string, got {value!r}")
    return value


def _flag(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1", "on")
    raise FaultSpecError(f"'{key}' must be true or false, got {value!r}")


def _number(value: object, key: str) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise FaultSpecError(f"'{key}' must be a number, got {value!r}")


def _whole(value: object, key: str, *, least: int = 0) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise FaultSpecError(f"'{key}' must be a whole number >= {least}, got {value!r}")
    return value


def _seconds(value: object, key: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise FaultSpecError(f"'{key}': {exc}") from None


def _millis(value: object, key: str) -> float:
    millis = _number(value, key)
    if millis < 0:
        raise FaultSpecError(f"'{key}' must be a number of milliseconds >= 0, got {value!r}")
    return millis / 1000.0


def _status(value: object, key: str) -> int:
    status = _whole(value, key, least=100)
    if status > 599:
        raise FaultSpecError(f"'{key}' must be an HTTP status between 100 and 599, got {status}")
    return status


def _tps(value: object, key: str) -> float:
    rate = _number(value, key)
    if rate <= 0:
        raise FaultSpecError(f"'{key}' must be a number of tokens per second > 0, got {value!r}")
    return rate


def _probability(value: object, key: str) -> float:
    chance = _number(value, key)
    if not 0 <= chance <= 1:
        raise FaultSpecError(f"'{key}' must be a probability between 0 and 1, got {value!r}")
    return chance


def _stall(value: object, key: str) -> float:
    if value is True or (isinstance(value, str) and value.lower() in ("true", "yes", "on")):
        return STALL_FOREVER
    return _seconds(value, key)


def _body(value: object, key: str) -> JSON:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise FaultSpecError(f"'{key}' is not valid JSON ({exc}): {value!r}") from None
    return value


def _headers(value: object, key: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise FaultSpecError(f"'{key}' must be a mapping of header names to values, got {value!r}")
    return {k.lower(): str(v) for k, v in value.items()}


_Coerce = Callable[[object, str], Any]
_KEYS: dict[str, tuple[str, _Coerce]] = {
    "latency": ("latency", _seconds),
    "latency_ms": ("latency", _millis),
    "ttft": ("ttft", _seconds),
    "ttft_ms": ("ttft", _millis),
    "tps": ("tps", _tps),
    "status": ("status", _status),
    "body": ("body", _body),
    "message": ("message", _text),
    "type": ("type", _text),
    "code": ("code", _text),
    "headers": ("headers", _headers),
    "retry_after": ("retry_after", _seconds),
    "retry_after_ms": ("retry_after", _millis),
    "reset": ("reset", _flag),
    "cut_after": ("cut_after", _whole),
    "error_event": ("error_event", _flag),
    "malformed_at": ("malformed_at", _whole),
    "stall": ("stall", _stall),
    "stall_ms": ("stall", _millis),
    "stall_after": ("stall_after", _whole),
    "probability": ("probability", _probability),
    "times": ("times", lambda v, k: _whole(v, k, least=1)),
    "path": ("path", _text),
    "name": ("name", _text),
}
_BARE = {"reset", "error_event", "stall"}
"""Keys that may be written alone in the header syntax (``reset`` is ``reset=true``)."""


def parse(spec: object) -> Fault:
    """A :class:`Fault` from a header-syntax string, a mapping (YAML, JSON) or a Fault.

    Raises :class:`FaultSpecError` naming the bad key or value and what is accepted.
    """
    if isinstance(spec, Fault):
        return spec
    if isinstance(spec, str):
        return _from_mapping(_split(spec))
    if isinstance(spec, int) and not isinstance(spec, bool):
        return _from_mapping({"status": spec})
    if isinstance(spec, Mapping):
        return _from_mapping(dict(spec))
    raise FaultSpecError(
        f"a fault is a spec string such as 'status=429; retry_after=1' or a mapping, got {spec!r}"
    )


def parse_all(specs: object) -> tuple[Fault, ...]:
    """Several faults: a list of specs, or one spec."""
    if specs is None:
        return ()
    items = specs if isinstance(specs, (list, tuple)) else [specs]
    return tuple(parse(item) for item in items)


def _split(text: str) -> dict[str, Any]:
    """``status=429; retry_after=1`` (or ``429``, ``reset``) into a mapping of strings."""
    out: dict[str, Any] = {}
    for item in _top_level(text):
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if key.startswith("header."):
            out.setdefault("headers", {})[key.removeprefix("header.")] = value.strip()
            continue
        key = key.replace("-", "_")
        if not sep:
            if key.isdigit():
                key, value = "status", key
            elif key in _BARE:
                value = "true"
            else:
                raise FaultSpecError(
                    f"{item.strip()!r} needs a value ('{key}=...'); alone, only a status "
                    f"(429) or {', '.join(sorted(_BARE))} may be written"
                )
        out[key] = value.strip()
    if not out:
        raise FaultSpecError(f"the fault spec {text!r} is empty; write e.g. 'status=503'")
    return out


def _top_level(text: str) -> Iterable[str]:
    """Split on ``;`` outside JSON brackets and quotes, dropping empty items."""
    depth, quoted, start = 0, False, 0
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "{[":
            depth += 1
        elif not quoted and char in "}]":
            depth -= 1
        elif not quoted and depth == 0 and char == ";":
            if text[start:index].strip():
                yield text[start:index]
            start = index + 1
    if text[start:].strip():
        yield text[start:]


def _from_mapping(spec: dict[str, Any]) -> Fault:
    values: dict[str, Any] = {}
    chaos = spec.pop("chaos", None)
    one_of = spec.pop("one_of", None)
    for key, raw in spec.items():
        if key not in _KEYS:
            known = ", ".join(sorted({*_KEYS, "chaos", "one_of"}))
            raise FaultSpecError(f"unknown fault key {key!r}; known: {known}")
        name, coerce = _KEYS[key]
        values[name] = coerce(raw, key)
    if chaos is not None:
        values.setdefault("probability", _probability(chaos, "chaos"))
        values["one_of"] = CHAOS
    if one_of is not None:
        if not isinstance(one_of, list) or not one_of:
            raise FaultSpecError(f"'one_of' must be a non-empty list of faults, got {one_of!r}")
        values["one_of"] = tuple(parse(item) for item in one_of)
    fault = Fault(**values)
    _check(fault)
    return fault


def _check(fault: Fault) -> None:
    early = [n for n, on in (("status", fault.status is not None), ("reset", fault.reset),
                             ("stall", fault.stalls_early)) if on]  # fmt: skip
    if len(early) > 1:
        raise FaultSpecError(f"{' and '.join(early)} contradict each other: give one of them")
    error_fields = ("body", "message", "type", "code", "retry_after")
    given = [n for n in error_fields if getattr(fault, n) is not None]
    if given and fault.status is None:
        raise FaultSpecError(f"{', '.join(given)} describe an HTTP error: add 'status' (e.g. 503)")
    if fault.error_event and fault.cut_after is None:
        raise FaultSpecError("'error_event' is sent when a stream is cut: add 'cut_after' (e.g. 3)")
    for item in fault.one_of:
        if item.one_of or item.times is not None or item.probability != 1.0:
            raise FaultSpecError(
                "the faults in 'one_of' say what happens; say when (probability, times) on the rule"
            )


CHAOS: tuple[Fault, ...] = tuple(
    _from_mapping(_split(spec))
    for spec in (
        "status=429; retry_after=0.5",
        "status=500",
        "status=502",
        "status=503; retry_after=0.5",
        "reset",
        "cut_after=3",
        "cut_after=3; error_event",
    )
)
"""What ``chaos=P`` picks from (the stream cuts only for stream requests)."""
