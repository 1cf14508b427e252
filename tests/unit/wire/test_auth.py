"""How a request's API key is read and judged."""

from __future__ import annotations

from mockapi.wire.credentials import bearer_token, key_error


def test_the_bearer_token_is_read_whatever_the_scheme_case() -> None:
    assert bearer_token({"authorization": "Bearer sk-1"}) == "sk-1"
    assert bearer_token({"authorization": "bearer  sk-2 "}) == "sk-2"
    assert bearer_token({"authorization": "Basic abc"}) == ""
    assert bearer_token({}) == ""


def test_missing_empty_and_unlisted_keys_are_the_real_401s() -> None:
    missing = key_error({}, ())
    assert missing is not None and missing.status == 401
    assert "You didn't provide an API key" in missing.message
    empty = key_error({"authorization": "Bearer "}, ())
    assert empty is not None and empty.status == 401
    assert key_error({"authorization": "Bearer anything"}, ()) is None
    wrong = key_error({"authorization": "Bearer sk-other"}, ("sk-good",))
    assert wrong is not None and wrong.status == 401 and wrong.code == "invalid_api_key"
    assert key_error({"authorization": "Bearer sk-good"}, ("sk-good",)) is None
