"""Templated fixtures through the official SDK against a real server: plain and streamed."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from mockapi.web.server import ServerThread
from tests.helpers import running_server
from tests.integration.conftest import API_KEY

FIXTURES = """
version: 1
fixtures:
  - name: echo
    match: {content: '^echo '}
    response:
      template: true
      body:
        choices:
          - message:
              content: "You said: {{ last_user_message[5:] }} (to {{ model }})"
  - name: weather-call
    match:
      content: '(?i)weather in'
      partial_body: {tools: [{function: {name: get_weather}}]}
    response:
      template: true
      body:
        choices:
          - message:
              tool_calls:
                - id: "{{ id('call_') }}"
                  type: function
                  function:
                    name: "{{ tools[0].function.name }}"
                    arguments: >-
                      {{ json({"location": last_user_message.split(" in ")[-1].rstrip("?"),
                               "unit": tools[0].function.parameters.properties.unit.enum[0]}) }}
  - name: fake-story
    match: {content: '(?i)tell me about'}
    response:
      template: true
      events:
        - data: {choices: [{index: 0, delta: {role: assistant, content: ""}, finish_reason: null}]}
        - data: {choices: [{index: 0, delta: {content: "{{ faker.name() }}"}, finish_reason: null}]}
        - data:
            choices:
              - {index: 0, delta: {content: " lives in {{ faker.city() }}"}, finish_reason: null}
        - data:
            choices:
              - index: 0
                delta: {content: " and knows {{ last_user_message[14:] }}."}
                finish_reason: null
        - data: {$json: '{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}'}
        - data: "[DONE]"
  - name: broken
    match: {content: 'break it'}
    response:
      template: true
      body: {choices: [{message: {content: "{{ no_such_thing }}"}}]}
"""

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
        },
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    directory = tmp_path_factory.mktemp("templates")
    (directory / "templates.yaml").write_text(textwrap.dedent(FIXTURES))
    with running_server(fixture_dirs=(Path(directory),)) as started:
        yield started


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url + "/v1", api_key=API_KEY, max_retries=0) as sdk:
        yield sdk


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def streamed_text(client: openai.OpenAI, text: str) -> str:
    stream = client.chat.completions.create(model="gpt-4o", messages=user(text), stream=True)
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def test_echo_plain_and_streamed(client: openai.OpenAI) -> None:
    plain = client.chat.completions.create(model="gpt-4o", messages=user("echo the cat sat"))
    assert plain.choices[0].message.content == "You said: the cat sat (to gpt-4o)"
    assert plain.choices[0].finish_reason == "stop"
    assert plain.usage is not None and plain.usage.completion_tokens > 0
    assert streamed_text(client, "echo the cat sat") == "You said: the cat sat (to gpt-4o)"


def test_tool_call_arguments_come_from_the_request(client: openai.OpenAI) -> None:
    messages = user("What is the weather in Lisbon?")
    plain = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        tools=[WEATHER_TOOL],
    )
    choice = plain.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.id.startswith("call_") and len(call.id) == 29
    assert call.function.name == "get_weather"
    expected = {"location": "Lisbon", "unit": "celsius"}
    assert json.loads(call.function.arguments) == expected

    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        tools=[WEATHER_TOOL],
        stream=True,
    )
    arguments, finish = "", None
    for chunk in stream:
        for delta_call in chunk.choices[0].delta.tool_calls or []:
            arguments += (delta_call.function and delta_call.function.arguments) or ""
        finish = chunk.choices[0].finish_reason or finish
    assert json.loads(arguments) == expected
    assert finish == "tool_calls"


def test_templated_stream_plain_and_streamed_agree(client: openai.OpenAI) -> None:
    question = "Tell me about Jinja"
    text = streamed_text(client, question)
    assert text.endswith(" and knows Jinja.")
    assert " lives in " in text
    assert streamed_text(client, question) == text  # seeded faker: the same request
    plain = client.chat.completions.create(model="gpt-4o", messages=user(question))
    assert plain.choices[0].message.content == text
    assert plain.choices[0].finish_reason == "stop"
    other = streamed_text(client, "Tell me about YAML")
    assert (
        other.endswith(" and knows YAML.") and other.split(" lives")[0] != text.split(" lives")[0]
    )


def test_a_failing_template_is_an_sdk_error_not_a_crash(
    client: openai.OpenAI, server: ServerThread
) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=user("break it"))
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["type"] == "mockapi_template_error"
    assert "(broken) response.body.choices[0].message.content: line 1" in error["message"]
    assert "'no_such_thing' is undefined" in error["message"]
    # The server keeps serving.
    again = client.chat.completions.create(model="gpt-4o", messages=user("echo still here"))
    assert again.choices[0].message.content == "You said: still here (to gpt-4o)"
