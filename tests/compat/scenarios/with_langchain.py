"""LangChain (langchain-openai) against a mockapi server.

Run with the framework's python: ``python with_langchain.py http://127.0.0.1:PORT/v1``.
"""

from __future__ import annotations

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
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel


class Forecast(BaseModel):
    city: str
    summary: str


def _chat(base_url: str, **options: Any) -> ChatOpenAI:
    return ChatOpenAI(model=MODEL, base_url=base_url, api_key=API_KEY, max_retries=0, **options)


def _tool_loop(llm: ChatOpenAI, calls: Calls) -> tuple[list[BaseMessage], AIMessage]:
    """The loop an application writes with bind_tools: call, run, feed back, answer."""

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return calls.weather(city)

    bound = llm.bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage(WEATHER_QUESTION)]
    for _ in range(5):  # a model that keeps calling would not finish in 5 turns
        reply = bound.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return messages, reply
        for call in reply.tool_calls:
            messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    raise AssertionError(f"still calling tools after 5 turns: {calls.arguments}")


def tool_loop(base_url: str) -> dict[str, Any]:
    """bind_tools over Chat Completions: one call of get_weather, then a text answer."""
    calls = Calls()
    messages, final = _tool_loop(_chat(base_url), calls)
    expect(isinstance(final.content, str) and final.content, "no final text answer")
    return {"tool_calls": calls.count, "tool_arguments": calls.arguments, "turns": len(messages)}


def responses_tool_loop(base_url: str) -> dict[str, Any]:
    """The same loop over the Responses API (``use_responses_api=True``)."""
    calls = Calls()
    messages, final = _tool_loop(_chat(base_url, use_responses_api=True), calls)
    expect(final.text, "no final text answer")
    return {"tool_calls": calls.count, "tool_arguments": calls.arguments, "turns": len(messages)}


def structured_output_after_tool(base_url: str) -> dict[str, Any]:
    """with_structured_output (strict json_schema) on a history ending in a tool result."""
    calls = Calls()
    llm = _chat(base_url)
    messages, _ = _tool_loop(llm, calls)
    history = messages[:-1]  # up to the tool result: the structured answer replaces the text
    expect(isinstance(history[-1], ToolMessage), "the history does not end with a tool result")
    forecast = llm.with_structured_output(Forecast, method="json_schema", strict=True).invoke(
        history
    )
    expect(isinstance(forecast, Forecast), f"structured output {forecast!r}")
    return {"tool_calls": calls.count, "final_output": forecast.model_dump()}


def streaming(base_url: str) -> dict[str, Any]:
    """llm.stream: text arrives in chunks that add up to the answer."""
    chunks = [c.content for c in _chat(base_url).stream("Write one line about the sea.")]
    text = "".join(c for c in chunks if isinstance(c, str))
    expect(text, "the stream produced no text")
    return {"deltas": sum(1 for c in chunks if c), "text": text}


def embeddings(base_url: str) -> dict[str, Any]:
    """OpenAIEmbeddings.embed_documents and embed_query."""
    # check_embedding_ctx_length=False sends text, not tiktoken ids: tiktoken would
    # download its encoding file, and this machine reaches no network but the registries.
    model = OpenAIEmbeddings(
        model=EMBEDDING_MODEL,
        base_url=base_url,
        api_key=API_KEY,
        check_embedding_ctx_length=False,
        max_retries=0,
    )
    vectors = model.embed_documents(["first document", "second document"])
    query = model.embed_query("a question")
    expect(len(vectors) == 2 and vectors[0] != vectors[1], "two documents, two distinct vectors")
    return {"count": len(vectors), "dimensions": [len(v) for v in [*vectors, query]]}


if __name__ == "__main__":
    main(
        "langchain",
        ["langchain-openai", "langchain-core", "openai"],
        {
            "tool_loop": tool_loop,
            "responses_tool_loop": responses_tool_loop,
            "structured_output_after_tool": structured_output_after_tool,
            "streaming": streaming,
            "embeddings": embeddings,
        },
    )
