"""What both servers are asked and answer: the same request bodies, the same bytes back.

The reference app answers from the constants here directly; mockapi answers from
fixtures written from the same constants (:func:`fixture_document`), with every field
of the completion pinned so that its answer carries the same fields as the reference's.
"""

from __future__ import annotations

import json
from typing import Any

MODEL = "gpt-4o-mini"
SNAPSHOT = "gpt-4o-mini-2024-07-18"
SYSTEM = "You are a helpful assistant. Answer briefly and precisely."
STREAM_EVENTS = 20
"""Events in the streamed answer, ``data: [DONE]`` included."""
PACE_S = 0.05
"""Gap before each event of the paced stream (the 500-open-streams test)."""


def chat_request(content: str, *, stream: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": content},
        ],
        "temperature": 0.2,
        "max_tokens": 256,
    }
    if stream:
        body["stream"] = True
    return body


JSON_REQUEST = chat_request("What is the capital of France? Answer in one sentence.")
STREAM_REQUEST = chat_request("Count from one to eighteen, one word each.", stream=True)
PACED_REQUEST = chat_request("Count slowly from one to eighteen, one word each.", stream=True)

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-BENCH0000000000000000000000000",
    "object": "chat.completion",
    "created": 1735689600,
    "model": SNAPSHOT,
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "The capital of France is Paris.",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 31,
        "completion_tokens": 8,
        "total_tokens": 39,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": "fp_bench00001",
}
COMPLETION_BYTES = json.dumps(COMPLETION, separators=(",", ":")).encode()

_WORDS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen",
]  # fmt: skip


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-BENCH0000000000000000000000001",
        "object": "chat.completion.chunk",
        "created": 1735689600,
        "model": SNAPSHOT,
        "service_tier": "default",
        "system_fingerprint": "fp_bench00001",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


# 1 role chunk + 17 content chunks + 1 finish chunk + [DONE] = 20 events.
CHUNKS: list[dict[str, Any]] = [
    _chunk({"role": "assistant", "content": "", "refusal": None}),
    *(_chunk({"content": (" " if i else "") + w}) for i, w in enumerate(_WORDS)),
    _chunk({}, "stop"),
]
assert len(CHUNKS) + 1 == STREAM_EVENTS
SSE_EVENTS: list[bytes] = [
    b"data: " + json.dumps(c, separators=(",", ":")).encode() + b"\n\n" for c in CHUNKS
] + [b"data: [DONE]\n\n"]


def _stripped(request: dict[str, Any]) -> dict[str, Any]:
    """The request as a ``body`` matcher states it (``stream`` is never compared)."""
    return {k: v for k, v in request.items() if k != "stream"}


def fixture_document() -> dict[str, Any]:
    """The fixture file mockapi serves in the comparison runs."""
    paced: list[dict[str, Any]] = [{"data": CHUNKS[0]}]
    paced += [{"data": c, "delay_ms": PACE_S * 1000} for c in CHUNKS[1:]]
    paced.append({"data": "[DONE]", "delay_ms": PACE_S * 1000})
    return {
        "version": 1,
        "fixtures": [
            {
                "name": "bench-json",
                "match": {"body": _stripped(JSON_REQUEST)},
                "response": {"body": COMPLETION},
            },
            {
                "name": "bench-stream",
                "match": {"body": _stripped(STREAM_REQUEST)},
                "response": {"events": [{"data": c} for c in CHUNKS] + [{"data": "[DONE]"}]},
            },
            {
                "name": "bench-paced-stream",
                "match": {"body": _stripped(PACED_REQUEST)},
                "response": {"events": paced},
            },
        ],
    }
