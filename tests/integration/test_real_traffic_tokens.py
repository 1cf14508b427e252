"""Real traffic: every recorded chat and Responses request, sent to a synthesizing
server through the official SDK, gets the token count the real API reported.

``usage.prompt_tokens`` (chat), ``usage.input_tokens`` (Responses) and the
``input_tokens`` of ``POST /v1/responses/input_tokens`` are compared with the recorded
ones, all of them: the counting rules are :func:`mockapi.wire.tokens.count_prompt` and
:func:`mockapi.endpoints.responses.items.count_input_tokens`. Streamed recordings are
sent plain (the count does not depend on the mode; the structure tests stream them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import running_server, strict_client
from tests.real_traffic import ABSENT, CHAT, RESPONSES, SKIP_REASON, Recorded, successful

pytestmark = pytest.mark.skipif(ABSENT, reason=SKIP_REASON)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openai.OpenAI]:
    empty = tmp_path_factory.mktemp("no-fixtures")
    server: ServerThread
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=(empty,)) as server:
        with strict_client(server.url + "/v1") as sdk:
            yield sdk


def plain(record: Recorded) -> dict[str, Any]:
    return {k: v for k, v in record.request.items() if k not in ("stream", "stream_options")}


def reported(record: Recorded) -> int:
    """The count the real API reported for the recorded request."""
    if record.endpoint == CHAT:
        usage = record.json["usage"] if not record.streamed else record.event_data[-1]["usage"]
        return int(usage["prompt_tokens"])
    if record.endpoint == RESPONSES:
        body = record.event_data[-1]["response"] if record.streamed else record.json
        return int(body["usage"]["input_tokens"])
    return int(record.json["input_tokens"])


def chat_cases() -> list[Recorded]:
    # The one stream sent without include_usage reported no usage at all.
    return [r for r in successful(CHAT) if not r.streamed or r.event_data[-1].get("usage")]


def test_prompt_tokens_of_every_recorded_chat_request(client: openai.OpenAI) -> None:
    cases = chat_cases()
    assert len(cases) == 27
    counted = {}
    for record in cases:
        completion = client.chat.completions.create(**plain(record))
        assert completion.usage is not None
        counted[record.name] = (completion.usage.prompt_tokens, reported(record))
    assert {name: pair for name, pair in counted.items() if pair[0] != pair[1]} == {}


def test_input_tokens_of_every_recorded_responses_request(client: openai.OpenAI) -> None:
    cases = successful(RESPONSES) + successful("POST /v1/responses/input_tokens")
    assert len(cases) == 13
    counted = {}
    for record in cases:
        if record.endpoint == RESPONSES:
            response = client.responses.create(**plain(record))
            assert response.usage is not None
            ours = response.usage.input_tokens
        else:
            ours = client.responses.input_tokens.count(**plain(record)).input_tokens
        counted[record.name] = (ours, reported(record))
    assert {name: pair for name, pair in counted.items() if pair[0] != pair[1]} == {}
