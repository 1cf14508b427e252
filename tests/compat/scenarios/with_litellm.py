"""LiteLLM against a mockapi server, as an OpenAI-compatible endpoint (``openai/`` models).

Run with the framework's python: ``python with_litellm.py http://127.0.0.1:PORT/v1``.
"""

from __future__ import annotations

import json
import os
from typing import Any

# LiteLLM fetches its model price map from the network at import unless told to use
# the copy it ships; this machine reaches no network but the package registries.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
from _common import (
    API_KEY,
    EMBEDDING_MODEL,
    MODEL,
    WEATHER_QUESTION,
    Calls,
    expect,
    main,
)
from pydantic import BaseModel

litellm.telemetry = False

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


class Forecast(BaseModel):
    city: str
    summary: str


def _options(base_url: str) -> dict[str, Any]:
    return {"model": f"openai/{MODEL}", "api_base": base_url, "api_key": API_KEY}


def _tool_loop(base_url: str, calls: Calls, **final: Any) -> tuple[list[dict[str, Any]], Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": WEATHER_QUESTION}]
    for _ in range(5):
        reply = litellm.completion(messages=messages, tools=[WEATHER_TOOL], **_options(base_url))
        message = reply.choices[0].message
        if not message.tool_calls:
            return messages, reply
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            result = calls.weather(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        if final:  # the answer after the tool result is asked in another shape
            return messages, litellm.completion(messages=messages, **final, **_options(base_url))
    raise AssertionError(f"still calling tools after 5 turns: {calls.arguments}")


def tool_loop(base_url: str) -> dict[str, Any]:
    """completion with tools: one call of get_weather, then a text answer."""
    calls = Calls()
    messages, reply = _tool_loop(base_url, calls)
    text = reply.choices[0].message.content
    expect(isinstance(text, str) and text, "no final text answer")
    return {"tool_calls": calls.count, "tool_arguments": calls.arguments, "turns": len(messages)}


def structured_output_after_tool(base_url: str) -> dict[str, Any]:
    """response_format=<pydantic model> on a history ending in a tool result."""
    calls = Calls()
    _, reply = _tool_loop(base_url, calls, response_format=Forecast)
    forecast = Forecast.model_validate_json(reply.choices[0].message.content)
    return {"tool_calls": calls.count, "final_output": forecast.model_dump()}


def json_mode_after_tool(base_url: str) -> dict[str, Any]:
    """response_format json_object on a history ending in a tool result."""
    calls = Calls()
    _, reply = _tool_loop(base_url, calls, response_format={"type": "json_object"})
    document = json.loads(reply.choices[0].message.content)
    expect(isinstance(document, dict) and document, f"not a JSON object: {document!r}")
    return {"tool_calls": calls.count, "keys": sorted(document)}


def streaming(base_url: str) -> dict[str, Any]:
    """completion(stream=True): deltas that add up to the answer."""
    stream = litellm.completion(
        messages=[{"role": "user", "content": "Write one line about the sea."}],
        stream=True,
        **_options(base_url),
    )
    deltas = [chunk.choices[0].delta.content for chunk in stream if chunk.choices]
    text = "".join(d for d in deltas if d)
    expect(text, "the stream produced no text")
    return {"deltas": sum(1 for d in deltas if d), "text": text}


def embeddings(base_url: str) -> dict[str, Any]:
    """litellm.embedding over the OpenAI embeddings endpoint."""
    reply = litellm.embedding(
        model=f"openai/{EMBEDDING_MODEL}",
        input=["first document", "second document"],
        api_base=base_url,
        api_key=API_KEY,
    )
    vectors = [item["embedding"] for item in reply.data]
    expect(len(vectors) == 2 and vectors[0] != vectors[1], "two documents, two distinct vectors")
    return {"count": len(vectors), "dimensions": [len(v) for v in vectors]}


if __name__ == "__main__":
    main(
        "litellm",
        ["litellm", "openai"],
        {
            "tool_loop": tool_loop,
            "structured_output_after_tool": structured_output_after_tool,
            "json_mode_after_tool": json_mode_after_tool,
            "streaming": streaming,
            "embeddings": embeddings,
        },
    )
