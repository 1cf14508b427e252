"""openai-agents against a mockapi server: agents that call a tool and finish.

Run with the framework's python: ``python with_openai_agents.py http://127.0.0.1:PORT/v1``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from _common import MODEL, WEATHER_QUESTION, Calls, expect, main
from agents import (
    Agent,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from openai import AsyncOpenAI
from openai.types.responses import ResponseTextDeltaEvent
from pydantic import BaseModel

set_tracing_disabled(True)  # tracing would export to the real platform


class Forecast(BaseModel):
    city: str
    summary: str


def _client(base_url: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=base_url, api_key="sk-test-mockapi", max_retries=0)


def _weather_agent(model: Any, calls: Calls, output_type: Any = None) -> Agent[Any]:
    @function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return calls.weather(city)

    return Agent(
        name="Weather",
        instructions="Answer questions about the weather with the get_weather tool.",
        model=model,
        tools=[get_weather],
        output_type=output_type,
    )


def _typed_after_tool(model: Any) -> dict[str, Any]:
    calls = Calls()
    agent = _weather_agent(model, calls, output_type=Forecast)
    result = Runner.run_sync(agent, WEATHER_QUESTION)
    expect(isinstance(result.final_output, Forecast), f"final output {result.final_output!r}")
    return {
        "tool_calls": calls.count,
        "tool_arguments": calls.arguments,
        "model_requests": len(result.raw_responses),
        "final_output": result.final_output.model_dump(),
    }


def responses_tool_then_typed_output(base_url: str) -> dict[str, Any]:
    """The default Responses model: a tool call, its result, then a typed Forecast."""
    return _typed_after_tool(OpenAIResponsesModel(MODEL, _client(base_url)))


def chat_tool_then_typed_output(base_url: str) -> dict[str, Any]:
    """The Chat Completions model: the same agent, over /v1/chat/completions."""
    return _typed_after_tool(OpenAIChatCompletionsModel(MODEL, _client(base_url)))


def agent_finishes_with_text(base_url: str) -> dict[str, Any]:
    """No output type: the tool result is reported in text and the run ends."""
    calls = Calls()
    agent = _weather_agent(OpenAIResponsesModel(MODEL, _client(base_url)), calls)
    result = Runner.run_sync(agent, WEATHER_QUESTION, max_turns=5)
    expect(isinstance(result.final_output, str) and result.final_output, "no final text")
    return {
        "tool_calls": calls.count,
        "tool_arguments": calls.arguments,
        "model_requests": len(result.raw_responses),
        "final_output": result.final_output,
    }


def streamed_run(base_url: str) -> dict[str, Any]:
    """Runner.run_streamed: text deltas arrive as the answer streams."""

    async def run() -> dict[str, Any]:
        agent = Agent(name="Poet", model=OpenAIResponsesModel(MODEL, _client(base_url)))
        result = Runner.run_streamed(agent, "Write one line about the sea.")
        deltas: list[str] = []
        async for event in result.stream_events():
            if event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                deltas.append(event.data.delta)
        expect(deltas, "the stream produced no text delta")
        expect("".join(deltas) == result.final_output, "the deltas do not add up to the output")
        return {"deltas": len(deltas), "text": "".join(deltas)}

    return asyncio.run(run())


if __name__ == "__main__":
    main(
        "openai-agents",
        ["openai-agents", "openai"],
        {
            "responses_tool_then_typed_output": responses_tool_then_typed_output,
            "chat_tool_then_typed_output": chat_tool_then_typed_output,
            "agent_finishes_with_text": agent_finishes_with_text,
            "streamed_run": streamed_run,
        },
    )
