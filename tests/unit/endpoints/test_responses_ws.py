"""The Responses WebSocket protocol, pure: parsing client events, the handshake check,
the HTTP request a ``response.create`` stands for, the server messages, and steering."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockapi.endpoints.responses import websocket as responses_ws
from mockapi.endpoints.responses.steer import Steering, required_input
from mockapi.endpoints.responses.websocket import Create, Session
from mockapi.errors import APIError
from mockapi.model import Request, Response, SSEEvent
from mockapi.state.objects import ObjectStore

BEARER = {"authorization": "Bearer sk-test"}


def handshake(path: str = "/v1/responses", **headers: str) -> Request:
    return Request("GET", path, {**BEARER, **headers}, (("api-version", "x"),))


def final(response_id: str, output: list[dict[str, Any]], *, status: str = "completed") -> Response:
    """A replayer answer: a response's created and last events."""
    body = {"id": response_id, "object": "response", "status": status, "output": output}
    events = (
        SSEEvent({"type": "response.created", "response": body, "sequence_number": 0}),
        SSEEvent({"type": f"response.{status}", "response": body, "sequence_number": 1}),
        SSEEvent("[DONE]"),
    )
    return Response(200, {}, events=events)


CALL = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}"}


# -- client events -------------------------------------------------------------------------


def test_a_create_is_the_post_body_with_stream_forced_and_the_envelope_removed() -> None:
    message = json.dumps(
        {"type": "response.create", "stream_id": "a.1", "model": "m", "input": "x", "stream": False}
    )
    assert responses_ws.parse(message) == Create(
        {"model": "m", "input": "x", "stream": True}, "a.1"
    )


def test_a_steer_is_passed_on_as_sent() -> None:
    event = {"type": "response.steer", "previous_response_id": "resp_1", "input": "x"}
    assert responses_ws.parse(json.dumps(event).encode()) == event


@pytest.mark.parametrize(
    ("message", "status", "param", "words"),
    [
        ("{nope", 400, None, "could not parse the JSON body"),
        # Held to strict JSON like an HTTP body (json.loads accepted both).
        ('{"type": "response.create", "temperature": NaN}', 400, None, "NaN is not JSON"),
        ('{"type": "response.create", "input": "\\ud800"}', 400, None, "lone surrogate"),
        ("[1]", 400, None, "expected a JSON object"),
        ('{"model": "m"}', 400, "type", "Missing required parameter: 'type'."),
        ('{"type": "session.update"}', 400, "type", 'Invalid value: "session.update".'),
        ('{"type": "response.create", "background": true}', 400, "background", "WebSocket"),
    ],
)
def test_bad_client_events_are_errors(
    message: str, status: int, param: str | None, words: str
) -> None:
    error = responses_ws.parse(message)
    assert isinstance(error, APIError)
    assert (error.status, error.param) == (status, param)
    assert words in error.message


def test_the_error_event_has_the_status_and_the_error_object() -> None:
    error = APIError(400, "Bad.", param="x", code="y")
    assert responses_ws.error_event(error, "lane") == {
        "type": "error",
        "status": 400,
        "error": {"message": "Bad.", "type": "invalid_request_error", "param": "x", "code": "y"},
        "stream_id": "lane",
    }


# -- the handshake and the request ------------------------------------------------------------


def test_the_handshake_needs_a_bearer_key() -> None:
    assert responses_ws.handshake_error(handshake(), ()) is None
    missing = responses_ws.handshake_error(Request("GET", "/v1/responses"), ())
    assert missing is not None and missing.status == 401
    assert missing.message.startswith("You didn't provide an API key.")
    wrong = responses_ws.handshake_error(handshake(), ("sk-other",))
    assert wrong is not None and wrong.code == "invalid_api_key"


def test_the_handshake_accepts_azure_paths_and_refuses_others() -> None:
    azure = Request("GET", "/openai/v1/responses", {"api-key": "k"})
    assert responses_ws.handshake_error(azure, ()) is None
    other = responses_ws.handshake_error(handshake("/v1/realtime"), ())
    assert other is not None and (other.status, other.message) == (
        404,
        "Invalid URL (GET /v1/realtime)",
    )


def test_the_request_keeps_the_key_and_query_and_drops_the_upgrade_headers() -> None:
    shake = handshake(**{"sec-websocket-key": "abc", "upgrade": "websocket", "x-custom": "1"})
    create = Create({"model": "m", "input": "x", "stream": True})
    request = responses_ws.http_request(create, shake)
    assert (request.method, request.path, request.query) == ("POST", "/v1/responses", shake.query)
    assert request.headers == {**BEARER, "x-custom": "1", "content-type": "application/json"}
    assert json.loads(request.body) == request.json == create.body
    assert request.wants_stream


