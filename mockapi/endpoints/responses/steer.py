"""Steering over a Responses WebSocket (``response.steer``): deterministic, pure.

The real API queues steering input for a response still running on the connection, or
stopped for client-owned tool output or an approval. mockapi answers every
``response.create`` in full before it reads the next message, so the only response a
steer can meet still open is one waiting for required input. The rules, in order:

1. an event with other fields than ``type``, ``previous_response_id`` and ``input``, or
   input that is not user messages (a string, or a non-empty list of ``message`` items
   with role ``user`` and text, image or file content): ``response.steer.failed``,
   code ``invalid_input``;
2. a response not created on this connection: ``response_not_found``;
3. a response bound to a conversation or using automatic compaction:
   ``steering_not_supported``;
4. a response that did not complete (failed, incomplete, cancelled): ``response_not_active``;
5. a response that completed with nothing to wait for, or that a later
   ``response.create`` already continued: ``response_already_completed``;
6. a response waiting for tool output or an approval: ``response.steer.accepted`` (a
   ``steer_…`` id), then ``response.steer.pending`` with the ``required_input`` stubs.
   The next ``response.create`` with that ``previous_response_id`` gets the queued input
   prepended to its own; its ``response.created`` commits it, and if it fails the input
   comes back in ``response.steer.failed`` (``successor_creation_failed``).

Steering events carry the target response's next ``sequence_number`` and its
``stream_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockapi.endpoints.responses.items import new_id, raw_items

_FIELDS = frozenset({"type", "previous_response_id", "input"})
_MESSAGE_FIELDS = frozenset({"type", "role", "content"})
_PARTS = frozenset({"input_text", "input_image", "input_file"})
_OUTPUT_FOR = {
    "function_call": "function_call_output",
    "custom_tool_call": "custom_tool_call_output",
    "computer_call": "computer_call_output",
    "shell_call": "shell_call_output",
    "apply_patch_call": "apply_patch_call_output",
    "tool_search_call": "tool_search_output",
}
"""Output items a client owns, by the call item that waits for them."""


@dataclass
class _Tracked:
    """A response created on the connection, as steering sees it."""

    status: str
    required: list[dict[str, Any]]
    stream_id: str | None
    bound: bool
    next_sequence: int
    continued: bool = False


@dataclass
class _Queued:
    id: str
    input: Any


@dataclass
class Steering:
    """The responses of one connection and the steering input queued for them."""

    _responses: dict[str, _Tracked] = field(default_factory=dict)
    _queued: dict[str, list[_Queued]] = field(default_factory=dict)

    def track(
        self, final: Mapping[str, Any], request: Mapping[str, Any], stream_id: str | None
    ) -> None:
        """Note a response's last event (``response.completed`` and the like)."""
        response = final["response"]
        response_id = response.get("id")
        if not isinstance(response_id, str):
            return
        sequence = final.get("sequence_number")
        bound = request.get("conversation") is not None or bool(request.get("context_management"))
        self._responses[response_id] = _Tracked(
            status=str(response.get("status")),
            required=required_input(response.get("output") or []),
            stream_id=stream_id,
            bound=bound,
            next_sequence=sequence + 1 if isinstance(sequence, int) else 0,
        )

    def steer(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The events answering one ``response.steer`` event (see the module docstring)."""
        target = event.get("previous_response_id")
        given = event.get("input")
        target_id = target if isinstance(target, str) else ""
        problem = _invalid(event)
        if problem is not None:
            return [self._failed(target_id, given, "invalid_input", problem)]
        tracked = self._responses.get(target_id)
        if tracked is None:
            message = (
                f"Response '{target_id}' is not available on this connection: steer only "
                "responses created by a response.create on the same WebSocket."
            )
            return [self._failed(target_id, given, "response_not_found", message)]
        refusal = _refusal(tracked, target_id)
        if refusal is not None:
            code, message = refusal
            return [self._failed(target_id, given, code, message)]
        steer_id = new_id("steer")
        self._queued.setdefault(target_id, []).append(_Queued(steer_id, given))
        reference = {"id": steer_id, "previous_response_id": target_id}
        accepted = {"type": "response.steer.accepted", "steer": reference}
        pending = {
            "type": "response.steer.pending",
            "steer": dict(reference),
            "reason": "waiting_for_required_input",
            "required_input": [dict(stub) for stub in tracked.required],
        }
        return [self._stamp(target_id, accepted), self._stamp(target_id, pending)]

    def queued_input(self, target_id: str) -> list[dict[str, Any]]:
        """The input items queued for ``target_id``, in submission order."""
        return [
            item
            for queued in self._queued.get(target_id, [])
            for item in raw_items({"input": queued.input})
        ]

    def settle(self, target_id: str, *, failed: bool) -> list[dict[str, Any]]:
        """A ``response.create`` continuing ``target_id`` was answered: its queued input
        is committed, or, when it ``failed``, returned in ``response.steer.failed``."""
        queued = self._queued.pop(target_id, [])
        tracked = self._responses.get(target_id)
        if not failed:
            if tracked is not None:
                tracked.continued = True
            return []
        message = "The successor response could not be created; resend this input."
        return [
            self._failed(target_id, q.input, "successor_creation_failed", message, q.id)
            for q in queued
        ]

    def _failed(
        self,
        target_id: str,
        given: Any,
        code: str,
        message: str,
        steer_id: str | None = None,
    ) -> dict[str, Any]:
        steer: dict[str, Any] = {"input": given, "previous_response_id": target_id}
        if steer_id is not None:
            steer["id"] = steer_id
        error = {"type": "invalid_request_error", "code": code, "message": message}
        return self._stamp(
            target_id, {"type": "response.steer.failed", "steer": steer, "error": error}
        )

    def _stamp(self, target_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` with the target's next sequence number and its lane."""
        tracked = self._responses.get(target_id)
        if tracked is None:
            return {**event, "sequence_number": 0}
        stamped = {**event, "sequence_number": tracked.next_sequence}
        tracked.next_sequence += 1
        if tracked.stream_id is not None:
            stamped["stream_id"] = tracked.stream_id
        return stamped


def required_input(output: list[Any]) -> list[dict[str, Any]]:
    """The stubs of what the client owes a response with these ``output`` items: one
    per call it is to run, one per approval it is to give."""
    stubs: list[dict[str, Any]] = []
    for item in output:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "mcp_approval_request" and isinstance(item.get("id"), str):
            stubs.append({"type": "mcp_approval_response", "approval_request_id": item["id"]})
        elif kind in _OUTPUT_FOR and isinstance(item.get("call_id"), str):
            if kind == "tool_search_call" and item.get("execution") != "client":
                continue  # the server ran this search itself
            stub: dict[str, Any] = {"type": _OUTPUT_FOR[kind], "call_id": item["call_id"]}
            if kind == "function_call":
                stub["name"] = item.get("name", "")
            if kind == "tool_search_call":
                stub["execution"] = "client"
            stubs.append(stub)
    return stubs


def _refusal(tracked: _Tracked, target_id: str) -> tuple[str, str] | None:
    if tracked.bound:
        return (
            "steering_not_supported",
            f"Response '{target_id}' is bound to a conversation or uses automatic "
            "compaction; such responses cannot be steered.",
        )
    if tracked.status != "completed":
        return (
            "response_not_active",
            f"Response '{target_id}' is {tracked.status} and no longer accepts steering "
            "input; send a new response.create instead.",
        )
    if not tracked.required or tracked.continued:
        return (
            "response_already_completed",
            f"Response '{target_id}' has completed and no longer accepts steering input; "
            "send the input in a response.create with this previous_response_id.",
        )
    return None


def _invalid(event: Mapping[str, Any]) -> str | None:
    """What is wrong with a ``response.steer`` event, or None."""
    extra = sorted(set(event) - _FIELDS)
    if extra:
        return (
            f"Unknown parameter '{extra[0]}': response.steer accepts only type, "
            "previous_response_id and input (the target response decides the stream_id)."
        )
    target = event.get("previous_response_id")
    if not isinstance(target, str) or not target:
        return "Missing required parameter: 'previous_response_id'."
    return _invalid_input(event.get("input"))


def _invalid_input(given: Any) -> str | None:
    if isinstance(given, str):
        return None if given else "'input' is empty: send the text to steer with."
    if not isinstance(given, list) or not given:
        return "'input' must be a string or a non-empty array of user messages."
    for index, item in enumerate(given):
        where = f"input[{index}]"
        if not isinstance(item, dict):
            return f"{where} must be a message object."
        if item.get("type", "message") != "message":
            return f"{where} is a {item.get('type')!r} item: steering accepts only messages."
        extra = sorted(set(item) - _MESSAGE_FIELDS)
        if extra:
            return f"{where} has '{extra[0]}': a steering message has only type, role, content."
        if item.get("role") != "user":
            return f"{where} has role {item.get('role')!r}: steering accepts only 'user'."
        content = item.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not all(
            isinstance(part, dict) and part.get("type") in _PARTS for part in content
        ):
            return (
                f"{where}.content must be a string or input_text, input_image and input_file parts."
            )
    return None
