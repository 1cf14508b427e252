"""The Responses API's pure parts: input items, token counts, completion, the stream shape.

The expected input-token counts are the ``usage.input_tokens`` the real API reported
(../shared/real-traffic); the stream tests compare with the recorded event sequences.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockapi.endpoints.responses import items as responses_input
from mockapi.endpoints.responses import output as responses_output
from mockapi.endpoints.responses import stream as responses_stream
from mockapi.endpoints.responses.synthesis import synthesize
from mockapi.library.store import read_yaml
from mockapi.recording.cassettes import Interaction, interactions
from mockapi.wire.sse import decode_events
from tests.helpers import SHARED, response_problems

TRAFFIC = SHARED / "real-traffic"
CREATE = "POST /v1/responses"


def recorded() -> list[Interaction]:
    """Every recorded ``/v1/responses`` exchange that succeeded."""
    found = []
    for path in sorted(TRAFFIC.rglob("*.y*ml")):
        document = read_yaml(Path(path))
        if not isinstance(document, dict) or "interactions" not in document:
            continue
        for item in interactions(document):
            if isinstance(item, Interaction) and "/v1/responses" in item.path:
                found.extend([item] if item.status == 200 else [])
    return found


def reported_input_tokens(item: Interaction) -> int:
    if item.body.startswith(b"event:"):
        final = [e for e in decode_events(item.body) if e.event == "response.completed"]
        return int(final[-1].data["response"]["usage"]["input_tokens"])
    body = json.loads(item.body)
    return int(body["usage"]["input_tokens"] if "usage" in body else body["input_tokens"])


def test_input_tokens_of_the_recorded_requests() -> None:
    exchanges = recorded()
    assert len(exchanges) == 13
    counts = [
        (responses_input.count_input_tokens(x.request_json), reported_input_tokens(x))
        for x in exchanges
    ]
    assert [ours for ours, _ in counts] == [real for _, real in counts]


def test_empty_instructions_with_tools_cost_the_hidden_prompt() -> None:
    tool = {"type": "function", "name": "f", "parameters": {"type": "object"}}
    base = {"model": "gpt-4o", "input": "Hi", "tools": [tool]}
    count = responses_input.count_input_tokens
    hidden = responses_input.EMPTY_INSTRUCTIONS_WITH_TOOLS
    assert count({**base, "instructions": ""}) == count(base) + hidden
    # Without tools an empty string costs nothing; real instructions are a system message.
    plain = {"model": "gpt-4o", "input": "Hi"}
    assert count({**plain, "instructions": ""}) == count(plain)
    assert count({**plain, "instructions": "Be brief."}) > count(plain)


def test_string_input_is_one_user_message_with_an_id() -> None:
    (item,) = responses_input.input_items({"input": "Hello"})
    assert item["id"].startswith("msg_") and len(item["id"]) == 54
    assert item["content"] == [{"type": "input_text", "text": "Hello"}]
    call, output = responses_input.input_items(
        {
            "input": [
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
            ]
        }
    )
    assert call["id"].startswith("fc_") and output["id"].startswith("fco_")


def test_the_conversation_as_chat_messages() -> None:
    chat = responses_input.chat_request(
        {
            "model": "gpt-4o",
            "instructions": "Be brief.",
            "input": [
                {"type": "function_call", "call_id": "a", "name": "f", "arguments": "{}"},
                {"type": "function_call", "call_id": "b", "name": "g", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "a", "output": "1"},
            ],
            "tools": [{"type": "function", "name": "f", "parameters": {}}],
            "tool_choice": {"type": "function", "name": "f"},
            "text": {"format": {"type": "json_object"}},
        },
        [{"role": "user", "content": "Earlier question"}],
    )
    roles = [m["role"] for m in chat["messages"]]
    assert roles == ["system", "user", "assistant", "tool"]
    assert [c["id"] for c in chat["messages"][2]["tool_calls"]] == ["a", "b"]
    assert chat["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert chat["tools"][0]["function"]["strict"] is True
    assert chat["response_format"] == {"type": "json_object"}


def test_a_minimal_body_is_completed_in_the_real_order() -> None:
    tool = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}
    request = {"model": "gpt-4o-mini", "input": "Hi", "tools": [tool]}
    body = responses_output.complete({"output_text": "Hello!"}, request)
    # Every field but `conversation`, which only a response in a conversation has.
    assert list(body) == [k for k in responses_output.ORDER if k != "conversation"]
    assert body["output"][0]["content"][0] == {
        "type": "output_text",
        "annotations": [],
        "logprobs": [],
        "text": "Hello!",
    }
    assert body["tools"][0]["strict"] is True
    assert body["tools"][0]["parameters"]["additionalProperties"] is False
    assert body["usage"]["input_tokens_details"] == {"cached_tokens": 0, "cache_write_tokens": 0}
    assert response_problems(CREATE, body) == []
    pinned = responses_output.complete({**body, "model": "gpt-4o-2024-08-06"}, request)
    assert pinned["id"] == body["id"] and pinned["model"] == "gpt-4o-2024-08-06"


def test_events_and_back() -> None:
    city = {"type": "object", "properties": {"city": {"type": "string"}}}
    tool = {"type": "function", "name": "get_weather", "parameters": city}
    request = {"model": "gpt-4o", "input": "What is the weather in Paris?", "tools": [tool]}
    body = responses_output.complete(synthesize(request), request)
    events = responses_stream.to_events(body, request)
    assert [e.data["sequence_number"] for e in events] == list(range(len(events)))
    for event in events:
        assert response_problems(CREATE, event.data, role="stream_event") == []
    back = responses_stream.from_events(events, request)
    assert back == {k: v for k, v in body.items() if k != "billing"}


def test_the_event_sequence_of_recorded_streams() -> None:
    """The gpt-5.5 streams of May 2026 (the ones with sequence numbers), event by event."""
    streams = [x for x in recorded() if x.body.startswith(b"event:")]
    streams = [x for x in streams if x.request_json.get("model") == "gpt-5.5"]
    assert len(streams) == 3
    for exchange in streams:
        real = decode_events(exchange.body)
        response = responses_stream.from_events(real, exchange.request_json)
        assert response == real[-1].data["response"]
        ours = responses_stream.to_events(response, exchange.request_json)
        assert [e.event for e in ours] == [e.event for e in real]
        for mine, theirs in zip(ours, real, strict=True):
            # function_call_arguments.done has no `name`, as recorded (and in the SDK).
            keys = set(theirs.data) - {"obfuscation"}
            assert set(mine.data) - {"obfuscation"} == keys
            assert next(iter(mine.data)) == "type"


def test_a_stream_without_a_final_event_is_rebuilt() -> None:
    request: dict[str, Any] = {"model": "gpt-4o-mini", "input": "Hi"}
    body = responses_output.complete({"output_text": "Hello"}, request)
    events = responses_stream.to_events(body, request)[:-1]
    rebuilt = responses_output.complete(responses_stream.from_events(events, request), request)
    assert rebuilt["output"] == body["output"] and rebuilt["status"] == "completed"


def test_max_output_tokens_and_reasoning() -> None:
    cut = synthesize(
        {"model": "gpt-4o-mini", "input": "Tell me about owls", "max_output_tokens": 16}
    )
    assert cut["status"] == "incomplete" and cut["usage"]["output_tokens"] <= 16
    thought = synthesize({"model": "o3-mini", "input": "Hi", "reasoning": {"effort": "high"}})
    assert thought["output"][0]["type"] == "reasoning"
    assert thought["usage"]["output_tokens_details"]["reasoning_tokens"] == 512
