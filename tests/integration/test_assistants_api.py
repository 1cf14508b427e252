"""The Assistants API (beta, legacy) on a real server through the official SDK with strict
response validation, misses synthesized: a run with a forced function call goes
``requires_action`` -> outputs submitted -> ``completed`` with its two steps and the
assistant's message; a streamed run through an ``AssistantEventHandler`` gets its
callbacks (text deltas, steps done, tool calls created) and the raw stream is the API's
event sequence; a fixture answering the run's chat request pins the reply; the token
limits end a run ``incomplete``; cancel; file search steps and ``include``; assistants,
threads and messages CRUD with the API's refusals; the sunset switch. Every answer is
checked against the derived schemas too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import AssistantEventHandler, AsyncAssistantEventHandler
from openai.types.beta.threads import Message, Run, Text, TextDelta
from openai.types.beta.threads.runs import RunStep, ToolCall
from typing_extensions import override

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, running_server, strict_async_client

# The SDK marks the whole family deprecated (in favour of the Responses API).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MODEL = "gpt-4o"
RUN = "GET /v1/threads/{thread_id}/runs/{run_id}"
CREATE_RUN = "POST /v1/threads/{thread_id}/runs"
WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
FORCED: Any = {"type": "function", "function": {"name": "get_weather"}}
BETA = {"openai-beta": "assistants=v2"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        yield started


@pytest.fixture
def client(server: ServerThread, strict: openai.OpenAI) -> openai.OpenAI:
    """The strict SDK against this module's server, its state reset."""
    server.replayer.reset()  # type: ignore[attr-defined]
    return strict


def checked(endpoint: str, answer: Any) -> Any:
    """``answer`` (an SDK object), after checking it against the derived schema."""
    body = answer.to_dict() if hasattr(answer, "to_dict") else answer
    assert response_problems(endpoint, body) == []
    return answer


def _assistant(client: openai.OpenAI, **options: Any) -> str:
    made = client.beta.assistants.create(
        model=MODEL, instructions="You report the weather.", tools=[WEATHER], **options
    )
    return str(checked("POST /v1/assistants", made).id)


def _thread(client: openai.OpenAI, text: str = "What is the weather in Paris?") -> str:
    made = client.beta.threads.create(messages=[{"role": "user", "content": text}])
    return str(checked("POST /v1/threads", made).id)


def test_a_forced_tool_call_requires_action_then_completes(client: openai.OpenAI) -> None:
    runs = client.beta.threads.runs
    assistant_id, thread_id = _assistant(client), _thread(client)
    run = runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, tool_choice=FORCED)
    checked(RUN, run)
    assert run.status == "requires_action" and run.usage is None
    assert run.required_action is not None
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    with pytest.raises(openai.BadRequestError, match=r"Expected tool outputs for call_ids"):
        runs.submit_tool_outputs(run.id, thread_id=thread_id, tool_outputs=[])
    outputs: Any = [{"tool_call_id": call.id, "output": "18C and sunny"}]
    done = runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread_id, tool_outputs=outputs
    )
    checked(RUN, done)
    assert (done.status, done.required_action, done.expires_at) == ("completed", None, None)
    steps = checked(
        "GET /v1/threads/{thread_id}/runs/{run_id}/steps",
        runs.steps.list(run.id, thread_id=thread_id, order="asc"),
    ).data
    assert [(s.type, s.status) for s in steps] == [
        ("tool_calls", "completed"),
        ("message_creation", "completed"),
    ]
    tool_step, message_step = steps
    assert tool_step.step_details.type == "tool_calls"
    [answered] = tool_step.step_details.tool_calls
    assert answered.type == "function" and answered.function.output == "18C and sunny"
    assert done.usage is not None and tool_step.usage and message_step.usage
    assert done.usage.total_tokens == tool_step.usage.total_tokens + message_step.usage.total_tokens
    assert message_step.step_details.type == "message_creation"
    listed = client.beta.threads.messages.list(thread_id, run_id=run.id)
    [reply] = checked("GET /v1/threads/{thread_id}/messages", listed).data
    assert reply.id == message_step.step_details.message_creation.message_id
    assert (reply.role, reply.assistant_id, reply.status) == (
        "assistant",
        assistant_id,
        "completed",
    )
    assert reply.content[0].type == "text" and "18C and sunny" in reply.content[0].text.value
    with pytest.raises(openai.BadRequestError, match='Runs in status "completed" do not accept'):
        runs.submit_tool_outputs(run.id, thread_id=thread_id, tool_outputs=outputs)


