"""The one request digest and the API's key order."""

from __future__ import annotations

import hashlib
import json

from mockapi.recording.capture import request_key
from mockapi.wire.canonical import digest, ordered

BODY = {"model": "gpt-4o-mini", "temperature": 1.0, "messages": [{"content": "héllo"}]}


def test_a_digest_ignores_key_order_and_by_meaning_integral_floats() -> None:
    shuffled = {"messages": [{"content": "héllo"}], "temperature": 1.0, "model": "gpt-4o-mini"}
    assert digest(BODY, 0) == digest(shuffled, 0)
    assert digest(BODY, 0) == digest({**BODY, "temperature": 1}, 0)
    assert digest(BODY, 0) != digest(BODY, 1)
    assert digest(BODY, by_meaning=False) != digest({**BODY, "temperature": 1}, by_meaning=False)


def test_recording_file_names_are_the_ones_written_before_the_shared_digest() -> None:
    # The formula every recording on disk was named with: re-recording (mode all)
    # must find those files again.
    text = json.dumps(["POST", "/v1/chat/completions", BODY], sort_keys=True, separators=(",", ":"))
    assert request_key("POST", "/v1/chat/completions", BODY) == "177db1201c43"
    assert hashlib.sha256(text.encode()).hexdigest()[:12] == "177db1201c43"


def test_ordered_puts_the_named_keys_first_and_keeps_the_rest() -> None:
    result = ordered({"b": 1, "z": 2, "a": 3, "id": 4}, ("id", "a", "missing"))
    assert list(result) == ["id", "a", "b", "z"]
    assert result == {"b": 1, "z": 2, "a": 3, "id": 4}
