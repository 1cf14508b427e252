"""Runs without a server (mockapi.endpoints.assistants), the model's answers scripted: the
lifecycle one step per retrieve (a run waiting for outputs rests there, even for
Control.jobs' complete), usage on runs and steps, the chat request a turn sends
(instructions, history, truncation, the forced tool of the first turn only, the token
budgets), the ends (failed by a model error or a plan, incomplete, expired while
waiting, cancelled), refusals, and the stream's event order."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.endpoints import jobs
from mockapi.endpoints.assistants import records
from mockapi.endpoints.assistants.family import FAMILY
from mockapi.errors import APIError
from mockapi.model import Response
from mockapi.replay.jobs import FAMILIES
from mockapi.state import lifecycle
from mockapi.state.objects import KEPT_KINDS
from tests.unit.endpoints.assistants_state import WEATHER, Api, calls, text

FORCED = {"type": "function", "function": {"name": "get_weather"}}


def test_a_run_moves_one_step_per_retrieve_and_rests_waiting_for_outputs() -> None:
    api = Api([calls("get_weather"), text("It is sunny.")])
    assistant = api.assistant(instructions="Report the weather.", tools=[WEATHER])
    run = api.run(api.thread("Weather in Oslo?"), assistant, tool_choice=FORCED)
    assert run["status"] == "queued" and run["instructions"] == "Report the weather."
    started = api.retrieve(run)
    assert started["status"] == "in_progress" and started["started_at"] == 1_700_000_000
    waiting = api.retrieve(run)
    assert waiting["status"] == "requires_action" and waiting["usage"] is None
    action = waiting["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert [c["function"]["name"] for c in action] == ["get_weather"]
    # Nothing moves a run waiting for outputs: a retrieve, or a test completing it.
    assert api.retrieve(run)["status"] == "requires_action"
    ctx = api.context("GET", f"/v1/threads/{run['thread_id']}/runs/{run['id']}")
    assert jobs.drive(ctx, FAMILY, run["id"], "complete")["status"] == "requires_action"
    [step] = api.steps(run)
    assert (step["type"], step["status"], step["usage"]) == ("tool_calls", "in_progress", None)

    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    outputs = {"tool_outputs": [{"tool_call_id": "call_get_weather", "output": "sunny"}]}
    queued = api.answer("POST", path, outputs)
    assert queued.body["status"] == "queued" and "openai-poll-after-ms" in queued.headers
    assert jobs.drive(ctx, FAMILY, run["id"], "complete")["status"] == "completed"
    done = api.retrieve(run)
    assert done["expires_at"] is None and done["completed_at"] == 1_700_000_000
    assert done["usage"] == {"prompt_tokens": 80, "completion_tokens": 20, "total_tokens": 100}
    tool, message = api.steps(run)
    assert (
        tool["usage"]
        == message["usage"]
        == {
            "prompt_tokens": 40,
            "completion_tokens": 10,
            "total_tokens": 50,
        }
    )
    assert tool["step_details"]["tool_calls"][0]["function"]["output"] == "sunny"
    # The second turn: the call and its output in the history, the forcing gone.
    first, second = api.asked
    assert first["tool_choice"] == FORCED and second["tool_choice"] == "auto"
    assert first["messages"] == [
        {"role": "system", "content": "Report the weather."},
        {"role": "user", "content": "Weather in Oslo?"},
    ]
    assert second["messages"][2:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_get_weather",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_get_weather", "content": "sunny"},
    ]


def test_outputs_must_answer_exactly_the_calls_of_a_waiting_run() -> None:
    api = Api([calls("get_weather", "get_time"), text("Done.")])
    run = api.run(api.thread("Hi"), api.assistant(tools=[WEATHER]))
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    one = {"tool_outputs": [{"tool_call_id": "call_get_weather", "output": "x"}]}
    with pytest.raises(APIError, match='Runs in status "queued" do not accept tool outputs'):
        api.call("POST", path, one)
    api.retrieve(run)
    api.retrieve(run)
    with pytest.raises(APIError) as caught:
        api.call("POST", path, one)
    assert caught.value.param == "tool_outputs"
    assert caught.value.message == (
        "Expected tool outputs for call_ids ['call_get_weather', 'call_get_time'], "
        "got ['call_get_weather']"
    )


def test_a_run_waiting_past_its_window_expires_and_its_step_with_it() -> None:
    api = Api([calls("get_weather")])
    run = api.run(api.thread("Hi"), api.assistant(tools=[WEATHER]))
    assert run["expires_at"] == 1_700_000_000 + 600
    api.retrieve(run)
    api.retrieve(run)
    api.now += 601
    expired = api.retrieve(run)
    assert (expired["status"], expired["required_action"], expired["expires_at"]) == (
        "expired",
        None,
        None,
    )
    [step] = api.steps(run)
    assert step["status"] == "expired" and step["expired_at"] == 1_700_000_601
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    with pytest.raises(APIError, match='Runs in status "expired" do not accept'):
        api.call("POST", path, {"tool_outputs": []})


def test_a_model_error_or_a_planned_failure_ends_the_run_failed() -> None:
    refused = Response(429, {}, body={"error": {"message": "Rate limit reached for gpt-4o"}})
    api = Api([refused])
    run = api.run(api.thread("Hi"), api.assistant())
    api.retrieve(run)
    failed = api.retrieve(run)
    assert failed["status"] == "failed" and failed["failed_at"] == 1_700_000_000
    assert failed["last_error"] == {
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached for gpt-4o",
    }
    assert api.steps(failed) == []

    planned = Api()
    thread = planned.thread("Hi")
    body = {"assistant_id": planned.assistant()}
    header = {lifecycle.HEADER: "fail; code=invalid_prompt; message=Bad words"}
    headers = {**planned.context("GET", "/v1/assistants").request.headers, **header}
    made = planned.call("POST", f"/v1/threads/{thread}/runs", body, headers=headers)
    planned.retrieve(made)
    ended = planned.retrieve(made)
    assert ended["last_error"] == {"code": "invalid_prompt", "message": "Bad words"}
    assert planned.asked == []  # the planned failure takes the turn's place


def test_the_token_budgets_end_a_run_incomplete() -> None:
    cut = Api([text("A long answer", finish="length")])
    run = cut.run(cut.thread("Hi"), cut.assistant(), max_completion_tokens=300)
    cut.retrieve(run)
    ended = cut.retrieve(run)
    assert ended["status"] == "incomplete"
    assert ended["incomplete_details"] == {"reason": "max_completion_tokens"}
    assert cut.asked[0]["max_completion_tokens"] == 300
    messages = cut.call("GET", f"/v1/threads/{run['thread_id']}/messages")["data"]
    assert messages[0]["status"] == "incomplete"
    assert messages[0]["incomplete_details"] == {"reason": "max_tokens"}

    long = Api()
    thread = long.thread(*(f"Message {n}: " + "word " * 120 for n in range(6)))
    fits = long.run(thread, long.assistant(), max_prompt_tokens=300)
    long.retrieve(fits)
    assert long.retrieve(fits)["status"] == "completed"
    kept = long.asked[0]["messages"]
    assert 1 <= len(kept) < 6 and kept[-1]["content"].startswith("Message 5")  # oldest dropped
    strict = {"type": "last_messages", "last_messages": 3}
    squeezed = long.run(thread, long.assistant(), max_prompt_tokens=256, truncation_strategy=strict)
    long.retrieve(squeezed)
    ended = long.retrieve(squeezed)
    assert ended["status"] == "incomplete" and len(long.asked) == 1  # the model not asked
    assert ended["incomplete_details"] == {"reason": "max_prompt_tokens"}


def test_cancel_ends_the_run_on_the_next_look_and_refuses_an_ended_one() -> None:
    api = Api()
    run = api.run(api.thread("Hi"), api.assistant())
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}"
    assert api.call("POST", path + "/cancel")["status"] == "cancelling"
    assert api.call("POST", path + "/cancel")["status"] == "cancelling"
    cancelled = api.retrieve(run)
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] == 1_700_000_000
    assert api.asked == []
    with pytest.raises(APIError, match="Cannot cancel run with status 'cancelled'"):
        api.call("POST", path + "/cancel")


def test_a_thread_holds_one_active_run_and_no_new_messages_while_it_runs() -> None:
    api = Api()
    thread, assistant = api.thread("Hi"), api.assistant()
    run = api.run(thread, assistant)
    with pytest.raises(APIError, match=f"Thread {thread} already has an active run {run['id']}."):
        api.run(thread, assistant)
    message = {"role": "user", "content": "And?"}
    with pytest.raises(APIError, match=f"Can't add messages to {thread} while a run"):
        api.call("POST", f"/v1/threads/{thread}/messages", message)
    api.retrieve(run)
    api.retrieve(run)
    again = api.run(thread, assistant, additional_messages=[message], instructions="Short.")
    assert again["instructions"] == "Short."
    api.retrieve(again)
    api.retrieve(again)
    assert [m["role"] for m in api.asked[1]["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]


def test_streamed_runs_send_the_api_event_sequence() -> None:
    api = Api([calls("get_weather"), text("Sunny in Oslo.")])
    assistant = api.assistant(tools=[WEATHER])
    body = {"assistant_id": assistant, "stream": True, "thread": {"messages": []}}
    events = api.answer("POST", "/v1/threads/runs", body).events or ()
    assert [e.event for e in events] == [
        "thread.created",
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.run.step.delta",
        "thread.run.step.delta",
        "thread.run.requires_action",
        "done",
    ]
    created, named, argued = events[4].data, events[6].data, events[7].data
    assert isinstance(created, dict) and created["step_details"]["tool_calls"] == []
    assert isinstance(named, dict) and isinstance(argued, dict)
    [call] = named["delta"]["step_details"]["tool_calls"]
    assert call == {
        "index": 0,
        "id": "call_get_weather",
        "type": "function",
        "function": {"name": "get_weather", "arguments": "", "output": None},
    }
    assert argued["delta"]["step_details"]["tool_calls"][0]["function"] == {"arguments": "{}"}
    assert events[-1].data == "[DONE]"
    run: Any = events[-2].data
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    outputs = {"tool_outputs": [{"tool_call_id": "call_get_weather", "output": "sunny"}]}
    resumed = api.answer("POST", path, {**outputs, "stream": True}).events or ()
    names = [e.event for e in resumed]
    assert names[:3] == ["thread.run.queued", "thread.run.in_progress", "thread.run.step.completed"]
    assert names[3:7] == [
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.message.created",
        "thread.message.in_progress",
    ]
    deltas = [e.data for e in resumed if e.event == "thread.message.delta"]
    said = "".join(d["delta"]["content"][0]["text"]["value"] for d in deltas)
    assert said == "Sunny in Oslo." and len(deltas) == 3
    assert names[-4:] == [
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
        "done",
    ]


def test_a_held_run_streams_what_it_did() -> None:
    api = Api()
    thread = api.thread("Hi")
    headers = {**api.context("GET", "/v1/assistants").request.headers, lifecycle.HEADER: "stuck"}
    body = {"assistant_id": api.assistant(), "stream": True}
    events = api.answer("POST", f"/v1/threads/{thread}/runs", body, headers=headers).events
    assert [e.event for e in events or ()] == ["thread.run.created", "thread.run.queued", "done"]


def test_runs_are_a_job_family_kept_whole() -> None:
    assert FAMILIES[records.RUNS] is FAMILY
    assert records.KINDS <= KEPT_KINDS
    assert FAMILY.life.finished("requires_action") and FAMILY.life.finished("incomplete")
    assert not FAMILY.life.finished("cancelling")
