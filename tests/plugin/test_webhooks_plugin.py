"""Webhooks from the pytest plugin, as users write them: the marker's ``webhooks=`` and
the handle's ``webhook()`` send the test's finished jobs' events to a receiver
(pytest-httpserver), ``wait_for_webhooks()`` shows the deliveries (kept out of
``requests``), the SDK verifies them, and a bad secret fails the test saying why."""

from __future__ import annotations

import pytest

from tests.helpers import free_port

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

TESTS = """
import base64
import openai
import pytest

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
RECEIVER = "http://127.0.0.1:PORT"


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", PORT)


def finish_a_background_response() -> str:
    client = openai.OpenAI(max_retries=0)
    made = client.responses.create(model="gpt-4o-mini", input="Hi", background=True)
    return client.responses.retrieve(made.id).id


def verified(httpserver, count):
    client = openai.OpenAI(api_key="unused")
    requests = [request for request, _answer in httpserver.log]
    assert len(requests) == count
    return [client.webhooks.unwrap(r.get_data(), dict(r.headers), secret=SECRET) for r in requests]


@pytest.fixture
def receiver(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    httpserver.expect_request("/other", method="POST").respond_with_data("")
    return httpserver


@pytest.mark.mockapi(on_miss="synthesize", webhooks=[(RECEIVER + "/hook", SECRET)])
def test_the_marker_and_the_handle_send_events_to_their_receivers(mockapi, receiver):
    mockapi.webhook(RECEIVER + "/other", SECRET)
    response_id = finish_a_background_response()
    deliveries = mockapi.wait_for_webhooks()
    assert sorted((d.path, d.status) for d in deliveries) == [
        (RECEIVER + "/hook", 200),
        (RECEIVER + "/other", 200),
    ]
    events = verified(receiver, 2)
    assert {(e.type, e.data.id) for e in events} == {("response.completed", response_id)}
    assert all(e.outcome.value != "webhook" for e in mockapi.requests)
    assert [e.path for e in mockapi.requests] == ["/v1/responses", f"/v1/responses/{response_id}"]


@pytest.mark.mockapi(on_miss="synthesize")
def test_the_next_test_has_no_webhooks_of_the_one_before(mockapi, receiver):
    finish_a_background_response()
    assert mockapi.wait_for_webhooks() == []
    assert receiver.log == []


@pytest.mark.mockapi(webhooks=[("http://127.0.0.1:9/hook", "whsec_not base64!")])
def test_a_bad_secret(mockapi):
    pass
"""


def test_the_marker_and_the_handle_send_webhooks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_hooks=TESTS.replace("PORT", str(free_port())))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.mockapi / mockapi settings: webhook secret for "
            "http://127.0.0.1:9/hook: the part of the webhook secret after 'whsec_' is not "
            "base64*"
        ]
    )
    result.stdout.no_fnmatch_line("*not base64!*")