class Recorder(AssistantEventHandler):
    """Records the callbacks the SDK makes while it reads a run's stream."""

    def __init__(self) -> None:
        super().__init__()
        self.deltas: list[str] = []
        self.steps_done: list[str] = []
        self.tools_created: list[str] = []
        self.messages_done: list[Message] = []
        self.texts_done: list[str] = []

    @override
    def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        self.deltas.append(delta.value or "")

    @override
    def on_text_done(self, text: Text) -> None:
        self.texts_done.append(text.value)

    @override
    def on_run_step_done(self, run_step: RunStep) -> None:
        self.steps_done.append(run_step.type)

    @override
    def on_tool_call_created(self, tool_call: ToolCall) -> None:
        self.tools_created.append(tool_call.type)

    @override
    def on_message_done(self, message: Message) -> None:
        self.messages_done.append(message)


def test_a_streamed_run_calls_the_event_handler(client: openai.OpenAI) -> None:
    runs = client.beta.threads.runs
    assistant_id, thread_id = _assistant(client), _thread(client, "Tell me about Lisbon.")
    handler = Recorder()
    with runs.stream(thread_id=thread_id, assistant_id=assistant_id, event_handler=handler) as s:
        s.until_done()
    final: Run = handler.get_final_run()
    assert final.status == "completed" and final.usage is not None
    [message] = handler.messages_done
    text = message.content[0].text.value if message.content[0].type == "text" else ""
    assert len(handler.deltas) > 1 and "".join(handler.deltas) == text == handler.texts_done[0]
    assert handler.steps_done == ["message_creation"] and handler.tools_created == []
    kept = client.beta.threads.messages.retrieve(message.id, thread_id=thread_id)
    assert kept.content == message.content

    tools = Recorder()
    thread: Any = {"messages": [{"role": "user", "content": "Weather in Rome?"}]}
    with client.beta.threads.create_and_run_stream(
        assistant_id=assistant_id, thread=thread, tool_choice=FORCED, event_handler=tools
    ) as s:
        s.until_done()
    waiting = tools.get_final_run()
    assert waiting.status == "requires_action" and tools.tools_created == ["function"]
    assert waiting.required_action is not None
    [call] = waiting.required_action.submit_tool_outputs.tool_calls
    resumed = Recorder()
    with runs.submit_tool_outputs_stream(
        run_id=waiting.id,
        thread_id=waiting.thread_id,
        tool_outputs=[{"tool_call_id": call.id, "output": "rainy"}],
        event_handler=resumed,
    ) as s:
        s.until_done()
    assert resumed.get_final_run().status == "completed"
    assert resumed.steps_done == ["tool_calls", "message_creation"]
    assert "rainy" in "".join(resumed.deltas)


class AsyncRecorder(AsyncAssistantEventHandler):
    """The async twin of :class:`Recorder` (text deltas only)."""

    def __init__(self) -> None:
        super().__init__()
        self.deltas: list[str] = []

    @override
    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        self.deltas.append(delta.value or "")


