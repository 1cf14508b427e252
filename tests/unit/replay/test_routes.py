"""The router over every family's endpoints."""

from __future__ import annotations

from mockapi.replay.router import ENDPOINTS, Router


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


def test_literal_paths_resolve_as_a_full_scan_does() -> None:
    # Paths without parameters are resolved once at start-up; the answer must be the
    # one scanning every pattern gives, including the parameterised routes they match
    # (/v1/responses/compact is also GET/DELETE /v1/responses/{response_id}).
    router = Router()
    for endpoint in ENDPOINTS:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            path = endpoint.template.replace("{", "").replace("}", "")
            assert router.resolve(method, path) == router._scan(method, path), (method, path)
    compact, allowed = router.resolve("GET", "/v1/responses/compact")
    assert compact is not None and compact.template == "/v1/responses/{response_id}"
    assert sorted(allowed) == ["DELETE", "GET", "POST"]
    # The caller may change the list it gets; the next answer is not affected.
    allowed.append("PUT")
    assert "PUT" not in router.resolve("GET", "/v1/responses/compact")[1]


def test_params_come_from_the_compiled_pattern() -> None:
    router = Router()
    endpoint, _ = router.resolve("GET", "/v1/chat/completions/chatcmpl-1/messages")
    assert endpoint is not None
    assert router.params(endpoint, "/v1/chat/completions/chatcmpl-1/messages") == {
        "completion_id": "chatcmpl-1"
    }
    assert router.params(endpoint, "/v1/other") == {}


def test_each_family_row_starts_with_a_segment_it_is_listed_under() -> None:
    # The router imports a family when a path reaches one of its segments: a row under
    # a segment not listed for its family would never be found.
    from mockapi.replay.router import FAMILIES, family_endpoints

    for index, (module, segments) in enumerate(FAMILIES):
        for endpoint in family_endpoints(index):
            assert endpoint.template.split("/")[2] in segments, (module, endpoint.template)
    lazy, eager = Router(), Router(ENDPOINTS)
    for endpoint in ENDPOINTS:
        path = endpoint.template.replace("{", "").replace("}", "") + "x"
        assert lazy.resolve(endpoint.method, path) == eager.resolve(endpoint.method, path)
