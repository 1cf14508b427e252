"""LlamaIndex (llama-index-llms-openai, llama-index-embeddings-openai) against mockapi.

Run with the framework's python: ``python with_llamaindex.py http://127.0.0.1:PORT/v1``.
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
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from pydantic import BaseModel


class Forecast(BaseModel):
    city: str
    summary: str


def _llm(base_url: str) -> OpenAI:
    return OpenAI(model=MODEL, api_base=base_url, api_key=API_KEY, max_retries=0)


def _weather_tool(calls: Calls) -> FunctionTool:
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return calls.weather(city)

    return FunctionTool.from_defaults(get_weather)


def function_agent(base_url: str) -> dict[str, Any]:
    """FunctionAgent: the workflow calls get_weather, feeds it back and finishes."""
    calls = Calls()

    async def run() -> Any:
        agent = FunctionAgent(
            tools=[_weather_tool(calls)],
            llm=_llm(base_url),
            system_prompt="Answer weather questions with get_weather.",
        )
        return await agent.run(WEATHER_QUESTION, max_iterations=5)

    output = asyncio.run(run())
    text = str(output.response.content or "")
    expect(text, "the agent finished without a text answer")
    return {"tool_calls": calls.count, "tool_arguments": calls.arguments, "text": text}


def predict_and_call(base_url: str) -> dict[str, Any]:
    """llm.predict_and_call: the model picks the tool, LlamaIndex runs it."""
    calls = Calls()
    response = _llm(base_url).predict_and_call([_weather_tool(calls)], WEATHER_QUESTION)
    expect("sunny" in str(response), f"the tool's output is not the response: {response}")
    return {"tool_calls": calls.count, "tool_arguments": calls.arguments}


def structured_after_tool(base_url: str) -> dict[str, Any]:
    """as_structured_llm(Forecast).chat on a history ending in a tool result."""
    calls = Calls()
    result = calls.weather("Paris")
    call = {"id": "call_1", "type": "function"}
    call["function"] = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    messages = [
        ChatMessage(role="user", content=WEATHER_QUESTION),
        ChatMessage(role="assistant", content=None, additional_kwargs={"tool_calls": [call]}),
        ChatMessage(role="tool", content=result, additional_kwargs={"tool_call_id": "call_1"}),
    ]
    response = _llm(base_url).as_structured_llm(Forecast).chat(messages)
    expect(isinstance(response.raw, Forecast), f"not a Forecast: {response.raw!r}")
    return {"final_output": response.raw.model_dump()}


def stream_chat(base_url: str) -> dict[str, Any]:
    """llm.stream_chat: deltas that add up to the answer."""
    deltas = [
        chunk.delta
        for chunk in _llm(base_url).stream_chat(
            [ChatMessage(role="user", content="Write one line about the sea.")]
        )
    ]
    text = "".join(d for d in deltas if d)
    expect(text, "the stream produced no text")
    return {"deltas": sum(1 for d in deltas if d), "text": text}


def embeddings(base_url: str) -> dict[str, Any]:
    """OpenAIEmbedding: a batch of documents and a query."""
    model = OpenAIEmbedding(
        model=EMBEDDING_MODEL, api_base=base_url, api_key=API_KEY, max_retries=0
    )
    vectors = model.get_text_embedding_batch(["first document", "second document"])
    query = model.get_query_embedding("a question")
    expect(len(vectors) == 2 and vectors[0] != vectors[1], "two documents, two distinct vectors")
    return {"count": len(vectors), "dimensions": [len(v) for v in [*vectors, query]]}


if __name__ == "__main__":
    main(
        "llamaindex",
        ["llama-index-core", "llama-index-llms-openai", "llama-index-embeddings-openai", "openai"],
        {
            "function_agent": function_agent,
            "predict_and_call": predict_and_call,
            "structured_after_tool": structured_after_tool,
            "stream_chat": stream_chat,
            "embeddings": embeddings,
        },
    )
