"""Generated fixture libraries for the scaling runs: N recordings of realistic chats.

Each fixture is what ``mockapi record`` writes for one exchange: its own file
``chat_completions/<key>.yaml`` with ``meta``, a ``body`` matcher holding the whole
(distinct) request -- model, a system prompt, one to three turns, sampling parameters --
and a complete ``chat.completion`` answer. Deterministic for a given N.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from mockapi.library.store import dump_yaml

MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")
SYSTEMS = (
    "You are a helpful assistant.",
    "You are a concise assistant for a travel booking site. Answer in two sentences.",
    "You are a senior Python reviewer. Point out bugs first, style last.",
    "You translate English into French. Reply with the translation only.",
)
_VOCAB = """
    what how why when where which explain summarise compare list describe the a an of to
    in for with on about between weather Paris London invoice refund order shipping
    python function error timeout database index query cache latency flight hotel
    booking price tomorrow today week month report customer account password reset
    email address number total amount discount code review test deploy server
""".split()  # noqa: SIM905


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_VOCAB) for _ in range(words))
    return text[0].upper() + text[1:] + "?"


PROBE = 7
"""The fixture every library has whose request the scaling runs send (the same body for
every library size: files load in key-hash order, so its place among them is random)."""


def request_body(index: int) -> dict[str, Any]:
    """The request the ``index``-th fixture answers (without ``stream``)."""
    rng = random.Random(index)
    messages: list[dict[str, Any]] = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    for turn in range(rng.choice((1, 1, 2, 3))):
        if turn:
            messages.append({"role": "assistant", "content": _sentence(rng, rng.randint(8, 30))})
        question = _sentence(rng, rng.randint(6, 40))
        messages.append({"role": "user", "content": f"#{index}: {question}"})
    body: dict[str, Any] = {"model": rng.choice(MODELS), "messages": messages}
    if rng.random() < 0.6:
        body["temperature"] = rng.choice((0, 0.2, 0.7, 1))
    if rng.random() < 0.3:
        body["max_tokens"] = rng.choice((64, 256, 1024))
    return body


def near_miss_body(index: int) -> dict[str, Any]:
    """The ``index``-th request with one word of its last user message changed."""
    body = request_body(index)
    last = body["messages"][-1]
    last["content"] = last["content"].replace(":", ": please", 1)
    return body


def _document(index: int) -> tuple[str, dict[str, Any]]:
    body = request_body(index)
    canonical = json.dumps(["POST", "/v1/chat/completions", body], sort_keys=True)
    key = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    answer = f"Answer number {index}: " + _sentence(random.Random(-index), 20)
    completion = {
        "id": f"chatcmpl-{key}{index:020d}",
        "object": "chat.completion",
        "created": 1735689600 + index,
        "model": body["model"] + "-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": answer,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 40, "completion_tokens": 25, "total_tokens": 65},
        "service_tier": "default",
        "system_fingerprint": "fp_bench00001",
    }
    entry = {
        "name": f"chat_completions-{key}",
        "meta": {"recorded_at": "2025-01-01T00:00:00Z", "upstream": "https://api.openai.com"},
        "match": {"method": "POST", "path": "/v1/chat/completions", "body": body},
        "response": {
            "status": 200,
            "headers": {"openai-version": "2020-10-01"},
            "body": completion,
        },
    }
    return key, {"version": 1, "fixtures": [entry]}


def write_library(directory: Path, count: int) -> Path:
    """Write ``count`` fixture files under ``directory``; returns ``directory``."""
    folder = directory / "chat_completions"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        key, document = _document(index)
        (folder / f"{key}.yaml").write_bytes(dump_yaml(document))
    return directory