# -- server messages --------------------------------------------------------------------------


def test_events_become_messages_with_the_lane_and_done_is_dropped() -> None:
    messages = Session().answer(Create({"input": "x"}, "lane"), final("resp_1", []), ObjectStore())
    assert [m.data["type"] for m in messages] == ["response.created", "response.completed"]
    assert {m.data["stream_id"] for m in messages} == {"lane"}


def test_an_http_error_becomes_the_error_event() -> None:
    answer = Response(404, {}, body=APIError(404, "Not here.", code="c").body())
    [message] = Session().answer(Create({"input": "x"}), answer, ObjectStore())
    assert message.data["status"] == 404
    assert message.data["error"]["message"] == "Not here."
    azure = Response(401, {}, body={"statusCode": 401, "message": "Access denied."})
    [message] = Session().answer(Create({"input": "x"}), azure, ObjectStore())
    assert message.data["error"] == {"message": "Access denied.", "type": "invalid_request_error"}


def test_a_stream_error_event_gets_the_websocket_shape() -> None:
    event = SSEEvent(
        {
            "type": "error",
            "code": "server_error",
            "message": "Boom",
            "param": None,
            "sequence_number": 3,
        }
    )
    [message] = Session().answer(Create({}), Response(200, {}, events=(event,)), ObjectStore())
    assert message.data == {
        "type": "error",
        "sequence_number": 3,
        "error": {"code": "server_error", "message": "Boom", "param": None, "type": "server_error"},
    }


def test_a_plain_answer_is_not_a_stream() -> None:
    [message] = Session().answer(
        Create({}), Response(200, {}, body={"id": "resp_1"}), ObjectStore()
    )
    assert message.data["status"] == 500
    assert "not a Responses event stream" in message.data["error"]["message"]


# -- steering ---------------------------------------------------------------------------------


def steer(session: Session, target: str, given: Any = "Be brief.", **extra: Any) -> list[Any]:
    event = {"type": "response.steer", "previous_response_id": target, "input": given, **extra}
    return [m.data for m in session.steer(event)]


def test_a_response_waiting_for_a_call_accepts_steering_then_commits_it() -> None:
    session = Session()
    session.answer(Create({"input": "x"}, "lane"), final("resp_1", [CALL]), ObjectStore())
    accepted, pending = steer(session, "resp_1")
    assert accepted["type"] == "response.steer.accepted"
    assert accepted["steer"]["id"].startswith("steer_")
    assert (accepted["sequence_number"], pending["sequence_number"]) == (2, 3)
    assert pending["required_input"] == [
        {"type": "function_call_output", "call_id": "call_1", "name": "f"}
    ]
    assert pending["stream_id"] == accepted["stream_id"] == "lane"
    output = {"type": "function_call_output", "call_id": "call_1", "output": "ok"}
    create = session.prepare(Create({"previous_response_id": "resp_1", "input": [output]}))
    assert create.body["input"] == [
        {"type": "message", "role": "user", "content": "Be brief."},
        output,
    ]
    assert (
        session.answer(create, final("resp_2", []), ObjectStore())
        and session.prepare(create) == create
    )
    [again] = steer(session, "resp_1")
    assert again["error"]["code"] == "response_already_completed"


def test_a_failed_successor_returns_the_queued_input() -> None:
    session = Session()
    session.answer(Create({"input": "x"}), final("resp_1", [CALL]), ObjectStore())
    accepted, _ = steer(session, "resp_1", [{"role": "user", "content": "Hurry."}])
    create = session.prepare(Create({"previous_response_id": "resp_1", "input": "go"}))
    assert create.body["input"][0]["content"] == "Hurry."
    error = Response(400, {}, body=APIError(400, "Bad.").body())
    error_event, failed = [m.data for m in session.answer(create, error, ObjectStore())]
    assert error_event["type"] == "error"
    assert failed["type"] == "response.steer.failed"
    assert failed["error"]["code"] == "successor_creation_failed"
    assert failed["steer"] == {
        "id": accepted["steer"]["id"],
        "input": [{"role": "user", "content": "Hurry."}],
        "previous_response_id": "resp_1",
    }


