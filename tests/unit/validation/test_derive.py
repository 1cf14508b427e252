"""mockapi.validation.derive: OpenAPI schemas -> self-contained JSON Schema documents."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockapi.errors import SchemaError
from mockapi.validation import derive
from mockapi.validation.derive import Patch, Target

SPEC = Path(__file__).resolve().parents[3] / ".." / "shared" / "spec" / "openapi.yaml"
CHAT = "POST /v1/chat/completions"


def small_spec() -> dict[str, Any]:
    """A hand-written OpenAPI 3.0-style document exercising each translation."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tiny API", "version": "9.9.9", "description": "not copied"},
        "paths": {
            "/things": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Req"}}
                        }
                    },
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                },
                                "text/event-stream": {
                                    "schema": {"$ref": "#/components/schemas/Event"}
                                },
                            }
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Req": {
                    "type": "object",
                    "description": "dropped",
                    "x-oaiMeta": {"dropped": True},
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "example": "dropped"},
                        "limit": {"type": "integer", "nullable": True, "minimum": 1},
                        "mode": {"type": "string", "enum": ["a", "b"], "nullable": True},
                        "ref_or_null": {"$ref": "#/components/schemas/Mode", "nullable": True},
                        "choice": {
                            "nullable": True,
                            "oneOf": [{"type": "string"}, {"type": "array"}],
                            "discriminator": {
                                "propertyName": "kind",
                                "mapping": {"m": "#/components/schemas/Mode"},
                            },
                        },
                        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                        "when": {"type": "string", "default": datetime.date(2024, 1, 2)},
                        "description": {"type": "string"},  # a property named like a keyword
                        "tree": {"$ref": "#/components/schemas/Tree"},
                    },
                },
                "Mode": {"type": "string", "enum": ["x", "y"]},
                "Tree": {
                    "$recursiveAnchor": True,
                    "type": "object",
                    "properties": {"children": {"type": "array", "items": {"$recursiveRef": "#"}}},
                },
                "Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Event": {"type": "object", "properties": {"seq": {"type": "integer"}}},
                "Unused": {"type": "object"},
            }
        },
    }


TINY = (Target("POST", "/things", "things"),)


