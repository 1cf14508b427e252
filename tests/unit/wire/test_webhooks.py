"""Webhook events and their signatures: the Standard Webhooks test vector, the SDK's
``client.webhooks.unwrap`` verifying and parsing every event type mockapi sends into its
own class (and refusing another secret, a changed body, an old timestamp), the secrets
refused as they should be (without ever quoting them), and which object sends which
event."""

from __future__ import annotations

import base64
import time

import openai
import pytest
from openai.types.webhooks import (
    BatchCancelledWebhookEvent,
    BatchCompletedWebhookEvent,
    BatchExpiredWebhookEvent,
    BatchFailedWebhookEvent,
    EvalRunCanceledWebhookEvent,
    EvalRunFailedWebhookEvent,
    EvalRunSucceededWebhookEvent,
    FineTuningJobCancelledWebhookEvent,
    FineTuningJobFailedWebhookEvent,
    FineTuningJobSucceededWebhookEvent,
    ResponseCancelledWebhookEvent,
    ResponseCompletedWebhookEvent,
    ResponseFailedWebhookEvent,
    ResponseIncompleteWebhookEvent,
)

from mockapi.wire import webhooks

SECRET = "whsec_" + base64.b64encode(b"mockapi test key, 32 bytes long!").decode()
OTHER = "whsec_" + base64.b64encode(b"another key of the same length!!").decode()
SDK = openai.OpenAI(api_key="sk-unused", base_url="http://127.0.0.1:9/v1")

CLASSES = {
    "batch.completed": BatchCompletedWebhookEvent,
    "batch.failed": BatchFailedWebhookEvent,
    "batch.cancelled": BatchCancelledWebhookEvent,
    "batch.expired": BatchExpiredWebhookEvent,
    "eval.run.succeeded": EvalRunSucceededWebhookEvent,
    "eval.run.failed": EvalRunFailedWebhookEvent,
    "eval.run.canceled": EvalRunCanceledWebhookEvent,
    "fine_tuning.job.succeeded": FineTuningJobSucceededWebhookEvent,
    "fine_tuning.job.failed": FineTuningJobFailedWebhookEvent,
    "fine_tuning.job.cancelled": FineTuningJobCancelledWebhookEvent,
    "response.completed": ResponseCompletedWebhookEvent,
    "response.failed": ResponseFailedWebhookEvent,
    "response.cancelled": ResponseCancelledWebhookEvent,
    "response.incomplete": ResponseIncompleteWebhookEvent,
}