def test_the_async_sdk_polls_and_streams_runs(server: ServerThread) -> None:
    server.replayer.reset()  # type: ignore[attr-defined]

    async def main() -> tuple[Run, Run, list[str]]:
        async with strict_async_client(server.url + "/v1") as client:
            assistant = await client.beta.assistants.create(model=MODEL, tools=[WEATHER])
            thread: Any = {"messages": [{"role": "user", "content": "Weather in Nice?"}]}
            waiting = await client.beta.threads.create_and_run_poll(
                assistant_id=assistant.id, thread=thread, tool_choice=FORCED
            )
            assert waiting.required_action is not None
            [call] = waiting.required_action.submit_tool_outputs.tool_calls
            done = await client.beta.threads.runs.submit_tool_outputs_and_poll(
                run_id=waiting.id,
                thread_id=waiting.thread_id,
                tool_outputs=[{"tool_call_id": call.id, "output": "warm"}],
            )
            handler = AsyncRecorder()
            story: Any = {"messages": [{"role": "user", "content": "Tell me about Nice."}]}
            async with client.beta.threads.create_and_run_stream(
                assistant_id=assistant.id, thread=story, event_handler=handler
            ) as stream:
                await stream.until_done()
            assert done.status == "completed"
            return waiting, await handler.get_final_run(), handler.deltas

    waiting, streamed, deltas = asyncio.run(main())
    assert waiting.status == "requires_action"
    assert streamed.status == "completed" and streamed.thread_id != waiting.thread_id
    assert len(deltas) > 1


def _events(raw: httpx.Client, path: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """The ``(event, data)`` pairs of a streamed answer, read off the wire."""
    answer = raw.post(path, json={**body, "stream": True}, headers=BETA)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/event-stream")
    pairs = []
    for block in answer.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        data = lines["data"]
        pairs.append((lines["event"], data if data == "[DONE]" else json.loads(data)))
    return pairs


def test_the_raw_stream_is_the_api_event_sequence(client: openai.OpenAI, raw: httpx.Client) -> None:
    assistant_id = _assistant(client)
    body = {
        "assistant_id": assistant_id,
        "thread": {"messages": [{"role": "user", "content": "Hi"}]},
    }
    pairs = _events(raw, "/v1/threads/runs", body)
    names = [name for name, _ in pairs]
    deltas = names.count("thread.message.delta")
    assert deltas > 0
    assert names == [
        "thread.created",
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.message.created",
        "thread.message.in_progress",
        *["thread.message.delta"] * deltas,
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
        "done",
    ]
    assert pairs[-1] == ("done", "[DONE]")
    for name, data in pairs:
        event = {"event": name, "data": data}
        assert response_problems("POST /v1/threads/runs", event, role="stream_event") == [], name


def test_a_fixture_pins_the_assistants_reply(server: ServerThread, client: openai.OpenAI) -> None:
    control = server.control  # type: ignore[attr-defined]
    pinned = {
        "match": {
            "path": "/v1/chat/completions",
            "content": {"regex": "French", "role": "system"},
        },
        "response": {"body": {"choices": [{"message": {"content": "Bonjour, Ada !"}}]}},
    }
    control.add_fixtures([control.runtime_fixture(pinned, key="assistant-reply")])
    try:
        assistant = client.beta.assistants.create(model=MODEL, instructions="Answer in French.")
        run = client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id,
            thread={"messages": [{"role": "user", "content": "Say hello to Ada."}]},
        )
    finally:
        control.remove_runtime("assistant-reply")
    assert run.status == "completed"
    [reply, asked] = client.beta.threads.messages.list(run.thread_id).data
    assert reply.content[0].type == "text" and reply.content[0].text.value == "Bonjour, Ada !"
    assert asked.role == "user" and reply.run_id == run.id
    journal = server.replayer.journal  # type: ignore[attr-defined]
    [chat] = [e.body for e in journal.entries() if e.path == "/v1/chat/completions"]
    assert chat["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Say hello to Ada."},
    ]


