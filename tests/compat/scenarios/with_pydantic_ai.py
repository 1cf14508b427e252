"""pydantic-ai against a mockapi server: typed agents that call a tool and finish.

Run with the framework's python: ``python with_pydantic_ai.py http://127.0.0.1:PORT/v1``.
"""

from __future__ import annotations

import asyncio
from typing import Any

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
from pydantic_ai import Agent, NativeOutput, UsageLimits
from pydantic_ai.embeddings import Embedder
from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

# The framework's own guard against a model that never finishes: a run that needs
# more requests than this fails with UsageLimitExceeded.
LIMITS = UsageLimits(request_limit=6)


class Forecast(BaseModel):
    city: str
    summary: str


def _provider(base_url: str) -> OpenAIProvider:
    return OpenAIProvider(base_url=base_url, api_key=API_KEY)


def _typed_run(model: Any, output_type: Any) -> dict[str, Any]:
    calls = Calls()
    agent = Agent(model, output_type=output_type, instructions="Use get_weather to answer.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return calls.weather(city)

    result = agent.run_sync(WEATHER_QUESTION, usage_limits=LIMITS)
    expect(isinstance(result.output, Forecast), f"output {result.output!r} is not a Forecast")
    return {
        "tool_calls": calls.count,
        "tool_arguments": calls.arguments,
        "model_requests": result.usage.requests,
        "final_output": result.output.model_dump(),
    }


def tool_output_after_tool(base_url: str) -> dict[str, Any]:
    """The default output mode: the output is a ``final_result`` tool, called with
    ``tool_choice: "required"`` once get_weather has answered."""
    return _typed_run(OpenAIChatModel(MODEL, provider=_provider(base_url)), Forecast)


def native_output_after_tool(base_url: str) -> dict[str, Any]:
    """NativeOutput: a strict ``json_schema`` response_format, after the tool result."""
    model = OpenAIChatModel(MODEL, provider=_provider(base_url))
    return _typed_run(model, NativeOutput(Forecast))


def responses_tool_output_after_tool(base_url: str) -> dict[str, Any]:
    """The Responses model with the default (tool) output mode."""
    return _typed_run(OpenAIResponsesModel(MODEL, provider=_provider(base_url)), Forecast)


def responses_native_output_after_tool(base_url: str) -> dict[str, Any]:
    """The Responses model with NativeOutput: ``text.format`` json_schema after the tool."""
    model = OpenAIResponsesModel(MODEL, provider=_provider(base_url))
    return _typed_run(model, NativeOutput(Forecast))


def streamed_text(base_url: str) -> dict[str, Any]:
    """run_stream with text output: the text grows chunk by chunk."""

    async def run() -> dict[str, Any]:
        agent = Agent(OpenAIChatModel(MODEL, provider=_provider(base_url)))
        chunks: list[str] = []
        async with agent.run_stream("Write one line about the sea.") as result:
            async for delta in result.stream_text(delta=True, debounce_by=None):
                chunks.append(delta)
        expect(chunks, "the stream produced no text")
        return {"deltas": len(chunks), "text": "".join(chunks)}

    return asyncio.run(run())


def embeddings(base_url: str) -> dict[str, Any]:
    """Embedder over the OpenAI embeddings endpoint: one vector per document."""
    model = OpenAIEmbeddingModel(EMBEDDING_MODEL, provider=_provider(base_url))
    result = Embedder(model).embed_documents_sync(["first document", "second document"])
    vectors = [list(v) for v in result.embeddings]
    expect(len(vectors) == 2, f"{len(vectors)} vectors for 2 documents")
    expect(vectors[0] != vectors[1], "two different documents got the same vector")
    return {"count": len(vectors), "dimensions": [len(v) for v in vectors]}


if __name__ == "__main__":
    main(
        "pydantic-ai",
        ["pydantic-ai-slim", "openai"],
        {
            "tool_output_after_tool": tool_output_after_tool,
            "native_output_after_tool": native_output_after_tool,
            "responses_tool_output_after_tool": responses_tool_output_after_tool,
            "responses_native_output_after_tool": responses_native_output_after_tool,
            "streamed_text": streamed_text,
            "embeddings": embeddings,
        },
    )