def tiny() -> dict[str, dict[str, Any]]:
    return derive.derive(small_spec(), targets=TINY, patches=())


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        mapping: dict[str, Any] = node["mapping"] if isinstance(node.get("mapping"), dict) else {}
        found += [v for v in mapping.values() if isinstance(v, str)]
        return found + [r for v in node.values() for r in refs_in(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs_in(v)]
    return []


def test_files_and_index() -> None:
    files = tiny()
    assert sorted(files) == [
        "index.json",
        "things.request.json",
        "things.response.json",
        "things.stream_event.json",
    ]
    index = files["index.json"]
    assert index["endpoints"] == {
        "POST /v1/things": {
            "request": "things.request.json",
            "response": "things.response.json",
            "stream_event": "things.stream_event.json",
        }
    }
    assert index["source"] == {
        "file": "openapi.yaml",
        "openapi": "3.1.0",
        "title": "Tiny API",
        "version": "9.9.9",
    }
    assert index["format"] == derive.INDEX_FORMAT


def test_refs_become_local_defs_with_only_reachable_components() -> None:
    request = tiny()["things.request.json"]
    assert request["$schema"] == derive.DIALECT
    assert request["$ref"] == "#/$defs/Req"
    assert sorted(request["$defs"]) == ["Mode", "Req", "Tree"]  # not Thing, Event, Unused
    refs = refs_in(request)
    assert refs and all(ref.startswith("#/$defs/") for ref in refs)
    assert all(ref.removeprefix("#/$defs/") in request["$defs"] for ref in refs)
    choice = request["$defs"]["Req"]["properties"]["choice"]
    assert choice["anyOf"][0]["discriminator"]["mapping"] == {"m": "#/$defs/Mode"}


def test_recursive_ref_points_at_its_component() -> None:
    tree = tiny()["things.request.json"]["$defs"]["Tree"]
    assert tree["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}
    assert "$recursiveAnchor" not in tree


def test_openapi_only_keywords_are_dropped_and_property_names_kept() -> None:
    req = tiny()["things.request.json"]["$defs"]["Req"]
    text = json.dumps(req)
    assert "x-oaiMeta" not in text and "example" not in text and "nullable" not in text
    assert "description" not in {k for k in req if k != "properties"}
    assert req["properties"]["description"] == {"type": "string"}
    assert req["properties"]["when"]["default"] == "2024-01-02"  # YAML date -> JSON string


def test_nullable_translations() -> None:
    props = tiny()["things.request.json"]["$defs"]["Req"]["properties"]
    assert props["limit"] == {"type": ["integer", "null"], "minimum": 1}
    assert props["mode"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert props["ref_or_null"] == {"anyOf": [{"$ref": "#/$defs/Mode"}, {"type": "null"}]}
    assert props["choice"]["anyOf"][1] == {"type": "null"}
    assert props["choice"]["anyOf"][0]["oneOf"] == [{"type": "string"}, {"type": "array"}]
    assert props["ratio"] == {"type": "number", "exclusiveMinimum": 0}


def test_nullable_fields_validate_null_and_reject_other_types() -> None:
    validator = Draft202012Validator(tiny()["things.request.json"])
    for field in ("limit", "mode", "ref_or_null", "choice"):
        assert validator.is_valid({"name": "n", field: None}), field
    assert not validator.is_valid({"name": "n", "limit": "x"})
    assert not validator.is_valid({"name": "n", "mode": "c"})
    assert not validator.is_valid({"name": "n", "ref_or_null": "z"})
    assert validator.is_valid({"name": "n", "ref_or_null": "x", "choice": []})
    assert not validator.is_valid({"name": "n", "ratio": 0})


def test_derive_is_deterministic_and_leaves_the_spec_alone() -> None:
    spec = small_spec()
    before = json.dumps(spec, default=str, sort_keys=True)
    first = json.dumps(derive.derive(spec, targets=TINY, patches=()), sort_keys=True)
    second = json.dumps(derive.derive(small_spec(), targets=TINY, patches=()), sort_keys=True)
    assert first == second
    assert json.dumps(spec, default=str, sort_keys=True) == before


def test_patches_apply_to_a_copy_and_leave_a_comment() -> None:
    spec = small_spec()
    patch = Patch("Req", ("properties", "name"), why="because", set=(("nullable", True),))
    files = derive.derive(spec, targets=TINY, patches=(patch,))
    name = files["things.request.json"]["$defs"]["Req"]["properties"]["name"]
    assert name == {"type": ["string", "null"], "$comment": "because"}
    assert "nullable" not in spec["components"]["schemas"]["Req"]["properties"]["name"]


def test_stale_patch_is_an_error_naming_it() -> None:
    stale = Patch("Req", ("properties", "name"), why="w", unrequire=("nope",))
    with pytest.raises(SchemaError, match=r"patch of Req at properties/name: required 'nope'"):
        derive.derive(small_spec(), targets=TINY, patches=(stale,))
    with pytest.raises(SchemaError, match="no such component"):
        derive.derive(small_spec(), targets=TINY, patches=(Patch("Gone", (), why="w"),))


def test_unknown_target_and_dangling_ref_are_errors() -> None:
    with pytest.raises(SchemaError, match=r"GET /v1/things: the spec has no operation get"):
        derive.derive(small_spec(), targets=(Target("GET", "/things", "t"),), patches=())
    spec = small_spec()
    spec["components"]["schemas"]["Thing"]["properties"]["x"] = {
        "$ref": "#/components/schemas/Missing"
    }
    with pytest.raises(SchemaError, match="Missing"):
        derive.derive(spec, targets=TINY, patches=())


# --- the real OpenAI spec ----------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> dict[str, dict[str, Any]]:
    if not SPEC.is_file():
        pytest.skip(f"the OpenAI spec is not at {SPEC.resolve()} (only in the dev workspace)")
    from mockapi.library import store

    return derive.derive(store.read_yaml(SPEC))


def test_real_documents_are_valid_self_contained_and_small(real: dict[str, Any]) -> None:
    assert set(real["index.json"]["endpoints"]) == {t.endpoint for t in derive.TARGETS}
    for name, document in real.items():
        if name == derive.INDEX_FILE:
            continue
        Draft202012Validator.check_schema(document)
        refs = refs_in(document)
        assert all(ref.startswith("#/$defs/") for ref in refs), name
        defs = set(document.get("$defs", {}))  # a parameters document may have none
        assert {ref.removeprefix("#/$defs/") for ref in refs} <= defs, name
        assert "#/components" not in json.dumps(document), name
        assert len(json.dumps(document, indent=2)) < 500_000, name


def test_real_nullable_field(real: dict[str, Any]) -> None:
    validator = Draft202012Validator(real["chat.completions.request.json"])
    base = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    assert validator.is_valid({**base, "max_completion_tokens": None})
    assert validator.is_valid({**base, "max_completion_tokens": 10})
    assert not validator.is_valid({**base, "max_completion_tokens": "x"})
    assert validator.is_valid({**base, "stop": None})
    assert validator.is_valid({**base, "top_logprobs": None})  # patched allOf conflict


def test_real_one_of_messages_and_content_parts(real: dict[str, Any]) -> None:
    validator = Draft202012Validator(real["chat.completions.request.json"])
    body: dict[str, Any] = {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "look", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "a cat"},
            {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
        ],
    }
    errors = [e.message for e in validator.iter_errors(body)]
    assert errors == []
    body["messages"][0] = {"role": "wizard", "content": "x"}
    assert not validator.is_valid(body)


def test_real_response_examples(real: dict[str, Any]) -> None:
    response = Draft202012Validator(real["chat.completions.response.json"])
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": "hi", "refusal": None},
            }
        ],
    }
    assert [e.message for e in response.iter_errors(completion)] == []
    completion["object"] = "chat.completion.chunk"
    assert not response.is_valid(completion)
    models = Draft202012Validator(real["models.list.response.json"])
    entry = {"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"}
    assert models.is_valid({"object": "list", "data": [entry]})
