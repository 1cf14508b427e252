"""Check the matching and streaming fast paths against their plain definitions.

    python -m bench.check_fast_paths [--samples N] [--seed S]

- ``canonical.dumps`` (scalars written directly, one reused C encoder) against
  ``json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``;
- ``BodyView.key`` (one ``dumps`` and a digest) against the reference encoder's text, digested;
- ``FixtureIndex``'s near-miss bounds (postings, shared names and kinds sets) against
  ``outline.distance_bound`` fixture by fixture, on a generated library plus the bundled one;
- ``sse.encode_event`` against the original line-by-line encoding, errors included.

Exits 1 and prints the first disagreements if any. (``bench.check_validation`` does the
same for request validation.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import library
from mockapi.build import default_fixture_dirs
from mockapi.library import store
from mockapi.matching.diff import ALWAYS_IGNORED, BodyView, strip
from mockapi.matching.index import FixtureIndex, _passes
from mockapi.matching.outline import distance_bound
from mockapi.model import Request, SSEEvent
from mockapi.wire import sse
from mockapi.wire.canonical import canonical, dumps

_REFERENCE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_STRINGS = ["", "a", "x\ny", "x\r\ny", "\r", "é\u2028", "[DONE]", "\x00\x7f", '"\\', "\ud800"]
_NUMBERS = [0, -5, 10**30, 1.5, -0.0, 1e-05, 1e300, float("nan"), float("inf"), 2.0]


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice([None, True, False, *_NUMBERS, *_STRINGS])
    if roll < 0.75:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(_STRINGS[:7]): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _outcome(function: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", function(*args)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def check_dumps(rng: random.Random, samples: int) -> int:
    bad = 0
    for _ in range(samples):
        value = canonical(_value(rng))
        if dumps(value) != _REFERENCE.encode(value):
            bad += 1
            if bad <= 3:
                print(f"DISAGREE dumps: {value!r}")
    return bad


def check_keys(rng: random.Random, samples: int) -> int:
    bad = 0
    paths = [("temperature",), ("metadata", "a"), ("messages", "*", "b"), ("*",), ("x", "0")]
    for _ in range(samples):
        names = ["model", "messages", "stream", "temperature", "metadata", "x"]
        body = {rng.choice(names): _value(rng, 1) for _ in range(rng.randrange(6))}
        chosen = set(rng.sample(paths, rng.randrange(3))) | set(ALWAYS_IGNORED)
        ignore = tuple(sorted(chosen))
        base = strip(strip(canonical(body), ALWAYS_IGNORED), ignore)
        text = _REFERENCE.encode(base).encode("utf-8", "surrogatepass")
        if BodyView(body).key(ignore) != hashlib.blake2b(text, digest_size=16).digest():
            bad += 1
            if bad <= 3:
                print(f"DISAGREE key: {body!r} without {ignore}")
    return bad


def _request(rng: random.Random, count: int) -> Request:
    body = library.request_body(rng.randrange(count))
    roll = rng.random()
    if roll < 0.15:
        body["model"] = rng.choice(["gpt-4o", "gpt-x", 5])
    elif roll < 0.3:
        body.pop("temperature", None)
        body["seed"] = 3
    elif roll < 0.45:
        body["messages"] = body["messages"][: rng.randint(0, 2)]
    elif roll < 0.6:
        body["messages"][-1]["content"] = rng.choice(["hello there", "weather in Paris?"])
    elif roll < 0.85:  # a field of another kind, or missing: the bound's kinds term
        field = rng.choice(["messages", "model", "temperature"])
        body[field] = rng.choice([None, "text", [body.get(field)], {"a": 1}, [], {}])
        if rng.random() < 0.3:
            del body[field]
    path = "/v1/chat/completions" if rng.random() < 0.9 else "/v1/embeddings"
    return Request("POST", path, {}, (), b"", body)


def check_bounds(rng: random.Random, samples: int) -> int:
    count = 1_000
    with tempfile.TemporaryDirectory() as tmp:
        directory = library.write_library(Path(tmp), count)
        index = FixtureIndex(store.load_library([directory, *default_fixture_dirs()]))
    entries = index._entries
    bad = 0
    for _ in range(max(1, samples // 50)):
        request = _request(rng, count)
        view = BodyView(request.json)
        outlines = [view.outline(ignore) for ignore in index._ignores]
        for on_path in (True, False):
            base = 0 if on_path else 1
            fast = {e.order: bound for bound, _, _, e in index._bounds(entries, view, base)}
            for e in entries:
                plain = base
                if e.outline is not None:
                    actual = outlines[e.group]
                    plain += 1 if actual is None else distance_bound(e.outline, actual)
                plain += sum(not _passes(m, a, e.fixture, view) for m, a in e.checks)
                if fast[e.order] != plain:
                    bad += 1
                    if bad <= 3:
                        print(f"DISAGREE bound: {e.fixture.name}: {fast[e.order]} != {plain}")
    return bad


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _encode_event_plain(event: SSEEvent) -> bytes:
    """sse.encode_event as it was first written, line by line."""
    parts: list[str] = []
    if event.event is not None:
        if _LINE_BREAK.search(event.event):
            raise ValueError(f"SSE event name must be one line, got {event.event!r}")
        parts.append(f"event: {event.event}\n")
    if isinstance(event.data, str):
        text = event.data
    else:
        try:
            text = json.dumps(
                event.data, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
        except ValueError as exc:
            raise ValueError(f"SSE data is not representable as JSON: {exc}") from exc
    parts.extend(f"data: {line}\n" for line in _LINE_BREAK.split(text))
    parts.append("\n")
    return "".join(parts).encode("utf-8")


def check_sse(rng: random.Random, samples: int) -> int:
    bad = 0
    for _ in range(samples):
        name = rng.choice([None, None, "", "delta", "a\nb"])
        event = SSEEvent(data=_value(rng), event=name)
        if _outcome(sse.encode_event, event) != _outcome(_encode_event_plain, event):
            bad += 1
            if bad <= 3:
                print(f"DISAGREE encode_event: {event!r}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_fast_paths")
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    total = 0
    for name, check in (
        ("canonical.dumps", check_dumps),
        ("BodyView.key", check_keys),
        ("near-miss bounds", check_bounds),
        ("sse.encode_event", check_sse),
    ):
        bad = check(rng, args.samples)
        print(f"{name}: {bad} disagreements")
        total += bad
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
