"""The SDK's error classes for mockapi's validation and authentication answers."""

from __future__ import annotations

import openai
import pytest

from tests.helpers import running_server

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.mark.parametrize("authorization", ["Bearer", "Basic abc", ""])
def test_empty_key_is_authentication_error(client: openai.OpenAI, authorization: str) -> None:
    # The SDK refuses to send an empty key itself, so the header is overridden per request.
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=HELLO,  # type: ignore[arg-type]
            extra_headers={"Authorization": authorization},
        )
    assert caught.value.status_code == 401
    assert "You didn't provide an API key" in caught.value.message


def test_restricted_keys_reject_others_and_accept_listed() -> None:
    with running_server(api_keys=frozenset({"sk-good-key"})) as server:
        url = server.url + "/v1"
        bad = openai.OpenAI(base_url=url, api_key="sk-wrong-key-123", max_retries=0)
        with bad, pytest.raises(openai.AuthenticationError) as caught:
            bad.models.list()
        assert caught.value.code == "invalid_api_key"
        assert "sk-wrong-key-123" not in caught.value.message
        with openai.OpenAI(base_url=url, api_key="sk-good-key", max_retries=0) as good:
            assert any(m.id == "gpt-4o" for m in good.models.list())


def test_out_of_range_temperature_names_the_param(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, temperature=5)  # type: ignore[arg-type]
    assert caught.value.param == "temperature"
    assert caught.value.code == "decimal_above_max_value"
    assert "Expected a value <= 2, but got 5 instead" in caught.value.message


def test_missing_messages_is_missing_required_parameter(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.post("/chat/completions", body={"model": "gpt-4o-mini"}, cast_to=object)
    assert caught.value.param == "messages"
    assert caught.value.code == "missing_required_parameter"


def test_unrecognized_argument(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=HELLO,  # type: ignore[arg-type]
            extra_body={"foo": 1},
        )
    assert caught.value.body == {
        "message": "Unrecognized request argument supplied: foo",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_wrong_type_is_invalid_type(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=HELLO,  # type: ignore[arg-type]
            extra_body={"n": "two"},
        )
    assert caught.value.param == "n"
    assert caught.value.code == "invalid_type"