@pytest.mark.parametrize(
    ("request_body", "status", "output", "code"),
    [
        ({}, "completed", [], "response_already_completed"),
        ({}, "incomplete", [CALL], "response_not_active"),
        ({"conversation": "conv_1"}, "completed", [CALL], "steering_not_supported"),
    ],
)
def test_steering_is_refused_for_what_cannot_take_it(
    request_body: dict[str, Any], status: str, output: list[Any], code: str
) -> None:
    session = Session()
    session.answer(Create(request_body), final("resp_1", output, status=status), ObjectStore())
    [failed] = steer(session, "resp_1")
    assert failed["type"] == "response.steer.failed"
    assert failed["error"] == {
        "type": "invalid_request_error",
        "code": code,
        "message": failed["error"]["message"],
    }
    assert "id" not in failed["steer"] and failed["sequence_number"] == 2


@pytest.mark.parametrize(
    ("given", "extra", "words"),
    [
        ("", {}, "empty"),
        ([], {}, "non-empty array"),
        ([{"role": "assistant", "content": "x"}], {}, "only 'user'"),
        ([{"type": "function_call_output", "call_id": "c", "output": "x"}], {}, "only messages"),
        ([{"role": "user", "content": [{"type": "output_text", "text": "x"}]}], {}, "parts"),
        ("x", {"stream_id": "lane"}, "Unknown parameter 'stream_id'"),
    ],
)
def test_invalid_steering_input_fails_without_an_id(
    given: Any, extra: dict[str, Any], words: str
) -> None:
    session = Session()
    session.answer(Create({}), final("resp_1", [CALL]), ObjectStore())
    [failed] = steer(session, "resp_1", given, **extra)
    assert failed["error"]["code"] == "invalid_input"
    assert words in failed["error"]["message"]
    assert failed["steer"] == {"input": given, "previous_response_id": "resp_1"}


def test_a_response_from_elsewhere_is_not_found() -> None:
    [failed] = steer(Session(), "resp_other")
    assert failed["error"]["code"] == "response_not_found"
    assert failed["sequence_number"] == 0 and "stream_id" not in failed


def test_required_input_stubs_for_every_client_owned_item() -> None:
    output = [
        CALL,
        {"type": "custom_tool_call", "call_id": "c2"},
        {"type": "mcp_approval_request", "id": "mcpr_1"},
        {"type": "tool_search_call", "call_id": "c3", "execution": "server"},
        {"type": "tool_search_call", "call_id": "c4", "execution": "client"},
        {"type": "message", "id": "msg_1"},
    ]
    assert required_input(output) == [
        {"type": "function_call_output", "call_id": "call_1", "name": "f"},
        {"type": "custom_tool_call_output", "call_id": "c2"},
        {"type": "mcp_approval_response", "approval_request_id": "mcpr_1"},
        {"type": "tool_search_output", "call_id": "c4", "execution": "client"},
    ]


def test_steering_keeps_nothing_for_an_unchained_create() -> None:
    steering = Steering()
    assert steering.queued_input("resp_1") == []
    assert steering.settle("resp_1", failed=True) == []


# -- the connection's latest response -----------------------------------------------------------


def test_the_latest_response_is_lent_for_one_chained_request_when_not_kept() -> None:
    from mockapi.endpoints.responses.routes import STORED

    session, state = Session(), ObjectStore()
    session.answer(Create({"input": "Hi", "store": False}), final("resp_1", []), state)
    chained = Create({"input": "Again", "previous_response_id": "resp_1"})
    assert session.lend(Create({"input": "x"}), state) is None
    assert session.lend(chained, state) == "resp_1"
    lent = state.get(STORED, "resp_1")
    assert lent["items"] == [{"type": "message", "role": "user", "content": "Hi"}]
    session.answer(chained, final("resp_2", []), state)
    state.delete(STORED, "resp_1")
    # The next one chains from resp_2, whose history is resp_1's turn.
    assert session.latest is not None and session.latest[0] == "resp_2"
    assert session.latest[1]["history"] == lent["items"]
    assert session.lend(chained, state) is None  # resp_1 is no longer the latest


def test_a_kept_response_is_not_lent_and_an_error_evicts_the_latest() -> None:
    from mockapi.endpoints.responses.routes import STORED

    session, state = Session(), ObjectStore()
    session.answer(Create({"input": "Hi"}), final("resp_1", []), state)
    state.put(STORED, "resp_1", {"kept": True})
    chained = Create({"input": "Again", "previous_response_id": "resp_1"})
    assert session.lend(chained, state) is None
    state.delete(STORED, "resp_1")
    error = Response(400, {}, body=APIError(400, "Bad.").body())
    session.answer(Create({"input": "x"}), error, state)
    assert session.latest is None and session.lend(chained, state) is None
