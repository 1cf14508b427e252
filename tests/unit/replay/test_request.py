"""Request parsing (replay/request.py) and what the flow and the journal make of hostile
bodies: JSON that is not JSON is the API's 400, and the journal stays serialisable."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from mockapi import errors
from mockapi.config import OnMiss, Settings
from mockapi.library.fixture import parse_document
from mockapi.model import Response
from mockapi.replay.engine import Replayer
from mockapi.replay.journal import Journal, JournalEntry, Outcome
from mockapi.replay.request import parse_request

HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}
CHAT = "/v1/chat/completions"
GOOD = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]'
# The API's answer, mockapi's reason after it.
PARSE_ERROR = errors.invalid_json("").message.removesuffix(" (mockapi: )")

HOSTILE_BODIES = {
    "nan": GOOD + b', "temperature": NaN}',
    "infinity": GOOD + b', "temperature": Infinity}',
    "minus infinity": GOOD + b', "temperature": -Infinity}',
    "nan in tool parameters": GOOD
    + b', "tools": [{"type": "function", "function": {"name": "f", "parameters": '
    b'{"type": "object", "properties": {"x": {"type": "number", "default": NaN}}}}}]}',
    "overflowing number": GOOD + b', "temperature": 1e999}',
    "byte order mark": b"\xef\xbb\xbf" + GOOD + b"}",
    "escaped lone surrogate": GOOD.replace(b'"hi"', b'"\\ud800"') + b"}",
    "raw surrogate bytes": GOOD.replace(b'"hi"', b'"\xed\xa0\x80"') + b"}",
    "huge integer": GOOD + b', "seed": 100000000000000000000000000000}',
    "too deep": GOOD + b', "metadata": {"x": ' + b"[" * 200 + b"]" * 200 + b"}}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_a_body_that_is_not_strict_json_has_a_json_error(name: str) -> None:
    request = parse_request("POST", CHAT, HEADERS, HOSTILE_BODIES[name])
    assert request.json is None
    assert request.json_error


def replayer(**settings: Any) -> Replayer:
    fixtures = parse_document(
        {"version": 1, "fixtures": [{"response": {"body": {"ok": True}}}]}, "inline.yaml"
    )
    return Replayer(Settings(on_miss=OnMiss.ERROR, **settings), fixtures, validator=None)


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_the_flow_answers_the_apis_parse_error_and_journals_it(name: str) -> None:
    r = replayer()
    response = r.handle(parse_request("POST", CHAT, HEADERS, HOSTILE_BODIES[name]))
    assert isinstance(response, Response) and response.status == 400
    error = response.body["error"]
    assert error["message"].startswith(PARSE_ERROR)
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, None)
    (entry,) = r.journal.entries()
    assert (entry.status, entry.outcome) == (400, Outcome.REJECTED)
    orjson.dumps(entry.to_json())  # what GET /__mockapi/journal does


def test_a_valid_body_still_matches() -> None:
    response = replayer().handle(parse_request("POST", CHAT, HEADERS, GOOD + b"}"))
    assert isinstance(response, Response)
    assert response.status == 200 and response.body["ok"] is True


def test_the_journal_keeps_only_what_any_encoder_can_write() -> None:
    deep: Any = []
    for _ in range(300):
        deep = [deep]
    body = {"text": "x\ud800y", "n": float("nan"), "big": -(10**40), "deep": deep}
    journal = Journal(10)
    journal.append(
        JournalEntry(
            seq=1,
            time=0.0,
            method="POST",
            path="/v1/files/\udcff",
            body=body,
            status=400,
            outcome=Outcome.REJECTED,
            report="bad \ud800 value",
        )
    )
    (entry,) = journal.entries()
    data = orjson.loads(orjson.dumps(entry.to_json()))
    assert data["path"] == "/v1/files/\\udcff"
    assert data["report"] == "bad \\ud800 value"
    assert data["body"]["text"] == "x\\ud800y"
    assert (data["body"]["n"], data["body"]["big"]) == ("nan", str(-(10**40)))
    json.dumps(data, allow_nan=False)


def test_a_clean_entry_is_kept_as_it_is() -> None:
    journal = Journal(10)
    entry = JournalEntry(1, 0.0, "POST", CHAT, {"model": "m"}, 200, Outcome.HIT)
    journal.append(entry)
    assert journal.entries()[0] is entry