def test_max_completion_tokens_ends_the_run_incomplete(
    server: ServerThread, client: openai.OpenAI
) -> None:
    control = server.control  # type: ignore[attr-defined]
    long_reply = "All the weather, everywhere, at once. " * 60
    pinned = {
        "match": {"path": "/v1/chat/completions", "partial_body": {"max_completion_tokens": 256}},
        "response": {"body": {"choices": [{"message": {"content": long_reply}}]}},
    }
    control.add_fixtures([control.runtime_fixture(pinned, key="long-reply")])
    try:
        run = client.beta.threads.runs.create_and_poll(
            thread_id=_thread(client),
            assistant_id=client.beta.assistants.create(model=MODEL).id,
            max_completion_tokens=256,
        )
    finally:
        control.remove_runtime("long-reply")
    checked(RUN, run)
    assert run.status == "incomplete" and run.max_completion_tokens == 256
    assert run.incomplete_details is not None
    assert run.incomplete_details.reason == "max_completion_tokens"
    assert run.usage is not None and run.usage.completion_tokens > 256
    [reply] = client.beta.threads.messages.list(run.thread_id, run_id=run.id).data
    assert reply.status == "incomplete" and reply.incomplete_details is not None
    assert reply.incomplete_details.reason == "max_tokens"


def test_cancel_and_the_active_run_refusals(client: openai.OpenAI) -> None:
    runs, thread_id = client.beta.threads.runs, _thread(client)
    assistant_id = _assistant(client)
    run = runs.create(thread_id, assistant_id=assistant_id)
    assert run.status == "queued" and run.expires_at == run.created_at + 600
    with pytest.raises(openai.BadRequestError, match=f"already has an active run {run.id}"):
        runs.create(thread_id, assistant_id=assistant_id)
    with pytest.raises(openai.BadRequestError, match=f"while a run {run.id} is active"):
        client.beta.threads.messages.create(thread_id, role="user", content="And Rome?")
    cancelling = checked(
        "POST /v1/threads/{thread_id}/runs/{run_id}/cancel",
        runs.cancel(run.id, thread_id=thread_id),
    )
    assert cancelling.status == "cancelling"
    cancelled = runs.retrieve(run.id, thread_id=thread_id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    with pytest.raises(openai.BadRequestError, match=r"Cannot cancel run with status 'cancelled'"):
        runs.cancel(run.id, thread_id=thread_id)
    assert runs.steps.list(run.id, thread_id=thread_id).data == []
    updated = runs.update(run.id, thread_id=thread_id, metadata={"why": "user left"})
    assert updated.metadata == {"why": "user left"}
    listed = checked("GET /v1/threads/{thread_id}/runs", runs.list(thread_id))
    assert [r.id for r in listed.data] == [run.id]


def test_file_search_runs_make_a_step_whose_content_include_shows(client: openai.OpenAI) -> None:
    made = client.files.create(
        file=("tides.txt", b"The moon pulls the tides twice a day."), purpose="assistants"
    )
    assistant = client.beta.assistants.create(
        model=MODEL,
        tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_stores": [{"file_ids": [made.id]}]}},
    )
    checked("POST /v1/assistants", assistant)
    assert assistant.tool_resources and assistant.tool_resources.file_search
    [store_id] = assistant.tool_resources.file_search.vector_store_ids or []
    client.vector_stores.retrieve(store_id)  # processes the file
    run = client.beta.threads.create_and_run_poll(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "What pulls the tides?"}]},
    )
    assert run.status == "completed"
    steps = client.beta.threads.runs.steps
    first = steps.list(run.id, thread_id=run.thread_id, order="asc").data[0]
    assert first.step_details.type == "tool_calls"
    [search] = first.step_details.tool_calls
    assert search.type == "file_search" and search.file_search.results
    assert search.file_search.results[0].file_id == made.id
    assert search.file_search.results[0].content is None
    include: Any = ["step_details.tool_calls[*].file_search.results[*].content"]
    shown = steps.retrieve(first.id, thread_id=run.thread_id, run_id=run.id, include=include)
    checked("GET /v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}", shown)
    assert shown.step_details.type == "tool_calls"
    [found] = shown.step_details.tool_calls
    assert found.type == "file_search" and found.file_search.results
    content = found.file_search.results[0].content or []
    assert "moon" in (content[0].text or "")


