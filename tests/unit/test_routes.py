"""The router over every family's endpoints."""

from __future__ import annotations

from mockapi.routes import ENDPOINTS, Router


def test_literal_segments_beat_parameters() -> None:
    router = Router()
    compact, _ = router.resolve("POST", "/v1/responses/compact")
    assert compact is not None and compact.template == "/v1/responses/compact"
    cancel, _ = router.resolve("POST", "/v1/responses/resp_1/cancel")
    assert cancel is not None and cancel.template == "/v1/responses/{response_id}/cancel"
    assert router.params(cancel, "/v1/responses/resp_1/cancel") == {"response_id": "resp_1"}


def test_model_ids_with_colons_are_one_parameter() -> None:
    router = Router()
    model = "ft:gpt-4o-mini-2024-07-18:acme::abc123"
    endpoint, allowed = router.resolve("DELETE", f"/v1/models/{model}")
    assert endpoint is not None and router.params(endpoint, f"/v1/models/{model}") == {
        "model": model
    }
    assert set(allowed) == {"GET", "DELETE"}


def test_allowed_methods_of_a_path_and_no_duplicates() -> None:
    router = Router()
    found, allowed = router.resolve("PUT", "/v1/chat/completions")
    assert found is None and sorted(allowed) == ["GET", "POST"]
    keys = [endpoint.key for endpoint in ENDPOINTS]
    assert len(keys) == len(set(keys)), "an endpoint is declared twice"
