"""Azure OpenAI's URL shapes mapped onto OpenAI requests (mockapi.wire.azure, pure)."""

from __future__ import annotations

import json

import pytest

from mockapi.model import Request
from mockapi.replay.request import parse_request
from mockapi.wire import azure

VERSION = (("api-version", "2024-10-21"),)


def _post(
    path: str,
    body: object,
    headers: dict[str, str],
    query: tuple[tuple[str, str], ...] = VERSION,
) -> Request:
    raw = json.dumps(body).encode()
    return parse_request("POST", path, {"content-type": "application/json", **headers}, raw, query)


def test_a_deployment_url_becomes_the_openai_path_with_the_deployment_as_model() -> None:
    request = _post(
        "/openai/deployments/my-gpt/chat/completions",
        {"messages": [{"role": "user", "content": "hi"}]},
        {"api-key": "az-123"},
    )
    mapped = azure.to_openai(request)
    assert mapped.path == "/v1/chat/completions"
    assert mapped.json["model"] == "my-gpt"
    # The body bytes say the same, so a recording proxied upstream carries the model.
    assert json.loads(mapped.body)["model"] == "my-gpt"
    assert mapped.headers["authorization"] == "Bearer az-123"
    assert mapped.query == ()


def test_a_model_in_the_body_wins_over_the_deployment() -> None:
    request = _post(
        "/openai/deployments/prod/embeddings",
        {"model": "text-embedding-3-small", "input": "x"},
        {"api-key": "k"},
    )
    mapped = azure.to_openai(request)
    assert mapped.path == "/v1/embeddings"
    assert mapped.json["model"] == "text-embedding-3-small"
    assert mapped.body == request.body


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("/openai/models", VERSION, "/v1/models"),
        ("/openai/chat/completions/chatcmpl-1", VERSION, "/v1/chat/completions/chatcmpl-1"),
        ("/openai/v1/chat/completions", (), "/v1/chat/completions"),
        ("/openai/deployments/d/audio/speech", VERSION, "/v1/audio/speech"),
        ("/openai/deployments/d/images/generations", VERSION, "/v1/images/generations"),
    ],
)
def test_every_shape_maps_onto_v1(
    path: str, query: tuple[tuple[str, str], ...], expected: str
) -> None:
    request = Request("GET", path, {"api-key": "k"}, query)
    assert azure.to_openai(request).path == expected


def test_other_query_parameters_survive() -> None:
    request = Request("GET", "/openai/models", {"api-key": "k"}, (*VERSION, ("limit", "2")))
    assert azure.to_openai(request).query == (("limit", "2"),)


def test_an_entra_id_bearer_token_is_kept() -> None:
    request = Request("GET", "/openai/models", {"authorization": "Bearer tok"}, VERSION)
    assert azure.to_openai(request).headers["authorization"] == "Bearer tok"


def test_without_a_key_it_is_azures_401() -> None:
    with pytest.raises(azure.AzureError) as caught:
        azure.to_openai(Request("GET", "/openai/models", {}, VERSION))
    assert caught.value.status == 401
    assert caught.value.body()["message"].startswith("Access denied due to missing subscription")


@pytest.mark.parametrize("path", ["/openai/deployments/d/chat/completions", "/openai/models"])
def test_without_api_version_it_is_azures_404(path: str) -> None:
    with pytest.raises(azure.AzureError) as caught:
        azure.to_openai(Request("POST", path, {"api-key": "k"}))
    assert caught.value.status == 404
    error = caught.value.body()["error"]
    assert error["code"] == "404"
    assert error["message"].startswith("Resource not found")
    assert "api-version" in error["message"]


def test_openai_paths_are_left_alone() -> None:
    request = Request("GET", "/v1/models", {"authorization": "Bearer k"})
    assert azure.to_openai(request) is request


def test_a_form_body_gets_the_model_in_its_fields_only() -> None:
    boundary = "b0undary"
    raw = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        f"Content-Type: audio/wav\r\n\r\nRIFF\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}", "api-key": "k"}
    request = parse_request(
        "POST", "/openai/deployments/whisper/audio/transcriptions", headers, raw, VERSION
    )
    mapped = azure.to_openai(request)
    assert mapped.json["model"] == "whisper"
    assert mapped.body == raw