def test_assistants_threads_and_messages_crud(client: openai.OpenAI, raw: httpx.Client) -> None:
    assistants, threads = client.beta.assistants, client.beta.threads
    first = _assistant(client, name="Weather", metadata={"team": "a"})
    second = _assistant(client)
    listed = checked("GET /v1/assistants", assistants.list(order="asc", limit=1))
    assert [a.id for a in listed.data] == [first] and listed.has_more
    renamed = assistants.update(first, name="Forecast", temperature=0.5)
    assert (renamed.name, renamed.temperature, renamed.metadata) == ("Forecast", 0.5, {"team": "a"})
    assert (
        checked("GET /v1/assistants/{assistant_id}", assistants.retrieve(first)).name == "Forecast"
    )
    gone = checked("DELETE /v1/assistants/{assistant_id}", assistants.delete(second))
    assert gone.deleted and gone.object == "assistant.deleted"
    with pytest.raises(openai.NotFoundError, match=f"No assistant found with id '{second}'."):
        assistants.retrieve(second)

    thread_id = _thread(client, "one")
    messages = threads.messages
    messages.create(thread_id, role="assistant", content="two")
    added = messages.create(
        thread_id, role="user", content=[{"type": "text", "text": "three"}], metadata={"n": "3"}
    )
    checked("POST /v1/threads/{thread_id}/messages", added)
    newest = messages.list(thread_id).data
    assert [m.content[0].text.value for m in newest if m.content[0].type == "text"] == [
        "three",
        "two",
        "one",
    ]
    oldest = messages.list(thread_id, order="asc", limit=2)
    assert [m.role for m in oldest.data] == ["user", "assistant"] and oldest.has_more
    assert messages.update(added.id, thread_id=thread_id, metadata={"n": "4"}).metadata == {
        "n": "4"
    }
    assert messages.retrieve(added.id, thread_id=thread_id).metadata == {"n": "4"}
    assert messages.delete(added.id, thread_id=thread_id).deleted
    assert threads.update(thread_id, metadata={"user": "ada"}).metadata == {"user": "ada"}
    assert threads.retrieve(thread_id).metadata == {"user": "ada"}
    assert threads.delete(thread_id).deleted
    with pytest.raises(openai.NotFoundError, match=f"No thread found with id '{thread_id}'."):
        messages.list(thread_id)
    with pytest.raises(openai.BadRequestError, match="Expected an ID that begins with 'thread'"):
        threads.retrieve("conv_123")
    unbeta = raw.get("/v1/assistants")
    assert unbeta.status_code == 400 and unbeta.json()["error"]["code"] == "invalid_beta"


def test_the_sunset_switch_refuses_every_assistants_route(
    server: ServerThread, client: openai.OpenAI
) -> None:
    assistant_id = _assistant(client)
    server.control.sunset(["assistants"])  # type: ignore[attr-defined]
    try:
        with pytest.raises(openai.NotFoundError) as caught:
            client.beta.assistants.retrieve(assistant_id)
        assert caught.value.status_code == 404
        error = caught.value.body
        assert isinstance(error, dict) and (error["type"], error["code"]) == (
            "invalid_request_error",
            None,
        )
        assert error["message"].startswith(f"Invalid URL (GET /v1/assistants/{assistant_id})")
        assert "Assistants API was shut down on 2026-08-26" in error["message"]
        assert "Responses API" in error["message"]
        with pytest.raises(openai.NotFoundError, match=r"Invalid URL \(POST /v1/threads\)"):
            client.beta.threads.create()
        reply = client.responses.create(model=MODEL, input="Hi")  # the way forward answers
        assert reply.output_text
    finally:
        server.replayer.reset()  # type: ignore[attr-defined]
    assert client.beta.assistants.list().data == []  # served again after the reset
