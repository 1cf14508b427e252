"""Check that validation's compiled fast path agrees with jsonschema, body for body.

    python -m bench.check_validation [--samples N] [--seed S]

Seeds: the real chat requests, responses and stream chunks of ``../shared/real-traffic``
(when present) and a few hand-written requests. Each sample is a seed with one to three
random mutations (a key deleted or added, a value replaced by another JSON value of any
type -- enum members and bound edges included --, a list emptied or grown). For the
request, response and stream-event schemas of every endpoint, the fast path's verdict
must equal ``Draft202012Validator.is_valid``. Exits 1 and prints the first disagreements
otherwise.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
from typing import Any

from jsonschema import Draft202012Validator

import mockapi.validation.validator  # noqa: F401 - configures the compiler's keyword set
from mockapi.validation import derive
from mockapi.validation.files import load_schemas
from mockapi.validation.predicates import Compiler

_BASE = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}
_TOOL = {
    "type": "function",
    "function": {"name": "f", "parameters": {"type": "object"}, "strict": True},
}
_HANDWRITTEN: list[Any] = [
    _BASE,
    {**_BASE, "tools": [_TOOL], "tool_choice": {"type": "function", "function": {"name": "f"}}},
    {**_BASE, "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}},
    {**_BASE, "stream": True, "stream_options": {"include_usage": True}, "n": 2, "seed": 1},
    {**_BASE, "temperature": 2, "top_p": 0, "logit_bias": {"1": 5}, "stop": ["a", "b"]},
    {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "x"}]},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ]},
            {"role": "tool", "tool_call_id": "c", "content": "ok"},
            {"role": "developer", "content": "d"},
        ],
    },
]  # fmt: skip


_MODEL = {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"}
_FILE = "<file speech.wav (audio/wav, 44 bytes, sha256:0123456789abcdef)>"
# A multipart form's fields as validation sees them: typed by the form schema, each file
# as its FilePart.describe() text.
_FORMS: list[Any] = [
    {"model": "whisper-1", "file": _FILE},
    {"model": "gpt-4o-transcribe", "file": _FILE, "language": "en", "temperature": 0.2},
    {"model": "whisper-1", "file": _FILE, "timestamp_granularities": ["word", "segment"]},
]
# The query and path parameters as validation sees them: one object, typed by its schema.
_PARAMETERS: list[Any] = [
    {"limit": 20, "order": "desc", "after": "chatcmpl-abc"},
    {"completion_id": "chatcmpl-abc", "limit": 5},
    {"model": "gpt-4o"},
    {"response_id": "resp_abc", "include": ["file_search_call.results"], "stream": True},
]


def _seeds() -> dict[str, list[Any]]:
    """Bodies per schema role (a models response is chosen by its endpoint below)."""
    seeds: dict[str, list[Any]] = {
        "request": list(_HANDWRITTEN),
        "form": list(_FORMS),
        "parameters": list(_PARAMETERS),
        "response": [],
        "stream_event": [],
        "models": [_MODEL, {"object": "list", "data": [_MODEL, _MODEL]}],
    }
    try:
        from mockapi.wire.sse import decode_events
        from tests.unit.validation.test_validation import chat_exchanges

        for _, request, _, response in chat_exchanges():
            seeds["request"].append(request)
            if isinstance(response, dict):
                seeds["response"].append(response)
            elif isinstance(response, str):
                chunks = [e.data for e in decode_events(response) if isinstance(e.data, dict)]
                seeds["stream_event"].extend(chunks)
    except Exception as exc:  # no real traffic here: the hand-written seeds only
        print(f"(real traffic not used: {type(exc).__name__}: {exc})", file=sys.stderr)
    everything = [body for bodies in seeds.values() for body in bodies]
    return {role: bodies or everything for role, bodies in seeds.items()}


def _bodies(seeds: dict[str, list[Any]], endpoint: str, role: str) -> list[Any]:
    """The seeds for one schema. A role without seeds of its own (one added to
    ``derive.ROLES`` since) starts from every seed; the generator does the rest."""
    if role == "response" and "models" in endpoint:
        return seeds["models"]
    return seeds.get(role) or [body for bodies in seeds.values() for body in bodies]


def _schema_values(node: Any, out: list[Any], sizes: set[int]) -> list[Any]:
    """Enum members and numeric bounds anywhere in a schema (values worth trying), and
    the length bounds in ``sizes``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("enum", "const"):
                out.extend(value if key == "enum" else [value])
            elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                out.extend([value, value + 1, value - 1, value + 0.5, float(value), True])
            elif key in ("minItems", "maxItems", "minLength", "maxLength"):
                sizes.update(n for n in (value - 1, value, value + 1) if 0 <= n <= _LARGEST)
            else:
                _schema_values(value, out, sizes)
    elif isinstance(node, list):
        for item in node:
            _schema_values(item, out, sizes)
    return out


_LARGEST = 4096
"""Longer lists and strings are not built: a bound of 70 million items (the Responses
schemas have some) would take the memory and the time of the whole run."""

_TYPED = [None, True, False, 0, 1, -1, 2.0, 1.5, 10**6, "", "x", "user", [], {}, [1], {"x": 1}]


