"""Query and path parameters: derived from the spec's ``parameters`` (the ``parameters``
role), typed like form fields, validated in the API's words with ``param``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mockapi.endpoints.chat import routes as chat_routes
from mockapi.errors import APIError, SchemaError
from mockapi.replay.router import ENDPOINTS, Router
from mockapi.validation import derive, forms
from mockapi.validation.files import SchemaSet, load_schemas
from mockapi.validation.validator import RequestValidator

LIST = "GET /v1/chat/completions"
MESSAGES = "GET /v1/chat/completions/{completion_id}/messages"
RETRIEVE = "GET /v1/responses/{response_id}"
INPUT_ITEMS = "GET /v1/responses/{response_id}/input_items"


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return load_schemas()  # the committed schemas/


@pytest.fixture(scope="module")
def validator(schemas: SchemaSet) -> RequestValidator:
    return RequestValidator(schemas, check=False)


def error(
    validator: RequestValidator, endpoint: str, query: str, path: dict[str, str] | None = None
) -> dict[str, Any] | None:
    items = [tuple(part.split("=", 1)) for part in query.split("&") if part]
    found = validator.validate_parameters(endpoint, items, path or {})  # type: ignore[arg-type]
    return None if found is None else found.body()["error"]


def bad(message: str, param: str, code: str) -> dict[str, Any]:
    return {"message": message, "type": "invalid_request_error", "param": param, "code": code}


def test_the_committed_schemas_have_each_operations_parameters(schemas: SchemaSet) -> None:
    listed = schemas.schema(LIST, "parameters")
    assert listed is not None
    assert set(listed["properties"]) == {"model", "metadata", "after", "limit", "order"}
    assert "required" not in listed
    retrieve = schemas.schema(RETRIEVE, "parameters")
    assert retrieve is not None and retrieve["required"] == ["response_id"]
    assert retrieve["properties"]["stream"] == {"type": "boolean"}
    assert schemas.schema("POST /v1/chat/completions", "parameters") is None


def test_every_path_parameter_the_spec_requires_is_one_the_router_captures(
    schemas: SchemaSet,
) -> None:
    router = Router()
    for endpoint in ENDPOINTS:
        schema = schemas.schema(endpoint.key, "parameters")
        if schema is None:
            continue
        path = endpoint.template.replace("{", "").replace("}", "")  # each name as itself
        captured = router.params(endpoint, path)
        required = set(schema.get("required", [])) - REQUIRED_QUERY
        assert required <= set(captured), endpoint.key


REQUIRED_QUERY = {"start_time"}
"""Required query parameters (the usage and costs routes' range), which the parameters
schema requires beside the path's."""


@pytest.mark.parametrize(
    ("endpoint", "query", "expected"),
    [
        (
            LIST,
            "limit=null",
            bad(
                "Invalid type for 'limit': expected an integer, but got a string instead.",
                "limit",
                "invalid_type",
            ),
        ),
        (
            LIST,
            "limit=2.5",
            bad(
                "Invalid type for 'limit': expected an integer, but got a string instead.",
                "limit",
                "invalid_type",
            ),
        ),
        (
            MESSAGES,
            "order=sideways",
            bad(
                "Invalid value: 'sideways'. Supported values are: 'asc' and 'desc'.",
                "order",
                "invalid_value",
            ),
        ),
        (
            RETRIEVE,
            "stream=maybe",
            bad(
                "Invalid type for 'stream': expected a boolean, but got a string instead.",
                "stream",
                "invalid_type",
            ),
        ),
        (
            RETRIEVE,
            "starting_after=NaN",
            bad(
                "Invalid type for 'starting_after': expected an integer, but got a string instead.",
                "starting_after",
                "invalid_type",
            ),
        ),
        (
            LIST,
            "metadata=flat",
            bad(
                "Invalid type for 'metadata': expected an object, but got a string instead.",
                "metadata",
                "invalid_type",
            ),
        ),
    ],
)
def test_invalid_parameters_get_the_apis_400_naming_them(
    validator: RequestValidator, endpoint: str, query: str, expected: dict[str, Any]
) -> None:
    assert error(validator, endpoint, query, {"completion_id": "c", "response_id": "r"}) == expected


def test_an_include_value_outside_the_enum_names_its_index(validator: RequestValidator) -> None:
    query = "include[]=message.output_text.logprobs&include[]=x"
    found = error(validator, INPUT_ITEMS, query, {"response_id": "resp_1"})
    assert found is not None
    assert found["param"] == "include[1]" and found["code"] == "invalid_value"
    assert found["message"].startswith("Invalid value: 'x'. Supported values are: ")


@pytest.mark.parametrize(
    ("endpoint", "query"),
    [
        (LIST, ""),
        (LIST, "limit=5&order=desc&after=chatcmpl-1&model=gpt-4o"),
        (LIST, "metadata[user]=alice&metadata[team]=blue"),
        (LIST, "limit=1&api-version=2024-10-21&unknown=ignored"),  # unknown ones are ignored
        (RETRIEVE, "stream=true&starting_after=3&include_obfuscation=false"),
        (RETRIEVE, "include=message.output_text.logprobs"),  # repeated form, one value
        (INPUT_ITEMS, "include[]=message.output_text.logprobs&order=asc&limit=100"),
    ],
)
def test_valid_parameters_pass(validator: RequestValidator, endpoint: str, query: str) -> None:
    path = {"response_id": "resp_1", "completion_id": "chatcmpl-1"}
    assert error(validator, endpoint, query, path) is None


def test_the_order_error_is_the_one_the_chat_routes_already_answered(
    validator: RequestValidator,
) -> None:
    with pytest.raises(APIError) as caught:
        chat_routes._check_order({"order": "sideways"})
    assert error(validator, LIST, "order=sideways") == caught.value.body()["error"]


def test_parameters_are_typed_by_their_schema(schemas: SchemaSet) -> None:
    schema = schemas.schema(INPUT_ITEMS, "parameters")
    assert schema is not None
    query = [
        ("limit", "7"),
        ("include", "a"),
        ("include[]", "b"),
        ("order", "desc"),
        ("order", "asc"),  # a repeated name keeps the last value, as in a JSON body
    ]
    typed = forms.parameters(query, {"response_id": "resp_1"}, schema)
    assert typed == {"limit": 7, "include": ["a", "b"], "order": "asc", "response_id": "resp_1"}
    listed = schemas.schema(LIST, "parameters")
    assert listed is not None
    typed = forms.parameters([("metadata[k]", "v"), ("limit", "1e3")], {}, listed)
    assert typed == {"metadata": {"k": "v"}, "limit": "1e3"}


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1" * 5000, "1" * 25])
def test_a_number_field_never_becomes_a_non_number(value: str) -> None:
    # Form fields and query values: NaN, infinity and huge integers stay strings, which
    # validation then refuses as a type error (and a 5000-digit int never crashes).
    schema = {"type": "object", "properties": {"n": {"type": "number"}, "i": {"type": "integer"}}}
    assert forms.coerce({"n": value, "i": value}, schema) == {"n": value, "i": value}


# --- derivation ---------------------------------------------------------------------------


def spec_with(parameters: list[Any], path_level: list[Any] | None = None) -> dict[str, Any]:
    operation = {
        "parameters": parameters,
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}},
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "T", "version": "1"},
        "paths": {"/things/{id}": {"get": operation, "parameters": path_level or []}},
        "components": {
            "schemas": {"Mode": {"type": "string", "enum": ["a", "b"]}},
            "parameters": {"After": {"name": "after", "in": "query", "schema": {"type": "string"}}},
        },
    }


