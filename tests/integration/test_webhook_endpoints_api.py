"""Webhook endpoints registered through the API, on a real server with the strict SDK:
created with their signing secret (shown once), listed, retrieved, updated (updated_at
moves only on a change), their secret rotated, deleted; a test delivery signed with the
endpoint's secret (the receiver's status in the answer, the SDK's unwrap verifying it);
a batch's batch.completed delivered to the endpoints subscribed to it and not to the
others; the 400s and 404s; every answer checked against the derived schemas."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from mockapi.build import Built, build
from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import response_problems, settings, strict_client
from tests.integration.test_webhooks import Receiver, new_batch, polled

ONE = "/v1/webhook_endpoints/{webhook_endpoint_id}"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    with made.server:
        yield made


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ServerThread, Built]]:
    built = build(settings(on_miss=OnMiss.SYNTHESIZE, webhook_retry_delays=()))
    try:
        with ServerThread(built.app) as server:
            yield server, built
    finally:
        built.close()


@pytest.fixture
def sdk(served: tuple[ServerThread, Built], receiver: Receiver) -> Iterator[openai.OpenAI]:
    served[1].control.reset()
    receiver.reset()
    with strict_client(served[0].url + "/v1") as client:
        yield client


def test_an_endpoint_from_creation_to_deletion(
    sdk: openai.OpenAI, served: tuple[ServerThread, Built], receiver: Receiver
) -> None:
    made = sdk.webhooks.create(name="orders", url=receiver.url, event_types=["batch.completed"])
    assert made.signing_secret.startswith("whsec_") and made.id.startswith("we_")
    assert made.signing_secret_hint == "whsec_..." + made.signing_secret[-4:]
    assert response_problems("POST /v1/webhook_endpoints", made.model_dump()) == []
    kept = sdk.webhooks.retrieve(made.id)
    assert "signing_secret" not in kept.model_dump() and kept.url == receiver.url
    assert response_problems(f"GET {ONE}", kept.model_dump()) == []
    served[1].control.clock_advance(60)
    same = sdk.webhooks.update(made.id, name="orders")
    assert same.updated_at == made.updated_at, "an unchanged update does not advance it"
    renamed = sdk.webhooks.update(made.id, name="all orders", event_types=["batch.failed"])
    assert renamed.name == "all orders" and renamed.event_types == ["batch.failed"]
    assert renamed.updated_at is not None and made.updated_at is not None
    assert renamed.updated_at > made.updated_at
    assert [e.id for e in sdk.webhooks.list(limit=5)] == [made.id]
    rotated = sdk.webhooks.rotate_secret(made.id, keep_old_secret_active_for_24_hours=True)
    assert rotated.signing_secret != made.signing_secret
    assert rotated.signing_secret_hint == "whsec_..." + rotated.signing_secret[-4:]
    gone = sdk.webhooks.delete(made.id)
    assert (gone.id, gone.object, gone.deleted) == (made.id, "webhook_endpoint.deleted", True)
    with pytest.raises(openai.NotFoundError):
        sdk.webhooks.retrieve(made.id)


def test_a_test_delivery_is_signed_with_the_endpoints_secret(
    sdk: openai.OpenAI, receiver: Receiver
) -> None:
    made = sdk.webhooks.create(name="r", url=receiver.url, event_types=["batch.completed"])
    result = sdk.webhooks.test(made.id, event_type="response.completed")
    assert (result.status_code, result.success, result.webhook_endpoint_id) == (200, True, made.id)
    assert response_problems(f"POST {ONE}/test", result.model_dump()) == []
    [(body, headers)] = receiver.wait_for(1)
    event = sdk.webhooks.unwrap(body, headers, secret=made.signing_secret)
    assert event.type == "response.completed" and event.data.id.startswith("resp_")
    receiver.reset(503)
    assert sdk.webhooks.test(made.id, event_type="batch.failed").status_code == 503
    elsewhere = sdk.webhooks.create(
        name="down", url="http://127.0.0.1:9/hook", event_types=["batch.failed"]
    )
    assert sdk.webhooks.test(elsewhere.id, event_type="batch.failed").status_code == 0


def test_events_reach_the_endpoints_subscribed_to_them(
    sdk: openai.OpenAI, served: tuple[ServerThread, Built], receiver: Receiver
) -> None:
    wanted = sdk.webhooks.create(name="b", url=receiver.url, event_types=["batch.completed"])
    sdk.webhooks.create(name="r", url=receiver.url + "?other", event_types=["response.completed"])
    batch = polled(sdk, new_batch(sdk))
    assert served[1].webhooks.wait(10)
    [(body, headers)] = receiver.wait_for(1)
    event = sdk.webhooks.unwrap(body, headers, secret=wanted.signing_secret)
    assert (event.type, event.data.id) == ("batch.completed", batch.id)


def test_refusals_and_event_types(sdk: openai.OpenAI, served: tuple[ServerThread, Built]) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.webhooks.create(name="x", url="http://example.com/hook", event_types=["batch.failed"])
    assert refused.value.body["param"] == "url"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        sdk.webhooks.create(name="x", url="https://example.com/h", event_types=["nope"])  # type: ignore[list-item]
    with pytest.raises(openai.NotFoundError):
        sdk.webhooks.test("we_unknown", event_type="batch.failed")
    listed = sdk.webhooks.event_types.list()
    assert "batch.completed" in listed.data and "safety.alert.created" in listed.data
    with httpx.Client(base_url=served[0].url) as raw:
        answer = raw.get("/v1/webhook_event_types", headers={"authorization": "Bearer k"})
    assert response_problems("GET /v1/webhook_event_types", answer.json()) == []