def _random_value(rng: random.Random, interesting: list[Any], body: Any) -> Any:
    roll = rng.random()
    if roll < 0.3 and interesting:
        return copy.deepcopy(rng.choice(interesting))
    if roll < 0.8:
        return copy.deepcopy(rng.choice(_TYPED))
    return copy.deepcopy(rng.choice(_nodes(body, []) or [None]))  # another part of the body


def _nodes(value: Any, out: list[Any]) -> list[Any]:
    if isinstance(value, (dict, list)):
        out.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _nodes(child, out)
    return out


def _positions(body: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in ``body``, leaves included."""
    found: list[tuple[Any, Any]] = []
    for node in _nodes(body, []):
        keys = list(node) if isinstance(node, dict) else range(len(node))
        found.extend((node, key) for key in keys)
    return found


def _mutate(
    body: Any, rng: random.Random, interesting: list[Any], keys: list[str], sizes: list[int]
) -> Any:
    body = copy.deepcopy(body)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        positions = _positions(body)
        if not positions:
            return body
        node, key = rng.choice(positions)
        roll = rng.random()
        if roll < 0.6:
            node[key] = _random_value(rng, interesting, body)
        elif roll < 0.75 and isinstance(node, dict):
            del node[key]
        elif roll < 0.9 and isinstance(node, dict):
            node[rng.choice(keys)] = _random_value(rng, interesting, body)
        else:  # resize a list or a string to a length bound
            value, size = node[key], rng.choice(sizes or [0, 2])
            if isinstance(value, list) and value:
                node[key] = [copy.deepcopy(value[i % len(value)]) for i in range(size)]
            elif isinstance(value, str):
                node[key] = (value or "x") * size
    return body


class _Generator:
    """Random instances *from* a schema, each node wrong now and then: every keyword,
    branch and bound gets exercised, which mutating real bodies alone does not do."""

    def __init__(self, document: Any, rng: random.Random, interesting: list[Any]) -> None:
        self.defs = document.get("$defs", {})
        self.rng = rng
        self.interesting = interesting

    def make(self, schema: Any, depth: int = 0) -> Any:
        rng = self.rng
        if depth > 8 or not isinstance(schema, dict) or rng.random() < 0.03:
            return _random_value(rng, self.interesting, None)
        if "$ref" in schema and rng.random() < 0.9:
            return self.make(self.defs.get(schema["$ref"].rsplit("/", 1)[-1]), depth + 1)
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                return self.make(rng.choice(schema[key]), depth + 1)
        if "enum" in schema:
            return copy.deepcopy(rng.choice(schema["enum"]))
        kinds = schema.get("type", rng.choice(["object", "string", "array"]))
        kind = rng.choice(kinds) if isinstance(kinds, list) else kinds
        if kind == "object":
            out = {}
            properties = schema.get("properties", {})
            for name, sub in properties.items():
                if name in schema.get("required", ()) or rng.random() < 0.3:
                    out[name] = self.make(sub, depth + 1)
            return out
        if kind == "array":
            low = schema.get("minItems", 0)
            high = schema.get("maxItems", low + 3)
            size = rng.choice([low, high, low + 1, high + 1, max(0, low - 1)])
            size = size if size <= _LARGEST else rng.randrange(4)
            return [self.make(schema.get("items", {}), depth + 1) for _ in range(size)]
        if kind in ("number", "integer"):
            bounds = [schema[k] for k in _BOUND_KEYS if k in schema] or [0, 1]
            edge = rng.choice(bounds) + rng.choice([0, 0.5, -0.5, 1, -1])
            return int(edge) if kind == "integer" and rng.random() < 0.7 else float(edge)
        if kind == "string":
            length = rng.choice([schema.get("minLength", 0), schema.get("maxLength", 3), 1, 5])
            length = length if length <= _LARGEST else 5
            return "s" * (length + rng.choice([0, 0, 1]))
        return {"boolean": rng.random() < 0.5, "null": None}.get(kind)


_BOUND_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_validation")
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    schemas = load_schemas()
    seeds = _seeds()
    checked = disagreements = 0
    for endpoint in schemas.endpoints:
        for role in derive.ROLES:
            document = schemas.schema(endpoint, role)
            if document is None:
                continue
            fast = Compiler.fast_path(document)
            if fast is None:
                print(f"{endpoint} {role}: no fast path (jsonschema alone)")
                continue
            full = Draft202012Validator(document)
            found_sizes: set[int] = set()
            interesting = _schema_values(document, [], found_sizes)
            sizes = sorted(found_sizes)
            generator = _Generator(document, rng, interesting)
            bodies = _bodies(seeds, endpoint, role)
            keys = sorted(
                {k for b in bodies for n in _nodes(b, []) if isinstance(n, dict) for k in n}
            )
            valid = differ = 0
            for index in range(args.samples):
                seed = bodies[index % len(bodies)]
                if index < len(bodies):
                    body = seed
                elif index % 2:
                    body = _mutate(seed, rng, interesting, keys, sizes)
                else:
                    body = generator.make(document)
                expected = full.is_valid(body)
                valid += expected
                if bool(fast(body)) != expected:
                    differ += 1
                    if differ <= 5:
                        print(f"DISAGREE {endpoint} {role}: jsonschema says {expected}: {body!r}")
            checked += args.samples
            disagreements += differ
            print(f"{endpoint} {role}: {args.samples} bodies ({valid} valid), {differ} disagree")
    print(f"{checked} checks, {disagreements} disagreements")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