TARGET = derive.Target("GET", "/things/{id}", "things")


def derived(spec: dict[str, Any]) -> dict[str, Any]:
    """The parameters document ``derive`` writes for ``TARGET`` of ``spec``."""
    raw = derive._target_schemas(spec, TARGET)["parameters"]
    return derive.schema_document(raw, spec["components"]["schemas"])


def test_derived_parameters_follow_refs_and_override_the_path_items() -> None:
    spec = spec_with(
        [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "mode", "in": "query", "schema": {"$ref": "#/components/schemas/Mode"}},
            {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}},
            {"$ref": "#/components/parameters/After"},
            {"name": "x-trace", "in": "header", "schema": {"type": "string"}},
        ],
        path_level=[{"name": "limit", "in": "query", "schema": {"type": "string"}}],
    )
    document = derived(spec)
    assert document["properties"] == {
        "limit": {"type": "integer"},  # the operation's, not the path item's
        "id": {"type": "string"},
        "mode": {"$ref": "#/$defs/Mode"},
        "after": {"type": "string"},
    }
    assert document["required"] == ["limit", "id"]
    assert document["$defs"] == {"Mode": {"type": "string", "enum": ["a", "b"]}}


def test_a_name_in_both_path_and_query_is_an_error_naming_it() -> None:
    spec = spec_with(
        [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "id", "in": "query", "schema": {"type": "string"}},
        ]
    )
    with pytest.raises(SchemaError, match=re.escape("GET /v1/things/{id}: the parameter 'id'")):
        derived(spec)


def test_the_index_names_the_parameters_file(schemas: SchemaSet) -> None:
    assert schemas.file_for(RETRIEVE, "parameters") == "responses.retrieve.parameters.json"
