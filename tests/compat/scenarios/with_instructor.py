"""instructor against a mockapi server: typed extraction through the OpenAI client.

Run with the framework's python: ``python with_instructor.py http://127.0.0.1:PORT/v1``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import instructor
from _common import API_KEY, MODEL, WEATHER_QUESTION, Calls, expect, main
from openai import OpenAI
from pydantic import BaseModel

PEOPLE = "Jason is 25 years old and Sarah is 30 years old."


class User(BaseModel):
    name: str
    age: int


class Forecast(BaseModel):
    city: str
    summary: str


def _client(base_url: str, mode: instructor.Mode = instructor.Mode.TOOLS) -> Any:
    return instructor.from_openai(
        OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0), mode=mode
    )


def _ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def extract_one(base_url: str) -> dict[str, Any]:
    """response_model=User in the default TOOLS mode (a forced function call)."""
    user = _client(base_url).chat.completions.create(
        model=MODEL, response_model=User, messages=_ask(PEOPLE), max_retries=0
    )
    expect(isinstance(user, User), f"not a User: {user!r}")
    return {"final_output": user.model_dump()}


def extract_iterable(base_url: str) -> dict[str, Any]:
    """response_model=Iterable[User]: one ``tasks`` array argument, nothing required."""
    users = _client(base_url).chat.completions.create(
        model=MODEL, response_model=Iterable[User], messages=_ask(PEOPLE), max_retries=0
    )
    users = list(users)
    expect(users, "the extraction found no User: the tool arguments were empty")
    expect(all(isinstance(u, User) for u in users), f"not Users: {users!r}")
    return {"count": len(users), "final_output": [u.model_dump() for u in users]}


def json_schema_mode(base_url: str) -> dict[str, Any]:
    """Mode.JSON_SCHEMA: a strict response_format json_schema."""
    user = _client(base_url, instructor.Mode.JSON_SCHEMA).chat.completions.create(
        model=MODEL, response_model=User, messages=_ask(PEOPLE), max_retries=0
    )
    expect(isinstance(user, User), f"not a User: {user!r}")
    return {"final_output": user.model_dump()}


def typed_output_after_tool(base_url: str) -> dict[str, Any]:
    """A history ending in a tool result, then a Forecast in JSON_SCHEMA mode."""
    calls = Calls()
    result = calls.weather("Paris")
    call = {"id": "call_1", "type": "function"}
    call["function"] = {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}
    messages = [
        *_ask(WEATHER_QUESTION),
        # instructor turns an empty or null content into [], which the API refuses
        # ("empty array"): the assistant says something, as models often do.
        {"role": "assistant", "content": "Let me check.", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]
    forecast = _client(base_url, instructor.Mode.JSON_SCHEMA).chat.completions.create(
        model=MODEL, response_model=Forecast, messages=messages, max_retries=0
    )
    expect(isinstance(forecast, Forecast), f"not a Forecast: {forecast!r}")
    return {"final_output": forecast.model_dump()}


def partial_streaming(base_url: str) -> dict[str, Any]:
    """create_partial: a stream of ever more complete Users, the last one whole."""
    partials = list(
        _client(base_url).chat.completions.create_partial(
            model=MODEL, response_model=User, messages=_ask(PEOPLE), max_retries=0
        )
    )
    expect(partials, "the stream produced no partial object")
    last = partials[-1]
    expect(last.name is not None and last.age is not None, f"incomplete last: {last!r}")
    return {"deltas": len(partials), "final_output": last.model_dump()}


if __name__ == "__main__":
    main(
        "instructor",
        ["instructor", "openai"],
        {
            "extract_one": extract_one,
            "extract_iterable": extract_iterable,
            "json_schema_mode": json_schema_mode,
            "typed_output_after_tool": typed_output_after_tool,
            "partial_streaming": partial_streaming,
        },
    )