def delivery(
    kind: str, *, secret: str = SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    event = webhooks.event(kind, "obj_1", event_id="evt_" + "a" * 32, created_at=1_750_000_000)
    body = webhooks.encode(event)
    when = int(time.time()) if timestamp is None else timestamp
    msg_id = webhooks.message_id(event["id"], "https://example.com/hook")
    return body, webhooks.headers(secret, msg_id=msg_id, timestamp=when, body=body)


def test_the_signature_is_the_standard_webhooks_one() -> None:
    # The test vector of the Standard Webhooks specification (and svix).
    signed = webhooks.sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_the_sdk_unwraps_each_event_into_its_own_class(kind: str) -> None:
    body, headers = delivery(kind)
    event = SDK.webhooks.unwrap(body, headers, secret=SECRET)
    assert type(event) is CLASSES[kind]
    assert (event.type, event.object, event.data.id) == (kind, "event", "obj_1")
    assert event.created_at == 1_750_000_000


UNPARSED = {"video.completed", "video.failed"}
"""Events the API sends (the video guide) that the SDK's unwrap has no class for: its
webhook endpoints subscribe to them and verify_signature checks them."""


def test_every_event_type_is_one_the_spec_and_the_sdk_know() -> None:
    assert set(CLASSES) | UNPARSED == webhooks.EVENT_TYPES


@pytest.mark.parametrize("kind", sorted(UNPARSED))
def test_the_sdk_verifies_the_events_it_has_no_class_for(kind: str) -> None:
    body, headers = delivery(kind)
    SDK.webhooks.verify_signature(body, headers, secret=SECRET)
    with pytest.raises(openai.InvalidWebhookSignatureError):
        SDK.webhooks.verify_signature(body, headers, secret=OTHER)


def test_the_body_is_the_apis_in_its_key_order() -> None:
    body, headers = delivery("batch.completed")
    assert body == (
        b'{"object":"event","id":"evt_' + b"a" * 32 + b'","type":"batch.completed",'
        b'"created_at":1750000000,"data":{"id":"obj_1"}}'
    )
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("OpenAI/1.0")
    assert headers["webhook-id"].startswith("wh_") and len(headers["webhook-id"]) == 35


def test_another_secret_a_changed_body_or_an_old_timestamp_are_refused() -> None:
    body, headers = delivery("batch.completed")
    with pytest.raises(openai.InvalidWebhookSignatureError):
        SDK.webhooks.unwrap(body, headers, secret=OTHER)
    with pytest.raises(openai.InvalidWebhookSignatureError):
        SDK.webhooks.unwrap(body.replace(b"obj_1", b"obj_2"), headers, secret=SECRET)
    stale_body, stale = delivery("batch.completed", timestamp=int(time.time()) - 3600)
    with pytest.raises(openai.InvalidWebhookSignatureError, match="too old"):
        SDK.webhooks.unwrap(stale_body, stale, secret=SECRET)


def test_one_event_keeps_its_webhook_id_per_receiver() -> None:
    first = webhooks.message_id("evt_1", "https://a.example/hook")
    assert first == webhooks.message_id("evt_1", "https://a.example/hook")
    assert first != webhooks.message_id("evt_1", "https://b.example/hook")
    assert first != webhooks.message_id("evt_2", "https://a.example/hook")


@pytest.mark.parametrize(
    ("secret", "said"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with 'whsec_'"),
        ("whsec_not base64!", "not base64"),
        ("whsec_abc", "not base64"),  # unpadded: the SDK would decode something else
        ("whsec_", "empty"),
    ],
)
def test_a_bad_secret_is_refused_without_quoting_it(secret: str, said: str) -> None:
    with pytest.raises(ValueError, match=said) as caught:
        webhooks.target("https://example.com/hook", secret)
    assert "https://example.com/hook" in str(caught.value)
    if len(secret) > len("whsec_"):
        assert secret not in str(caught.value)
        assert secret.removeprefix("whsec_") not in str(caught.value)


def test_a_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        webhooks.target("ftp://example.com/hook", SECRET)


def test_a_target_never_shows_its_secret() -> None:
    target = webhooks.target("https://example.com/hook", SECRET)
    assert tuple(target) == ("https://example.com/hook", SECRET)
    assert SECRET not in repr(target) and SECRET not in str(target)
    assert "https://example.com/hook" in repr(target)


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ({"object": "batch", "status": "completed"}, "batch.completed"),
        ({"object": "batch", "status": "expired"}, "batch.expired"),
        ({"object": "batch", "status": "in_progress"}, None),
        ({"object": "batch", "status": "cancelling"}, None),
        ({"object": "fine_tuning.job", "status": "succeeded"}, "fine_tuning.job.succeeded"),
        ({"object": "fine_tuning.job", "status": "running"}, None),
        ({"object": "response", "status": "incomplete"}, "response.incomplete"),
        ({"object": "response", "status": "queued"}, None),
        ({"object": "vector_store.file", "status": "completed"}, None),  # the API sends none
        ({"status": "completed"}, None),
    ],
)
def test_which_finished_object_sends_which_event(record: dict[str, str], kind: str | None) -> None:
    assert webhooks.event_type(record) == kind


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"batch\.done"):
        webhooks.event("batch.done", "batch_1", event_id="evt_1", created_at=0)
